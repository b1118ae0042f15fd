"""A starting inventory for an existing Django project, read from its source.

    make onboard PROJECT=<directory> [NAME=<inventory name>]

reads the project as its authors publish it (it never edits it) and writes
inventory/<name>/ for the local host: where manage.py lives, the settings
module (a production module beside a development default wins), the WSGI
application, the requirements file, the Python it needs (and so the local
host's Debian), the environment names its settings read and which of Wharf's
values they get, build steps with the system packages they need, and the
files the project expects its operator to write. What it could not infer is
listed at the end of the written file and printed: read it before deploying.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import shutil
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [
    str(REPO / "roles" / "wharf_django" / "filter_plugins"),
    str(REPO / "roles" / "wharf_django" / "library"),
]

from wharf_django_requirements import (  # noqa: E402
    LOCKS,
    RequirementsError,
    normalise,
    read,
    read_tree,
)
from wharf_python import declared, satisfies  # noqa: E402

# Not the project's own code: never searched for manage.py, settings or files.
SKIPPED_DIRS = {
    ".git", ".hg", ".venv", "venv", "env", ".tox", "node_modules", "site-packages",
    "__pycache__", "docs", "doc", "tests", "test", "contrib", "vagrant", ".github",
}  # fmt: skip
DEVELOPMENT_MODULES = {"dev", "development", "develop", "local", "test", "testing", "settings_dev"}
PRODUCTION_MODULES = ("production", "prod", "live", "deploy")
REQUIREMENT_FILES = (
    "requirements/production.txt", "requirements/prod.txt", "requirements-production.txt",
    "requirements-prod.txt", "requirements/requirements.txt", "requirements.txt",
    "requirements/base.txt",
)  # fmt: skip
LOCK_FILES = ("uv.lock", "poetry.lock", "Pipfile.lock", "pdm.lock")
# What pip needs to build psycopg from source (psycopg[c], psycopg2).
BUILD_PACKAGES = ["build-essential", "python3-dev", "libpq-dev"]
POSTGRESQL_DRIVERS = {"psycopg", "psycopg2", "psycopg2-binary", "psycopg-binary"}
# The Python of each Debian release the local host can run.
DEBIAN_PYTHON = {12: (3, 11, 2), 13: (3, 13, 5)}
# What Wharf writes into the environment file under these very names
# (roles/wharf_django/vars/main.yml): a project reading them needs nothing.
WHARF_NAMES = {
    "DJANGO_SETTINGS_MODULE", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS",
    "DATABASE_URL", "STATIC_URL", "STATIC_ROOT", "MEDIA_URL", "MEDIA_ROOT", "UPLOAD_MAX_BYTES",
    "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD", "SILENCED_SYSTEM_CHECKS",
    "APP_VERSION",
}  # fmt: skip
# The variable django-environ and dj-database-url read when given none.
DEFAULT_URL_NAMES = {
    "db": "DATABASE_URL", "db_url": "DATABASE_URL", "cache": "CACHE_URL",
    "cache_url": "CACHE_URL", "email": "EMAIL_URL", "email_url": "EMAIL_URL",
    "search_url": "SEARCH_URL",
}  # fmt: skip
ENV_NAME = re.compile(r"[A-Z][A-Z0-9_]*")
DATABASE_NAME_PARTS = re.compile(r"(^|_)(DB|DATABASE|POSTGRES|PG|PSQL)(_|$)")
# gunicorn options that take no value, and what an app argument looks like.
FLAGS = {"--reload", "--preload", "--daemon", "-D", "--check-config", "--print-config"}
APP_TARGET = re.compile(r"[\w.]+(:[\w.()]+)?")
EXAMPLE_SUFFIXES = (".example", ".sample", ".dist", ".template")
LOCAL_INVENTORY = REPO / "inventory" / "local"


class OnboardError(Exception):
    """Input this command cannot work from: the message names it."""


@dataclass
class EnvRead:
    """How the settings read one environment variable."""

    required: bool = False
    separator: str | None = None  # what the value is split on, when it is
    files: set[str] = field(default_factory=set)


@dataclass
class Findings:
    """The inventory variables found, what they came from, and what needs a person."""

    settings: dict[str, object] = field(default_factory=dict)
    found: list[str] = field(default_factory=list)
    todo: list[str] = field(default_factory=list)
    debian: int = 12


# Reading the tree -----------------------------------------------------------


def project_files(top: Path, pattern: str, depth: int = 4) -> Iterator[Path]:
    """Files below `top` matching `pattern`, shallowest first, outside SKIPPED_DIRS."""
    level = [top]
    for _ in range(depth + 1):
        below: list[Path] = []
        for folder in level:
            children = sorted(folder.iterdir())
            yield from (child for child in children if child.is_file() and child.match(pattern))
            below += [c for c in children if c.is_dir() and c.name not in SKIPPED_DIRS]
        level = below


def parse(path: Path) -> ast.Module | None:
    try:
        return ast.parse(path.read_text(errors="replace"), str(path))
    except SyntaxError:
        return None


def text_of(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def module_path(project: Path, dotted: str) -> Path | None:
    base = project.joinpath(*dotted.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def relative(path: Path, top: Path) -> str:
    return str(path.relative_to(top)) if path.is_relative_to(top) else str(path)


# The settings module ----------------------------------------------------------


def default_settings_module(manage_py: Path) -> str | None:
    """The module manage.py sets DJANGO_SETTINGS_MODULE to by default."""
    tree = parse(manage_py)
    for node in ast.walk(tree) if tree else ():
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            arguments = [text_of(argument) for argument in node.args]
            if node.func.attr == "setdefault" and arguments[:1] == ["DJANGO_SETTINGS_MODULE"]:
                return arguments[1] if len(arguments) > 1 else None
    return None


def production_module(project: Path, module: str) -> str:
    """A production module beside a development default, else the default itself."""
    path = module_path(project, module)
    package = module if path and path.name == "__init__.py" else module.rpartition(".")[0]
    if path and path.name != "__init__.py" and module.rpartition(".")[2] not in DEVELOPMENT_MODULES:
        return module
    for name in PRODUCTION_MODULES:
        candidate = f"{package}.{name}" if package else name
        if module_path(project, candidate):
            return candidate
    return module


def imported_modules(tree: ast.Module, module: str, is_package: bool) -> Iterator[str]:
    """Dotted names the module imports, relative imports resolved."""
    package_parts = module.split(".") if is_package else module.split(".")[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = package_parts[: len(package_parts) - node.level + 1] if node.level else []
            name = ".".join([*base, *([node.module] if node.module else [])])
            yield name
            yield from (f"{name}.{alias.name}" for alias in node.names if alias.name != "*")
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


def settings_files(project: Path, module: str) -> list[Path]:
    """The settings module's file and the project's own modules it imports, recursively."""
    files: list[Path] = []
    pending = [module]
    top_package = module.split(".")[0]
    while pending:
        name = pending.pop(0)
        path = module_path(project, name)
        if path is None or path in files:
            continue
        files.append(path)
        tree = parse(path)
        if tree:
            imported = imported_modules(tree, name, path.name == "__init__.py")
            pending += [each for each in imported if each.split(".")[0] == top_package]
    return files


# Environment variables ---------------------------------------------------------


def is_environ(node: ast.AST) -> bool:
    """os.environ, or environ imported from os."""
    if isinstance(node, ast.Attribute):
        return node.attr == "environ" and isinstance(node.value, ast.Name) and node.value.id == "os"
    return isinstance(node, ast.Name) and node.id == "environ"


def called_name(call: ast.Call) -> tuple[str | None, bool]:
    """The variable a call reads from the environment, and whether it must be set.

    Besides os.environ, os.getenv, django-environ, python-decouple and
    dj-database-url, a project's own helper counts when its name or its
    object's name says env (`env.text("NAME", default)`, `get_env("NAME")`):
    without a default it is taken to be required.
    """
    func, first = call.func, text_of(call.args[0]) if call.args else None
    has_default = len(call.args) > 1 or any(k.arg in {"default", "fallback"} for k in call.keywords)
    if isinstance(func, ast.Attribute):
        owner = func.value
        if func.attr in {"get", "getenv"} and (is_environ(owner) or _is_name(owner, "os")):
            return first, False
        if func.attr == "config" and _is_name(owner, "dj_database_url"):
            chosen = next((text_of(k.value) for k in call.keywords if k.arg == "env"), None)
            return chosen or "DATABASE_URL", False
        if _says_env(owner):
            return (first, not has_default) if first else (DEFAULT_URL_NAMES.get(func.attr), False)
    if isinstance(func, ast.Name):
        if func.id == "getenv":
            return first, False
        if func.id == "config" or "env" in func.id.lower():
            return first, not has_default
    return None, False


def _is_name(node: ast.AST, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


def _says_env(node: ast.AST) -> bool:
    name = node.id if isinstance(node, ast.Name) else getattr(node, "attr", "")
    return "env" in name.lower()


def split_separator(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> str | None:
    """What `<read>.split(...)` splits the value on (" " for split()), if it is split."""
    attribute = parents.get(node)
    call = parents.get(attribute) if attribute else None
    is_split = isinstance(attribute, ast.Attribute) and attribute.attr == "split"
    if is_split and isinstance(call, ast.Call) and call.func is attribute:
        return text_of(call.args[0]) if call.args else " "
    return None


def environment_reads(files: list[Path], top: Path) -> dict[str, EnvRead]:
    """Every environment variable the files read, by name."""
    reads: dict[str, EnvRead] = {}
    guarded: set[str] = set()  # `"NAME" in os.environ` checks: the read is optional
    for path in files:
        tree = parse(path)
        if tree is None:
            continue
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        for node in ast.walk(tree):
            name, required = None, False
            if isinstance(node, ast.Call):
                name, required = called_name(node)
            elif isinstance(node, ast.Subscript) and is_environ(node.value):
                name, required = text_of(node.slice), isinstance(node.ctx, ast.Load)
            elif isinstance(node, ast.Compare) and any(is_environ(c) for c in node.comparators):
                name = text_of(node.left)
                guarded.add(name or "")
            if not name or not ENV_NAME.fullmatch(name):
                continue
            read = reads.setdefault(name, EnvRead())
            read.required = read.required or (required and unconditional(node, parents))
            read.separator = read.separator or split_separator(node, parents)
            read.files.add(relative(path, top))
    for name in guarded & reads.keys():
        reads[name].required = False
    return reads


def unconditional(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """Whether the module runs `node` whenever it is imported (not under an if, try or def)."""
    conditional = (ast.If, ast.IfExp, ast.Try, ast.BoolOp, ast.FunctionDef, ast.Lambda, ast.With)
    while node in parents:
        node = parents[node]
        if isinstance(node, conditional):
            return False
    return True


def wharf_value(name: str, read: EnvRead) -> str | None:
    """The Jinja expression giving this project variable Wharf's value, if there is one."""
    separator = read.separator or ","
    if re.search(r"(^|_)SECRET_KEY$", name):
        return "{{ wharf_secret_key }}"
    if re.search(r"(^|_)ALLOWED_HOSTS$", name):
        return f"{{{{ wharf_domains | join({json.dumps(separator)}) }}}}"
    if re.search(r"(^|_)CSRF_TRUSTED_ORIGINS$", name):
        return f"{{{{ wharf_site.https_origins | join({json.dumps(separator)}) }}}}"
    if re.fullmatch(r"(DJANGO_)?(PRIMARY|SITE|CANONICAL|PUBLIC)_(HOST|HOSTNAME|DOMAIN)", name):
        return "{{ wharf_domains | first }}"
    return None


