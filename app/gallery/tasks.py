"""Background jobs: run by the `worker` process, or inline when no broker is set."""

from __future__ import annotations

import hashlib

from celery import shared_task
from django.db import transaction

from .models import Digest, Post

CHUNK = 1 << 20


@shared_task
def checksum_post(post_id: int) -> str:
    """Store the SHA-256 of a post's attachment (or cover, or text) on the post."""
    post = Post.objects.filter(pk=post_id).first()
    if post is None:
        return ""
    digest = hashlib.sha256()
    upload = post.attachment or post.cover
    if upload:
        with upload.open("rb") as stream:
            for chunk in iter(lambda: stream.read(CHUNK), b""):
                digest.update(chunk)
    else:
        digest.update(f"{post.title}\n{post.body}".encode())
    Post.objects.filter(pk=post_id).update(checksum=digest.hexdigest())
    return digest.hexdigest()


@shared_task
def write_digest() -> int:
    """Record how many posts arrived since the previous digest (the `beat` schedule)."""
    with transaction.atomic():
        previous = Digest.objects.select_for_update().order_by("-created").first()
        since = Post.objects.all()
        if previous is not None:
            since = since.filter(created__gt=previous.created)
        return Digest.objects.create(posts=since.count()).posts
