from django.db import models

from .uploads import SafeUploadTo
from .validators import validate_upload_size


class Profile(models.Model):
    display_name = models.CharField(max_length=80)
    avatar = models.ImageField(
        upload_to=SafeUploadTo("avatars/%Y/%m/"), validators=[validate_upload_size]
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
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return self.title
