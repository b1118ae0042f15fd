"""The project's own configuration files and build steps, in each new release.

The scenario's inventory writes wharf_local.cfg (holding the secret key) and
runs two build steps that write build-stamp.txt (molecule/default/molecule.yml).
"""

import json

from wharf_verifier import APP, ROOT, load_json, molecule_hosts, run_playbook
from wharf_verifier.rollout import flat

CODE = f"{ROOT}/current/code"


def test_configuration_file_is_in_the_release_readable_by_the_app_only(host):
    config = host.file(f"{CODE}/wharf_local.cfg")
    assert (config.user, config.group, config.mode) == ("root", APP, 0o640)
    assert config.content_string.startswith("secret_key = ")
    assert host.run(f"sudo -u nobody cat {CODE}/wharf_local.cfg").rc != 0


def test_build_steps_ran_as_the_app_user_with_the_release_environment(host, site):
    django = host.check_output(
        f"{ROOT}/current/venv/bin/python -c 'import django; print(django.get_version())'"
    )
    version = load_json(site.get("/healthz"))["version"]
    stamp = host.file(f"{CODE}/build-stamp.txt")
    assert stamp.content_string.splitlines() == [django, f"{version} {APP}"]
    assert (stamp.user, stamp.group) == ("root", APP)


def test_the_code_is_read_only_again_after_the_build(host):
    assert host.check_output(f"find {CODE}/ -user {APP} -o -perm /022 ! -type l") == ""
    assert host.run(f"sudo -u {APP} touch {CODE}/written-at-runtime").rc != 0


def test_a_failing_build_step_stops_the_release_with_its_output(host, site):
    name = host.backend.get_hostname()
    if name != molecule_hosts()[0]:
        return  # one host is enough
    before = host.check_output(f"readlink {ROOT}/current")
    serving = load_json(site.get("/healthz"))["version"]
    broken = {
        "wharf_django_version": "9.9.9-broken-build",
        "wharf_django_build_commands": ["echo building the assets", "echo no npm here >&2; exit 7"],
    }
    result = run_playbook("--limit", name, "--tags", "django", "-e", json.dumps(broken))
    assert result.returncode != 0
    output = flat(result.stdout + result.stderr)
    assert "buildingtheassets" in output and "nonpmhere" in output
    assert "==failedwithexitstatus7:echononpmhere" in output
    assert host.check_output(f"readlink {ROOT}/current") == before
    assert load_json(site.get("/healthz"))["version"] == serving
