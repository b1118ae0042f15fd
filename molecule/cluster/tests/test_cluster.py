"""Scale-out: one web host, two app hosts, one db host, S3 (moto) for files.

The tests run in file order. They look at the topology from outside (who
listens where, who may connect), then follow one story through the web
host's nginx: sessions and uploads crossing app hosts, a rolling deploy of a
new version under a constant-rate load, a version whose health check fails
on the first host (the rollout stops there), and an app host whose gunicorn
is stopped while the load runs.
"""

from __future__ import annotations

import json
import re
import secrets
import shlex
import time

import pytest
import wharf_verifier as shared
from wharf_verifier import rollout
from wharf_verifier.rollout import assert_no_failed_requests, build, deploy, flat, report

APP, ROOT, Site = shared.APP, shared.ROOT, shared.Site
run_playbook = shared.run_playbook

testinfra_hosts = ["wharf-cluster-web"]  # the browser's side; other hosts by name below

WEB, APP1, APP2, DB, S3 = (f"wharf-cluster-{name}" for name in ("web", "app1", "app2", "db", "s3"))
APP_HOSTS = (APP1, APP2)
APP_PORT = 8000
SOCKET = f"/run/gunicorn-{APP}/gunicorn.sock"
UPSTREAM_CONF = f"/etc/nginx/conf.d/{APP}-upstream.conf"
STATE: dict[str, object] = {}  # what earlier steps saw, for later ones

# Expand only: a column with a database default, so v1 (still serving on the
# hosts not switched yet) keeps inserting rows without knowing it.
MIGRATION_V2 = rollout.migration(
    "0004_post_checksum_and_digests",
    'migrations.AddField(model_name="profile", name="motto", '
    'field=models.CharField(blank=True, db_default="", max_length=80))',
)


# --- helpers ----------------------------------------------------------------

node = shared.connect  # any host of the scenario


def address(name: str) -> str:
    return node(name).check_output("hostname -I").split()[0]


def app_version(name: str) -> str:
    """/healthz of one app host, asked on its own socket (not through nginx)."""
    body = node(name).check_output(
        f"curl -sS --max-time 10 --unix-socket {SOCKET} -H 'X-Forwarded-Proto: https' "
        "http://localhost/healthz"
    )
    return json.loads(body)["version"]


def current_release(name: str) -> str:
    return node(name).check_output(f"readlink {ROOT}/current").rsplit("/", 1)[-1]


def served(name: str, marker: str) -> int:
    """How many requests carrying `marker` this app host's gunicorn logged."""
    log = node(name).check_output(f"journalctl -q --no-pager -u gunicorn-{APP}.service")
    return log.count(marker)


def nginx_reloads() -> int:
    log = node(WEB).check_output("journalctl -q --no-pager -u nginx.service")
    return len(re.findall(r"^.*Reloaded .*$", log, re.MULTILINE))


def upstream_conf() -> str:
    return node(WEB).check_output(f"cat {UPSTREAM_CONF}")


def connects(source: str, target: str, port: int) -> bool:
    """Whether `source` can open a TCP connection to `target`:`port` within 3 seconds."""
    probe = f"timeout 3 bash -c {shlex.quote(f'exec 3<>/dev/tcp/{address(target)}/{port}')}"
    return node(source).run(probe).rc == 0


def under_load(action, capsys, paths: tuple[str, ...] = ("/", "/healthz")):
    return rollout.under_load(rollout.published_port(WEB), list(paths), action, capsys)


def fetch(host, url: str) -> tuple[int, str]:
    """GET a URL the page handed out (a pre-signed S3 link), as the browser would."""
    raw = host.run(
        f"curl -sS -o /tmp/wharf-fetched -w '%{{http_code}}' {shlex.quote(url)}"
        " && echo && sha256sum /tmp/wharf-fetched"
    ).stdout.split()
    return int(raw[0]), raw[1] if len(raw) > 1 else ""


@pytest.fixture
def site(host) -> Site:
    return Site(host)


# --- the topology -------------------------------------------------------------


def test_each_group_runs_on_its_own_hosts():
    assert node(WEB).service("nginx").is_running
    assert not node(WEB).file(f"/etc/systemd/system/gunicorn-{APP}.service").exists
    for name in APP_HOSTS:
        assert node(name).service(f"gunicorn-{APP}.socket").is_running
        assert not node(name).package("nginx").is_installed
        assert not node(name).package("postgresql").is_installed
    assert node(DB).service("postgresql").is_running
    assert not node(DB).file(f"/etc/systemd/system/gunicorn-{APP}.service").exists


