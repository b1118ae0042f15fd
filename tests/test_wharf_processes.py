"""The processes filter (plugins/filter/wharf_processes.py): Procfiles as projects publish them."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError
from wharf_processes import wharf_processes

COOKIECUTTER = """\
# Processes, as cookiecutter-django's Procfile has them.
release: python manage.py migrate
web: gunicorn config.wsgi:application
worker: REMAP_SIGTERM=SIGQUIT celery -A config.celery_app worker --loglevel=info

beat: celery -A config.celery_app beat --loglevel=info
"""


def run(text: str, overrides: list | None = None, name: str = "Procfile") -> dict:
    return wharf_processes(text, name, overrides or [], 120)


def test_procfile_processes_become_units_and_web_is_left_to_gunicorn():
    answer = run(COOKIECUTTER)
    assert [p["name"] for p in answer["processes"]] == ["worker", "beat"]
    worker = answer["processes"][0]
    assert worker == {
        "name": "worker",
        "command": "REMAP_SIGTERM=SIGQUIT celery -A config.celery_app worker --loglevel=info",
        "count": 1,
        "stop_timeout": 120,
        "from_procfile": True,
        "run": "REMAP_SIGTERM=SIGQUIT exec celery -A config.celery_app worker --loglevel=info",
        "simple": True,
    }
    assert answer["release"] == "python manage.py migrate"
    assert answer["release_from_procfile"] is True


def test_inventory_changes_counts_and_timeouts_adds_and_turns_off():
    answer = run(
        COOKIECUTTER,
        [
            {"name": "worker", "count": 3, "stop_timeout": 600},
            {"name": "beat", "count": 0},
            {"name": "flower", "command": "celery -A config.celery_app flower"},
        ],
    )
    by_name = {p["name"]: p for p in answer["processes"]}
    assert set(by_name) == {"worker", "flower"}
    assert by_name["worker"]["count"] == 3 and by_name["worker"]["stop_timeout"] == 600
    assert by_name["worker"]["command"].startswith("REMAP_SIGTERM")
    assert answer["instances"] == ["worker@1", "worker@2", "worker@3", "flower@1"]


def test_no_procfile_means_the_inventory_alone():
    answer = run("", [{"name": "rq", "command": "python manage.py rqworker high default low"}], "")
    assert answer == {
        "processes": [
            {
                "name": "rq",
                "command": "python manage.py rqworker high default low",
                "count": 1,
                "stop_timeout": 120,
                "from_procfile": False,
                "run": "exec python manage.py rqworker high default low",
                "simple": True,
            }
        ],
        "instances": ["rq@1"],
        "release": "",
        "release_from_procfile": False,
    }


def test_an_inventory_release_command_runs_in_the_project_directory():
    answer = run(COOKIECUTTER, [{"name": "release", "command": "python manage.py reindex"}])
    assert answer["release"] == "python manage.py reindex"
    assert answer["release_from_procfile"] is False


def test_release_can_be_turned_off():
    assert run(COOKIECUTTER, [{"name": "release", "count": 0}])["release"] == ""


@pytest.mark.parametrize(
    ("text", "overrides", "message"),
    [
        ("worker:\n", [], "Procfile line 1: the process worker has no command"),
        ("web: gunicorn x\nworker:   \n", [], "line 2: the process worker has no command"),
        ("just a command\n", [], "Procfile line 1 is not `name: command`"),
        ("a b: c\n", [], "line 1 is not `name: command`"),
        ("worker: a\nworker: b\n", [], "line 2: the process worker is declared twice"),
        ("", [{"name": "mail"}], "wharf_processes_list[0] (mail): the process mail has no command"),
        ("", [{"name": "web", "command": "x"}], "not `web`"),
        ("", [{"name": "x y", "command": "x"}], "wharf_processes_list[0]: name must be"),
        ("", ["worker"], "wharf_processes_list[0] must be a mapping"),
        ("", [{"name": "w", "command": "x", "cmd": "y"}], "unknown keys ['cmd']"),
        ("w: x\n", [{"name": "w", "count": -1}], "count must be a whole number 0-32"),
        ("w: x\n", [{"name": "w", "count": True}], "count must be a whole number"),
        ("w: x\n", [{"name": "w", "stop_timeout": 0}], "stop_timeout must be 1-86400"),
        ("", [{"name": "w", "command": "a\nb"}], "the command must be one line"),
    ],
)
def test_what_cannot_become_a_unit_is_refused_by_name(text, overrides, message):
    with pytest.raises(AnsibleFilterError) as refused:
        run(text, overrides)
    assert message in str(refused.value)


def test_before_the_procfile_is_read_an_entry_may_leave_the_command_to_it():
    answer = wharf_processes("", "Procfile", [{"name": "worker", "count": 2}], 120, False)
    assert answer["processes"][0]["count"] == 2
    with pytest.raises(AnsibleFilterError, match="count must be"):
        wharf_processes("", "Procfile", [{"name": "worker", "count": "two"}], 120, False)


@pytest.mark.parametrize(
    ("command", "run", "simple"),
    [
        ("celery -A x worker", "exec celery -A x worker", True),
        ("A=1 B='two words' celery worker", "A=1 B='two words' exec celery worker", True),
        ('OPTS="-l info" huey_consumer app', 'OPTS="-l info" exec huey_consumer app', True),
        ("cd src && celery worker", "cd src && celery worker", False),
        ("celery worker | tee log", "celery worker | tee log", False),
        ("celery worker --hostname $(hostname)", "celery worker --hostname $(hostname)", False),
    ],
)
def test_a_simple_command_replaces_sh_so_it_gets_the_stop_signal(command, run, simple):
    process = run_one(command)
    assert (process["run"], process["simple"]) == (run, simple)


def run_one(command: str) -> dict:
    return wharf_processes("", "", [{"name": "w", "command": command}], 120)["processes"][0]
