"""A reboot of every host: the services come back and the uploads stay.

It runs after the redeploy and the fast path (conftest.py orders the
modules): a restarted container gets a new IP and MAC address, which are
among the facts the fast path's fingerprint keeps, so the fast path's first
run would converge again. The modules that run after it check the restarted hosts.
Like the redeploy's, its tests take every host in turn.
"""

import subprocess
import time

from wharf_verifier import Site, assert_upload_kept, connect, keep_an_upload, molecule_hosts

UPLOADS: dict[str, tuple[str, str]] = {}  # host -> (path on disk, sha256)


def test_upload_before_reboot():
    for name in molecule_hosts():
        UPLOADS[name] = keep_an_upload(connect(name))


def test_reboot_every_host():
    started = time.monotonic()
    subprocess.run(["podman", "restart", "--time", "30", *molecule_hosts()], check=True)
    for name in molecule_hosts():
        state = subprocess.run(
            ["podman", "exec", name, "systemctl", "is-system-running", "--wait"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        ).stdout.strip()
        assert state == "running", f"{name} booted into state {state!r}"
    assert time.monotonic() - started < 120


def test_upload_survives_and_site_comes_back():
    for name in molecule_hosts():
        assert name in UPLOADS, f"the upload step did not run for {name}"
        host = connect(name)
        deadline = time.monotonic() + 60
        status = 0
        while time.monotonic() < deadline:
            status = Site(host).get("/healthz").status
            if status == 200:
                break
            time.sleep(1)
        assert status == 200, f"{name}: the site did not answer within 60 s of the restart"
        assert_upload_kept(host, *UPLOADS[name])
