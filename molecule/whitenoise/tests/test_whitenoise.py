"""Static files served by gunicorn with WhiteNoise, behind nginx.

nginx has no /static/ location: every static request is proxied, and the
answer (compressed variant, caching, Vary) is WhiteNoise's.
"""

import json
import re

import pytest
import wharf_verifier as shared

CODE = "/srv/wharfdemo/current/code"
# The host without a web server has its own module (test_paas.py).
testinfra_hosts = ["ansible://wharf-whitenoise-13"]


@pytest.fixture
def site(host):
    return shared.Site(host)


def hashed_url(site: shared.Site, original: str) -> str:
    """The hashed URL the page uses for a static file, e.g. site/site.css."""
    stem, extension = original.rsplit(".", 1)
    page = site.get("/").body.decode()
    match = re.search(rf'"(/static/{re.escape(stem)}\.[0-9a-f]{{12}}\.{extension})"', page)
    assert match, f"no hashed URL for {original} on the home page"
    return match.group(1)


def source_sha256(host, relative: str) -> str:
    return host.check_output(f"sha256sum {CODE}/static/{relative}").split()[0]


def test_nginx_has_no_static_location(host):
    config = host.check_output("nginx -T 2>/dev/null")
    assert "location /static/" not in config
    assert "alias /srv/wharfdemo/shared/static/" not in config
    # Media are still nginx's.
    assert "alias /srv/wharfdemo/shared/media/" in config


def test_django_runs_whitenoise_first_after_security(host):
    code = (
        "from django.conf import settings; import json; print(json.dumps(settings.MIDDLEWARE[:2]))"
    )
    output = host.check_output(f"sudo -u wharfdemo /srv/wharfdemo/bin/manage shell -c '{code}'")
    assert json.loads(output.splitlines()[-1]) == [
        "django.middleware.security.SecurityMiddleware",
        "whitenoise.middleware.WhiteNoiseMiddleware",
    ]


def settings_module_served(host) -> str:
    """DJANGO_SETTINGS_MODULE in the running gunicorn master's environment."""
    pid = host.check_output("systemctl show -p MainPID --value gunicorn-wharfdemo.service")
    environ = host.check_output(f"tr '\\0' '\\n' < /proc/{pid}/environ").splitlines()
    return dict(line.split("=", 1) for line in environ if "=" in line)["DJANGO_SETTINGS_MODULE"]


def test_the_site_runs_the_projects_settings_through_wharfs_overlay(host):
    assert settings_module_served(host) == "wharf_settings"
    env = host.check_output("cat /srv/wharfdemo/shared/app.env")
    assert "WHARF_PROJECT_SETTINGS_MODULE='wharfdemo.settings'" in env


@pytest.mark.parametrize(
    ("accept", "encoding"), [("br", "br"), ("gzip", "gzip"), ("br, gzip", "br"), ("", "")]
)
def test_hashed_css_is_precompressed_and_immutable(host, site, accept, encoding):
    url = hashed_url(site, "site/site.css")
    args = ("-H", f"Accept-Encoding: {accept}") if accept else ("-H", "Accept-Encoding:")
    response = site.get(url, *args)
    assert response.status == 200
    assert response.header("content-encoding") == encoding
    assert "Accept-Encoding" in response.header("vary")
    cache = response.header("cache-control")
    assert "immutable" in cache and "public" in cache
    assert int(re.search(r"max-age=(\d+)", cache).group(1)) >= 31536000
    if not encoding:
        assert response.sha256 == source_sha256(host, "site/site.css")


def test_compressed_bytes_decode_to_the_source(host, site):
    url = hashed_url(site, "site/site.js")
    site.get(url, "-H", "Accept-Encoding: br", "--compressed")
    decoded = host.check_output("sha256sum /tmp/wharf-body").split()[0]
    assert decoded == source_sha256(host, "site/site.js")


def test_unknown_static_file_is_a_plain_404(site):
    response = site.get("/static/site/missing.0123456789ab.css")
    assert response.status == 404
    assert b"Traceback" not in response.body


def test_security_headers_on_static_responses(site):
    response = site.get(hashed_url(site, "site/wharf.png"))
    assert response.status == 200
    assert response.header("content-type") == "image/png"
    assert response.count("strict-transport-security") == 1
    assert response.header("x-content-type-options") == "nosniff"
