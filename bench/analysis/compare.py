#!/usr/bin/env python3
"""Times executables interleaved and prints each one's median and ratio to the first.

    bench/analysis/compare.py REPS ARG exe1 exe2 ...   (ARG: the size argument, or - for none)

Also says whether each printed the same output as the first.
"""
import statistics
import subprocess
import sys
import time

reps, arg, exes = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
times = {e: [] for e in exes}
outputs = {}
for _ in range(reps):
    for e in exes:
        start = time.perf_counter()
        out = subprocess.run([e] + ([] if arg == "-" else [arg]), capture_output=True).stdout
        times[e].append(time.perf_counter() - start)
        outputs.setdefault(e, out)
base = statistics.median(times[exes[0]])
for e in exes:
    m = statistics.median(times[e])
    same = "same output" if outputs[e] == outputs[exes[0]] else "DIFFERENT OUTPUT"
    print(f"{e:44s} {m:7.3f} s  {m / base:5.2f}x  {same}")