def map_environment(reads: dict[str, EnvRead], findings: Findings) -> None:
    extra_env: dict[str, str] = {}
    left: list[str] = []
    for name in sorted(reads):
        read, value = reads[name], wharf_value(name, reads[name])
        if name in WHARF_NAMES or name.startswith("AWS_"):
            continue  # Wharf writes it (the AWS_ names with S3 storage)
        if value:
            extra_env[name] = value
        elif read.required:
            findings.todo.append(
                f"{name} is required by {', '.join(sorted(read.files))}: give it a value in"
                " wharf_django_extra_env (secrets from ansible-vault)."
            )
        else:
            left.append(name)
    if extra_env:
        findings.settings["wharf_django_extra_env"] = extra_env
        findings.found.append(
            "The settings read Wharf's values under their own names: "
            + ", ".join(sorted(extra_env))
            + " (wharf_django_extra_env; check the separators)."
        )
    if left:
        findings.found.append(
            "Optional names the settings read, left to their defaults: " + ", ".join(left) + "."
        )
    database_names = [n for n in reads if n != "DATABASE_URL" and DATABASE_NAME_PARTS.search(n)]
    if "DATABASE_URL" not in reads:
        shown = f" (they read {', '.join(sorted(database_names))})" if database_names else ""
        findings.found.append(
            f"The settings do not read DATABASE_URL{shown}: Wharf's settings overlay sets"
            " DATABASES['default'] to Wharf's PostgreSQL database over whatever they build."
        )


