"""Bad inventory input stops the deploy before anything changes, naming the variable."""

import json
import os
import re
import shutil
import tarfile
from pathlib import Path

import pytest
import yaml
from wharf_verifier import (
    PROJECT_DIR,
    make_certificate,
    molecule_hosts,
    recap,
    run_playbook,
    run_playbooks,
)
from wharf_verifier.rollout import build, flat

# Media on S3 with a valid bucket, for the cases that break one S3 setting.
S3 = {"wharf_media": "s3", "wharf_s3_bucket": "wharfdemo-files"}

# An argument spec reports every value it refuses at once, so the values one
# spec refuses share a run: each must be named among the errors.
BAD_EXTRA_VARS: list[tuple[dict, str | tuple[str, ...]]] = [
    (
        {
            "wharf_upload_max_mb": "abc",
            "wharf_tls_mode": "letsencrypt",
            "wharf_static": "cdn",
            "wharf_web_server": "apache",
        },
        ("wharf_upload_max_mb", "wharf_tls_mode", "wharf_static", "wharf_web_server"),
    ),
    (
        {
            "wharf_django_source": "svn",
            "wharf_django_debug": "maybe",
            "wharf_django_settings_left_to_project": ["TIME_ZONE"],
            "wharf_django_superusers": [{"username": "admin"}],
            "wharf_django_keep_releases": "all",
        },
        (
            "wharf_django_source",
            "wharf_django_debug",
            "wharf_django_settings_left_to_project",
            "wharf_django_superusers",
            "wharf_django_keep_releases",
        ),
    ),
    (
        {
            "wharf_gunicorn_workers": "many",
            "wharf_gunicorn_log_level": "loud",
            "wharf_gunicorn_kill_mode": "none",
        },
        ("wharf_gunicorn_workers", "wharf_gunicorn_log_level", "wharf_gunicorn_kill_mode"),
    ),
    ({"wharf_upload_max_mb": -5}, "wharf_upload_max_mb"),
    ({"wharf_domains": []}, "wharf_domains"),
    ({"wharf_domains": ["bad host!"]}, "wharf_domains"),
    ({"wharf_app_name": "Bad Name"}, "wharf_app_name"),
    ({"wharf_secret_key": "tooshort"}, "wharf_secret_key"),
    ({"wharf_db_password": "short"}, "wharf_db_password"),
    ({"wharf_gunicorn_workers": 0}, "wharf_gunicorn_workers"),
    ({"wharf_nginx_listen_port": 70000}, "wharf_nginx_listen_port"),
    ({"wharf_nginx_client_max_body_bytes": -1}, "wharf_nginx_client_max_body_bytes"),
    ({"wharf_nginx_media_expires": "forever"}, "wharf_nginx_media_expires"),
    ({"wharf_nginx_static_hashed_pattern": 'x" "y'}, "wharf_nginx_static_hashed_pattern"),
    (
        {"wharf_nginx_content_security_policy": "default-src 'self'\nadd_header X y"},
        "wharf_nginx_content_security_policy",
    ),
    ({"wharf_django_version": "1.0'; touch /tmp/x; '"}, "wharf_django_version"),
    ({"wharf_base_timezone": "../../etc/passwd"}, "wharf_base_timezone"),
    ({"wharf_gunicorn_wsgi_app": "not a module"}, "wharf_gunicorn_wsgi_app"),
    ({"wharf_gunicorn_timeout": 0}, "wharf_gunicorn_timeout"),
    ({"wharf_django_static_url": "static"}, "wharf_django_static_url"),
    ({"wharf_django_media_root": "/var/www/media"}, "wharf_django_media_root"),
    ({"wharf_django_extra_env": {"NOT VALID": "x"}}, "wharf_django_extra_env"),
    ({"wharf_postgresql_client_networks": ["everywhere"]}, "wharf_postgresql_client_networks"),
    ({"wharf_https_port": 70000}, "wharf_https_port"),
    ({"wharf_hsts_max_age": -1}, "wharf_hsts_max_age"),
    ({"wharf_hsts_preload": True, "wharf_hsts_include_subdomains": False}, "wharf_hsts_preload"),
    ({"wharf_tls_certificate_days": 800}, "wharf_tls_certificate_days"),
    ({"wharf_tls_ca_days": 3650}, "wharf_tls_ca_days"),
    (
        {
            "wharf_tls_mode": "provided",
            "wharf_tls_certificate_file": "/nonexistent/site.pem",
            "wharf_tls_key_file": "/nonexistent/site.key",
        },
        "wharf_tls_certificate_file",
    ),
    ({"wharf_tls_mode": "acme"}, "wharf_certbot_domains"),  # localhost cannot get one
    (
        {"wharf_tls_mode": "acme", "wharf_domains": ["wharf.test"], "wharf_certbot_email": "x"},
        "wharf_certbot_email",
    ),
    ({"wharf_django_silenced_checks": ["everything"]}, "wharf_django_silenced_checks"),
    ({"wharf_processes_list": [{"name": "mailer", "count": "lots"}]}, "wharf_processes_list[0]"),
    (
        {"wharf_processes_schedules": [{"name": "x", "command": "x", "on_calendar": "tue-ish"}]},
        "wharf_processes_schedules",
    ),
    ({"wharf_redis_url": "amqp://guest@localhost//"}, "wharf_redis_url"),
    ({"wharf_redis_password": "short"}, "wharf_redis_password"),
    (
        {"wharf_django_lock_file": "uv.lock", "wharf_django_requirements_file": "requirements.txt"},
        "wharf_django_lock_file",
    ),
    ({"wharf_django_lock_file": "Pipfile.lock"}, "wharf_django_lock_file"),
    (
        {"wharf_django_git_key": "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbg==\n"},
        "wharf_django_git_known_hosts",
    ),
    ({"wharf_django_git_key": "ssh-ed25519 AAAAC3Nza public half"}, "wharf_django_git_key"),
    ({"wharf_django_git_known_hosts": "git.example.org"}, "wharf_django_git_known_hosts"),
    ({"wharf_nginx_worker_connections": 10}, "wharf_nginx_worker_connections"),
    ({"wharf_media": "s3"}, "wharf_s3_bucket"),
    ({**S3, "wharf_s3_bucket": "Site_Files"}, "wharf_s3_bucket"),
    ({**S3, "wharf_s3_bucket": "192.168.1.10"}, "wharf_s3_bucket"),
    ({**S3, "wharf_s3_access_key_id": "AKIAEXAMPLE000000000"}, "wharf_buckets_secret_access_key"),
    ({**S3, "wharf_s3_endpoint_url": "s3.example.net"}, "wharf_buckets_endpoint_url"),
    ({**S3, "wharf_s3_querystring_expire": 0}, "wharf_django_s3_querystring_expire"),
    ({**S3, "wharf_s3_cors_origins": ["*"]}, "wharf_buckets_cors_origins"),
    ({**S3, "wharf_buckets_noncurrent_version_days": -1}, "wharf_buckets_noncurrent_version_days"),
    ({**S3, "wharf_buckets_encryption": "rot13"}, "wharf_buckets_encryption"),
    (
        {"wharf_django_private_root": "/srv/wharfdemo/shared/media/private"},
        "wharf_django_private_root",
    ),
    ({"wharf_nginx_protected_url": "/media/"}, "wharf_nginx_protected_url"),
    ({"wharf_web_server": "none"}, "wharf_web_server none leaves nothing to serve files"),
    (
        {**S3, "wharf_web_server": "none", "wharf_static": "s3", "wharf_app_port": 0},
        "wharf_app_port",
    ),
    ({"wharf_gunicorn_tcp_listen": ["everywhere"]}, "wharf_gunicorn_tcp_listen"),
    ({"wharf_django_keep_releases": 1}, "wharf_django_keep_releases"),
    ({"wharf_django_health_path": "healthz"}, "wharf_django_health_path"),
    ({"wharf_django_rollback_to": "../etc"}, "wharf_django_rollback_to"),
    ({"wharf_backup_keep": 0}, "wharf_backup_keep"),
    ({"wharf_backup_dir": "backups"}, "wharf_backup_dir"),
    ({"wharf_backup_on_calendar": "daily\nExecStartPre=/bin/true"}, "wharf_backup_on_calendar"),
    ({"wharf_backup_restore_from": "/nonexistent/runs/"}, "wharf_backup_restore_from"),
    ({"wharf_rolling_batch": 0}, "wharf_rolling_batch"),
    ({"wharf_db_host": "db.example.net"}, "wharf_db_host"),
    ({"wharf_nginx_upstreams": ["nowhere"]}, "wharf_nginx_upstreams"),
    ({"wharf_nginx_upstream_next": ["sometimes"]}, "wharf_nginx_upstream_next"),
    ({"wharf_firewall_rules": [{"name": "app", "port": 0, "sources": []}]}, "wharf_firewall_rules"),
    (
        {"wharf_firewall_rules": [{"name": "app", "port": 8000, "sources": ["anyone"]}]},
        "wharf_firewall_rules",
    ),
]


