"""The STORAGES setting, chosen at deploy time from the environment.

Model code never names a backend: `default` holds user uploads and
`staticfiles` what collectstatic writes. The deploy picks the backend classes.
"""

from __future__ import annotations

from . import env

LOCAL_MEDIA = "django.core.files.storage.FileSystemStorage"
# Hashed names for immutable caching, plus .gz siblings that nginx serves with
# gzip_static instead of compressing on every request.
COMPRESSED_MANIFEST = "whitenoise.storage.CompressedManifestStaticFilesStorage"


def build_storages() -> dict[str, dict[str, str]]:
    return {
        "default": {"BACKEND": env.text("MEDIA_STORAGE_BACKEND", LOCAL_MEDIA)},
        "staticfiles": {"BACKEND": env.text("STATICFILES_STORAGE_BACKEND", COMPRESSED_MANIFEST)},
    }
