"""The requirements reader behind the virtualenv key (roles/wharf_django/library)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from wharf_django_requirements import RequirementsError, missing, read, read_tree


def write(project: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text)


def test_includes_are_read_relative_to_the_file_naming_them(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "requirements/production.txt": "-r base.txt\ngunicorn==23.0.0\n",
            "requirements/base.txt": "--requirement=../common/core.txt\nDjango==5.2.1\n",
            "common/core.txt": "Pillow>=11 ; python_version >= '3.11'\n",
        },
    )
    files, _, packages = read_tree(tmp_path, "requirements/production.txt")
    assert files == ["requirements/production.txt", "requirements/base.txt", "common/core.txt"]
    assert packages == ["django", "gunicorn", "pillow"]


def test_a_change_in_an_included_file_changes_the_digest(tmp_path: Path) -> None:
    write(tmp_path, {"requirements.txt": "-r base.txt\n", "base.txt": "Django==5.2.1\n"})
    _, before, _ = read_tree(tmp_path, "requirements.txt")
    assert read_tree(tmp_path, "requirements.txt")[1] == before
    write(tmp_path, {"base.txt": "Django==5.2.1\nsix==1.17.0\n"})
    _, after, packages = read_tree(tmp_path, "requirements.txt")
    assert after != before
    assert packages == ["django", "six"]


def test_constraints_count_in_the_digest_but_install_nothing(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "requirements.txt": "-c constraints.txt\ndjango-storages[s3]\n",
            "constraints.txt": "gunicorn==23.0.0\n-r more.txt\n",
            "more.txt": "uwsgi\n",
        },
    )
    files, before, packages = read_tree(tmp_path, "requirements.txt")
    assert files == ["requirements.txt", "constraints.txt", "more.txt"]
    assert packages == ["django-storages"]
    write(tmp_path, {"constraints.txt": "gunicorn==23.0.1\n-r more.txt\n"})
    assert read_tree(tmp_path, "requirements.txt")[1] != before


def test_a_file_both_constraining_and_installing_installs(tmp_path: Path) -> None:
    write(tmp_path, {"r.txt": "-c pins.txt\n-r pins.txt\n", "pins.txt": "Gunicorn==23.0.0\n"})
    files, _, packages = read_tree(tmp_path, "r.txt")
    assert files == ["r.txt", "pins.txt"]
    assert packages == ["gunicorn"]


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("Django_Filter >= 24 \\\n  , < 26  # the API we use", "django-filter"),
        ("psycopg[c]==3.2.9", "psycopg"),
        ("zope.interface", "zope-interface"),
        ("gunicorn @ https://example.org/gunicorn-23.0.0.tar.gz", "gunicorn"),
        ("-e git+https://example.org/repo.git#egg=Wagtail_Mod", "wagtail-mod"),
        ("https://example.org/pkg.zip#egg=gunicorn", "gunicorn"),
    ],
)
def test_requirement_lines_name_their_package(tmp_path: Path, line: str, name: str) -> None:
    write(tmp_path, {"requirements.txt": f"# pinned\n{line}\n"})
    assert read_tree(tmp_path, "requirements.txt")[2] == [name]


def test_options_and_remote_includes_install_nothing_named(tmp_path: Path) -> None:
    text = (
        "--index-url https://example.org/simple\n-r https://example.org/r.txt\n--no-binary :all:\n"
    )
    write(tmp_path, {"requirements.txt": text})
    files, _, packages = read_tree(tmp_path, "requirements.txt")
    assert files == ["requirements.txt"]
    assert packages == []


def test_a_loop_of_includes_is_read_once(tmp_path: Path) -> None:
    write(tmp_path, {"a.txt": "-r b.txt\nsix\n", "b.txt": "-r a.txt\nDjango\n"})
    files, _, packages = read_tree(tmp_path, "a.txt")
    assert files == ["a.txt", "b.txt"]
    assert packages == ["django", "six"]


def test_a_missing_include_names_the_file_and_the_line(tmp_path: Path) -> None:
    write(tmp_path, {"requirements/production.txt": "-r base.txt\n"})
    with pytest.raises(
        RequirementsError,
        match=r"requirements/base\.txt was not found.*"
        r"requirements/production\.txt names it: -r base\.txt",
    ):
        read_tree(tmp_path, "requirements/production.txt")


def test_a_missing_requirements_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(RequirementsError, match=r"^requirements\.txt was not found$"):
        read_tree(tmp_path, "requirements.txt")


@pytest.mark.parametrize(
    ("packages", "added"),
    [
        (["django", "uwsgi"], "gunicorn==27.0.1"),
        (["django", "gunicorn"], ""),
    ],
)
def test_the_app_server_is_added_unless_the_project_pins_it(packages, added) -> None:
    assert missing("gunicorn==27.0.1", packages) == added
    assert missing("", packages) == ""


REGISTRY = '{ registry = "https://pypi.org/simple" }'


def uv_package(name: str, version: str, source: str = REGISTRY, more: str = "") -> str:
    """One [[package]] table of a uv.lock."""
    return f'[[package]]\nname = "{name}"\nversion = "{version}"\nsource = {source}\n{more}\n'


UV_LOCK = 'version = 1\nrequires-python = ">=3.11"\n\n' + "".join(
    [
        uv_package("asgiref", "3.8.1"),
        uv_package(
            "django", "5.2.1", more='dependencies = [{ name = "asgiref" }, { name = "sqlparse" }]'
        ),
        uv_package("gunicorn", "23.0.0"),
        uv_package(
            "mysite",
            "0.1.0",
            source='{ virtual = "." }',
            more='dependencies = [{ name = "django" }]\n\n[package.dev-dependencies]\n'
            'dev = [{ name = "gunicorn" }, { name = "pytest" }]',
        ),
        uv_package("pytest", "8.3.5"),
        uv_package("sqlparse", "0.5.3"),
    ]
)

PYPROJECT = """
[project]
name = "mysite"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = ["Django>=5.2,<6", "psycopg[binary]>=3.2", "gunicorn ; sys_platform != 'win32'"]
"""


def poetry_package(
    name: str, version: str, group: str, optional: bool = False, more: str = ""
) -> str:
    """One [[package]] table of a Poetry 2 lock."""
    return (
        f'[[package]]\nname = "{name}"\nversion = "{version}"\n'
        f'optional = {str(optional).lower()}\npython-versions = ">=3.8"\n'
        f'groups = ["{group}"]\n{more}\n'
    )


GIT_SOURCE = """
[package.source]
type = "git"
url = "https://git.example.org/acme/shop-theme.git"
reference = "v1.4"
resolved_reference = "0123456789abcdef0123456789abcdef01234567"
"""

POETRY_LOCK = "".join(
    [
        poetry_package("django", "5.2.1", "main"),
        poetry_package("tzdata", "2025.2", "main", more='markers = "sys_platform == \\"win32\\""'),
        poetry_package("pytest", "8.3.5", "dev"),
        poetry_package("redis", "5.2.1", "main", optional=True),
        poetry_package("shop-theme", "1.4.0", "main", more=GIT_SOURCE),
        '[metadata]\nlock-version = "2.1"\npython-versions = ">=3.11"\n',
    ]
)


def test_a_uv_lock_installs_what_the_project_reaches_without_dev_groups(tmp_path: Path) -> None:
    write(tmp_path, {"uv.lock": UV_LOCK, "pyproject.toml": PYPROJECT})
    kind, files, digest, packages, pinned = read(tmp_path, "uv.lock")
    assert kind == "uv.lock"
    assert files == ["uv.lock", "pyproject.toml"]
    # gunicorn is only in the dev group: Wharf's app server goes in.
    assert packages == ["asgiref", "django", "sqlparse"]
    assert missing("gunicorn==23.0.0", packages) == "gunicorn==23.0.0"
    assert pinned == ""
    write(tmp_path, {"pyproject.toml": PYPROJECT + "\n# a comment\n"})
    assert read(tmp_path, "uv.lock")[2] != digest


def test_a_poetry_lock_gives_its_main_group_as_pins(tmp_path: Path) -> None:
    write(tmp_path, {"app/poetry.lock": POETRY_LOCK, "app/pyproject.toml": "[tool.poetry]\n"})
    kind, files, _, packages, pinned = read(tmp_path, "app/poetry.lock")
    assert kind == "poetry.lock"
    assert files == ["app/poetry.lock", "app/pyproject.toml"]
    assert packages == ["django", "shop-theme", "tzdata"]
    assert pinned.splitlines() == [
        "django==5.2.1",
        'tzdata==2025.2 ; sys_platform == "win32"',
        "shop-theme @ git+https://git.example.org/acme/shop-theme.git"
        "@0123456789abcdef0123456789abcdef01234567",
    ]


def test_a_poetry_1_lock_reads_its_category(tmp_path: Path) -> None:
    lock = POETRY_LOCK.replace('groups = ["main"]', 'category = "main"').replace(
        'groups = ["dev"]', 'category = "dev"'
    )
    write(tmp_path, {"poetry.lock": lock, "pyproject.toml": ""})
    assert read(tmp_path, "poetry.lock")[3] == ["django", "shop-theme", "tzdata"]


def test_a_poetry_path_dependency_is_refused_by_name(tmp_path: Path) -> None:
    lock = POETRY_LOCK.replace(
        'type = "git"\nurl = "https://git.example.org/acme/shop-theme.git"',
        'type = "directory"\nurl = "../shop-theme"',
    )
    write(tmp_path, {"poetry.lock": lock, "pyproject.toml": ""})
    refusal = re.escape("shop-theme from the path '../shop-theme'")
    with pytest.raises(RequirementsError, match=refusal):
        read(tmp_path, "poetry.lock")


def test_a_plain_pyproject_installs_its_project_dependencies(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": PYPROJECT})
    kind, files, _, packages, pinned = read(tmp_path, "pyproject.toml")
    assert (kind, files, pinned) == ("pyproject.toml", ["pyproject.toml"], "")
    assert packages == ["django", "gunicorn", "psycopg"]


def test_a_lock_without_its_pyproject_is_named(tmp_path: Path) -> None:
    write(tmp_path, {"uv.lock": UV_LOCK})
    with pytest.raises(RequirementsError, match=re.escape("pyproject.toml was not found")):
        read(tmp_path, "uv.lock")


def test_a_broken_lock_is_named(tmp_path: Path) -> None:
    write(tmp_path, {"uv.lock": "[[package]\n", "pyproject.toml": PYPROJECT})
    with pytest.raises(RequirementsError, match=re.escape("uv.lock is not valid TOML")):
        read(tmp_path, "uv.lock")
