#!/usr/bin/env python3
"""Kiln end-to-end test driver.

Runs one mode of one test case through the `kiln` command line and checks the
observable behaviour (stdout, stderr, exit status, output files).  CTest runs
it once per (case, mode); see CMakeLists.txt beside this file and README.md for
the format of the `cases/*.expect` files.

    run_case.py --list CASES_DIR
        Prints "name mode" for every test the cases define (used by CMake).

    run_case.py --kiln KILN --clang CLANG --wat2wasm WAT2WASM \
                --case cases/NAME.expect --mode MODE --work DIR
        Runs one test.  Exit 0: passed; exit 1: failed.  There is no "skip":
        a missing tool, a case that cannot be prepared or a feature that is not
        implemented yet is a failure, reported as such.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import stat
import struct
import subprocess
import sys
import threading
from pathlib import Path

# clang for wasm32-wasi, pinned against a wasm-opt on the PATH.
WASM_CC = str(Path(__file__).resolve().parents[2] / "scripts" / "wasm-cc")

# ---------------------------------------------------------------------------
# Case files
# ---------------------------------------------------------------------------

KINDS = ("program", "invoke", "bad_input", "cli")
DEFAULT_MODES = {
    "program": ["build", "run"],
    "invoke": ["invoke"],
    "bad_input": ["compile", "build", "run"],
    "cli": ["cli"],
}
ALLOWED_MODES = {
    "program": {"build", "run"},
    "invoke": {"invoke"},
    "bad_input": {"compile", "build", "run"},
    "cli": {"cli"},
}
# Extra keys of program cases (the Dagger cases): see Services below.
SERVICE_KEYS = ("http_server", "files", "symlinks", "files_after")
COMMON_KEYS = {"kind", "description", "source", "clang_flags", "wat2wasm_flags", "modes", "timeout"}
KIND_KEYS = {
    "program": {"kiln_flags", "args", "env", "stdin", "stdout", "stdout_contains", "stderr",
                "stderr_contains", "stderr_not_contains", "exit", "trap", "repeat"} | set(SERVICE_KEYS),
    "invoke": {"kiln_flags", "invoke"},
    "bad_input": {"input", "argv", "want_offset", "usage_error"},
    "cli": {"steps"},
}
# Keys of program cases for the WASI cases: "stdout_closed": true runs the
# program with its stdout a pipe whose reading end is already closed (a
# write must fail with EPIPE, not kill the process with SIGPIPE);
# "stdin_open": true gives it a stdin pipe whose writing end stays open
# until it exits (after the "stdin" text, if any), so that a read waits
# instead of seeing the end of the input (the --timeout cases).
KIND_KEYS["program"] |= {"stdout_closed", "stdin_open"}
INVOKE_KEYS = {"export", "args", "results", "trap", "exit", "stderr_contains", "note"}
TRAP_KEYS = {"message", "function"}
STEP_KEYS = {"argv", "exit", "stdout_contains", "stderr_contains", "files", "no_files", "note",
             "one_error_line", "usage_error", "symlinks", "fifos", "stdout_elf_type", "max_stderr_bytes"}
FILE_CHECK_KEYS = {"elf_type", "contains", "not_empty"}
INPUT_KEYS = {"missing", "hex", "text", "source", "truncate", "wat2wasm_flags", "clang_flags"}

# The spec's trap messages, and Kiln's own for its limits (--timeout,
# --fuel); a "trap" expectation must use one of them, so a typo in a case
# file cannot make a check vacuous.
TRAP_MESSAGES = {
    "unreachable", "integer divide by zero", "integer overflow", "invalid conversion to integer",
    "out of bounds memory access", "indirect call type mismatch", "undefined element",
    "uninitialized element", "call stack exhausted", "out of bounds table access",
    "interrupted", "all fuel consumed",
}

TRAP_EXIT_STATUS = 134  # KILN_TRAP_EXIT_STATUS in include/kiln/abi.h


class CaseError(Exception):
    """The case file itself is wrong (a bug in the test suite)."""


def load_case(path: Path) -> dict:
    try:
        case = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise CaseError(f"{path}: cannot read case file: {e}")
    if not isinstance(case, dict):
        raise CaseError(f"{path}: top level must be a JSON object")
    kind = case.get("kind", "program")
    if kind not in KINDS:
        raise CaseError(f"{path}: unknown kind {kind!r} (one of {', '.join(KINDS)})")
    case["kind"] = kind
    unknown = set(case) - COMMON_KEYS - KIND_KEYS[kind]
    if unknown:
        raise CaseError(f"{path}: unknown key(s) for kind {kind}: {', '.join(sorted(unknown))}")
    modes = case.get("modes", DEFAULT_MODES[kind])
    bad = set(modes) - ALLOWED_MODES[kind]
    if not modes or bad:
        raise CaseError(f"{path}: bad modes {modes!r} for kind {kind}")
    case["modes"] = list(modes)
    if kind == "invoke":
        if not case.get("invoke"):
            raise CaseError(f"{path}: an invoke case needs a non-empty 'invoke' list")
        for inv in case["invoke"]:
            unknown = set(inv) - INVOKE_KEYS
            if unknown or "export" not in inv:
                raise CaseError(f"{path}: bad invoke entry {inv!r}")
            if ("results" in inv) == ("trap" in inv):
                raise CaseError(f"{path}: invoke entry {inv['export']} needs exactly one of results/trap")
            if "trap" in inv:
                check_trap_spec(path, inv["trap"])
    if kind == "program" and "trap" in case:
        check_trap_spec(path, case["trap"])
    if kind == "bad_input":
        inp = case.get("input")
        if not isinstance(inp, dict) or set(inp) - INPUT_KEYS:
            raise CaseError(f"{path}: bad 'input' {inp!r}")
    if kind == "cli":
        for step in case.get("steps", []):
            if set(step) - STEP_KEYS or "argv" not in step:
                raise CaseError(f"{path}: bad step {step!r}")
            for fc in step.get("files", {}).values():
                if set(fc) - FILE_CHECK_KEYS:
                    raise CaseError(f"{path}: bad file check {fc!r}")
        if not case.get("steps"):
            raise CaseError(f"{path}: a cli case needs 'steps'")
    return case


def check_trap_spec(path: Path, trap) -> None:
    if not isinstance(trap, dict) or set(trap) - TRAP_KEYS or "message" not in trap:
        raise CaseError(f"{path}: bad trap expectation {trap!r}")
    if trap["message"] not in TRAP_MESSAGES:
        raise CaseError(f"{path}: {trap['message']!r} is not a trap message of the spec")


def list_cases(cases_dir: Path) -> int:
    for path in sorted(cases_dir.glob("*.expect")):
        name = path.stem
        try:
            case = load_case(path)
        except CaseError as e:
            # Still register a test for it: the test fails and says why
            # (a configure error would hide every other case).
            print(f"{name} invalid-case-file")
            print(f"run_case.py: {e}", file=sys.stderr)
            continue
        for mode in case["modes"]:
            print(f"{name} {mode}")
    return 0


# ---------------------------------------------------------------------------
# Reporting
# ---------------------------------------------------------------------------


class Failure(Exception):
    pass


class Checker:
    """Collects every mismatch of a test instead of stopping at the first."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def fail(self, msg: str) -> None:
        self.problems.append(msg)

    def check(self, cond: bool, msg: str) -> bool:
        if not cond:
            self.fail(msg)
        return cond


