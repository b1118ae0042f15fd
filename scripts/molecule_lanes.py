#!/usr/bin/env python3
"""Run Molecule scenarios in lanes that go at once; report each scenario as it ends.

    scripts/molecule_lanes.py default,release,projects cluster,netbox,s3,whitenoise

Each argument is a lane: its scenarios run one after another
(`molecule test -s <scenario>`), and the lanes run side by side, each
filling the other's waits (health checks, reboots, the release tests'
load); the scenarios are mostly CPU-bound, so the suite takes about the sum
of their times alone (docs/testing.md). They share nothing (own
containers, networks, published ports and Molecule directories).

Each scenario's output goes to .cache/molecule-logs/<scenario>.log. When a
scenario ends its time is printed, with the end of its log when it passed
and the whole log when it failed. After a failure no lane starts another
scenario; the exit status is 1 if any failed.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
LOGS = PROJECT / ".cache" / "molecule-logs"
TAIL_LINES = 60


@dataclass
class Outcome:
    scenario: str
    seconds: int
    passed: bool


class Suite:
    """The lanes' shared state: what ended, whether anything failed, one printer at a time."""

    def __init__(self) -> None:
        self.outcomes: list[Outcome] = []
        self.failed = threading.Event()
        self.printing = threading.Lock()

    def report(self, outcome: Outcome, log: Path) -> None:
        lines = log.read_text(errors="replace").splitlines()
        shown = lines if not outcome.passed else lines[-TAIL_LINES:]
        verdict = "passed" if outcome.passed else "FAILED"
        with self.printing:
            print(f"\n== molecule {outcome.scenario}: {verdict}; log {log}", flush=True)
            print("\n".join(shown), flush=True)
            print(f"== molecule {outcome.scenario} took {outcome.seconds} s", flush=True)
            self.outcomes.append(outcome)


def run_scenario(scenario: str, suite: Suite) -> bool:
    log = LOGS / f"{scenario}.log"
    started = time.monotonic()
    with log.open("w") as output:
        result = subprocess.run(
            ["molecule", "test", "-s", scenario],
            cwd=PROJECT,
            stdout=output,
            stderr=subprocess.STDOUT,
            check=False,
        )
    outcome = Outcome(scenario, round(time.monotonic() - started), result.returncode == 0)
    suite.report(outcome, log)
    return outcome.passed


def run_lane(scenarios: list[str], suite: Suite) -> None:
    for scenario in scenarios:
        if suite.failed.is_set():
            return
        if not run_scenario(scenario, suite):
            suite.failed.set()


def known_scenarios() -> set[str]:
    return {path.parent.name for path in (PROJECT / "molecule").glob("*/molecule.yml")}


def parse_lanes(arguments: list[str]) -> list[list[str]]:
    lanes = [[name for name in argument.split(",") if name] for argument in arguments]
    unknown = {name for lane in lanes for name in lane} - known_scenarios()
    if unknown or not any(lanes):
        names = ", ".join(sorted(unknown)) or "(none given)"
        raise SystemExit(f"molecule_lanes: no such scenario: {names}")
    return [lane for lane in lanes if lane]


def main(arguments: list[str]) -> int:
    lanes = parse_lanes(arguments)
    LOGS.mkdir(parents=True, exist_ok=True)
    suite = Suite()
    started = time.monotonic()
    print(f"== molecule lanes: {' | '.join(', '.join(lane) for lane in lanes)}", flush=True)
    threads = [threading.Thread(target=run_lane, args=(lane, suite)) for lane in lanes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print("\n== molecule times", flush=True)
    for outcome in suite.outcomes:
        verdict = "passed" if outcome.passed else "FAILED"
        print(f"   {outcome.scenario:<12} {outcome.seconds:>5} s  {verdict}")
    print(f"   {'(wall)':<12} {round(time.monotonic() - started):>5} s", flush=True)
    return 1 if suite.failed.is_set() else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