def refusal_messages(output: str) -> str:
    """What the failed tasks said: their messages and argument errors, not the
    argument spec printed beside them, which names every variable it checks."""
    said = []
    for result in re.findall(r"^(?:fatal|failed): \[[^\]]+\].*? => (\{.*\})$", output, re.M):
        failure = json.loads(result)
        said.append(str(failure.get("msg", "")))
        said.extend(failure.get("argument_errors", []))
    return "\n".join(said)


def assert_refused_before_any_change(output: str, variables: str | tuple[str, ...]) -> None:
    host = molecule_hosts()[0]
    said = refusal_messages(output)
    for variable in (variables,) if isinstance(variables, str) else variables:
        assert variable in said, f"the error does not name {variable}: {said}"
    assert "PLAY [Prepare hosts]" not in output, "a role ran before the input was checked"
    counts = recap(output, host)
    assert counts["failed"] == 1
    assert counts["changed"] == 0


@pytest.fixture(scope="module")
def refusals() -> list:
    """Every bad-input run, a few at a time: each only checks, so they can share the host."""
    host = molecule_hosts()[0]
    return run_playbooks(
        [("--limit", host, "-e", json.dumps(extra)) for extra, _ in BAD_EXTRA_VARS]
    )


@pytest.mark.parametrize(
    ("case", "variable"),
    list(enumerate(variable for _, variable in BAD_EXTRA_VARS)),
    ids=["+".join(v) if isinstance(v, tuple) else v for _, v in BAD_EXTRA_VARS],
)
def test_bad_value_is_refused(refusals, case, variable):
    result = refusals[case]
    assert result.returncode != 0
    assert_refused_before_any_change(result.stdout + result.stderr, variable)


