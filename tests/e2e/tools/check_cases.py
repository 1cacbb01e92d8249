#!/usr/bin/env python3
"""Checks the expectations of the end-to-end cases against an independent
engine (Node's V8 through reference_kiln.js): runs every "run" and "invoke"
mode with run_case.py and a kiln stand-in. Not part of the CTest suite; use it
when writing or changing cases:

    python3 tests/e2e/tools/check_cases.py [NAME_REGEX]
"""
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

here = Path(__file__).resolve().parent
e2e = here.parent


def main() -> int:
    pattern = re.compile(sys.argv[1] if len(sys.argv) > 1 else ".")
    listing = subprocess.run([sys.executable, e2e / "run_case.py", "--list", e2e / "cases"],
                             capture_output=True, text=True, check=True).stdout.split("\n")
    with tempfile.TemporaryDirectory() as tmp:
        shim = Path(tmp) / "kiln"
        shim.write_text(f'#!/bin/sh\nexec node --no-warnings "{here / "reference_kiln.js"}" "$@"\n')
        shim.chmod(0o755)
        passed, failed = 0, []
        for line in listing:
            if not line:
                continue
            name, mode = line.split()
            if mode not in ("run", "invoke") or not pattern.search(name):
                continue
            if '"bad_input"' in (e2e / "cases" / f"{name}.expect").read_text():
                continue  # kiln's own error contract: nothing to compare with
            r = subprocess.run([sys.executable, e2e / "run_case.py", "--kiln", shim, "--clang", "clang-19",
                                "--wat2wasm", "wat2wasm", "--case", e2e / "cases" / f"{name}.expect",
                                "--mode", mode, "--work", Path(tmp) / f"{name}.{mode}"],
                               capture_output=True, text=True)
            if r.returncode == 0:
                passed += 1
            else:
                failed.append(name)
                print(r.stdout + r.stderr)
        print(f"{passed} passed, {len(failed)} failed" + (f": {' '.join(failed)}" if failed else ""))
        return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
