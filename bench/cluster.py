#!/usr/bin/env python3
"""Scale-out benchmark: deploy time against app hosts, requests/s against app hosts.

Starts its own podman network and containers from the local base image
(web, app1..app3, db, and moto's S3 server as s3), deploys the sample project
with the real playbooks and measures:
  requests/s   wrk inside the web host against its own nginx (127.0.0.1:443,
               bounded in time), the home page through nginx to 1, then 2
               app hosts; the ceiling is the 1-app-host rate times the number
               of app hosts (perfect scaling)
  deploy time  a code-only rolling deploy (only VERSION changes) over 2, then
               3 app hosts
All traffic stays inside the containers' loopback interfaces or their
private podman network. The containers are removed at the end.

usage: bench/cluster.py [--seconds 10] [--connections 32] [--keep]
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
IMAGE = "localhost/wharf-debian:12"
NETWORK = "wharf-bench"
PREFIX = "wharf-bench-"
HOSTS = {  # name: (inventory group, needs NET_ADMIN for the firewall)
    "web": ("web", False),
    "app1": ("app", True),
    "app2": ("app", True),
    "app3": ("app", True),
    "db": ("db", True),
    "s3": ("s3", False),
}


def podman(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["podman", *args], capture_output=True, text=True, check=check)


def in_host(name: str, script: str) -> str:
    return podman("exec", PREFIX + name, "bash", "-c", script).stdout


def start_hosts() -> None:
    remove_hosts()
    podman("network", "create", NETWORK)
    for name, (_, net_admin) in HOSTS.items():
        podman(
            "run", "--detach", "--name", PREFIX + name, "--hostname", PREFIX + name,
            "--network", NETWORK, "--systemd", "always",
            "--ulimit", "nofile=20000:20000", "--ulimit", "nproc=20000:20000",
            *(["--cap-add", "NET_ADMIN"] if net_admin else []),
            IMAGE, "/sbin/init",
        )  # fmt: skip


def remove_hosts() -> None:
    for name in HOSTS:
        podman("rm", "--force", PREFIX + name, check=False)
    podman("network", "rm", "--force", NETWORK, check=False)


def write_inventory(folder: Path, app_hosts: int) -> Path:
    """The cluster scenario's settings, with app1..app<n> in the app group."""
    settings: dict = {}
    # Molecule's base config first (settings every scenario shares), then the scenario's.
    for config in (ROOT / ".config/molecule/config.yml", ROOT / "molecule/cluster/molecule.yml"):
        provisioner = yaml.safe_load(config.read_text())["provisioner"]
        settings |= provisioner["inventory"]["group_vars"]["all"]
    settings = {key: value for key, value in settings.items() if "lookup(" not in str(value)}
    settings.update(
        wharf_s3_endpoint_url=f"http://{PREFIX}s3:9000",
        wharf_s3_secret_access_key=secrets_file(folder, "s3_secret", 40),
        wharf_secret_key=secrets_file(folder, "secret_key", 64),
        wharf_db_password=secrets_file(folder, "db_password", 32),
        ansible_connection="containers.podman.podman",
    )
    groups: dict[str, dict] = {}
    for name, (group, _) in HOSTS.items():
        if group == "app" and int(name[-1]) > app_hosts:
            continue
        groups.setdefault(group, {"hosts": {}})["hosts"][PREFIX + name] = None
    inventory = folder / "hosts.yml"
    inventory.write_text(yaml.safe_dump({"all": {"vars": settings, "children": groups}}))
    return inventory


def secrets_file(folder: Path, name: str, length: int) -> str:
    path = folder / name
    if not path.exists():
        path.write_text(secrets.token_urlsafe(length)[:length])
    return path.read_text()


