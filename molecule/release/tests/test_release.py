"""Releases under load: deploy, a broken release, rollback, backup and restore.

The tests run in file order, one story on one host. v1 is what converge
deployed (the sample app). The verifier builds the next versions on the
controller from copies of app/ and deploys them with the real playbooks
while a constant-rate load (load.py) runs against the host's published
https port; every step asserts that no request failed.
"""

from __future__ import annotations

import base64
import json
import re
import shlex
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import wharf_verifier as shared
from wharf_verifier import rollout
from wharf_verifier.rollout import (
    assert_no_failed_requests,
    build,
    deploy,
    flat,
    migration,
    report,
)

APP, ROOT, Site = shared.APP, shared.ROOT, shared.Site
find_avatar, load_json, make_png = shared.find_avatar, shared.load_json, shared.make_png
molecule_hosts, run_playbook, upload_avatar = (
    shared.molecule_hosts,
    shared.run_playbook,
    shared.upload_avatar,
)

HASHED_CSS = re.compile(r'"(/static/[^"]+\.[0-9a-f]{12}\.css)"')
STATE: dict[str, object] = {}  # what earlier steps saw, for later ones
PROJECT_APP = Path(__file__).resolve().parents[3] / "app"

MIGRATION_V2 = migration(
    "0004_post_checksum_and_digests",
    'migrations.CreateModel(name="Announcement", fields=['
    '("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False)), '
    '("text", models.CharField(max_length=200))])',
)

# Appended to v5's settings: values fixed in code, as many published projects
# have them. Wharf's settings overlay sets its own over each.
FIXED_IN_CODE = """
SECRET_KEY = "django-insecure-fixed-in-code-as-published"
ALLOWED_HOSTS = []
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}}
STATIC_ROOT = BASE_DIR / "collected"
MEDIA_ROOT = BASE_DIR / "media"
"""

# A migration that waits, holding its transaction open, until the test has
# killed PostgreSQL under it (a file on the host says when), then touches
# the database again.
MIGRATION_CHAOS = """import os
import time

from django.db import migrations


def wait_for_the_kill(apps, schema_editor):
    open("/tmp/wharf-chaos-migrating", "w").close()
    deadline = time.monotonic() + 300
    while not os.path.exists("/tmp/wharf-chaos-killed") and time.monotonic() < deadline:
        time.sleep(0.2)
    schema_editor.execute("CREATE TABLE gallery_chaos (id integer)")


class Migration(migrations.Migration):
    dependencies = [("gallery", "0005_announcement")]

    operations = [migrations.RunPython(wait_for_the_kill, migrations.RunPython.noop)]
"""

# v4's own migration, which it applies before its health check fails.
MIGRATION_V4 = migration(
    "0005_announcement",
    'migrations.CreateModel(name="Notice", fields=['
    '("id", models.BigAutoField(auto_created=True, primary_key=True))])',
)

MODEL_V2 = '''

class Announcement(models.Model):
    """Added in v2 with migration 0005; rolling back to v1 must reverse it."""

    text = models.CharField(max_length=200)
'''


# --- helpers ----------------------------------------------------------------


def under_load(paths: list[str], action, capsys):
    return rollout.under_load(rollout.published_port(molecule_hosts()[0]), paths, action, capsys)


def version(site: Site) -> str:
    return load_json(site.get("/healthz"))["version"]


def current_release(host) -> str:
    return host.check_output(f"readlink {ROOT}/current").rsplit("/", 1)[-1]


def assert_media_intact(host, site: Site) -> None:
    """The avatar uploaded in the first step: same bytes on disk and over https."""
    path, digest = STATE["avatar"]
    assert host.check_output(f"sha256sum {path}").split()[0] == digest
    served = site.get(path.replace(f"{ROOT}/shared/media/", "/media/"))
    assert served.status == 200 and served.sha256 == digest


def load_paths(site: Site) -> list[str]:
    css = HASHED_CSS.search(site.get("/").body.decode()).group(1)
    return ["/", "/healthz", css]


@pytest.fixture
def site(host) -> Site:
    return Site(host)


