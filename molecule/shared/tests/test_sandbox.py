"""The gunicorn service runs sandboxed, and the sandbox holds from inside.

Writes are tried as the app user from within the running service's own user
and mount namespaces (nsenter into its main process), so the checks see
exactly what the application sees.
"""

import random
import re

import pytest

from conftest import APP, ROOT, find_avatar, make_png, upload_avatar

SERVICE = f"gunicorn-{APP}.service"


def in_service(host, command: str):
    pid = host.check_output(f"systemctl show -p MainPID --value {SERVICE}")
    uid = host.check_output(f"id -u {APP}")
    gid = host.check_output(f"id -g {APP}")
    return host.run(f"nsenter -t {pid} -U -m -S {uid} -G {gid} {command}")


def test_exposure_score_is_low(host):
    report = host.check_output(f"systemd-analyze security {SERVICE}")
    score = float(re.search(r"Overall exposure level for \S+: ([0-9.]+)", report).group(1))
    assert score <= 2.0, report[-2000:]


@pytest.mark.parametrize(
    "path",
    [f"{ROOT}/code/x", f"{ROOT}/venv/x", f"{ROOT}/shared/static/x", f"{ROOT}/bin/x", "/etc/x"],
)
def test_service_cannot_write_outside_media(host, path):
    result = in_service(host, f"touch {path}")
    assert result.rc != 0
    assert "Read-only file system" in result.stderr


def test_service_can_write_media_and_private_tmp(host):
    for path in (f"{ROOT}/shared/media/.sandbox-probe", "/tmp/.sandbox-probe"):
        assert in_service(host, f"touch {path}").rc == 0, path
        in_service(host, f"rm -f {path}")
    assert not host.file("/tmp/.sandbox-probe").exists, "the service's /tmp must be private"


def test_service_cannot_rewrite_its_environment_file(host):
    assert in_service(host, f"touch {ROOT}/shared/app.env").rc != 0


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
