"""The processes a site runs besides its web server, from its Procfile and the inventory.

`procfile_text | wharf_processes(procfile_name, overrides, stop_timeout)`
reads a Procfile (`name: command` per line, `#` comments; the Heroku and
foreman convention) and applies the inventory's list on top: an entry with a
known name replaces fields of the Procfile's, a new name adds a process, and
`count: 0` turns one off. It answers

    {"processes": [{"name", "command", "count", "stop_timeout", "from_procfile",
                    "run", "simple"}, ...],
     "instances": ["worker@1", "worker@2", ...],
     "release": "the release command, or ''", "release_from_procfile": bool}

`run` is the line sh runs for it: a simple command (no pipes, lists or
substitutions) as `exec`, after its leading variable assignments, so the
program itself is the unit's main process and gets its stop signal.

`web` is left out (Wharf's gunicorn serves the site) and `release` is
returned apart: it runs once per deploy, before the switch. Anything that
could not become a unit is refused with the file's line or the variable's
entry named, before the deploy changes anything.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from ansible.errors import AnsibleFilterError

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")
LINE = re.compile(r"^([^:\s]+)\s*:(.*)$")
WEB = "web"
RELEASE = "release"
VARIABLE = "wharf_processes_list"
# Shell syntax that makes a command more than one program.
COMPOUND = re.compile(r"[;&|<>()`\n]|\$\(")
ASSIGNMENTS = re.compile(r"""^(?:[A-Za-z_][A-Za-z0-9_]*=(?:'[^']*'|"[^"]*"|[^\s'"])*\s+)*""")


def exec_line(command: str) -> tuple[str, bool]:
    """The line sh runs for `command`, and whether it replaces sh (a simple command)."""
    if COMPOUND.search(command):
        return command, False
    prefix = ASSIGNMENTS.match(command)[0]
    return f"{prefix}exec {command[len(prefix) :]}", True


def parse_procfile(text: str, source: str) -> dict[str, str]:
    """The Procfile's processes in file order: {name: command}."""
    processes: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        where = f"{source} line {number}"
        match = LINE.match(line)
        if not match or not NAME.match(match[1]):
            raise AnsibleFilterError(
                f"{where} is not `name: command` with a name of letters, digits, '_' or '-' "
                f"(got {raw!r})"
            )
        name, command = match[1], match[2].strip()
        if not command:
            raise AnsibleFilterError(f"{where}: the process {name} has no command")
        if name in processes:
            raise AnsibleFilterError(f"{where}: the process {name} is declared twice")
        processes[name] = command
    return processes


def _count(entry: Mapping, where: str) -> int:
    count = entry.get("count", 1)
    if isinstance(count, bool) or not str(count).isdigit() or int(count) > 32:
        raise AnsibleFilterError(f"{where}: count must be a whole number 0-32 (got {count!r})")
    return int(count)


def _stop_timeout(entry: Mapping, default: Any, where: str) -> int:
    value = entry.get("stop_timeout", default)
    if isinstance(value, bool) or not str(value).isdigit() or not 1 <= int(value) <= 86400:
        raise AnsibleFilterError(f"{where}: stop_timeout must be 1-86400 seconds (got {value!r})")
    return int(value)


def _override(entry: Any, index: int) -> tuple[str, str]:
    """An inventory entry's name and where it is, for messages."""
    where = f"{VARIABLE}[{index}]"
    if not isinstance(entry, Mapping):
        raise AnsibleFilterError(f"{where} must be a mapping with a name (got {entry!r})")
    name = str(entry.get("name", ""))
    if not NAME.match(name) or name == WEB:
        raise AnsibleFilterError(
            f"{where}: name must be letters, digits, '_' or '-' (up to 40, not `web`, which is "
            f"gunicorn; got {name!r})"
        )
    unknown = set(entry) - {"name", "command", "count", "stop_timeout"}
    if unknown:
        raise AnsibleFilterError(f"{where}: unknown keys {sorted(unknown)}")
    return name, f"{where} ({name})"


def wharf_processes(
    procfile_text: str,
    procfile_name: str,
    overrides: Sequence[Any],
    stop_timeout: Any,
    procfile_read: bool = True,
) -> dict[str, Any]:
    """The processes to run as units and the release command (see the module docstring).

    With procfile_read false (the inventory checked before the Procfile is at
    hand), an entry without a command is taken to change the Procfile's."""
    commands = parse_procfile(procfile_text or "", procfile_name) if procfile_name else {}
    commands.pop(WEB, None)
    entries: dict[str, dict[str, Any]] = {
        name: {"command": command, "where": f"{procfile_name} ({name})"}
        for name, command in commands.items()
    }
    for index, entry in enumerate(overrides or []):
        name, where = _override(entry, index)
        merged = entries.setdefault(name, {"where": where})
        merged.update({key: value for key, value in entry.items() if key != "name"})
        merged["own_command"] = "command" in entry
        merged["where"] = where
    release, release_from_procfile = "", False
    processes = []
    for name, entry in entries.items():
        command = str(entry.get("command") or "").strip()
        if not command and not procfile_read:
            command = "(from the Procfile)"
        if not command:
            raise AnsibleFilterError(f"{entry['where']}: the process {name} has no command")
        if "\n" in command or "\x00" in command:
            raise AnsibleFilterError(f"{entry['where']}: the command must be one line")
        if name == RELEASE:
            release = command if _count(entry, entry["where"]) else ""
            release_from_procfile = name in commands and not entry.get("own_command")
            continue
        count = _count(entry, entry["where"])
        if count:
            timeout = _stop_timeout(entry, stop_timeout, entry["where"])
            run, simple = exec_line(command)
            processes.append(
                {"name": name, "command": command, "count": count, "stop_timeout": timeout,
                 "from_procfile": name in commands and not entry.get("own_command"),
                 "run": run, "simple": simple}
            )  # fmt: skip
    instances = [f"{p['name']}@{n}" for p in processes for n in range(1, p["count"] + 1)]
    return {
        "processes": processes,
        "instances": instances,
        "release": release,
        "release_from_procfile": release_from_procfile,
    }


class FilterModule:
    def filters(self) -> dict:
        return {"wharf_processes": wharf_processes}
