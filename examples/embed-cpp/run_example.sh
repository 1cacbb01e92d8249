#!/usr/bin/env bash
# ctest example.embed_cpp: compile the guest, serve 200 requests on 4 threads,
# and check what happened to each (20 never end and are interrupted, 20 trap).
set -euo pipefail
kiln="$1" example="$2" guest="$3"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
wat2wasm "$guest" -o "$work/guest.wasm"
"$kiln" compile --emit=shared "$work/guest.wasm" -o "$work/guest.so"
out="$("$example" "$work/guest.so" 200 4)"
echo "$out"
# 160 requests add request % 10 for kinds 0..7: 20 * (0 + 1 + ... + 7) = 560.
want="200 requests: 160 ok, 20 interrupted, 20 trapped, 0 failed; total 560"
[ "$out" = "$want" ] || { echo "expected: $want" >&2; exit 1; }
