"""The requirements reader behind the virtualenv key (roles/wharf_django/library)."""

from __future__ import annotations

from pathlib import Path

import pytest
from wharf_django_requirements import RequirementsError, missing, read_tree


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
