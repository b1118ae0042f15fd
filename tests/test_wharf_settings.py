"""Wharf's settings overlay (roles/wharf_django/files/wharf_settings.py) over a
project's own settings module, as the host's environment file drives it."""

from __future__ import annotations

import importlib
import sys
import textwrap
from pathlib import Path
from types import ModuleType

import pytest
import yaml

ROLE = Path(__file__).resolve().parent.parent / "roles" / "wharf_django"

PROJECT_SETTINGS = """
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
SECRET_KEY = "django-insecure-fixed-in-code"
DEBUG = True
ALLOWED_HOSTS = ["*"]
TIME_ZONE = "Europe/Paris"
INSTALLED_APPS = ["django.contrib.staticfiles", "shop"]
DATABASES = {
    "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"},
    "reports": {"ENGINE": "django.db.backends.sqlite3", "NAME": "reports.sqlite3"},
}
STATIC_ROOT = BASE_DIR / "collect_static"
MEDIA_ROOT = BASE_DIR / "media"
SECURE_HSTS_INCLUDE_SUBDOMAINS = False
SILENCED_SYSTEM_CHECKS = ["shop.W001"]
helper_value = "not a setting"
"""

ENVIRONMENT = {
    "WHARF_PROJECT_SETTINGS_MODULE": "shop.settings",
    "WHARF_SECRET_KEY": "k" * 50,
    "WHARF_DEBUG": "false",
    "WHARF_DATABASE_URL": "postgres://shop:p%40ss%2Fword@db.internal:5433/shop_db",
    "WHARF_ALLOWED_HOSTS": "shop.example,www.shop.example",
    "WHARF_CSRF_TRUSTED_ORIGINS": "https://shop.example",
    "WHARF_STATIC_URL": "/static/",
    "WHARF_MEDIA_URL": "/media/",
    "WHARF_MEDIA_ROOT": "/srv/shop/shared/media",
    "STATIC_ROOT": "/srv/shop/releases/r1/static",
    "WHARF_HTTPS": "true",
    "WHARF_HSTS_SECONDS": "63072000",
    "WHARF_HSTS_INCLUDE_SUBDOMAINS": "true",
    "WHARF_HSTS_PRELOAD": "false",
    "WHARF_SILENCED_SYSTEM_CHECKS": "security.W021,shop.W001",
}


def role_vars() -> dict:
    return yaml.safe_load((ROLE / "vars" / "main.yml").read_text())


OWNED = role_vars()["__wharf_django_overlay_settings"]


@pytest.fixture
def overlay(tmp_path, monkeypatch):
    """Imports the overlay over a project written from `settings`, with the
    environment above and WHARF_SETTINGS naming `owned` (default: all)."""

    def load(
        settings: str = PROJECT_SETTINGS, owned: list[str] | None = None, **env: str
    ) -> ModuleType:
        package = tmp_path / "shop"
        package.mkdir(exist_ok=True)
        (package / "__init__.py").write_text("")
        (package / "settings.py").write_text(textwrap.dedent(settings))
        for name, value in {
            **ENVIRONMENT,
            "WHARF_SETTINGS": ",".join(OWNED if owned is None else owned),
            **env,
        }.items():
            monkeypatch.setenv(name, value)
        monkeypatch.syspath_prepend(str(tmp_path))
        monkeypatch.syspath_prepend(str(ROLE / "files"))
        for name in ("wharf_settings", "shop", "shop.settings"):
            monkeypatch.delitem(sys.modules, name, raising=False)
        return importlib.import_module("wharf_settings")

    return load


def test_what_wharf_provisions_is_set_over_the_projects_values(overlay):
    settings = overlay()
    assert settings.SECRET_KEY == "k" * 50
    assert settings.DEBUG is False
    assert settings.ALLOWED_HOSTS == ["shop.example", "www.shop.example"]
    assert settings.CSRF_TRUSTED_ORIGINS == ["https://shop.example"]
    assert settings.STATIC_ROOT == "/srv/shop/releases/r1/static"
    assert settings.MEDIA_ROOT == "/srv/shop/shared/media"
    assert settings.SECURE_PROXY_SSL_HEADER == ("HTTP_X_FORWARDED_PROTO", "https")
    assert (
        settings.SECURE_SSL_REDIRECT
        and settings.SESSION_COOKIE_SECURE
        and settings.CSRF_COOKIE_SECURE
    )
    assert settings.SECURE_HSTS_SECONDS == 63072000
    assert settings.SECURE_HSTS_INCLUDE_SUBDOMAINS is True
    assert settings.SECURE_HSTS_PRELOAD is False


