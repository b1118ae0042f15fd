"""Small real image files made with Pillow, for upload tests."""

import io
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def png_upload(name: str = "avatar.png", size: tuple[int, int] = (16, 16)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def damaged_png_upload(name: str = "avatar.png") -> SimpleUploadedFile:
    """A PNG whose chunks all carry correct checksums (Pillow's verify() and
    so Django's ImageField accept it) but whose pixel data does not inflate."""
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (30, 30, 200)).save(buffer, format="PNG")
    data = buffer.getvalue()
    start = data.index(b"IDAT") - 4
    (length,) = struct.unpack(">I", data[start : start + 4])
    garbage = bytes(range(7, 7 + length))
    chunk = struct.pack(">I", length) + b"IDAT" + garbage
    chunk += struct.pack(">I", zlib.crc32(b"IDAT" + garbage))
    damaged = data[:start] + chunk + data[start + 12 + length :]
    return SimpleUploadedFile(name, damaged, content_type="image/png")
