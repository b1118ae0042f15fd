#!/usr/bin/env bash
# Start or remove `wharf-local`, the embedded default target: a podman
# container running systemd, with nginx published on 127.0.0.1 only.
#
# usage: scripts/local-host.sh up|down|status
set -euo pipefail

name="${WHARF_LOCAL_NAME:-wharf-local}"
image="${WHARF_LOCAL_IMAGE:-localhost/wharf-debian:12}"
http_port="${WHARF_LOCAL_HTTP_PORT:-8080}"
https_port="${WHARF_LOCAL_HTTPS_PORT:-8443}"
ssh_port="${WHARF_LOCAL_SSH_PORT:-2222}"
# Ansible reaches the host over SSH like a real server (the podman connection
# cannot pipeline and is several times slower). The key pair and the host's
# known key live in .cache/wharf-local/, next to the repository.
key_dir="$(cd "$(dirname "$0")/.." && pwd)/.cache/wharf-local"

running() { [[ "$(podman container inspect -f '{{.State.Running}}' "$name" 2>/dev/null)" == "true" ]]; }

wait_for_systemd() {
  local state=""
  for _ in $(seq 1 60); do
    state="$(podman exec "$name" systemctl is-system-running 2>/dev/null || true)"
    case "$state" in running|degraded) return 0 ;; esac
    sleep 1
  done
  echo "local-host: systemd in $name did not finish booting (state: ${state:-unknown})" >&2
  return 1
}

enable_ssh() {
  mkdir -p "$key_dir"
  chmod 700 "$key_dir"
  [[ -f "$key_dir/id_ed25519" ]] || ssh-keygen -q -t ed25519 -N "" -C "wharf-local" -f "$key_dir/id_ed25519"
  if ! podman exec "$name" test -x /usr/sbin/sshd; then
    echo "local-host: installing openssh-server in $name"
    podman exec "$name" bash -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssh-server >/dev/null'
  fi
  podman exec -i "$name" bash -c 'install -d -m 0700 /root/.ssh && cat > /root/.ssh/authorized_keys && chmod 0600 /root/.ssh/authorized_keys' \
    < "$key_dir/id_ed25519.pub"
  podman exec "$name" systemctl enable --now ssh >/dev/null 2>&1
  # Record the host key now, so SSH can check it strictly from then on.
  for _ in $(seq 1 30); do
    if ssh-keyscan -p "$ssh_port" -t ed25519 127.0.0.1 2>/dev/null | sed "s/^127.0.0.1/[127.0.0.1]:${ssh_port}/" > "$key_dir/known_hosts.new" \
      && [[ -s "$key_dir/known_hosts.new" ]]; then
      mv "$key_dir/known_hosts.new" "$key_dir/known_hosts"
      return 0
    fi
    sleep 1
  done
  echo "local-host: sshd in $name did not answer on 127.0.0.1:${ssh_port}" >&2
  return 1
}

case "${1:-}" in
  up)
    if podman container exists "$name" \
      && [[ "$(podman container inspect -f '{{.ImageName}}' "$name")" != "$image" ]]; then
      echo "local-host: $name runs $(podman container inspect -f '{{.ImageName}}' "$name"), not $image;" \
           "run 'make destroy' first (it removes the site's database and uploads)" >&2
      exit 2
    fi
    if running; then
      echo "local-host: $name is running"
    elif podman container exists "$name"; then
      podman start "$name" >/dev/null
      echo "local-host: started existing $name"
    else
      podman run -d --name "$name" --hostname "$name" \
        --ulimit nofile=20000:20000 --ulimit nproc=20000:20000 \
        --systemd=always \
        -p "127.0.0.1:${http_port}:80" -p "127.0.0.1:${https_port}:443" \
        -p "127.0.0.1:${ssh_port}:22" \
        "$image" /sbin/init >/dev/null
      echo "local-host: created $name from $image (http://127.0.0.1:${http_port}/)"
    fi
    wait_for_systemd
    enable_ssh
    ;;
  down)
    if podman container exists "$name"; then
      echo "local-host: removing container $name with everything deployed in it" \
           "(its database, media uploads and logs)"
      podman rm -f "$name" >/dev/null
      rm -f "$key_dir/known_hosts"
    else
      echo "local-host: no container named $name"
    fi
    ;;
  status)
    podman ps -a --filter "name=^${name}\$" --format '{{.Names}} {{.Status}} {{.Ports}}'
    ;;
  *)
    echo "usage: $0 up|down|status" >&2
    exit 2
    ;;
esac
