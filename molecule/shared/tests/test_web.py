"""The site as a browser sees it, through nginx on the host."""

import gzip
import hashlib
import random
import re
import time
import uuid

from wharf_verifier import (
    APP,
    PROJECT_DIR,
    ROOT,
    Site,
    find_avatar,
    load_json,
    make_png,
    upload_avatar,
)

HASHED_ASSET = re.compile(rb'"(/static/[^"]+\.[0-9a-f]{12}\.(?:css|js|png))"')
UPLOAD_LIMIT = 1024 * 1024  # wharf_upload_max_mb: 1 in molecule.yml


def test_home_page_renders(site):
    response = site.get("/")
    assert response.status == 200
    assert "text/html" in response.header("Content-Type")
    assert b"Wharf gallery" in response.body


def test_healthz_reports_version_and_database(site):
    response = site.get("/healthz")
    assert response.status == 200
    expected = (PROJECT_DIR / "app" / "VERSION").read_text().strip()
    assert load_json(response) == {"status": "ok", "database": "ok", "version": expected}


def test_unknown_host_gets_no_answer(host):
    plain = Site(host, scheme="http").get("/", host_header="attacker.example")
    assert plain.status == 0  # nginx closed the connection (444)
    # Over https the handshake itself is refused: no certificate is shown.
    assert Site(host, domain="attacker.example").get("/").status == 0


def test_every_local_url_answers(host):
    # Clients send no SNI for an address: the site is the default https
    # server, with a certificate that names it; other names are refused still.
    for start in ("http://localhost/", "http://127.0.0.1/"):
        answer = host.run(f"curl -sSL -o /dev/null -w '%{{http_code}} %{{url_effective}}' {start}")
        assert answer.stdout == f"200 https{start.removeprefix('http')}", answer.stderr
    # An unknown Host on that address is not served: nginx closes the
    # connection (444), or over HTTP/2 nginx 1.25+ refuses it with 421.
    stranger = (
        "curl -sS -o /dev/null -w '%{http_code}' -H 'Host: attacker.example' https://127.0.0.1/"
    )
    assert host.run(stranger).stdout in ("000", "421")
    assert host.run(stranger.replace("curl", "curl --http1.1")).stdout == "000"


def test_server_version_is_hidden(site):
    assert site.get("/").header("Server") == "nginx"


def test_page_links_hashed_css_js_and_image(site):
    assets = HASHED_ASSET.findall(site.get("/").body)
    suffixes = {a.rsplit(b".", 1)[1] for a in assets}
    assert suffixes == {b"css", b"js", b"png"}, assets


def test_hashed_static_file_served_by_nginx_precompressed_and_immutable(site, host):
    css = next(a.decode() for a in HASHED_ASSET.findall(site.get("/").body) if a.endswith(b".css"))
    on_disk = host.file(f"{ROOT}/shared/static{css.removeprefix('/static')}")
    assert on_disk.exists

    on_disk_sha256 = host.check_output(f"sha256sum {on_disk.path}").split()[0]

    plain = site.get(css)
    assert plain.status == 200
    assert plain.sha256 == on_disk_sha256
    assert plain.header("Content-Encoding") == ""
    assert plain.header("Cache-Control") == "public, max-age=31536000, immutable"
    assert plain.header("X-Content-Type-Options") == "nosniff"

    compressed = site.get(css, "-H", "Accept-Encoding: gzip")
    assert compressed.status == 200
    assert compressed.header("Content-Encoding") == "gzip"
    assert compressed.header("Cache-Control") == "public, max-age=31536000, immutable"
    assert hashlib.sha256(gzip.decompress(compressed.body)).hexdigest() == on_disk_sha256

    # Brotli wins when offered: the .br sibling collectstatic wrote, byte for byte.
    brotli = site.get(css, "-H", "Accept-Encoding: gzip, br")
    assert brotli.status == 200
    assert brotli.header("Content-Encoding") == "br"
    assert "Accept-Encoding" in brotli.header("Vary")
    assert brotli.header("Cache-Control") == "public, max-age=31536000, immutable"
    assert brotli.sha256 == host.check_output(f"sha256sum {on_disk.path}.br").split()[0]
    assert len(brotli.body) < len(compressed.body) < plain_size(host, on_disk.path)


def plain_size(host, path: str) -> int:
    return int(host.check_output(f"stat -c %s {path}"))


def test_unhashed_static_file_is_cached_briefly(site):
    response = site.get("/static/site/site.css")
    assert response.status == 200
    assert response.header("Cache-Control") == "public, max-age=600"


def test_static_requests_never_reach_gunicorn(site, host):
    marker = uuid.uuid4().hex
    css = next(a.decode() for a in HASHED_ASSET.findall(site.get("/").body) if a.endswith(b".css"))
    assert site.get(f"{css}?{marker}").status == 200
    assert site.get(f"/healthz?{marker}").status == 200

    def gunicorn_log() -> str:
        return host.check_output(f"journalctl -u gunicorn-{APP}.service --no-pager -o cat")

    for _ in range(20):  # the journal takes a moment to receive the access log line
        log = gunicorn_log()
        if f"/healthz?{marker}" in log:
            break
        time.sleep(0.5)
    assert f"/healthz?{marker}" in log, "gunicorn's access log is not reaching the journal"
    assert f"{css}?{marker}" not in log


def test_avatar_upload_is_stored_and_served(site, host):
    seed = random.randrange(1, 1 << 16)
    digest = make_png(host, "/tmp/wharf-avatar.png", seed)
    response = upload_avatar(site, f"tester-{seed}", "/tmp/wharf-avatar.png")
    assert response.status == 302, response.body[:500]

    stored = find_avatar(host, digest)
    assert host.file(stored).user == APP

    url = stored.replace(f"{ROOT}/shared/media/", "/media/")
    assert url.encode() in site.get("/").body
    served = site.get(url)
    assert served.status == 200
    assert served.sha256 == digest
    assert served.header("X-Content-Type-Options") == "nosniff"
    assert served.header("Cache-Control") == "max-age=2592000"


def test_cross_site_upload_is_refused(site, host):
    make_png(host, "/tmp/wharf-xsite.png", 7)
    response = upload_avatar(site, "forged", "/tmp/wharf-xsite.png", origin="http://evil.example")
    assert response.status == 403


def test_upload_over_the_limit_is_refused_by_nginx(site, host):
    host.run(f"head -c {UPLOAD_LIMIT + 1} /dev/zero > /tmp/wharf-big")
    host.run(f"head -c {UPLOAD_LIMIT} /dev/zero > /tmp/wharf-limit")
    over = site.request(
        "/profiles/new/", "--data-binary", "@/tmp/wharf-big", "-H", "Content-Type: text/plain"
    )
    assert over.status == 413
    assert b"413" in over.body and b"gunicorn" not in over.body
    at_limit = site.request(
        "/profiles/new/", "--data-binary", "@/tmp/wharf-limit", "-H", "Content-Type: text/plain"
    )
    assert at_limit.status == 403  # reached Django, which wants a CSRF token


def test_path_traversal_is_refused(site):
    for path in (
        "/static/../shared/app.env",
        "/static/..%2fshared/app.env",
        "/static../app.env",
        "/media../shared/app.env",
        "/media/../code/manage.py",
        "/static/%2e%2e/%2e%2e/shared/app.env",
    ):
        response = site.get(path)
        assert response.status in (400, 404), f"{path} -> {response.status}"
        assert b"SECRET_KEY" not in response.body


def test_media_directory_is_not_listed(site):
    assert site.get("/media/").status in (403, 404)
    assert site.get("/static/").status in (403, 404)
