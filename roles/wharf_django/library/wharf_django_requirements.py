#!/usr/bin/python
"""Read a project's dependencies: a requirements file and what it includes, or a lock file."""

from __future__ import annotations

import hashlib
import re
import tomllib
from pathlib import Path

DOCUMENTATION = r"""
module: wharf_django_requirements
short_description: Read a project's requirements (and the files they include) or its lock file
description:
  - A requirements file - follows C(-r)/C(--requirement) and C(-c)/C(--constraint) lines,
    relative to the file that names them, as pip does.
  - C(uv.lock) - the packages the project's own dependencies reach, without its dev groups
    and optional extras; its C(pyproject.toml) counts in the digest.
  - C(poetry.lock) - the main group's packages, returned as pinned requirements (what uv
    installs); C(pyproject.toml) counts in the digest.
  - C(pyproject.toml) without a lock - its C([project]) dependencies.
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
    description: The requirements or lock file, relative to I(project); the kind follows its name.
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
kind:
  description: C(requirements), C(uv.lock), C(poetry.lock) or C(pyproject.toml).
  type: str
  returned: success
pinned:
  description: For C(poetry.lock), its main group as requirements (a pin per line), else "".
  type: str
  returned: success
"""

LOCKS = ("uv.lock", "poetry.lock", "pyproject.toml")

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


def read_toml(path: Path, project: Path) -> dict:
    shown = relative_name(path, project)
    if not path.is_file():
        raise RequirementsError(f"{shown} was not found")
    try:
        return tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as error:
        raise RequirementsError(f"{shown} is not valid TOML ({error})") from None


def requirement_names(requirements: list[str]) -> list[str]:
    return [name for name in (package_name(line.strip()) for line in requirements) if name]


def uv_lock_packages(lock: dict) -> list[str]:
    """Packages `uv sync --no-dev` installs: what the project's own dependencies reach."""
    packages = {normalise(package["name"]): package for package in lock.get("package", [])}
    roots = [
        package
        for package in packages.values()
        if "." in (package.get("source", {}).get(key) for key in ("editable", "virtual"))
    ]
    reached: set[str] = set()
    pending = [normalise(dep["name"]) for root in roots for dep in root.get("dependencies", [])]
    while pending:
        name = pending.pop()
        if name in reached or name not in packages:
            continue
        reached.add(name)
        pending.extend(normalise(dep["name"]) for dep in packages[name].get("dependencies", []))
    return sorted(reached)


def poetry_main(lock: dict) -> list[dict]:
    """The lock's packages in Poetry's main group (Poetry 2 `groups`, Poetry 1 `category`)."""
    return [
        package
        for package in lock.get("package", [])
        if not package.get("optional", False)
        and ("main" in package.get("groups", []) or package.get("category") == "main")
    ]


def poetry_pin(package: dict) -> str:
    """One requirements line pinning a Poetry-locked package, with its marker."""
    name, source = package["name"], package.get("source", {})
    kind = source.get("type")
    if kind == "git":
        commit = source.get("resolved_reference") or source["reference"]
        pin = f"{name} @ git+{source['url']}@{commit}"
    elif kind == "url":
        pin = f"{name} @ {source['url']}"
    elif kind in ("directory", "file"):
        raise RequirementsError(
            f"poetry.lock installs {name} from the path {source.get('url')!r}, which a deploy"
            " cannot reproduce: publish it to an index or a git repository"
        )
    else:
        pin = f"{name}=={package['version']}"
    markers = package.get("markers", "")
    if isinstance(markers, dict):
        markers = markers.get("main", "")
    return f"{pin} ; {markers}" if markers else pin


def read_lock(project: Path, name: str) -> tuple[list[str], str, list[str], str]:
    """A lock file (or a plain pyproject.toml): files read, digest, packages, poetry's pins."""
    project = project.resolve()
    path = (project / name).resolve()
    kind = path.name
    pyproject_path = path.parent / "pyproject.toml"
    document = read_toml(path, project)
    pyproject = document if kind == "pyproject.toml" else read_toml(pyproject_path, project)
    files = list(dict.fromkeys(relative_name(each, project) for each in (path, pyproject_path)))
    digest = hashlib.sha256()
    for shown in files:
        digest.update(shown.encode() + b"\0" + (project / shown).read_bytes() + b"\0")
    pinned = ""
    if kind == "uv.lock":
        packages = uv_lock_packages(document)
    elif kind == "poetry.lock":
        main = poetry_main(document)
        packages = sorted(normalise(package["name"]) for package in main)
        pinned = "".join(poetry_pin(package) + "\n" for package in main)
    else:
        packages = sorted(requirement_names(pyproject.get("project", {}).get("dependencies", [])))
    return files, digest.hexdigest(), packages, pinned


def read(project: Path, name: str) -> tuple[str, list[str], str, list[str], str]:
    """Kind, files read, digest, packages and poetry's pins of a requirements or lock file."""
    if Path(name).name in LOCKS:
        return Path(name).name, *read_lock(project, name)
    return "requirements", *read_tree(project, name), ""


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
    name = module.params["file"]
    variable = f"wharf_django_{'lock' if Path(name).name in LOCKS else 'requirements'}_file"
    try:
        kind, files, digest, packages, pinned = read(Path(module.params["project"]), name)
    except (RequirementsError, OSError, KeyError, TypeError) as error:
        module.fail_json(
            msg=f"{variable}: {error} in the project ({module.params['project']});"
            f" check {variable} and wharf_django_project_dir."
        )
    app_server = module.params["app_server"]
    module.exit_json(
        changed=False,
        files=files,
        digest=digest,
        packages=packages,
        app_server=missing(app_server, packages),
        kind=kind,
        pinned=pinned,
    )


if __name__ == "__main__":
    main()
