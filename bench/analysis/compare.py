#!/usr/bin/env python3
"""Times executables interleaved and prints each one's median and ratio to the first.

    bench/analysis/compare.py REPS ARG exe1 exe2 ...   (ARG: the size argument, or - for none)

Also says whether each printed the same output as the first.
"""
import statistics
import subprocess
import sys
import time


def time_interleaved(exes, reps, args=(), after_rep=None):
    """Runs every executable once per repetition, in turn; returns
    ({exe: [seconds]}, {exe: stdout of its first run})."""
    times = {e: [] for e in exes}
    outputs = {}
    for rep in range(reps):
        for e in exes:
            start = time.perf_counter()
            out = subprocess.run([e, *args], capture_output=True).stdout
            times[e].append(time.perf_counter() - start)
            outputs.setdefault(e, out)
        if after_rep:
            after_rep(rep)
    return times, outputs


def main():
    reps, arg, exes = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    times, outputs = time_interleaved(exes, reps, [] if arg == "-" else [arg])
    base = statistics.median(times[exes[0]])
    for e in exes:
        m = statistics.median(times[e])
        same = "same output" if outputs[e] == outputs[exes[0]] else "DIFFERENT OUTPUT"
        print(f"{e:44s} {m:7.3f} s  {m / base:5.2f}x  {same}")


if __name__ == "__main__":
    main()
