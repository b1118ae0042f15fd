"""A second deploy of the converged hosts, at -v.

This is the scenario's idempotence check (its molecule.yml leaves Molecule's
own out): the deploy goes through every role (`wharf_fast_path: false`) and
changes nothing on either host. The same run is the secrets test's: the
scenario's real secrets are canaries that appear neither in its output nor
anywhere on the hosts but the environment file (0640 root:app). An upload
made before it survives it.

It runs first (conftest.py orders the modules), on the hosts as converge left
them. Its tests take every host in turn rather than testinfra's `host`
parameter, which pytest would group by host across the module (one host's
upload checked before the other's was made, or before the deploy). The
canaries reach the host on stdin into a 0600 file under /root, so the search
itself never puts a secret on a command line.
"""

import os
import subprocess
from pathlib import Path

import pytest
from wharf_verifier import (
    APP,
    ROOT,
    assert_upload_kept,
    connect,
    keep_an_upload,
    molecule_hosts,
    recap,
    run_playbook,
)

EPHEMERAL = Path(os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", "/nonexistent"))
PATTERNS = "/root/.wharf-canary"

# Each command prints the matching lines (or files); empty output means clean.
SEARCH = f"grep -aFf {PATTERNS}"
PLACES = {
    "journal": f"journalctl --no-pager -o cat | {SEARCH}",
    "nginx logs": f"cat /var/log/nginx/* | {SEARCH}",
    "PostgreSQL logs": f"cat /var/log/postgresql/* | {SEARCH}",
    "systemctl show": (
        f"systemctl show gunicorn-{APP}.service gunicorn-{APP}.socket nginx.service | {SEARCH}"
    ),
    "process arguments": f"cat /proc/[0-9]*/cmdline | tr '\\0' '\\n' | {SEARCH}",
    "world-readable files": (
        "find / -xdev \\( -path /proc -o -path /sys \\) -prune -o -type f -perm -o=r -size -20M"
        f" -print0 | xargs -0 grep -lFf {PATTERNS}"
    ),
}

UPLOADS: dict[str, tuple[str, str]] = {}  # host -> (path on disk, sha256)


def scenario_secrets() -> list[str]:
    secrets = [(EPHEMERAL / name).read_text().split()[0] for name in ("secret_key", "db_password")]
    assert all(len(secret) >= 32 for secret in secrets)
    return secrets


@pytest.fixture(scope="module")
def redeploy() -> subprocess.CompletedProcess:
    return run_playbook("-v")


def test_upload_before_redeploy():
    for name in molecule_hosts():
        UPLOADS[name] = keep_an_upload(connect(name))


def test_redeploy_changes_nothing(redeploy):
    assert redeploy.returncode == 0, redeploy.stdout[-3000:]
    for name in molecule_hosts():
        counts = recap(redeploy.stdout, name)
        assert counts["failed"] == 0
        assert counts["changed"] == 0, f"{name}: the second deploy changed {counts['changed']}"


def test_upload_survives_the_redeploy(redeploy):
    for name in molecule_hosts():
        assert name in UPLOADS, f"the upload step did not run for {name}"
        assert_upload_kept(connect(name), *UPLOADS[name])


def test_play_output_at_verbose_shows_no_secret(redeploy):
    output = redeploy.stdout + redeploy.stderr
    for secret in scenario_secrets():
        assert secret not in output


@pytest.mark.parametrize("place", sorted(PLACES))
def test_secret_appears_nowhere_on_the_host(redeploy, place):
    for name in molecule_hosts():
        subprocess.run(
            ["podman", "exec", "-i", name, "sh", "-c", f"umask 077; cat > {PATTERNS}"],
            input="\n".join(scenario_secrets()) + "\n",
            text=True,
            check=True,
        )
        host = connect(name)
        try:
            found = host.run(f"{{ {PLACES[place]}; }} 2>/dev/null")
            assert found.stdout == "", f"{name}: secret found in {place}"
        finally:
            host.run(f"rm -f {PATTERNS}")


def test_environment_file_holds_the_secrets_privately(redeploy):
    for name in molecule_hosts():
        env_file = connect(name).file(f"{ROOT}/shared/app.env")
        assert env_file.mode == 0o640 and env_file.user == "root" and env_file.group == APP
        for secret in scenario_secrets():
            assert secret in env_file.content_string
