"""Wharf's WSGI entry point: the project's application, and Wharf's health answer.

gunicorn runs `wharf_wsgi:application` (wharf_gunicorn_health_endpoint). It
imports the project's own WSGI application (WHARF_WSGI_APPLICATION,
"module:callable", or Django's WSGI_APPLICATION when empty) when a worker
boots, exactly as gunicorn would, and hands it every request except one:
GET/HEAD of HEALTH_PATH from the host itself or a private network, which it
answers with the database's state and the release's version, so that a
project without a health URL of its own can still be checked after a
switch. From anywhere else the path is the project's, like any other.
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


def wrap(project: WSGIApp) -> WSGIApp:
    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if (
            environ.get("PATH_INFO") == HEALTH_PATH
            and environ.get("REQUEST_METHOD") in {"GET", "HEAD"}
            and from_inside(environ)
        ):
            return health(environ, start_response)
        return project(environ, start_response)

    return application


application = wrap(project_application(os.environ.get("WHARF_WSGI_APPLICATION", "")))
