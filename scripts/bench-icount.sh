#!/usr/bin/env bash
# Instructions each benchmark executes, counted by valgrind (cachegrind's
# "I refs"), for native code and for Kiln's executables. Unlike wall-clock
# times on a shared or virtual machine (scripts/bench.sh reports their
# spread), the counts repeat exactly, so a code-generation change of a few
# per cent shows even when the machine is noisy. They are not times: a
# change that trades instructions for cache misses or stalls needs
# scripts/bench.sh as well.
#
#   scripts/bench-icount.sh [--size quick|full|N] [PROGRAM...]
#
# Programs: bench/programs/*.c (default: all). Size: the programs' argument
# (default quick; valgrind runs about 50 times slower than the program).
# Engines: native (clang-19 -O2), kiln ($KILN, else the repo's
# build/compiler/kiln) and, when $KILN_BASE names another Kiln (an install
# of the commit before a code-generation change), kiln-base with a
# "kiln ÷ kiln-base" column. Every engine's output must equal native's.
# The wasm is built as scripts/bench.sh builds it (scripts/wasm-cc -O2).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
programs="$repo/bench/programs"
size=quick
names=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --size) size="$2"; shift 2 ;;
    -h|--help) sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "bench-icount: unknown option '$1' (see --help)" >&2; exit 2 ;;
    *) names+=("$1"); shift ;;
  esac
done
if [[ ${#names[@]} -eq 0 ]]; then
  for f in "$programs"/*.c; do names+=("$(basename "$f" .c)"); done
fi
for n in "${names[@]}"; do
  [[ -f "$programs/$n.c" ]] || { echo "bench-icount: no program $n in bench/programs" >&2; exit 2; }
done
command -v valgrind >/dev/null || { echo "bench-icount: valgrind missing: apt-get install valgrind (scripts/setup-bench.sh installs it)" >&2; exit 2; }
kiln="${KILN:-$repo/build/compiler/kiln}"
[[ -x "$kiln" ]] || { echo "bench-icount: no Kiln at $kiln: build it, or set KILN" >&2; exit 2; }
engines=(native kiln)
if [[ -n "${KILN_BASE:-}" ]]; then
  [[ -x "$KILN_BASE" ]] || { echo "bench-icount: KILN_BASE=$KILN_BASE is not an executable" >&2; exit 2; }
  engines+=(kiln-base)
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# count EXE: prints the executed instructions; the program's output goes to EXE.out
count() {
  local log="$1.vg"
  if ! valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null --log-file="$log" \
    "$1" "$size" >"$1.out" 2>"$1.err"; then
    echo "bench-icount: $1 failed: $(head -c 300 "$1.err")" >&2
    return 1
  fi
  grep -m1 'I *refs:' "$log" | sed -E 's/.*refs: *//; s/,//g'
}

echo "Instructions executed (valgrind), size $size; kiln: $kiln${KILN_BASE:+; kiln-base: $KILN_BASE}"
echo
header="| program | native | kiln (÷ native)"
rule="|---|---:|---:"
[[ -n "${KILN_BASE:-}" ]] && header+=" | kiln-base (÷ native) | kiln ÷ kiln-base" && rule+="|---:|---:"
echo "$header |"
echo "$rule|"
status=0
ratios=()
base_ratios=()
versus=()
for n in "${names[@]}"; do
  simd=()
  [[ "$n" == simd ]] && simd=(-msimd128)
  clang-19 -O2 -I"$programs" "$programs/$n.c" -lm -o "$work/$n.native"
  bash "$repo/scripts/wasm-cc" -O2 -mbulk-memory "${simd[@]}" -I"$programs" "$programs/$n.c" -o "$work/$n.wasm"
  "$kiln" build "$work/$n.wasm" -o "$work/$n.kiln"
  [[ -n "${KILN_BASE:-}" ]] && "$KILN_BASE" build "$work/$n.wasm" -o "$work/$n.kiln-base"
  declare -A icount=()
  for e in "${engines[@]}"; do
    icount[$e]="$(count "$work/$n.$e")" || { status=1; continue 2; }
    if [[ "$e" != native ]] && ! cmp -s "$work/$n.native.out" "$work/$n.$e.out"; then
      echo "bench-icount: $n: $e printed something else than native code" >&2
      status=1
      continue 2
    fi
  done
  ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
  k="$(ratio "${icount[kiln]}" "${icount[native]}")"
  ratios+=("$k")
  line="| $n | ${icount[native]} | ${icount[kiln]} (${k}×)"
  if [[ -n "${KILN_BASE:-}" ]]; then
    kb="$(ratio "${icount[kiln-base]}" "${icount[native]}")"
    v="$(ratio "${icount[kiln]}" "${icount[kiln-base]}")"
    base_ratios+=("$kb")
    versus+=("$v")
    line+=" | ${icount[kiln-base]} (${kb}×) | ${v}×"
  fi
  echo "$line |"
  unset icount
done
geomean() { printf '%s\n' "$@" | awk '{ s += log($1); n++ } END { if (n) printf "%.3f", exp(s / n); else printf "–" }'; }
line="| **geomean** | | **$(geomean "${ratios[@]}")×**"
[[ -n "${KILN_BASE:-}" ]] && line+=" | **$(geomean "${base_ratios[@]}")×** | **$(geomean "${versus[@]}")×**"
echo "$line |"
exit "$status"
