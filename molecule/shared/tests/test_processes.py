"""The site's other processes: the sample's Celery worker and beat (its Procfile), Redis, timers.

Jobs are queued by real pages over HTTPS and run by the worker unit; the
worker's journal shows it ran them (without a broker they would run inline).
"""

import hashlib
import re
import uuid

import pytest
from wharf_verifier import APP, ROOT, post_form, wait_for

WORKER = f"wharf-{APP}-worker@1.service"
BEAT = f"wharf-{APP}-beat@1.service"
CLEARSESSIONS = f"wharf-{APP}-clearsessions"
SANDBOXED = [WORKER, BEAT, f"{CLEARSESSIONS}.service", "redis-server.service"]


def unit_property(host, unit: str, name: str) -> str:
    return host.check_output(f"systemctl show --property={name} --value {unit}")


def create_post(site, host) -> tuple[int, str]:
    """A post made through the page; its id and the checksum its job must write."""
    title = f"job-{uuid.uuid4().hex[:12]}"
    response = post_form(site, "/posts/new/", {"title": title, "body": "queued"}, multipart=True)
    assert response.status == 302, response.body[-400:]
    code = f"from gallery.models import Post; print(Post.objects.get(title={title!r}).pk)"
    post_id = int(host.check_output(f"{ROOT}/bin/manage shell -c {code!r}").split()[-1])
    return post_id, hashlib.sha256(f"{title}\nqueued".encode()).hexdigest()


def checksum_of(site, post_id: int) -> str:
    response = site.get(f"/posts/{post_id}.json")
    assert response.status == 200, response.status
    return re.search(rb'"checksum": "([0-9a-f]*)"', response.body).group(1).decode()


def test_worker_and_beat_run_as_the_app_user_in_the_serving_release(host):
    serving = host.check_output(f"readlink -f {ROOT}/current")
    for unit in (WORKER, BEAT):
        assert unit_property(host, unit, "ActiveState") == "active", unit
        pid = unit_property(host, unit, "MainPID")
        # sh handed over to the program: the stop signal reaches Celery itself.
        assert host.check_output(f"cat /proc/{pid}/comm") == "celery", unit
        assert host.check_output(f"stat -c %U /proc/{pid}") == APP
        assert host.check_output(f"readlink -f /proc/{pid}/cwd").startswith(serving)
    assert unit_property(host, f"wharf-{APP}-processes.target", "UnitFileState") == "enabled"


@pytest.mark.parametrize("unit", SANDBOXED)
def test_every_new_unit_is_sandboxed(host, unit):
    report = host.check_output(f"systemd-analyze security {unit}")
    score = float(re.search(r"Overall exposure level for \S+: ([0-9.]+)", report).group(1))
    assert score <= 2.0, f"{unit}: {score}"


def test_a_job_queued_by_a_page_is_run_by_the_worker(site, host):
    post_id, expected = create_post(site, host)
    assert wait_for(lambda: checksum_of(site, post_id), 30, "the checksum job") == expected
    journal = host.check_output(f"journalctl --unit {WORKER} --since=-5min --no-pager")
    assert "gallery.tasks.checksum_post" in journal and "succeeded" in journal


def test_a_killed_worker_is_restarted_and_a_job_queued_meanwhile_runs(site, host):
    before = unit_property(host, WORKER, "MainPID")
    restarts = int(unit_property(host, WORKER, "NRestarts"))
    host.run_test(f"kill -9 {before}")
    post_id, expected = create_post(site, host)
    wait_for(
        lambda: (
            int(unit_property(host, WORKER, "NRestarts")) > restarts
            and unit_property(host, WORKER, "ActiveState") == "active"
        ),
        30,
        "systemd restarting the worker",
    )
    assert unit_property(host, WORKER, "MainPID") != before
    assert wait_for(lambda: checksum_of(site, post_id), 60, "the job queued meanwhile") == expected


def test_beat_queues_the_digest_on_its_schedule(site):
    # Every 5 s in this scenario (DIGEST_EVERY_SECONDS): two in a row differ.
    def digest_time() -> str:
        response = site.get("/digests/latest.json")
        return response.body.decode() if response.status == 200 else ""

    first = wait_for(digest_time, 30, "a digest")
    wait_for(lambda: digest_time() not in ("", first), 30, "the next digest")


def test_clearsessions_runs_daily_on_a_timer_and_on_demand(host):
    assert unit_property(host, f"{CLEARSESSIONS}.timer", "ActiveState") == "active"
    assert unit_property(host, f"{CLEARSESSIONS}.timer", "UnitFileState") == "enabled"
    assert "daily" in host.check_output(f"systemctl cat {CLEARSESSIONS}.timer")
    host.run_test(f"systemctl start {CLEARSESSIONS}.service")
    assert unit_property(host, f"{CLEARSESSIONS}.service", "Result") == "success"
    assert unit_property(host, f"{CLEARSESSIONS}.service", "ExecMainStatus") == "0"


def test_redis_takes_only_the_sites_user_on_loopback(host):
    listening = host.check_output("ss -Hltn 'sport = :6379'")
    assert {line.split()[3] for line in listening.splitlines()} <= {"127.0.0.1:6379", "[::1]:6379"}
    assert "NOAUTH" in host.run("redis-cli ping").stdout + host.run("redis-cli ping").stderr
    env = host.check_output(f"grep ^REDIS_URL= {ROOT}/shared/app.env")
    url = env.split("=", 1)[1].strip("'")
    assert host.check_output(f"redis-cli -u {url!r} ping") == "PONG"
    # The site's user cannot reconfigure the server.
    denied = host.run(f"redis-cli -u {url!r} config get requirepass")
    assert "NOPERM" in denied.stdout + denied.stderr
