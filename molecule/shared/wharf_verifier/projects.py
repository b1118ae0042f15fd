"""Helpers for the scenarios that deploy real projects from ../shared/fixtures/projects/."""

from __future__ import annotations

import os
import shlex
import tarfile
from pathlib import Path

from . import ROOT

EPHEMERAL = Path(os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", "/nonexistent"))
# Where prepare.yml unpacked the archives: one folder per project.
PROJECTS = EPHEMERAL / "projects"
FIXTURES = Path(
    os.environ.get("WHARF_FIXTURES")
    or Path(os.environ.get("MOLECULE_PROJECT_DIRECTORY", "/nonexistent")).parent
    / "shared"
    / "fixtures"
    / "projects"
)


def manage(host, *args: str, stdin: str = "") -> str:
    """bin/manage on the host, as an operator runs it (root; it drops to the app user)."""
    command = shlex.join([f"{ROOT}/bin/manage", *args])
    result = host.run(f"{command} <<'EOF'\n{stdin}\nEOF" if stdin else command)
    assert result.rc == 0, f"manage {' '.join(args)}: {result.stdout}{result.stderr}"
    return result.stdout


def shell(host, code: str) -> str:
    """The last line a Python snippet prints in the project's Django shell."""
    return manage(host, "shell", "--command", code).strip().splitlines()[-1]


def assert_unpacked_as_published(name: str) -> int:
    """Every file of the project's archive is in the unpacked tree unchanged; how many."""
    archive = next(FIXTURES.glob(f"{name}-*.tar.gz"))
    checked = 0
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            if member.isfile():
                published = tar.extractfile(member).read()
                assert (PROJECTS / member.name).read_bytes() == published, member.name
                checked += 1
    return checked
