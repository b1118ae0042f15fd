#!/usr/bin/env bash
# Install what the controller needs to run local test hosts: podman (with
# runc), debootstrap to build the base image, and Python's venv. Debian only;
# run as root or through sudo. Skips what is already there.
set -euo pipefail

sudo_cmd=()
if [[ "$(id -u)" -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-host-tools: run as root or install sudo" >&2; exit 1; }
  sudo_cmd=(sudo)
fi

# openssl: the TLS verifiers make test certificates on the controller.
# netavark + aardvark-dns: the cluster scenario's hosts find each other by name;
# netavark sets up container networks with iptables, which a new machine lacks
# ("netavark: No such file or directory" from `podman run` without it).
packages=(podman runc netavark aardvark-dns iptables debootstrap uidmap slirp4netns fuse-overlayfs
  python3-venv openssh-client curl tar gzip make openssl)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  echo "install-host-tools: installing ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# podman's default runtime (crun) cannot start systemd containers on hosts
# with hybrid cgroups; runc can. Container ulimits must fit the host's own
# hard limits. A drop-in leaves the user's containers.conf alone.
dropin=/etc/containers/containers.conf.d/50-wharf.conf
wanted=$'# Written by Wharf (scripts/install-host-tools.sh).\n[containers]\ndefault_ulimits = ["nofile=20000:20000", "nproc=20000:20000"]\n\n[engine]\nruntime = "runc"'
if [[ "$(cat "$dropin" 2>/dev/null)" != "$wanted" ]]; then
  "${sudo_cmd[@]}" mkdir -p "$(dirname "$dropin")"
  printf '%s\n' "$wanted" | "${sudo_cmd[@]}" tee "$dropin" >/dev/null
  echo "install-host-tools: wrote $dropin"
fi

# Fail here, naming the tool, rather than deep inside podman or Molecule.
for tool in podman runc iptables debootstrap ssh ssh-keygen openssl curl; do
  command -v "$tool" >/dev/null || PATH="$PATH:/usr/sbin:/sbin" command -v "$tool" >/dev/null \
    || { echo "install-host-tools: '$tool' is still missing after the install" >&2; exit 1; }
done
