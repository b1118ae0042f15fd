"""Bad inventory input stops the deploy before anything changes, naming the variable."""

import json
import shutil
from pathlib import Path

import pytest
import yaml

from conftest import molecule_hosts, recap, run_playbook

BAD_EXTRA_VARS = [
    ({"wharf_upload_max_mb": "abc"}, "wharf_upload_max_mb"),
    ({"wharf_upload_max_mb": -5}, "wharf_upload_max_mb"),
    ({"wharf_domains": []}, "wharf_domains"),
    ({"wharf_domains": ["bad host!"]}, "wharf_domains"),
    ({"wharf_app_name": "Bad Name"}, "wharf_app_name"),
    ({"wharf_secret_key": "tooshort"}, "wharf_secret_key"),
    ({"wharf_db_password": "short"}, "wharf_db_password"),
    ({"wharf_gunicorn_workers": "many"}, "wharf_gunicorn_workers"),
    ({"wharf_gunicorn_workers": 0}, "wharf_gunicorn_workers"),
    ({"wharf_nginx_listen_port": 70000}, "wharf_nginx_listen_port"),
    ({"wharf_django_source": "svn"}, "wharf_django_source"),
    ({"wharf_nginx_client_max_body_bytes": -1}, "wharf_nginx_client_max_body_bytes"),
    ({"wharf_nginx_media_expires": "forever"}, "wharf_nginx_media_expires"),
    ({"wharf_base_timezone": "../../etc/passwd"}, "wharf_base_timezone"),
    ({"wharf_gunicorn_wsgi_app": "not a module"}, "wharf_gunicorn_wsgi_app"),
    ({"wharf_gunicorn_timeout": 0}, "wharf_gunicorn_timeout"),
    ({"wharf_gunicorn_log_level": "loud"}, "wharf_gunicorn_log_level"),
    ({"wharf_django_static_url": "static"}, "wharf_django_static_url"),
    ({"wharf_django_media_root": "/var/www/media"}, "wharf_django_media_root"),
    ({"wharf_django_debug": "maybe"}, "wharf_django_debug"),
    ({"wharf_django_extra_env": {"NOT VALID": "x"}}, "wharf_django_extra_env"),
    ({"wharf_postgresql_client_networks": ["everywhere"]}, "wharf_postgresql_client_networks"),
]


def assert_refused_before_any_change(output: str, variable: str) -> None:
    host = molecule_hosts()[0]
    assert variable in output, f"the error does not name {variable}"
    assert "PLAY [Prepare hosts]" not in output, "a role ran before the input was checked"
    counts = recap(output, host)
    assert counts["failed"] == 1
    assert counts["changed"] == 0


@pytest.mark.parametrize(
    ("extra_vars", "variable"), BAD_EXTRA_VARS, ids=[v for _, v in BAD_EXTRA_VARS]
)
def test_bad_value_is_refused(extra_vars, variable):
    result = run_playbook("--limit", molecule_hosts()[0], "-e", json.dumps(extra_vars))
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
