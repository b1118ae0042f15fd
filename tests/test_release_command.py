"""The on-host release command (roles/wharf_django/files/release.py) on a scratch layout.

systemctl and curl are stand-ins on PATH: systemctl logs its arguments, curl
answers for the release `current` names, 200 with its version when the
release holds a file `healthy` and the serving environment does not say
BROKEN, else 503.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
import release

FAKE_CURL = """#!/usr/bin/env python3
import json, os, pathlib
root = pathlib.Path(os.environ["FAKE_ROOT"])
current = root / "current"
environment = root / "shared" / "app.env"
broken = environment.exists() and "BROKEN" in environment.read_text()
if (current / "redirects").exists():
    print("<a href=/healthz/>moved</a>\\n301 https://localhost/healthz/", end="")
elif (current / "healthy").exists() and not broken:
    version = json.loads((current / "release.json").read_text())["version"]
    print(json.dumps({"version": version}) + "\\n200", end="")
else:
    print("down\\n503", end="")
"""
FAKE_SYSTEMCTL = """#!/bin/sh
echo "$@" >> "$FAKE_ROOT/systemctl.log"
if [ "$1" = show ]; then
    case " $FAKE_LOADED " in
        *" $4 "*) loaded=true ;;
        *) loaded=false ;;
    esac
    case "$3,$loaded" in
        --property=LoadState,true) echo loaded ;;
        --property=LoadState,false) echo not-found ;;
        --property=ConsistsOf,true) echo "wharf-demo-worker@1.service wharf-demo-beat@1.service" ;;
    esac
fi
"""


def executable(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """/srv/<app> in miniature: bin/release.toml, releases/, venvs/, the static pool."""
    fakes = tmp_path / "fakes"
    fakes.mkdir()
    executable(fakes / "curl", FAKE_CURL)
    executable(fakes / "systemctl", FAKE_SYSTEMCTL)
    monkeypatch.setenv("PATH", f"{fakes}:{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_ROOT", str(tmp_path))
    monkeypatch.setenv("FAKE_LOADED", "wharf-demo-processes.target")
    monkeypatch.setattr(release.time, "sleep", lambda seconds: None)
    for folder in ("bin", "releases", "venvs", "shared/static"):
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "bin" / "release.toml").write_text(
        f"""root = "{tmp_path}"
group = "root"
units = ["gunicorn-demo.service"]
workers = ["wharf-demo-processes.target"]
keep = 2
static_pool = "{tmp_path}/shared/static"
legacy_paths = ["{tmp_path}/code"]
environment = "{tmp_path}/shared/app.env"

