"""No web server: gunicorn answers on :8000 itself, as behind a platform's router.

The router terminates TLS and says so with X-Forwarded-Proto; Django then
sends the security headers and HSTS nginx would otherwise send, WhiteNoise
serves static files, and uploads go to S3 (moto on this host).
"""

import json

import pytest
import wharf_verifier as shared
from test_whitenoise import hashed_url, settings_module_served

testinfra_hosts = ["ansible://wharf-whitenoise-paas-12"]

ROUTER = "X-Forwarded-Proto: https"


@pytest.fixture
def site(host):
    return shared.Site(host, domain="localhost:8000", scheme="http", headers=(ROUTER,))


def test_no_web_server_and_gunicorn_on_the_public_port(host):
    assert not host.package("nginx").is_installed
    assert host.socket("tcp://0.0.0.0:8000").is_listening
    socket = host.check_output("systemctl show -p Listen gunicorn-wharfdemo.socket")
    assert "0.0.0.0:8000 (Stream)" in socket
    assert host.service("gunicorn-wharfdemo.service").is_running


def test_the_overlay_puts_uploads_on_s3_for_a_project_that_names_no_bucket(host):
    """The sample project's own STORAGES keep uploads on disk; Wharf's overlay
    makes `default` the S3 bucket (its `private` alias stays the project's)."""
    assert settings_module_served(host) == "wharf_settings"
    code = (
        "from django.conf import settings; import json; s = settings.STORAGES;"
        " print(json.dumps([s['default']['BACKEND'], s['default']['OPTIONS']['location'],"
        " s['private']['OPTIONS']['location']]))"
    )
    output = host.check_output(f"sudo -u wharfdemo /srv/wharfdemo/bin/manage shell -c {code!r}")
    assert json.loads(output.splitlines()[-1]) == [
        "storages.backends.s3.S3Storage",
        "media",
        "private",
    ]


def test_health_through_the_router(site):
    response = site.get("/healthz")
    assert response.status == 200
    assert shared.load_json(response)["status"] == "ok"


def test_plain_http_is_redirected_to_https(host):
    direct = shared.Site(host, domain="localhost:8000", scheme="http", session="no-router")
    response = direct.get("/")
    assert response.status == 301
    assert response.header("location").startswith("https://localhost")


def test_django_sends_the_security_headers_once(site):
    response = site.get("/")
    assert response.status == 200
    assert response.count("strict-transport-security") == 1
    hsts = response.header("strict-transport-security")
    assert hsts == "max-age=63072000; includeSubDomains"
    assert response.header("x-content-type-options") == "nosniff"
    assert response.header("x-frame-options") == "DENY"
    assert response.header("referrer-policy") == "same-origin"
    assert response.header("cross-origin-opener-policy") == "same-origin"


@pytest.mark.parametrize(("accept", "encoding"), [("br", "br"), ("gzip", "gzip")])
def test_whitenoise_serves_compressed_immutable_static(site, accept, encoding):
    response = site.get(hashed_url(site, "site/site.css"), "-H", f"Accept-Encoding: {accept}")
    assert response.status == 200
    assert response.header("content-encoding") == encoding
    assert "immutable" in response.header("cache-control")


def test_uploads_go_to_the_bucket(host):
    env = host.check_output("cat /srv/wharfdemo/shared/app.env").splitlines()
    assert "MEDIA_STORAGE='s3'" in env
    assert "AWS_STORAGE_BUCKET_NAME='wharfdemo-paas'" in env
    assert "WHITENOISE='true'" in env
