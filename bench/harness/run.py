#!/usr/bin/env python3
"""Runs the benchmark executables that scripts/bench.sh built, and reports.

Engines run interleaved: each repetition goes through every benchmark, and for
each benchmark through every engine, in an order that rotates from one
repetition to the next. Every run's standard output is compared with native
code's; a difference, a non-zero exit, a signal or a time-out is a failure of
that engine on that benchmark (it is then not run again).

Writes latest.md (also printed), latest.json (every sample) and ratios.tsv
(for the chart) into --results. Exit status 1 if anything failed (see
failure_counts), else 0. Python 3 standard library only.
"""
import argparse
import datetime
import json
import math
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ENGINES = ["native", "kiln", "kiln-explicit", "kiln-cpu-native", "kiln-no-epoch", "kiln-fuel", "kiln-base", "node",
           "node-noliftoff",
           "wasm2c", "wasm2c-explicit"]
DESCRIPTIONS = {
    "native": "the C source compiled by clang-19 -O2 for x86-64 (the reference)",
    "kiln": "`kiln build` executable, guard-page bounds checks (default)",
    "kiln-explicit": "`kiln build --bounds-checks=explicit` executable",
    "kiln-cpu-native": "`kiln build --cpu=native` executable: code for this machine's CPU, not the portable x86-64-v2",
    "kiln-no-epoch": "`kiln build --epoch-checks=off` executable: without the interruption checks (what they cost)",
    "kiln-fuel": "`kiln build --fuel N` executable (N = 2^63-1): with fuel metering (what it costs)",
    "kiln-base": "`kiln build` executable by the Kiln at $KILN_BASE (a baseline: another commit)",
    "node": "Node's V8 through node:wasi, default tiering (Liftoff, then TurboFan)",
    "node-noliftoff": "Node's V8 with `--no-liftoff` (TurboFan only)",
    "wasm2c": "wabt's wasm2c, then clang-19 -O2; guard pages (wasm2c's default on x86-64)",
    "wasm2c-explicit": "wasm2c, then clang-19 -O2 with WASM_RT_MEMCHECK_SIGNAL_HANDLER=0 (explicit checks)",
}
COMPILED = ["kiln", "kiln-explicit", "kiln-cpu-native", "kiln-no-epoch", "kiln-fuel", "kiln-base", "wasm2c",
            "wasm2c-explicit"]  # engines with a build step of their own
KILN_ENGINES = {"kiln", "kiln-explicit", "kiln-cpu-native", "kiln-no-epoch", "kiln-fuel", "kiln-base"}
STARTUP_RUNS = {"full": 51, "quick": 3}
TIMEOUT = {"full": 600.0, "quick": 120.0}