def test_the_database_is_wharfs_and_the_projects_other_aliases_stay(overlay):
    databases = overlay().DATABASES
    assert databases["default"] == {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "shop_db",
        "USER": "shop",
        "PASSWORD": "p@ss/word",
        "HOST": "db.internal",
        "PORT": "5433",
        "OPTIONS": {"connect_timeout": 5},
    }
    assert databases["reports"]["NAME"] == "reports.sqlite3"


def test_a_postgresql_projects_own_database_options_are_kept(overlay):
    settings = overlay(
        "DATABASES = {'default': {'ENGINE': 'django.contrib.gis.db.backends.postgis', 'NAME': 'x',"
        " 'CONN_MAX_AGE': 500, 'OPTIONS': {'sslmode': 'prefer'}}}\n"
    )
    default = settings.DATABASES["default"]
    assert default["ENGINE"] == "django.contrib.gis.db.backends.postgis"
    assert default["CONN_MAX_AGE"] == 500
    assert default["OPTIONS"] == {"sslmode": "prefer", "connect_timeout": 5}
    assert (default["NAME"], default["HOST"]) == ("shop_db", "db.internal")


def test_settings_wharf_does_not_own_are_the_projects(overlay):
    settings = overlay()
    assert settings.TIME_ZONE == "Europe/Paris"
    assert settings.INSTALLED_APPS == ["django.contrib.staticfiles", "shop"]
    assert not hasattr(settings, "helper_value"), "only upper-case names are settings"


def test_silenced_checks_add_the_inventorys_to_the_projects(overlay):
    assert overlay().SILENCED_SYSTEM_CHECKS == ["shop.W001", "security.W021"]


def test_logging_goes_to_the_journal_only_where_the_project_has_none(overlay):
    assert overlay().LOGGING["loggers"]["django"]["handlers"] == ["stderr"]
    own = overlay(PROJECT_SETTINGS + "LOGGING = {'version': 1, 'loggers': {}}\n").LOGGING
    assert own == {"version": 1, "loggers": {}}


def test_settings_left_to_the_project_keep_its_values(overlay):
    settings = overlay(
        owned=[name for name in OWNED if name not in {"DATABASES", "STATIC_ROOT", "DEBUG"}]
    )
    assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert str(settings.STATIC_ROOT).endswith("collect_static")
    assert settings.DEBUG is True
    assert settings.ALLOWED_HOSTS == ["shop.example", "www.shop.example"]


def test_plain_http_sites_get_no_https_redirect_or_secure_cookies(overlay):
    settings = overlay(WHARF_HTTPS="false")
    assert not (
        settings.SECURE_SSL_REDIRECT
        or settings.SESSION_COOKIE_SECURE
        or settings.CSRF_COOKIE_SECURE
    )


def test_a_setting_wharf_does_not_own_is_refused_by_name(overlay):
    with pytest.raises(RuntimeError, match="TIME_ZONE"):
        overlay(owned=["DATABASES", "TIME_ZONE"])


def test_the_role_and_its_argument_specs_name_the_settings_the_overlay_owns(overlay):
    settings = overlay()
    assert set(OWNED) == {name for name in vars(settings) if name.isupper()} - {
        "BASE_DIR",
        "TIME_ZONE",
        "INSTALLED_APPS",
    }
    specs = yaml.safe_load((ROLE / "meta" / "argument_specs.yml").read_text())
    options = specs["argument_specs"]["main"]["options"]
    assert options["wharf_django_settings_left_to_project"]["choices"] == OWNED


def test_a_settings_module_that_does_not_import_is_named_with_its_variable(overlay):
    with pytest.raises(ImportError, match=r"wharf_django_settings_module 'shop\.settings'"):
        overlay("import shop_module_that_does_not_exist\n")


