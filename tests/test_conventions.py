"""House rules the linters do not check, enforced on every `make lint`."""

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
TEMPLATES = sorted(REPO.glob("roles/*/templates/**/*.j2"))


@pytest.mark.parametrize("template", TEMPLATES, ids=[str(t.relative_to(REPO)) for t in TEMPLATES])
def test_template_starts_with_ansible_managed(template):
    lines = template.read_text().splitlines()
    head = lines[1] if lines[0].startswith("#!") else lines[0]  # a shebang must stay first
    assert head == "{{ ansible_managed | comment }}"


def test_role_variables_match_specs_and_readme():
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "role_variables.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_every_role_has_a_validate_entry_point():
    for role in sorted((REPO / "roles").iterdir()):
        assert (role / "tasks" / "validate.yml").is_file(), role.name
        specs = (role / "meta" / "argument_specs.yml").read_text()
        assert "validate: *" in specs, f"{role.name}: argument_specs has no validate entry point"


def test_make_molecule_runs_every_scenario_once():
    makefile = (REPO / "Makefile").read_text()
    lanes = next(line for line in makefile.splitlines() if line.startswith("LANES ?="))
    named = [name for lane in lanes.split("=", 1)[1].split() for name in lane.split(",")]
    scenarios = sorted(path.parent.name for path in REPO.glob("molecule/*/molecule.yml"))
    assert sorted(named) == scenarios