# Settings Wharf provides that the project may fix in code --------------------


def fixed_paths(files: list[Path], top: Path) -> dict[str, str]:
    """STATIC_ROOT / MEDIA_ROOT assigned without reading the environment, and where."""
    fixed: dict[str, str] = {}
    for path in files:
        tree = parse(path)
        for node in tree.body if tree else ():
            if not isinstance(node, ast.Assign):
                continue
            for target in node.targets:
                name = target.id if isinstance(target, ast.Name) else ""
                reads_environment = any(
                    called_name(each)[0] if isinstance(each, ast.Call) else
                    isinstance(each, ast.Subscript) and is_environ(each.value)
                    for each in ast.walk(node.value)
                )  # fmt: skip
                if name in {"STATIC_ROOT", "MEDIA_ROOT"} and not reads_environment:
                    fixed[name] = f"{relative(path, top)}:{node.lineno}"
                elif name in fixed and reads_environment:
                    del fixed[name]
    return fixed


def report_fixed_paths(files: list[Path], top: Path, findings: Findings) -> None:
    served = {
        "STATIC_ROOT": "the release's static directory nginx serves",
        "MEDIA_ROOT": "the media directory every release shares",
    }
    for name, where in sorted(fixed_paths(files, top).items()):
        findings.found.append(
            f"{name} is computed in code ({where}) without reading the environment: Wharf's"
            f" settings overlay sets its own ({served[name]}) over it, as the release's code is"
            " read-only while the site runs."
        )


