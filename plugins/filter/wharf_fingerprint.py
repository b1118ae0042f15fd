"""Fingerprints of what a deploy converges a host to, for the fast path.

deploy.yml takes them twice: at the start, to compare with the host's record,
and at the end, as the new record (so files the run itself wrote into the
inventory, such as a new local CA or generated secrets, are part of it).

`hostvars | wharf_fingerprint(inventory_hostname, inventory_dir, facts, archive)` hashes
everything a converged host follows from: Wharf's own code (roles/,
playbooks/, plugins/), the inventory directory's files (group_vars,
host_vars, vault files, the local secrets and CA), every `wharf_*` variable
as this host resolves it (extra vars and lookups included), and the host
facts the roles' defaults read. Two runs with the same fingerprint would
write the same files; deploy.yml skips a host whose recorded fingerprint
matches (docs/releases.md "Fast path").
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
CODE_DIRS = ("roles", "playbooks", "plugins")
SKIPPED_NAMES = {"__pycache__", ".pytest_cache", ".ruff_cache"}
# Where the local project is read from: the packed archive's content stands
# for it in the application's fingerprint, so a copy elsewhere (a CI
# checkout, bench/deploy.py) is the same site.
APP_SOURCE_SETTINGS = {"wharf_django_local_path"}
# Settings that decide how a deploy runs, not what it converges a host to,
# and the facts a run sets along the way (the fast path's answer, the
# release switch's state): the record is fingerprinted again at the end of
# the run, and must match the fingerprint the next run takes at its start.
RUN_SETTINGS = {
    "wharf_fast_path",
    "wharf_converged",
    "wharf_django_switch_pending",
    "wharf_django_migrating",
    "wharf_django_serving",
    "wharf_django_env_checked",
}
# The host facts the roles' defaults and templates read.
FACTS = (
    "distribution",
    "distribution_version",
    "processor_vcpus",
    "default_ipv4",
    "all_ipv6_addresses",
)


def _files(top: Path) -> Iterable[Path]:
    for path in sorted(top.rglob("*")):
        if path.is_file() and not SKIPPED_NAMES.intersection(path.relative_to(top).parts):
            yield path


def tree_digest(top: Path) -> str:
    """sha256 over the relative names and contents of every file below `top`."""
    digest = hashlib.sha256()
    if top.is_dir():
        for path in _files(top):
            digest.update(str(path.relative_to(top)).encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


@cache
def code_digest() -> str:
    """Wharf's roles, playbooks and plugins (once per controller process)."""
    return hashlib.sha256(
        "".join(tree_digest(REPO / name) for name in CODE_DIRS).encode()
    ).hexdigest()


def wharf_fingerprint(
    hostvars: Mapping, host: str, inventory_dir: str, facts: Mapping[str, Any], archive: str = ""
) -> dict[str, str]:
    """{"site": ..., "app": ...}: what the host's provisioning follows from, and
    that plus the application's packed source ("" without one: a git source
    is only known on the host, so its application part never counts as
    converged)."""
    own = hostvars[host]
    skipped = APP_SOURCE_SETTINGS | RUN_SETTINGS
    names = [n for n in own if n.startswith("wharf_") and n not in skipped]
    settings = {name: own[name] for name in sorted(names)}
    document = {
        "code": code_digest(),
        "inventory": tree_digest(Path(inventory_dir)),
        "settings": settings,
        "facts": {name: facts.get(name) for name in FACTS},
    }
    site = hashlib.sha256(json.dumps(document, sort_keys=True, default=str).encode()).hexdigest()
    app = ""
    if archive and Path(archive).is_file():
        source = hashlib.sha256(Path(archive).read_bytes()).hexdigest()
        app = hashlib.sha256(f"{site}:{source}".encode()).hexdigest()
    return {"site": site, "app": app}


class FilterModule:
    def filters(self) -> dict:
        return {"wharf_fingerprint": wharf_fingerprint}
