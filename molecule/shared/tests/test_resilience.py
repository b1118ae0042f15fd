"""The site heals itself: a killed gunicorn master and a database outage."""

import time

from wharf_verifier import APP, load_json

SERVICE = f"gunicorn-{APP}.service"


def main_pid(host) -> int:
    return int(host.check_output(f"systemctl show -p MainPID --value {SERVICE}"))


def wait_for_health(site, seconds: float) -> float:
    """Seconds until /healthz answers 200; fails after `seconds`."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if site.get("/healthz").status == 200:
            return time.monotonic() - started
        time.sleep(0.25)
    raise AssertionError(f"/healthz did not answer 200 within {seconds} s")


def gunicorn_processes(host) -> list[str]:
    return host.check_output(f"pgrep -u {APP} -f bin/gunicorn || true").split()


def test_killed_master_takes_its_workers_and_is_replaced(host, site):
    before = main_pid(host)
    workers = host.check_output(f"pgrep -P {before}").split()
    assert workers, "no workers to orphan"
    host.run(f"kill -KILL {before}")

    # The workers follow their master (parent-death signal) ... Without it an
    # idle sync worker sleeps out its select of `timeout` (30 s) before it sees
    # the master gone; the bound is far below that, and far above what a
    # worker takes to quit on a loaded two-core machine (2 s was not always).
    killed = time.monotonic()
    deadline = killed + 10
    while time.monotonic() < deadline and set(workers) & set(gunicorn_processes(host)):
        time.sleep(0.1)
    assert not set(workers) & set(gunicorn_processes(host)), "orphaned workers linger"
    print(f"workers gone after {time.monotonic() - killed:.1f} s")

    # ... and systemd starts a new master: with KillMode=mixed on cgroup v2,
    # and on cgroup v1 hosts (these test containers) with KillMode=process,
    # where systemd cannot see the cgroup empty and would otherwise wait
    # TimeoutStopSec.
    elapsed = wait_for_health(site, 30)
    assert main_pid(host) not in (0, before)
    print(f"recovered in {elapsed:.1f} s")


def test_database_outage_fails_health_and_recovers_without_restart(host, site):
    pid = main_pid(host)
    # Stop the cluster unit itself: stopping postgresql.service returns before
    # its PartOf clusters are down.
    clusters = "'postgresql@*-main.service'"
    host.run(f"systemctl stop {clusters} postgresql.service")
    try:
        health = site.get("/healthz")
        assert health.status == 503
        assert load_json(health)["database"] == "unavailable"
        wharfs = site.get("/.wharf/health")  # Wharf's own answer says the same
        assert wharfs.status == 503
        assert load_json(wharfs)["database"].startswith("OperationalError")
        # The project's error page, as a 503 to come back to (wharf_wsgi).
        page = site.get("/")
        assert page.status == 503 and page.header("Retry-After") == "30"
        assert b"Traceback" not in page.body and b"OperationalError" not in page.body
        for response in (health, page):  # error responses keep the security headers
            assert response.count("Strict-Transport-Security") == 1
            assert response.header("X-Content-Type-Options") == "nosniff"
    finally:
        host.run(f"systemctl start postgresql.service {clusters}")
    wait_for_health(site, 30)
    assert site.get("/").status == 200
    assert main_pid(host) == pid, "recovery must not need a restart of the application"


def test_without_an_app_server_the_site_says_it_is_unavailable(host, site):
    """What a first release that did not come up leaves: nginx answers a
    plain 503 with Retry-After, the security headers and no-store, never a
    bare 502; the site serves again once gunicorn is back."""
    units = f"gunicorn-{APP}.socket {SERVICE}"
    host.run(f"systemctl stop {units}")
    try:
        page = site.get("/")
        assert page.status == 503
        assert b"not available right now" in page.body
        assert page.header("Retry-After") == "30"
        assert page.header("Cache-Control") == "no-store"
        assert page.count("Strict-Transport-Security") == 1
    finally:
        host.run(f"systemctl start gunicorn-{APP}.socket")
    wait_for_health(site, 30)
