"""Wharf's settings overlay: the project's own settings, then what Wharf provisions.

DJANGO_SETTINGS_MODULE names this module when wharf_django_settings_overlay
is on. It imports the project's settings module (WHARF_PROJECT_SETTINGS_MODULE)
as Django would, keeps every setting it defines, and then sets the ones Wharf
owns because it provisions them: the database, where static and media files
live (the S3 storages and WhiteNoise included), the host names, the HTTPS proxy settings
and the secret key. The values come from WHARF_* variables in the
environment file (STATIC_ROOT from the release's own release.env, S3 from
django-storages' AWS_* names); WHARF_SETTINGS names the settings to set (the
inventory leaves the others to the project). The project is never edited,
and its settings keep reading their own environment names.
"""

from __future__ import annotations

import os
from importlib import import_module
from typing import Any
from urllib.parse import unquote, urlsplit

# Engines that take a PostgreSQL URL's parts (PostGIS and wrappers such as
# django-prometheus' included): a project's own options for them
# (CONN_MAX_AGE, OPTIONS, TEST...) are kept. Lower-case, as every name here
# is: Django reads each upper-case name of this module as a setting.
postgres_engine_words = ("postgres", "postgis")


def flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def words(name: str) -> list[str]:
    return [word.strip() for word in os.environ.get(name, "").split(",") if word.strip()]


def project_settings(module_name: str) -> dict[str, Any]:
    """The project's settings as Django reads them: its upper-case names."""
    try:
        module = import_module(module_name)
    except ImportError as error:
        # Named for the inventory: the traceback alone names only Wharf's module.
        raise ImportError(
            f"wharf_django_settings_module {module_name!r} does not import: {error}"
        ) from error
    return {name: value for name, value in vars(module).items() if name.isupper()}


# Seconds a page waits for a connection to a database host that does not
# answer (stopped, unreachable) before it fails (503, wharf_wsgi), unless
# the project sets its own: libpq's default is to wait for ever.
database_connect_timeout = 5


def database(url: str, project_default: dict[str, Any]) -> dict[str, Any]:
    """DATABASES["default"] for Wharf's PostgreSQL URL, keeping the project's
    own options when the project already uses PostgreSQL."""
    parts = urlsplit(url)
    engine = str(project_default.get("ENGINE", ""))
    kept = project_default if any(word in engine for word in postgres_engine_words) else {}
    return {
        **kept,
        "OPTIONS": {"connect_timeout": database_connect_timeout, **kept.get("OPTIONS", {})},
        "ENGINE": engine if kept else "django.db.backends.postgresql",
        "NAME": unquote(parts.path.lstrip("/")),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
    }


# Django's own storages when a project sets no STORAGES.
django_storages_default = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# How long a pre-signed link to a media file stays valid: pages that embed
# one are often cached for minutes.
media_link_seconds = 3600


def s3_options(location: str) -> dict[str, Any]:
    """django-storages' S3 options for Wharf's bucket (AWS_* from the
    environment file; boto3 reads the credentials there itself)."""
    return {
        "bucket_name": os.environ["AWS_STORAGE_BUCKET_NAME"],
        "location": location,
        # Object ownership is enforced on Wharf's buckets: ACLs are off.
        "default_acl": None,
        "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
        "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
        "addressing_style": os.environ.get("AWS_S3_ADDRESSING_STYLE") or None,
        "signature_version": "s3v4",
        "url_protocol": os.environ.get("AWS_S3_URL_PROTOCOL") or "https:",
    }


def storages(project_storages: dict[str, Any]) -> dict[str, Any]:
    """The project's STORAGES (its other aliases and local backends kept),
    with the aliases for what Wharf put on S3: uploads (`default`, private
    bucket, pre-signed links) and collected static files (`staticfiles`,
    public, hashed names, on the CDN's name when there is one)."""
    chosen = {**django_storages_default, **project_storages}
    if os.environ.get("WHARF_MEDIA_STORAGE") == "s3":
        options = s3_options("media") | {"file_overwrite": False, "querystring_auth": True}
        options["querystring_expire"] = media_link_seconds
        chosen["default"] = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}
    if os.environ.get("WHARF_STATIC_STORAGE") == "s3":
        options = s3_options("static") | {"querystring_auth": False}
        options["custom_domain"] = os.environ.get("AWS_S3_CUSTOM_DOMAIN") or None
        backend = "storages.backends.s3.S3ManifestStaticStorage"
        chosen["staticfiles"] = {"BACKEND": backend, "OPTIONS": options}
    return chosen