# --- the story ----------------------------------------------------------------


def test_v1_serves_from_a_release(host, site):
    assert version(site) == "1.0.0"
    release = current_release(host)
    assert re.fullmatch(r"\d{8}T\d{6}Z-1\.0\.0", release), release
    assert host.file(f"{ROOT}/releases/{release}/release.json").exists
    # The virtualenv is shared by releases with the same requirements.
    assert host.file(f"{ROOT}/releases/{release}/venv").is_symlink
    assert host.check_output(f"readlink {ROOT}/releases/{release}/venv").startswith(
        f"{ROOT}/venvs/"
    )
    # Each release collects its own static files (and manifest).
    env = host.check_output(f"cat {ROOT}/releases/{release}/release.env")
    assert f"STATIC_ROOT='{ROOT}/releases/{release}/static'" in env
    assert host.file(f"{ROOT}/releases/{release}/static/staticfiles.json").exists
    # The daily backup timer is armed.
    assert host.service(f"wharf-backup-{APP}.timer").is_enabled

    digest = make_png(host, "/tmp/wharf-release-avatar.png", seed=4242)
    assert upload_avatar(site, "release-keeper", "/tmp/wharf-release-avatar.png").status == 302
    STATE["avatar"] = (find_avatar(host, digest), digest)
    STATE["v1_css"] = HASHED_CSS.search(site.get("/").body.decode()).group(1)
    STATE["v1_release"] = release
    assert_media_intact(host, site)


def test_v2_with_a_migration_deploys_without_a_failed_request(host, site, tmp_path_factory, capsys):
    source = build(tmp_path_factory.mktemp("v2") / "app", "2.0.0")
    (source / "gallery" / "migrations" / "0005_announcement.py").write_text(MIGRATION_V2)
    with open(source / "gallery" / "models.py", "a") as models:
        models.write(MODEL_V2)
    css = source / "static" / "site" / "site.css"
    css.write_text(css.read_text() + "\n.release-two { color: inherit; }\n")
    base = source / "gallery" / "templates" / "gallery" / "base.html"
    base.write_text(base.read_text().replace("</body>", '<p class="release">two</p></body>'))
    STATE["v2_source"] = source

    started = time.monotonic()
    result, counts = under_load(load_paths(site), lambda: deploy(source), capsys)
    report(capsys, f"v2 deploy took {time.monotonic() - started:.1f} s")
    assert result.returncode == 0, result.stdout[-4000:]
    assert_no_failed_requests(counts)

    assert version(site) == "2.0.0"
    page = site.get("/").body.decode()
    assert '<p class="release">two</p>' in page
    new_css = HASHED_CSS.search(page).group(1)
    assert new_css != STATE["v1_css"], "v2 changed its CSS, so its hashed name must change"
    # A browser still holding v1's page gets v1's stylesheet.
    assert site.get(STATE["v1_css"]).status == 200
    assert site.get(new_css).status == 200
    # The pending migration was applied once, after a dump only root reads.
    dump = host.file(f"/var/backups/wharf/{APP}/pre-migrate/{current_release(host)}.pgdump")
    assert dump.exists and (dump.user, dump.mode) == ("root", 0o600)
    assert "[X] 0005_announcement" in host.check_output(
        f"sudo -u {APP} {ROOT}/bin/manage showmigrations gallery"
    )
    assert_media_intact(host, site)


def insecure_build(folder: Path) -> Path:
    """v2 with settings fixed in code, as many projects have them: a header
    `check --deploy` warns about (security.W006) and Wharf's settings overlay
    does not own, an insecure cookie it does own (security.W012, which the
    overlay corrects), and a SILENCED_SYSTEM_CHECKS that ignores the
    environment Wharf writes."""
    source = build(folder, "3.0.0", base=STATE["v2_source"])
    with open(source / "wharfdemo" / "settings.py", "a") as settings:
        settings.write(
            "\nSECURE_CONTENT_TYPE_NOSNIFF = False\nSESSION_COOKIE_SECURE = False\n"
            "SILENCED_SYSTEM_CHECKS = []\n"
        )
    return source


