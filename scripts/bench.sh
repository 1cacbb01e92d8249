#!/usr/bin/env bash
# Kiln's benchmark harness: builds the C programs in bench/programs for every
# engine, runs them interleaved, checks every engine's output against native
# code's, and reports median times, ratios to native, compile times, sizes,
# peak memory and start-up time (markdown on stdout and in
# bench/results/latest.md, a chart in bench/results/ratios.png).
#
#   scripts/bench.sh                    every benchmark, full size
#   scripts/bench.sh --quick            small sizes, one repetition (about a minute)
#   scripts/bench.sh nbody sha256       a subset
#
# Options:
#   --quick           small work sizes, 1 repetition, parallel builds
#   --reps N          repetitions per engine and benchmark (default 5; quick: 1)
#   --engines LIST    comma-separated subset of: native,kiln,kiln-explicit,
#                     kiln-cpu-native,kiln-no-epoch,kiln-fuel,kiln-base,node,
#                     node-noliftoff,wasm2c,wasm2c-explicit
#                     (kiln-base: `kiln build` by the Kiln at $KILN_BASE, say an
#                     install of the commit before a code-generation change)
#                     (native is always run)
#   --jobs N          parallel builds (default 1, so compile times are clean; quick: nproc)
#   --strict          also fail when an engine cannot compile a benchmark
#   --list            print the benchmark names and exit
#
# Kiln: $KILN if set, else `kiln` on PATH, else the repo's build/compiler/kiln.
# Results: bench/results, or $BENCH_RESULTS.
# Needs no network once scripts/setup-bench.sh has installed its packages.
#
# Full runs that include kiln also run scripts/bench-instantiate.sh (the
# latency of instantiate + call + drop) and append its table to the report.
#
# Exit status: 0, or 1 when any engine printed a different result from native
# code, crashed, trapped or timed out (or, with --strict, failed to compile).
# Timings never fail the run.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bench_dir="$repo/bench"
programs="$bench_dir/programs"
results="${BENCH_RESULTS:-$bench_dir/results}"   # BENCH_RESULTS: another place for the report and builds
build="$results/build"
all_engines=(native kiln kiln-explicit kiln-cpu-native kiln-no-epoch kiln-fuel kiln-base node node-noliftoff wasm2c wasm2c-explicit)

die() { printf 'bench: error: %s\n' "$*" >&2; exit 2; }
note() { printf 'bench: %s\n' "$*" >&2; }

