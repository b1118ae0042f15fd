"""The project can come from a git repository instead of the controller.

A bare repository made from the deployed sample project on the host itself
(file://) stands in for the team's git server. The commit becomes a release
(exported, without .git), the site reports it as its version, and switches
back to the controller's copy.
"""

import json

from wharf_verifier import ROOT, load_json, molecule_hosts, run_playbook

REPO = "/tmp/wharf-source.git"


def test_deploy_from_git_and_back(host, site):
    name = host.backend.get_hostname()
    if name != molecule_hosts()[0]:
        return  # one host is enough; the other keeps serving the controller's copy
    setup = host.run(
        f"set -e; rm -rf /tmp/wharf-source {REPO}; cp -r {ROOT}/current/code /tmp/wharf-source;"
        " cd /tmp/wharf-source; git init -q -b main;"
        " git add -A; git -c user.name=t -c user.email=t@example.org commit -q -m release;"
        f" git clone -q --bare /tmp/wharf-source {REPO}; git rev-parse HEAD"
    )
    assert setup.rc == 0, setup.stderr
    commit = setup.stdout.strip()

    from_git = {"wharf_django_source": "git", "wharf_django_git_repo": f"file://{REPO}"}
    result = run_playbook("--limit", name, "-e", json.dumps(from_git))
    assert result.returncode == 0, result.stdout[-3000:]
    assert load_json(site.get("/healthz"))["version"] == commit[:12]
    release = json.loads(host.file(f"{ROOT}/current/release.json").content_string)
    assert release == {"version": commit[:12], "source": commit}
    assert not host.file(f"{ROOT}/current/code/.git").exists
    assert site.get("/").status == 200

    result = run_playbook("--limit", name)
    assert result.returncode == 0, result.stdout[-3000:]
    assert load_json(site.get("/healthz"))["version"] != commit[:12]
    assert json.loads(host.file(f"{ROOT}/current/release.json").content_string)["source"] != commit
