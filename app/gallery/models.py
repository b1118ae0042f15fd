from django.conf import settings
from django.core.files.storage import Storage, storages
from django.db import models
from imagekit.models import ImageSpecField
from imagekit.processors import ResizeToFill

from .uploads import SafeUploadTo
from .validators import validate_upload_size


def private_storage() -> Storage:
    """The deploy-time `private` storage; a callable so migrations never name a backend."""
    return storages["private"]


class Profile(models.Model):
    display_name = models.CharField(max_length=80)
    avatar = models.ImageField(
        upload_to=SafeUploadTo("avatars/%Y/%m/"), validators=[validate_upload_size]
    )
    # Written to the default storage (local media or the bucket) when the
    # avatar is saved.
    avatar_thumbnail = ImageSpecField(
        source="avatar",
        processors=[ResizeToFill(96, 96)],
        format="WEBP",
        options={"quality": 80},
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return self.display_name


class Post(models.Model):
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    cover = models.ImageField(
        upload_to=SafeUploadTo("covers/"), blank=True, validators=[validate_upload_size]
    )
    attachment = models.FileField(
        upload_to=SafeUploadTo("attachments/%Y/%m/"), blank=True, validators=[validate_upload_size]
    )
    # SHA-256 of the attachment, written by a background job (tasks.py).
    checksum = models.CharField(max_length=64, blank=True, editable=False)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return self.title


class Digest(models.Model):
    """How many posts arrived since the previous digest; written on a schedule."""

    posts = models.PositiveIntegerField()
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.posts} posts at {self.created:%Y-%m-%d %H:%M}"


class Document(models.Model):
    """A file only its owner (or staff) may download; it has no public URL."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="documents"
    )
    title = models.CharField(max_length=200)
    file = models.FileField(
        upload_to=SafeUploadTo("documents/%Y/%m/"),
        storage=private_storage,
        validators=[validate_upload_size],
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return self.title

    def readable_by(self, user: object) -> bool:
        return bool(getattr(user, "is_staff", False) or getattr(user, "pk", None) == self.owner_id)
