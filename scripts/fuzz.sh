#!/usr/bin/env bash
# Differential fuzzing: random modules run in Kiln and in V8, compared.
#
#   scripts/fuzz.sh [--count N | --seconds N] [--seed S] [--modes LIST] [--work DIR]
#   scripts/fuzz.sh --known      the known differences (tests/fuzz/known) only
#
# Each module is made by binaryen's translate-to-fuzz (`wasm-opt -ttf`) from
# random bytes seeded by its number (S, S+1, ...), so a seed names a module
# for ever. Kiln runs every export at each mode of LIST (default
# O0g,O1g,O2g,O3g,O0e,O2e,O3e: levels 0-3, `g` guard pages, `e` explicit bounds
# checks) through tests/fuzz/fuzz_runner.cpp, Node runs the same protocol in
# V8 (tests/fuzz/node_runner.js), and tests/fuzz/compare.py requires the
# transcripts (results, log calls, trap kinds, memory hashes after each
# call) to be identical. The regression modules (tests/fuzz/regressions/
# *.wat, each a difference found once) run first in every campaign.
# Modules that differ are kept in WORK/failures/ with their transcripts.
# Default: 200 modules from seed 1. Exit status 1 when any module differs.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
count=""
seconds=""
seed=1
modes="O0g,O1g,O2g,O3g,O0e,O2e,O3e"
work=""
batch=20
known=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --count) count="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --modes) modes="$2"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    --known) known=1; shift ;;
    -h|--help) sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "fuzz.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[[ -z "$count" && -z "$seconds" ]] && count=200
[[ "$seed" =~ ^[0-9]+$ ]] || { echo "fuzz.sh: --seed needs a number" >&2; exit 2; }

runner="${KILN_FUZZ_RUNNER:-$repo/build/tests/fuzz/kiln-fuzz-runner}"
[[ -x "$runner" ]] || { echo "fuzz.sh: $runner missing: build the tests (scripts/test.sh) or set KILN_FUZZ_RUNNER" >&2; exit 2; }
command -v wasm-opt >/dev/null || { echo "fuzz.sh: wasm-opt missing: apt-get install binaryen (scripts/setup.sh installs it)" >&2; exit 2; }
command -v node >/dev/null || { echo "fuzz.sh: node missing: apt-get install nodejs" >&2; exit 2; }

if [[ -z "$work" ]]; then
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$work/failures"

# The features every engine here runs (WebAssembly 2.0 without SIMD and
# reference types: V8 cannot pass v128 or references through JS calls).
features=(--enable-bulk-memory --enable-sign-ext --enable-nontrapping-float-to-int
          --enable-multivalue --enable-mutable-globals)

status=0
summary=()
# Runs Kiln and V8 on the modules given and compares them.
check() {
  local out
  "$runner" --modes "$modes" "$@"
  node "$repo/tests/fuzz/node_runner.js" "$@"
  if ! out="$(python3 "$repo/tests/fuzz/compare.py" "$modes" "$@")"; then
    status=1
    while IFS= read -r line; do
      [[ "$line" == DIFFER* ]] || continue
      echo "$line"
      w="${line#DIFFER }"; w="${w%%:*}"
      cp "$w" "$w".*.out "$work/failures/" 2>/dev/null || true
    done <<<"$out"
  fi
  summary+=("$(tail -n 1 <<<"$out")")
}

# The regression modules (or, with --known, the known differences).
command -v wat2wasm >/dev/null || { echo "fuzz.sh: wat2wasm missing: apt-get install wabt" >&2; exit 2; }
corpus="$repo/tests/fuzz/regressions"
[[ $known -eq 1 ]] && corpus="$repo/tests/fuzz/known"
mkdir -p "$work/regressions"
regressions=()
for wat in "$corpus"/*.wat; do
  [[ -e "$wat" ]] || continue  # none
  wasm="$work/regressions/$(basename "$wat" .wat).wasm"
  wat2wasm "$wat" -o "$wasm"
  regressions+=("$wasm")
done
if [[ ${#regressions[@]} -gt 0 ]]; then
  check "${regressions[@]}"
  echo "regressions ($(basename "$corpus")): ${summary[-1]#fuzz: }"
fi
if [[ $known -eq 1 ]]; then
  [[ ${#regressions[@]} -eq 0 ]] && echo "fuzz: no known differences (tests/fuzz/known is empty)"
  exit $status
fi

start=$SECONDS
next=$seed
while :; do
  if [[ -n "$count" ]]; then
    (( next < seed + count )) || break
    n=$(( seed + count - next < batch ? seed + count - next : batch ))
  else
    (( SECONDS - start < seconds )) || break
    n=$batch
  fi
  dir="$work/batch-$next"
  mkdir -p "$dir"
  wasms=()
  for (( s = next; s < next + n; s++ )); do
    # 1-16 KiB of seeded random bytes; translate-to-fuzz turns any bytes
    # into a valid module.
    python3 -c 'import random,sys; r=random.Random(int(sys.argv[1])); sys.stdout.buffer.write(r.randbytes(r.randint(1024, 16384)))' \
      "$s" >"$dir/m$s.dat"
    # --denan: NaN results become 0, since the spec lets engines pick NaN
    # bits (which would reach the memory hash); NaN rules are the spec
    # suite's to check.
    wasm-opt -ttf "$dir/m$s.dat" "${features[@]}" --denan -o "$dir/m$s.wasm" 2>/dev/null
    wasms+=("$dir/m$s.wasm")
  done
  check "${wasms[@]}"
  rm -rf "$dir"
  next=$(( next + n ))
done

# One closing line: the sums of the batches' summaries.
python3 - "$seed" "$next" "$(( SECONDS - start ))" "$modes" "${summary[@]}" <<'PY'
import re, sys
seed, end, secs, modes = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
keys = ["modules", "calls", "traps", "cut", "v8", "differ"]
pattern = re.compile(r"(\d+) modules, (\d+) calls \((\d+) traps\) compared; (\d+) cut.*; (\d+) not comparable.*; (\d+) differ")
sums = dict.fromkeys(keys, 0)
for line in sys.argv[5:]:
    m = pattern.search(line)
    if not m:
        sys.exit("fuzz.sh: unexpected summary from compare.py: " + line)
    for k, v in zip(keys, m.groups()):
        sums[k] += int(v)
print(f"fuzz: regressions and seeds {seed}-{end - 1}, modes {modes} and V8, {secs} s: {sums['modules']} modules, "
      f"{sums['calls']} calls ({sums['traps']} traps) compared; {sums['cut']} cut at a stack overflow "
      f"or timeout; {sums['v8']} not comparable with V8; {sums['differ']} differ")
PY
[[ $status -eq 0 ]] || echo "fuzz: differing modules and their transcripts are in $work/failures/"
exit $status