def test_a_release_failing_djangos_deployment_checks_never_serves(
    host, site, tmp_path_factory, capsys
):
    source = insecure_build(tmp_path_factory.mktemp("v3-checks") / "app")
    before = current_release(host)

    result, counts = under_load(load_paths(site), lambda: deploy(source), capsys)
    assert result.returncode != 0, "a failed deployment check must fail the deploy"
    output = flat(result.stdout + result.stderr)
    # Only W006: Wharf leaves out its own answered ids (security.W021) itself,
    # whatever the project's SILENCED_SYSTEM_CHECKS says, and the overlay made
    # the session cookie secure (no W012).
    assert "Failingids:security.W006.Fix" in output
    assert "wharf_django_silenced_checks" in output
    assert_no_failed_requests(counts)
    assert current_release(host) == before
    assert version(site) == "2.0.0"


def test_a_release_that_cannot_import_never_serves(host, site, tmp_path_factory, capsys):
    """The same settings pass the checks once the inventory answers W006; the
    release then fails where gunicorn would, importing the WSGI application."""
    source = insecure_build(tmp_path_factory.mktemp("v3") / "app")
    wsgi = source / "wharfdemo" / "wsgi.py"
    wsgi.write_text("import wharf_module_that_does_not_exist  # noqa: F401\n" + wsgi.read_text())
    before = current_release(host)
    answered = json.dumps({"wharf_django_silenced_checks": ["security.W006"]})

    result, counts = under_load(load_paths(site), lambda: deploy(source, "-e", answered), capsys)
    assert result.returncode != 0, "a release that cannot import must fail the deploy"
    output = flat(result.stdout + result.stderr)
    assert "ModuleNotFoundError" in output and "wharf_module_that_does_not_exist" in output
    assert "LoadtheWSGIapplication" in output
    assert_no_failed_requests(counts)
    assert current_release(host) == before
    assert version(site) == "2.0.0"
    assert_media_intact(host, site)
    assert_serving_environment_kept(host, site, "security.W006")


def assert_serving_environment_kept(host, site: Site, refused: str) -> None:
    """The refused run's environment waits beside the serving one, which a
    restart (or a reboot) of the application still starts with."""
    assert refused in host.file(f"{ROOT}/shared/app.env.next").content_string
    assert refused not in host.file(f"{ROOT}/shared/app.env").content_string
    host.check_output(f"systemctl restart gunicorn-{APP}.service")
    assert version(site) == "2.0.0"


def test_a_settings_module_that_does_not_import_never_serves(host, site, capsys):
    """Only the environment changes (v2's code again): the overlay names the
    variable, and the serving release keeps its environment."""
    wrong = json.dumps({"wharf_django_settings_module": "wharfdemo.settings_not_here"})
    before = current_release(host)

    result, counts = under_load(
        load_paths(site), lambda: deploy(STATE["v2_source"], "-e", wrong), capsys
    )
    assert result.returncode != 0, "a settings module that does not import must fail the deploy"
    output = flat(result.stdout + result.stderr)
    assert "wharf_django_settings_module'wharfdemo.settings_not_here'doesnotimport" in output
    assert_no_failed_requests(counts)
    assert current_release(host) == before
    assert_serving_environment_kept(host, site, "wharfdemo.settings_not_here")


def test_after_a_failed_run_the_recorded_inputs_converge_the_host_again(host, site, capsys):
    """v2 again, with exactly the inputs its complete deploy recorded: the
    fast path would skip the host, but the failed run before changed it, so
    the host is converged again and v2's environment is written again."""
    result, counts = under_load(load_paths(site), lambda: deploy(STATE["v2_source"]), capsys)
    assert result.returncode == 0, result.stdout[-4000:]
    assert_no_failed_requests(counts)
    assert "wharf_nginx : " in result.stdout, "the host was skipped after a failed run"
    for name in ("app.env", "app.env.next"):
        assert "settings_not_here" not in host.file(f"{ROOT}/shared/{name}").content_string
    assert version(site) == "2.0.0"