def show(data: bytes | str, limit: int = 4000) -> str:
    if isinstance(data, bytes):
        data = data.decode("utf-8", errors="backslashreplace")
    if len(data) > limit:
        data = data[:limit] + f"\n... ({len(data) - limit} more characters)"
    return data


def describe_status(rc: int) -> str:
    if rc < 0:
        try:
            import signal
            return f"killed by signal {-rc} ({signal.Signals(-rc).name})"
        except (ValueError, ImportError):
            return f"killed by signal {-rc}"
    return f"exit status {rc}"


class Run:
    def __init__(self, argv, rc, out, err, timed_out=False):
        self.argv, self.rc, self.out, self.err, self.timed_out = argv, rc, out, err, timed_out

    def text(self) -> str:
        s = [f"$ {' '.join(shquote(a) for a in self.argv)}"]
        s.append("  -> TIMED OUT" if self.timed_out else f"  -> {describe_status(self.rc)}")
        s.append("  stdout:\n" + indent(show(self.out)))
        s.append("  stderr:\n" + indent(show(self.err)))
        return "\n".join(s)


def shquote(a: str) -> str:
    if a and re.fullmatch(r"[A-Za-z0-9_./=:,+@%-]+", a):
        return a
    return "'" + a.replace("'", "'\\''") + "'"


def indent(s: str) -> str:
    return "\n".join("    | " + line for line in s.splitlines()) if s else "    (empty)"


LOG: list[str] = []


