"""A bounded, constant-rate HTTPS load from the controller.

Requests go only to 127.0.0.1 (a test host's published port), at a fixed
rate, each on a fresh TLS connection (as many browsers would arrive), and
stop at `stop()` or after `max_seconds`, whichever comes first. Used by the
`release` Molecule scenario (asserting zero failures) and by bench/deploy.py
(reporting latency and the switch-over gap).
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field


@dataclass
class Counts:
    sent: int = 0
    ok: int = 0  # 2xx and 3xx
    failed: int = 0  # any other status
    errors: int = 0  # no HTTP answer (refused, reset, timeout)
    statuses: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    # (answered at, version) of every /healthz answer that named one.
    versions: list[tuple[float, str]] = field(default_factory=list)

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0

    def switch_gap(self, old: str, new: str) -> float | None:
        """Seconds between the last answer from `old` and the first from `new`."""
        last_old = max((at for at, version in self.versions if version == old), default=None)
        first_new = min((at for at, version in self.versions if version == new), default=None)
        if last_old is None or first_new is None:
            return None
        return first_new - last_old

    def __str__(self) -> str:
        return (
            f"sent={self.sent} ok(2xx/3xx)={self.ok} failed={self.failed} "
            f"connection_errors={self.errors} statuses={dict(self.statuses)}"
        )


class Load:
    """Send GETs for `paths` in turn at `rate` per second until stopped."""

    def __init__(
        self,
        port: int,
        paths: list[str],
        server_name: str = "localhost",
        rate: int = 50,
        max_seconds: int = 300,
    ) -> None:
        self.port = port
        self.paths = paths
        self.server_name = server_name
        self.rate = rate
        self.max_requests = rate * max_seconds
        self.counts = Counts()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Load:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> Counts:
        self._stop.set()
        self._thread.join()
        return self.counts

    def _run(self) -> None:
        interval = 1 / self.rate
        start = time.monotonic()
        with ThreadPoolExecutor(max_workers=64) as pool:
            for index in range(self.max_requests):
                if self._stop.is_set():
                    break
                delay = start + index * interval - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                pool.submit(self._one, self.paths[index % len(self.paths)])

    def _one(self, path: str) -> None:
        status, problem, body = 0, "", b""
        started = time.monotonic()
        try:
            status, body = fetch(self.port, path, self.server_name)
        except (OSError, http.client.HTTPException) as error:
            problem = f"{path}: {error!r}"
        answered = time.monotonic()
        version = _version(body) if path == "/healthz" and status == 200 else ""
        with self._lock:
            self.counts.sent += 1
            self.counts.latencies.append(answered - started)
            if version:
                self.counts.versions.append((answered, version))
            if problem:
                self.counts.errors += 1
                self.counts.problems.append(problem)
            elif 200 <= status < 400:
                self.counts.ok += 1
            else:
                self.counts.failed += 1
                self.counts.problems.append(f"{path}: HTTP {status}")
            self.counts.statuses[status] += 1


# A load, not a TLS test: certificates are checked by other tests. Made once:
# a default context reads the whole CA bundle, which would cost more CPU per
# request than the request itself.
_TLS = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
_TLS.check_hostname = False
_TLS.verify_mode = ssl.CERT_NONE


def fetch(port: int, path: str, server_name: str = "localhost") -> tuple[int, bytes]:
    """GET over a new TLS connection to 127.0.0.1:port, naming the site (SNI and Host)."""
    raw = socket.create_connection(("127.0.0.1", port), timeout=60)
    connection = http.client.HTTPSConnection("127.0.0.1", port, timeout=60, context=_TLS)
    try:
        connection.sock = _TLS.wrap_socket(raw, server_hostname=server_name)
        connection.request("GET", path, headers={"Host": server_name})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()
        raw.close()


def _version(body: bytes) -> str:
    try:
        return str(json.loads(body).get("version", ""))
    except ValueError:
        return ""
