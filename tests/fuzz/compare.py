#!/usr/bin/env python3
"""Compares the transcripts of the differential fuzzer (scripts/fuzz.sh).

    compare.py MODES WASM...

For each module, the transcripts WASM.<mode>.out of Kiln's modes and
WASM.v8.out of V8 must be identical. A transcript is cut at the first call
that exhausted the stack or was interrupted in any engine (stack depth and
time differ legitimately between engines and levels); such a module counts
as cut, and what came before still has to agree. Prints one line per
difference and a summary; exit status 1 when any module differs.
"""
import sys
from pathlib import Path

STOP = ("trap stack_overflow", "trap interrupted")


def calls(text):
    """The transcript as a list of per-call chunks (a header chunk first)."""
    chunks, current = [], []
    for line in text.splitlines():
        if line.startswith("call ") and current:
            chunks.append(current)
            current = []
        current.append(line)
    chunks.append(current)
    return chunks


def merge_conversion(chunks):
    merged = {"trap invalid_conversion": "trap integer_overflow_or_conversion",
              "trap integer_overflow": "trap integer_overflow_or_conversion"}
    return [[merged.get(line, line) for line in chunk] for chunk in chunks]


def main():
    modes = sys.argv[1].split(",")
    wasms = sys.argv[2:]
    totals = {"modules": 0, "calls": 0, "traps": 0, "cut": 0, "differ": 0, "v8_errors": 0}
    for wasm in wasms:
        totals["modules"] += 1
        outs = {m: calls(Path(f"{wasm}.{m}.out").read_text()) for m in modes}
        v8 = Path(f"{wasm}.v8.out")
        v8_text = v8.read_text() if v8.exists() else "error no V8 transcript\n"
        if "error:" in v8_text or v8_text.startswith("error "):
            # V8 could not run the call (a JS type error, not a wasm trap):
            # Kiln's modes are still compared with each other.
            totals["v8_errors"] += 1
        else:
            outs["v8"] = calls(v8_text)
        n = min(len(c) for c in outs.values())
        cut = n
        for i in range(n):
            if any(any(line in STOP for line in c[i]) for c in outs.values()):
                cut = i
                break
        if cut < max(len(c) for c in outs.values()):
            totals["cut"] += 1
        reference_name = modes[0]
        reference = outs[reference_name][:cut]
        totals["calls"] += sum(1 for c in reference if c and c[0].startswith("call "))
        totals["traps"] += sum(1 for c in reference for line in c if line.startswith("trap "))
        for name, c in outs.items():
            ref = reference
            if name == "v8":
                # V8 says "float unrepresentable in integer range" both for
                # a NaN and for an out-of-range float, where the spec (and
                # Kiln) say "invalid conversion" and "integer overflow";
                # against V8 the two count as one. Kiln's modes are still
                # compared with each other exactly.
                ref, c = merge_conversion(reference), merge_conversion(c)
            if c[:cut] != ref:
                for i, (a, b) in enumerate(zip(ref, c[:cut])):
                    if a != b:
                        print(f"DIFFER {wasm}: {reference_name} vs {name} at {a[0]}: "
                              f"{' | '.join(a[1:])}  <>  {' | '.join(b[1:])}")
                        break
                else:
                    print(f"DIFFER {wasm}: {reference_name} vs {name}: transcripts of different length")
                totals["differ"] += 1
                break
    print("fuzz: {modules} modules, {calls} calls ({traps} traps) compared; {cut} cut at a stack "
          "overflow or timeout; {v8_errors} not comparable with V8; {differ} differ".format(**totals))
    return 1 if totals["differ"] else 0


if __name__ == "__main__":
    sys.exit(main())
