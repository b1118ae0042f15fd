"""The STORAGES setting, chosen at deploy time from the environment.

Model code never names a backend. Three aliases are used:

- `default`: user uploads (MEDIA_STORAGE=local|s3),
- `staticfiles`: what collectstatic writes (STATIC_STORAGE=local|s3),
- `private`: documents only their owner may download (follows MEDIA_STORAGE;
  on S3 a separate bucket or the `private/` prefix, reached through
  pre-signed URLs only).

The AWS_* names are django-storages' own setting names. Credentials are not
read here: boto3 takes AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY from the
environment, or the host's instance role when they are absent.
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
S3_MANIFEST = "storages.backends.s3.S3ManifestStaticStorage"

_MODES = ("local", "s3")


def storage_mode(name: str) -> str:
    mode = env.text(name, "local")
    if mode not in _MODES:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(_MODES)}, got {mode!r}.")
    return mode


def s3_common() -> dict[str, Any]:
    """Options every S3 alias shares: where the endpoint is and how to talk to it."""
    return {
        "bucket_name": env.required("AWS_STORAGE_BUCKET_NAME"),
        # Object ownership is enforced on Wharf's buckets: ACLs are off.
        "default_acl": None,
        "addressing_style": env.text("AWS_S3_ADDRESSING_STYLE", "") or None,
        "region_name": env.text("AWS_S3_REGION_NAME", "") or None,
        "endpoint_url": env.text("AWS_S3_ENDPOINT_URL", "") or None,
        # Signature version 4: the only one every AWS region and most
        # S3-compatible services accept, for requests and pre-signed URLs.
        "signature_version": "s3v4",
    }


def s3_static() -> dict[str, Any]:
    # Static files are public (a bucket policy on static/* or a CDN in front):
    # plain, cacheable URLs, on the CDN's name when there is one.
    return {
        "BACKEND": env.text("STATICFILES_STORAGE_BACKEND", S3_MANIFEST),
        "OPTIONS": s3_common()
        | {
            "location": "static",
            "querystring_auth": False,
            "custom_domain": env.text("AWS_S3_CUSTOM_DOMAIN", "") or None,
            "url_protocol": env.text("AWS_S3_URL_PROTOCOL", "https:"),
        },
    }


def s3_media() -> dict[str, Any]:
    # The bucket blocks public access, so upload URLs are pre-signed unless a
    # CDN with its own access to the bucket serves them.
    custom_domain = env.text("AWS_S3_MEDIA_CUSTOM_DOMAIN", "") or None
    return {
        "BACKEND": env.text("MEDIA_STORAGE_BACKEND", S3_FILES),
        "OPTIONS": s3_common()
        | {
            "location": "media",
            "file_overwrite": False,
            "querystring_auth": custom_domain is None,
            "querystring_expire": env.integer("AWS_MEDIA_QUERYSTRING_EXPIRE", 3600),
            "custom_domain": custom_domain,
            "url_protocol": env.text("AWS_S3_URL_PROTOCOL", "https:"),
        },
    }


def s3_private() -> dict[str, Any]:
    private_bucket = env.text("AWS_PRIVATE_BUCKET_NAME", "")
    options = s3_common() | {
        "location": "" if private_bucket else "private",
        "file_overwrite": False,
        "querystring_auth": True,
        "querystring_expire": env.integer("AWS_QUERYSTRING_EXPIRE", 300),
        # Never a CDN name: only the bucket's own endpoint checks signatures.
        "custom_domain": None,
    }
    if private_bucket:
        options["bucket_name"] = private_bucket
    return {"BACKEND": S3_FILES, "OPTIONS": options}


def local_static() -> dict[str, Any]:
    return {"BACKEND": env.text("STATICFILES_STORAGE_BACKEND", COMPRESSED_MANIFEST)}


def local_media() -> dict[str, Any]:
    return {"BACKEND": env.text("MEDIA_STORAGE_BACKEND", LOCAL_FILES)}


def local_private(private_root: str) -> dict[str, Any]:
    # No base_url: these files have no public URL; a view hands them out.
    return {"BACKEND": LOCAL_FILES, "OPTIONS": {"location": private_root, "base_url": None}}


def build_storages(private_root: str) -> dict[str, dict[str, Any]]:
    static_on_s3 = storage_mode("STATIC_STORAGE") == "s3"
    media_on_s3 = storage_mode("MEDIA_STORAGE") == "s3"
    return {
        "default": s3_media() if media_on_s3 else local_media(),
        "staticfiles": s3_static() if static_on_s3 else local_static(),
        "private": s3_private() if media_on_s3 else local_private(private_root),
    }
