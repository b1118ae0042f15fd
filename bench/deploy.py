#!/usr/bin/env python3
"""Deploy benchmark against the local host (`make deploy` first).

Times, with the real playbooks and inventory/local:
  no-op       deploy.yml with nothing changed (twice)
  code-only   deploy.yml of a copy of app/ with only VERSION changed, under load
  rollback    rollback.yml back to the release serving before, under load
The load (bench/load.py) is 50 requests/s of /, /healthz and a hashed CSS
file, from the controller to 127.0.0.1:<published https port> only, bounded
in count and time. It reports failed requests, latency, and the switch-over
gap: seconds between the last /healthz answer from the old version and the
first from the new one.

usage: bench/deploy.py [--port 8443]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from load import Counts, Load, fetch

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"


def playbook(name: str, *extra: str) -> tuple[float, str]:
    started = time.monotonic()
    command = [str(ROOT / ".venv/bin/ansible-playbook"), "-i", "inventory/local"]
    result = subprocess.run(
        [*command, f"playbooks/{name}", *extra],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.monotonic() - started
    if result.returncode != 0:
        sys.exit(f"bench: {name} failed:\n{result.stdout[-3000:]}")
    recap = re.search(r"^wharf-local\s+:\s+(.*)$", result.stdout, re.MULTILINE)
    return elapsed, recap.group(1) if recap else "?"


def get(port: int, path: str) -> bytes:
    return fetch(port, path)[1]


def serving_release() -> str:
    """Directory name of the release `current` points at on the local host."""
    link = subprocess.run(
        ["podman", "exec", "wharf-local", "readlink", "/srv/wharfdemo/current"],
        capture_output=True,
        text=True,
        check=True,
    )
    return link.stdout.strip().rsplit("/", 1)[-1]


def served_version(port: int) -> str:
    return json.loads(get(port, "/healthz"))["version"]


def under_load(port: int, action) -> tuple[tuple[float, str], Counts]:
    css = re.search(rb'"(/static/[^"]+\.[0-9a-f]{12}\.css)"', get(port, "/")).group(1).decode()
    with Load(port, ["/", "/healthz", css], rate=50, max_seconds=600) as load:
        time.sleep(2)
        outcome = action()
        time.sleep(3)
        counts = load.stop()
    return outcome, counts


def row(name: str, seconds: float, recap: str, counts: Counts | None, old: str, new: str) -> str:
    if counts is None:
        return f"| {name} | {seconds:.1f} s | {recap} | — | — | — |"
    gap = counts.switch_gap(old, new)
    return (
        f"| {name} | {seconds:.1f} s | {recap} | {counts.failed + counts.errors} of {counts.sent} |"
        f" {counts.percentile(0.5) * 1000:.0f} / {counts.percentile(0.99) * 1000:.0f} /"
        f" {max(counts.latencies) * 1000:.0f} ms | {'—' if gap is None else f'{gap:.2f} s'} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8443, help="published https port")
    port = parser.parse_args().port
    before, release_before = served_version(port), serving_release()
    lines = []

    for attempt in (1, 2):
        seconds, recap = playbook("deploy.yml")
        lines.append(row(f"no-op deploy #{attempt}", seconds, recap, None, "", ""))

    bench_version = f"{before}+bench.{datetime.now(UTC):%Y%m%d%H%M%S}"
    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch) / "app"
        shutil.copytree(ROOT / "app", source, ignore=shutil.ignore_patterns(".venv", "var"))
        (source / "VERSION").write_text(bench_version + "\n")
        extra = ("-e", json.dumps({"wharf_django_local_path": str(source)}))
        (seconds, recap), counts = under_load(port, lambda: playbook("deploy.yml", *extra))
    lines.append(row("code-only deploy", seconds, recap, counts, before, bench_version))
    assert served_version(port) == bench_version

    back = ("-e", json.dumps({"wharf_django_rollback_to": release_before}))
    (seconds, recap), counts = under_load(port, lambda: playbook("rollback.yml", *back))
    lines.append(row("rollback", seconds, recap, counts, bench_version, before))
    assert served_version(port) == before

    report = [
        f"# Deploy benchmark — {datetime.now(UTC):%Y-%m-%dT%H:%MZ}",
        "",
        "inventory/local (`wharf-local`), load 50 req/s of /, /healthz, a hashed CSS file",
        "from the controller to 127.0.0.1 during the code-only deploy and the rollback.",
        "",
        "| run | time | recap | failed requests | latency p50 / p99 / max | switch-over gap |",
        "|---|---|---|---|---|---|",
        *lines,
    ]
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "deploy.md").write_text("\n".join(report) + "\n")
    print("\n".join(report))


if __name__ == "__main__":
    main()