whitenoise_middleware = "whitenoise.middleware.WhiteNoiseMiddleware"
security_middleware = "django.middleware.security.SecurityMiddleware"


def middleware(project_middleware: list[str]) -> list[str]:
    """The project's MIDDLEWARE, with WhiteNoise's right after SecurityMiddleware
    (as WhiteNoise asks) when Wharf serves static files from gunicorn."""
    chosen = list(project_middleware)
    if flag("WHARF_WHITENOISE") and whitenoise_middleware not in chosen:
        at = chosen.index(security_middleware) + 1 if security_middleware in chosen else 0
        chosen.insert(at, whitenoise_middleware)
    return chosen


def journal_logging() -> dict[str, Any]:
    """Django's warnings and errors (500 tracebacks included) on stderr,
    which systemd sends to the journal; Django's own default mails them to
    ADMINS and prints nothing when DEBUG is off."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "handlers": {"stderr": {"class": "logging.StreamHandler"}},
        "loggers": {"django": {"handlers": ["stderr"], "level": "WARNING"}},
    }


def owned_settings(project: dict[str, Any]) -> dict[str, Any]:
    """Every setting Wharf can own, with the value Wharf provisions."""
    https = flag("WHARF_HTTPS")
    databases = dict(project.get("DATABASES") or {})
    databases["default"] = database(
        os.environ["WHARF_DATABASE_URL"], databases.get("default") or {}
    )
    return {
        "SECRET_KEY": os.environ["WHARF_SECRET_KEY"],
        "DEBUG": flag("WHARF_DEBUG"),
        "DATABASES": databases,
        "ALLOWED_HOSTS": words("WHARF_ALLOWED_HOSTS"),
        "CSRF_TRUSTED_ORIGINS": words("WHARF_CSRF_TRUSTED_ORIGINS"),
        "STATIC_URL": os.environ["WHARF_STATIC_URL"],
        # The release's own directory, from its release.env (releases made
        # before the overlay have it too, so rolling back to them works).
        "STATIC_ROOT": os.environ["STATIC_ROOT"],
        "MEDIA_URL": os.environ["WHARF_MEDIA_URL"],
        "MEDIA_ROOT": os.environ["WHARF_MEDIA_ROOT"],
        # nginx always overwrites X-Forwarded-Proto, so the header can be trusted.
        "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
        "SECURE_SSL_REDIRECT": https,
        "SESSION_COOKIE_SECURE": https,
        "CSRF_COOKIE_SECURE": https,
        # What nginx sends, so that `check --deploy` judges the real policy.
        "SECURE_HSTS_SECONDS": int(os.environ.get("WHARF_HSTS_SECONDS") or 0),
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": flag("WHARF_HSTS_INCLUDE_SUBDOMAINS"),
        "SECURE_HSTS_PRELOAD": flag("WHARF_HSTS_PRELOAD"),
        # The project's own answers stay; the inventory's are added.
        "SILENCED_SYSTEM_CHECKS": list(
            dict.fromkeys(
                [*project.get("SILENCED_SYSTEM_CHECKS", []), *words("WHARF_SILENCED_SYSTEM_CHECKS")]
            )
        ),
        # Only where the project configures no logging of its own.
        "LOGGING": project.get("LOGGING") or journal_logging(),
        "STORAGES": storages(project.get("STORAGES") or {}),
        "MIDDLEWARE": middleware(project.get("MIDDLEWARE") or []),
    }


def overlay() -> dict[str, Any]:
    """The project's settings with the ones Wharf owns (WHARF_SETTINGS) set."""
    project = project_settings(os.environ["WHARF_PROJECT_SETTINGS_MODULE"])
    owned = owned_settings(project)
    chosen = words("WHARF_SETTINGS")
    unknown = sorted(set(chosen) - set(owned))
    if unknown:
        raise RuntimeError(
            f"WHARF_SETTINGS names settings Wharf does not own: {', '.join(unknown)}"
        )
    return {**project, **{name: owned[name] for name in chosen}}


globals().update(overlay())
