#!/usr/bin/env python3
"""Compile time and memory on big and hostile (but valid) modules.

    python3 bench/hostile/measure.py [--kiln PATH] [--opt -O2] [CASE...]

Each case is a module generated here at two sizes, N/2 and N, where N is
at or near one of Kiln's implementation limits (docs/architecture.md,
"Implementation limits"); `kiln compile` makes an object of each, and the
table gives wall-clock seconds and peak memory (GNU time's %M) of both and
the ratio of N's time to N/2's: about 2 where compile time grows linearly,
4 where it grows quadratically. Then one module past each limit, which must
be refused with one line. A measurement, not a test: nothing here fails on
a time; a compile that fails, or a limit that is not refused, does.
"""
import argparse
import os
import subprocess
import sys
import tempfile


def leb(n):
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def sleb(n):
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if (n == 0 and not byte & 0x40) or (n == -1 and byte & 0x40):
            out.append(byte)
            return bytes(out)
        out.append(byte | 0x80)


def vec(items):
    return leb(len(items)) + b"".join(items)


def section(sid, payload):
    return bytes([sid]) + leb(len(payload)) + payload


I32 = 0x7F


def functype(params, results):
    return b"\x60" + vec([bytes([t]) for t in params]) + vec([bytes([t]) for t in results])


def module(types, funcs, bodies, exports=(), globals_=b"", nglobals=0, memory=False):
    """funcs: type index per function; bodies: (locals bytes, code bytes)."""
    m = b"\0asm\1\0\0\0"
    m += section(1, vec(types))
    m += section(3, vec([leb(t) for t in funcs]))
    if memory:
        m += section(5, vec([b"\x00\x01"]))
    if nglobals:
        m += section(6, leb(nglobals) + globals_)
    m += section(7, vec([leb(len(name)) + name.encode() + b"\x00" + leb(i) for name, i in exports]))
    code = []
    for local_decls, instrs in bodies:
        body = local_decls + instrs + b"\x0b"
        code.append(leb(len(body)) + body)
    m += section(10, vec(code))
    return m


NO_LOCALS = leb(0)


def many_functions(n):
    # n functions, each returning its index plus a call of the next one
    body = lambda i: (NO_LOCALS, b"\x41" + sleb(i) + (b"\x10" + leb(i + 1) + b"\x6a" if i + 1 < n else b""))
    return module([functype([], [I32])], [0] * n, [body(i) for i in range(n)], [("f", 0)])


def many_params(n):
    # one function with n i32 parameters that sums them, and a caller
    code = b"\x20" + leb(0) + b"".join(b"\x20" + leb(i) + b"\x6a" for i in range(1, n))
    caller = b"".join(b"\x41" + sleb(i) for i in range(n)) + b"\x10\x00"
    return module([functype([I32] * n, [I32]), functype([], [I32])], [0, 1],
                  [(NO_LOCALS, code), (NO_LOCALS, caller)], [("f", 1)])


def many_results(n):
    # one function returning n i32 constants, and a caller that sums them
    code = b"".join(b"\x41" + sleb(i) for i in range(n))
    caller = b"\x10\x00" + b"\x6a" * (n - 1)
    return module([functype([], [I32] * n), functype([], [I32])], [0, 1],
                  [(NO_LOCALS, code), (NO_LOCALS, caller)], [("f", 1)])


def many_locals(n):
    # n locals, each set from the previous one plus one
    decls = leb(1) + leb(n) + bytes([I32])
    code = b"".join(b"\x20" + leb(i) + b"\x41\x01\x6a\x21" + leb(i + 1) for i in range(n - 1)) + b"\x20" + leb(n - 1)
    return module([functype([], [I32])], [0], [(decls, code)], [("f", 0)])


def deep_nesting(n):
    # n nested blocks around an if chain, and a branch out of all of them
    code = b"\x02\x40" * n + b"\x41\x00\x0d" + leb(n - 1) + b"\x0b" * n + b"\x41\x07"
    return module([functype([], [I32])], [0], [(NO_LOCALS, code)], [("f", 0)])


