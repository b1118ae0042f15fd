import re

import pytest

from gallery.uploads import SafeUploadTo, safe_file_name

SAFE = re.compile(r"^[a-z0-9][a-z0-9_-]*(\.[a-z0-9]{1,10})?$")


@pytest.mark.parametrize(
    ("client_name", "stored"),
    [
        ("../../etc/passwd.png", "passwd.png"),
        ("..\\..\\windows\\win.ini", "win.ini"),
        ("x.php.jpg", "xphp.jpg"),
        ("photo\x00.php.png", "photophp.png"),
        ("invoice\u202egpj.exe", "invoicegpj.exe"),
        ("Résumé (final).PDF", "resume-final.pdf"),
        ("....", "upload"),
        ("", "upload"),
        (".htaccess", "upload.htaccess"),
        ("a" * 300 + ".png", "a" * 40 + ".png"),
        ("Кошка.jpeg", "upload.jpeg"),
    ],
)
def test_client_names_become_safe(client_name, stored):
    assert safe_file_name(client_name) == stored
    assert SAFE.match(stored)


def test_upload_to_keeps_the_dated_folder(settings):
    path = SafeUploadTo("avatars/%Y/%m/")(None, "../me.png")
    assert re.fullmatch(r"avatars/\d{4}/\d{2}/me\.png", path)
