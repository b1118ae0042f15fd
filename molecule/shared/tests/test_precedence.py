"""Inventory always wins: a role input the playbook derives, set in group_vars, is applied."""

import yaml
from wharf_verifier import ROOT, molecule_hosts, recap, run_playbook


def test_group_vars_win_over_the_inputs_derived_from_the_site(tmp_path):
    # A second inventory source with only group_vars/all: the same precedence
    # as an inventory's own group_vars/all, which a user edits.
    extra = f"{ROOT}/shared/cache"
    paths = [f"{ROOT}/shared/media", f"{ROOT}/shared/private", extra]
    (tmp_path / "hosts.yml").write_text("all: {}\n")
    (tmp_path / "group_vars").mkdir()
    (tmp_path / "group_vars" / "all.yml").write_text(
        yaml.safe_dump({"wharf_gunicorn_writable_paths": paths})
    )
    name = molecule_hosts()[0]
    result = run_playbook(
        "-i", str(tmp_path), "--limit", name, "--tags", "gunicorn", "--check", "--diff"
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert f"+ReadWritePaths={extra}" in result.stdout, result.stdout[-3000:]
    assert recap(result.stdout, name)["changed"] >= 1