def big_br_table(n):
    code = (b"\x02\x40" * 3 + b"\x41\x01\x0e" + leb(n) + b"".join(leb(i % 3) for i in range(n)) + b"\x00"
            + b"\x0b" * 3 + b"\x41\x07")
    return module([functype([], [I32])], [0], [(NO_LOCALS, code)], [("f", 0)])


def long_body(n):
    # one straight-line body of n loads and adds over memory
    code = b"\x41\x00" + b"".join(b"\x41" + sleb(i % 1000 * 4) + b"\x28\x02\x00\x6a" for i in range(n))
    return module([functype([], [I32])], [0], [(NO_LOCALS, code)], [("f", 0)], memory=True)


def many_globals(n):
    globals_ = b"".join(b"\x7f\x01\x41" + sleb(i) + b"\x0b" for i in range(n))
    code = b"\x41\x00" + b"".join(b"\x23" + leb(i) + b"\x6a" for i in range(0, n, max(1, n // 1000)))
    return module([functype([], [I32])], [0], [(NO_LOCALS, code)], [("f", 0)], globals_=globals_, nglobals=n)


# name: (generator, N, a size past the limit or None)
CASES = {
    "functions": (many_functions, 100_000, None),
    "params": (many_params, 1_000, 1_001),
    "results": (many_results, 1_000, 1_001),
    "locals": (many_locals, 50_000, 50_001),
    "nesting": (deep_nesting, 100_000, None),
    "br_table": (big_br_table, 65_520, 65_521),
    "body": (long_body, 1_000_000, 1_300_000),
    "globals": (many_globals, 100_000, None),
}


def compile_once(kiln, opt, wasm, obj):
    tfile = obj + ".time"
    proc = subprocess.run(["/usr/bin/time", "-f", "%e %M", "-o", tfile, kiln, "compile", opt, wasm, "-o", obj],
                          capture_output=True, text=True)
    with open(tfile) as f:
        seconds, kb = f.read().split()[-2:]
    return proc.returncode, float(seconds), int(kb) // 1024, proc.stderr.strip()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kiln", default=os.environ.get("KILN", "build/compiler/kiln"))
    parser.add_argument("--opt", default="-O2")
    parser.add_argument("cases", nargs="*", default=list(CASES))
    args = parser.parse_args()
    status = 0
    with tempfile.TemporaryDirectory() as work:
        print(f"kiln: {args.kiln} {args.opt}\n")
        print("| case | N | N/2: s, MiB | N: s, MiB | time N ÷ N/2 | past the limit |")
        print("|---|---:|---:|---:|---:|---|")
        for name in args.cases:
            gen, n, past = CASES[name]
            row = []
            for size in (n // 2, n):
                wasm = os.path.join(work, f"{name}-{size}.wasm")
                with open(wasm, "wb") as f:
                    f.write(gen(size))
                rc, sec, mib, err = compile_once(args.kiln, args.opt, wasm, wasm + ".o")
                if rc != 0:
                    print(f"measure: {name} at {size}: kiln failed: {err[:300]}", file=sys.stderr)
                    status = 1
                row.append((sec, mib))
            refused = "–"
            if past:
                wasm = os.path.join(work, f"{name}-past.wasm")
                with open(wasm, "wb") as f:
                    f.write(gen(past))
                rc, sec, mib, err = compile_once(args.kiln, args.opt, wasm, wasm + ".o")
                lines = err.splitlines()
                if rc == 0 or len(lines) != 1:
                    print(f"measure: {name} at {past}: not refused in one line (exit {rc}): {err[:300]}",
                          file=sys.stderr)
                    status = 1
                refused = f"{past}: refused in {sec:.2f} s: `{lines[0][:90] if lines else ''}`"
            ratio = row[1][0] / row[0][0] if row[0][0] > 0 else float("nan")
            print(f"| {name} | {n:,} | {row[0][0]:.2f}, {row[0][1]} | {row[1][0]:.2f}, {row[1][1]} | "
                  f"{ratio:.1f} | {refused} |", flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