def test_app_hosts_listen_on_their_private_address_for_the_web_host_only():
    for name in APP_HOSTS:
        listen = node(name).check_output(f"systemctl show -p Listen gunicorn-{APP}.socket")
        assert f"{address(name)}:{APP_PORT} (Stream)" in listen, listen
        assert "0.0.0.0" not in listen and "[::]" not in listen, listen
        # nginx on the web host balances across both, by private address.
        assert f"server {address(name)}:{APP_PORT} " in upstream_conf()
        answer = node(WEB).run(
            f"curl -sS --max-time 5 -H 'Host: localhost' -H 'X-Forwarded-Proto: https' "
            f"http://{address(name)}:{APP_PORT}/healthz"
        )
        assert answer.rc == 0 and '"status": "ok"' in answer.stdout, answer.stderr
        # Neither the database host nor a host outside the site gets through.
        for outsider in (DB, S3):
            assert not connects(outsider, name, APP_PORT), f"{outsider} reached {name}:{APP_PORT}"
    assert " down" not in upstream_conf()


def test_postgresql_admits_the_app_hosts_only():
    db = node(DB)
    listen = db.check_output("sudo -u postgres psql -tAc 'SHOW listen_addresses'")
    assert listen == f"localhost,{address(DB)}"
    hba = db.check_output("cat /etc/postgresql/*/main/pg_hba.conf")
    for name in APP_HOSTS:
        assert f"host {APP} {APP} {address(name)}/32 scram-sha-256" in hba
        assert connects(name, DB, 5432)
    assert address(WEB) not in hba
    assert not connects(WEB, DB, 5432), "the web host reached PostgreSQL"
    assert not connects(S3, DB, 5432), "a host outside the site reached PostgreSQL"
    stored = db.check_output(
        f"sudo -u postgres psql -tAc \"SELECT rolpassword LIKE 'SCRAM-SHA-256$%' "
        f"FROM pg_authid WHERE rolname = '{APP}'\""
    )
    assert stored == "t"
    # Each app host's Django talks to the db host over the network.
    for name in APP_HOSTS:
        code = (
            "from django.db import connection; connection.ensure_connection(); "
            "print(connection.settings_dict['HOST'], connection.pg_version)"
        )
        out = node(name).check_output(
            f"sudo -u {APP} {ROOT}/bin/manage shell -c {shlex.quote(code)}"
        )
        # The last line: Django 5.2's shell first reports its automatic imports.
        assert out.splitlines()[-1].split()[0] == address(DB), out


BAD_CLUSTER_SETTINGS = [
    ({"wharf_media": "local"}, "wharf_medialocalkeepsuploadsononeapphost'sdisk"),
    ({"wharf_static": "nginx"}, "wharf_staticnginxservesthefilescollectstaticwrites"),
    ({"wharf_rolling_batch": 2}, "wharf_rolling_batchmustbeatleast1andfewerthanthe2app"),
    ({"wharf_private_address": "somewhere"}, "setwharf_private_addressforit"),
]


@pytest.fixture(scope="module")
def refusals() -> list:
    return shared.run_playbooks([("-e", json.dumps(extra)) for extra, _ in BAD_CLUSTER_SETTINGS])


@pytest.mark.parametrize(
    ("case", "message"),
    list(enumerate(message for _, message in BAD_CLUSTER_SETTINGS)),
    ids=["local media", "nginx static", "batch of every app host", "private address"],
)
def test_settings_a_cluster_cannot_serve_are_refused_before_any_change(refusals, case, message):
    result = refusals[case]
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert message in flat(output)
    assert "PLAY [Prepare hosts]" not in output, "a role ran before the input was checked"
    for name in (WEB, *APP_HOSTS, DB):
        assert shared.recap(output, name)["changed"] == 0, name


# --- state shared by app hosts --------------------------------------------------


def test_a_session_started_on_one_app_host_works_on_the_other(site):
    shared.create_user(node(APP1), "cluster-user", "a-long-test-password-1")
    shared.sign_in(site, "cluster-user", "a-long-test-password-1")
    marker = f"session-{secrets.token_hex(6)}"
    for index in range(8):
        page = site.get(f"/?probe={marker}-{index}")
        assert page.status == 200
        assert b'href="/documents/new/"' in page.body, "signed out on this request"
    # nginx spread the signed-in requests over both app hosts.
    assert served(APP1, marker) > 0 and served(APP2, marker) > 0