def run(argv, *, env=None, stdin: bytes = b"", timeout: float, cwd=None, stdout_closed: bool = False,
        stdin_open: bool = False) -> Run:
    argv = [str(a) for a in argv]
    try:
        closed_stdout = None
        if stdout_closed:
            reader, closed_stdout = os.pipe()
            os.close(reader)
        open_stdin = None
        stdin_args = {"input": stdin}
        if stdin_open:
            # The writing end stays here (not inherited: os.pipe is
            # close-on-exec) and open until the program has exited.
            open_stdin = os.pipe()
            os.write(open_stdin[1], stdin)
            stdin_args = {"stdin": open_stdin[0]}
        try:
            p = subprocess.run(argv, **stdin_args, stdout=closed_stdout if stdout_closed else subprocess.PIPE,
                               stderr=subprocess.PIPE, env=env, timeout=timeout, cwd=cwd)
        finally:
            if closed_stdout is not None:
                os.close(closed_stdout)
            if open_stdin is not None:
                os.close(open_stdin[0])
                os.close(open_stdin[1])
        r = Run(argv, p.returncode, p.stdout or b"", p.stderr)
    except subprocess.TimeoutExpired as e:
        r = Run(argv, None, e.stdout or b"", e.stderr or b"", timed_out=True)
    except OSError as e:
        raise Failure(f"cannot execute {argv[0]}: {e}")
    LOG.append(r.text())
    return r


# ---------------------------------------------------------------------------
# Preparing the module under test
# ---------------------------------------------------------------------------


def require_tool(path: str, what: str) -> str:
    resolved = shutil.which(path) if path else None
    if not resolved:
        raise Failure(f"required tool {what} not found (given: {path!r}). The setup script installs it; "
                      f"this is a failure, not a skip.")
    return resolved


def build_wasm(tools, case_dir: Path, source: str, out: Path, clang_flags, wat2wasm_flags, timeout) -> Path:
    src = case_dir / source
    if not src.is_file():
        raise Failure(f"case source {src} does not exist")
    if src.suffix == ".c":
        clang = require_tool(tools.clang, "clang-19 (with wasi-libc)")
        flags = clang_flags if clang_flags is not None else ["-O2"]
        # scripts/wasm-cc: clang for wasm32-wasi, pinned against a wasm-opt
        # on the PATH.
        r = run(["bash", WASM_CC, *flags, "-o", out, src], timeout=timeout,
                env=dict(os.environ, WASM_CC_CLANG=clang))
    elif src.suffix == ".wat":
        w2w = require_tool(tools.wat2wasm, "wat2wasm (wabt)")
        flags = wat2wasm_flags if wat2wasm_flags is not None else []
        # --debug-names keeps $names in the name section: trap reports must
        # name the function that trapped.
        r = run([w2w, "--debug-names", *flags, src, "-o", out], timeout=timeout)
    elif src.suffix == ".wasm":
        shutil.copyfile(src, out)
        return out
    else:
        raise Failure(f"don't know how to build {src}")
    if r.rc != 0 or not out.is_file():
        raise Failure(f"preparing the test module failed (a bug in the test case or the toolchain):\n{r.text()}")
    return out


def default_source(case_path: Path) -> str:
    for ext in (".c", ".wat", ".wasm"):
        if case_path.with_suffix(ext).is_file():
            return case_path.with_suffix(ext).name
    raise Failure(f"no source for {case_path.name}: add {case_path.stem}.c/.wat or a 'source' key")


# ---------------------------------------------------------------------------
# Output checks
# ---------------------------------------------------------------------------


def check_trap_report(ck: Checker, r: Run, trap: dict, what: str) -> None:
    err = r.err.decode("utf-8", errors="replace")
    ck.check(not r.timed_out and r.rc == TRAP_EXIT_STATUS,
             f"{what}: expected a trap (exit status {TRAP_EXIT_STATUS}), got "
             f"{'a timeout' if r.timed_out else describe_status(r.rc)}")
    ck.check(trap["message"] in err, f"{what}: stderr does not contain the trap message {trap['message']!r}")
    if "function" in trap:
        # One name, or a list of names any of which may be the innermost frame.
        names = trap["function"] if isinstance(trap["function"], list) else [trap["function"]]
        ck.check(any(re.search(r"(?<![A-Za-z0-9_])" + re.escape(n) + r"(?![A-Za-z0-9_])", err)
                     for n in names),
                 f"{what}: stderr does not name the trapping function ({' or '.join(names)})")


def check_stream(ck: Checker, data: bytes, what: str, exact=None, contains=(), not_contains=()) -> None:
    text = data.decode("utf-8", errors="replace")
    if exact is not None and text != exact:
        ck.fail(f"{what} differs.\n  expected: {exact!r}\n  actual:   {text[:2000]!r}")
    for s in contains:
        ck.check(s in text, f"{what} does not contain {s!r}")
    for s in not_contains:
        ck.check(s not in text, f"{what} contains {s!r} but must not")


