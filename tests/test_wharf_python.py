"""The project's Python requirement against a host's (roles/wharf_django/filter_plugins)."""

from __future__ import annotations

from pathlib import Path

import pytest
from wharf_python import minimum_from, python_unmet, satisfies


@pytest.mark.parametrize(
    ("specifier", "version", "expected"),
    [
        (">=3.12", (3, 11, 2), False),
        (">=3.12", (3, 13, 5), True),
        (">=3.10, <3.14", (3, 13, 5), True),
        (">=3.10,<3.13", (3, 13, 0), False),
        ("~=3.11", (3, 13, 1), True),
        ("~=3.11.4", (3, 11, 2), False),
        ("~=3.11.4", (3, 12, 0), False),
        ("==3.12.*", (3, 12, 9), True),
        ("==3.12.*", (3, 11, 9), False),
        ("!=3.11.*", (3, 11, 2), False),
        (">3.11", (3, 11, 2), True),  # 3.11.2 > 3.11.0, as pip reads it
        ("<=3.11", (3, 11, 0), True),
        (">= 3.8", (3, 13, 5), True),
        ("", (3, 11, 2), True),
    ],
)
def test_specifiers(specifier: str, version: tuple[int, ...], expected: bool) -> None:
    assert satisfies(specifier, version) is expected


@pytest.mark.parametrize(
    ("text", "specifier"),
    [
        ("3.12\n", ">=3.12,<4"),
        ("# pinned\n3.12.4\n", ">=3.12,<4"),
        ("cpython-3.13\n", ">=3.13,<4"),
        ("python-3.12.7", ">=3.12,<4"),
        ("system\n", ""),
    ],
)
def test_version_files_read_as_a_minimum(text: str, specifier: str) -> None:
    assert minimum_from(text) == specifier


def test_a_newer_python_than_the_host_is_named_with_both_versions(tmp_path: Path) -> None:
    (tmp_path / ".python-version").write_text("3.12\n")
    message = python_unmet(str(tmp_path), "", "3.11.2", "app1")
    assert ">=3.12,<4" in message and ".python-version '3.12'" in message
    assert "the Python on app1 is 3.11.2" in message and "wharf_django_python" in message
    assert python_unmet(str(tmp_path), "", "3.13.5") == ""


def test_pyproject_comes_first_and_the_project_directory_before_the_top(tmp_path: Path) -> None:
    (tmp_path / ".python-version").write_text("3.10\n")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "pyproject.toml").write_text('[project]\nrequires-python = ">=3.12"\n')
    (tmp_path / "src" / ".python-version").write_text("3.11\n")
    assert "pyproject.toml requires-python '>=3.12'" in python_unmet(str(tmp_path), "src", "3.11.2")
    assert python_unmet(str(tmp_path), "", "3.11.2") == ""


def test_a_pyproject_without_requires_python_defers_to_the_version_file(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.ruff]\nline-length = 100\n")
    (tmp_path / "runtime.txt").write_text("python-3.12.7\n")
    assert "runtime.txt 'python-3.12.7'" in python_unmet(str(tmp_path), "", "3.11.2")


def test_a_project_that_declares_nothing_passes(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("not toml [\n")
    assert python_unmet(str(tmp_path), "", "3.11.2") == ""