def test_media_uploaded_through_one_app_host_reads_through_the_other(host, site):
    before = {name: served(name, "POST /profiles/new/") for name in APP_HOSTS}
    digest = shared.make_png(host, "/tmp/wharf-cluster-avatar.png", seed=6060)
    response = shared.upload_avatar(site, "cluster-avatar", "/tmp/wharf-cluster-avatar.png")
    assert response.status == 302
    uploader = next(
        name for name in APP_HOSTS if served(name, "POST /profiles/new/") > before[name]
    )
    other = APP2 if uploader == APP1 else APP1
    # No app host keeps the upload on its disk: it is in the bucket.
    for name in APP_HOSTS:
        found = node(name).run(f"find {ROOT}/shared/media -type f -name '*.png'").stdout
        assert not found.strip(), f"{name} has media on disk: {found}"

    marker = f"media-{secrets.token_hex(6)}"
    for index in range(8):
        page = site.get(f"/?probe={marker}-{index}")
        if served(other, f"{marker}-{index}"):
            break
    else:
        pytest.fail(f"no page came from {other}")
    links = re.findall(r'href="([^"]+/media/avatars/[^"]+)"', page.body.decode())
    fetched = [fetch(host, link.replace("&amp;", "&")) for link in links]
    assert (200, digest) in fetched, f"{other}'s page links no copy of the upload: {fetched}"
    STATE["avatar"] = digest


# --- rolling deploys under load ---------------------------------------------------

# The rolling deploy comes before the refused runs below: a run that fails
# leaves the hosts marked to converge again (docs/releases.md "Fast path"),
# and this one is to take the fast path a team's code deploy takes.


def test_a_rolling_deploy_switches_every_app_host_without_a_failed_request(
    site, tmp_path_factory, capsys
):
    source = build(tmp_path_factory.mktemp("v2") / "app", "2.0.0")
    (source / "gallery" / "migrations" / "0005_profile_motto.py").write_text(MIGRATION_V2)
    models = source / "gallery" / "models.py"
    field = "    display_name = models.CharField("
    assert field in models.read_text()
    models.write_text(
        models.read_text().replace(
            field,
            '    motto = models.CharField(max_length=80, blank=True, db_default="")\n' + field,
        )
    )
    base = source / "gallery" / "templates" / "gallery" / "base.html"
    base.write_text(base.read_text().replace("</body>", '<p class="release">two</p></body>'))
    STATE["v2_source"] = source
    old_releases = {name: current_release(name) for name in APP_HOSTS}
    reloads = nginx_reloads()

    started = time.monotonic()
    result, counts = under_load(lambda: deploy(source), capsys)
    report(capsys, f"rolling deploy of v2 over 2 app hosts took {time.monotonic() - started:.1f} s")
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    assert_no_failed_requests(counts)
    # The fast path: only the application was deployed, nothing provisioned.
    assert "wharf_postgresql : " not in result.stdout
    assert "wharf_base : " not in result.stdout

    for name in APP_HOSTS:
        assert app_version(name) == "2.0.0", name
        assert current_release(name) != old_releases[name]
    assert '<p class="release">two</p>' in site.get("/").body.decode()
    # Each host was drained and put back: two reloads per app host.
    assert nginx_reloads() - reloads >= 2 * len(APP_HOSTS)
    assert " down" not in upstream_conf()
    # The migration ran once, on the first app host, after a dump there only.
    dumps = {
        name: node(name).run(f"ls /var/backups/wharf/{APP}/pre-migrate/").stdout.split()
        for name in APP_HOSTS
    }
    assert current_release(APP1) + ".pgdump" in dumps[APP1]
    assert not any(name.endswith("-2.0.0.pgdump") for name in dumps[APP2]), dumps
    assert "[X] 0005_profile_motto" in node(APP2).check_output(
        f"sudo -u {APP} {ROOT}/bin/manage showmigrations gallery"
    )


def test_sessions_kept_on_one_host_are_refused_before_the_switch():
    serving = {name: current_release(name) for name in APP_HOSTS}
    versions = {name: app_version(name) for name in APP_HOSTS}
    files = {"wharf_django_extra_env": {"SESSION_ENGINE": "django.contrib.sessions.backends.file"}}
    result = run_playbook("-e", json.dumps(files), "--tags", "django")
    output = flat(result.stdout + result.stderr)
    assert result.returncode != 0
    assert "wharf_django_shared_sessions:thissitehasseveralapphosts" in output
    assert "SESSION_ENGINEdjango.contrib.sessions.backends.file" in output
    for name in APP_HOSTS:
        assert current_release(name) == serving[name]
        assert app_version(name) == versions[name]


