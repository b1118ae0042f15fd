"""The fast path's fingerprints (plugins/filter/wharf_fingerprint.py)."""

from __future__ import annotations

from pathlib import Path

import yaml
from wharf_fingerprint import RUN_SETTINGS, wharf_fingerprint

FACTS = {"distribution": "Debian", "distribution_version": "12.8", "processor_vcpus": 2}


def fingerprint(tmp_path: Path, settings: dict, facts: dict = FACTS, archive: str = "") -> dict:
    inventory = tmp_path / "inventory"
    inventory.mkdir(exist_ok=True)
    hostvars = {"web1": {"ansible_host": "10.0.0.1", **settings}}
    return wharf_fingerprint(hostvars, "web1", str(inventory), facts, archive)


def test_same_inputs_same_fingerprint(tmp_path):
    settings = {"wharf_app_name": "shop", "wharf_domains": ["shop.test"]}
    assert fingerprint(tmp_path, settings) == fingerprint(tmp_path, dict(settings))


def test_any_wharf_setting_changes_the_site_part(tmp_path):
    before = fingerprint(tmp_path, {"wharf_nginx_static_max_age": 600})
    after = fingerprint(tmp_path, {"wharf_nginx_static_max_age": 601})
    assert before["site"] != after["site"]


def test_other_variables_do_not_count(tmp_path):
    before = fingerprint(tmp_path, {"wharf_app_name": "shop"})
    after = fingerprint(tmp_path, {"wharf_app_name": "shop", "ansible_port": 2222})
    assert before == after


def test_turning_the_fast_path_on_or_off_is_the_same_site(tmp_path):
    settings = {"wharf_app_name": "shop"}
    switched = fingerprint(tmp_path, {**settings, "wharf_fast_path": True})
    assert switched == fingerprint(tmp_path, settings)


def test_the_facts_a_run_sets_do_not_count(tmp_path):
    """The record is fingerprinted at the end of a run, the comparison at the start."""
    settings = {"wharf_app_name": "shop"}
    during = {
        "wharf_converged": {"site": False, "app": False},
        "wharf_django_switch_pending": True,
        "wharf_django_serving": True,
        "wharf_django_env_checked": "/srv/shop/shared/app.env.next",
    }
    assert fingerprint(tmp_path, {**settings, **during}) == fingerprint(tmp_path, settings)


def facts_set_in(files: list[Path]) -> set[str]:
    """The wharf_* names set_fact sets anywhere in these YAML files."""
    names = set()
    for tasks in files:
        for task in yaml.safe_load(tasks.read_text()) or []:
            if not isinstance(task, dict):
                continue
            for found in nested_set_facts(task):
                names |= {name for name in found if name.startswith("wharf_")}
    return names


def nested_set_facts(task: dict) -> list[dict]:
    """set_fact arguments of a task and of the tasks of its blocks."""
    found = [task.get("ansible.builtin.set_fact") or {}]
    for section in ("block", "rescue", "always", "tasks", "pre_tasks"):
        for inner in task.get(section) or []:
            if isinstance(inner, dict):
                found += nested_set_facts(inner)
    return found


def test_every_fact_the_roles_and_playbooks_set_is_left_out():
    """A wharf_* fact set during a run would differ between the run's end,
    where the record is fingerprinted, and the next run's start. Those
    addresses.yml sets come first in every run, before either fingerprint."""
    repo = Path(__file__).resolve().parents[1]
    files = [*(repo / "roles").rglob("*.yml"), *(repo / "playbooks").rglob("*.yml")]
    facts = facts_set_in([path for path in files if path.name != "addresses.yml"])
    assert facts, "no set_fact found: the scan is broken"
    assert facts <= RUN_SETTINGS, facts - RUN_SETTINGS


def test_inventory_files_and_facts_count(tmp_path):
    before = fingerprint(tmp_path, {})
    (tmp_path / "inventory" / "vault.yml").write_text("secret: 1\n")
    after_file = fingerprint(tmp_path, {})
    after_facts = fingerprint(tmp_path, {}, {**FACTS, "distribution_version": "13.1"})
    assert len({before["site"], after_file["site"], after_facts["site"]}) == 3


def test_the_app_part_follows_the_packed_project_not_where_it_lies(tmp_path):
    archive = tmp_path / "app.tar.gz"
    archive.write_bytes(b"v1")
    one = fingerprint(tmp_path, {"wharf_django_local_path": "/src/a"}, archive=str(archive))
    moved = fingerprint(tmp_path, {"wharf_django_local_path": "/tmp/b"}, archive=str(archive))
    assert one == moved and one["app"]
    archive.write_bytes(b"v2")
    changed = fingerprint(tmp_path, {"wharf_django_local_path": "/src/a"}, archive=str(archive))
    assert changed["site"] == one["site"] and changed["app"] != one["app"]


def test_no_archive_means_no_app_part(tmp_path):
    assert fingerprint(tmp_path, {}, archive="")["app"] == ""
    assert fingerprint(tmp_path, {}, archive=str(tmp_path / "missing.tar.gz"))["app"] == ""
