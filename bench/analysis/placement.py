#!/usr/bin/env python3
"""What a compiler setting costs, with the code-placement lottery averaged out.

On the Zen 5 reference machine a hot loop that starts in the first 8 bytes of
a 64-byte line runs up to 30 % slower (bench/FINDINGS.md), so comparing two
builds of a benchmark mostly compares where their loops happened to land.
This script builds every benchmark once per setting and per code shift (0, 8,
..., 56 bytes of padding before the compiled code, `-kiln-code-shift`, which
moves every loop through each 8-byte window of its line), runs all builds
interleaved, and compares settings by the mean over the shifts of each
build's fastest time (on a shared machine noise only ever adds time, and a
median of a few runs still carries much of it; the geometric mean of the
ratios of medians is printed too).

    bench/analysis/placement.py WASM_DIR REPS BASE=FLAGS OTHER=FLAGS ... [-- BENCH ...]

    # after scripts/bench.sh (which leaves the wasm in bench/results/build/wasm):
    bench/analysis/placement.py bench/results/build/wasm 3 \\
        no-epoch="--epoch-checks=off" kiln="" fuel="--fuel 9223372036854775807"

A FLAGS word of the form llvm:OPTION passes OPTION to Kiln's LLVM (through
KILN_LLVM_ARGS), for settings that only a developer option reaches:

    bench/analysis/placement.py WASM_DIR 3 counter="llvm:-kiln-epoch-induction=false" kiln=""

Prints a markdown table of mean fastest times and ratios to the first setting, and the
geometric mean of each ratio. Kiln is $KILN, else build/compiler/kiln.
"""
import math
import os
import shlex
import statistics
import subprocess
import sys
import tempfile

from compare import time_interleaved

SHIFTS = [0, 8, 16, 24, 32, 40, 48, 56]


def main():
    args = sys.argv[1:]
    benches = []
    if "--" in args:
        benches = args[args.index("--") + 1:]
        args = args[:args.index("--")]
    if len(args) < 3:
        sys.exit(__doc__)
    wasm_dir, reps, settings = args[0], int(args[1]), [a.split("=", 1) for a in args[2:]]
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    kiln = os.environ.get("KILN", os.path.join(repo, "build", "compiler", "kiln"))
    if not benches:
        benches = sorted(f[:-5] for f in os.listdir(wasm_dir) if f.endswith(".wasm") and f != "hello.wasm")
    work = tempfile.mkdtemp(prefix="kiln-placement-")
    builds = {}  # (bench, setting, shift) -> exe
    for bench in benches:
        for name, flags in settings:
            for shift in SHIFTS:
                exe = os.path.join(work, f"{bench}.{name}.{shift}")
                words = shlex.split(flags)
                llvm = [w[len("llvm:"):] for w in words if w.startswith("llvm:")]
                env = dict(os.environ, KILN_LLVM_ARGS=" ".join([f"-kiln-code-shift={shift}", *llvm]))
                kiln_flags = [w for w in words if not w.startswith("llvm:")]
                subprocess.run([kiln, "build", *kiln_flags, os.path.join(wasm_dir, bench + ".wasm"), "-o", exe],
                               env=env, check=True)
                builds[(bench, name, shift)] = exe
        print(f"placement: built {bench}", file=sys.stderr, flush=True)
    by_exe, outputs = time_interleaved(
        list(builds.values()), reps,
        after_rep=lambda rep: print(f"placement: repetition {rep + 1} of {reps} done", file=sys.stderr, flush=True))
    for (bench, name, _), exe in builds.items():
        if outputs[exe] != outputs[builds[(bench, settings[0][0], SHIFTS[0])]]:
            sys.exit(f"placement: {exe} printed a different result")
    times = {key: by_exe[exe] for key, exe in builds.items()}
    names = [n for n, _ in settings]
    print("| benchmark | " + " | ".join(names) + " |")
    print("|---|" + "---:|" * len(names))
    logs = {n: [] for n in names}
    median_logs = {n: [] for n in names}
    for bench in benches:
        mean = {n: statistics.mean(min(times[(bench, n, s)]) for s in SHIFTS) for n in names}
        mean_median = {n: statistics.mean(statistics.median(times[(bench, n, s)]) for s in SHIFTS) for n in names}
        cells = []
        for n in names:
            ratio = mean[n] / mean[names[0]]
            logs[n].append(math.log(ratio))
            median_logs[n].append(math.log(mean_median[n] / mean_median[names[0]]))
            cells.append(f"{mean[n]:.3f} ({ratio:.3f}x)")
        print(f"| {bench} | " + " | ".join(cells) + " |")
    print("| **geomean ratio** | " + " | ".join(f"**{math.exp(statistics.mean(logs[n])):.3f}x**" for n in names) + " |")
    print("| geomean ratio of medians | " + " | ".join(f"{math.exp(statistics.mean(median_logs[n])):.3f}x"
                                                      for n in names) + " |")


if __name__ == "__main__":
    main()
