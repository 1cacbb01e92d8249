#!/usr/bin/env bash
# Instantiation benchmark (issue: instances in microseconds): the latency of
# instantiate + call + drop, each in a fresh store, on 1 and 2 threads
# (median, p99, throughput), and the resident memory and address space of
# 1,000 idle live instances, for
#   - a WASI hello world (C, bench/serve/hello.c's sibling bench/hello.c), calling _start;
#   - a module with one page of memory and no data (calling an empty export);
#   - a module with a 1 MiB data segment (calling a function that reads it).
# Each from the module's descriptor (Store::instantiate(desc)) and from a
# PreparedModule (interned types, copy-on-write memory image), as the C API,
# kiln serve and WASI commands do; both through the process-wide memory pool.
# Not a test: timings never fail. Prints a markdown table.
#
#   scripts/bench-instantiate.sh [ITERATIONS]       (default 20000)
#
# Kiln: $KILN, else the build tree's kiln. The benchmark program is
# build/bench/instantiate/kiln-bench-instantiate (built with the tree).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
iterations="${1:-20000}"
kiln="${KILN:-$repo/build/compiler/kiln}"
bench="$repo/build/bench/instantiate/kiln-bench-instantiate"
[ -x "$bench" ] || cmake --build "$repo/build" --target kiln-bench-instantiate >/dev/null
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

bash "$repo/scripts/wasm-cc" -O2 "$repo/bench/hello.c" -o "$work/hello.wasm"
cat >"$work/empty.wat" <<'WAT'
(module (memory 1) (func (export "run")))
WAT
python3 - "$work/data.wat" <<'PY'
import sys
data = "".join("\\%02x" % (i * 7 % 256) for i in range(1 << 20))
with open(sys.argv[1], "w") as f:
    f.write('(module (memory 17) (data (i32.const 65536) "%s")\n' % data)
    f.write('  (func (export "run") (result i32) (i32.load8_u (i32.const 1000000))))\n')
PY
wat2wasm "$work/empty.wat" -o "$work/empty.wasm"
wat2wasm "$work/data.wat" -o "$work/data.wasm"
for m in hello empty data; do "$kiln" compile --emit=shared "$work/$m.wasm" -o "$work/$m.so"; done

echo "| module | instantiated from | 1 thread median / p99 | 2 threads median / p99 | 2 threads vs 1 | per idle instance |"
echo "|---|---|---|---|---|---|"
row() {  # NAME SO EXPORT [--wasi]
  local out mode
  for mode in descriptor prepared; do
  out="$("$bench" "$2" "$3" "$iterations" "${@:4}" $([ "$mode" = prepared ] && echo --prepared))"
  local one two ratio idle
  one="$(sed -n 's/^1 thread:  median \([0-9.]*\) us, p99 \([0-9.]*\) us.*/\1 us \/ \2 us/p' <<<"$out")"
  two="$(sed -n 's/^2 threads: median \([0-9.]*\) us, p99 \([0-9.]*\) us.*/\1 us \/ \2 us/p' <<<"$out")"
  ratio="$(sed -n 's/.*(\([0-9.]*x\) one thread)/\1/p' <<<"$out")"
  idle="$(sed -n 's/^1000 live instances: \(.*\) each/\1/p' <<<"$out")"
  echo "| $1 | $mode | $one | $two | $ratio | $idle |"
  done
}
row "WASI hello world (_start)" "$work/hello.so" _start --wasi
row "1 page, no data" "$work/empty.so" run
row "1 MiB data segment" "$work/data.so" run