def test_missing_domains_are_refused(tmp_path):
    import os

    source = Path(os.environ["MOLECULE_INVENTORY_FILE"]).parent
    inventory = tmp_path / "inventory"
    shutil.copytree(source, inventory)
    group_vars = inventory / "group_vars" / "all"
    settings = yaml.safe_load(group_vars.read_text())
    del settings["wharf_domains"]
    group_vars.write_text(yaml.safe_dump(settings))

    result = run_playbook("--limit", molecule_hosts()[0], inventory=str(inventory))
    assert result.returncode != 0
    assert_refused_before_any_change(result.stdout + result.stderr, "wharf_domains")


@pytest.mark.parametrize(
    ("problem", "message"),
    [("key of another certificate", "its key is not"), ("other names", "does not cover")],
)
def test_provided_certificate_is_checked_before_any_change(tmp_path, problem, message):
    cert, key = make_certificate(tmp_path, "site", ("localhost",))
    _, other_key = make_certificate(tmp_path, "other", ("localhost",))
    if problem == "other names":
        cert, key = make_certificate(tmp_path, "elsewhere", ("elsewhere.example",))
    else:
        key = other_key
    extra = {
        "wharf_tls_mode": "provided",
        "wharf_tls_certificate_file": str(cert),
        "wharf_tls_key_file": str(key),
    }
    result = run_playbook("--limit", molecule_hosts()[0], "-e", json.dumps(extra))
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert message in output
    assert_refused_before_any_change(output, "wharf_tls_certificate_file")


