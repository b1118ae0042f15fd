"""The systemd sandbox every unit Wharf writes or drops in, written once.

`writable_paths | wharf_sandbox` gives the [Service] lines that the gunicorn
unit and the units of the site's other processes (workers, schedulers,
scheduled commands) share: the file system read-only except the paths given
(and a private /tmp), no capabilities, no devices, no kernel or cgroup
tunables, only the address families a network client or server needs and
the system calls of `@system-service` without privileged or resource-limit
ones. `systemd-analyze security` scores a unit with these at 2.0 or lower
(asserted in the Molecule verifiers). /dev/shm stays the host's: gunicorn
keeps its workers' heartbeat files there and Celery's prefork pool its
semaphores, and a private tmpfs over it (TemporaryFileSystem=, BindPaths=)
is refused in the podman test hosts (226/NAMESPACE), so it would ship
untested.

Services that start as root and need some of its powers (nginx binds 443
and becomes www-data; PostgreSQL's pg_ctlcluster becomes postgres; the
backup reads every site file) name the capabilities they keep: the
bounding set is those alone, the host's users stay visible (a user
namespace would hide the owners they switch to or read as), and only the
system calls no such service makes are denied. `resources=True` keeps the
calls that set limits and priorities (nginx raises its open-file limit);
`jit=True` allows writable executable memory (PostgreSQL's JIT compiler).
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
CapabilityBoundingSet={capabilities}
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
{memory}{users}SystemCallArchitectures=native
SystemCallFilter=@system-service
SystemCallFilter=~{denied}
SystemCallErrorNumber=EPERM"""

# What no service here calls, even one started as root.
ROOT_DENIED = "@clock @cpu-emulation @debug @module @mount @obsolete @raw-io @reboot @swap"
UNPRIVILEGED_DENIED = "@privileged @resources"


def checked_path(path: str) -> str:
    if not str(path).startswith("/") or any(c in str(path) for c in " \n\t%$\\"):
        reason = f"without spaces, % or $ (got {path!r})"
        raise ValueError(f"a writable path must be absolute, {reason}")
    return str(path)


def checked_capability(name: str) -> str:
    if not (name.startswith("CAP_") and name[4:].replace("_", "").isalnum() and name.isupper()):
        raise ValueError(f"a capability is named like CAP_NET_BIND_SERVICE (got {name!r})")
    return name


def wharf_sandbox(
    writable_paths: Sequence[str],
    capabilities: Sequence[str] = (),
    resources: bool = False,
    jit: bool = False,
) -> str:
    """The sandbox's unit lines, with a ReadWritePaths= line for each path given."""
    writable = "".join(f"ReadWritePaths={checked_path(path)}\n" for path in writable_paths)
    kept = [checked_capability(name) for name in capabilities]
    denied = ROOT_DENIED if kept else UNPRIVILEGED_DENIED
    if kept and not resources:
        denied += " @resources"
    return SANDBOX.format(
        writable=writable,
        capabilities=" ".join(kept),
        memory="" if jit else "MemoryDenyWriteExecute=true\n",
        users="" if kept else "PrivateUsers=true\n",
        denied=denied,
    )


class FilterModule:
    def filters(self) -> dict:
        return {"wharf_sandbox": wharf_sandbox}
