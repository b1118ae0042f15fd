"""Background jobs, run inline as they are without a broker (CELERY_TASK_ALWAYS_EAGER)."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from gallery.models import Digest, Post
from gallery.tasks import checksum_post, write_digest

pytestmark = pytest.mark.django_db


def test_without_a_broker_jobs_run_inline(settings):
    assert settings.CELERY_BROKER_URL == "" and settings.CELERY_TASK_ALWAYS_EAGER


def test_a_new_post_gets_its_checksum_from_a_job(client, django_capture_on_commit_callbacks):
    content = b"attachment bytes " * 100
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("gallery:post-create"),
            {"title": "Hello", "attachment": SimpleUploadedFile("notes.txt", content)},
        )
    assert response.status_code == 302
    post = Post.objects.get()
    answer = client.get(reverse("gallery:post-detail", args=[post.pk])).json()
    checksum = hashlib.sha256(content).hexdigest()
    assert answer == {"id": post.pk, "title": "Hello", "checksum": checksum}


def test_a_post_without_a_file_is_checksummed_by_its_text():
    post = Post.objects.create(title="T", body="B")
    assert checksum_post(post.pk) == hashlib.sha256(b"T\nB").hexdigest()
    assert checksum_post(post.pk + 1000) == ""


def test_the_digest_counts_posts_since_the_previous_one(client):
    assert client.get(reverse("gallery:digest-latest")).status_code == 404
    Post.objects.create(title="one")
    Post.objects.create(title="two")
    assert write_digest() == 2
    Post.objects.create(title="three")
    assert write_digest() == 1
    assert Digest.objects.count() == 2
    assert client.get(reverse("gallery:digest-latest")).json()["posts"] == 1


def test_the_schedule_names_the_digest_task(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["digest"]
    assert entry["task"] == "gallery.tasks.write_digest" and entry["schedule"] == 3600.0


def test_the_broker_transport_is_installed():
    # Celery's redis extra brings what kombu's transport imports (packaging).
    import kombu.transport.redis  # noqa: F401