FLOAT_PREFIXES = ("f32:", "f64:")


def sig_digits(s: str) -> int:
    """Significant decimal digits of a float literal (for the shortest-form check)."""
    m = re.fullmatch(r"[+-]?(\d*)(?:\.(\d*))?(?:[eE][+-]?\d+)?", s.strip())
    if not m:
        return 99
    digits = (m.group(1) or "") + (m.group(2) or "")
    digits = digits.lstrip("0")
    digits = digits.rstrip("0")
    return max(len(digits), 1)


def shortest_digits(x: float, bits: int) -> int:
    if x == 0 or math.isinf(x) or math.isnan(x):
        return 1
    for p in range(1, 18):
        s = "%.*e" % (p - 1, x)
        y = float(s)
        if bits == 32:
            try:
                if struct.pack("<f", y) == struct.pack("<f", x):
                    return p
            except OverflowError:
                continue
        elif y == x:
            return p
    return 17


def parse_float(s: str):
    t = s.strip().lower()
    if t in ("nan", "+nan", "-nan") or re.fullmatch(r"[+-]?nan(:0x[0-9a-f]+|\(.*\))?", t):
        return math.nan
    if t in ("inf", "+inf", "infinity", "+infinity"):
        return math.inf
    if t in ("-inf", "-infinity"):
        return -math.inf
    return float(t)  # raises ValueError


def compare_result(expected: str, actual: str) -> str | None:
    """None when `actual` (one output line) matches `expected`; else why not.

    Integers compare as exact strings (signed decimal).  "f32:X"/"f64:X"
    compare as floats: same value including the sign of zero, any NaN for
    "nan", and the output must be a shortest round-trip form.
    """
    if not expected.startswith(FLOAT_PREFIXES):
        return None if actual == expected else f"expected {expected!r}, got {actual!r}"
    bits = 32 if expected.startswith("f32:") else 64
    want = parse_float(expected[4:])
    try:
        got = parse_float(actual)
    except ValueError:
        return f"expected float {expected[4:]}, got {actual!r} (not a number)"
    if bits == 32:
        # The line must denote the f32 result: round what was printed to f32.
        try:
            got = struct.unpack("<f", struct.pack("<f", got))[0]
            want = struct.unpack("<f", struct.pack("<f", want))[0]
        except OverflowError:
            return f"expected f32 {expected[4:]}, got {actual!r} (out of f32 range)"
    if math.isnan(want):
        return None if math.isnan(got) else f"expected NaN, got {actual!r}"
    if math.isnan(got) or got != want or math.copysign(1, got) != math.copysign(1, want):
        return f"expected {expected[4:]} ({bits}-bit float), got {actual!r}"
    plain_integer = re.fullmatch(r"[+-]?\d+", actual.strip()) is not None
    if plain_integer and int(actual) == int(want):
        return None  # fixed notation of an integral value prints all its digits (std::to_chars does)
    if math.isfinite(want) and sig_digits(actual) > shortest_digits(want, bits):
        return (f"{actual!r} has the right value but is not the shortest round-trip form "
                f"({shortest_digits(want, bits)} significant digits suffice)")
    return None


def elf_type(data: bytes):
    if len(data) < 20 or data[:4] != b"\x7fELF":
        return None
    order = "<" if data[5] == 1 else ">"
    return struct.unpack(order + "H", data[16:18])[0]


ELF_TYPES = {"rel": 1, "exec": 2, "dyn": 3}


def files_in(d: Path) -> list[str]:
    if not d.exists():
        return []
    return sorted(str(p.relative_to(d)) for p in d.rglob("*"))


def check_one_error_line(ck: Checker, r: Run, what: str, usage_error: bool) -> None:
    """The CLI's error contract: one line on stderr starting 'kiln: error:'
    (a usage error may add one line pointing at --help) and a plain non-zero
    exit status (not a crash, not the trap status)."""
    if r.timed_out:
        ck.fail(f"{what}: timed out")
        return
    ck.check(r.rc is not None and 0 < r.rc < 128 and r.rc != TRAP_EXIT_STATUS,
             f"{what}: expected a plain non-zero exit status (1..127), got {describe_status(r.rc)}")
    lines = [line for line in r.err.decode("utf-8", errors="replace").splitlines() if line.strip()]
    if not lines:
        ck.fail(f"{what}: stderr is empty; expected one 'kiln: error:' line")
        return
    ck.check(lines[0].startswith("kiln: error:"),
             f"{what}: first stderr line does not start with 'kiln: error:': {lines[0]!r}")
    extra = lines[1:]
    if usage_error and len(extra) == 1 and "help" in extra[0].lower():
        extra = []
    ck.check(not extra, f"{what}: expected exactly one stderr line, got {len(lines)}: {lines!r}")