def test_postgresql_killed_during_the_migration_fails_the_deploy_and_loses_nothing(
    host, site, tmp_path_factory
):
    """kill -9 of every PostgreSQL process while a release's migration holds
    its transaction: the deploy fails at migrate, v2 keeps serving once
    systemd has started PostgreSQL again, and no row or migration changed."""
    source = build(tmp_path_factory.mktemp("chaos") / "app", "3.5.0", base=STATE["v2_source"])
    (source / "gallery" / "migrations" / "0006_chaos.py").write_text(MIGRATION_CHAOS)
    host.run("rm -f /tmp/wharf-chaos-migrating /tmp/wharf-chaos-killed")
    tables = (*shared.APP_TABLES, "django_migrations")
    before, serving = shared.row_digests(host, tables), current_release(host)

    with ThreadPoolExecutor(1) as pool:
        running = pool.submit(deploy, source, "--tags", "django")
        shared.wait_for(
            lambda: host.file("/tmp/wharf-chaos-migrating").exists, 600, "the migration"
        )
        host.run_expect([0], "pkill -KILL -x postgres && touch /tmp/wharf-chaos-killed")
        result = running.result(timeout=600)

    assert result.returncode != 0
    assert "Applymigrations" in flat(result.stdout) and "failed=1" in result.stdout
    shared.wait_for(lambda: site.get("/healthz").status == 200, 120, "PostgreSQL's restart")
    assert current_release(host) == serving and version(site) == "2.0.0"
    assert shared.row_digests(host, tables) == before
    assert "0006_chaos" not in host.check_output(
        f"{ROOT}/bin/pg psql -At -c 'SELECT name FROM django_migrations'"
    )
    assert_media_intact(host, site)
    host.run("rm -f /tmp/wharf-chaos-migrating /tmp/wharf-chaos-killed")


def test_a_release_failing_its_health_check_is_reverted(host, site, tmp_path_factory, capsys):
    """v4 starts and serves pages, but its /healthz says the database is down.
    It comes with a new environment variable: the environment goes back with
    the release, so backups, restarts and reboots keep the serving one. It
    comes with a migration too, applied before the switch: the message says
    v2 now serves on a database migrated past its code."""
    source = build(tmp_path_factory.mktemp("v4") / "app", "4.0.0", base=STATE["v2_source"])
    views = source / "gallery" / "views.py"
    healthy = "    try:\n        with connection.cursor() as cursor:"
    assert healthy in views.read_text()
    broken = healthy.replace("try:", 'try:\n        raise DatabaseError("v4")')
    views.write_text(views.read_text().replace(healthy, broken))
    (source / "gallery" / "migrations" / "0006_notice.py").write_text(MIGRATION_V4)
    before = current_release(host)
    quick = json.dumps(
        {"wharf_django_health_timeout": 10, "wharf_django_extra_env": {"WHARF_V4_ONLY": "v4"}}
    )

    # Pages and assets only: v4's own /healthz answers 503 while it is live.
    # A code deploy (--tags django): the shorter health timeout changes no
    # provisioning, so the rest of the host is not converged again for it.
    paths = [path for path in load_paths(site) if path != "/healthz"]
    code_deploy = ("-e", quick, "--tags", "django")
    result, counts = under_load(paths, lambda: deploy(source, *code_deploy), capsys)
    output = flat(result.stdout + result.stderr)
    assert result.returncode != 0
    assert "failedaftertheswitch" in output
    put_back = f"currentpointsat{before}againwiththepreviousenvironmentanditisservingandhealthy"
    assert put_back in output
    assert_no_failed_requests(counts)
    assert current_release(host) == before
    assert version(site) == "2.0.0"
    # The release that failed is gone, so a later rollback cannot pick it.
    assert "-4.0.0" not in host.check_output(f"ls {ROOT}/releases")
    assert_media_intact(host, site)
    assert_serving_environment_kept(host, site, "WHARF_V4_ONLY")
    assert not host.file(f"{ROOT}/shared/app.env.previous").exists
    assert "Itservesonadatabasethisrunmigratedpastitscode" in output
    assert "migrationsitdoesnotknow(gallery.0006_notice)" in output
    # Back to v2's schema for the rollback steps that follow (v4's code,
    # which could reverse it, is gone with the failed release).
    undo = "DROP TABLE gallery_notice; DELETE FROM django_migrations WHERE name = '0006_notice'"
    host.run_expect([0], f"{ROOT}/bin/pg psql -c {shlex.quote(undo)}")