# Requirements, Python and Debian --------------------------------------------------


def choose_requirements(project: Path, top: Path, findings: Findings) -> list[str]:
    """The requirements file (relative to the project directory) and its lines."""
    for folder in dict.fromkeys([project, top]):
        for name in REQUIREMENT_FILES:
            if (folder / name).is_file():
                chosen = relative(folder / name, project) if folder == project else ""
                chosen = chosen or str(Path(*[".."] * len(project.relative_to(top).parts), name))
                return read_requirements(project, chosen, findings)
    for folder in dict.fromkeys([project, top]):
        for name in LOCKS:  # what wharf_django_lock_file installs, in this order
            usable = name != "pyproject.toml" or lists_dependencies(folder)
            if (folder / name).is_file() and usable:
                return read_lock_file(project, os.path.relpath(folder / name, project), findings)
    locks = [name for name in LOCK_FILES if (project / name).is_file() or (top / name).is_file()]
    findings.todo.append(
        "No requirements file was found"
        + (f" (the project locks with {', '.join(locks)}: not read by Wharf)" if locks else "")
        + ": Wharf installs from one; set wharf_django_requirements_file or wharf_django_lock_file."
    )
    return []


def lists_dependencies(folder: Path) -> bool:
    """Whether a pyproject.toml declares [project] dependencies (not only tool settings)."""
    try:
        document = tomllib.loads((folder / "pyproject.toml").read_text(errors="replace"))
    except tomllib.TOMLDecodeError:
        return False
    return bool(document.get("project", {}).get("dependencies"))


