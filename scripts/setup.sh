#!/usr/bin/env bash
# Sets Kiln up on Debian 12 (bookworm): installs what it needs to build and
# test, builds it (Release, in build/), installs it (to /usr/local, or
# $PREFIX), and compiles and runs an example program with it.
#
#   bash scripts/setup.sh                  # as root, or as a user with sudo
#   PREFIX=$HOME/.local bash scripts/setup.sh
#
# Safe to run again: packages already installed are not fetched again, and
# the build is incremental.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$repo/build"
prefix="${PREFIX:-/usr/local}"
jobs="$(nproc 2>/dev/null || echo 2)"

step() { printf '\n==> %s\n' "$*"; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
  fi
fi

# ---------------------------------------------------------------------------
step "Checking system packages"

packages=(
  # compilers and build tools
  build-essential cmake ninja-build git ca-certificates python3
  # LLVM 19 and lld 19 as libraries, plus what their CMake configs look for
  llvm-19-dev liblld-19-dev lld-19
  zlib1g-dev libzstd-dev libedit-dev libxml2-dev libffi-dev libtinfo-dev libncurses-dev
  # the command line and the tests
  libcli11-dev libgtest-dev nlohmann-json3-dev
  # kiln serve (HTTP by GNU libmicrohttpd; pkg-config finds it) and its tests (curl)
  libmicrohttpd-dev pkg-config curl
  # WebAssembly test inputs: C through clang with wasi-libc, and WAT
  clang-19 libclang-rt-19-dev-wasm32 wasi-libc wabt
  # the differential fuzzer (scripts/fuzz.sh): binaryen's module generator,
  # V8 as the reference engine; clang's libFuzzer and sanitizer runtimes
  # (scripts/libfuzz.sh)
  binaryen nodejs libclang-rt-19-dev
  # the benchmark programs' checksum test (GNU time: peak memory)
  time
)

missing=()
for package in "${packages[@]}"; do
  status="$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)"
  [ "$status" = "installed" ] || missing+=("$package")
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "All ${#packages[@]} packages are installed."
else
  echo "Installing: ${missing[*]}"
  if [ "$(id -u)" -ne 0 ] && [ "${#as_root[@]}" -eq 0 ]; then
    die "not running as root and sudo is not available; install these packages as root: ${missing[*]}"
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${as_root[@]}" apt-get update
  "${as_root[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
fi

# ---------------------------------------------------------------------------
step "Configuring (Release) in $build"

configure=(cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$prefix")
# Keep the generator of an existing build directory; Ninja for a new one.
if [ ! -f "$build/CMakeCache.txt" ]; then
  configure+=(-G Ninja)
fi
"${configure[@]}"

# ---------------------------------------------------------------------------
step "Building with $jobs jobs"
cmake --build "$build" -j "$jobs"

# ---------------------------------------------------------------------------
step "Installing to $prefix"
install_prefix=()
mkdir -p "$prefix" 2>/dev/null || true
if [ -w "$prefix" ]; then
  cmake --install "$build" --prefix "$prefix"
elif [ "${#as_root[@]}" -gt 0 ]; then
  "${as_root[@]}" cmake --install "$build" --prefix "$prefix"
else
  die "cannot write to $prefix; run as root, or set PREFIX to a directory you own"
fi
kiln="$prefix/bin/kiln"
[ -x "$kiln" ] || die "$kiln was not installed"
"$kiln" --version
# libkiln.so and libkiln-compiler.so (the C API): let the loader find them
# in a system prefix (ldconfig's cache covers /usr/local/lib on Debian).
if [ -w /etc/ld.so.cache ] || [ "${#as_root[@]}" -gt 0 ]; then
  "${as_root[@]}" ldconfig 2>/dev/null || true
fi

# ---------------------------------------------------------------------------
step "Compiling examples/hello.c to WebAssembly (clang-19, wasm32-wasi)"
work="$(mktemp -d "${TMPDIR:-/tmp}/kiln-setup-XXXXXX")"
trap 'rm -rf "$work"' EXIT
bash "$repo/scripts/wasm-cc" -O2 "$repo/examples/hello.c" -o "$work/hello.wasm"
echo "$work/hello.wasm: $(stat -c %s "$work/hello.wasm") bytes"

# hello exits with the number of arguments it was given.
check_status() {
  local what="$1" want="$2" got="$3"
  [ "$got" -eq "$want" ] || die "$what exited with status $got, expected $want"
}

step "kiln build: a native executable"
"$kiln" build "$work/hello.wasm" -o "$work/hello"
status=0
GREETING="Hello again" "$work/hello" first "second argument" || status=$?
check_status "the built executable" 2 "$status"

step "kiln run: compile (cached) and run"
status=0
"$kiln" run --env GREETING=Bonjour "$work/hello.wasm" -- un deux trois || status=$?
check_status "kiln run" 3 "$status"

step "Done"
echo "kiln is installed as $kiln."
case ":$PATH:" in
  *":$prefix/bin:"*) ;;
  *) echo "Add $prefix/bin to your PATH to use it as 'kiln'." ;;
esac
echo "Try: kiln --help"
