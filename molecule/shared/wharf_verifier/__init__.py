"""Helpers and fixtures for Wharf's Molecule verifiers, imported as `wharf_verifier`.

The repository's pytest.ini puts molecule/shared/ (and bench/, for the load
generator) on the import path; each scenario's conftest.py imports the fixtures.

Every HTTP request is real: curl runs inside the test host against its own
nginx on 127.0.0.1, exactly as a browser on the server would see the site -
over https, verifying the certificate against the host's trust store (the
deploy adds the local CA to it).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shlex
import struct
import subprocess
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
import testinfra
import testinfra.host
from testinfra.backend.ssh import SshBackend

APP = os.environ.get("WHARF_TEST_APP", "wharfdemo")
DOMAIN = os.environ.get("WHARF_TEST_DOMAIN", "localhost")
ROOT = f"/srv/{APP}"
MARK = "--wharf-test-separator--"
PROJECT_DIR = Path(os.environ.get("MOLECULE_PROJECT_DIRECTORY", Path(__file__).parents[3]))


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    sha256: str = ""
    header_lines: list[str] = field(default_factory=list)
    extra: dict[str, str] = field(default_factory=dict)

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")

    def count(self, name: str) -> int:
        """How many times the response carries a header (duplicates included)."""
        prefix = name.lower() + ":"
        return sum(1 for line in self.header_lines if line.lower().startswith(prefix))


class Site:
    """A browser session (cookie jar included) on the host's own nginx."""

    def __init__(
        self,
        host,
        domain: str = DOMAIN,
        scheme: str = "https",
        session: str = "main",
        headers: tuple[str, ...] = (),
    ) -> None:
        self.host = host
        self.domain = domain
        self.scheme = scheme
        # Sent with every request (e.g. what a platform's router adds).
        self.headers = [arg for header in headers for arg in ("-H", header)]
        # One cookie jar per browser session: two users can be signed in at once.
        self.jar = f"/tmp/wharf-test-cookies-{os.getpid()}-{session}"

    def request(self, path: str, *curl_args: str, host_header: str | None = None) -> Response:
        """One round-trip to the host: curl, then status, headers and body in one reply."""
        # The URL names the site (SNI, certificate check, Host); --connect-to
        # sends the connection to this host's own nginx whatever the name.
        curl = [
            "curl",
            "-sS",
            "--path-as-is",
            "-o",
            "/tmp/wharf-body",
            "-D",
            "/tmp/wharf-headers",
            "-b",
            self.jar,
            "-c",
            self.jar,
            "--connect-to",
            "::127.0.0.1:",
            *(("-H", f"Host: {host_header}") if host_header else ()),
            *self.headers,
            "-w",
            "%{http_code}",
            *curl_args,
            f"{self.scheme}://{self.domain}{path}",
        ]
        script = (
            "rm -f /tmp/wharf-body /tmp/wharf-headers; "
            f"{shlex.join(curl)}; echo; echo {MARK}; cat /tmp/wharf-headers 2>/dev/null; "
            f"echo {MARK}; base64 -w0 /tmp/wharf-body 2>/dev/null"
        )
        status, headers, body = self.host.run(script).stdout.split(MARK, 2)
        raw = base64.b64decode(body.strip())
        headers = headers.strip("\n")
        return Response(
            int(status.strip() or 0),
            self._headers(headers),
            raw,
            hashlib.sha256(raw).hexdigest(),
            headers.splitlines(),
        )

    def get(self, path: str, *curl_args: str, **kwargs: str) -> Response:
        return self.request(path, *curl_args, **kwargs)

    def csrf_token(self, form_path: str) -> str:
        page = self.get(form_path)
        assert page.status == 200, f"GET {form_path} -> {page.status}"
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.body)
        assert match, f"no CSRF token on {form_path}"
        return match.group(1).decode()

    @staticmethod
    def _headers(raw: str) -> dict[str, str]:
        headers: dict[str, str] = {}
        for line in raw.splitlines():
            if ":" in line and not line.startswith("HTTP/"):
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        return headers


class _ShellOverSsh(SshBackend):
    """testinfra's ssh backend, each command run by /bin/sh as podman exec ran it
    (sshd would hand it to root's login shell)."""

    def run(self, command: str, *args: str, **kwargs: object):
        return self.run_ssh(self.get_command("/bin/sh -c %s", self.get_command(command, *args)))


_HOSTS: dict[str, testinfra.host.Host] = {}