def test_rollback_refuses_migrations_the_target_does_not_know(host, site):
    result = run_playbook(playbook="rollback.yml")
    assert result.returncode != 0
    output = flat(result.stdout + result.stderr)
    assert "Refusingtorollbackto" + STATE["v1_release"] in output
    assert "migrationsitdoesnotknow:gallery.0005_announcement." in output
    assert version(site) == "2.0.0"


def test_rollback_reversing_the_migration_serves_v1(host, site, capsys):
    reverse = json.dumps({"wharf_django_rollback_reverse_migrations": True})
    result, counts = under_load(
        load_paths(site), lambda: run_playbook("-e", reverse, playbook="rollback.yml"), capsys
    )
    assert result.returncode == 0, result.stdout[-4000:]
    assert_no_failed_requests(counts)
    assert version(site) == "1.0.0"
    assert current_release(host) == STATE["v1_release"]
    assert "[ ] 0005_announcement" not in host.check_output(
        f"sudo -u {APP} {ROOT}/bin/manage showmigrations gallery"
    )
    tables = host.check_output(f"{ROOT}/bin/pg psql -At -c '\\dt gallery_*'")
    assert "gallery_announcement" not in tables
    assert '<p class="release">two</p>' not in site.get("/").body.decode()
    assert_media_intact(host, site)


def split_requirements(source: Path, extra: str = "") -> None:
    """requirements.txt becomes `-r requirements/pins.txt`, and the pins leave gunicorn out
    (as projects that ship another server do): Wharf installs its own."""
    pins = (source / "requirements.txt").read_text().splitlines()
    kept = [line for line in pins if not line.lower().startswith("gunicorn")]
    assert len(kept) == len(pins) - 1, "the sample app pins gunicorn"
    (source / "requirements").mkdir()
    (source / "requirements" / "pins.txt").write_text("\n".join(kept) + "\n" + extra)
    (source / "requirements.txt").write_text("-r requirements/pins.txt\n")