# ---------------------------------------------------------------------------
# Modes
# ---------------------------------------------------------------------------


class Ctx:
    def __init__(self, args, case_path: Path, case: dict, work: Path):
        self.tools = args
        self.kiln = args.kiln
        self.case_path = case_path
        self.case_dir = case_path.parent
        self.case = case
        self.work = work
        self.timeout = float(case.get("timeout", 120))
        self.env = dict(os.environ)
        # Keep kiln's compile cache (if any) inside the test's own directory.
        self.env["XDG_CACHE_HOME"] = str(work / "cache")
        self.env.pop("KILN_CACHE_DIR", None)

    def wasm(self) -> Path:
        c = self.case
        source = c.get("source") or default_source(self.case_path)
        return build_wasm(self.tools, self.case_dir, source, self.work / "module.wasm",
                          c.get("clang_flags"), c.get("wat2wasm_flags"), self.timeout)


def require_kiln(path: str) -> str:
    if not path or not os.path.isfile(path) or not os.access(path, os.X_OK):
        raise Failure(f"kiln executable not found at {path!r}: build the 'kiln' target first "
                      f"(ninja kiln). This is a failure, not a skip.")
    return path


def check_program_result(ck: Checker, r: Run, case: dict, what: str) -> None:
    if r.timed_out:
        ck.fail(f"{what}: timed out (an infinite loop? e.g. recursion turned into a loop)")
        return
    trap = case.get("trap")
    if trap:
        check_trap_report(ck, r, trap, what)
    want_exit = case.get("exit", TRAP_EXIT_STATUS if trap else 0)
    if not trap or "exit" in case:
        ck.check(r.rc == want_exit, f"{what}: expected exit status {want_exit}, got {describe_status(r.rc)}")
    check_stream(ck, r.out, f"{what}: stdout", case.get("stdout"), case.get("stdout_contains", ()))
    check_stream(ck, r.err, f"{what}: stderr", case.get("stderr"), case.get("stderr_contains", ()),
                 case.get("stderr_not_contains", ()))


def mode_build(ctx: Ctx, ck: Checker) -> None:
    c = ctx.case
    wasm = ctx.wasm()
    exe = ctx.work / "out" / "app"
    exe.parent.mkdir()
    r = run([ctx.kiln, "build", *c.get("kiln_flags", []), wasm, "-o", exe], env=ctx.env, timeout=ctx.timeout)
    if r.rc != 0 or r.timed_out:
        raise Failure(f"`kiln build` failed ({'timeout' if r.timed_out else describe_status(r.rc)})")
    if not exe.is_file():
        raise Failure(f"`kiln build` exited 0 but wrote no executable at {exe}")
    data = exe.read_bytes()
    ck.check(elf_type(data) in (ELF_TYPES["exec"], ELF_TYPES["dyn"]),
             f"`kiln build` output is not an ELF executable (starts {data[:4]!r})")
    ck.check(bool(exe.stat().st_mode & stat.S_IXUSR), "`kiln build` output is not executable (mode bits)")
    env = dict(ctx.env)
    # A standalone executable gets its environment the ordinary way.
    env.update(c.get("env", {}))
    stdin = c.get("stdin", "").encode()
    for i in range(int(c.get("repeat", 1))):
        r = run([exe, *c.get("args", [])], env=env, stdin=stdin, timeout=ctx.timeout, cwd=ctx.work,
                stdout_closed=bool(c.get("stdout_closed")), stdin_open=bool(c.get("stdin_open")))
        check_program_result(ck, r, c, f"./app (run {i + 1})" if i else "./app")


def mode_run(ctx: Ctx, ck: Checker) -> None:
    c = ctx.case
    wasm = ctx.wasm()
    argv = [ctx.kiln, "run", *c.get("kiln_flags", []), wasm]
    for k, v in c.get("env", {}).items():
        argv += ["--env", f"{k}={v}"]
    if c.get("args"):
        argv += ["--", *c["args"]]
    env = dict(ctx.env)
    for k in c.get("env", {}):
        env.pop(k, None)  # the guest must get it from --env, not by leaking the host's
    stdin = c.get("stdin", "").encode()
    for i in range(int(c.get("repeat", 1))):
        r = run(argv, env=env, stdin=stdin, timeout=ctx.timeout, cwd=ctx.work,
                stdout_closed=bool(c.get("stdout_closed")), stdin_open=bool(c.get("stdin_open")))
        check_program_result(ck, r, c, f"kiln run (run {i + 1})" if i else "kiln run")


