"""Deploying new versions under load, for the scenarios that do (release, cluster).

The load is bench/load.py (pytest.ini puts bench/ on the import path): a
bounded, constant-rate stream from the controller to a container's
loopback-published https port.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from pathlib import Path

from load import Counts, Load

import wharf_verifier as shared

PROJECT = Path(__file__).resolve().parents[3]


def published_port(container: str) -> int:
    """The controller's 127.0.0.1 port podman publishes the container's 443 on."""
    answer = subprocess.run(
        ["podman", "port", container, "443/tcp"], capture_output=True, text=True, check=True
    )
    return int(answer.stdout.strip().splitlines()[0].rsplit(":", 1)[1])


def build(folder: Path, version: str, base: Path = PROJECT / "app") -> Path:
    """A copy of a project on the controller, with its VERSION set."""
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(base, folder, ignore=shutil.ignore_patterns(".venv", "var", "__pycache__"))
    (folder / "VERSION").write_text(version + "\n")
    return folder


def migration(after: str, *operations: str) -> str:
    """A migration file of the sample's gallery app, after migration `after`."""
    body = "".join(f"        {operation},\n" for operation in operations)
    return (
        "from django.db import migrations, models\n\n\n"
        "class Migration(migrations.Migration):\n"
        f'    dependencies = [("gallery", "{after}")]\n\n'
        f"    operations = [\n{body}    ]\n"
    )


def deploy(source: Path, *extra: str) -> subprocess.CompletedProcess:
    """deploy.yml (the converge playbook) with the project taken from `source`.

    With the fast path on, as users deploy (the scenarios converge with it
    off): once a deploy has recorded the host, a new version rebuilds and
    switches the release but leaves the unchanged provisioning alone.
    """
    settings = {"wharf_django_local_path": str(source), "wharf_fast_path": True}
    return shared.run_playbook("-e", json.dumps(settings), *extra)


def report(capsys, line: str) -> None:
    """Print past pytest's capture (fd-level), so every run's output shows it."""
    with capsys.disabled():
        print(line, flush=True)


# One request every 40 ms: any window in which a switch refuses or fails
# requests (a socket closed and reopened, a worker restarted without its
# listener, an upstream without a server) lasts longer than that, so none
# passes between two requests. At 25 requests/s the load costs the two-core
# machine about a fifth of a core; at 50 it took 0.4 to 0.65 (measured on the
# cluster's web host, bench/results/suite.md), slowing the deploy it watches
# and the other lane's scenario. bench/deploy.py keeps 50 for its figures.
LOAD_RATE = 25


def under_load(port: int, paths: list[str], action, capsys) -> tuple[object, Counts]:
    """Run `action` while LOAD_RATE requests/s of `paths` go to `port`; its result, the counts."""
    with Load(port, paths, rate=LOAD_RATE, max_seconds=600) as load:
        time.sleep(2)  # the load is flowing before anything changes
        result = action()
        time.sleep(3)  # and keeps flowing after the switch
        counts = load.stop()
    report(capsys, f"load: {counts}")
    return result, counts


def assert_no_failed_requests(counts: Counts) -> None:
    assert counts.sent > 100, f"the load barely ran: {counts}"
    assert counts.failed == 0 and counts.errors == 0, f"{counts}; first: {counts.problems[:5]}"


def flat(output: str) -> str:
    """Playbook output without whitespace: YAML results fold long messages anywhere."""
    return re.sub(r"\\\n\s*|\s+", "", output)
