"""HTTPS as browsers and auditors see it, and Django's own deployment checks.

sslyze and gixy run on the controller (installed from requirements.txt): the
first against the host's published https port, the second on the config
nginx actually loaded (`nginx -T`).
"""

import json
import os
import re
import ssl
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from wharf_verifier import (
    APP,
    ROOT,
    Site,
    connect,
    make_certificate,
    molecule_hosts,
    run_playbook,
)
from wharf_verifier.rollout import published_port

TOOLS = Path(sys.executable).parent
ACME_WEBROOT = "/var/lib/wharf/acme"


def controller_tool(name: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(TOOLS / name), *args], input=stdin, capture_output=True, text=True, timeout=300
    )


def test_http_redirects_to_https_with_path_and_query(host):
    response = Site(host, scheme="http").get("/profiles/new/?next=%2F")
    assert response.status == 301
    assert response.header("Location") == "https://localhost/profiles/new/?next=%2F"


def test_acme_challenges_are_answered_over_plain_http(host):
    token = uuid.uuid4().hex
    folder = f"{ACME_WEBROOT}/.well-known/acme-challenge"
    host.run(f"install -d {folder} && printf '%s' {token}.thumbprint > {folder}/{token}")
    try:
        plain = Site(host, scheme="http")
        answer = plain.get(f"/.well-known/acme-challenge/{token}")
        assert answer.status == 200
        assert answer.body == f"{token}.thumbprint".encode()
        assert plain.get("/.well-known/acme-challenge/unknown").status == 404
    finally:
        host.run(f"rm -f {folder}/{token}")


def test_certificate_verifies_against_the_host_trust_store(host):
    result = host.run(
        "openssl s_client -connect 127.0.0.1:443 -servername localhost -verify_return_error"
        " -verify_hostname localhost -brief </dev/null"
    )
    assert result.rc == 0, result.stderr
    assert "Verification: OK" in result.stderr
    assert "Protocol version: TLSv1.3" in result.stderr


@pytest.mark.parametrize(
    ("option", "accepted"),
    [("-tls1", False), ("-tls1_1", False), ("-tls1_2", True), ("-tls1_3", True)],
)
def test_only_tls_1_2_and_1_3_are_accepted(host, option, accepted):
    # SECLEVEL=0 lets this client offer the old versions at all.
    result = host.run(
        f"openssl s_client -connect 127.0.0.1:443 -servername localhost {option}"
        " -cipher DEFAULT@SECLEVEL=0 </dev/null"
    )
    assert (result.rc == 0) == accepted, result.stderr[-400:]


def test_mozilla_intermediate_profile_per_sslyze(host):
    ca = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "inventory/.secrets/wharf-ca/ca.crt"
    assert ca.is_file(), f"local CA not found at {ca}"
    target = f"localhost:{published_port(host.backend.get_hostname())}{{127.0.0.1}}"
    scan = controller_tool(
        "sslyze", "--mozilla_config=intermediate", f"--certinfo_ca_file={ca}", target
    )
    print(scan.stdout[-1500:])
    assert scan.returncode == 0, scan.stdout[-3000:] + scan.stderr[-2000:]
    assert "OK - Compliant" in scan.stdout