def test_a_host_failing_its_health_check_stops_the_rollout(site, tmp_path_factory, capsys):
    """v3 serves pages, but its /healthz says the database is down."""
    source = build(tmp_path_factory.mktemp("v3") / "app", "3.0.0", base=STATE["v2_source"])
    views = source / "gallery" / "views.py"
    healthy = "    try:\n        with connection.cursor() as cursor:"
    assert healthy in views.read_text()
    views.write_text(
        views.read_text().replace(
            healthy, healthy.replace("try:", 'try:\n        raise DatabaseError("v3")')
        )
    )
    serving = {name: current_release(name) for name in APP_HOSTS}
    quick = json.dumps({"wharf_django_health_timeout": 10})

    # The code-only fast path: only the application's plays run.
    result, counts = under_load(lambda: deploy(source, "-e", quick, "--tags", "django"), capsys)
    output = flat(result.stdout + result.stderr)
    assert result.returncode != 0
    assert "failedaftertheswitch" in output
    assert f"Therollingdeploystopsat{APP1}:{APP2}stayonthereleasetheywereserving." in output
    assert_no_failed_requests(counts)
    for name in APP_HOSTS:
        assert app_version(name) == "2.0.0", name
        assert current_release(name) == serving[name], name
    # The first host serves its previous release again and is back in rotation.
    assert " down" not in upstream_conf()
    assert site.get("/healthz").status == 200


def test_a_stopped_app_host_is_routed_around_and_rejoins(capsys):
    app2 = node(APP2)
    units = f"gunicorn-{APP}.socket gunicorn-{APP}.service"

    def stop_and_restart() -> float:
        app2.check_output(f"systemctl stop {units}")
        time.sleep(12)  # longer than fail_timeout: nginx tries it again meanwhile
        assert not connects(WEB, APP2, APP_PORT)
        app2.check_output(f"systemctl start {units}")
        started = time.time()
        time.sleep(14)  # fail_timeout has passed since the last failure
        return started

    restarted, counts = under_load(stop_and_restart, capsys)
    assert_no_failed_requests(counts)
    # Back in rotation: it answers the load again.
    log = app2.check_output(
        f"journalctl -q --no-pager -u gunicorn-{APP}.service --since @{int(restarted)}"
    )
    assert log.count("GET /healthz") > 0, "the restarted app host got no requests"
    assert app_version(APP2) == "2.0.0"


# --- backups ------------------------------------------------------------------


def psql(query: str) -> str:
    return node(APP1).check_output(f"{ROOT}/bin/pg psql -At -c {shlex.quote(query)}")


def unit_events(name: str, since: float) -> list[tuple[float, str]]:
    """(time, message) of the gunicorn units' journal lines on `name` since `since`."""
    log = node(name).check_output(
        f"journalctl -q --no-pager -o short-unix -u gunicorn-{APP}.socket"
        f" -u gunicorn-{APP}.service --since @{int(since)}"
    )
    return [
        (float(stamp), text) for stamp, text in (line.split(" ", 1) for line in log.splitlines())
    ]


def first(events: list[tuple[float, str]], word: str) -> float:
    return min(stamp for stamp, text in events if word in text)


def last(events: list[tuple[float, str]], word: str) -> float:
    return max(stamp for stamp, text in events if word in text)


def test_a_restore_stops_every_app_host_on_the_database(tmp_path_factory):
    shared.create_user(node(APP1), "restored-user", "a-long-test-password-2")
    rows = "select string_agg(username, ',' order by username) from auth_user"
    users = psql(rows)
    assert "restored-user" in users
    versions = {name: app_version(name) for name in APP_HOSTS}
    saved = tmp_path_factory.mktemp("backups")
    result = run_playbook(
        "-e", json.dumps({"wharf_backup_fetch_to": str(saved)}), playbook="backup.yml"
    )
    assert result.returncode == 0, result.stdout[-4000:]
    run = next(saved.iterdir())
    psql("TRUNCATE auth_user CASCADE")

    started = time.time() - 1
    result = run_playbook(
        "-e", json.dumps({"wharf_backup_restore_from": str(run)}), playbook="restore.yml"
    )
    assert result.returncode == 0, result.stdout[-4000:]
    assert psql(rows) == users

    # app2 stopped before the restoring host did and started only after it.
    restoring, other = unit_events(APP1, started), unit_events(APP2, started)
    assert first(other, "Stopp") <= first(restoring, "Stopp"), (restoring, other)
    assert last(other, "Started") >= last(restoring, "Started"), (restoring, other)
    for name in APP_HOSTS:
        assert node(name).service(f"gunicorn-{APP}.socket").is_running
    assert {name: app_version(name) for name in APP_HOSTS} == versions
