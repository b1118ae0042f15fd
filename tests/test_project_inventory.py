"""`make onboard`: a starting inventory read from a Django project's source (scripts/)."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest
import yaml
from project_inventory import BUILD_PACKAGES, Findings, gunicorn_target, main, read_project
from yamllint import config as yamllint_config
from yamllint import linter

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO.parent / "shared" / "fixtures" / "projects"

SETTINGS_BASE = """\
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
WSGI_APPLICATION = "shop.wsgi.application"
STATIC_ROOT = os.environ.get("STATIC_ROOT", BASE_DIR / "static")
MEDIA_ROOT = BASE_DIR / "media"
INSTALLED_APPS = ["django.contrib.admin", "compressor"]
COMPRESS_OFFLINE = True
"""

SETTINGS_PRODUCTION = """\
import os

import environ

from .base import *  # noqa

env = environ.Env()
SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
ALLOWED_HOSTS = os.getenv("SHOP_ALLOWED_HOSTS", "").split(" ")
if "PRIMARY_HOST" in os.environ:
    BASE_URL = "https://" + os.environ["PRIMARY_HOST"]
if os.getenv("CDN"):
    CDN_TOKEN = os.environ["CDN_TOKEN"]
SENTRY_DSN = env("SENTRY_DSN")
DATABASES = {"default": env.db()}
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
try:
    from .local import *  # noqa
except ImportError:
    pass
