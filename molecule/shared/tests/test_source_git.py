"""The project can come from a private git repository instead of the controller.

An SSH git server on the host itself (sshd on 127.0.0.1:2222, a `gitserve`
account that accepts one deploy key) stands in for the team's git server. It
holds the deployed sample project with a theme as a git submodule, tagged.
The inventory gives the deploy key and pins the server's host key: the tag's
commit becomes a release (exported with its submodule, without .git), and a
server presenting another host key is refused. Then the site switches back
to the controller's copy. Each run is a code deploy (`--tags django`, the
application plays only), as a team switching its source would run it.

The git deploy also sets a free-space floor above what any disk has: while
it serves, uploads are refused (507) before they are read, and pages serve.
"""

import json

import pytest
from wharf_verifier import (
    ROOT,
    connect,
    load_json,
    make_png,
    molecule_hosts,
    run_playbook,
    upload_avatar,
)

GIT = "/srv/git"
SOURCE = "/tmp/wharf-source"
URL = "ssh://gitserve@127.0.0.1:2222"
TAG = "v9.0"
THEME_FILE = "vendor/theme/theme.txt"

SERVER = f"""set -e
id gitserve >/dev/null 2>&1 || useradd --system --create-home --shell /usr/bin/git-shell gitserve
# No password, but not locked: sshd without PAM refuses a locked account's keys.
usermod --password '*' gitserve
rm -rf {GIT} {SOURCE} /tmp/wharf-theme /tmp/wharf-keys; mkdir -p {GIT} /tmp/wharf-keys
ssh-keygen -q -t ed25519 -N '' -C deploy -f /tmp/wharf-keys/deploy
ssh-keygen -q -t ed25519 -N '' -C impostor -f /tmp/wharf-keys/impostor
install -d -o gitserve -m 0700 ~gitserve/.ssh
install -o gitserve -m 0600 /tmp/wharf-keys/deploy.pub ~gitserve/.ssh/authorized_keys
cat > /tmp/wharf-keys/sshd_config <<'EOF'
Port 2222
ListenAddress 127.0.0.1
HostKey /etc/ssh/ssh_host_ed25519_key
PasswordAuthentication no
KbdInteractiveAuthentication no
AllowUsers gitserve
PidFile /tmp/wharf-keys/sshd.pid
EOF
[ -f /tmp/wharf-keys/sshd.pid ] && kill "$(cat /tmp/wharf-keys/sshd.pid)" 2>/dev/null || true
/usr/sbin/sshd -f /tmp/wharf-keys/sshd_config
commit() {{ git add -A; git -c user.name=t -c user.email=t@example.org commit -q -m "$1"; }}
mkdir /tmp/wharf-theme; cd /tmp/wharf-theme; git init -q -b main
echo "theme from a submodule" > theme.txt; commit theme
git clone -q --bare /tmp/wharf-theme {GIT}/theme.git
cp -r {ROOT}/current/code {SOURCE}; cd {SOURCE}; git init -q -b main
# The scenario's configuration file holds the secret key: Wharf writes it, no repository has it.
rm -f wharf_local.cfg
git -c protocol.file.allow=always submodule add -q {GIT}/theme.git vendor/theme
git config -f .gitmodules submodule.vendor/theme.url {URL}{GIT}/theme.git
commit release; git tag {TAG}
git clone -q --bare {SOURCE} {GIT}/site.git
chown -R gitserve {GIT}
git rev-parse HEAD
"""


def code_deploy(name: str, *extra: str):
    return run_playbook("--tags", "django", "--limit", name, *extra)


