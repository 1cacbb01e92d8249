#!/usr/bin/env bash
# Runs the WASI test suite (WebAssembly/wasi-testsuite's C tests) through Kiln.
#
#   scripts/wasi-test.sh [-O0|-O1|-O2|-O3] [DIR] [TEST...]
#
# DIR defaults to ../shared/wasi-testsuite/c (beside the repository; see its
# PROVENANCE.md). Each test runs through `kiln run` with its spec's arguments,
# environment and `root` directory (a private copy, preopened as /; the
# suite's own files are never touched). Prints PASS/FAIL per test and a
# closing line "N passed, N failed"; exits non-zero on any failure.
# KILN names the kiln executable (default: build/compiler/kiln, then PATH).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
level="-O2"
dir=""
tests=()
for arg in "$@"; do
  case "$arg" in
    -O0|-O1|-O2|-O3) level="$arg" ;;
    -h|--help) sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *)
      if [[ -z "$dir" && -d "$arg" ]]; then dir="$arg"; else tests+=("$arg"); fi
      ;;
  esac
done
[[ -z "$dir" ]] && dir="$repo/../shared/wasi-testsuite/c"
[[ -d "$dir" ]] || { echo "wasi-test.sh: no test suite at $dir (see DESIGN.md: ../shared/wasi-testsuite)" >&2; exit 2; }

kiln="${KILN:-}"
if [[ -z "$kiln" ]]; then
  if [[ -x "$repo/build/compiler/kiln" ]]; then kiln="$repo/build/compiler/kiln"
  elif command -v kiln >/dev/null; then kiln="$(command -v kiln)"
  else echo "wasi-test.sh: no kiln found: run scripts/setup.sh (or set KILN)" >&2; exit 2; fi
fi

echo "WASI test suite ($level): $dir"
echo "$("$kiln" --version | head -1)"
exec "$kiln" wasi-test "$level" "$dir" ${tests[@]+"${tests[@]}"}
