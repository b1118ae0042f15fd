import pytest
from django.core.exceptions import ImproperlyConfigured

from wharfdemo.storages import COMPRESSED_MANIFEST, S3_FILES, S3_MANIFEST, build_storages

S3_ENV = {
    "STATIC_STORAGE": "s3",
    "MEDIA_STORAGE": "s3",
    "AWS_STORAGE_BUCKET_NAME": "site-files",
    "AWS_S3_ENDPOINT_URL": "http://s3.test:9000",
    "AWS_S3_REGION_NAME": "eu-west-1",
    "AWS_S3_ADDRESSING_STYLE": "path",
    "AWS_QUERYSTRING_EXPIRE": "120",
}


@pytest.fixture
def environment(monkeypatch):
    for name in (*S3_ENV, "STATICFILES_STORAGE_BACKEND", "MEDIA_STORAGE_BACKEND"):
        monkeypatch.delenv(name, raising=False)

    def apply(**values):
        for name, value in values.items():
            monkeypatch.setenv(name, value)

    return apply


def test_local_by_default(environment):
    built = build_storages("/srv/x/private")
    assert built["staticfiles"]["BACKEND"] == COMPRESSED_MANIFEST
    assert built["default"]["BACKEND"].endswith("FileSystemStorage")
    assert built["private"]["OPTIONS"] == {"location": "/srv/x/private", "base_url": None}


def test_everything_on_s3(environment):
    environment(**S3_ENV)
    built = build_storages("/unused")
    static, media, private = built["staticfiles"], built["default"], built["private"]
    assert static["BACKEND"] == S3_MANIFEST
    assert static["OPTIONS"]["location"] == "static"
    assert static["OPTIONS"]["querystring_auth"] is False
    assert media["BACKEND"] == S3_FILES
    assert media["OPTIONS"]["location"] == "media"
    assert media["OPTIONS"]["file_overwrite"] is False
    for options in (static["OPTIONS"], media["OPTIONS"], private["OPTIONS"]):
        assert options["bucket_name"] == "site-files"
        assert options["default_acl"] is None
        assert options["endpoint_url"] == "http://s3.test:9000"
    assert private["OPTIONS"]["location"] == "private"
    assert private["OPTIONS"]["querystring_auth"] is True
    assert private["OPTIONS"]["querystring_expire"] == 120


def test_private_bucket_of_its_own(environment):
    environment(**S3_ENV, AWS_PRIVATE_BUCKET_NAME="site-private")
    private = build_storages("/unused")["private"]["OPTIONS"]
    assert (private["bucket_name"], private["location"]) == ("site-private", "")


def test_static_on_cdn(environment):
    environment(**S3_ENV, AWS_S3_CUSTOM_DOMAIN="cdn.example.com")
    built = build_storages("/unused")
    assert built["staticfiles"]["OPTIONS"]["custom_domain"] == "cdn.example.com"
    assert built["private"]["OPTIONS"]["custom_domain"] is None


def test_s3_without_a_bucket_refuses_to_start(environment):
    environment(MEDIA_STORAGE="s3")
    with pytest.raises(ImproperlyConfigured, match="AWS_STORAGE_BUCKET_NAME"):
        build_storages("/unused")


def test_unknown_mode_is_named(environment):
    environment(STATIC_STORAGE="nginx")
    with pytest.raises(ImproperlyConfigured, match="STATIC_STORAGE"):
        build_storages("/unused")
