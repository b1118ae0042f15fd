"""The scenario's real secrets are canaries: after a deploy at -v they appear
nowhere but the environment file (0640 root:app).

The patterns reach the host on stdin into a 0600 file under /root, so the
search itself never puts a secret on a command line.
"""

import os
import subprocess
from pathlib import Path

import pytest
from wharf_verifier import APP, ROOT, run_playbook

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


def scenario_secrets() -> list[str]:
    secrets = [(EPHEMERAL / name).read_text().split()[0] for name in ("secret_key", "db_password")]
    assert all(len(secret) >= 32 for secret in secrets)
    return secrets


@pytest.fixture(scope="module")
def verbose_deploy() -> subprocess.CompletedProcess:
    return run_playbook("-v")


def test_play_output_at_verbose_shows_no_secret(verbose_deploy):
    assert verbose_deploy.returncode == 0, verbose_deploy.stdout[-3000:]
    output = verbose_deploy.stdout + verbose_deploy.stderr
    for secret in scenario_secrets():
        assert secret not in output


@pytest.mark.parametrize("place", sorted(PLACES))
def test_secret_appears_nowhere_on_the_host(host, verbose_deploy, place):
    name = host.backend.get_hostname()
    subprocess.run(
        ["podman", "exec", "-i", name, "sh", "-c", f"umask 077; cat > {PATTERNS}"],
        input="\n".join(scenario_secrets()) + "\n",
        text=True,
        check=True,
    )
    try:
        found = host.run(f"{{ {PLACES[place]}; }} 2>/dev/null")
        assert found.stdout == "", f"secret found in {place}"
    finally:
        host.run(f"rm -f {PATTERNS}")


def test_environment_file_holds_the_secrets_privately(host):
    env_file = host.file(f"{ROOT}/shared/app.env")
    assert env_file.mode == 0o640 and env_file.user == "root" and env_file.group == APP
    for secret in scenario_secrets():
        assert secret in env_file.content_string
