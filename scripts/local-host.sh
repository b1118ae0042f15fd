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

case "${1:-}" in
  up)
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
        "$image" /sbin/init >/dev/null
      echo "local-host: created $name from $image (http://127.0.0.1:${http_port}/)"
    fi
    wait_for_systemd
    ;;
  down)
    if podman container exists "$name"; then
      echo "local-host: removing container $name with everything deployed in it" \
           "(its database, media uploads and logs)"
      podman rm -f "$name" >/dev/null
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
