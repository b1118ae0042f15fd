"""The gunicorn service runs sandboxed.

The proof reads the running service's own mount table (/proc/<pid>/mountinfo):
what the kernel will let the application write, not what the unit file asks for.
"""

import random
import re

import pytest
from wharf_verifier import APP, ROOT, find_avatar, make_png, molecule_hosts, upload_avatar

SERVICE = f"gunicorn-{APP}.service"
READ_ONLY = [
    f"{ROOT}/releases",
    f"{ROOT}/venvs",
    f"{ROOT}/bin",
    f"{ROOT}/lib",
    f"{ROOT}/shared/static",
    f"{ROOT}/shared/app.env",
    "/etc",
    "/usr",
]
WRITABLE = [f"{ROOT}/shared/media", "/tmp"]


def main_pid(host) -> str:
    return host.check_output(f"systemctl show -p MainPID --value {SERVICE}")


def mount_options(mountinfo: str, path: str) -> set[str]:
    """Options of the mount that holds `path` (the deepest, latest mount point)."""
    best, options = "", set()
    for line in mountinfo.splitlines():
        fields = line.split()
        point = fields[4].replace("\\040", " ")
        covers = point == "/" or path == point or path.startswith(point + "/")
        if covers and len(point) >= len(best):
            best, options = point, set(fields[5].split(","))
    return options


@pytest.fixture
def service_mounts(host) -> str:
    pid = main_pid(host)
    own = host.check_output(f"readlink /proc/{pid}/ns/mnt")
    if own == host.check_output("readlink /proc/1/ns/mnt"):
        major = int(host.check_output(". /etc/os-release; echo $VERSION_ID"))
        if major >= 13:
            pytest.skip(
                "systemd 257 in this project's podman test containers starts the service "
                "without a mount namespace, so ProtectSystem= cannot take effect here"
            )
        pytest.fail("the service runs in the host's mount namespace: no sandbox")
    return host.check_output(f"cat /proc/{pid}/mountinfo")


def exposure(host, unit: str) -> float:
    report = host.check_output(f"systemd-analyze security {unit}")
    return float(re.search(r"Overall exposure level for \S+: ([0-9.]+)", report).group(1))


def test_exposure_score_is_low(host):
    assert exposure(host, SERVICE) <= 2.0


@pytest.mark.parametrize(
    ("unit", "ceiling"),
    [
        # Starts as root to bind 443, open www-data's logs and become www-data
        # (docs/security.md): those capabilities and the network are what is left.
        ("nginx.service", 2.6),
        ("postgresql@*-main.service", 2.0),
        (f"wharf-backup-{APP}.service", 2.0),
        (f"wharf-{APP}-worker@1.service", 2.0),
        ("redis-server.service", 2.0),
    ],
)
def test_every_service_wharf_runs_or_drops_in_is_sandboxed(host, unit, ceiling):
    if unit.startswith("wharf-backup-") and host.backend.get_hostname() != molecule_hosts()[0]:
        pytest.skip("backups run on the first app host")
    if "*" in unit:
        unit = host.check_output(f"systemctl list-units --plain --no-legend {unit} | cut -d' ' -f1")
    assert exposure(host, unit) <= ceiling


@pytest.mark.parametrize("path", READ_ONLY)
def test_service_sees_code_and_system_read_only(service_mounts, path):
    assert "ro" in mount_options(service_mounts, path), f"{path} is writable for the service"


@pytest.mark.parametrize("path", WRITABLE)
def test_service_may_write_media_and_its_private_tmp(service_mounts, path):
    assert "rw" in mount_options(service_mounts, path), f"{path} is read-only for the service"


def test_service_tmp_is_private(host, service_mounts):
    marker = f"/tmp/.wharf-private-{random.randrange(1 << 30)}"
    host.run(f"touch {marker}")
    pid = main_pid(host)
    assert host.run(f"test -e /proc/{pid}/root{marker}").rc != 0
    host.run(f"rm -f {marker}")


def test_upload_spilling_to_a_temporary_file_is_stored(site, host):
    threshold = int(
        host.check_output(
            f'grep -oP "^FILE_UPLOAD_MAX_MEMORY_SIZE=\'\\K[0-9]+" {ROOT}/shared/app.env'
        )
    )
    digest = make_png(host, "/tmp/wharf-large.png", random.randrange(1, 1 << 16), 160, True)
    size = int(host.check_output("stat -c %s /tmp/wharf-large.png"))
    assert size > threshold, "the test image must be larger than the in-memory limit"
    assert upload_avatar(site, "large", "/tmp/wharf-large.png").status == 302
    assert host.file(find_avatar(host, digest)).size == size
