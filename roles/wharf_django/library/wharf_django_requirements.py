#!/usr/bin/python
"""Read a project's pip requirements file and every file it includes."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

DOCUMENTATION = r"""
module: wharf_django_requirements
short_description: Read a project's pip requirements and the files they include
description:
  - Follows C(-r)/C(--requirement) and C(-c)/C(--constraint) lines, relative to the file
    that names them, as pip does.
  - Returns a digest of every file read, so a virtualenv keyed by it is rebuilt when any
    of them changes (an included C(base.txt) as much as the named file), and the
    normalised names of the packages the files ask pip to install.
  - Reads only; supports check mode.
options:
  project:
    description: Directory the requirements file is relative to (the project's manage.py directory).
    type: path
    required: true
  file:
    description: The requirements file, relative to I(project).
    type: str
    required: true
  app_server:
    description:
      - A requirement for the app server (e.g. C(gunicorn==23.0.0)), returned when the files
        do not install that package, so the caller installs it too; the project's own pin wins.
    type: str
    default: ""
"""

RETURN = r"""
files:
  description: Files read, relative to I(project), the named file first.
  type: list
  elements: str
  returned: success
digest:
  description: SHA-256 over the paths and contents of I(files).
  type: str
  returned: success
app_server:
  description: I(app_server) when the files do not install its package, else an empty string.
  type: str
  returned: success
packages:
  description: Normalised names (PEP 503) of the packages to install; constraint files add none.
  type: list
  elements: str
  returned: success
"""

# Long forms first: "-c" would also match the start of "--constraint".
INCLUDE_OPTIONS = ("--requirement", "--constraint", "-r", "-c")
PACKAGE_NAME = re.compile(r"^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)")
EGG_NAME = re.compile(r"#egg=([A-Za-z0-9][A-Za-z0-9._-]*)")
COMMENT = re.compile(r"(^|\s+)#.*$")


class RequirementsError(Exception):
    """A requirements file that pip could not read either."""


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def logical_lines(text: str) -> list[str]:
    """Lines as pip reads them: continuations joined, comments and blanks dropped."""
    joined = re.sub(r"\\\r?\n", "", text)
    lines = (COMMENT.sub("", line).strip() for line in joined.splitlines())
    return [line for line in lines if line]


def include(line: str) -> tuple[bool, str] | None:
    """For an include line: whether it installs (-r) or only constrains (-c), and its target."""
    for option in INCLUDE_OPTIONS:
        if line.startswith(option):
            rest = line[len(option) :]
            if option.startswith("--") and rest[:1] not in ("=", " ", "\t"):
                return None
            return option in ("-r", "--requirement"), rest.lstrip(" \t=").strip()
    return None


def package_name(line: str) -> str | None:
    """The project a requirement line installs, or None for options and URLs without a name."""
    if line.startswith("-"):
        match = EGG_NAME.search(line) if line.startswith(("-e", "--editable")) else None
        return normalise(match.group(1)) if match else None
    if "://" in line.split("@")[0] or line.startswith((".", "/")):
        match = EGG_NAME.search(line)
        return normalise(match.group(1)) if match else None
    match = PACKAGE_NAME.match(line)
    return normalise(match.group(1)) if match else None


def missing(requirement: str, packages: list[str]) -> str:
    """The requirement when its package is not among those installed, else ""."""
    return "" if not requirement or package_name(requirement) in packages else requirement


def relative_name(path: Path, project: Path) -> str:
    try:
        return str(path.relative_to(project))
    except ValueError:
        return str(path)


def read_tree(project: Path, name: str) -> tuple[list[str], str, list[str]]:
    """Files read (named file first), their digest, and the packages they install."""
    project = project.resolve()
    files: list[str] = []
    packages: set[str] = set()
    digest = hashlib.sha256()
    # (file, whether its packages are installed or only constrain, who named it)
    pending: list[tuple[Path, bool, str]] = [(project / name, True, "")]
    seen: set[tuple[Path, bool]] = set()
    while pending:
        path, installs, named_by = pending.pop(0)
        resolved = path.resolve()
        shown = relative_name(resolved, project)
        if (resolved, installs) in seen:
            continue
        if not resolved.is_file():
            raise RequirementsError(f"{shown} was not found{named_by}")
        seen.add((resolved, installs))
        content = resolved.read_bytes()
        if shown not in files:
            files.append(shown)
            digest.update(shown.encode() + b"\0" + content + b"\0")
        for line in logical_lines(content.decode("utf-8", "replace")):
            included = include(line)
            if included is None:
                package = package_name(line)
                if installs and package:
                    packages.add(package)
            elif "://" not in included[1]:  # pip fetches a URL; the line is in the digest
                named = f" ({shown} names it: {line})"
                pending.append((path.parent / included[1], installs and included[0], named))
    return files, digest.hexdigest(), sorted(packages)


def main() -> None:
    from ansible.module_utils.basic import AnsibleModule

    module = AnsibleModule(
        argument_spec={
            "project": {"type": "path", "required": True},
            "file": {"type": "str", "required": True},
            "app_server": {"type": "str", "default": ""},
        },
        supports_check_mode=True,
    )
    try:
        files, digest, packages = read_tree(Path(module.params["project"]), module.params["file"])
    except (RequirementsError, OSError) as error:
        module.fail_json(
            msg=f"wharf_django_requirements_file: {error} in the project"
            f" ({module.params['project']}); check wharf_django_requirements_file"
            " and wharf_django_project_dir."
        )
    app_server = module.params["app_server"]
    module.exit_json(
        changed=False,
        files=files,
        digest=digest,
        packages=packages,
        app_server=missing(app_server, packages),
    )


if __name__ == "__main__":
    main()
