from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.template.defaultfilters import filesizeformat
from PIL import Image


def validate_upload_size(upload: File) -> None:
    """Reject files above the deploy's upload limit with a readable message."""
    limit = settings.UPLOAD_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise ValidationError(
            f"This file is {filesizeformat(upload.size)}; the limit is {filesizeformat(limit)}."
        )


def validate_decodable_image(upload: File) -> None:
    """Decode the whole image: Django's check (Pillow's verify()) reads the
    chunk checksums only, and pixel data that does not decompress would fail
    later, making the thumbnail, after the row was saved."""
    upload.seek(0)
    try:
        with Image.open(upload) as image:
            image.load()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        message = "This image is damaged or incomplete: it could not be read."
        raise ValidationError(message) from None
    finally:
        upload.seek(0)