def read_lock_file(project: Path, chosen: str, findings: Findings) -> list[str]:
    """A uv.lock, poetry.lock or pyproject.toml: wharf_django_lock_file, and pins as lines."""
    findings.settings["wharf_django_lock_file"] = chosen
    try:
        kind, _, _, packages, pinned = read(project, chosen)
    except RequirementsError as error:
        findings.todo.append(f"The dependencies could not be read: {error}.")
        return []
    if kind == "uv.lock":
        lock = tomllib.loads((project / chosen).read_text())
        lines = [
            f"{each['name']}=={each.get('version', '')}"
            for each in lock.get("package", [])
            if normalise(each["name"]) in packages
        ]
    elif kind == "poetry.lock":
        lines = pinned.splitlines()
    else:
        lines = tomllib.loads((project / chosen).read_text())["project"]["dependencies"]
    findings.found.append(f"Dependencies: {chosen} ({len(packages)} packages, installed with uv).")
    check_packages(packages, lines, findings)
    return lines


def read_requirements(project: Path, chosen: str, findings: Findings) -> list[str]:
    findings.settings["wharf_django_requirements_file"] = chosen
    try:
        files, _, packages = read_tree(project, chosen)
    except RequirementsError as error:
        findings.todo.append(f"The requirements could not be read: {error}.")
        return []
    shown = [os.path.relpath(project / name, project) for name in files]
    findings.found.append(f"Requirements: {' → '.join(shown)} ({len(packages)} packages).")
    lines = [
        line.split("#", 1)[0].strip()
        for name in files
        for line in (project / name).read_text(errors="replace").splitlines()
    ]
    check_packages(packages, lines, findings)
    return lines


def check_packages(packages: list[str], lines: list[str], findings: Findings) -> None:
    if not POSTGRESQL_DRIVERS & set(packages):
        findings.todo.append(
            "The requirements list no PostgreSQL driver (psycopg): the project cannot reach"
            " Wharf's database without one."
        )
    if "gunicorn" not in packages:
        findings.found.append("gunicorn is not in the requirements: Wharf installs its own.")
    builds_from_source = any(
        re.match(r"psycopg\[[^\]]*\bc\b", line) or re.match(r"psycopg2(?![-\w])", line)
        for line in lines
    )
    if builds_from_source:
        findings.settings["wharf_django_system_packages"] = BUILD_PACKAGES
        findings.found.append("psycopg is built from source: its build packages are installed.")


def django_minimum_python(lines: list[str]) -> tuple[int, ...] | None:
    """Django 6 needs Python 3.12: the pinned or lowest allowed Django says so."""
    for line in lines:
        match = re.match(r"(?i)django\s*(?:==|>=|~=)\s*(\d+)", line)
        if match and int(match.group(1)) >= 6:
            return (3, 12)
    return None


def choose_debian(project: Path, top: Path, lines: list[str], findings: Findings) -> None:
    specifier, origin = next(
        (found for found in (declared(project), declared(top)) if found[0]), ("", "")
    )
    needed = django_minimum_python(lines)
    if not specifier and needed:
        specifier, origin = ">=3.12", "Django 6 in the requirements"
    if not specifier:
        findings.found.append("No Python version is declared: Debian 12 (3.11) is assumed.")
        return
    fitting = [debian for debian, python in DEBIAN_PYTHON.items() if satisfies(specifier, python)]
    if not fitting:
        findings.todo.append(
            f"The project needs Python {specifier} ({origin}), which neither Debian 12 (3.11)"
            " nor 13 (3.13) has: set wharf_django_python to an interpreter you install."
        )
        return
    findings.debian = fitting[0]
    findings.found.append(f"Python {specifier} ({origin}): Debian {fitting[0]}.")


# Procfile, WSGI, build steps, files the operator writes ----------------------------


# Words in a Procfile command that mean a job queue on Redis.
QUEUE_WORDS = ("celery", "rqworker", "rq worker", "huey", "dramatiq", "arq")


