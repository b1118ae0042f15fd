from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.template.defaultfilters import filesizeformat


def validate_upload_size(upload: File) -> None:
    """Reject files above the deploy's upload limit with a readable message."""
    limit = settings.UPLOAD_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise ValidationError(
            f"This file is {filesizeformat(upload.size)}; the limit is {filesizeformat(limit)}."
        )
