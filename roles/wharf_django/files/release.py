#!/usr/bin/python3
"""Switch this host's application to a release, check it serves, or put the previous one back.

Installed by the wharf_django role as /srv/<app>/bin/release, with its
settings beside it in release.toml (written from the role's variables).
Runs as root; the deploy and rollback playbooks call it once per host.

    release activate        the release the deploy staged (the `next` link),
                            then remove releases beyond the ones kept
    release activate DIR    a finished release under releases/ (rollback.yml)
    release check           wait until the serving release answers (restore.yml)

Activating points `current` at the release (one rename(2): at every instant
it names the old or the new release), puts the environment the deploy
checked (shared/app.env.next) in place of the serving one when it differs,
keeping the serving one to put back, restarts the application units
(behind systemd's socket, connections wait in its queue meanwhile) and asks
the site for its health and the release's version until it answers or the
timeout passes. If it does not, the previous release and environment are
put back, restarted and checked in the same way: a release that fails
leaves the site as it was, environment included. Once a release serves,
the site's other processes (workers, schedulers: the `workers` units) are
restarted onto it without waiting for them: each finishes the job in hand
first, within its unit's stop timeout, so the web switch never waits on a
long task.

It prints one JSON line, {"changed": ..., "serving": ..., "msg": ...}, and
exits 0 when the release serves, 3 when it failed and the previous release
serves again, 4 when nothing serves, 64 on bad usage.
"""

from __future__ import annotations

import grp
import json
import math
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

# Python itself exits 1 on an unexpected error.
SERVES, REVERTED, DOWN, USAGE = 0, 3, 4, 64
HEALTH_INTERVAL = 2.0


@dataclass(frozen=True)
class Settings:
    """release.toml: where the releases live and how to check one serves."""

    root: Path
    group: str
    units: list[str]
    workers: list[str]
    keep: int
    static_pool: str
    legacy_paths: list[str]
    health_url: str
    health_curl: list[str]
    health_timeout: int
    health_expect_version: bool
    health_settings: str
    environment: str = ""

    @property
    def releases(self) -> Path:
        return self.root / "releases"

    @property
    def current(self) -> Path:
        return self.root / "current"

    @property
    def staged(self) -> Path:
        return self.root / "next"

    @property
    def venvs(self) -> Path:
        return self.root / "venvs"

    @property
    def environment_next(self) -> Path:
        return Path(self.environment + ".next")

    @property
    def environment_previous(self) -> Path:
        return Path(self.environment + ".previous")


class Failed(Exception):
    """A step of the activation that did not work, said in one sentence."""


def load_settings(path: Path) -> Settings:
    data = tomllib.loads(path.read_text())
    return Settings(
        root=Path(data["root"]),
        group=data["group"],
        units=list(data["units"]),
        workers=list(data.get("workers", [])),
        keep=int(data["keep"]),
        static_pool=data.get("static_pool", ""),
        legacy_paths=list(data.get("legacy_paths", [])),
        health_url=data["health"]["url"],
        health_curl=list(data["health"]["curl"]),
        health_timeout=int(data["health"]["timeout"]),
        health_expect_version=bool(data["health"]["expect_version"]),
        health_settings=data["health"]["settings"],
        environment=data.get("environment", ""),
    )


# --- the links ------------------------------------------------------------


def link_target(link: Path) -> str:
    """Where a link points, "" when there is none."""
    try:
        return os.readlink(link)
    except OSError:
        return ""


def point(link: Path, target: str, group: str) -> None:
    """Replace `link` with one to `target` in a single rename."""
    temporary = link.with_name(f".{link.name}.new")
    temporary.unlink(missing_ok=True)
    os.symlink(target, temporary)
    os.lchown(temporary, 0, grp.getgrnam(group).gr_gid)
    os.replace(temporary, link)


def version_of(release: str) -> str:
    """The version a finished release's release.json names."""
    try:
        return str(json.loads((Path(release) / "release.json").read_text())["version"])
    except (OSError, ValueError, KeyError) as error:
        reason = f"no readable release.json: {error}"
        raise Failed(f"{release} is not a finished release ({reason})") from None


# --- the environment ---------------------------------------------------------


def same_bytes(one: Path, other: Path) -> bool:
    try:
        return one.read_bytes() == other.read_bytes()
    except FileNotFoundError:
        return False


def install_environment(settings: Settings) -> bool:
    """Put the checked environment in place of the serving one, keeping that
    one beside it to put back; whether anything changed.

    The checked file stays where the deploy wrote it, so the next deploy with
    the same inventory finds it unchanged."""
    if not settings.environment:
        return False
    serving, checked = Path(settings.environment), settings.environment_next
    if not checked.exists() or same_bytes(checked, serving):
        return False
    previous = settings.environment_previous
    previous.unlink(missing_ok=True)
    if serving.exists():
        os.link(serving, previous)
    temporary = serving.with_name(f".{serving.name}.new")
    temporary.unlink(missing_ok=True)
    shutil.copyfile(checked, temporary)
    os.chown(temporary, 0, grp.getgrnam(settings.group).gr_gid)
    os.chmod(temporary, 0o640)
    os.replace(temporary, serving)
    return True


