import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from gallery.models import Document

pytestmark = pytest.mark.django_db

SECRET_BYTES = b"%PDF-1.4 quarterly figures\n"


@pytest.fixture
def owner():
    return User.objects.create_user("owner", password="owner-pass-123")


@pytest.fixture
def document(owner):
    return Document.objects.create(
        owner=owner,
        title="Figures",
        file=SimpleUploadedFile("Q3 figures.PDF", SECRET_BYTES),
    )


def download(client, document):
    return client.get(reverse("gallery:document-download", args=[document.pk]))


def test_documents_are_stored_outside_media_root(document):
    stored = Path(settings.PRIVATE_MEDIA_ROOT) / document.file.name
    assert stored.read_bytes() == SECRET_BYTES
    assert not stored.resolve().is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    assert re.fullmatch(r"documents/\d{4}/\d{2}/q3-figures(_\w+)?\.pdf", document.file.name)


@pytest.mark.parametrize("who", ["anonymous", "stranger"])
def test_only_the_owner_may_download(client, document, who):
    if who == "stranger":
        client.force_login(User.objects.create_user("stranger"))
    assert download(client, document).status_code == 403


def test_staff_may_download(client, document):
    client.force_login(User.objects.create_user("clerk", is_staff=True))
    assert download(client, document).status_code == 200


def test_owner_gets_the_bytes_when_django_serves_them(client, owner, document, settings):
    settings.PRIVATE_MEDIA_ACCEL_URL = ""
    client.force_login(owner)
    response = download(client, document)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == SECRET_BYTES
    assert 'attachment; filename="' in response["Content-Disposition"]
    assert "private" in response["Cache-Control"]
    assert "no-store" in response["Cache-Control"]


def test_owner_gets_an_accel_redirect_behind_nginx(client, owner, document, settings):
    settings.PRIVATE_MEDIA_ACCEL_URL = "/protected/"
    client.force_login(owner)
    response = download(client, document)
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == "/protected/" + document.file.name
    assert response.content == b""
    assert "private" in response["Cache-Control"]


def test_anonymous_upload_form_is_forbidden(client):
    assert client.get(reverse("gallery:document-create")).status_code == 403


def test_upload_through_the_form_belongs_to_the_uploader(client, owner):
    client.force_login(owner)
    response = client.post(
        reverse("gallery:document-create"),
        {"title": "Contract", "file": SimpleUploadedFile("contract.pdf", SECRET_BYTES)},
    )
    assert response.status_code == 302
    document = Document.objects.get()
    assert document.owner == owner
    home = client.get("/").content.decode()
    assert reverse("gallery:document-download", args=[document.pk]) in home
    assert document.file.url not in home


def test_sign_in_then_see_own_documents(client, owner, document):
    response = client.post(
        reverse("login"), {"username": "owner", "password": "owner-pass-123"}, follow=True
    )
    assert response.status_code == 200
    assert reverse("gallery:document-download", args=[document.pk]).encode() in response.content
