"""NetBox, unmodified, with its RQ worker, its release steps and its housekeeping on a timer.

The inventory (molecule.yml) is what `make onboard` writes for it, plus what
its install guide has the operator write (configuration.py), a local Redis,
its worker and schedules. Jobs go in through NetBox's own REST API and the
RQ worker unit runs them.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import time

import pytest
from wharf_verifier import ROOT, Site, post_form
from wharf_verifier.projects import EPHEMERAL, PROJECTS, assert_unpacked_as_published, shell

APP = "netbox"
WORKER = f"wharf-{APP}-rq@1.service"
HOUSEKEEPING = f"wharf-{APP}-housekeeping"
STATIC = re.compile(r'(?:href|src)="(/static/[^"?]+\.(?:css|js))')


@pytest.fixture
def site(host) -> Site:
    return Site(host)


def unit_property(host, unit: str, name: str) -> str:
    return host.check_output(f"systemctl show --property={name} --value {unit}")


def api(site: Site, token: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    args = ["-H", f"Authorization: Token {token}", "-H", "Accept: application/json"]
    if body is not None:
        args += ["-H", "Content-Type: application/json", "--data", json.dumps(body)]
    response = site.request(path, *args)
    return response.status, json.loads(response.body or b"{}")


def test_the_project_is_deployed_as_its_authors_publish_it(host):
    assert assert_unpacked_as_published("netbox") > 1000
    on_host = host.check_output(f"sha256sum {ROOT}/current/code/netbox/netbox/settings.py")
    published = (PROJECTS / "netbox" / "netbox" / "netbox" / "settings.py").read_bytes()
    assert on_host.split()[0] == hashlib.sha256(published).hexdigest()


def test_the_login_page_answers_with_static_files_from_nginx(host, site):
    page = site.get("/login/")
    assert page.status == 200
    assert b"NetBox" in page.body
    assets = STATIC.findall(page.body.decode())
    assert assets, "the login page links no static file"
    for url in assets[:5]:
        served = site.get(url)
        assert served.status == 200, url
        on_disk = host.check_output(f"sha256sum {ROOT}/current/static{url[len('/static') :]}")
        assert served.sha256 == on_disk.split()[0], url


def test_the_inventorys_superuser_signs_in(site):
    password = (EPHEMERAL / "admin_password").read_text().strip()
    response = post_form(site, "/login/", {"username": "admin", "password": password})
    assert response.status == 302, f"sign-in -> {response.status}"
    home = site.get("/")
    assert home.status == 200 and b"admin" in home.body


def test_the_release_steps_ran_once_after_the_migrations(host):
    """The inventory's release command is in the serving release and ran to success
    (its output went to the deploy's log)."""
    command = host.check_output(f"cat {ROOT}/current/processes/release")
    assert "remove_stale_contenttypes --no-input && python manage.py reindex --lazy" in command
    journal = host.check_output(f"journalctl --unit wharf-{APP}-release --no-pager -o cat")
    assert journal.splitlines()[-1].endswith("Deactivated successfully."), journal[-1000:]


def test_a_job_enqueued_through_the_api_is_run_by_the_rq_worker(host):
    # An API client: a token, no browser session (whose cookie would make
    # NetBox ask for a CSRF token).
    site = Site(host, session="api")
    assert unit_property(host, WORKER, "ActiveState") == "active"
    token = secrets.token_hex(20)
    shell(
        host,
        "from users.models import Token, User; "
        f"t = Token(user=User.objects.get(username='admin'), version=1); t.token = {token!r}; "
        "t.save(); print(t.pk)",
    )
    name = f"wharf-{secrets.token_hex(4)}"
    status, source = api(
        site,
        token,
        "/api/core/data-sources/",
        {"name": name, "type": "local", "source_url": f"file://{ROOT}/current/code/contrib"},
    )
    assert status == 201, source
    status, _ = api(site, token, f"/api/core/data-sources/{source['id']}/sync/", {})
    assert status == 200
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        _, source = api(site, token, f"/api/core/data-sources/{source['id']}/")
        if source["status"]["value"] in ("completed", "failed"):
            break
        time.sleep(1)
    assert source["status"]["value"] == "completed", source["status"]
    _, files = api(site, token, f"/api/core/data-files/?source_id={source['id']}")
    assert files["count"] >= 5
    _, jobs = api(site, token, f"/api/core/jobs/?object_id={source['id']}")
    assert [job["status"]["value"] for job in jobs["results"]] == ["completed"]
    journal = host.check_output(f"journalctl --unit {WORKER} --since=-5min --no-pager")
    assert "Job OK" in journal or "Successfully completed" in journal, journal[-2000:]


def test_housekeeping_runs_on_a_timer_and_on_demand(host):
    assert unit_property(host, f"{HOUSEKEEPING}.timer", "ActiveState") == "active"
    host.run_test(f"systemctl start {HOUSEKEEPING}.service")
    assert unit_property(host, f"{HOUSEKEEPING}.service", "Result") == "success"


@pytest.mark.parametrize("unit", [WORKER, f"{HOUSEKEEPING}.service", "redis-server.service"])
def test_its_units_are_sandboxed(host, unit):
    report = host.check_output(f"systemd-analyze security {unit}")
    score = float(re.search(r"Overall exposure level for \S+: ([0-9.]+)", report).group(1))
    assert score <= 2.0, f"{unit}: {score}"
