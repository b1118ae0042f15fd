"""Hostile upload names end up as safe files inside MEDIA_ROOT and are served inert.

Each upload is a multipart body built here byte for byte, so the file name can
carry what a real attacker's client would send (NUL, U+202E, `../`, 300
characters) - things curl's -F would refuse or rewrite.
"""

import base64
import hashlib
import re
import shlex
import uuid

import pytest
from wharf_verifier import ROOT, Site, png_bytes

MEDIA = f"{ROOT}/shared/media"
# A slug, Django's random suffix when the name was taken, a lowercase extension.
SAFE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*(_[A-Za-z0-9]{7})?(\.[a-z0-9]{1,10})?$")
HTML = b"<html><body><script>document.title='owned'</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'


def multipart(fields: dict[str, str], file_field: str, file_name: bytes, data: bytes):
    boundary = f"wharf-{uuid.uuid4().hex}"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="'.encode()
        + file_name
        + b'"\r\nContent-Type: application/octet-stream\r\n\r\n'
        + data
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def new_attachments(host, marker: str) -> list[str]:
    found = host.check_output(f"find {MEDIA} -type f -newer {marker} -printf '%P\\n'")
    return [line for line in found.splitlines() if line]


@pytest.mark.parametrize(
    ("client_name", "data"),
    [
        (b"../../etc/passwd.png", png_bytes(11)),
        (b"x.php.jpg", png_bytes(12)),
        (b"photo\x00.php.png", png_bytes(13)),
        ("invoice\u202egpj.exe".encode(), b"MZ not really a program"),
        (b"n" * 300 + b".png", png_bytes(14)),
        (b"page.html", HTML),
        (b"drawing.svg", SVG),
    ],
    ids=["traversal", "double-extension", "nul", "rtl-override", "300-chars", "html", "svg"],
)
def test_hostile_upload_is_stored_safely_and_served_inert(site, host, client_name, data):
    marker = f"/tmp/wharf-upload-marker-{uuid.uuid4().hex}"
    host.run(f"touch {marker}; sleep 1")
    token = site.csrf_token("/posts/new/")
    body, content_type = multipart(
        {"csrfmiddlewaretoken": token, "title": "hostile", "body": ""},
        "attachment",
        client_name,
        data,
    )
    host.run(f"echo {base64.b64encode(body).decode()} | base64 -d > /tmp/wharf-multipart")
    response = site.request(
        "/posts/new/",
        "--data-binary",
        "@/tmp/wharf-multipart",
        "-H",
        f"Content-Type: {content_type}",
        "-H",
        f"Origin: https://{site.domain}",
    )
    assert response.status == 302, response.body[-600:]

    created = new_attachments(host, marker)
    assert len(created) == 1, created
    stored = created[0]
    assert stored.startswith("attachments/"), stored
    assert SAFE_NAME.match(stored.rsplit("/", 1)[1]), stored
    assert len(stored) <= 100
    # Nothing landed anywhere else on the host.
    outside = host.run(
        f"find / -xdev -newer {marker} -type f \\( -name 'passwd*' -o -name '*.php*'"
        f" -o -name '*gpj*' -o -name 'page*' -o -name 'drawing*' \\) -not -path '{MEDIA}/*'"
        " -not -path '/proc/*' -not -path '/tmp/*' -not -path '/var/log/*'"
    ).stdout.split()
    assert outside == [], outside
    assert host.check_output(f"sha256sum {shlex.quote(MEDIA + '/' + stored)}").split()[0] == (
        hashlib.sha256(data).hexdigest()
    )

    served = site.get(f"/media/{stored}")
    assert served.status == 200
    assert served.body == data
    assert served.header("X-Content-Type-Options") == "nosniff"
    assert "sandbox" in served.header("Content-Security-Policy")
    inline = stored.rsplit(".", 1)[-1] in {"png", "jpg", "jpeg", "gif", "webp", "avif"}
    assert served.header("Content-Disposition") == ("" if inline else "attachment")


def test_uploads_cannot_be_reached_as_code(host):
    """nginx serves media as files only: no PHP, no CGI, nothing executes."""
    site = Site(host)
    folder = f"{MEDIA}/wharf-test-probes/exec"
    host.run(f"mkdir -p {folder} && printf '<?php echo 1+1; ?>' > {folder}/x.php")
    host.run(f"chmod -R a+rX {folder}")
    served = site.get("/media/wharf-test-probes/exec/x.php")
    assert served.status == 200
    assert served.body == b"<?php echo 1+1; ?>"
    assert served.header("Content-Disposition") == "attachment"