@pytest.fixture(scope="module")
def git_server(tmp_path_factory):
    """The server, the tag's commit and the inventory for it (a file: the key stays off argv)."""
    host = connect(molecule_hosts()[0])
    setup = host.run(SERVER)
    assert setup.rc == 0, setup.stdout + setup.stderr
    host_key = host.check_output("cut -d' ' -f1,2 /etc/ssh/ssh_host_ed25519_key.pub")
    impostor = host.check_output("cut -d' ' -f1,2 /tmp/wharf-keys/impostor.pub")
    settings = {
        "wharf_django_source": "git",
        "wharf_django_git_repo": f"{URL}{GIT}/site.git",
        "wharf_django_git_version": TAG,
        "wharf_django_git_key": host.check_output("cat /tmp/wharf-keys/deploy") + "\n",
        "wharf_django_git_known_hosts": f"[127.0.0.1]:2222 {host_key}\n",
        "wharf_django_upload_free_space_floor_mb": 1 << 40,
    }
    folder = tmp_path_factory.mktemp("git")
    (folder / "good.json").write_text(json.dumps(settings))
    wrong = {**settings, "wharf_django_git_known_hosts": f"[127.0.0.1]:2222 {impostor}\n"}
    (folder / "impostor.json").write_text(json.dumps(wrong))
    return {"commit": setup.stdout.strip().splitlines()[-1], "folder": folder, **settings}


def test_deploy_a_tag_from_a_private_repository_with_its_submodule(host, site, git_server):
    name = host.backend.get_hostname()
    if name != molecule_hosts()[0]:
        return  # one host is enough; the other keeps serving the controller's copy
    commit = git_server["commit"]
    result = code_deploy(name, "-e", f"@{git_server['folder'] / 'good.json'}")
    assert result.returncode == 0, result.stdout[-3000:]
    assert load_json(site.get("/healthz"))["version"] == commit[:12]
    release = json.loads(host.file(f"{ROOT}/current/release.json").content_string)
    assert release == {"version": commit[:12], "source": commit}
    assert not host.file(f"{ROOT}/current/code/.git").exists
    theme = host.file(f"{ROOT}/current/code/{THEME_FILE}")
    assert theme.content_string == "theme from a submodule\n"
    assert site.get("/").status == 200
    # The key is root's alone on the host, and no log line carries it.
    key = host.file(f"{ROOT}/source-git.key")
    assert (key.user, key.mode) == ("root", 0o600)
    body = git_server["wharf_django_git_key"].splitlines()[1]
    assert body not in result.stdout + result.stderr


def test_below_the_free_space_floor_uploads_are_refused_unread(host, site, git_server):
    name = host.backend.get_hostname()
    if name != molecule_hosts()[0]:
        return
    stored = f"find {ROOT}/shared/media -type f | wc -l"
    before = host.check_output(stored)
    make_png(host, "/tmp/wharf-floor.png", seed=4242)
    refused = upload_avatar(site, "Floor", "/tmp/wharf-floor.png")
    assert refused.status == 507 and b"disk is nearly full" in refused.body
    assert refused.header("X-Content-Type-Options") == "nosniff"
    assert host.check_output(stored) == before
    assert site.get("/").status == 200


def test_a_server_with_another_host_key_is_refused(host, site, git_server):
    name = host.backend.get_hostname()
    if name != molecule_hosts()[0]:
        return
    before = host.check_output(f"readlink {ROOT}/current")
    result = code_deploy(name, "-e", f"@{git_server['folder'] / 'impostor.json'}")
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "Host key verification failed" in output
    assert "wharf_django_git_known_hosts" in output
    assert host.check_output(f"readlink {ROOT}/current") == before
    assert load_json(site.get("/healthz"))["version"] == git_server["commit"][:12]


def test_back_to_the_controllers_copy(host, site, git_server):
    name = host.backend.get_hostname()
    if name != molecule_hosts()[0]:
        return
    result = code_deploy(name)
    assert result.returncode == 0, result.stdout[-3000:]
    assert load_json(site.get("/healthz"))["version"] != git_server["commit"][:12]
    release = json.loads(host.file(f"{ROOT}/current/release.json").content_string)
    assert release["source"] != git_server["commit"]
