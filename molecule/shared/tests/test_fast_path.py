"""The fast path: a converged host is skipped, and a changed input or a stopped unit is not."""

import pytest
import yaml
from wharf_verifier import ROOT, molecule_hosts, recap, run_playbook

FAST = ("-e", "wharf_fast_path=true")


def test_fast_path_skips_only_what_has_not_changed(host, tmp_path):
    name = host.backend.get_hostname()
    if name != molecule_hosts()[0]:
        # The fingerprints are compared on the controller (unit-tested); one
        # host shows the skip, a changed input and a stopped unit.
        pytest.skip("the fast path runs on the first host")
    limit = ("--limit", name)
    # The scenario converged without the fast path, and recorded the
    # fingerprints all the same: the first run with it may already skip.
    first = run_playbook(*FAST, *limit)
    assert first.returncode == 0, first.stdout[-3000:]
    assert host.file(f"{ROOT}/converged.json").mode == 0o600

    # A run refused for bad input changed nothing and leaves no mark to
    # converge the host again: the next run with the recorded inputs skips.
    refused = run_playbook(*FAST, *limit, "-e", '{"wharf_gunicorn_workers": 0}')
    assert refused.returncode != 0
    assert "wharf_gunicorn_workers" in refused.stdout + refused.stderr
    assert not host.file(f"{ROOT}/converged.json.pending").exists

    again = run_playbook(*FAST, *limit)
    assert again.returncode == 0, again.stdout[-3000:]
    counts = recap(again.stdout, name)
    assert counts["changed"] == 0
    assert counts["ok"] < 20, f"the converged host was not skipped: {counts}"
    assert "wharf_nginx : " not in again.stdout

    # A new inventory value and a stopped unit: both are converged again.
    (tmp_path / "hosts.yml").write_text("all: {}\n")
    (tmp_path / "group_vars").mkdir()
    (tmp_path / "group_vars" / "all.yml").write_text(
        yaml.safe_dump({"wharf_base_extra_packages": ["tree"]})
    )
    host.run("systemctl stop nginx")
    changed = run_playbook(*FAST, *limit, "-i", str(tmp_path))
    assert changed.returncode == 0, changed.stdout[-3000:]
    assert host.package("tree").is_installed
    assert host.service("nginx").is_running