[health]
url = "https://localhost/healthz"
curl = ["https://localhost/healthz"]
timeout = 1
expect_version = true
settings = "wharf_django_health_* set this check"
"""
    )
    return tmp_path


def make_release(root: Path, name: str, version: str, healthy: bool = True) -> Path:
    folder = root / "releases" / name
    folder.mkdir()
    (folder / "release.json").write_text(json.dumps({"version": version}))
    venv = root / "venvs" / f"venv-{version}"
    venv.mkdir(exist_ok=True)
    (folder / "venv").symlink_to(venv)
    if healthy:
        (folder / "healthy").touch()
    return folder


def run(root: Path, *args: str, capsys) -> tuple[int, dict]:
    code = release.main([str(root / "bin" / "release"), *args])
    return code, json.loads(capsys.readouterr().out)


def stage(root: Path, folder: Path) -> None:
    (root / "next").symlink_to(folder)


def test_a_staged_release_goes_live_and_old_ones_are_pruned(root, capsys):
    old = [make_release(root, f"2026010{n}T000000Z-{n}.0.0", f"{n}.0.0") for n in (1, 2, 3)]
    (root / "current").symlink_to(old[-1])
    unfinished = root / "releases" / "20260104T000000Z-broken"
    unfinished.mkdir()
    (root / "venvs" / "unused").mkdir()
    pooled = root / "shared" / "static" / "only-in-a-pruned-release.css"
    pooled.write_text("x")
    kept_pool = root / "shared" / "static" / "still-linked.css"
    kept_pool.write_text("y")
    os.link(kept_pool, old[-1] / "still-linked.css")
    (root / "code").mkdir()
    new = make_release(root, "20260105T000000Z-4.0.0", "4.0.0")
    stage(root, new)

    code, answer = run(root, "activate", capsys=capsys)

    assert (code, answer["changed"], answer["serving"]) == (0, True, new.name)
    assert os.readlink(root / "current") == str(new)
    assert not (root / "next").exists()
    assert sorted(p.name for p in (root / "releases").iterdir()) == [old[-1].name, new.name]
    assert sorted(p.name for p in (root / "venvs").iterdir()) == ["venv-3.0.0", "venv-4.0.0"]
    assert not pooled.exists() and kept_pool.exists() and not (root / "code").exists()
    log = (root / "systemctl.log").read_text().splitlines()
    # The workers restart once the web serves, without waiting for their jobs;
    # a worker that crashed on the old release is reset so it starts again.
    assert log.index("restart gunicorn-demo.service") < log.index(
        "restart --no-block wharf-demo-processes.target"
    )
    assert (
        "reset-failed wharf-demo-processes.target wharf-demo-worker@1.service "
        "wharf-demo-beat@1.service"
    ) in log


def test_a_site_without_workers_restarts_only_the_web(root, capsys, monkeypatch):
    monkeypatch.setenv("FAKE_LOADED", "")
    serving = make_release(root, "20260101T000000Z-1.0.0", "1.0.0")
    (root / "current").symlink_to(serving)
    stage(root, make_release(root, "20260102T000000Z-2.0.0", "2.0.0"))

    assert run(root, "activate", capsys=capsys)[0] == 0
    assert "--no-block" not in (root / "systemctl.log").read_text()


def test_a_release_failing_its_health_check_is_reverted_and_removed(root, capsys):
    serving = make_release(root, "20260101T000000Z-1.0.0", "1.0.0")
    (root / "current").symlink_to(serving)
    broken = make_release(root, "20260102T000000Z-2.0.0", "2.0.0", healthy=False)
    stage(root, broken)

    code, answer = run(root, "activate", capsys=capsys)

    assert code == release.REVERTED and answer["serving"] == serving.name
    assert f"The release {broken.name} failed after the switch" in answer["msg"]
    assert "https://localhost/healthz did not answer 200 naming version 2.0.0" in answer["msg"]
    assert f"current points at {serving.name} again and it is serving and healthy" in answer["msg"]
    assert os.readlink(root / "current") == str(serving)
    assert not broken.exists() and not (root / "next").exists()
    # The workers never left the release put back.
    assert "--no-block" not in (root / "systemctl.log").read_text()


def test_a_redirecting_health_path_is_named_with_its_target(root, capsys):
    serving = make_release(root, "20260101T000000Z-1.0.0", "1.0.0")
    (root / "current").symlink_to(serving)
    moved = make_release(root, "20260102T000000Z-2.0.0", "2.0.0", healthy=False)
    (moved / "redirects").touch()
    stage(root, moved)

    code, answer = run(root, "activate", capsys=capsys)

    assert code == 3
    assert "last answer: 301 redirecting to https://localhost/healthz/" in answer["msg"]
    assert "wharf_django_health_* set this check" in answer["msg"]


def test_a_first_release_that_never_serves_leaves_nothing_behind(root, capsys):
    broken = make_release(root, "20260101T000000Z-1.0.0", "1.0.0", healthy=False)
    stage(root, broken)

    code, answer = run(root, "activate", capsys=capsys)

    assert code == release.DOWN
    assert "did not come up" in answer["msg"] and "no previous release" in answer["msg"]
    assert not (root / "current").is_symlink() and not broken.exists()


def test_nothing_staged_changes_nothing(root, capsys):
    serving = make_release(root, "20260101T000000Z-1.0.0", "1.0.0")
    (root / "current").symlink_to(serving)

    code, answer = run(root, "activate", capsys=capsys)

    assert (code, answer["changed"]) == (0, False)
    assert not (root / "systemctl.log").exists()


def test_a_rollback_goes_to_a_named_release_and_keeps_the_newer_one(root, capsys):
    older = make_release(root, "20260101T000000Z-1.0.0", "1.0.0")
    newer = make_release(root, "20260102T000000Z-2.0.0", "2.0.0")
    (root / "current").symlink_to(newer)

    code, answer = run(root, "activate", str(older), capsys=capsys)

    assert (code, answer["serving"]) == (0, older.name)
    assert os.readlink(root / "current") == str(older) and newer.exists()
    assert "restart --no-block wharf-demo-processes.target" in (root / "systemctl.log").read_text()


def test_only_releases_under_releases_can_be_named(root, capsys, tmp_path):
    code, answer = run(root, "activate", str(tmp_path / "elsewhere"), capsys=capsys)
    assert code == release.USAGE and "is not a release under" in answer["msg"]


def test_check_waits_for_the_serving_release(root, capsys):
    serving = make_release(root, "20260101T000000Z-1.0.0", "1.0.0")
    (root / "current").symlink_to(serving)
    assert run(root, "check", capsys=capsys)[0] == 0
    (serving / "healthy").unlink()
    code, answer = run(root, "check", capsys=capsys)
    assert code == release.DOWN and "does not answer" in answer["msg"]


def test_bad_usage_prints_the_usage(root, capsys):
    assert release.main([str(root / "bin" / "release"), "switch"]) == release.USAGE
    assert "release activate" in capsys.readouterr().err


# --- the environment the deploy checked (shared/app.env.next) ------------------


def environments(root: Path, serving: str | None, checked: str) -> tuple[Path, Path]:
    shared = root / "shared"
    if serving is not None:
        (shared / "app.env").write_text(serving)
    (shared / "app.env.next").write_text(checked)
    return shared / "app.env", shared / "app.env.next"


def test_a_new_environment_goes_live_with_the_release(root, capsys):
    (root / "current").symlink_to(make_release(root, "20260101T000000Z-1.0.0", "1.0.0"))
    stage(root, make_release(root, "20260102T000000Z-2.0.0", "2.0.0"))
    serving, checked = environments(root, "SECRET=old\n", "SECRET=new\n")

    assert run(root, "activate", capsys=capsys)[0] == release.SERVES
    assert serving.read_text() == "SECRET=new\n"
    assert stat.S_IMODE(serving.stat().st_mode) == 0o640
    # Left where the deploy wrote it: the next run's template finds it unchanged.
    assert checked.read_text() == "SECRET=new\n"
    assert not (root / "shared" / "app.env.previous").exists()


def test_a_release_reverted_puts_the_serving_environment_back(root, capsys):
    serving_release = make_release(root, "20260101T000000Z-1.0.0", "1.0.0")
    (root / "current").symlink_to(serving_release)
    stage(root, make_release(root, "20260102T000000Z-2.0.0", "2.0.0", healthy=False))
    serving, checked = environments(root, "SECRET=old\n", "SECRET=new\n")

    code, answer = run(root, "activate", capsys=capsys)

    assert (code, answer["serving"]) == (release.REVERTED, serving_release.name)
    assert "with its new environment failed after the switch" in answer["msg"]
    assert "again with the previous environment and it is serving" in answer["msg"]
    assert serving.read_text() == "SECRET=old\n" and checked.read_text() == "SECRET=new\n"
    assert not (root / "shared" / "app.env.previous").exists()


def test_an_environment_alone_that_fails_is_put_back(root, capsys):
    """The same release restarted into a new environment that breaks it: the
    serving environment comes back and the release serves again."""
    serving_release = make_release(root, "20260101T000000Z-1.0.0", "1.0.0")
    (root / "current").symlink_to(serving_release)
    stage(root, serving_release)
    serving, _ = environments(root, "SECRET=old\n", "SECRET=new\nBROKEN=1\n")

    code, answer = run(root, "activate", capsys=capsys)

    assert (code, answer["serving"]) == (release.REVERTED, serving_release.name)
    assert serving.read_text() == "SECRET=old\n" and serving_release.exists()
    assert (root / "systemctl.log").read_text().count("restart gunicorn-demo.service") == 2


def test_a_first_release_that_never_serves_leaves_no_environment(root, capsys):
    stage(root, make_release(root, "20260101T000000Z-1.0.0", "1.0.0", healthy=False))
    serving, _ = environments(root, None, "SECRET=new\n")

    assert run(root, "activate", capsys=capsys)[0] == release.DOWN
    assert not serving.exists()


def test_a_rollback_keeps_the_serving_environment(root, capsys):
    older = make_release(root, "20260101T000000Z-1.0.0", "1.0.0")
    (root / "current").symlink_to(make_release(root, "20260102T000000Z-2.0.0", "2.0.0"))
    serving, _ = environments(root, "SECRET=serving\n", "SECRET=refused-earlier\n")

    assert run(root, "activate", str(older), capsys=capsys)[0] == release.SERVES
    assert serving.read_text() == "SECRET=serving\n"