S3_ENVIRONMENT = {
    "AWS_STORAGE_BUCKET_NAME": "shop-files",
    "AWS_S3_REGION_NAME": "eu-west-3",
    "AWS_S3_ENDPOINT_URL": "http://s3.internal:9000",
    "AWS_S3_ADDRESSING_STYLE": "path",
    "AWS_S3_URL_PROTOCOL": "https:",
    "AWS_S3_CUSTOM_DOMAIN": "cdn.shop.example",
}
PROJECT_STORAGES = """
STORAGES = {
    "default": {"BACKEND": "shop.storage.ResizingStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    "exports": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
}
"""


def test_local_files_keep_the_projects_storages(overlay):
    settings = overlay(PROJECT_STORAGES, WHARF_MEDIA_STORAGE="local", WHARF_STATIC_STORAGE="local")
    assert settings.STORAGES["default"] == {"BACKEND": "shop.storage.ResizingStorage"}
    assert settings.STORAGES["staticfiles"]["BACKEND"].startswith("whitenoise.")
    assert "exports" in settings.STORAGES


def test_a_project_without_storages_gets_djangos_defaults(overlay):
    storages = overlay(WHARF_MEDIA_STORAGE="local", WHARF_STATIC_STORAGE="local").STORAGES
    assert storages["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert storages["staticfiles"]["BACKEND"].endswith("StaticFilesStorage")


def test_media_on_s3_is_the_default_storage_with_presigned_links(overlay):
    settings = overlay(
        PROJECT_STORAGES, WHARF_MEDIA_STORAGE="s3", WHARF_STATIC_STORAGE="local", **S3_ENVIRONMENT
    )
    default = settings.STORAGES["default"]
    assert default["BACKEND"] == "storages.backends.s3.S3Storage"
    options = default["OPTIONS"]
    assert (options["bucket_name"], options["location"]) == ("shop-files", "media")
    assert options["querystring_auth"] is True and options["file_overwrite"] is False
    assert options["endpoint_url"] == "http://s3.internal:9000"
    assert options["addressing_style"] == "path" and options["default_acl"] is None
    assert "custom_domain" not in options, "pre-signed links need the bucket's own endpoint"
    # The project's other aliases and its local static backend stay.
    assert settings.STORAGES["staticfiles"]["BACKEND"].startswith("whitenoise.")
    assert "exports" in settings.STORAGES


def test_static_on_s3_is_public_with_hashed_names_on_the_cdn(overlay):
    settings = overlay(
        PROJECT_STORAGES, WHARF_MEDIA_STORAGE="local", WHARF_STATIC_STORAGE="s3", **S3_ENVIRONMENT
    )
    static = settings.STORAGES["staticfiles"]
    assert static["BACKEND"] == "storages.backends.s3.S3ManifestStaticStorage"
    assert static["OPTIONS"]["location"] == "static"
    assert static["OPTIONS"]["querystring_auth"] is False
    assert static["OPTIONS"]["custom_domain"] == "cdn.shop.example"
    assert settings.STORAGES["default"] == {"BACKEND": "shop.storage.ResizingStorage"}


def test_storages_can_be_left_to_the_project(overlay):
    owned = [name for name in OWNED if name != "STORAGES"]
    settings = overlay(PROJECT_STORAGES, owned, WHARF_MEDIA_STORAGE="s3", **S3_ENVIRONMENT)
    assert settings.STORAGES["default"] == {"BACKEND": "shop.storage.ResizingStorage"}


def test_whitenoise_mode_adds_its_middleware_after_security(overlay):
    project = "MIDDLEWARE = ['django.middleware.security.SecurityMiddleware', 'shop.Middleware']\n"
    settings = overlay(project, WHARF_WHITENOISE="true")
    assert settings.MIDDLEWARE == [
        "django.middleware.security.SecurityMiddleware",
        "whitenoise.middleware.WhiteNoiseMiddleware",
        "shop.Middleware",
    ]
    # Once only, where the project already has it; not at all otherwise.
    assert overlay(
        f"MIDDLEWARE = {settings.MIDDLEWARE!r}\n", WHARF_WHITENOISE="true"
    ).MIDDLEWARE == (settings.MIDDLEWARE)
    assert overlay(project, WHARF_WHITENOISE="false").MIDDLEWARE == [
        "django.middleware.security.SecurityMiddleware",
        "shop.Middleware",
    ]
