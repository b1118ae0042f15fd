"""bakerydemo's certificate from a real ACME server, and a renewal while nginx serves.

pebble (started by ../shared/pebble.yml) plays Let's Encrypt: it validated
bakery.test over http-01 on the first deploy, fetching the token from nginx
on port 80. Requests go to the host's own nginx; curl trusts pebble's root
for them.
"""

import shlex
import time

import pytest
import wharf_verifier as shared

DOMAIN = "bakery.test"  # wharf_certbot_domains
ROOT_CA = "/tmp/pebble-root.pem"
LIVE = f"/etc/letsencrypt/live/{shared.APP}"
TLS_DIR = f"/etc/wharf/tls/{shared.APP}"
RENEWAL_CONF = f"/etc/letsencrypt/renewal/{shared.APP}.conf"
HEALTH = "/.wharf/health"  # Wharf's own answer, whatever the project serves


@pytest.fixture
def site(host):
    # pebble makes a new root at every start; fetch the current one.
    fetched = host.run(
        f"curl -sS --cacert /etc/pebble/api-ca.pem -o {ROOT_CA} https://localhost:15000/roots/0"
    )
    assert fetched.rc == 0, fetched.stderr
    return shared.Site(host, domain=DOMAIN)


def served_certificate(host) -> dict[str, str]:
    out = host.check_output(
        f"openssl s_client -connect 127.0.0.1:443 -servername {DOMAIN} </dev/null 2>/dev/null"
        " | openssl x509 -noout -serial -issuer -ext subjectAltName"
    )
    lines = out.splitlines()
    return {
        "serial": next(line for line in lines if line.startswith("serial=")),
        "issuer": next(line for line in lines if line.startswith("issuer=")),
        "names": out,
    }


def nginx_master(host) -> str:
    return host.check_output("systemctl show -p MainPID --value nginx.service")


def test_site_serves_the_acme_certificate(host, site):
    certificate = served_certificate(host)
    assert "Pebble Intermediate CA" in certificate["issuer"], certificate
    assert f"DNS:{DOMAIN}" in certificate["names"]
    response = site.get(HEALTH, "--cacert", ROOT_CA)
    assert response.status == 200, "certificate does not verify against pebble's root"
    assert response.count("Strict-Transport-Security") == 1


def test_nginx_reads_certbots_current_files(host):
    for name in ("fullchain.pem", "privkey.pem"):
        assert host.file(f"{TLS_DIR}/{name}").is_symlink
        # The link itself, not what it resolves to (certbot's archive files).
        assert host.check_output(f"readlink {TLS_DIR}/{name}") == f"{LIVE}/{name}"


def test_renewal_timer_is_active(host):
    assert host.service("certbot.timer").is_enabled
    assert host.service("certbot.timer").is_running
    unit = host.check_output("systemctl cat certbot.service")
    assert "REQUESTS_CA_BUNDLE=/etc/pebble/api-ca.pem" in unit


def test_renewal_through_certbot_service_while_nginx_serves(host, site):
    before = served_certificate(host)
    master = nginx_master(host)
    # A bounded load: 400 fresh TLS connections, 25 ms apart (about 15 s).
    load = (
        f"for i in $(seq 400); do curl -s -o /dev/null -w '%{{http_code}}\\n'"
        f" --connect-to ::127.0.0.1: --cacert {ROOT_CA} https://{DOMAIN}{HEALTH}; sleep 0.025;"
        " done > /tmp/acme-load 2>&1; touch /tmp/acme-load.done"
    )
    host.run("rm -f /tmp/acme-load /tmp/acme-load.done")
    host.run(f"setsid sh -c {shlex.quote(load)} >/dev/null 2>&1 &")
    time.sleep(2)
    # Make the certificate due, then renew the way the timer does.
    # The inserted line is printed, never in sed's pattern space, so `d`
    # only removes certbot's own (commented) setting.
    due = "-e '1i renew_before_expiry = 3650 days' -e '/renew_before_expiry/d'"
    host.run(f"sed -i {due} {RENEWAL_CONF}")
    renewal = host.run("systemctl start certbot.service")
    assert renewal.rc == 0, host.run("journalctl -u certbot.service -n 40 --no-pager").stdout
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not host.file("/tmp/acme-load.done").exists:
        time.sleep(1)
    codes = host.file("/tmp/acme-load").content_string.split()
    host.run(f"sed -i '/^renew_before_expiry/d' {RENEWAL_CONF}")

    after = served_certificate(host)
    print(f"renewal: {before['serial']} -> {after['serial']}; requests: {len(codes)}")
    assert after["serial"] != before["serial"], "nginx still serves the old certificate"
    assert "Pebble Intermediate CA" in after["issuer"]
    assert nginx_master(host) == master, "nginx was restarted, not reloaded"
    assert len(codes) == 400
    assert set(codes) == {"200"}, {code: codes.count(code) for code in set(codes)}
