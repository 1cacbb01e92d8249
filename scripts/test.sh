#!/usr/bin/env bash
# Builds Kiln if needed and runs every test (unit, end-to-end, spec) with
# CTest. Extra arguments go to ctest (for example: -R link_test, -L e2e).
#
#   bash scripts/test.sh              # uses build/ (as scripts/setup.sh does)
#   bash scripts/test.sh --asan       # build-asan/, Kiln built with ASan+UBSan
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$repo/build"
config=(-DKILN_BUILD_TESTS=ON)
jobs="$(nproc 2>/dev/null || echo 2)"

ctest_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --asan)
      build="$repo/build-asan"
      config+=(-DKILN_SANITIZE=ON)
      ;;
    -h|--help)
      sed -n '2,7p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      ctest_args+=("$1")
      ;;
  esac
  shift
done

step() { printf '\n==> %s\n' "$*"; }

if [ ! -f "$build/CMakeCache.txt" ]; then
  step "Configuring $build"
  build_type=Release
  [ "$build" = "$repo/build-asan" ] && build_type=RelWithDebInfo
  cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE="$build_type" "${config[@]}"
else
  # Make sure the tests are on in an existing build directory.
  cmake -S "$repo" -B "$build" "${config[@]}" >/dev/null
fi

step "Building ($build)"
cmake --build "$build" -j "$jobs"

step "Testing"
if [ "$build" = "$repo/build-asan" ]; then
  # Kiln reserves large guard regions and handles SIGSEGV itself.
  export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:allow_user_segv_handler=1:handle_segv=0:handle_sigbus=0}"
  export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
fi
ctest --test-dir "$build" --output-on-failure -j "$jobs" "${ctest_args[@]}"
