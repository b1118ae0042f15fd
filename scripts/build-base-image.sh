#!/usr/bin/env bash
# Build the local Debian base image that Molecule scenarios and the `local`
# inventory boot. No container registry is reachable here, so the root
# filesystem comes from debootstrap and is imported into podman.
#
# usage: scripts/build-base-image.sh [bookworm|trixie] [--force]
set -euo pipefail

suite="${1:-bookworm}"
force="${2:-}"

# The Debian mirror: WHARF_DEBIAN_MIRROR, else the one the controller's own apt
# uses (deb822 .sources files, then one-line .list files), so no mirror host is
# written here and a machine behind its own mirror keeps using it.
controller_mirror() {
  {
    awk 'tolower($1) == "uris:" { for (i = 2; i <= NF; i++) print $i }' /etc/apt/sources.list.d/*.sources 2>/dev/null
    awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z+]+:\/\//) { print $i; break } }' \
      /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null
  } | grep -E '/debian/?$' | head -n 1 || true
}
mirror="${WHARF_DEBIAN_MIRROR:-$(controller_mirror)}"
if [[ -z "$mirror" ]]; then
  echo "build-base-image: no Debian mirror in /etc/apt/sources.list{,.d}; set WHARF_DEBIAN_MIRROR" >&2
  exit 2
fi

case "$suite" in
  bookworm) tag=12 ;;
  trixie) tag=13 ;;
  *) echo "build-base-image: unknown suite '$suite' (expected bookworm or trixie)" >&2; exit 2 ;;
esac
image="localhost/wharf-debian:${tag}"
# An image built by an older version of this script is rebuilt.
recipe="$(sha256sum "$0" | cut -c1-16)"

if [[ "$force" != "--force" ]] && podman image exists "$image" \
  && [[ "$(podman image inspect -f '{{ index .Labels "wharf.recipe" }}' "$image")" == "$recipe" ]]; then
  echo "build-base-image: $image is up to date (pass --force to rebuild)"
  exit 0
fi

rootfs="$(mktemp -d /var/tmp/wharf-rootfs.XXXXXX)"
trap 'rm -rf "$rootfs"' EXIT

# What a fresh cloud VM has: an init system, an SSH server, Python for
# Ansible, sudo and CA certificates. Everything Wharf needs beyond that is
# installed by its roles.
debootstrap --variant=minbase \
  --include=systemd,systemd-sysv,openssh-server,python3,python3-apt,sudo,dbus,ca-certificates,iproute2 \
  "$suite" "$rootfs" "$mirror"

# This machine's HTTPS goes through its own CA; trusting it inside test hosts
# lets pip reach PyPI. Harmless where the controller has a stock CA store.
if [[ -f /etc/ssl/certs/ca-certificates.crt ]]; then
  cp /etc/ssl/certs/ca-certificates.crt "$rootfs/usr/local/share/ca-certificates/controller.crt"
  chroot "$rootfs" update-ca-certificates >/dev/null
fi

# Containers have no console to log in on and no hardware clock.
chroot "$rootfs" systemctl mask getty@tty1.service systemd-logind.service \
  console-getty.service systemd-timesyncd.service >/dev/null 2>&1 || true
rm -f "$rootfs/etc/machine-id" && touch "$rootfs/etc/machine-id"
chroot "$rootfs" apt-get clean

tar -C "$rootfs" -c . | podman import --change 'CMD ["/sbin/init"]' \
  --change "LABEL wharf.recipe=$recipe" - "$image"
echo "build-base-image: built $image"
