"""Private documents on local disk, thumbnails, served the way production serves them.

A document is stored outside MEDIA_ROOT. Only its owner gets the bytes: Django
checks the permission and answers with X-Accel-Redirect, and nginx sends the
file from an `internal` location that browsers cannot request themselves.
"""

import re
import secrets

import pytest
from wharf_verifier import (
    APP,
    ROOT,
    Site,
    create_user,
    make_file,
    make_png,
    sign_in,
    upload_avatar,
    upload_document,
)

PASSWORD = "correct-horse-" + secrets.token_hex(4)


@pytest.fixture
def owner_document(host):
    """Alice signs in, uploads random bytes; returns (her session, document id, sha256)."""
    create_user(host, "alice", PASSWORD)
    alice = Site(host, session="alice")
    sign_in(alice, "alice", PASSWORD)
    digest = make_file(host, "/tmp/wharf-private.pdf")
    return alice, upload_document(alice, "Quarterly figures", "/tmp/wharf-private.pdf"), digest


def stored_path(host, digest: str) -> str:
    listing = host.check_output(f"find {ROOT}/shared -type f -exec sha256sum {{}} +")
    paths = [line.split()[1] for line in listing.splitlines() if line.split()[0] == digest]
    assert len(paths) == 1, f"expected the document once on disk, found {paths}"
    return paths[0]


def test_owner_downloads_the_exact_bytes_through_nginx(host, owner_document):
    alice, document_id, digest = owner_document
    response = alice.get(f"/documents/{document_id}/")
    assert response.status == 200
    assert response.sha256 == digest
    assert response.header("content-disposition").startswith("attachment;")
    # The internal redirect is nginx's business, never the browser's.
    assert response.header("x-accel-redirect") == ""
    assert "private" in response.header("cache-control")
    assert "no-store" in response.header("cache-control")
    assert response.header("x-content-type-options") == "nosniff"
    assert "sandbox" in response.header("content-security-policy")


def test_document_is_stored_outside_the_public_media_directory(host, owner_document):
    _, _, digest = owner_document
    path = stored_path(host, digest)
    assert path.startswith(f"{ROOT}/shared/private/documents/")
    stat = host.file(path)
    assert (stat.user, stat.mode & 0o007) == (APP, 0)


@pytest.mark.parametrize("who", ["anonymous", "another user"])
def test_others_are_refused(host, owner_document, who):
    _, document_id, _ = owner_document
    visitor = Site(host, session=who.replace(" ", "-"))
    visitor.host.run(f"rm -f {visitor.jar}")
    if who == "another user":
        create_user(host, "bob", PASSWORD)
        sign_in(visitor, "bob", PASSWORD)
    response = visitor.get(f"/documents/{document_id}/")
    assert response.status == 403
    assert response.header("x-accel-redirect") == ""
    assert b"%PDF" not in response.body


def test_the_protected_location_cannot_be_requested_directly(host, owner_document, site):
    _, _, digest = owner_document
    name = stored_path(host, digest).removeprefix(f"{ROOT}/shared/private/")
    for path in (
        f"/protected/{name}",
        f"/media/{name}",
        f"/media/../private/{name}",
        f"/static/../private/{name}",
    ):
        response = site.get(path)
        assert response.status == 404, f"{path} -> {response.status}"
        assert response.sha256 != digest


def test_anonymous_upload_is_forbidden(host):
    visitor = Site(host, session="anonymous-upload")
    visitor.host.run(f"rm -f {visitor.jar}")
    assert visitor.get("/documents/new/").status == 403


def test_avatar_thumbnail_is_made_on_upload_and_served(host, site):
    make_png(host, "/tmp/wharf-thumb.png", seed=4242, size=200)
    assert upload_avatar(site, "Thumbnail test", "/tmp/wharf-thumb.png").status == 302
    page = site.get("/").body.decode()
    urls = re.findall(r'src="(/media/thumbnails/avatars/[^"]+\.webp)"', page)
    assert urls, "the home page shows no avatar thumbnail"
    response = site.get(urls[0])
    assert response.status == 200
    assert response.header("content-type") == "image/webp"
    assert response.body[:4] == b"RIFF" and response.body[8:12] == b"WEBP"
    assert host.file(f"{ROOT}/shared{urls[0]}").is_file