def playbook(inventory: Path, name: str, *extra: str) -> float:
    started = time.monotonic()
    result = subprocess.run(
        [str(ROOT / ".venv/bin/ansible-playbook"), "-i", str(inventory), name, *extra],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "ANSIBLE_ROLES_PATH": str(ROOT / "roles")},
    )
    if result.returncode != 0:
        sys.exit(f"bench: {name} failed:\n{result.stdout[-3000:]}\n{result.stderr[-2000:]}")
    return time.monotonic() - started


def source_with_version(folder: Path, version: str) -> Path:
    target = folder / f"app-{version}"
    skip = shutil.ignore_patterns(".venv", "var", "__pycache__")
    shutil.copytree(ROOT / "app", target, ignore=skip)
    (target / "VERSION").write_text(version + "\n")
    return target


def deploy(inventory: Path, source: Path) -> float:
    return playbook(inventory, "playbooks/deploy.yml", "-e", f"wharf_django_local_path={source}")


def requests_per_second(seconds: int, connections: int) -> tuple[float, str]:
    """wrk in the web host against its own nginx: the home page, through to the app hosts."""
    output = in_host(
        "web",
        # The site's name, for SNI too: nginx refuses handshakes for unknown names.
        f"wrk --threads 2 --connections {connections} --duration {seconds}s --latency "
        "https://localhost/",
    )
    if "Non-2xx" in output or "Socket errors" in output:
        sys.exit(f"bench: errors under load, not reported:\n{output}")
    rate = float(re.search(r"Requests/sec:\s+([0-9.]+)", output).group(1))
    p99 = re.search(r"99%\s+(\S+)", output).group(1)
    return rate, p99


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--keep", action="store_true", help="leave the containers running")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="wharf-bench-cluster-"))
    rows: list[str] = []
    try:
        start_hosts()
        inventory = write_inventory(folder, app_hosts=1)
        playbook(inventory, "molecule/cluster/prepare.yml")
        in_host("web", "apt-get update -qq && apt-get install -y -qq wrk >/dev/null")
        first = deploy(inventory, source_with_version(folder, "1.0.0"))
        rows.append(f"| first deploy, 1 app host | {first:.1f} s |")
        one, one_p99 = requests_per_second(args.seconds, args.connections)

        inventory = write_inventory(folder, app_hosts=2)
        added = deploy(inventory, source_with_version(folder, "1.0.1"))
        rows.append(f"| adding app2 (provisioned, then a rolling deploy) | {added:.1f} s |")
        two, two_p99 = requests_per_second(args.seconds, args.connections)
        timings = {2: deploy(inventory, source_with_version(folder, "2.0.0"))}

        inventory = write_inventory(folder, app_hosts=3)
        added = deploy(inventory, source_with_version(folder, "2.0.1"))
        rows.append(f"| adding app3 | {added:.1f} s |")
        timings[3] = deploy(inventory, source_with_version(folder, "3.0.0"))
    finally:
        if not args.keep:
            remove_hosts()
        shutil.rmtree(folder, ignore_errors=True)

    code2, code3 = timings[2], timings[3]
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    report = f"""# Cluster benchmark

{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit `{commit}`, one 2-core machine running every host
(podman containers on one network; Ansible's podman connection).

## Requests per second through the load balancer

wrk in the web host against its own nginx, {args.connections} connections, {args.seconds} s, the
home page (nginx -> app host gunicorn over the private network -> PostgreSQL on the db host).

| app hosts | requests/s | p99 | ratio to 1 app host | ceiling (perfect scaling) |
|---|---|---|---|---|
| 1 | {one:.0f} | {one_p99} | 1.00x | 1.00x |
| 2 | {two:.0f} | {two_p99} | {two / one:.2f}x | 2.00x |

## Deploy time against app hosts

| run | 2 app hosts | 3 app hosts | ratio 3 / 2 |
|---|---|---|---|
| code-only rolling deploy | {code2:.1f} s | {code3:.1f} s | {code3 / code2:.2f}x |

Other runs:

| run | time |
|---|---|
{chr(10).join(rows)}
"""
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "cluster.md").write_text(report)
    print(report)


if __name__ == "__main__":
    main()
