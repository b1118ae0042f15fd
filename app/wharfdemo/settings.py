"""Settings for the Wharf sample project.

Everything that differs between a laptop and production comes from the
environment (see wharfdemo.env); nothing secret lives in this file.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url

from . import env
from .storages import build_storages

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = env.required("SECRET_KEY")
DEBUG = env.flag("DEBUG", default=False)
ALLOWED_HOSTS = env.words("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.words("CSRF_TRUSTED_ORIGINS")
APP_VERSION = env.text("APP_VERSION", "unversioned")

# HTTPS ends at nginx, which always overwrites X-Forwarded-Proto, so the
# header can be trusted to tell Django the browser's scheme.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.flag("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.flag("SESSION_COOKIE_SECURE", default=not DEBUG)
# In the database, which every app host shares (never files on one host).
SESSION_ENGINE = env.text("SESSION_ENGINE", "django.contrib.sessions.backends.db")
CSRF_COOKIE_SECURE = env.flag("CSRF_COOKIE_SECURE", default=not DEBUG)
# The web server sends Strict-Transport-Security; these mirror what it sends
# so that `check --deploy` judges the real policy.
SECURE_HSTS_SECONDS = env.integer("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.flag("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.flag("SECURE_HSTS_PRELOAD", default=False)
# Checks the operator has answered on purpose (e.g. no HSTS preload).
SILENCED_SYSTEM_CHECKS = env.words("SILENCED_SYSTEM_CHECKS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "imagekit",
    "gallery",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
# With Wharf's WhiteNoise mode its settings overlay adds WhiteNoise's
# middleware after SecurityMiddleware; the project only installs the package.

ROOT_URLCONF = "wharfdemo.urls"
WSGI_APPLICATION = "wharfdemo.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env.required("DATABASE_URL"),
        conn_max_age=env.integer("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.text("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = env.text("STATIC_URL", "/static/")
STATIC_ROOT = env.text("STATIC_ROOT", str(BASE_DIR / "var" / "static"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = env.text("MEDIA_URL", "/media/")
MEDIA_ROOT = env.text("MEDIA_ROOT", str(BASE_DIR / "var" / "media"))
# Private documents on local disk: outside MEDIA_ROOT (no public URL), handed
# out by a view after its permission check. With PRIVATE_MEDIA_ACCEL_URL set,
# the view only answers X-Accel-Redirect and nginx sends the bytes from its
# `internal` location of that URL.
PRIVATE_MEDIA_ROOT = env.text("PRIVATE_MEDIA_ROOT", str(BASE_DIR / "var" / "private"))
PRIVATE_MEDIA_ACCEL_URL = env.text("PRIVATE_MEDIA_ACCEL_URL", "")
STORAGES = build_storages(PRIVATE_MEDIA_ROOT)

# Thumbnails are made when the image is saved, never while a page renders:
# rendering then costs no storage round trip, which matters on S3.
IMAGEKIT_DEFAULT_CACHEFILE_STRATEGY = "imagekit.cachefiles.strategies.Optimistic"
IMAGEKIT_CACHEFILE_DIR = "thumbnails"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "gallery:home"

# One number bounds uploads end to end: nginx's client_max_body_size is set
# from the same deploy variable, and forms reject larger files with a message.
UPLOAD_MAX_BYTES = env.integer("UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_BYTES
# Uploads larger than this are streamed to a temporary file instead of memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = env.integer("FILE_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)
FILE_UPLOAD_PERMISSIONS = 0o640
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o750

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Background jobs (wharfdemo/celery.py): Redis as the broker when the deploy
# names one, else each job runs inline where it is queued.
CELERY_BROKER_URL = env.text("REDIS_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A job is acknowledged once done: one whose worker dies mid-way runs again.
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
# The `beat` process queues the digest of new posts this often.
CELERY_BEAT_SCHEDULE = {
    "digest": {
        "task": "gallery.tasks.write_digest",
        "schedule": float(env.integer("DIGEST_EVERY_SECONDS", 3600)),
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.text("LOG_LEVEL", "INFO")},
}
