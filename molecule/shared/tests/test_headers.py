"""Security headers on every kind of response, once each; uploads served as data.

Files planted by these tests live in MEDIA_ROOT/wharf-test-probes/, created as
root: never in a folder the application writes to (a root-owned
attachments/ would make the app's own uploads fail).
"""

import re

import pytest
from wharf_verifier import APP, ROOT

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    # Sent by nginx; Django's own copy is hidden, so it is never doubled.
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
}


def hashed_css(site) -> str:
    return re.search(rb'"(/static/[^"]+\.[0-9a-f]{12}\.css)"', site.get("/").body).group(1).decode()


@pytest.mark.parametrize(
    ("kind", "path", "status", "args"),
    [
        ("page from Django", "/", 200, ()),
        ("health check", "/healthz", 200, ()),
        ("404 from Django", "/no-such-page/", 404, ()),
        ("static file", "HASHED_CSS", 200, ()),
        ("404 under /static/", "/static/no-such-file.css", 404, ()),
        ("404 under /media/", "/media/no-such-file.png", 404, ()),
        ("413 from nginx", "/profiles/new/", 413, ("--data-binary", "@/tmp/wharf-too-big")),
    ],
)
def test_every_response_carries_each_security_header_once(site, host, kind, path, status, args):
    host.run("head -c 1048577 /dev/zero > /tmp/wharf-too-big")
    response = site.get(hashed_css(site) if path == "HASHED_CSS" else path, *args)
    assert response.status == status, kind
    for name, value in SECURITY_HEADERS.items():
        assert response.count(name) == 1, f"{kind}: {name} sent {response.count(name)} times"
        assert response.header(name) == value, f"{kind}: {name}"


PAGE_POLICY = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)  # the scenario's wharf_nginx_content_security_policy


@pytest.mark.parametrize(
    ("path", "policy"),
    [
        ("/", PAGE_POLICY),
        ("/no-such-page/", PAGE_POLICY),
        ("/media/no-such-file.png", "default-src 'none'; style-src 'unsafe-inline'; sandbox"),
    ],
)
def test_pages_carry_the_sites_content_security_policy_and_uploads_their_own(site, path, policy):
    response = site.get(path)
    assert response.count("Content-Security-Policy") == 1, path
    assert response.header("Content-Security-Policy") == policy


def test_scheme_headers_from_clients_are_not_believed(site):
    """Only nginx says the scheme: other spellings a client sends would
    contradict it (gunicorn answers contradictions with 400) or, believed,
    make Django think the request came over http (its https redirect: 301)."""
    response = site.get(
        "/", "-H", "X-Forwarded-Ssl: off", "-H", "X-Forwarded-Protocol: http",
        "-H", "Forwarded: proto=http",
    )  # fmt: skip
    assert response.status == 200


def test_a_link_planted_in_media_is_not_followed(site, host):
    """The application owns MEDIA_ROOT: a link it makes there to a file it
    does not own (here /etc/passwd, readable by nginx) is refused."""
    probes = f"{ROOT}/shared/media/wharf-test-probes/links"
    host.check_output(f"mkdir -p {probes} && ln -sfn /etc/passwd {probes}/avatar.png")
    host.check_output(f"chown -h {APP}:{APP} {probes}/avatar.png")
    host.check_output(f"cp {ROOT}/shared/static/site/wharf.png {probes}/own.png")
    host.check_output(f"chown {APP}:{APP} {probes}/own.png && chmod 0644 {probes}/own.png")
    host.check_output(f"ln -sfn own.png {probes}/own-link.png")
    host.check_output(f"chown -h {APP}:{APP} {probes}/own-link.png")
    planted = site.get("/media/wharf-test-probes/links/avatar.png")
    assert planted.status == 403 and b"root:" not in planted.body
    # A link between the application's own files still serves.
    assert site.get("/media/wharf-test-probes/links/own-link.png").status == 200


def test_uploaded_html_is_a_sandboxed_download(site, host):
    probes = f"{ROOT}/shared/media/wharf-test-probes/headers"
    host.run(f"mkdir -p {probes} && printf '<script>alert(1)</script>' > {probes}/page.html")
    response = site.get("/media/wharf-test-probes/headers/page.html")
    assert response.status == 200
    assert response.header("Content-Disposition") == "attachment"
    assert "sandbox" in response.header("Content-Security-Policy")
    assert "default-src 'none'" in response.header("Content-Security-Policy")
    assert response.header("X-Content-Type-Options") == "nosniff"


def test_uploaded_svg_is_a_download_and_png_is_inline(site, host):
    media = f"{ROOT}/shared/media/wharf-test-probes/headers"
    host.run(f"mkdir -p {media}; printf '<svg onload=\"alert(1)\"/>' > {media}/x.svg")
    host.run(f"cp {ROOT}/shared/static/site/wharf.png {media}/ok.png")
    host.run(f"chmod 0644 {media}/*")
    assert (
        site.get("/media/wharf-test-probes/headers/x.svg").header("Content-Disposition")
        == "attachment"
    )
    png = site.get("/media/wharf-test-probes/headers/ok.png")
    assert png.status == 200
    assert png.header("Content-Disposition") == ""
    assert "sandbox" in png.header("Content-Security-Policy")
