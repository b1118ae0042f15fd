"""Abuse limits and health answers at the edge, from outside: the controller,
through the published port.

The verifier's other requests come from the host itself (127.0.0.1), which
wharf_nginx_rate_limit_exempt leaves unlimited; these come from the
controller, a client like any other. Each test sends more requests, back to
back on one connection, than the limit's burst allows: what the limit lets
through in the meantime (one a second at most) cannot make up the rest.
"""

from __future__ import annotations

import http.client
import socket
import ssl

import pytest
from wharf_verifier import molecule_hosts
from wharf_verifier.rollout import published_port

# The scenario's wharf_nginx_rate_limit_*: the defaults.
WRITES_BURST, SENSITIVE_BURST = 30, 20
SECURITY_HEADERS = ("X-Content-Type-Options", "X-Frame-Options", "Strict-Transport-Security")


def statuses(method: str, path: str, count: int) -> list[http.client.HTTPResponse]:
    """`count` requests on one keep-alive connection; each response, its body read."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    port = published_port(molecule_hosts()[0])
    connection = http.client.HTTPSConnection("127.0.0.1", port, timeout=30, context=context)
    connection.sock = context.wrap_socket(
        socket.create_connection(("127.0.0.1", port), timeout=30), server_hostname="localhost"
    )
    answers = []
    try:
        for _ in range(count):
            body = b"name=x" if method == "POST" else None
            headers = {"Host": "localhost", "Content-Type": "application/x-www-form-urlencoded"}
            connection.request(method, path, body=body, headers=headers)
            answer = connection.getresponse()
            answer.read()
            answers.append(answer)
    finally:
        connection.close()
    return answers


@pytest.mark.parametrize(
    ("method", "path", "burst"),
    [("POST", "/profiles/new/", WRITES_BURST), ("GET", "/admin/login/", SENSITIVE_BURST)],
)
def test_a_client_over_the_limit_gets_429_with_the_security_headers(method, path, burst):
    answers = statuses(method, path, 2 * burst + 20)
    codes = [answer.status for answer in answers]
    assert 429 not in codes[:burst], codes
    refused = [answer for answer in answers if answer.status == 429]
    assert len(refused) >= burst // 2, codes
    for header in (*SECURITY_HEADERS, "Retry-After"):
        assert refused[0].getheader(header), f"429 without {header}"
    assert refused[0].getheader("Cache-Control") == "no-store"


@pytest.mark.parametrize("path", ["/healthz", "/.wharf/health"])
def test_health_answers_are_refused_to_other_addresses(path):
    """The scenario lets the host itself read them (wharf_nginx_health_allow);
    the controller is another address."""
    (answer,) = statuses("GET", path, 1)
    assert answer.status == 403
    assert answer.getheader("X-Content-Type-Options") == "nosniff"


def test_pages_read_at_the_same_pace_are_never_limited():
    codes = {answer.status for answer in statuses("GET", "/", 2 * WRITES_BURST + 20)}
    assert codes == {200}
