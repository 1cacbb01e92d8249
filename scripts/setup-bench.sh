#!/usr/bin/env bash
# Installs what scripts/bench.sh needs besides Kiln itself (Debian 12 packages,
# through apt-get). Does nothing, and needs no network, when all are present.
#
#   bash scripts/setup-bench.sh           # as root, or as a user with sudo
#   bash scripts/setup-bench.sh --check   # only report what is missing (exit 1 if any)
set -euo pipefail

packages=(
  clang-19 lld-19                 # native builds, and wasm32-wasi builds (wasm-ld-19)
  wasi-libc libclang-rt-19-dev-wasm32
  wabt                            # wasm2c and its runtime (wasm-rt.h, wasm-rt-impl.c)
  nodejs                          # V8, through node:wasi
  gnuplot-nox                     # the ratio chart
  time                            # GNU time: peak RSS (%M)
  python3                         # tables and statistics (standard library only)
  valgrind                        # scripts/bench-icount.sh: instructions executed
  wrk lighttpd curl               # scripts/bench-serve.sh: load test, native CGI for comparison
)

missing=()
for package in "${packages[@]}"; do
  status="$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)"
  [ "$status" = "installed" ] || missing+=("$package")
done
# nodejs may come from elsewhere than Debian (any node >= 18 with node:wasi will do)
if command -v node >/dev/null 2>&1; then
  missing=("${missing[@]/nodejs/}")
  read -r -a missing <<<"${missing[*]:-}"
fi

if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi
if [ "${1:-}" = "--check" ]; then
  echo "setup-bench: missing packages: ${missing[*]}" >&2
  exit 1
fi

echo "setup-bench: installing ${missing[*]}" >&2
as_root=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || {
    echo "setup-bench: not root and no sudo; install as root: ${missing[*]}" >&2
    exit 1
  }
  as_root=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update
"${as_root[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