def ssh_config() -> Path:
    """The ssh client settings that reach a test host as Ansible does.

    The same key and ProxyCommand as .config/molecule/config.yml's connection
    (molecule/shared/ssh-proxy starts sshd through podman exec), and one
    multiplexed connection per host: a command then costs about 10 ms, where
    a `podman exec` of its own costs about 130 ms of a busy machine's time.
    """
    keys = PROJECT_DIR / ".cache" / "molecule-ssh"
    keys.mkdir(parents=True, exist_ok=True)
    config = keys / "config"
    text = (
        "Host *\n"
        "  User root\n"
        f"  IdentityFile {keys / 'id_ed25519'}\n"
        f"  ProxyCommand {PROJECT_DIR / 'molecule' / 'shared' / 'ssh-proxy'} %h\n"
        "  StrictHostKeyChecking no\n"
        "  UserKnownHostsFile /dev/null\n"
        "  LogLevel ERROR\n"
        "  ControlMaster auto\n"
        # Short and per connection: a socket path has a length limit.
        "  ControlPath /tmp/wharf-ssh-%C\n"
        "  ControlPersist 60\n"
    )
    if not config.exists() or config.read_text() != text:
        # Both lanes may write it at once: by rename, never half-written.
        partial = config.with_name(f"config.{os.getpid()}")
        partial.write_text(text)
        partial.replace(config)
    return config


def connect(name: str) -> testinfra.host.Host:
    """The test host `name`, over SSH as Ansible reaches it.

    testinfra does not recognise the inventory's proxied SSH connection and
    falls back to running every command as an Ansible task (about a second
    each); its ssh backend with the same settings runs it in about 10 ms.
    """
    if name not in _HOSTS:
        # controlpersist=0: the config file's multiplexing, not testinfra's own.
        # timeout=30, as Ansible's ansible_ssh_timeout: a new master connection
        # starts sshd through podman exec, which took over testinfra's 10 s
        # ("Connection timed out during banner exchange") with three
        # scenarios on the two cores.
        backend = _ShellOverSsh(name, ssh_config=str(ssh_config()), controlpersist=0, timeout=30)
        _HOSTS[name] = testinfra.host.Host(backend)
    return _HOSTS[name]


@pytest.fixture
def host(_testinfra_host):
    """The Molecule host (testinfra's own parametrisation), reached by connect()."""
    return connect(_testinfra_host.backend.get_hostname())


@pytest.fixture
def site(host) -> Site:
    return Site(host)


