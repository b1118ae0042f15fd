"""The Python a project asks for, checked against a host's before anything changes.

A project says which Python it needs in `pyproject.toml` (`[project]
requires-python`, a PEP 440 specifier set), `.python-version` (pyenv and uv:
the version it is developed on, read here as a minimum within that major
version) or `runtime.txt` (Heroku's `python-3.12.7`, the same). The first
found, in the project directory and then the source's top, is the one
checked.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

DECLARATIONS = ("pyproject.toml", ".python-version", "runtime.txt")
CLAUSE = re.compile(r"^\s*(~=|===|==|!=|<=|>=|<|>)\s*([0-9]+(?:\.[0-9]+)*)(\.\*)?\s*$")
VERSION = re.compile(r"([0-9]+)\.([0-9]+)(?:\.([0-9]+))?")

Version = tuple[int, ...]


def parse_version(text: str) -> Version:
    return tuple(int(part) for part in text.split("."))


def padded(version: Version, length: int) -> Version:
    return version + (0,) * (length - len(version))


def clause_holds(operator: str, wanted: Version, wildcard: bool, have: Version) -> bool:
    """One PEP 440 clause on release numbers (no pre-releases: hosts run final releases)."""
    if wildcard:
        prefix_matches = have[: len(wanted)] == wanted
        return prefix_matches if operator == "==" else not prefix_matches
    length = max(len(wanted), len(have))
    left, right = padded(have, length), padded(wanted, length)
    if operator == "~=":
        return left >= right and have[: len(wanted) - 1] == wanted[:-1]
    return {
        "==": left == right,
        "===": left == right,
        "!=": left != right,
        "<=": left <= right,
        ">=": left >= right,
        "<": left < right,
        ">": left > right,
    }[operator]


def satisfies(specifier: str, have: Version) -> bool:
    """Whether `have` meets every comma-separated clause; an unreadable clause is ignored."""
    for clause in specifier.split(","):
        match = CLAUSE.match(clause)
        if match and not clause_holds(
            match.group(1), parse_version(match.group(2)), bool(match.group(3)), have
        ):
            return False
    return True


def minimum_from(text: str) -> str:
    """`.python-version`/`runtime.txt` content as a specifier: that version or newer, same major."""
    for line in text.splitlines():
        match = VERSION.search(line.split("#", 1)[0])
        if match:
            major, minor = match.group(1), match.group(2)
            return f">={major}.{minor},<{int(major) + 1}"
    return ""


def declared(directory: Path) -> tuple[str, str]:
    """The specifier the directory declares and the file it came from, or ("", "")."""
    for name in DECLARATIONS:
        path = directory / name
        if not path.is_file():
            continue
        text = path.read_text(errors="replace")
        if name == "pyproject.toml":
            try:
                specifier = tomllib.loads(text).get("project", {}).get("requires-python", "")
            except tomllib.TOMLDecodeError:
                specifier = ""
            if specifier:
                return str(specifier), f"pyproject.toml requires-python {specifier!r}"
        elif minimum_from(text):
            return minimum_from(text), f"{name} {text.strip().splitlines()[0]!r}"
    return "", ""


def python_unmet(source: str, project_dir: str, host_version: str, host: str = "the host") -> str:
    """'' when the host's Python meets what the project declares, else why not."""
    top = Path(source)
    have = parse_version(".".join(VERSION.search(str(host_version)).groups("0")))
    for directory in dict.fromkeys([top / project_dir, top]):
        specifier, origin = declared(directory)
        if specifier:
            if satisfies(specifier, have):
                return ""
            shown = ".".join(str(part) for part in have)
            return (
                f"The project needs Python {specifier} ({origin} in {directory}), but the Python"
                f" on {host} is {shown}: deploy it to hosts with a newer Debian (13 has 3.13),"
                " or set wharf_django_python to an installed interpreter that meets it."
            )
    return ""


class FilterModule:
    def filters(self) -> dict:
        return {"wharf_python_unmet": python_unmet}