from shop.configuration import PAYMENT_KEY  # noqa
"""

SHOP = {
    "manage.py": (
        "import os\n"
        "if __name__ == '__main__':\n"
        "    os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'shop.settings.dev')\n"
    ),
    "shop/__init__.py": "",
    "shop/wsgi.py": "",
    "shop/configuration_example.py": "PAYMENT_KEY = ''\n",
    "shop/settings/__init__.py": "",
    "shop/settings/base.py": SETTINGS_BASE,
    "shop/settings/dev.py": "from .base import *  # noqa\nDEBUG = True\n",
    "shop/settings/production.py": SETTINGS_PRODUCTION,
    "shop/settings/local.py.example": "DEBUG = False\n",
    "shop/locale/de/LC_MESSAGES/django.po": 'msgid ""\n',
    "requirements/production.txt": "-r base.txt\npsycopg2==2.9.10\n",
    "requirements/base.txt": "Django==5.2.8\ndjango-environ==0.12.0\n",
    "pyproject.toml": '[project]\nname = "shop"\nrequires-python = ">=3.12"\n',
    "package.json": '{"scripts": {"build": "vite build", "lint": "eslint ."}}\n',
    "Procfile": (
        "web: gunicorn --workers 3 -b :$PORT shop.wsgi --log-file -\n"
        "release: python manage.py migrate --noinput\n"
        "worker: celery -A shop worker -l info\n"
    ),
    "node_modules/other/manage.py": "",
    "docs/conf.py": "",
}


def write(top: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (top / name).parent.mkdir(parents=True, exist_ok=True)
        (top / name).write_text(text)
    return top


def mentions(lines: list[str], *words: str) -> bool:
    return any(all(word in line for word in words) for line in lines)


@pytest.fixture
def shop(tmp_path: Path) -> Findings:
    return read_project(write(tmp_path / "shop", SHOP))


def test_the_production_module_beside_a_development_default_is_chosen(shop: Findings) -> None:
    assert shop.settings["wharf_django_settings_module"] == "shop.settings.production"
    assert shop.settings["wharf_django_project_dir"] == ""
    assert shop.settings["wharf_app_name"] == "shop"
    assert mentions(shop.found, "manage.py defaults to shop.settings.dev")


def test_the_procfile_names_the_wsgi_application_and_other_processes_are_reported(
    shop: Findings,
) -> None:
    assert shop.settings["wharf_gunicorn_wsgi_app"] == "shop.wsgi:application"
    assert shop.settings["wharf_processes_procfile"] == "Procfile"
    assert mentions(shop.found, "worker processes run as systemd units")
    assert mentions(shop.todo, "job queue", "wharf_redis: local")
    assert mentions(shop.found, "release process", "migrate")


def test_requirements_python_and_build_steps(shop: Findings) -> None:
    assert shop.settings["wharf_django_requirements_file"] == "requirements/production.txt"
    assert mentions(shop.found, "requirements/production.txt → requirements/base.txt")
    assert shop.debian == 13
    assert shop.settings["wharf_django_build_commands"] == [
        "npm ci && npm run build",
        "python manage.py compilemessages",
        "python manage.py compress --force",
    ]
    assert shop.settings["wharf_django_system_packages"] == [
        *BUILD_PACKAGES,
        "nodejs",
        "npm",
        "gettext",
    ]
    assert mentions(shop.found, "gunicorn is not in the requirements")


def test_the_projects_own_environment_names_get_wharfs_values(shop: Findings) -> None:
    assert shop.settings["wharf_django_extra_env"] == {
        "DJANGO_SECRET_KEY": "{{ wharf_secret_key }}",
        "SHOP_ALLOWED_HOSTS": '{{ wharf_domains | join(" ") }}',  # the settings split on " "
        "PRIMARY_HOST": "{{ wharf_domains | first }}",
    }
    # Read without a default at import time: someone must give it a value.
    assert mentions(shop.todo, "SENTRY_DSN is required")
    # Read only under a condition, or with a default: left to the settings.
    assert not mentions(shop.todo, "CDN_TOKEN")
    assert mentions(shop.found, "CDN_TOKEN", "LOG_LEVEL")
    # env.db() reads DATABASE_URL, which Wharf writes.
    assert not mentions(shop.todo + shop.found, "DATABASE_URL")


def test_paths_fixed_in_code_and_files_only_shipped_as_examples(shop: Findings) -> None:
    assert mentions(
        shop.found, "MEDIA_ROOT is computed in code (shop/settings/base.py:7)", "overlay"
    )
    assert not mentions(shop.found + shop.todo, "STATIC_ROOT")
    assert mentions(shop.todo, "shop/configuration.py is not in the source")
    assert mentions(shop.found, "shop/settings/local.py", "optional")


def test_the_written_inventory_is_valid_yaml_for_the_local_host(tmp_path: Path) -> None:
    project = write(tmp_path / "shop", SHOP)
    assert main([str(project), "--inventories", str(tmp_path / "inventory")]) == 0
    target = tmp_path / "inventory" / "shop"
    assert (target / "hosts.yml").read_text() == (REPO / "inventory/local/hosts.yml").read_text()
    assert (target / "host_vars" / "wharf-local.yml").is_file()
    text = (target / "group_vars" / "all" / "main.yml").read_text()
    rules = yamllint_config.YamlLintConfig(file=str(REPO / ".yamllint"))
    assert [str(problem) for problem in linter.run(text, rules)] == []
    values = yaml.safe_load(text)
    assert values["wharf_django_settings_module"] == "shop.settings.production"
    assert values["wharf_django_local_path"] == str(project)
    assert values["wharf_secret_key"].startswith("{{ lookup('ansible.builtin.password'")
    assert "# - SENTRY_DSN is required" in text
    assert "make deploy DEBIAN=13 INVENTORY=inventory/shop" in text


def test_bad_input_is_refused_naming_it_and_nothing_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inventories = tmp_path / "inventory"
    assert main([str(tmp_path / "missing"), "--inventories", str(inventories)]) == 2
    assert "PROJECT=" in capsys.readouterr().err
    empty = write(tmp_path / "empty", {"README.md": "no Django here\n"})
    assert main([str(empty), "--inventories", str(inventories)]) == 2
    assert "no manage.py" in capsys.readouterr().err
    assert not inventories.exists()

    project = write(tmp_path / "shop", SHOP)
    assert main([str(project), "--inventories", str(inventories)]) == 0
    assert main([str(project), "--inventories", str(inventories)]) == 2
    assert "NAME=shop" in capsys.readouterr().err
    assert main([str(project), "--name", "Bad Name", "--inventories", str(inventories)]) == 2
    assert "NAME=Bad Name" in capsys.readouterr().err


def test_a_project_locked_with_uv_gets_its_lock_file(tmp_path: Path) -> None:
    files = {name: text for name, text in SHOP.items() if not name.startswith("requirements/")}
    lock = (
        'version = 1\n[[package]]\nname = "shop"\nversion = "0.1"\nsource = { virtual = "." }\n'
        'dependencies = [{ name = "django" }]\n'
        '[[package]]\nname = "django"\nversion = "6.0.1"\nsource = { registry = "x" }\n'
    )
    pyproject = '[project]\nname = "shop"\nversion = "0.1"\ndependencies = ["django>=6"]\n'
    shop = write(tmp_path / "shop", {**files, "uv.lock": lock, "pyproject.toml": pyproject})
    findings = read_project(shop)
    assert findings.settings["wharf_django_lock_file"] == "uv.lock"
    assert "wharf_django_requirements_file" not in findings.settings
    assert mentions(findings.found, "uv.lock", "1 packages")
    # Django 6 from the lock: Python 3.12, Debian 13.
    assert mentions(findings.found, "Debian 13")


def test_a_project_with_only_a_pipfile_lock_is_told_what_is_missing(tmp_path: Path) -> None:
    files = {name: text for name, text in SHOP.items() if not name.startswith("requirements/")}
    findings = read_project(write(tmp_path / "shop", {**files, "Pipfile.lock": "{}\n"}))
    assert "wharf_django_requirements_file" not in findings.settings
    assert "wharf_django_lock_file" not in findings.settings
    assert mentions(findings.todo, "No requirements file", "Pipfile.lock")


def test_the_sample_app_needs_nothing_beyond_the_defaults() -> None:
    findings = read_project(REPO / "app")
    defaults = {
        **yaml.safe_load((REPO / "roles/wharf_django/defaults/main.yml").read_text()),
        **yaml.safe_load((REPO / "roles/wharf_gunicorn/defaults/main.yml").read_text()),
    }
    # Its Celery worker needs a Redis, which the local inventory turns on.
    assert len(findings.todo) == 1 and mentions(findings.todo, "job queue", "wharf_redis: local")
    assert findings.settings["wharf_processes_procfile"] == "Procfile"
    for name in ("wharf_django_settings_module", "wharf_gunicorn_wsgi_app"):
        assert findings.settings[name] == defaults[name]
    assert findings.settings["wharf_django_requirements_file"] == "requirements.txt"
    assert findings.debian == 12


@pytest.mark.parametrize(
    ("command", "target"),
    [
        ("gunicorn shop.wsgi", "shop.wsgi:application"),
        ("gunicorn -w 3 --bind 0.0.0.0:$PORT shop.wsgi:app", "shop.wsgi:app"),
        ("gunicorn --preload config.wsgi:application --log-file -", "config.wsgi:application"),
        ("gunicorn --workers=2 config.asgi:application -k uvicorn.workers.UvicornWorker",
         "config.asgi:application"),
        ("uwsgi ./etc/uwsgi.ini", None),
        ("", None),
    ],
)  # fmt: skip
def test_gunicorn_target(command: str, target: str | None) -> None:
    assert gunicorn_target(command) == target


def fixture_project(tmp_path: Path, prefix: str) -> Path:
    archives = sorted(FIXTURES.glob(f"{prefix}-*.tar.gz"))
    if not archives:
        pytest.skip(f"no {prefix} archive in {FIXTURES}")
    with tarfile.open(archives[0]) as archive:
        archive.extractall(tmp_path, filter="data")
    return tmp_path / prefix


def test_wagtail_bakerydemo_as_published(tmp_path: Path) -> None:
    findings = read_project(fixture_project(tmp_path, "bakerydemo"))
    assert findings.settings["wharf_django_settings_module"] == "bakerydemo.settings.production"
    assert findings.settings["wharf_gunicorn_wsgi_app"] == "bakerydemo.wsgi:application"
    assert findings.settings["wharf_django_requirements_file"] == "requirements/production.txt"
    assert findings.debian == 13  # .python-version 3.12
    assert set(findings.settings["wharf_django_extra_env"]) == {
        "DJANGO_SECRET_KEY",
        "DJANGO_ALLOWED_HOSTS",
        "PRIMARY_HOST",
    }
    assert mentions(findings.found, "uwsgi", "gives way to Wharf's gunicorn")
    assert mentions(findings.found, "STATIC_ROOT is computed in code", "overlay")


def test_netbox_as_published(tmp_path: Path) -> None:
    findings = read_project(fixture_project(tmp_path, "netbox"))
    assert findings.settings["wharf_django_project_dir"] == "netbox"
    assert findings.settings["wharf_django_settings_module"] == "netbox.settings"
    assert findings.settings["wharf_django_requirements_file"] == "../requirements.txt"
    assert findings.settings["wharf_django_system_packages"] == BUILD_PACKAGES  # psycopg[c]
    assert findings.debian == 13  # requires-python >=3.12
    assert mentions(findings.todo, "netbox/configuration.py is not in the source")
    assert mentions(findings.found, "do not read DATABASE_URL", "overlay")
    # Its translations ship compiled: nothing to build.
    assert "wharf_django_build_commands" not in findings.settings