def mode_invoke(ctx: Ctx, ck: Checker) -> None:
    c = ctx.case
    wasm = ctx.wasm()
    passed = 0
    for inv in c["invoke"]:
        args = [str(a) for a in inv.get("args", [])]
        label = f"{inv['export']}({', '.join(args)})"
        r = run([ctx.kiln, "run", *c.get("kiln_flags", []), wasm, "--invoke", inv["export"], *args],
                env=ctx.env, timeout=ctx.timeout, cwd=ctx.work)
        before = len(ck.problems)
        if r.timed_out:
            ck.fail(f"{label}: timed out")
            continue
        if "trap" in inv:
            check_trap_report(ck, r, inv["trap"], label)
        else:
            want_exit = inv.get("exit", 0)
            if r.rc != want_exit:
                ck.fail(f"{label}: expected exit status {want_exit}, got {describe_status(r.rc)}; "
                        f"stderr: {show(r.err, 300).strip()!r}")
            else:
                lines = r.out.decode("utf-8", errors="replace").splitlines()
                want = [str(x) for x in inv["results"]]
                if len(lines) != len(want):
                    ck.fail(f"{label}: expected {len(want)} result line(s) {want!r}, got {lines!r}")
                else:
                    for i, (w, a) in enumerate(zip(want, lines)):
                        why = compare_result(w, a)
                        if why:
                            ck.fail(f"{label}: result {i}: {why}")
        for s in inv.get("stderr_contains", []):
            ck.check(s in r.err.decode("utf-8", errors="replace"), f"{label}: stderr lacks {s!r}")
        if len(ck.problems) == before:
            passed += 1
    print(f"{passed} of {len(c['invoke'])} invocations as expected")


def prepare_bad_input(ctx: Ctx) -> Path:
    inp = ctx.case["input"]
    path = ctx.work / "input.wasm"
    if inp.get("missing"):
        return ctx.work / "does-not-exist.wasm"
    if "hex" in inp:
        path.write_bytes(bytes.fromhex(inp["hex"]))
    elif "text" in inp:
        path.write_bytes(inp["text"].encode())
    elif "source" in inp:
        full = build_wasm(ctx.tools, ctx.case_dir, inp["source"], ctx.work / "full.wasm",
                          inp.get("clang_flags"), inp.get("wat2wasm_flags"), ctx.timeout)
        data = full.read_bytes()
        if "truncate" in inp:
            n = inp["truncate"]
            if isinstance(n, float):  # a fraction of the module
                n = int(len(data) * n)
            elif n < 0:  # all but the last -n bytes
                n = len(data) + n
            if not 0 <= n < len(data):
                raise Failure(f"truncate={n} outside the module's {len(data)} bytes")
            data = data[:n]
        path.write_bytes(data)
        full.unlink()
    else:
        raise Failure("bad_input case without input")
    return path


def mode_bad_input(ctx: Ctx, ck: Checker, mode: str) -> None:
    c = ctx.case
    inp = prepare_bad_input(ctx)
    out = ctx.work / "out"
    out.mkdir()
    default_argv = {
        "compile": ["compile", "{input}", "-o", "{out}/module.o"],
        "build": ["build", "{input}", "-o", "{out}/app"],
        "run": ["run", "{input}"],
    }
    templ = c.get("argv", {}).get(mode, default_argv[mode]) if isinstance(c.get("argv"), dict) else default_argv[mode]
    argv = [a.replace("{input}", str(inp)).replace("{out}", str(out)) for a in templ]
    r = run([ctx.kiln, *argv], env=ctx.env, timeout=ctx.timeout, cwd=out)
    check_one_error_line(ck, r, f"kiln {mode}", bool(c.get("usage_error")))
    if c.get("want_offset", False):
        err = r.err.decode("utf-8", errors="replace")
        ck.check(re.search(r"offset\D{0,8}\d", err, re.IGNORECASE) is not None,
                 f"kiln {mode}: the error does not give a byte offset ('offset N')")
    left = files_in(out)
    ck.check(not left, f"kiln {mode}: left file(s) behind after failing: {left!r}")
    stray = [f for f in files_in(ctx.work)
             if f.split("/")[0] not in ("input.wasm", "out") and not f.startswith("cache")]
    ck.check(not stray, f"kiln {mode}: created file(s) next to the input: {stray!r}")


