import pytest
from django.core.exceptions import ImproperlyConfigured

from wharfdemo.storages import COMPRESSED_MANIFEST, LOCAL_FILES, S3_FILES, build_storages

S3_ENV = {
    "MEDIA_STORAGE": "s3",
    "AWS_STORAGE_BUCKET_NAME": "site-files",
    "AWS_S3_ENDPOINT_URL": "http://s3.test:9000",
    "AWS_S3_REGION_NAME": "eu-west-1",
    "AWS_S3_ADDRESSING_STYLE": "path",
    "AWS_QUERYSTRING_EXPIRE": "120",
}


@pytest.fixture
def environment(monkeypatch):
    for name in (*S3_ENV, "AWS_PRIVATE_BUCKET_NAME", "STATICFILES_STORAGE_BACKEND"):
        monkeypatch.delenv(name, raising=False)

    def apply(**values):
        for name, value in values.items():
            monkeypatch.setenv(name, value)

    return apply


def test_local_by_default(environment):
    built = build_storages("/srv/x/private")
    assert built["staticfiles"]["BACKEND"] == COMPRESSED_MANIFEST
    assert built["default"]["BACKEND"] == LOCAL_FILES
    assert built["private"]["OPTIONS"] == {"location": "/srv/x/private", "base_url": None}


def test_private_documents_on_s3_are_presigned_under_private(environment):
    environment(**S3_ENV)
    built = build_storages("/unused")
    private = built["private"]
    assert private["BACKEND"] == S3_FILES
    options = private["OPTIONS"]
    assert (options["bucket_name"], options["location"]) == ("site-files", "private")
    assert options["default_acl"] is None
    assert options["endpoint_url"] == "http://s3.test:9000"
    assert options["querystring_auth"] is True
    assert options["querystring_expire"] == 120
    assert options["custom_domain"] is None
    # Uploads and static files on S3 are the settings overlay's, not this module's.
    assert built["default"]["BACKEND"] == LOCAL_FILES


def test_private_bucket_of_its_own(environment):
    environment(**S3_ENV, AWS_PRIVATE_BUCKET_NAME="site-private")
    private = build_storages("/unused")["private"]["OPTIONS"]
    assert (private["bucket_name"], private["location"]) == ("site-private", "")


def test_s3_without_a_bucket_refuses_to_start(environment):
    environment(MEDIA_STORAGE="s3")
    with pytest.raises(ImproperlyConfigured, match="AWS_STORAGE_BUCKET_NAME"):
        build_storages("/unused")


def test_unknown_mode_is_named(environment):
    environment(MEDIA_STORAGE="nfs")
    with pytest.raises(ImproperlyConfigured, match="MEDIA_STORAGE"):
        build_storages("/unused")