def procfile(top: Path) -> dict[str, str]:
    path = top / "Procfile"
    if not path.is_file():
        return {}
    entries = (line.split(":", 1) for line in path.read_text().splitlines() if ":" in line)
    return {name.strip(): command.strip() for name, command in entries if not name.startswith("#")}


def gunicorn_target(command: str) -> str | None:
    """The app in `gunicorn [options] module:app` (options with values skipped)."""
    words = command.split()
    if "gunicorn" not in words[:3]:
        return None
    arguments = words[words.index("gunicorn") + 1 :]
    for index, word in enumerate(arguments):
        previous = arguments[index - 1] if index else ""
        takes_value = previous.startswith("-") and "=" not in previous and previous not in FLAGS
        if not word.startswith("-") and not takes_value and APP_TARGET.fullmatch(word):
            return word if ":" in word else f"{word}:application"
    return None


def wsgi_application(files: list[Path]) -> str | None:
    for path in files:
        tree = parse(path)
        for node in tree.body if tree else ():
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "WSGI_APPLICATION" for t in node.targets
            ):
                dotted = text_of(node.value)
                if dotted and "." in dotted:
                    module, _, name = dotted.rpartition(".")
                    return f"{module}:{name}"
    return None


def choose_processes(
    processes: dict[str, str], procfile_path: str, files: list[Path], findings: Findings
) -> None:
    web = processes.get("web", "")
    target = gunicorn_target(web) or wsgi_application(files)
    if target:
        findings.settings["wharf_gunicorn_wsgi_app"] = target
        origin = "the Procfile's web process" if gunicorn_target(web) else "WSGI_APPLICATION"
        findings.found.append(f"WSGI application {target} (from {origin}).")
    else:
        findings.todo.append("No WSGI application was found: set wharf_gunicorn_wsgi_app.")
    if web and not gunicorn_target(web):
        findings.found.append(f"The Procfile's web process ({web}) gives way to Wharf's gunicorn.")
    for name, command in processes.items():
        if name == "release":
            findings.found.append(
                f"The Procfile's release process ({command}) runs once per deploy, after Wharf's"
                " migrate and before the switch."
            )
    others = [name for name in processes if name not in ("web", "release")]
    if others:
        findings.settings["wharf_processes_procfile"] = procfile_path
        findings.found.append(
            f"The Procfile's {', '.join(others)} processes run as systemd units"
            " (wharf_processes_procfile; docs/processes.md)."
        )
    if any(word in command for command in processes.values() for word in QUEUE_WORDS):
        findings.todo.append(
            "Its processes use a job queue: set wharf_redis: local and wharf_redis_password (from"
            " vault), and wharf_django_redis_env to the names its settings read the URL from."
        )


def build_steps(project: Path, top: Path, files: list[Path], findings: Findings) -> None:
    commands: list[str] = []
    packages: list[str] = []
    manifests = [p for p in (project / "package.json", top / "package.json") if p.is_file()]
    scripts = json.loads(manifests[0].read_text()).get("scripts", {}) if manifests else {}
    if "build" in scripts:
        folder = os.path.relpath(manifests[0].parent, project)
        commands.append(("" if folder == "." else f"cd {folder} && ") + "npm ci && npm run build")
        packages += ["nodejs", "npm"]
    messages = list(project_files(project, "*.po", depth=6))
    if messages and not all(path.with_suffix(".mo").is_file() for path in messages):
        commands.append("python manage.py compilemessages")
        packages.append("gettext")
    settings_text = "\n".join(path.read_text(errors="replace") for path in files)
    compresses = re.search(r"COMPRESS_OFFLINE\s*=\s*True", settings_text)
    if compresses and re.search(r"['\"]compressor['\"]", settings_text):
        commands.append("python manage.py compress --force")
    if commands:
        findings.settings["wharf_django_build_commands"] = commands
        findings.found.append("Build steps before each switch: " + "; ".join(commands) + ".")
    if packages:
        own = findings.settings.get("wharf_django_system_packages", [])
        findings.settings["wharf_django_system_packages"] = [*own, *packages]