def restore_environment(settings: Settings) -> None:
    """Put back the environment install_environment replaced (none, on a first deploy)."""
    previous = settings.environment_previous
    if previous.exists():
        os.replace(previous, settings.environment)
    else:
        Path(settings.environment).unlink(missing_ok=True)


# --- restart and health ---------------------------------------------------


def run(argv: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(argv, capture_output=True, text=True, check=False)


def restart(units: list[str]) -> None:
    """Restart the units; a unit that failed several starts in a row is reset first."""
    run(["systemctl", "reset-failed", *units])
    answer = run(["systemctl", "restart", *units])
    if answer.returncode != 0:
        raise Failed(f"systemctl restart {' '.join(units)} failed: {answer.stderr.strip()}")


def unit_property(unit: str, name: str) -> str:
    return run(["systemctl", "show", "--value", f"--property={name}", unit]).stdout.strip()


def restart_workers(units: list[str]) -> str:
    """Queue a restart of the units that exist (a site may have none); what it could not.

    A unit that failed its start limit (a worker that crashed on the previous
    release) would refuse the restart: it and the units that are its parts
    (a target's processes) are reset first."""
    present = [unit for unit in units if unit_property(unit, "LoadState") == "loaded"]
    if not present:
        return ""
    parts = [part for unit in present for part in unit_property(unit, "ConsistsOf").split()]
    run(["systemctl", "reset-failed", *present, *parts])
    answer = run(["systemctl", "restart", "--no-block", *present])
    if answer.returncode != 0:
        return f" Restarting {' '.join(present)} failed: {answer.stderr.strip()}"
    return ""


def ask_health(settings: Settings) -> tuple[str, str]:
    """One health request: (status code, with a redirect's target, or curl's error; body)."""
    answer = run(
        ["curl", "--silent", "--show-error", "--max-time", "10", "--output", "-",
         "--write-out", "\n%{http_code} %{redirect_url}", *settings.health_curl]
    )  # fmt: skip
    body, _, last = answer.stdout.rpartition("\n")
    if answer.returncode != 0:
        return answer.stderr.strip() or f"curl exited {answer.returncode}", body
    status, _, location = last.strip().partition(" ")
    return (f"{status} redirecting to {location}" if location else status), body


def wait_until_serving(settings: Settings, version: str) -> None:
    """Ask until the site answers 200 (naming `version` if expected) or the timeout passes."""
    wanted = re.compile(r'"version":\s*"' + re.escape(version) + '"')
    attempts = max(1, math.ceil(settings.health_timeout / HEALTH_INTERVAL)) + 1
    for attempt in range(attempts):
        status, body = ask_health(settings)
        if status == "200" and (not settings.health_expect_version or wanted.search(body)):
            return
        if attempt + 1 < attempts:
            time.sleep(HEALTH_INTERVAL)
    expected = f"200 naming version {version}" if settings.health_expect_version else "200"
    got = f"{status} {body.strip()[:200]}".strip()
    raise Failed(
        f"{settings.health_url} did not answer {expected} within {settings.health_timeout} s "
        f"(last answer: {got}; {settings.health_settings})"
    )


def go_live(settings: Settings, release: str, version: str) -> None:
    point(settings.current, release, settings.group)
    restart(settings.units)
    wait_until_serving(settings, version)


# --- activation -------------------------------------------------------------


@dataclass
class Outcome:
    code: int
    changed: bool
    serving: str
    msg: str


def activate(settings: Settings, target: str, staged: bool) -> Outcome:
    """Make `target` the serving release, or return to the one serving before."""
    name = Path(target).name
    previous = link_target(settings.current)
    version = version_of(target)
    # A new release that never served is not kept: a later deploy builds it
    # again, and a rollback cannot pick it.
    discard = staged and Path(target) != Path(previous or "/")
    new_environment = staged and install_environment(settings)
    try:
        go_live(settings, target, version)
    except Failed as failure:
        if new_environment:
            restore_environment(settings)
        outcome = revert(settings, target, previous, discard, str(failure), new_environment)
    else:
        if new_environment:
            settings.environment_previous.unlink(missing_ok=True)
        outcome = Outcome(SERVES, True, name, f"{name} serves version {version}.")
    # After a revert they still run the release put back: nothing to restart.
    if outcome.code == SERVES:
        outcome.msg += restart_workers(settings.workers)
    return outcome


def revert(
    settings: Settings,
    target: str,
    previous: str,
    discard: bool,
    failure: str,
    new_environment: bool,
) -> Outcome:
    """Serve `previous` again (its environment already put back when the deploy changed it)."""
    name = Path(target).name
    failed = f"The release {name}" + (" with its new environment" if new_environment else "")
    if not previous or (Path(previous) == Path(target) and not new_environment):
        if not previous:
            # A first release that never came up is not left as `current`.
            settings.current.unlink(missing_ok=True)
            if discard:
                shutil.rmtree(target, ignore_errors=True)
        return Outcome(
            DOWN, True, "",
            f"{failed} did not come up ({failure}) and there is no previous release "
            "to return to.",
        )  # fmt: skip
    before = Path(previous).name
    try:
        go_live(settings, previous, version_of(previous))
    except Failed as second:
        return Outcome(
            DOWN, True, "",
            f"{failed} failed after the switch ({failure}), and {before}, put back, "
            f"did not serve either ({second}).",
        )  # fmt: skip
    if discard:
        shutil.rmtree(target, ignore_errors=True)
    return Outcome(
        REVERTED, True, before,
        f"{failed} failed after the switch ({failure}). current points at {before} "
        f"again{' with the previous environment' if new_environment else ''} and it is serving "
        "and healthy.",
    )  # fmt: skip


# --- pruning ----------------------------------------------------------------


def finished_releases(settings: Settings) -> list[Path]:
    """Releases with a release.json, oldest first (their names start with the time)."""
    return sorted(path.parent for path in settings.releases.glob("*/release.json"))


def prune(settings: Settings, serving: str, previous: str) -> list[str]:
    """Remove releases beyond the newest `keep` finished ones (the serving one and the one
    before it always kept), unfinished ones, virtualenvs no kept release uses, pooled static
    files only removed releases had, and the layout from before releases. What went."""
    kept = {*finished_releases(settings)[-settings.keep :]}
    kept |= {Path(path) for path in (serving, previous) if path}
    removed = []
    for release in sorted(settings.releases.iterdir()):
        if release.is_dir() and not release.is_symlink() and release not in kept:
            shutil.rmtree(release)
            removed.append(str(release))
    used = {link_target(release / "venv") for release in kept}
    if settings.venvs.is_dir():
        for venv in sorted(settings.venvs.iterdir()):
            if str(venv) not in used:
                shutil.rmtree(venv)
                removed.append(str(venv))
    for legacy in map(Path, settings.legacy_paths):
        if legacy.is_dir() and not legacy.is_symlink():
            shutil.rmtree(legacy)
        elif legacy.exists() or legacy.is_symlink():
            legacy.unlink()
        else:
            continue
        removed.append(str(legacy))
    removed += prune_static_pool(settings.static_pool)
    return removed


def prune_static_pool(pool: str) -> list[str]:
    """A pooled static file with a single link belongs to no kept release any more."""
    removed = []
    for folder, _, files in os.walk(pool) if pool else ():
        for name in files:
            path = Path(folder) / name
            if path.lstat().st_nlink == 1:
                path.unlink()
                removed.append(str(path))
    return removed


# --- the command -------------------------------------------------------------


def activate_staged(settings: Settings) -> Outcome:
    target = link_target(settings.staged)
    if not target:
        serving = Path(link_target(settings.current)).name
        return Outcome(SERVES, False, serving, "No release is staged: nothing to switch.")
    previous = link_target(settings.current)
    outcome = activate(settings, target, staged=True)
    settings.staged.unlink(missing_ok=True)
    if outcome.code == SERVES:
        removed = prune(settings, target, previous)
        if removed:
            outcome.msg += f" Removed {len(removed)} old releases, virtualenvs or static files."
    return outcome


def activate_named(settings: Settings, target: str) -> Outcome:
    release = Path(os.path.realpath(target))
    if release.parent != Path(os.path.realpath(settings.releases)):
        raise Failed(f"{target} is not a release under {settings.releases}")
    # A rollback replaces whatever an interrupted deploy left staged.
    settings.staged.unlink(missing_ok=True)
    return activate(settings, str(settings.releases / release.name), staged=False)


def check_serving(settings: Settings) -> Outcome:
    serving = link_target(settings.current)
    if not serving:
        return Outcome(DOWN, False, "", f"No release serves: {settings.current} does not exist.")
    name = Path(serving).name
    try:
        wait_until_serving(settings, version_of(serving))
    except Failed as failure:
        return Outcome(DOWN, False, "", f"The serving release {name} does not answer: {failure}")
    return Outcome(SERVES, False, name, f"{name} serves.")


def main(argv: list[str]) -> int:
    usage = {"activate": (2, 3), "check": (2,)}
    command = argv[1] if len(argv) > 1 else ""
    if len(argv) not in usage.get(command, ()):
        print(__doc__, file=sys.stderr)
        return USAGE
    settings = load_settings(Path(argv[0]).resolve().with_name("release.toml"))
    try:
        if command == "check":
            outcome = check_serving(settings)
        elif len(argv) == 3:
            outcome = activate_named(settings, argv[2])
        else:
            outcome = activate_staged(settings)
    except Failed as failure:
        outcome = Outcome(USAGE, False, "", str(failure))
    print(json.dumps(outcome.__dict__))
    return outcome.code


if __name__ == "__main__":
    sys.exit(main(sys.argv))