def png_bytes(seed: int, size: int = 24, noise: bool = False) -> bytes:
    """A valid RGB PNG whose pixels (and so checksum) depend on `seed`.

    With `noise` the pixels are random, so the file stays about 3 * size**2
    bytes after compression.
    """

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    def pixel(x: int, y: int) -> bytes:
        return bytes(((x * 7 + seed) % 256, (y * 11) % 256, (seed >> 8) % 256))

    def row(y: int) -> bytes:
        if noise:
            return b"\x00" + os.urandom(3 * size)
        return b"\x00" + b"".join(pixel(x, y) for x in range(size))

    rows = b"".join(row(y) for y in range(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def make_png(host, path: str, seed: int, size: int = 24, noise: bool = False) -> str:
    """Write a PNG unique to `seed` to `path` on the host; return its sha256."""
    data = png_bytes(seed, size, noise)
    encoded = base64.b64encode(data).decode()
    result = host.run(f"base64 -d > {shlex.quote(path)} <<'EOF'\n{encoded}\nEOF")
    assert result.rc == 0, result.stderr
    return hashlib.sha256(data).hexdigest()


def post_form(
    site: Site, path: str, fields: dict[str, str], multipart: bool = False, origin: str = ""
) -> Response:
    """Submit a form as a browser does: its CSRF token, the session cookie, an Origin header."""
    values = {"csrfmiddlewaretoken": site.csrf_token(path), **fields}
    flag = "-F" if multipart else "--data-urlencode"
    args = [arg for name, value in values.items() for arg in (flag, f"{name}={value}")]
    origin = origin or f"{site.scheme}://{site.domain}"
    return site.request(path, *args, "-H", f"Origin: {origin}")


def upload_avatar(site: Site, name: str, image_path: str, origin: str | None = None) -> Response:
    fields = {"display_name": name, "avatar": f"@{image_path};type=image/png"}
    return post_form(site, "/profiles/new/", fields, multipart=True, origin=origin or "")


def create_user(host, name: str, password: str) -> None:
    """A site user made with the app's own management shell (idempotent)."""
    code = (
        "from django.contrib.auth.models import User; "
        f"user, _ = User.objects.get_or_create(username={name!r}); "
        f"user.set_password({password!r}); user.save()"
    )
    result = host.run(f"sudo -u {APP} {ROOT}/bin/manage shell -c {shlex.quote(code)}")
    assert result.rc == 0, result.stderr


def sign_in(site: Site, name: str, password: str) -> None:
    response = post_form(site, "/accounts/login/", {"username": name, "password": password})
    assert response.status == 302, f"sign-in as {name} -> {response.status}"


def upload_document(site: Site, title: str, path: str) -> int:
    """Upload a private document as the signed-in user; return its id from the home page."""
    fields = {"title": title, "file": f"@{path};type=application/pdf"}
    response = post_form(site, "/documents/new/", fields, multipart=True)
    assert response.status == 302, f"document upload -> {response.status}"
    ids = re.findall(rb'href="/documents/(\d+)/"', site.get("/").body)
    assert ids, "the home page lists no document of the signed-in user"
    return max(int(each) for each in ids)


def make_file(host, path: str, size: int = 4096) -> str:
    """Random bytes at `path` on the host; return their sha256."""
    return host.check_output(
        f"head -c {size} /dev/urandom > {shlex.quote(path)} && sha256sum {shlex.quote(path)}"
    ).split()[0]


def find_avatar(host, digest: str) -> str:
    """Path of the one avatar uploaded this month whose bytes have this sha256."""
    now = datetime.now(UTC)
    folder = f"{ROOT}/shared/media/avatars/{now:%Y}/{now:%m}"
    listing = host.check_output(f"sha256sum {folder}/*").splitlines()
    matches = [line.split()[1] for line in listing if line.split()[0] == digest]
    assert len(matches) == 1, f"expected one upload with sha256 {digest} in {folder}"
    return matches[0]


def keep_an_upload(host) -> tuple[str, str]:
    """Upload a new avatar through the site; its path on the host and its sha256.

    Random pixels: no other upload on the host has the same bytes (a seed
    alone gives one of only 65,536 images), so find_avatar finds this one.
    """
    seed = int.from_bytes(os.urandom(2), "big")
    digest = make_png(host, "/tmp/wharf-keep.png", seed, noise=True)
    assert upload_avatar(Site(host), f"keeper-{seed}", "/tmp/wharf-keep.png").status == 302
    return find_avatar(host, digest), digest


def assert_upload_kept(host, path: str, digest: str) -> None:
    """The upload's bytes are on the host's disk and nginx serves them."""
    assert host.check_output(f"sha256sum {path}").split()[0] == digest
    served = Site(host).get(path.replace(f"{ROOT}/shared/media/", "/media/"))
    assert served.status == 200
    assert served.sha256 == digest


# --- running the deploy playbook from the controller ----------------------


def run_playbook(
    *args: str, inventory: str | None = None, playbook: str | None = None
) -> subprocess.CompletedProcess:
    """ansible-playbook on this scenario's hosts: the converge playbook, or playbooks/<name>."""
    env = dict(os.environ)
    env["ANSIBLE_ROLES_PATH"] = str(PROJECT_DIR / "roles")
    env["ANSIBLE_FILTER_PLUGINS"] = str(PROJECT_DIR / "plugins" / "filter")
    env["ANSIBLE_FORCE_COLOR"] = "0"
    env["ANSIBLE_NOCOLOR"] = "1"
    inventory = inventory or os.environ["MOLECULE_INVENTORY_FILE"]
    cmd = [
        "ansible-playbook",
        "-i",
        inventory,
        str(
            PROJECT_DIR / "playbooks" / playbook
            if playbook
            else PROJECT_DIR / "molecule" / "shared" / "converge.yml"
        ),
        *args,
    ]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, check=False, timeout=900)


def run_playbooks(
    runs: list[tuple[str, ...]], at_once: int = 4
) -> list[subprocess.CompletedProcess]:
    """run_playbook for each argument tuple, `at_once` at a time, results in order.

    Only for runs the first play stops (bad input): they read the hosts and
    change nothing, so they can share them.
    """
    with ThreadPoolExecutor(max_workers=at_once) as pool:
        return list(pool.map(lambda args: run_playbook(*args), runs))


def recap(output: str, host: str) -> dict[str, int]:
    match = re.search(rf"^{re.escape(host)}\s+:\s+(.*)$", output, re.MULTILINE)
    assert match, f"no recap for {host} in output"
    return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", match.group(1))}


def molecule_hosts() -> list[str]:
    import yaml

    with open(os.environ["MOLECULE_INVENTORY_FILE"]) as handle:
        return sorted(yaml.safe_load(handle)["all"]["hosts"])


def make_certificate(
    folder: Path, name: str, names: tuple[str, ...], days: int = 30
) -> tuple[Path, Path]:
    """A self-signed ECDSA certificate and its key, made with openssl on the controller."""
    cert, key = folder / f"{name}.pem", folder / f"{name}.key"
    alt_names = ",".join(
        f"IP:{each}" if re.fullmatch(r"[0-9.]+", each) else f"DNS:{each}" for each in names
    )
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-days", str(days), "-subj", f"/CN={names[0]}",
         "-addext", f"subjectAltName={alt_names}", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def load_json(response: Response) -> dict:
    return json.loads(response.body)


def wait_for(check, seconds: float, what: str):
    """Poll `check` until it answers something true; the answer, or fail naming `what`.
    A bound on how long something may take, never a measurement."""
    deadline = time.monotonic() + seconds
    while True:
        answer = check()
        if answer:
            return answer
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not happen within {seconds} s")
        time.sleep(0.5)


# The sample's tables a backup must bring back row for row.
APP_TABLES = ("auth_user", "gallery_profile", "gallery_post", "gallery_document")


def row_digests(host, tables: tuple[str, ...] = APP_TABLES) -> dict[str, str]:
    """Each table's row count and a digest of its rows in a fixed order."""
    digest = "count(*) || ' ' || md5(coalesce(string_agg(t::text, '|' order by t::text), ''))"
    return {
        table: host.check_output(f'{ROOT}/bin/pg psql -At -c "select {digest} from {table} t"')
        for table in tables
    }