def example_target(path: Path) -> str | None:
    """`configuration_example.py` → `configuration.py`; `local.py.example` → `local.py`."""
    if path.suffix in EXAMPLE_SUFFIXES:
        return path.stem
    match = re.fullmatch(r"(.+?)[_.-](example|sample|dist|template)(\.\w+)", path.name)
    return f"{match.group(1)}{match.group(3)}" if match else None


def operator_files(project: Path, files: list[Path], findings: Findings) -> None:
    """Files the project ships only an example of, and whether its settings need them."""
    optional, referenced = optional_imports(files), names_used(files)
    for path in project_files(project, "*", depth=3):
        target = example_target(path)
        if not target or (path.parent / target).exists():
            continue
        shown = relative(path.parent / target, project)
        stem = Path(target).stem
        if target == ".env":
            findings.found.append(f"{shown} (example {path.name}) is read only if present.")
        elif not target.endswith(".py"):
            continue
        elif stem in optional or stem not in referenced:
            findings.found.append(f"{shown} (example {path.name}) is optional for these settings.")
        else:
            findings.todo.append(
                f"{shown} is not in the source (its example is {path.name}) and the settings"
                " load it: write it with wharf_django_config_files, secrets from ansible-vault."
            )


def optional_imports(files: list[Path]) -> set[str]:
    """Modules the settings import inside try/except: optional local overrides."""
    names: set[str] = set()
    for path in files:
        tree = parse(path)
        for node in ast.walk(tree) if tree else ():
            if isinstance(node, ast.Try):
                for inner in ast.walk(ast.Module(body=node.body, type_ignores=[])):
                    if isinstance(inner, ast.ImportFrom) and inner.module:
                        names.add(inner.module.rpartition(".")[2])
    return names


def names_used(files: list[Path]) -> set[str]:
    """Every name, attribute, imported module part and string part in the files' code."""
    names: set[str] = set()
    for path in files:
        tree = parse(path)
        for node in ast.walk(tree) if tree else ():
            if isinstance(node, ast.Name):
                names.add(node.id)
            elif isinstance(node, ast.Attribute):
                names.add(node.attr)
            elif isinstance(node, ast.ImportFrom | ast.Import):
                modules = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
                for each in [*modules, *(alias.name for alias in node.names)]:
                    names.update(each.split("."))
            elif text_of(node):
                names.update(re.split(r"[./\\]", text_of(node)))
    return names


# Putting it together ---------------------------------------------------------------


def find_manage_py(top: Path) -> Path:
    found = next(project_files(top, "manage.py"), None)
    if found is None:
        raise OnboardError(f"PROJECT={top}: no manage.py was found in it (is it a Django project?)")
    return found


def app_name(module: str) -> str:
    name = re.sub(r"[^a-z0-9_-]", "-", module.split(".")[0].lower()).lstrip("-_0123456789")
    return (name or "app")[:31]


def read_project(top: Path) -> Findings:
    findings = Findings()
    manage_py = find_manage_py(top)
    project = manage_py.parent
    findings.settings["wharf_django_local_path"] = str(top)
    findings.settings["wharf_django_project_dir"] = relative(project, top) if project != top else ""
    default = default_settings_module(manage_py)
    if default is None:
        raise OnboardError(f"{relative(manage_py, top)}: it sets no default DJANGO_SETTINGS_MODULE")
    module = production_module(project, default)
    findings.settings["wharf_django_settings_module"] = module
    findings.found.append(
        f"Settings module {module}"
        + (f" (manage.py defaults to {default})." if module != default else " (manage.py's).")
    )
    files = settings_files(project, module)
    lines = choose_requirements(project, top, findings)
    choose_debian(project, top, lines, findings)
    procfile_at = top if procfile(top) else project
    choose_processes(
        procfile(procfile_at), str((procfile_at / "Procfile").relative_to(top)), files, findings
    )
    map_environment(environment_reads(files, top), findings)
    report_fixed_paths(files, top, findings)
    build_steps(project, top, files, findings)
    operator_files(project, files, findings)
    findings.settings = {"wharf_app_name": app_name(module), **findings.settings}
    return findings


