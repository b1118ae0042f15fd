"""Wharf's WSGI entry point: the project's application, and Wharf's health answer.

gunicorn runs `wharf_wsgi:application` (wharf_gunicorn_health_endpoint). It
imports the project's own WSGI application (WHARF_WSGI_APPLICATION,
"module:callable", or Django's WSGI_APPLICATION when empty) when a worker
boots, exactly as gunicorn would, and hands it every request except one:
GET/HEAD of HEALTH_PATH from the host itself or a private network, which it
answers with the database's state and the release's version, so that a
project without a health URL of its own can still be checked after a
switch. From anywhere else the path is the project's, like any other.

It also refuses uploads (multipart bodies, or any body of 1 MiB or more)
with 507 while the disk that keeps them has less free space than
WHARF_UPLOAD_FREE_SPACE_FLOOR bytes (WHARF_UPLOAD_FREE_SPACE_PATH: MEDIA_ROOT),
before a byte of the body is read: anonymous uploads cannot fill the disk
PostgreSQL and the backups share.

And while the database cannot answer, the project's error pages (500) go
out as 503 with Retry-After: the site is down for a moment, not broken, and
clients and crawlers are told to come back.
"""

from __future__ import annotations

import ipaddress
import json
import os
from collections.abc import Callable, Iterable
from importlib import import_module
from typing import Any

HEALTH_PATH = "/.wharf/health"
# The host itself and the private networks (RFC 1918, IPv6 unique local)
# app and web hosts talk over. Not ipaddress' is_private, which also counts
# documentation and benchmark ranges.
INSIDE = [
    ipaddress.ip_network(network)
    for network in (
        "127.0.0.0/8",
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "::1/128",
        "fc00::/7",
    )
]

# Bodies from this size on count as uploads whatever their type.
LARGE_BODY = 1 << 20
OUT_OF_SPACE = (
    b"This site cannot take uploads right now: its disk is nearly full. Please try again later.\n"
)

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def project_application(target: str) -> WSGIApp:
    """The project's WSGI callable, `module:callable`, or Django's own."""
    if target:
        module, _, name = target.partition(":")
        return getattr(import_module(module), name or "application")
    from django.core.servers.basehttp import get_internal_wsgi_application
    from django.core.wsgi import get_wsgi_application

    get_wsgi_application()  # django.setup(), as the project's wsgi.py does
    return get_internal_wsgi_application()


def inside(client: str) -> bool:
    try:
        address = ipaddress.ip_address(client)
    except ValueError:
        return False
    address = getattr(address, "ipv4_mapped", None) or address
    return any(address in network for network in INSIDE)


def from_inside(environ: dict[str, Any]) -> bool:
    """The client is this host or a private network. nginx overwrites
    X-Real-IP with the address it was reached from; without it, gunicorn's
    peer decides, and a peer on the unix socket (no IP address) is on this
    host."""
    if environ.get("HTTP_X_REAL_IP"):
        return inside(environ["HTTP_X_REAL_IP"])
    peer = environ.get("REMOTE_ADDR") or ""
    try:
        ipaddress.ip_address(peer)
    except ValueError:
        return True
    return inside(peer)


def database_state() -> str:
    """ "ok", or why the default database cannot answer a query."""
    from django.db import connections

    connection = connections["default"]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception as error:  # any failure is the answer
        return f"{type(error).__name__}: {error}".strip()[:300]
    finally:
        # Outside Django's request cycle nothing else closes it.
        connection.close()


def health(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    database = database_state()
    answer = {
        "status": "ok" if database == "ok" else "error",
        "version": os.environ.get("APP_VERSION", ""),
        "database": database,
    }
    body = json.dumps(answer).encode()
    start_response(
        "200 OK" if database == "ok" else "503 Service Unavailable",
        [
            ("Content-Type", "application/json"),
            ("Cache-Control", "no-store"),
            ("Content-Length", str(len(body))),
        ],
    )
    return [] if environ.get("REQUEST_METHOD") == "HEAD" else [body]


def upload_size(environ: dict[str, Any]) -> int:
    """The bytes an upload would write (1 for a multipart body of unknown length), else 0."""
    try:
        length = max(int(environ.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        length = 0
    if str(environ.get("CONTENT_TYPE", "")).lower().startswith("multipart/form-data"):
        return max(length, 1)
    return length if length >= LARGE_BODY else 0


def out_of_space(environ: dict[str, Any]) -> bool:
    """An upload would leave less than the floor free where uploads are kept."""
    path = os.environ.get("WHARF_UPLOAD_FREE_SPACE_PATH", "")
    floor = int(os.environ.get("WHARF_UPLOAD_FREE_SPACE_FLOOR", "0") or 0)
    size = upload_size(environ)
    if not path or floor <= 0 or not size:
        return False
    try:
        disk = os.statvfs(path)
    except OSError:
        return False
    return disk.f_bavail * disk.f_frsize - size < floor


def insufficient_storage(start_response: Callable[..., Any]) -> list[bytes]:
    start_response(
        "507 Insufficient Storage",
        [
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Cache-Control", "no-store"),
            ("Retry-After", "600"),
            ("Content-Length", str(len(OUT_OF_SPACE))),
        ],
    )
    return [OUT_OF_SPACE]


def outage_aware(start_response: Callable[..., Any]) -> Callable[..., Any]:
    """start_response, turning a 500 into 503 with Retry-After while the database is down."""

    def start(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
        if status.startswith("500") and database_state() != "ok":
            status = "503 Service Unavailable"
            headers = [(name, value) for name, value in headers if name.lower() != "retry-after"]
            headers.append(("Retry-After", "30"))
        return start_response(status, headers, *exc_info)

    return start


def wrap(project: WSGIApp) -> WSGIApp:
    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if (
            environ.get("PATH_INFO") == HEALTH_PATH
            and environ.get("REQUEST_METHOD") in {"GET", "HEAD"}
            and from_inside(environ)
        ):
            return health(environ, start_response)
        if out_of_space(environ):
            return insufficient_storage(start_response)
        return project(environ, outage_aware(start_response))

    return application


application = wrap(project_application(os.environ.get("WHARF_WSGI_APPLICATION", "")))
