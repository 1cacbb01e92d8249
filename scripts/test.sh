#!/usr/bin/env bash
# Builds Kiln if needed and runs every test (unit, end-to-end, spec) with
# CTest. Extra arguments go to ctest (for example: -R link_test, -L e2e).
#
#   bash scripts/test.sh              # uses build/ (as scripts/setup.sh does)
#   bash scripts/test.sh --asan       # build-asan/, Kiln built with ASan+UBSan
#   bash scripts/test.sh --tsan       # build-tsan/, Kiln built with ThreadSanitizer; runs only
#                                     # the runtime's unit tests (runtime_test, wasi_test,
#                                     # dagger_test, host_wait_test), the concurrency suite and the C API's
#                                     # threads and pool programs: the other tests
#                                     # run guest code or the compiler on one thread, where TSan
#                                     # has nothing to find; it says which it skipped
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$repo/build"
config=(-DKILN_BUILD_TESTS=ON)
jobs="$(nproc 2>/dev/null || echo 2)"
sanitizer=""

# Under TSan: the test executables that exercise the runtime, and the
# targets they need (kiln compiles the concurrency suite's modules).
tsan_tests=(runtime_test wasi_test dagger_test host_wait_test concurrency_test capi_threads capi_pool)
tsan_targets=(kiln "${tsan_tests[@]}")

ctest_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --asan)
      build="$repo/build-asan"
      sanitizer=address
      config+=(-DKILN_SANITIZE=address)
      ;;
    --tsan)
      build="$repo/build-tsan"
      sanitizer=thread
      config+=(-DKILN_SANITIZE=thread)
      ;;
    -h|--help)
      sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
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
  [ -n "$sanitizer" ] && build_type=RelWithDebInfo
  cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE="$build_type" "${config[@]}"
else
  # Make sure the tests (and the sanitizer) are on in an existing build directory.
  cmake -S "$repo" -B "$build" "${config[@]}" >/dev/null
fi

step "Building ($build)"
if [ "$sanitizer" = thread ]; then
  cmake --build "$build" -j "$jobs" --target "${tsan_targets[@]}"
else
  cmake --build "$build" -j "$jobs"
fi

step "Testing"
case "$sanitizer" in
  address)
    # Kiln reserves large guard regions and handles SIGSEGV itself.
    export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:allow_user_segv_handler=1:handle_segv=0:handle_sigbus=0}"
    export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
    ;;
  thread)
    # As under ASan, Kiln's SIGSEGV/SIGBUS handler is the only one (it turns
    # faults in guest code into traps and leaves the others to the default
    # action). scripts/tsan.supp says why each entry is not a race. A report
    # fails the test (TSan's exit status 66).
    export TSAN_OPTIONS="${TSAN_OPTIONS:-handle_segv=0:handle_sigbus=0:second_deadlock_stack=1:suppressions=$repo/scripts/tsan.supp}"
    labels="$(IFS='|'; echo "^(${tsan_tests[*]})\$")"
    echo "ThreadSanitizer: running ${tsan_tests[*]} (ctest -L '$labels')"
    echo "ThreadSanitizer: skipping the other unit tests (compiler, linker, driver), the other capi.*, e2e, spec.core.*,"
    echo "  wasi.testsuite and bench.checksums: single-threaded, or guest code that TSan does not see"
    ctest_args=(-L "$labels" "${ctest_args[@]}")
    ;;
esac
ctest --test-dir "$build" --output-on-failure -j "$jobs" "${ctest_args[@]}"
