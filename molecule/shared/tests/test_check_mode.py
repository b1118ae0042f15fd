"""`--check` on a converged site succeeds and reports nothing to change."""

from wharf_verifier import molecule_hosts, recap, run_playbook


def test_check_mode_reports_no_change():
    result = run_playbook("--check")
    assert result.returncode == 0, result.stdout[-3000:]
    for name in molecule_hosts():
        counts = recap(result.stdout, name)
        assert counts["changed"] == 0, f"{name}: check mode would change {counts['changed']} things"
        assert counts["failed"] == 0