def test_old_releases_are_pruned_and_included_requirements_key_the_virtualenv(
    host, site, tmp_path_factory, capsys
):
    """keep_releases is 3 here: two more deploys push the oldest out. v5 moves the pins
    into an included file without gunicorn, and fixes its settings in code; v6
    changes only that included file."""
    v5 = build(tmp_path_factory.mktemp("v5") / "app", "5.0.0")
    split_requirements(v5)
    with open(v5 / "wharfdemo" / "settings.py", "a") as settings:
        settings.write(FIXED_IN_CODE)
    v6 = build(tmp_path_factory.mktemp("v6") / "app", "6.0.0", base=v5)
    (v6 / "requirements" / "pins.txt").write_text(
        (v6 / "requirements" / "pins.txt").read_text() + "tabulate==0.9.0\n"
    )
    assert (v6 / "requirements.txt").read_text() == (v5 / "requirements.txt").read_text()
    venvs = {}
    for source in (v5, v6):
        number = (source / "VERSION").read_text().strip()
        started = time.monotonic()
        result = deploy(source)
        report(capsys, f"deploy of {number} took {time.monotonic() - started:.1f} s")
        assert result.returncode == 0, result.stdout[-4000:]
        assert version(site) == number
        venvs[number] = host.check_output(f"readlink {ROOT}/current/venv")
    releases = host.check_output(f"ls {ROOT}/releases").split()
    assert len(releases) == 3, releases
    assert [name.rsplit("-", 1)[1] for name in releases] == ["2.0.0", "5.0.0", "6.0.0"]
    assert current_release(host).endswith("-6.0.0")

    # A change in the included file alone gave v6 its own virtualenv, with the
    # package it added; v2 (still kept) keeps the one v1 built.
    assert venvs["6.0.0"] != venvs["5.0.0"]
    assert host.run(f"{ROOT}/current/venv/bin/python -c 'import tabulate'").rc == 0
    assert host.run(f"{venvs['5.0.0']}/bin/python -c 'import tabulate'").rc != 0
    assert len(host.check_output(f"ls {ROOT}/venvs").split()) == 3
    record = json.loads(host.check_output(f"cat {ROOT}/current/venv/.wharf-complete"))
    assert record["files"] == ["requirements.txt", "requirements/pins.txt"]
    # gunicorn, which the pins no longer list, is Wharf's and serves v6.
    assert record["app_server"].startswith("gunicorn==")
    pinned = record["app_server"].split("==")[1]
    assert pinned in host.check_output(f"{ROOT}/current/venv/bin/gunicorn --version")
    main_pid = host.check_output(f"systemctl show -p MainPID --value gunicorn-{APP}.service")
    command = host.check_output(f"tr '\\0' ' ' < /proc/{main_pid}/cmdline")
    assert command.startswith(f"{venvs['6.0.0']}/bin/python"), command
    assert_media_intact(host, site)

    # The settings fixed in code (an insecure key, no hosts, SQLite, static
    # and media inside the read-only code) were overlaid: v5 and v6 passed
    # the deployment checks and answer the site's name above; an upload
    # lands in the shared media directory and its row in PostgreSQL; nothing
    # was written into the code.
    digest = make_png(host, "/tmp/wharf-release-v6.png", seed=6262)
    assert upload_avatar(site, "overlay-keeper", "/tmp/wharf-release-v6.png").status == 302
    find_avatar(host, digest)
    profiles = host.check_output(
        f'{ROOT}/bin/pg psql -At -c "select display_name from gallery_profile"'
    )
    assert "overlay-keeper" in profiles.splitlines()
    for written in ("db.sqlite3", "collected", "media"):
        assert not host.file(f"{ROOT}/current/code/{written}").exists, written