def log(message):
    print(f"bench: {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------
# Running one command


class Result:
    def __init__(self, seconds, rss_kib, code, stdout, stderr, timed_out):
        self.seconds, self.rss_kib, self.code = seconds, rss_kib, code
        self.stdout, self.stderr, self.timed_out = stdout, stderr, timed_out


TIME = "/usr/bin/time"  # GNU time: a small parent, so the peak RSS is the program's own


def run_once(cmd, timeout, measure_rss=True):
    """Runs cmd, returning wall time, peak RSS in KiB, exit code (negative: a
    signal) and output. The RSS comes from GNU time's %M: a child forked by
    this Python process would report Python's own RSS as its floor."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile("r") as rss_file:
        wrap = measure_rss and os.access(TIME, os.X_OK)
        argv = [TIME, "-f", "%M", "-o", rss_file.name, *cmd] if wrap else cmd
        timed_out = threading.Event()
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                start_new_session=True)

        def kill():
            timed_out.set()
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

        timer = threading.Timer(timeout, kill)
        timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        timer.cancel()
        code = proc.returncode = os.waitstatus_to_exitcode(status)
        rss = usage.ru_maxrss
        if wrap:
            lines = rss_file.read().split("\n")
            for line in lines:
                if line.startswith("Command terminated by signal "):
                    code = -int(line.split()[-1])
            numbers = [line for line in lines if line.strip().isdigit()]
            rss = int(numbers[-1]) if numbers else None
        out.seek(0)
        err.seek(0)
        return Result(seconds, rss, code, out.read().decode("utf-8", "replace"),
                      err.read().decode("utf-8", "replace"), timed_out.is_set())


def describe_exit(result):
    if result.timed_out:
        return "timeout", "no result within the time limit"
    detail = (result.stderr.strip().splitlines() or [""])[-1][:200]
    if result.code < 0:
        name = signal.Signals(-result.code).name if -result.code in signal.Signals._value2member_map_ else -result.code
        return "crash", f"killed by {name}" + (f": {detail}" if detail else "")
    if result.code == 134:
        return "crash", f"exit 134 (trap/abort): {detail}"
    return "crash", f"exit status {result.code}" + (f": {detail}" if detail else "")


def first_difference(got, want):
    g, w = got.splitlines(), want.splitlines()
    for i in range(max(len(g), len(w))):
        a = g[i] if i < len(g) else "<missing>"
        b = w[i] if i < len(w) else "<missing>"
        if a != b:
            return f"line {i + 1}: got `{a[:80]}`, native `{b[:80]}`"
    return "output differs"


# --------------------------------------------------------------------------------------------
# Machine and versions


def capture(cmd, first_line=True):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=60).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return "not available"
    if first_line:
        out = out.splitlines()[0] if out else ""
    return out or "not available"


def machine_info():
    info = {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if not line.strip():
                    break  # the first processor is enough
                key, _, value = line.partition(":")
                info[key.strip()] = value.strip()
    except OSError:
        pass
    model = info.get("model name", "unknown")
    if "cpu family" in info:
        model += f" (family {info['cpu family']}, model {info.get('model', '?')})"
    flags = info.get("flags", "").split()
    simd = [f for f in ("sse4_2", "avx2", "avx512f") if f in flags]
    if simd:
        model += ", " + "/".join(simd)
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kib = int(f.readline().split()[1])
            mem = f"{kib / 1048576:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory": mem,
        "kernel": f"{platform.system()} {platform.release()} {platform.machine()}",
        "load_average": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def versions(args):
    dpkg = lambda name: capture(["dpkg-query", "-W", "-f=${Version}", name])
    commit = capture(["git", "-C", args.repo, "rev-parse", "--short", "HEAD"])
    dirty = capture(["git", "-C", args.repo, "status", "--porcelain", "--untracked-files=no"], False)
    if dirty not in ("", "not available"):
        commit += " (with uncommitted changes)"
    try:
        built = datetime.datetime.fromtimestamp(os.path.getmtime(args.kiln)).astimezone().strftime("%Y-%m-%d %H:%M %Z")
    except OSError:
        built = "?"
    return {
        "kiln": f"{capture([args.kiln, '--version'])} ({args.kiln}, built {built})",
        "repository HEAD when the report was written": commit,
        "clang (native, wasm32-wasi, wasm2c output)": capture(["clang-19", "--version"]),
        "wasi-libc": dpkg("wasi-libc"),
        "node": f"{capture(['node', '--version'])} (V8 {capture(['node', '-p', 'process.versions.v8'])})",
        "wasm2c (wabt)": f"{capture(['wasm2c', '--version'])} (Debian wabt {dpkg('wabt')})",
        "gnuplot": capture(["gnuplot", "--version"]),
        "python": platform.python_version(),
    }


# --------------------------------------------------------------------------------------------
# Statistics and formatting


def geomean(values):
    values = [v for v in values if v and v > 0]
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else None


def spread_table(results, benches, engines):
    rows = []
    for b in benches:
        row = [b]
        for e in engines:
            t = results[b][e]["times"]
            ok = len(t) > 1 and not results[b][e]["failure"]
            row.append(f"{(max(t) - min(t)) / statistics.median(t) * 100:.0f}%" if ok else "–")
        rows.append(row)
    return ("### Spread of the repetitions\n\n(max − min) / median of each engine's times, in percent.\n\n"
            + table(["benchmark"] + engines, rows) + "\n")


def fmt_s(x):
    return f"{x:.3f}" if x is not None else "–"


def table(header, rows, numeric=True):
    align = ["---"] + ["---:" if numeric else "---"] * (len(header) - 1)
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", required=True)
    ap.add_argument("--results", required=True)
    ap.add_argument("--benches", required=True)
    ap.add_argument("--engines", default=",".join(ENGINES))
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--strict", action="store_true")
    ap.add_argument("--kiln", default="kiln")
    ap.add_argument("--node-runner", required=True)
    ap.add_argument("--repo", default=".")
    ap.add_argument("--command", default="scripts/bench.sh")
    args = ap.parse_args()

    size = "quick" if args.quick else "full"
    benches = [b for b in args.benches.split(",") if b]
    engines = [e for e in ENGINES if e in args.engines.split(",")]
    build = args.build

    builds = {}  # (bench, step) -> dict
    with open(os.path.join(build, "builds.tsv")) as f:
        for line in f:
            fields = line.rstrip("\n").split("\t")
            fields += [""] * (6 - len(fields))
            bench, step, status, seconds, size_bytes, message = fields[:6]
            builds[(bench, step)] = {
                "status": status,
                "seconds": float(seconds) if seconds else None,
                "bytes": int(size_bytes) if size_bytes else None,
                "message": message,
            }

    def command(engine, bench):
        if engine.startswith("node"):
            flags = ["--no-liftoff"] if engine == "node-noliftoff" else []
            return ["node", "--no-warnings", *flags, args.node_runner, os.path.join(build, "wasm", bench + ".wasm")]
        return [os.path.join(build, engine, bench)]

    def build_failure(bench, engine):
        """None if the engine has an executable for bench, else (kind, detail)."""
        native = builds.get((bench, "native"), {"status": "fail", "message": "not built"})
        if engine == "native":
            return None if native["status"] == "ok" else ("compile", native["message"])
        wasm = builds.get((bench, "wasm"), {"status": "fail", "message": "not built"})
        if wasm["status"] != "ok":
            return ("compile", "clang could not build the .wasm: " + wasm["message"])
        if engine.startswith("node"):
            return None
        b = builds.get((bench, engine), {"status": "fail", "message": "not built"})
        if b["status"] == "ok":
            return None
        return ("compile-crash" if b["status"] == "crash" else "compile", b["message"])

    # results[bench][engine] = {"times": [...], "rss": [...], "failure": None | [kind, detail]}
    results = {b: {e: {"times": [], "rss": [], "failure": None} for e in engines} for b in benches}
    expected = {}
    for b in benches:
        for e in engines:
            failure = build_failure(b, e)
            if failure:
                results[b][e]["failure"] = list(failure)

    machine = machine_info()
    started = datetime.datetime.now().astimezone()
    run_args = ["quick"] if args.quick else []
    timeout = TIMEOUT[size]
    log(f"running {len(benches)} benchmarks x {len(engines)} engines x {args.reps} repetitions ({size} size)")
    for rep in range(args.reps):
        for bi, bench in enumerate(benches):
            k = (rep + bi) % len(engines)
            order = engines[k:] + engines[:k]
            if bench not in expected:  # native first, to have the reference output
                order = ["native"] + [e for e in order if e != "native"]
            line = []
            for engine in order:
                cell = results[bench][engine]
                if cell["failure"]:
                    continue
                if engine != "native" and bench not in expected:
                    cell["failure"] = ["no-reference", "native code failed, nothing to compare with"]
                    continue
                r = run_once(command(engine, bench) + run_args, timeout)
                if r.code != 0 or r.timed_out:
                    cell["failure"] = list(describe_exit(r))
                elif engine == "native" and bench not in expected:
                    expected[bench] = r.stdout
                elif r.stdout != expected[bench]:
                    cell["failure"] = ["mismatch", first_difference(r.stdout, expected[bench])]
                if cell["failure"]:
                    line.append(f"{engine} FAIL ({cell['failure'][0]})")
                    continue
                cell["times"].append(r.seconds)
                if r.rss_kib is not None:
                    cell["rss"].append(r.rss_kib)
                line.append(f"{engine} {r.seconds:.3f}")
            log(f"[{rep + 1}/{args.reps}] {bench}: " + ", ".join(line))

    # start-up: hello world, interleaved
    startup = {e: {"times": [], "failure": None} for e in engines}
    for e in engines:
        f = build_failure("hello", e)
        if f:
            startup[e]["failure"] = list(f)
    for _ in range(STARTUP_RUNS[size]):
        for e in engines:
            s = startup[e]
            if s["failure"]:
                continue
            r = run_once(command(e, "hello"), 60.0, measure_rss=False)
            if r.code != 0 or r.timed_out:
                s["failure"] = list(describe_exit(r))
            elif r.stdout != "hello, world\n":
                s["failure"] = ["mismatch", first_difference(r.stdout, "hello, world\n")]
            else:
                s["times"].append(r.seconds)
    log("start-up: " + ", ".join(
        f"{e} {statistics.median(s['times']) * 1000:.1f} ms" if s["times"] else f"{e} FAIL" for e, s in startup.items()))
    machine["load_average_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())

    # ---------------------------------------------------------------------- statistics
    median = {b: {e: (statistics.median(c["times"]) if c["times"] and not c["failure"] else None)
                  for e, c in row.items()} for b, row in results.items()}
    ratio = {b: {e: (median[b][e] / median[b]["native"] if median[b][e] and median[b]["native"] else None)
                 for e in engines} for b in benches}
    geo = {e: geomean([ratio[b][e] for b in benches]) for e in engines}
    geo_n = {e: sum(1 for b in benches if ratio[b][e]) for e in engines}
    common = [b for b in benches if all(ratio[b][e] for e in engines)]
    geo_common = {e: geomean([ratio[b][e] for b in common]) for e in engines}

    failures = []  # (bench, engine, kind, detail, counts)
    for b in benches:
        for e in engines:
            f = results[b][e]["failure"]
            if f:
                counts = f[0] in ("mismatch", "crash", "timeout", "no-reference") or e == "native" \
                    or (f[0] == "compile-crash" and e in KILN_ENGINES) or args.strict
                failures.append((b, e, f[0], f[1], counts))
    for e, s in startup.items():
        if s["failure"]:
            f = s["failure"]
            counts = f[0] in ("mismatch", "crash", "timeout") or e == "native" \
                or (f[0] == "compile-crash" and e in KILN_ENGINES) or args.strict
            failures.append(("hello", e, f[0], f[1], counts))
    failure_count = sum(1 for f in failures if f[4])

    # ---------------------------------------------------------------------- report
    def cell(b, e):
        f = results[b][e]["failure"]
        if f:
            return f"**FAIL** ({f[0]})"
        if e == "native":
            return fmt_s(median[b][e])
        return f"{fmt_s(median[b][e])} ({ratio[b][e]:.2f}×)"

    md = []
    md.append(f"# Kiln benchmarks ({size} size)\n")
    md.append(f"`{args.command}`, {started:%Y-%m-%d %H:%M %Z}: {args.reps} repetition(s) per engine and benchmark, "
              "engines interleaved; medians of wall-clock seconds, and in parentheses the ratio to native "
              "(lower is better). Every engine's output was compared with native code's.\n")
    if failure_count:
        md.append(f"**{failure_count} failure(s)**: see [Failures](#failures).\n")
    md.append("## Machine\n")
    md.append(f"- CPU: {machine['cpu']}, {machine['cores']} cores, {machine['memory']} memory; {machine['kernel']}")
    md.append(f"- Load average at the start: {machine['load_average']}; at the end: {machine['load_average_end']} "
              "(a load above the core count means other work shared the machine: treat times as indicative)\n")
    md.append("## Versions\n")
    vers = versions(args)
    md += [f"- {k}: {v}" for k, v in vers.items()]
    md.append("")
    md.append("## Engines\n")
    md += [f"- **{e}**: {DESCRIPTIONS[e]}" for e in engines]
    md.append("- Programs: `bench/programs/*.c`; wasm built by `clang-19 --target=wasm32-wasi -O2 -mbulk-memory` "
              "(`simd` also `-msimd128`) against Debian's wasi-libc.\n")

    md.append("## Run time\n")
    rows = [[b] + [cell(b, e) for e in engines] for b in benches]
    rows.append(["**geomean ratio**"] + [
        (f"**{geo[e]:.2f}×**" + (f" ({geo_n[e]}/{len(benches)})" if geo_n[e] < len(benches) else "")) if geo[e] else "–"
        for e in engines])
    if len(common) < len(benches) and common:
        rows.append([f"geomean, the {len(common)} benchmarks all engines ran"] +
                    [f"{geo_common[e]:.2f}×" for e in engines])
    md.append(table(["benchmark"] + engines, rows))
    md.append("\n![ratio to native per benchmark](ratios.png)\n")

    if args.reps > 1:
        md.append(spread_table(results, benches, engines))

    if "kiln-no-epoch" in engines and ("kiln" in engines or "kiln-fuel" in engines):
        # What the interruption checks (default on) and fuel metering cost,
        # each relative to the same build without them.
        costs = [(e, label) for e, label in (("kiln", "epoch checks (kiln ÷ kiln-no-epoch)"),
                                              ("kiln-fuel", "fuel (kiln-fuel ÷ kiln-no-epoch)")) if e in engines]
        md.append("## Cost of interruption and metering\n")
        md.append("Each build's median time divided by the same program built with `--epoch-checks=off`. "
                  "A single build's loops land at one offset in their cache lines, which on some CPUs moves a "
                  "loop's time by more than these checks cost; `bench/analysis/placement.py` averages over "
                  "eight code placements (bench/FINDINGS.md).\n")
        rel = {e: {b: (median[b][e] / median[b]["kiln-no-epoch"]
                       if median[b][e] and median[b]["kiln-no-epoch"] else None) for b in benches}
               for e, _ in costs}
        rows = [[b] + [f"{rel[e][b]:.3f}×" if rel[e][b] else "–" for e, _ in costs] for b in benches]
        means = [geomean(list(rel[e].values())) for e, _ in costs]
        rows.append(["**geomean**"] + [f"**{m:.3f}×**" if m else "–" for m in means])
        md.append(table(["benchmark"] + [label for _, label in costs], rows) + "\n")

    if "kiln-base" in engines and "kiln" in engines:
        md.append("## Against the baseline Kiln\n")
        md.append("Each benchmark's `kiln` median divided by the `kiln-base` median (the Kiln at $KILN_BASE), "
                  "both measured in this run.\n")
        rel = {b: (median[b]["kiln"] / median[b]["kiln-base"]
                   if median[b]["kiln"] and median[b]["kiln-base"] else None) for b in benches}
        rows = [[b, f"{rel[b]:.3f}×" if rel[b] else "–"] for b in benches]
        mean = geomean(list(rel.values()))
        rows.append(["**geomean**", f"**{mean:.3f}×**" if mean else "–"])
        md.append(table(["benchmark", "kiln ÷ kiln-base"], rows) + "\n")

    md.append("## Compile time\n")
    md.append("Seconds to build each program: clang to native code and to wasm (for reference), Kiln's "
              "`kiln build` (translate, optimise, emit, link), and wasm2c plus clang -O2 plus link.\n")
    steps = ["native", "wasm"] + [e for e in COMPILED if e in engines]
    rows = []
    for b in ["hello"] + benches:
        row = [b]
        for s in steps:
            info = builds.get((b, s))
            if not info:
                row.append("–")
            elif info["status"] != "ok":
                row.append(f"**FAIL** ({info['status']})")
            else:
                row.append(fmt_s(info["seconds"]))
        rows.append(row)
    md.append(table(["program", "clang native", "clang wasm"] + steps[2:], rows) + "\n")

    md.append("## Executable size\n")
    md.append("KiB on disk: the .wasm module, and each engine's executable (Node runs the .wasm itself).\n")
    rows = []
    for b in ["hello"] + benches:
        row = [b]
        for s in ["wasm", "native"] + [e for e in COMPILED if e in engines]:
            info = builds.get((b, s))
            row.append(f"{info['bytes'] / 1024:.0f}" if info and info["status"] == "ok" and info["bytes"] else "–")
        rows.append(row)
    md.append(table(["program", "wasm", "native"] + [e for e in COMPILED if e in engines], rows) + "\n")

    md.append("## Peak memory\n")
    md.append("Peak resident set (MiB, the largest over the repetitions; what `/usr/bin/time -f %M` reports).\n")
    rows = [[b] + [f"{max(results[b][e]['rss']) / 1024:.1f}" if results[b][e]["rss"] and not results[b][e]["failure"]
                   else "–" for e in engines] for b in benches]
    md.append(table(["benchmark"] + engines, rows) + "\n")

    md.append("## Start-up\n")
    md.append(f"A hello-world program (`bench/hello.c`): median wall-clock milliseconds of {STARTUP_RUNS[size]} runs, "
              "from exec to exit (for Node this includes compiling the module), and peak memory is above.\n")
    md.append(table(["engine", "ms"], [[e, f"**FAIL** ({s['failure'][0]})" if s["failure"] else
                                        f"{statistics.median(s['times']) * 1000:.1f}"] for e, s in startup.items()]) + "\n")

    md.append("## Failures\n")
    if not failures:
        md.append("None: every engine printed native code's result on every benchmark.\n")
    else:
        md.append("Kinds: *mismatch* (printed a different result), *crash* (non-zero exit, trap or signal), "
                  "*timeout*, *compile* (the engine could not build the program), *compile-crash* (its compiler "
                  "died). Mismatches, crashes, time-outs and a crashing Kiln make scripts/bench.sh exit 1"
                  + (" (and, with --strict, any compile failure)" if args.strict else "") + ".\n")
        md.append(table(["program", "engine", "kind", "counts", "detail"],
                        [[b, e, k, "yes" if c else "no", d.replace("|", "\\|")] for b, e, k, d, c in failures],
                        numeric=False) + "\n")

    report = "\n".join(md)
    os.makedirs(args.results, exist_ok=True)
    with open(os.path.join(args.results, "latest.md"), "w") as f:
        f.write(report)
    with open(os.path.join(args.results, "ratios.tsv"), "w") as f:
        others = [e for e in engines if e != "native"]
        f.write("benchmark\t" + "\t".join(others) + "\n")
        for b in benches:
            f.write(b + "\t" + "\t".join(f"{ratio[b][e]:.4f}" if ratio[b][e] else "?" for e in others) + "\n")
        f.write("geomean\t" + "\t".join(f"{geo[e]:.4f}" if geo[e] else "?" for e in others) + "\n")
    with open(os.path.join(args.results, "latest.json"), "w") as f:
        json.dump({"command": args.command, "size": size, "reps": args.reps, "started": started.isoformat(),
                   "machine": machine, "versions": vers, "builds": {f"{k[0]}/{k[1]}": v for k, v in builds.items()},
                   "results": results, "startup": startup, "median": median, "ratio": ratio,
                   "geomean": geo, "failures": failures}, f, indent=1)
    print(report)
    return 1 if failure_count else 0


if __name__ == "__main__":
    sys.exit(main())