def comment(text: str, width: int = 100) -> list[str]:
    """`text` as `# ` lines of at most `width` characters."""
    lines, line = [], "#"
    for word in text.split():
        if len(line) + 1 + len(word) > width and line != "#":
            lines.append(line)
            line = "#  "
        line += " " + word
    return [*lines, line]


class IndentedDumper(yaml.SafeDumper):
    """Lists indented below their key, as yamllint and the other inventories have them."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        return super().increase_indent(flow, False)


def quoted(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    """Jinja with single quotes inside goes in double quotes, as written by hand."""
    style = '"' if "'" in value and '"' not in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


IndentedDumper.add_representer(str, quoted)


def dump(data: dict) -> str:
    return yaml.dump(
        data, Dumper=IndentedDumper, sort_keys=False, width=1000, allow_unicode=True
    ).rstrip()


def group_vars(findings: Findings, name: str) -> str:
    site = {
        "wharf_domains": ["localhost", "127.0.0.1"],
        "wharf_https_port": 8443,
        "wharf_tls_mode": "selfsigned",
        "wharf_hsts_max_age": 300,
    }
    secrets = {
        setting: f"{{{{ lookup('ansible.builtin.password', inventory_dir ~ '/.secrets/{file}',"
        f" length={length}, chars=['ascii_letters', 'digits']) }}}}"
        for setting, file, length in (
            ("wharf_secret_key", "secret_key", 64),
            ("wharf_db_password", "db_password", 32),
        )
    }
    parts = [
        "---",
        *comment(
            f"A starting inventory for {findings.settings['wharf_django_local_path']}, written"
            " by `make onboard` from the project's source (scripts/project_inventory.py)."
            f" Deploy it: make deploy DEBIAN={findings.debian} INVENTORY=inventory/{name}"
        ),
        "",
        "# The local host's site (as inventory/local has it).",
        dump(site),
        "# Generated once into .secrets/ (git-ignored); real environments use ansible-vault.",
        dump(secrets),
        "",
        "# Read from the project:",
        *[line for text in findings.found for line in comment(text)],
        dump(findings.settings),
    ]
    if findings.todo:
        parts += ["", "# Could not be inferred; needs you before the first deploy:"]
        parts += [line for text in findings.todo for line in comment("- " + text)]
    return "\n".join(parts) + "\n"


def write_inventory(findings: Findings, target: Path) -> None:
    if target.exists():
        raise OnboardError(f"NAME={target.name}: {target} already exists (choose another NAME)")
    (target / "group_vars" / "all").mkdir(parents=True)
    shutil.copy(LOCAL_INVENTORY / "hosts.yml", target / "hosts.yml")
    shutil.copytree(LOCAL_INVENTORY / "host_vars", target / "host_vars")
    (target / "group_vars" / "all" / "main.yml").write_text(group_vars(findings, target.name))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("project", type=Path, help="the Django project's source directory")
    parser.add_argument("--name", help="the inventory's name (default: the project's app name)")
    parser.add_argument("--inventories", type=Path, default=REPO / "inventory")
    options = parser.parse_args(argv)
    try:
        top = options.project.resolve()
        if not top.is_dir():
            raise OnboardError(f"PROJECT={options.project}: not a directory")
        findings = read_project(top)
        name = options.name or str(findings.settings["wharf_app_name"])
        if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", name):
            raise OnboardError(f"NAME={name}: use lowercase letters, digits, '-' and '_'")
        target = options.inventories / name
        write_inventory(findings, target)
    except OnboardError as error:
        print(f"make onboard: {error}", file=sys.stderr)
        return 2
    print(f"Wrote {relative(target, Path.cwd().resolve())}/ from {top}.")
    print(*("  " + text for text in findings.found), sep="\n")
    if findings.todo:
        print("Could not be inferred (also listed at the end of group_vars/all/main.yml):")
        print(*("  - " + text for text in findings.todo), sep="\n")
    print(f"Deploy: make deploy DEBIAN={findings.debian} INVENTORY={relative(target, REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
