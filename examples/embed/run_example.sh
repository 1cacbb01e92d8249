#!/usr/bin/env bash
# ctest example.embed: install Kiln into a temporary prefix, build the C
# example against it twice (CMake's find_package(Kiln), and pkg-config),
# compile the guest with the installed kiln, serve 200 requests on 4 threads
# with each build, and check what happened to each (20 never end and are
# interrupted, 20 trap).
set -euo pipefail
build="$1" example="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"
cmake --install "$build" --prefix "$prefix" >/dev/null

cmake -S "$example" -B "$work/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$work/cmake-build" >/dev/null
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
cc -std=c11 -Wall -Wextra -Werror "$example/embed.c" -o "$work/embed-pc" $(pkg-config --cflags --libs kiln) \
  -lpthread -Wl,-rpath,"$(pkg-config --variable=libdir kiln)"

wat2wasm "$example/guest.wat" -o "$work/guest.wasm"
"$prefix/bin/kiln" compile --emit=shared "$work/guest.wasm" -o "$work/guest.so"
# 160 requests add request % 10 for kinds 0..7: 20 * (0 + 1 + ... + 7) = 560.
want="200 requests: 160 ok, 20 interrupted, 20 trapped, 0 failed; total 560"
for program in "$work/cmake-build/kiln-embed" "$work/embed-pc"; do
  out="$("$program" "$work/guest.so" 200 4)"
  echo "$(basename "$program"): $out"
  [ "$out" = "$want" ] || { echo "expected: $want" >&2; exit 1; }
done