def lock_with_uv(host, source: Path) -> None:
    """Make the project a uv one: its pins as pyproject.toml dependencies (gunicorn
    left out, a dev group added), locked by the host's own uv, and no
    requirements.txt. The lock is written on the host and copied back."""
    pins = [
        line.strip()
        for line in (PROJECT_APP / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#") and not line.lower().startswith("gunicorn")
    ]
    (source / "requirements.txt").unlink()
    (source / "pyproject.toml").write_text(
        '[project]\nname = "wharfdemo"\nversion = "7.0.0"\nrequires-python = ">=3.11"\n'
        f"dependencies = {json.dumps(pins)}\n\n"
        '[dependency-groups]\ndev = ["tabulate==0.9.0"]\n'
    )
    folder = "/tmp/wharf-uv-project"
    host.run_expect([0], f"rm -rf {folder} && mkdir {folder}")
    encoded = base64.b64encode((source / "pyproject.toml").read_bytes()).decode()
    host.run_expect([0], f"echo {encoded} | base64 -d > {folder}/pyproject.toml")
    host.run_expect(
        [0],
        f"cd {folder} && UV_NATIVE_TLS=true UV_PYTHON_DOWNLOADS=never"
        " /opt/wharf/uv/bin/uv lock --quiet --python python3",
    )
    (source / "uv.lock").write_text(host.file(f"{folder}/uv.lock").content_string)


QUEUE_JOBS = """
from gallery.models import Post
from gallery.tasks import checksum_post
for number in range({count}):
    checksum_post.delay(Post.objects.create(title=f"{marker}-{{number}}").pk)
"""


def jobs_done(host, marker: str) -> int:
    query = f"select count(*) from gallery_post where title like '{marker}-%' and checksum <> ''"
    return int(host.check_output(f'{ROOT}/bin/pg psql -At -c "{query}"'))


def test_a_project_locked_with_uv_deploys_its_lock_without_dev_groups(
    host, site, tmp_path_factory, capsys
):
    """v7 has a pyproject.toml and uv.lock instead of requirements: the
    inventory names the lock, and uv syncs the virtualenv from it. Jobs queued
    for the Celery worker just before the deploy all run: the worker finishes
    the one in hand and restarts onto v7 once v7 serves."""
    v7 = build(tmp_path_factory.mktemp("v7") / "app", "7.0.0")
    lock_with_uv(host, v7)
    locked = json.dumps({"wharf_django_lock_file": "uv.lock"})
    worker = f"wharf-{APP}-worker@1.service"
    worker_before = host.check_output(f"systemctl show -p MainPID --value {worker}")
    code = QUEUE_JOBS.format(count=60, marker="before-v7")
    host.run_expect([0], f"{ROOT}/bin/manage shell -c {shlex.quote(code)}")
    # A code deploy (--tags django): the lock file is the application's alone.
    code_deploy = ("-e", locked, "--tags", "django")
    result, counts = under_load(load_paths(site), lambda: deploy(v7, *code_deploy), capsys)
    assert result.returncode == 0, result.stdout[-4000:]
    assert_no_failed_requests(counts)
    assert version(site) == "7.0.0"
    deadline = time.monotonic() + 90
    while jobs_done(host, "before-v7") < 60 and time.monotonic() < deadline:
        time.sleep(1)
    assert jobs_done(host, "before-v7") == 60, "jobs queued before the deploy were lost"
    worker_after = host.check_output(f"systemctl show -p MainPID --value {worker}")
    assert worker_after != worker_before, "the worker was not restarted onto the new release"
    cwd = host.check_output(f"readlink -f /proc/{worker_after}/cwd")
    assert cwd.startswith(host.check_output(f"readlink -f {ROOT}/current")), cwd
    record = json.loads(host.check_output(f"cat {ROOT}/current/venv/.wharf-complete"))
    assert record["kind"] == "uv.lock"
    assert record["files"] == ["uv.lock", "pyproject.toml"]
    assert record["app_server"].startswith("gunicorn==")
    python = f"{ROOT}/current/venv/bin/python"
    assert host.check_output(f"{python} -c 'import django; print(django.get_version())'") == (
        "5.2.19"
    )
    assert host.run(f"{python} -c 'import tabulate'").rc != 0, "the dev group was installed"
    assert not host.file(f"{ROOT}/current/code/.venv").exists
    assert_media_intact(host, site)


def snapshot(host) -> dict[str, str]:
    """Row digests of the app's tables and checksums of every media file."""
    rows = shared.row_digests(host)
    files = host.check_output(
        f"cd {ROOT}/shared && find media private -type f -print0 | sort -z | xargs -0r sha256sum"
    )
    return {**rows, "files": files}


def test_backup_then_restore_brings_back_rows_and_bytes(host, site, tmp_path_factory):
    before = snapshot(host)
    assert before["files"], "there is media to back up"
    saved = tmp_path_factory.mktemp("backups")
    result = run_playbook(
        "-e", json.dumps({"wharf_backup_fetch_to": str(saved)}), playbook="backup.yml"
    )
    assert result.returncode == 0, result.stdout[-4000:]
    run = next(saved.iterdir())
    assert {path.name for path in run.iterdir()} >= {
        "database.pgdump",
        "media.tar.gz",
        "private.tar.gz",
        "SHA256SUMS",
    }

    # Lose everything: every table and every uploaded file, and the run on the host.
    drop = "DROP SCHEMA public CASCADE; CREATE SCHEMA public"
    host.run_expect([0], f"{ROOT}/bin/pg psql -c '{drop}'")
    host.run_expect([0], f"find {ROOT}/shared/media {ROOT}/shared/private -mindepth 1 -delete")
    host.run_expect([0], f"rm -rf /var/backups/wharf/{APP}/runs/*")
    assert site.get(STATE["avatar"][0].replace(f"{ROOT}/shared/media/", "/media/")).status == 404

    # Named with a trailing slash, as a shell completes a directory: still that run.
    result = run_playbook(
        "-e", json.dumps({"wharf_backup_restore_from": f"{run}/"}), playbook="restore.yml"
    )
    assert result.returncode == 0, result.stdout[-4000:]
    assert snapshot(host) == before
    assert version(site) == "7.0.0"
    assert_media_intact(host, site)