class FifoReader:
    """Reads a FIFO on a thread until its writer closes it."""

    def __init__(self, path):
        self.data = b""
        self.thread = threading.Thread(target=self._read, args=(path,), daemon=True)
        self.thread.start()

    def _read(self, path):
        with open(path, "rb") as f:
            self.data = f.read()

    def finish(self) -> bytes:
        self.thread.join(timeout=30)
        return self.data


def mode_cli(ctx: Ctx, ck: Checker) -> None:
    c = ctx.case
    wasm = None
    for n, step in enumerate(c["steps"]):
        out = ctx.work / f"step{n}"
        out.mkdir()
        argv = []
        for a in step["argv"]:
            if "{wasm}" in a:
                wasm = wasm or ctx.wasm()
                a = a.replace("{wasm}", str(wasm))
            argv.append(a.replace("{out}", str(out)))
        # Symbolic links ({NAME: TARGET}) and FIFOs to write to, made in the
        # step's directory first; a FIFO's reader collects what arrives.
        for name, target in step.get("symlinks", {}).items():
            os.symlink(target, out / name)
        readers = {}
        for name in step.get("fifos", {}):
            os.mkfifo(out / name)
            readers[name] = FifoReader(out / name)
        r = run([ctx.kiln, *argv], env=ctx.env, timeout=ctx.timeout, cwd=out)
        what = "kiln " + " ".join(step["argv"])
        for name, target in step.get("symlinks", {}).items():
            ck.check((out / name).is_symlink(), f"{what}: the symbolic link {name} was replaced")
        for name, want in step.get("fifos", {}).items():
            data = readers[name].finish()
            ck.check(stat.S_ISFIFO(os.lstat(out / name).st_mode), f"{what}: the FIFO {name} was replaced")
            ck.check(elf_type(data) == ELF_TYPES[want],
                     f"{what}: the FIFO {name} did not receive an ELF {want} file ({len(data)} bytes)")
        if "stdout_elf_type" in step:
            want = step["stdout_elf_type"]
            ck.check(elf_type(r.out) == ELF_TYPES[want],
                     f"{what}: stdout is not an ELF {want} file ({len(r.out)} bytes)")
        if "max_stderr_bytes" in step:
            ck.check(len(r.err) <= step["max_stderr_bytes"],
                     f"{what}: stderr is {len(r.err)} bytes, more than {step['max_stderr_bytes']}")
        if r.timed_out:
            ck.fail(f"{what}: timed out")
            continue
        want = step.get("exit", 0)
        if want == "nonzero":
            ck.check(r.rc != 0, f"{what}: expected failure, got exit status 0")
        else:
            ck.check(r.rc == want, f"{what}: expected exit status {want}, got {describe_status(r.rc)}")
        if step.get("one_error_line"):
            check_one_error_line(ck, r, what, bool(step.get("usage_error")))
        check_stream(ck, r.out, f"{what}: stdout", None, step.get("stdout_contains", ()))
        check_stream(ck, r.err, f"{what}: stderr", None, step.get("stderr_contains", ()))
        for name, fc in step.get("files", {}).items():
            p = out / name
            if not ck.check(p.is_file(), f"{what}: did not write {name}"):
                continue
            data = p.read_bytes()
            if fc.get("not_empty"):
                ck.check(len(data) > 0, f"{what}: {name} is empty")
            if "elf_type" in fc:
                t = elf_type(data)
                ck.check(t == ELF_TYPES[fc["elf_type"]],
                         f"{what}: {name} is not an ELF {fc['elf_type']} file "
                         f"(magic {data[:4]!r}, e_type {t})")
            for s in fc.get("contains", []):
                ck.check(s.encode() in data, f"{what}: {name} does not contain {s!r}")
        for name in step.get("no_files", []):
            ck.check(not (out / name).exists(), f"{what}: {name} exists but must not")


# ---------------------------------------------------------------------------
# Services for program cases (used by the dagger_* cases)
#
#   "files": {PATH: TEXT}       files to create in the test's work directory
#                               (the cwd of the program) before it runs
#   "symlinks": {PATH: TARGET}  symbolic links to create there
#   "files_after": {PATH: TEXT or null}   contents after the run (null: must
#                               not exist)
#   "http_server": {} or {"requests": N}  an HTTP server on 127.0.0.1 (a free
#                               port) for the run; it answers every request
#                               with "hello from the test server: METHOD PATH"
#                               and the request body. With "requests", it
#                               must have received exactly N requests.
#
# In args, kiln_flags, env values and the expected stdout/stderr texts,
# {http_port} is the server's port and {unused_port} a port nothing listens
# on.
# ---------------------------------------------------------------------------