def sign_with_the_local_ca(folder: Path, ca: Path, name: str) -> Path:
    """A server certificate for `name`, signed with the local CA's key on the controller,
    as anyone who got hold of ca.key could."""
    key, request, cert = (folder / f"{name}.{ext}" for ext in ("key", "csr", "pem"))
    subprocess.run(
        ["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-subj", f"/CN={name}", "-addext", f"subjectAltName=DNS:{name}",
         "-addext", "extendedKeyUsage=serverAuth", "-keyout", str(key), "-out", str(request)],
        check=True, capture_output=True,
    )  # fmt: skip
    subprocess.run(
        ["openssl", "x509", "-req", "-in", str(request), "-CA", str(ca / "ca.crt"),
         "-CAkey", str(ca / "ca.key"), "-days", "30", "-copy_extensions", "copy",
         "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert


def test_the_local_ca_signs_for_the_sites_names_only_and_is_short_lived(tmp_path):
    ca = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "inventory/.secrets/wharf-ca"

    def verify(cert: Path) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["openssl", "verify", "-purpose", "sslserver", "-CAfile", str(ca / "ca.crt"),
             str(cert)],
            capture_output=True, text=True,
        )  # fmt: skip

    assert verify(sign_with_the_local_ca(tmp_path, ca, "shop.wharf.test")).returncode == 0
    other = verify(sign_with_the_local_ca(tmp_path, ca, "bank.example"))
    assert other.returncode != 0 and "permitted subtree violation" in other.stdout + other.stderr
    text = subprocess.run(
        ["openssl", "x509", "-in", str(ca / "ca.crt"), "-noout", "-text", "-dates"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert "X509v3 Name Constraints: critical" in text
    dates = dict(re.findall(r"^(notBefore|notAfter)=(.+)$", text, re.MULTILINE))
    lifetime = ssl_days(dates["notAfter"]) - ssl_days(dates["notBefore"])
    assert lifetime <= 1095, f"the local CA lasts {lifetime} days"


def ssl_days(stamp: str) -> int:
    return int(ssl.cert_time_to_seconds(stamp) // 86400)


def test_gixy_finds_nothing_in_the_loaded_config(host):
    config = host.run("nginx -T")
    assert config.rc == 0, config.stderr
    report = controller_tool("gixy", "--format", "json", "-", stdin=config.stdout)
    findings = json.loads(report.stdout or "[]")
    assert findings == [], json.dumps(findings, indent=1)[:4000]
    assert report.returncode == 0, report.stderr


def test_django_deployment_checks_pass_at_warning_level(host):
    result = host.run(f"{ROOT}/bin/manage check --deploy --fail-level WARNING")
    assert result.rc == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_cookies_are_secure_and_debug_is_off(site):
    form = site.get("/profiles/new/")
    cookie = next(line for line in form.header_lines if line.lower().startswith("set-cookie:"))
    assert "csrftoken=" in cookie and "Secure" in cookie, cookie
    missing = site.get("/no-such-page/")
    assert missing.status == 404
    assert b"Using the URLconf" not in missing.body and b"DEBUG = True" not in missing.body


def test_gunicorn_unit_exposure_is_at_most_two(host):
    report = host.run(f"systemd-analyze security gunicorn-{APP}.service")
    match = re.search(r"Overall exposure level for \S+: ([0-9.]+)", report.stdout)
    assert match, report.stdout[-500:] + report.stderr
    exposure = float(match.group(1))
    print(f"systemd-analyze security exposure: {exposure}")
    assert exposure <= 2.0


def fingerprint(pem: str) -> str:
    return subprocess.run(
        ["openssl", "x509", "-noout", "-fingerprint", "-sha256"],
        input=pem,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def test_provided_certificate_is_served_then_selfsigned_returns(host, tmp_path):
    """On every host at once, as a team's certificate would arrive: one run there, one back."""
    if host.backend.get_hostname() != molecule_hosts()[0]:
        pytest.skip("one run covers every host")
    hosts = [connect(name) for name in molecule_hosts()]
    names = ("localhost", "wharf.test", "127.0.0.1")  # the scenario's wharf_domains
    cert, key = make_certificate(tmp_path, "site", names, days=90)
    served = "openssl s_client -connect 127.0.0.1:443 -servername localhost </dev/null 2>/dev/null"
    extra = {
        "wharf_tls_mode": "provided",
        "wharf_tls_certificate_file": str(cert),
        "wharf_tls_key_file": str(key),
    }
    try:
        deploy = run_playbook("--tags", "tls", "-e", json.dumps(extra))
        assert deploy.returncode == 0, deploy.stdout[-3000:]
        for each in hosts:
            assert fingerprint(each.check_output(served)) == fingerprint(cert.read_text())
            assert each.file("/etc/wharf/tls/wharfdemo/privkey.pem").mode == 0o600
    finally:
        back = run_playbook("--tags", "tls")
    assert back.returncode == 0, back.stdout[-3000:]
    for each in hosts:
        issuer = each.check_output(f"{served} | openssl x509 -noout -issuer")
        assert "Wharf local CA" in issuer
        assert each.run("curl -sS -o /dev/null https://localhost/healthz").rc == 0
