#!/usr/bin/env bash
# Serving benchmark against the deployed local host (make deploy first).
#
# Every request stays on the loopback interface of the `wharf-local` test
# container: wrk runs inside it against 127.0.0.1, bounded in time. Each
# target is compared with a ceiling measured in the same run:
#   static  - a hashed CSS file through the Wharf site    vs  the same file from
#             a bare nginx with no app config (second nginx on 127.0.0.1:8444,
#             same certificate, TLS settings and precompressed-file settings:
#             Wharf's conf.d/wharf.conf with gzip_static and brotli_static)
#   app     - the home page through nginx -> gunicorn     vs  the same gunicorn
#             configuration listening on 127.0.0.1:8001 directly (told by
#             X-Forwarded-Proto that the request came over https, as nginx does)
# Each pair is measured without Accept-Encoding, and asking for gzip (and br
# for static files), since the bytes sent differ with each.
#
# usage: bench/run.sh [seconds-per-target] [connections]
set -euo pipefail

host="${WHARF_LOCAL_NAME:-wharf-local}"
app="${WHARF_BENCH_APP:-wharfdemo}"
domain="${WHARF_BENCH_DOMAIN:-localhost}"
duration="${1:-10}"
connections="${2:-32}"
root="/srv/${app}"
out_dir="$(cd "$(dirname "$0")" && pwd)/results"
mkdir -p "$out_dir"

in_host() { podman exec "$host" bash -c "$1"; }

podman container exists "$host" || { echo "bench: no $host container; run 'make deploy' first" >&2; exit 1; }
in_host "command -v wrk >/dev/null && command -v curl >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk curl >/dev/null)"

css="$(in_host "curl -s --connect-to ::127.0.0.1: https://${domain}/" | grep -o '/static/site/site\.[0-9a-f]\{12\}\.css' | head -1)"
[[ -n "$css" ]] || { echo "bench: could not find the hashed CSS URL on the home page" >&2; exit 1; }

# Ceiling for static files: nginx with nothing but a root and the same file.
in_host "cat > /tmp/bench-nginx.conf <<CONF
include /etc/nginx/modules-enabled/*.conf;
user www-data;
worker_processes auto;
pid /tmp/bench-nginx.pid;
error_log /tmp/bench-nginx-error.log;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    include /etc/nginx/conf.d/wharf.conf;
    server {
        listen 127.0.0.1:8444 ssl;
        ssl_certificate /etc/wharf/tls/${app}/fullchain.pem;
        ssl_certificate_key /etc/wharf/tls/${app}/privkey.pem;
        include /etc/nginx/snippets/${app}-tls.conf;
        location /static/ { alias ${root}/shared/static/; }
    }
}
CONF
nginx -c /tmp/bench-nginx.conf"

# Ceiling for the app: the same gunicorn settings, bound to TCP, no proxy.
in_host "cd ${root}/current/code && set -a && . ${root}/shared/app.env && . ${root}/current/release.env && set +a && \
  setpriv --reuid=${app} --regid=${app} --init-groups \
  ${root}/current/venv/bin/gunicorn --config /etc/wharf/${app}/gunicorn.conf.py \
  --bind 127.0.0.1:8001 --daemon --pid /tmp/bench-gunicorn.pid --access-logfile /dev/null \
  wharfdemo.wsgi:application"

cleanup() {
  in_host "kill \$(cat /tmp/bench-gunicorn.pid) 2>/dev/null; nginx -c /tmp/bench-nginx.conf -s stop 2>/dev/null; rm -f /tmp/bench-nginx.conf" || true
}
trap cleanup EXIT
sleep 2

measure() {  # url accept-encoding [extra header] -> "requests/s p50_ms p99_ms errors"
  local url="$1" encoding="$2" extra="${3:-X-Bench: 1}" accept=""
  [[ "$encoding" == none ]] || accept="-H 'Accept-Encoding: ${encoding}'"
  in_host "wrk -t2 -c${connections} -d2s ${accept} -H '${extra}' '${url}' >/dev/null"
  in_host "wrk -t2 -c${connections} -d${duration}s --latency ${accept} -H '${extra}' '${url}'" \
    | awk '
        /Requests\/sec/ { rps = $2 }
        /^ +50%/ { p50 = $2 } /^ +99%/ { p99 = $2 }
        /Non-2xx/ { errors = $NF }
        /Socket errors/ { errors = "socket:" $0 }
        END {
          printf "%s %s %s %s\n", rps, p50, p99, (errors == "" ? 0 : errors)
        }'
}

# Bytes of one answer for each encoding, to show what each pair sends.
size() { in_host "curl -sk --connect-to ::127.0.0.1: -H 'X-Forwarded-Proto: https' ${2:+-H 'Accept-Encoding: $2'} -o /dev/null -w '%{size_download}' '$1'"; }

declare -A url=(
  [static]="https://${domain}${css}" [static_ceiling]="https://127.0.0.1:8444${css}"
  [app]="https://${domain}/" [app_direct]="http://127.0.0.1:8001/"
)

declare -A result
static_encodings=(none gzip br)
app_encodings=(none gzip)
for encoding in "${static_encodings[@]}"; do
  result[static/$encoding]="$(measure "${url[static]}" "$encoding")"
  result[static_ceiling/$encoding]="$(measure "${url[static_ceiling]}" "$encoding")"
done
for encoding in "${app_encodings[@]}"; do
  result[app/$encoding]="$(measure "${url[app]}" "$encoding")"
  result[app_direct/$encoding]="$(measure "${url[app_direct]}" "$encoding" "X-Forwarded-Proto: https")"
done

for key in "${!result[@]}"; do
  read -r _ _ _ errors <<<"${result[$key]}"
  if [[ "$errors" != "0" ]]; then
    echo "bench: $key answered errors ($errors); its numbers are not valid" >&2
    exit 1
  fi
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
rps() { echo "${result[$1]}" | cut -d' ' -f1; }

report="$out_dir/serving.md"
{
  echo "# Serving benchmark — $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "wrk, 2 threads, ${connections} connections, ${duration} s per target, inside \`${host}\` on 127.0.0.1;"
  echo "$(nproc) cores shared by wrk, nginx and gunicorn. Ceilings measured in the same run, with the"
  echo "same certificate, TLS and precompressed-file settings; each pair without Accept-Encoding and with it."
  echo
  echo "| target | Accept-Encoding | bytes | requests/s | p50 | p99 | errors |"
  echo "|---|---|---|---|---|---|---|"
  for key in static static_ceiling app app_direct; do
    encodings=("${static_encodings[@]}")
    [[ "$key" == app* ]] && encodings=("${app_encodings[@]}")
    for encoding in "${encodings[@]}"; do
      read -r r p50 p99 errors <<<"${result[$key/$encoding]}"
      echo "| ${key} | ${encoding} | $(size "${url[$key]}" "${encoding#none}") | ${r} | ${p50} | ${p99} | ${errors} |"
    done
  done
  echo
  for encoding in "${static_encodings[@]}"; do
    echo "- static through Wharf's site / bare nginx, Accept-Encoding ${encoding}:" \
      "**$(ratio "$(rps "static/$encoding")" "$(rps "static_ceiling/$encoding")")x** (target >= 0.95)"
  done
  for encoding in "${app_encodings[@]}"; do
    echo "- home page through nginx / gunicorn direct, Accept-Encoding ${encoding}:" \
      "**$(ratio "$(rps "app/$encoding")" "$(rps "app_direct/$encoding")")x** (target >= 0.85)"
  done
} | tee "$report"