class Services:
    def __init__(self, case: dict, work: Path) -> None:
        self.case = case
        self.work = work
        self.server = None
        self.thread = None
        self.requests: list[str] = []
        self.values: dict[str, str] = {}

    def start(self) -> None:
        import socket
        for rel, content in self.case.get("files", {}).items():
            p = self.work / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(content)
        for rel, target in self.case.get("symlinks", {}).items():
            p = self.work / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            os.symlink(target, p)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            self.values["unused_port"] = str(sock.getsockname()[1])
        if "http_server" in self.case:
            self._start_http()

    def _start_http(self) -> None:
        import http.server
        services = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8", errors="replace") if length else ""
                services.requests.append(f"{self.command} {self.path}")
                text = f"hello from the test server: {self.command} {self.path}\n"
                if body:
                    text += f"body: {body}\n"
                data = text.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = _answer

            def log_message(self, *args) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.values["http_port"] = str(self.server.server_address[1])
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def substitute(self, value):
        if isinstance(value, str):
            for k, v in self.values.items():
                value = value.replace("{" + k + "}", v)
            return value
        if isinstance(value, list):
            return [self.substitute(v) for v in value]
        if isinstance(value, dict):
            return {k: self.substitute(v) for k, v in value.items()}
        return value

    def check(self, ck: Checker) -> None:
        for rel, want in self.case.get("files_after", {}).items():
            p = self.work / rel
            if want is None:
                ck.check(not os.path.lexists(p), f"{rel} exists after the run but must not")
            elif ck.check(p.is_file(), f"{rel} does not exist after the run"):
                got = p.read_text(errors="replace")
                ck.check(got == want, f"{rel} after the run: expected {want!r}, got {got!r}")
        want = self.case.get("http_server", {}).get("requests")
        if want is not None:
            ck.check(len(self.requests) == want,
                     f"the test server got {len(self.requests)} request(s) {self.requests!r}, expected {want}")

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()


# ---------------------------------------------------------------------------


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--list", metavar="CASES_DIR")
    ap.add_argument("--kiln")
    ap.add_argument("--clang")
    ap.add_argument("--wat2wasm")
    ap.add_argument("--case")
    ap.add_argument("--mode")
    ap.add_argument("--work")
    args = ap.parse_args()
    if args.list:
        return list_cases(Path(args.list))
    for req in ("kiln", "case", "mode", "work"):
        if not getattr(args, req):
            ap.error(f"--{req} is required")

    case_path = Path(args.case).resolve()
    work = Path(args.work).resolve()
    header = f"e2e case {case_path.stem} [{args.mode}]"
    print(header)
    try:
        if args.mode == "invalid-case-file":
            load_case(case_path)  # raises with the reason
            raise Failure("case file was invalid at configure time; reconfigure")
        case = load_case(case_path)
        if args.mode not in case["modes"]:
            raise Failure(f"mode {args.mode} is not one of the case's modes {case['modes']} (reconfigure)")
        if case.get("description"):
            print(case["description"])
        if work.exists():
            shutil.rmtree(work)
        work.mkdir(parents=True)
        services = Services(case, work)
        ctx = Ctx(args, case_path, case, work)
        require_kiln(args.kiln)
        ctx.kiln = args.kiln
        ck = Checker()
        kind = case["kind"]
        if kind == "program" and (any(k in case for k in SERVICE_KEYS) or "{unused_port}" in json.dumps(case)):
            try:
                services.start()
                ctx.case = case = {k: (v if k in SERVICE_KEYS else services.substitute(v)) for k, v in case.items()}
                (mode_build if args.mode == "build" else mode_run)(ctx, ck)
            finally:
                services.stop()
            services.check(ck)
        elif kind == "program":
            (mode_build if args.mode == "build" else mode_run)(ctx, ck)
        elif kind == "invoke":
            mode_invoke(ctx, ck)
        elif kind == "bad_input":
            mode_bad_input(ctx, ck, args.mode)
        elif kind == "cli":
            mode_cli(ctx, ck)
        if ck.problems:
            raise Failure("\n".join("- " + p for p in ck.problems))
    except CaseError as e:
        print(f"FAIL (broken case file): {e}")
        return 1
    except Failure as e:
        print(f"FAIL: {e}")
        if LOG:
            print("\nCommands run:")
            print("\n".join(LOG[-12:]))
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
