"""Where uploads are stored, under names that are safe whatever the browser sent.

A client chooses the file name of an upload: it may hold directories
(`../../etc/passwd.png`), invisible or direction-changing characters
(U+202E turns `gpj.exe` into `exe.jpg` on screen), NUL bytes, hundreds of
characters, or a double extension. Only a short ASCII stem and a lowercase
extension survive; the storage adds a random suffix if the name is taken.
"""

from __future__ import annotations

import posixpath
import re
import unicodedata

from django.db.models import Model
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.text import slugify

STEM_MAX_LENGTH = 40
EXTENSION_MAX_LENGTH = 10


def safe_file_name(client_name: str) -> str:
    """`Résumé (final).PDF` -> `resume-final.pdf`; never empty, never a path."""
    base = client_name.replace("\\", "/").rsplit("/", 1)[-1]
    stem, dot, extension = base.rpartition(".")
    if not dot:
        stem, extension = extension, ""
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    stem = slugify(ascii_stem)[:STEM_MAX_LENGTH].strip("-_") or "upload"
    extension = re.sub(r"[^a-z0-9]", "", extension.lower())[:EXTENSION_MAX_LENGTH]
    return f"{stem}.{extension}" if extension else stem


@deconstructible
class SafeUploadTo:
    """An `upload_to` callable: a strftime folder plus a safe file name."""

    def __init__(self, folder: str) -> None:
        self.folder = folder

    def __call__(self, instance: Model, filename: str) -> str:
        return posixpath.join(timezone.now().strftime(self.folder), safe_file_name(filename))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SafeUploadTo) and other.folder == self.folder

    def __hash__(self) -> int:
        return hash(self.folder)
