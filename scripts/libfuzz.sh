#!/usr/bin/env bash
# libFuzzer campaigns on Kiln's decoder, compiler and runtime, under
# AddressSanitizer and UndefinedBehaviorSanitizer.
#
#   scripts/libfuzz.sh [--seconds N] [--targets decode,compile,instantiate]
#
# Builds tests/libfuzzer in build-fuzz/ (clang-19, -fsanitize=fuzzer, ASan,
# UBSan), makes a seed corpus from the binary modules of the spec suite
# (../shared/wasm-testsuite/core, through wast2json), and runs each target
# for N seconds (default 60) on one core, keeping what it learns in
# build-fuzz/corpus/TARGET. Prints the executions of each run and exits 1
# if any target crashed, leaked memory into a sanitizer report or hung;
# the input that did it is in build-fuzz/artifacts/TARGET/.
#
#   decode       any bytes: decode and validate, or a clean wasm::Error
#   compile      valid modules: translate, -O2, emit an object
#   instantiate  valid modules: compile, load, instantiate with stub
#                imports, call every export (limits: 64 MiB, 1 s)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds=60
targets="decode,compile,instantiate"
build="$repo/build-fuzz"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --targets) targets="$2"; shift 2 ;;
    -h|--help) sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "libfuzz.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[[ "$seconds" =~ ^[1-9][0-9]*$ ]] || { echo "libfuzz.sh: --seconds needs a positive number" >&2; exit 2; }

for tool in clang-19 clang++-19 wast2json; do
  command -v "$tool" >/dev/null || { echo "libfuzz.sh: $tool missing: run scripts/setup.sh" >&2; exit 2; }
done
if ! clang-19 -print-file-name=libclang_rt.fuzzer-x86_64.a 2>/dev/null | grep -q /; then
  echo "libfuzz.sh: clang-19's libFuzzer runtime is missing: apt-get install libclang-rt-19-dev (scripts/setup.sh)" >&2
  exit 2
fi

echo "== configuring and building the fuzz targets in $build"
if [[ ! -f "$build/CMakeCache.txt" ]]; then
  cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 \
    -DKILN_SANITIZE=address -DKILN_LIBFUZZER=ON -DKILN_BUILD_TESTS=OFF >/dev/null
fi
IFS=, read -r -a names <<<"$targets"
build_targets=()
for t in "${names[@]}"; do
  case "$t" in
    decode|compile|instantiate) build_targets+=("kiln-fuzz-$t") ;;
    *) echo "libfuzz.sh: unknown target '$t' (decode, compile, instantiate)" >&2; exit 2 ;;
  esac
done
cmake --build "$build" -j 2 --target "${build_targets[@]}"

# The seed corpus: every binary module of the spec suite, once.
seeds="$build/seeds"
if [[ ! -d "$seeds" ]]; then
  echo "== making the seed corpus from the spec suite"
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  for wast in "$repo"/../shared/wasm-testsuite/core/*.wast; do
    name="$(basename "$wast" .wast)"
    wast2json --enable-all "$wast" -o "$tmp/$name.json" >/dev/null 2>&1 || true
  done
  mkdir -p "$seeds.tmp"
  for wasm in "$tmp"/*.wasm; do
    cp "$wasm" "$seeds.tmp/$(sha1sum "$wasm" | cut -c1-16).wasm"
  done
  mv "$seeds.tmp" "$seeds"
fi
echo "seed corpus: $(ls "$seeds" | wc -l) modules"

# Kiln's own handler turns guest faults into traps (as in scripts/test.sh).
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allow_user_segv_handler=1:handle_segv=0:handle_sigbus=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

status=0
for t in "${names[@]}"; do
  corpus="$build/corpus/$t"
  artifacts="$build/artifacts/$t/"
  mkdir -p "$corpus" "$artifacts"
  log="$build/fuzz-$t.log"
  echo "== kiln-fuzz-$t for $seconds s"
  if "$build/tests/libfuzzer/kiln-fuzz-$t" "$corpus" "$seeds" -max_total_time="$seconds" -timeout=30 \
       -rss_limit_mb=4096 -max_len=65536 -print_final_stats=1 -artifact_prefix="$artifacts" >"$log" 2>&1; then
    result="no crash"
  else
    result="FAILED (see $log; inputs in $artifacts)"
    status=1
  fi
  runs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')"
  cov="$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | grep -o '[0-9]*' || echo '?')"
  echo "kiln-fuzz-$t: $runs executions in $seconds s, coverage $cov edges, corpus $(ls "$corpus" | wc -l) inputs: $result"
done
exit $status
