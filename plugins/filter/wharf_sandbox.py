"""The systemd sandbox every process of a Wharf site runs in, written once.

`writable_paths | wharf_sandbox` gives the [Service] lines that the gunicorn
unit and the units of the site's other processes (workers, schedulers,
scheduled commands) share: the file system read-only except the paths given
(and a private /tmp), no capabilities, no devices, no kernel or cgroup
tunables, only the address families a network client or server needs and
the system calls of `@system-service` without privileged or resource-limit
ones. `systemd-analyze security` scores a unit with these at 2.0 or lower
(asserted in the Molecule verifiers).
"""

from __future__ import annotations

from collections.abc import Sequence

SANDBOX = """\
ProtectSystem=strict
{writable}ProtectHome=true
PrivateTmp=true
PrivateDevices=true
DevicePolicy=closed
NoNewPrivileges=true
CapabilityBoundingSet=
AmbientCapabilities=
ProtectKernelTunables=true
ProtectKernelModules=true
ProtectKernelLogs=true
ProtectControlGroups=true
ProtectClock=true
ProtectHostname=true
ProtectProc=invisible
ProcSubset=pid
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6
RestrictNamespaces=true
RestrictRealtime=true
RestrictSUIDSGID=true
RemoveIPC=true
LockPersonality=true
MemoryDenyWriteExecute=true
PrivateUsers=true
SystemCallArchitectures=native
SystemCallFilter=@system-service
SystemCallFilter=~@privileged @resources
SystemCallErrorNumber=EPERM"""


def wharf_sandbox(writable_paths: Sequence[str]) -> str:
    """The sandbox's unit lines, with a ReadWritePaths= line for each path given."""
    for path in writable_paths:
        if not str(path).startswith("/") or any(c in str(path) for c in " \n\t%$\\"):
            reason = f"without spaces, % or $ (got {path!r})"
            raise ValueError(f"a writable path must be absolute, {reason}")
    writable = "".join(f"ReadWritePaths={path}\n" for path in writable_paths)
    return SANDBOX.format(writable=writable)


class FilterModule:
    def filters(self) -> dict:
        return {"wharf_sandbox": wharf_sandbox}
