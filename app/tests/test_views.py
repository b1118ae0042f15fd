import re
from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from gallery.models import Post, Profile

from .images import damaged_png_upload, png_upload

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_version(client, settings):
    settings.APP_VERSION = "9.9.9"
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "version": "9.9.9"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_reports_database_outage(client, monkeypatch):
    from django.db import DatabaseError, connection

    def broken_cursor(*args, **kwargs):
        raise DatabaseError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"


def test_home_links_static_assets_from_app_and_project_dirs(client):
    html = client.get("/").content.decode()
    for asset in (
        "site/site.css",
        "site/site.js",
        "site/wharf.png",
        "gallery/gallery.css",
        "gallery/gallery.js",
        "gallery/empty.png",
    ):
        assert f'"/static/{asset}"' in html


def test_avatar_upload_lands_under_dated_directory(client, media_root):
    response = client.post(
        reverse("gallery:profile-create"),
        {"display_name": "Ada", "avatar": png_upload()},
    )
    assert response.status_code == 302
    profile = Profile.objects.get()
    now = datetime.now(UTC)
    assert profile.avatar.name.startswith(f"avatars/{now:%Y}/{now:%m}/")
    assert (media_root / profile.avatar.name).is_file()
    assert profile.avatar.url in client.get("/").content.decode()


def test_post_with_cover_and_attachment(client, media_root):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        reverse("gallery:post-create"),
        {
            "title": "Launch",
            "body": "Shipped.",
            "cover": png_upload("cover.png"),
            "attachment": SimpleUploadedFile("notes.txt", b"release notes"),
        },
    )
    assert response.status_code == 302
    post = Post.objects.get()
    assert post.cover.name.startswith("covers/")
    assert re.match(r"attachments/\d{4}/\d{2}/notes", post.attachment.name)
    assert (media_root / post.attachment.name).read_bytes() == b"release notes"


def test_upload_over_limit_is_rejected_with_message(client, media_root, settings):
    settings.UPLOAD_MAX_BYTES = 100
    response = client.post(
        reverse("gallery:profile-create"),
        {"display_name": "Big", "avatar": png_upload(size=(64, 64))},
    )
    assert response.status_code == 200
    assert "the limit is 100" in response.content.decode()
    assert not Profile.objects.exists()


def test_upload_form_shares_limit_with_browser(client, settings):
    settings.UPLOAD_MAX_BYTES = 12345
    html = client.get(reverse("gallery:post-create")).content.decode()
    assert 'data-max-bytes="12345"' in html
    assert "csrfmiddlewaretoken" in html


def test_non_image_avatar_is_refused(client, media_root):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        reverse("gallery:profile-create"),
        {"display_name": "Eve", "avatar": SimpleUploadedFile("x.png", b"<script>")},
    )
    assert response.status_code == 200
    assert not Profile.objects.exists()


def test_a_damaged_image_is_refused_with_a_message_and_no_row(client, media_root):
    response = client.post(
        reverse("gallery:profile-create"), {"display_name": "Mal", "avatar": damaged_png_upload()}
    )
    assert response.status_code == 200
    assert "damaged or incomplete" in response.content.decode()
    assert not Profile.objects.exists()
    assert not list(media_root.rglob("*.png"))


def test_long_client_file_names_are_accepted_and_shortened(client, media_root):
    upload = SimpleUploadedFile("n" * 300 + ".txt", b"notes", content_type="text/plain")
    response = client.post("/posts/new/", {"title": "long", "attachment": upload})
    assert response.status_code == 302
    stored = Post.objects.get(title="long").attachment.name
    assert stored.endswith("/" + "n" * 40 + ".txt")


def test_avatar_thumbnail_is_written_when_the_avatar_is_saved(client, media_root):
    client.post(reverse("gallery:profile-create"), {"display_name": "Ada", "avatar": png_upload()})
    thumbnails = list((media_root / "thumbnails").rglob("*.webp"))
    assert len(thumbnails) == 1
    assert thumbnails[0].read_bytes()[8:12] == b"WEBP"
    assert Profile.objects.get().avatar_thumbnail.url in client.get("/").content.decode()
