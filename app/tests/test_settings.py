"""Settings read the environment and refuse to start without their secrets."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

APP_DIR = Path(__file__).resolve().parent.parent


def load_settings(
    extra_env: dict[str, str], drop: tuple[str, ...] = ()
) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(extra_env)
    code = (
        "import json, django; from django.conf import settings; django.setup();"
        "print(json.dumps({'debug': settings.DEBUG, 'hosts': settings.ALLOWED_HOSTS,"
        "'storages': settings.STORAGES, 'upload': settings.DATA_UPLOAD_MAX_MEMORY_SIZE,"
        "'static_root': settings.STATIC_ROOT, 'media_root': settings.MEDIA_ROOT,"
        "'engine': settings.DATABASES['default']['ENGINE']}))"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=APP_DIR,
        env={**env, "DJANGO_SETTINGS_MODULE": "wharfdemo.settings"},
        capture_output=True,
        text=True,
        check=False,
    )


def test_missing_secret_key_fails_clearly():
    result = load_settings({}, drop=("SECRET_KEY",))
    assert result.returncode != 0
    assert "The environment variable SECRET_KEY must be set" in result.stderr


def test_missing_database_url_fails_clearly():
    result = load_settings({}, drop=("DATABASE_URL",))
    assert result.returncode != 0
    assert "DATABASE_URL must be set" in result.stderr


@pytest.mark.parametrize("bad", ["maybe", "2"])
def test_malformed_debug_flag_is_named(bad):
    result = load_settings({"DEBUG": bad})
    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


def test_production_values_come_from_environment():
    import json

    result = load_settings(
        {
            "ALLOWED_HOSTS": "example.org, www.example.org",
            "DATABASE_URL": "postgres://app:pw@localhost:5432/app",
            "STATIC_ROOT": "/srv/app/shared/static",
            "MEDIA_ROOT": "/srv/app/shared/media",
            "PRIVATE_MEDIA_ROOT": "/srv/app/shared/private",
            "UPLOAD_MAX_BYTES": "1048576",
        },
        drop=("DEBUG", "STATICFILES_STORAGE_BACKEND"),
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["debug"] is False
    assert values["hosts"] == ["example.org", "www.example.org"]
    assert values["engine"] == "django.db.backends.postgresql"
    assert values["static_root"] == "/srv/app/shared/static"
    assert values["media_root"] == "/srv/app/shared/media"
    assert values["upload"] == 1048576
    assert values["storages"] == {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": "/srv/app/shared/private", "base_url": None},
        },
    }


def deploy_check(extra_env: dict[str, str]) -> subprocess.CompletedProcess:
    """`manage.py check --deploy --fail-level WARNING` with the environment Wharf writes."""
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "wharfdemo.settings",
        "SECRET_KEY": "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
        "DATABASE_URL": "sqlite:////tmp/wharf-check.sqlite3",
        "ALLOWED_HOSTS": "example.org",
        "CSRF_TRUSTED_ORIGINS": "https://example.org",
        "SECURE_HSTS_SECONDS": "63072000",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
        "SILENCED_SYSTEM_CHECKS": "security.W021",
        **extra_env,
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=APP_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_deploy_checks_pass_with_the_environment_wharf_writes():
    result = deploy_check({})
    assert result.returncode == 0, result.stderr
    assert "no issues (1 silenced)" in result.stdout


@pytest.mark.parametrize(
    ("extra_env", "check_id"),
    [
        ({"SECURE_HSTS_SECONDS": "0"}, "security.W004"),
        ({"SECURE_SSL_REDIRECT": "false"}, "security.W008"),
        ({"SESSION_COOKIE_SECURE": "false"}, "security.W012"),
        ({"SECRET_KEY": "short-key"}, "security.W009"),
    ],
)
def test_deploy_checks_catch_insecure_settings(extra_env, check_id):
    result = deploy_check(extra_env)
    assert result.returncode != 0
    assert check_id in result.stderr
