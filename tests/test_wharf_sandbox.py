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


def test_a_root_service_keeps_the_capabilities_it_names_and_the_hosts_users():
    lines = wharf_sandbox(
        ["/var/log/nginx"], ["CAP_NET_BIND_SERVICE", "CAP_SETUID"], resources=True
    ).splitlines()
    assert "CapabilityBoundingSet=CAP_NET_BIND_SERVICE CAP_SETUID" in lines
    assert "PrivateUsers=true" not in lines
    denied = next(line for line in lines if line.startswith("SystemCallFilter=~"))
    assert "@privileged" not in denied and "@resources" not in denied and "@mount" in denied
    assert "MemoryDenyWriteExecute=true" in lines


def test_an_unprivileged_service_gets_a_user_namespace_and_no_privileged_calls():
    lines = wharf_sandbox([]).splitlines()
    assert {"PrivateUsers=true", "SystemCallFilter=~@privileged @resources"} <= set(lines)


def test_jit_allows_writable_executable_memory():
    assert "MemoryDenyWriteExecute" not in wharf_sandbox([], ["CAP_SETUID"], jit=True)


@pytest.mark.parametrize("name", ["NET_ADMIN", "cap_kill", "CAP_KILL CAP_SYS_ADMIN"])
def test_a_capability_must_be_named_as_systemd_reads_it(name):
    with pytest.raises(ValueError, match="capability is named like"):
        wharf_sandbox([], [name])
