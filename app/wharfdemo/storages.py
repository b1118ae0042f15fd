"""The STORAGES setting of the sample project.

Three aliases are used; model code never names a backend:

- `default`: user uploads, on local disk (MEDIA_ROOT);
- `staticfiles`: what collectstatic writes, hashed and pre-compressed;
- `private`: documents only their owner may download, outside MEDIA_ROOT
  (PRIVATE_MEDIA_ROOT), or on S3 when MEDIA_STORAGE=s3 (a separate bucket
  or the `private/` prefix, reached through pre-signed URLs only).

When Wharf puts uploads or static files on S3 its settings overlay replaces
`default` and `staticfiles` itself (roles/wharf_django/files/wharf_settings.py),
so nothing here names Wharf's choices but the private documents, which are
this project's own feature. The AWS_* names are django-storages' own
setting names. Credentials are not read here: boto3 takes
AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY from the environment, or the host's
instance role when they are absent.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured

from . import env

LOCAL_FILES = "django.core.files.storage.FileSystemStorage"
# Hashed names for immutable caching, plus .gz and .br siblings that nginx
# (gzip_static/brotli_static) or WhiteNoise send instead of compressing on
# every request.
COMPRESSED_MANIFEST = "whitenoise.storage.CompressedManifestStaticFilesStorage"
S3_FILES = "storages.backends.s3.S3Storage"

_MODES = ("local", "s3")


def media_mode() -> str:
    mode = env.text("MEDIA_STORAGE", "local")
    if mode not in _MODES:
        raise ImproperlyConfigured(
            f"MEDIA_STORAGE must be one of {', '.join(_MODES)}, got {mode!r}."
        )
    return mode


def s3_private() -> dict[str, Any]:
    private_bucket = env.text("AWS_PRIVATE_BUCKET_NAME", "")
    options = {
        "bucket_name": private_bucket or env.required("AWS_STORAGE_BUCKET_NAME"),
        "location": "" if private_bucket else "private",
        # Object ownership is enforced on Wharf's buckets: ACLs are off.
        "default_acl": None,
        "addressing_style": env.text("AWS_S3_ADDRESSING_STYLE", "") or None,
        "region_name": env.text("AWS_S3_REGION_NAME", "") or None,
        "endpoint_url": env.text("AWS_S3_ENDPOINT_URL", "") or None,
        # Signature version 4: the only one every AWS region and most
        # S3-compatible services accept for pre-signed URLs.
        "signature_version": "s3v4",
        "file_overwrite": False,
        "querystring_auth": True,
        "querystring_expire": env.integer("AWS_QUERYSTRING_EXPIRE", 300),
        # Never a CDN name: only the bucket's own endpoint checks signatures.
        "custom_domain": None,
    }
    return {"BACKEND": S3_FILES, "OPTIONS": options}


def local_private(private_root: str) -> dict[str, Any]:
    # No base_url: these files have no public URL; a view hands them out.
    return {"BACKEND": LOCAL_FILES, "OPTIONS": {"location": private_root, "base_url": None}}


def build_storages(private_root: str) -> dict[str, dict[str, Any]]:
    return {
        "default": {"BACKEND": LOCAL_FILES},
        "staticfiles": {"BACKEND": env.text("STATICFILES_STORAGE_BACKEND", COMPRESSED_MANIFEST)},
        "private": s3_private() if media_mode() == "s3" else local_private(private_root),
    }