all_benches=()
for src in "$programs"/*.c; do
  all_benches+=("$(basename "$src" .c)")
done

command_line="scripts/bench.sh${*:+ $*}"
quick=0 reps="" jobs="" strict=0 engines_opt="" benches=()
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --reps) reps="${2:?--reps needs a number}"; shift ;;
    --reps=*) reps="${1#*=}" ;;
    --jobs) jobs="${2:?--jobs needs a number}"; shift ;;
    --jobs=*) jobs="${1#*=}" ;;
    --engines) engines_opt="${2:?--engines needs a list}"; shift ;;
    --engines=*) engines_opt="${1#*=}" ;;
    --strict) strict=1 ;;
    --list) printf '%s\n' "${all_benches[@]}"; exit 0 ;;
    -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) benches+=("$1") ;;
  esac
  shift
done
[ "${#benches[@]}" -gt 0 ] || benches=("${all_benches[@]}")
for b in "${benches[@]}"; do
  [ -f "$programs/$b.c" ] || die "no benchmark '$b' (have: ${all_benches[*]})"
done
if [ -n "$engines_opt" ]; then
  IFS=, read -r -a engines <<<"$engines_opt"
  for e in "${engines[@]}"; do
    [[ " ${all_engines[*]} " == *" $e "* ]] || die "unknown engine '$e' (have: ${all_engines[*]})"
  done
  [[ " ${engines[*]} " == *" native "* ]] || engines=(native "${engines[@]}")
else
  # Every engine; kiln-base only when KILN_BASE names a Kiln to compare with.
  engines=()
  for e in "${all_engines[@]}"; do
    [ "$e" = kiln-base ] && [ -z "${KILN_BASE:-}" ] && continue
    engines+=("$e")
  done
fi
if [ "$quick" = 1 ]; then
  reps="${reps:-1}" jobs="${jobs:-$(nproc 2>/dev/null || echo 2)}"
else
  reps="${reps:-5}" jobs="${jobs:-1}"
fi
[[ "$reps" =~ ^[1-9][0-9]*$ ]] || die "--reps wants a positive number"
[[ "$jobs" =~ ^[1-9][0-9]*$ ]] || die "--jobs wants a positive number"
has_engine() { [[ " ${engines[*]} " == *" $1 "* ]]; }

bash "$repo/scripts/setup-bench.sh"

# --- tools -------------------------------------------------------------------
cc=clang-19
wasm_cc=(env WASM_CC_CLANG="$cc" bash "$repo/scripts/wasm-cc")   # wasm32-wasi, pinned
wasm2c_rt=/usr/share/wabt/wasm2c   # wasm-rt-impl.c (wasm-rt.h is in /usr/include)
if [ -n "${KILN:-}" ]; then
  kiln="$KILN"
elif command -v kiln >/dev/null 2>&1; then
  kiln="$(command -v kiln)"
else
  kiln="$repo/build/compiler/kiln"
fi
if has_engine kiln || has_engine kiln-explicit || has_engine kiln-cpu-native || has_engine kiln-no-epoch ||
  has_engine kiln-fuel; then
  [ -x "$kiln" ] || die "no Kiln at $kiln: build it (scripts/setup.sh), or set KILN"
fi
note "kiln: $kiln"
if has_engine kiln-base; then
  [ -n "${KILN_BASE:-}" ] && [ -x "$KILN_BASE" ] || die "kiln-base needs KILN_BASE, the Kiln to compare with"
  note "kiln-base: $KILN_BASE"
fi

# --- builds --------------------------------------------------------------------
# Every build step appends one line to $build/status/BENCH.ENGINE:
#   bench <TAB> engine <TAB> ok|fail|crash|skip <TAB> seconds <TAB> bytes <TAB> message
rm -rf "$build"
mkdir -p "$build"/{status,logs,wasm,native,kiln,kiln-explicit,kiln-cpu-native,kiln-no-epoch,kiln-fuel,kiln-base,wasm2c,wasm2c-explicit,wasm2c-rt}
rm -f "$results"/{latest.md,latest.json,ratios.tsv,ratios.png}   # never report a previous run's

now() { echo "$EPOCHREALTIME"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

# record BENCH ENGINE STATUS SECONDS FILE LOG [PREFIX]
record() {
  local bytes="" message=""
  [ -f "$5" ] && bytes="$(stat -c %s "$5")"
  if [ "$3" != ok ] && [ -f "$6" ]; then
    # the first line that looks like an error, else the last line of the log
    message="${7:-}$(grep -m1 -iE 'error|abort|fault|not supported' "$6" || tail -n1 "$6")"
    # bash's own report of a killed job names this script: keep only the command's part
    message="$(printf '%s' "$message" | sed -E 's/^[^ ]*bench\.sh: line [0-9]+: +[0-9]+ +//' |
      tr '\t\r\n' '   ' | tr -s ' ' | cut -c1-200)"
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$bytes" "$message" >"$build/status/$1.$2"
}

# step BENCH ENGINE OUTPUT -- COMMAND...: run one timed build step, record it.
# A compiler killed by a signal is a crash; any other failure is "fail".
step() {
  local bench="$1" engine="$2" output="$3"; shift 4
  local log="$build/logs/$bench.$engine.log" t0 t1 rc=0
  t0="$(now)"
  "$@" >>"$log" 2>&1 || rc=$?
  t1="$(now)"
  local status=ok prefix=""
  if [ "$rc" -ne 0 ] || [ ! -f "$output" ]; then
    status=fail
    if [ "$rc" -gt 128 ]; then
      status=crash prefix="killed by signal $((rc - 128)) ($(kill -l "$rc" 2>/dev/null || echo "?")): "
    fi
    rm -f "$output"
  fi
  record "$bench" "$engine" "$status" "$(elapsed "$t0" "$t1")" "$output" "$log" "$prefix"
  [ "$status" = ok ]
}

skip() { record "$1" "$2" skip "" "" ""; }

wasm2c_module() { # SRC_WASM MODE OUT_DIR OUT_EXE: wasm2c, then clang -O2, then link
  local wasm="$1" mode="$2" dir="$3" exe="$4"
  mkdir -p "$dir"
  wasm2c --module-name=bench "$wasm" -o "$dir/module.c" &&
    "$cc" -O2 "${wasm2c_flags[@]}" -I"$dir" -I"$bench_dir/wasm2c" -I"$wasm2c_rt" \
      -c "$dir/module.c" -o "$dir/module.o" &&
    "$cc" -O2 "${wasm2c_flags[@]}" -I"$dir" -I"$bench_dir/wasm2c" -I"$wasm2c_rt" \
      -c "$bench_dir/wasm2c/main.c" -o "$dir/main.o" &&
    "$cc" "$dir/module.o" "$dir/main.o" "$build/wasm2c-rt/$mode"/*.o -lm -o "$exe"
}

build_one() { # BENCH SOURCE
  local b="$1" src="$2" simd=()
  [ "$b" = simd ] && simd=(-msimd128)
  local wasm="$build/wasm/$b.wasm"
  step "$b" native "$build/native/$b" -- \
    "$cc" -O2 -I"$programs" "$src" -lm -o "$build/native/$b" || true
  if ! step "$b" wasm "$wasm" -- \
    "${wasm_cc[@]}" -O2 -mbulk-memory "${simd[@]}" -I"$programs" "$src" -o "$wasm"; then
    for e in kiln kiln-explicit kiln-cpu-native kiln-no-epoch kiln-fuel kiln-base wasm2c wasm2c-explicit; do skip "$b" "$e"; done
    return 0
  fi
  if has_engine kiln; then
    step "$b" kiln "$build/kiln/$b" -- "$kiln" build "$wasm" -o "$build/kiln/$b" || true
  fi
  if has_engine kiln-explicit; then
    step "$b" kiln-explicit "$build/kiln-explicit/$b" -- \
      "$kiln" build --bounds-checks=explicit "$wasm" -o "$build/kiln-explicit/$b" || true
  fi
  if has_engine kiln-cpu-native; then
    step "$b" kiln-cpu-native "$build/kiln-cpu-native/$b" -- \
      "$kiln" build --cpu=native "$wasm" -o "$build/kiln-cpu-native/$b" || true
  fi
  # What interruption and metering cost: epoch checks off; fuel metering on
  # (with more fuel than any run uses).
  if has_engine kiln-no-epoch; then
    step "$b" kiln-no-epoch "$build/kiln-no-epoch/$b" -- \
      "$kiln" build --epoch-checks=off "$wasm" -o "$build/kiln-no-epoch/$b" || true
  fi
  if has_engine kiln-fuel; then
    step "$b" kiln-fuel "$build/kiln-fuel/$b" -- \
      "$kiln" build --fuel 9223372036854775807 "$wasm" -o "$build/kiln-fuel/$b" || true
  fi
  if has_engine kiln-base; then
    step "$b" kiln-base "$build/kiln-base/$b" -- \
      "$KILN_BASE" build "$wasm" -o "$build/kiln-base/$b" || true
  fi
  local mode
  for mode in wasm2c wasm2c-explicit; do
    has_engine "$mode" || continue
    wasm2c_flags=()
    [ "$mode" = wasm2c-explicit ] && wasm2c_flags=(-DWASM_RT_MEMCHECK_SIGNAL_HANDLER=0 -DWASM_RT_MAX_CALL_STACK_DEPTH=100000)
    step "$b" "$mode" "$build/$mode/$b" -- \
      wasm2c_module "$wasm" "$mode" "$build/$mode/$b.src" "$build/$mode/$b" || true
  done
}

# The wasm2c runtime and our WASI glue, once per memory-check mode:
#   wasm2c           guard pages (8 GiB reservation, signal handler): wasm2c's default on x86-64
#   wasm2c-explicit  a bounds check on every access (WASM_RT_MEMCHECK_SIGNAL_HANDLER=0)
for mode in wasm2c wasm2c-explicit; do
  has_engine "$mode" || continue
  wasm2c_flags=()
  [ "$mode" = wasm2c-explicit ] && wasm2c_flags=(-DWASM_RT_MEMCHECK_SIGNAL_HANDLER=0 -DWASM_RT_MAX_CALL_STACK_DEPTH=100000)
  mkdir -p "$build/wasm2c-rt/$mode"
  for c in "$wasm2c_rt/wasm-rt-impl.c" "$bench_dir/wasm2c/wasi_glue.c"; do
    "$cc" -O2 "${wasm2c_flags[@]}" -I"$bench_dir/wasm2c" -I"$wasm2c_rt" -c "$c" \
      -o "$build/wasm2c-rt/$mode/$(basename "$c" .c).o" || die "cannot build the wasm2c runtime ($c)"
  done
done

note "building ${#benches[@]} benchmarks + hello for: ${engines[*]} ($jobs at a time)"
t_build="$(now)"
for b in hello "${benches[@]}"; do
  src="$programs/$b.c"
  [ "$b" = hello ] && src="$bench_dir/hello.c"
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
  build_one "$b" "$src" &
done
wait
cat "$build"/status/* >"$build/builds.tsv"
note "built in $(elapsed "$t_build" "$(now)") s"

# --- run and report ------------------------------------------------------------------
args=(--build "$build" --results "$results" --benches "$(IFS=,; echo "${benches[*]}")"
      --engines "$(IFS=,; echo "${engines[*]}")" --reps "$reps" --kiln "$kiln"
      --node-runner "$bench_dir/node/run.mjs" --repo "$repo")
[ "$quick" = 1 ] && args+=(--quick)
[ "$strict" = 1 ] && args+=(--strict)
status=0
python3 "$bench_dir/harness/run.py" "${args[@]}" --command "$command_line" || status=$?

if [ -s "$results/ratios.tsv" ] && command -v gnuplot >/dev/null 2>&1; then
  subtitle="$(date -u '+%Y-%m-%d %H:%M UTC'), $(
    [ "$quick" = 1 ] && echo "quick size: start-up dominates" || echo "full size"), $reps repetition(s): $command_line"
  gnuplot -e "datafile='$results/ratios.tsv'; outfile='$results/ratios.png'; subtitle='$subtitle'" \
    "$bench_dir/harness/ratios.gp" 2>"$build/logs/gnuplot.log" ||
    note "gnuplot failed (see $build/logs/gnuplot.log)"
fi
# Instantiation (bench/instantiate, scripts/bench-instantiate.sh): in full
# runs that include kiln, appended to the report.
if [ "$quick" = 0 ] && [[ " ${engines[*]} " == *" kiln "* ]] && [ -f "$results/latest.md" ]; then
  note "instantiation (scripts/bench-instantiate.sh)"
  if table="$(KILN="$kiln" bash "$repo/scripts/bench-instantiate.sh" 10000)"; then
    printf '\n## Instantiation\n\nInstantiate + call + drop, each in a fresh store (`scripts/bench-instantiate.sh 10000`):\n\n%s\n' \
      "$table" >>"$results/latest.md"
  else
    note "the instantiation benchmark failed"
    status=1
  fi
fi
note "report: $results/latest.md (exit status $status)"
exit "$status"
