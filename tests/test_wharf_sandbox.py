"""The shared sandbox (plugins/filter/wharf_sandbox.py) every process unit of a site gets."""

from __future__ import annotations

import pytest
from wharf_sandbox import wharf_sandbox


def test_only_the_paths_given_are_writable():
    lines = wharf_sandbox(["/srv/demo/shared/media", "/srv/demo/shared/private"]).splitlines()
    assert lines[:3] == [
        "ProtectSystem=strict",
        "ReadWritePaths=/srv/demo/shared/media",
        "ReadWritePaths=/srv/demo/shared/private",
    ]
    assert {"CapabilityBoundingSet=", "PrivateTmp=true", "NoNewPrivileges=true"} <= set(lines)


def test_no_writable_path_leaves_the_file_system_read_only():
    text = wharf_sandbox([])
    assert "ReadWritePaths" not in text
    assert text.startswith("ProtectSystem=strict\nProtectHome=true")


@pytest.mark.parametrize("path", ["media", "/srv/a b", "/srv/%i", "/srv/$HOME"])
def test_a_path_systemd_would_read_otherwise_is_refused(path):
    with pytest.raises(ValueError, match="writable path must be absolute"):
        wharf_sandbox([path])
