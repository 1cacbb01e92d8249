#!/usr/bin/env bash
# Rebuilds a Kiln executable from Kiln's unoptimised IR with LLVM 19's own
# tools, so that one thing at a time can be changed (an opt flag, an IR edit)
# and timed. bench/FINDINGS.md uses it.
#
#   kiln compile app.wasm --emit=llvm -O0 -o app.ll
#   bench/analysis/relink.sh app.ll app.base                     # ~ kiln build app.wasm
#   bench/analysis/relink.sh app.ll app.nowiden -indvars-widen-indvars=false
#
# Extra arguments go to opt. The runtime archives come from $KILN_RUNTIME_DIR
# (default: the runtime/ directory next to the kiln binary's compiler/).
# Differences from kiln build: opt -O2 also runs the SLP vectorizer; compare
# variants with each other, and with the real kiln build as a sanity check.
set -euo pipefail
in="$1" out="$2"; shift 2
kiln="${KILN:-$(command -v kiln || echo build/compiler/kiln)}"
rt="${KILN_RUNTIME_DIR:-$(cd "$(dirname "$kiln")/../runtime" && pwd)}"
llvm=/usr/lib/llvm-19/bin
"$llvm/opt" -O2 -mcpu=x86-64-v2 "$@" "$in" -o "$out.bc"
"$llvm/llc" -O2 -mcpu=x86-64-v2 -relocation-model=pic -filetype=obj "$out.bc" -o "$out.o"
clang-19 -fuse-ld=lld "$out.o" "$rt/libkiln-rt-main.a" "$rt/libkiln-rt.a" -lstdc++ -lm -lpthread -ldl -o "$out"
rm -f "$out.bc" "$out.o"