def test_a_project_needing_a_newer_python_than_the_host_is_refused(host, tmp_path):
    if host.backend.get_hostname() != molecule_hosts()[0]:
        return  # the run is limited to the first host, whose Python the message names
    source = build(tmp_path / "app", "1.0.0")
    pyproject = source / "pyproject.toml"
    declared = 'requires-python = ">=3.11"'
    assert declared in pyproject.read_text()
    pyproject.write_text(pyproject.read_text().replace(declared, 'requires-python = ">=3.99"'))
    extra = {"wharf_django_local_path": str(source)}
    assert_python_refused(host, extra, "needsPython>=3.99(pyproject.tomlrequires-python'>=3.99'")


def assert_python_refused(host, extra: dict, needs: str) -> None:
    """The run is refused in its first play, naming what the project needs
    (`needs`, without whitespace) and the host's own Python."""
    result = run_playbook("--limit", molecule_hosts()[0], "-e", json.dumps(extra))
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert_refused_before_any_change(output, "wharf_django_python")
    have = host.check_output("python3 -c 'import platform; print(platform.python_version())'")
    assert needs in flat(output)
    assert f"is{have}:" in flat(output)


def test_bakerydemo_needing_python_3_12_is_refused_on_debian_12(host, tmp_path):
    """The real project, unmodified: its .python-version against the host's 3.11."""
    if host.backend.get_hostname() != molecule_hosts()[0]:
        return  # the run is limited to the first host, whose Python the message names
    fixtures = Path(
        os.environ.get("WHARF_FIXTURES") or PROJECT_DIR.parent / "shared/fixtures/projects"
    )
    with tarfile.open(next(fixtures.glob("bakerydemo-*.tar.gz"))) as archive:
        archive.extractall(tmp_path, filter="data")
    extra = {
        "wharf_django_local_path": str(tmp_path / "bakerydemo"),
        "wharf_django_settings_module": "bakerydemo.settings.production",
        "wharf_django_requirements_file": "requirements/production.txt",
        "wharf_gunicorn_wsgi_app": "bakerydemo.wsgi:application",
    }
    assert_python_refused(host, extra, "needsPython>=3.12,<4(.python-version'3.12'in")


def test_a_procfile_process_without_a_command_is_refused_before_any_change(host, tmp_path):
    if host.backend.get_hostname() != molecule_hosts()[0]:
        return  # one refusal is enough
    source = build(tmp_path / "app", "1.0.0")
    procfile = source / "Procfile"
    procfile.write_text(procfile.read_text() + "mailer:\n")
    extra = {"wharf_django_local_path": str(source), "wharf_processes_procfile": "Procfile"}
    result = run_playbook("--limit", molecule_hosts()[0], "-e", json.dumps(extra))
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "Procfileline7:theprocessmailerhasnocommand" in flat(output), output[-3000:]
    assert_refused_before_any_change(output, "Procfile")


def test_a_configuration_nginx_refuses_is_put_back_and_never_loaded(host):
    """Inputs that pass every check but name a certificate that is not there:
    nginx's own test refuses the new site file, which is put back as it was,
    so neither a reload nor the next reboot meets it."""
    if host.backend.get_hostname() != molecule_hosts()[0]:
        return  # one refusal is enough
    site = "/etc/nginx/sites-available/wharfdemo.conf"
    before = host.check_output(f"sha256sum {site}")
    extra = {"wharf_nginx_tls_certificate": "/etc/wharf/tls/nowhere/fullchain.pem"}
    result = run_playbook(
        "--limit", molecule_hosts()[0], "--tags", "nginx", "-e", json.dumps(extra)
    )
    assert result.returncode != 0
    output = flat(result.stdout + result.stderr)
    assert "nginxrefusedthenewconfiguration" in output and "/etc/wharf/tls/nowhere" in output
    assert host.check_output(f"sha256sum {site}") == before
    assert host.run("ls /etc/nginx/sites-available /etc/nginx/snippets | grep '~$'").stdout == ""
    assert host.run("nginx -t -q").rc == 0
    assert host.run("systemctl reload nginx").rc == 0
