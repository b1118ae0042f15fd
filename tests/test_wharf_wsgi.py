"""Wharf's WSGI entry point (roles/wharf_django/files/wharf_wsgi.py): the
project's application for every request but Wharf's health answer."""

from __future__ import annotations

import importlib
import json
import sys
from types import ModuleType

import pytest

PROJECT_WSGI = """
def application(environ, start_response):
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"the project's answer"]
"""


def wharf_wsgi_over(project: str, source: str, tmp_path, monkeypatch) -> ModuleType:
    """wharf_wsgi imported afresh over the project module `project` written from `source`."""
    (tmp_path / f"{project}.py").write_text(source)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("WHARF_WSGI_APPLICATION", f"{project}:application")
    for name in ("wharf_wsgi", project):
        monkeypatch.delitem(sys.modules, name, raising=False)
    return importlib.import_module("wharf_wsgi")


@pytest.fixture
def wsgi(tmp_path, monkeypatch) -> ModuleType:
    monkeypatch.setenv("APP_VERSION", "1.4.2")
    module = wharf_wsgi_over("shopwsgi", PROJECT_WSGI, tmp_path, monkeypatch)
    monkeypatch.setattr(module, "database_state", lambda: "ok")
    return module


def call(module: ModuleType, path: str, method: str = "GET", **environ: str) -> tuple[str, bytes]:
    seen: list[str] = []
    body = module.application(
        {"PATH_INFO": path, "REQUEST_METHOD": method, **environ},
        lambda status, headers: seen.append(status),
    )
    return seen[0], b"".join(body)


@pytest.mark.parametrize("peer", ["", "/run/gunicorn-shop/gunicorn.sock"])
def test_the_health_path_on_the_unix_socket_answers_with_the_version(wsgi, peer):
    status, body = call(wsgi, "/.wharf/health", REMOTE_ADDR=peer)
    assert status == "200 OK"
    assert json.loads(body) == {"status": "ok", "version": "1.4.2", "database": "ok"}


@pytest.mark.parametrize(
    "client",
    ["127.0.0.1", "10.0.3.7", "172.20.0.2", "192.168.1.20", "::1", "fd00::5", "::ffff:10.1.2.3"],
)
def test_private_networks_get_the_health_answer(wsgi, client):
    assert call(wsgi, "/.wharf/health", HTTP_X_REAL_IP=client)[0] == "200 OK"


@pytest.mark.parametrize(
    "environ",
    [
        {"HTTP_X_REAL_IP": "203.0.113.7"},
        {"HTTP_X_REAL_IP": "2001:db8::1", "REMOTE_ADDR": "127.0.0.1"},
        {"REMOTE_ADDR": "198.51.100.4"},
        {"HTTP_X_REAL_IP": "172.32.0.1"},
        {"HTTP_X_REAL_IP": "::ffff:203.0.113.7"},
        {"HTTP_X_REAL_IP": "not an address"},
    ],
)
def test_clients_from_outside_get_the_projects_answer(wsgi, environ):
    assert call(wsgi, "/.wharf/health", **environ) == ("404 Not Found", b"the project's answer")


def test_every_other_request_is_the_projects(wsgi):
    assert call(wsgi, "/")[1] == b"the project's answer"
    assert call(wsgi, "/.wharf/health", method="POST")[1] == b"the project's answer"
    assert call(wsgi, "/.wharf/health/")[1] == b"the project's answer"


def test_a_database_that_cannot_answer_is_a_503_naming_the_error(wsgi, monkeypatch):
    monkeypatch.setattr(wsgi, "database_state", lambda: "OperationalError: connection refused")
    status, body = call(wsgi, "/.wharf/health")
    assert status == "503 Service Unavailable"
    assert json.loads(body)["database"] == "OperationalError: connection refused"
    assert json.loads(body)["status"] == "error"


def test_head_gets_the_status_without_a_body(wsgi):
    assert call(wsgi, "/.wharf/health", method="HEAD") == ("200 OK", b"")


# --- uploads while the disk is nearly full -------------------------------------

MULTIPART = {"CONTENT_TYPE": "multipart/form-data; boundary=x", "CONTENT_LENGTH": "2048"}


@pytest.fixture
def floor(wsgi, tmp_path, monkeypatch):
    """MEDIA_ROOT on tmp_path's disk; the test sets the floor."""
    monkeypatch.setenv("WHARF_UPLOAD_FREE_SPACE_PATH", str(tmp_path))
    return lambda value: monkeypatch.setenv("WHARF_UPLOAD_FREE_SPACE_FLOOR", str(value))


def test_an_upload_below_the_free_space_floor_gets_507_unread(wsgi, floor):
    floor(1 << 62)  # more than any disk has
    status, body = call(wsgi, "/profiles/new/", "POST", **MULTIPART)
    assert status == "507 Insufficient Storage" and b"disk is nearly full" in body
    large = {"CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(2 << 20)}
    assert call(wsgi, "/api/files", "PUT", **large)[0].startswith("507")


def test_forms_and_pages_pass_below_the_floor_and_uploads_above_it(wsgi, floor):
    floor(1 << 62)
    form = {"CONTENT_TYPE": "application/x-www-form-urlencoded", "CONTENT_LENGTH": "40"}
    assert call(wsgi, "/accounts/login/", "POST", **form)[1] == b"the project's answer"
    assert call(wsgi, "/")[1] == b"the project's answer"
    floor(1 << 20)
    assert call(wsgi, "/profiles/new/", "POST", **MULTIPART)[1] == b"the project's answer"
    floor(0)
    assert call(wsgi, "/profiles/new/", "POST", **MULTIPART)[1] == b"the project's answer"


# --- the database down -------------------------------------------------------

FAILING_PROJECT = """
def application(environ, start_response):
    start_response("500 Internal Server Error", [("Content-Type", "text/html")])
    return [b"<h1>Server Error (500)</h1>"]
"""


@pytest.fixture
def failing(tmp_path, monkeypatch) -> ModuleType:
    return wharf_wsgi_over("brokenwsgi", FAILING_PROJECT, tmp_path, monkeypatch)


def answer(module: ModuleType) -> tuple[str, dict[str, str], bytes]:
    seen: list[tuple[str, dict[str, str]]] = []
    body = module.application(
        {"PATH_INFO": "/", "REQUEST_METHOD": "GET"},
        lambda status, headers, *exc: seen.append((status, dict(headers))),
    )
    return seen[0][0], seen[0][1], b"".join(body)


def test_an_error_page_while_the_database_is_down_is_a_503_to_retry(failing, monkeypatch):
    monkeypatch.setattr(failing, "database_state", lambda: "OperationalError: refused")
    status, headers, body = answer(failing)
    assert status == "503 Service Unavailable" and headers["Retry-After"] == "30"
    assert body == b"<h1>Server Error (500)</h1>"


def test_an_error_page_with_the_database_up_stays_a_500(failing, monkeypatch):
    monkeypatch.setattr(failing, "database_state", lambda: "ok")
    status, headers, _ = answer(failing)
    assert status == "500 Internal Server Error" and "Retry-After" not in headers
