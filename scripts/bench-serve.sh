#!/usr/bin/env bash
# Load test of `kiln serve` with wrk: requests per second and latency of a
# hello-world handler (bench/serve/hello.c) at 1, 64 and 1000 connections,
# against the same C program compiled natively and run as a CGI program by
# lighttpd (a fresh process per request, as CGI does). Prints a markdown
# table; exit status 1 when any request failed (non-2xx, socket error).
#
#   bash scripts/bench-serve.sh [--duration SECONDS] [--connections "1 64 1000"]
#
# Needs wrk and lighttpd (scripts/setup-bench.sh installs them), clang-19 and
# a built kiln ($KILN, else kiln on PATH, else build/compiler/kiln).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
duration=5
connections="1 64 1000"
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration="${2:?--duration needs seconds}"; shift ;;
    --connections) connections="${2:?--connections needs a list}"; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench-serve: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
kiln="${KILN:-$(command -v kiln || echo "$repo/build/compiler/kiln")}"
for tool in wrk lighttpd clang-19 curl "$kiln"; do
  command -v "$tool" >/dev/null || { echo "bench-serve: $tool not found (run scripts/setup-bench.sh)" >&2; exit 2; }
done

work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
ulimit -n 8192 2>/dev/null || true

mkdir -p "$work/www"
bash "$repo/scripts/wasm-cc" -O2 "$repo/bench/serve/hello.c" -o "$work/hello.wasm"
"$kiln" compile --emit=shared "$work/hello.wasm" -o "$work/hello.so"
clang-19 -O2 "$repo/bench/serve/hello.c" -o "$work/www/hello.cgi"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_for() {  # URL: until it answers
  for _ in $(seq 1 100); do curl -sf -o /dev/null "$1" && return 0; sleep 0.1; done
  echo "bench-serve: nothing answers at $1" >&2; cat "$work"/*.log >&2; exit 1
}

kiln_port="$(free_port)"
"$kiln" serve "$work/hello.so" --listen "127.0.0.1:$kiln_port" --quiet --timeout 5s --max-memory 64MiB \
  --instances 2000 2>"$work/kiln.log" &
pids+=($!)
cgi_port="$(free_port)"
cat >"$work/lighttpd.conf" <<CONF
server.document-root = "$work/www"
server.bind = "127.0.0.1"
server.port = $cgi_port
server.modules = ("mod_cgi")
cgi.assign = (".cgi" => "")
server.max-connections = 4096
server.max-fds = 8192
server.errorlog = "$work/lighttpd.log"
CONF
lighttpd -D -f "$work/lighttpd.conf" &
pids+=($!)
wait_for "http://127.0.0.1:$kiln_port/hello"
wait_for "http://127.0.0.1:$cgi_port/hello.cgi"

failed=0
echo "| server | connections | requests/s | p50 | p99 | failed |"
echo "|---|---:|---:|---:|---:|---:|"
for c in $connections; do
  for server in kiln native-cgi; do
    if [ "$server" = kiln ]; then url="http://127.0.0.1:$kiln_port/hello"; else url="http://127.0.0.1:$cgi_port/hello.cgi"; fi
    threads=2
    [ "$c" -lt 2 ] && threads=1
    out="$(wrk -t"$threads" -c"$c" -d"${duration}s" --timeout 30s --latency "$url" 2>&1)"
    rps="$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")"
    p50="$(awk '$1 == "50%" {print $2}' <<<"$out")"
    p99="$(awk '$1 == "99%" {print $2}' <<<"$out")"
    non2xx="$(awk '/Non-2xx or 3xx responses:/ {print $NF}' <<<"$out")"
    errors="$(awk '/Socket errors:/ {gsub(",", ""); print $4 + $6 + $8 + $10}' <<<"$out")"
    bad=$(( ${non2xx:-0} + ${errors:-0} ))
    [ "$bad" -eq 0 ] || failed=1
    echo "| $server | $c | ${rps:-?} | ${p50:-?} | ${p99:-?} | $bad |"
  done
done
exit "$failed"
