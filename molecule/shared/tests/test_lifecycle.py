"""Uploads survive a re-deploy and a reboot of every host.

It uploads a file on each host, deploys again, restarts the hosts and fetches
the file back. The modules that run after it (services, web) then check the
restarted hosts, so those checks also hold after a reboot.
"""

import random
import subprocess
import time

from wharf_verifier import (
    ROOT,
    find_avatar,
    make_png,
    molecule_hosts,
    recap,
    run_playbook,
    upload_avatar,
)

UPLOADS: dict[str, tuple[str, str]] = {}  # host -> (path on disk, sha256)


def test_upload_before_redeploy(site, host):
    seed = random.randrange(1, 1 << 16)
    digest = make_png(host, "/tmp/wharf-keep.png", seed)
    assert upload_avatar(site, f"keeper-{seed}", "/tmp/wharf-keep.png").status == 302
    path = find_avatar(host, digest)
    UPLOADS[host.backend.get_hostname()] = (path, digest)


def test_redeploy_and_reboot_every_host():
    result = run_playbook()
    assert result.returncode == 0, result.stdout[-3000:]
    for name in molecule_hosts():
        assert recap(result.stdout, name)["failed"] == 0

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


def test_upload_survives_and_site_comes_back(site, host):
    name = host.backend.get_hostname()
    assert name in UPLOADS, "the upload step did not run for this host"
    path, digest = UPLOADS[name]

    deadline = time.monotonic() + 60
    status = 0
    while time.monotonic() < deadline:
        status = site.get("/healthz").status
        if status == 200:
            break
        time.sleep(1)
    assert status == 200, "site did not answer within 60 s of the restart"

    assert host.check_output(f"sha256sum {path}").split()[0] == digest
    served = site.get(path.replace(f"{ROOT}/shared/media/", "/media/"))
    assert served.status == 200
    assert served.sha256 == digest
