#!/usr/bin/env python3
"""kiln serve end to end (CTest e2e.serve): a WAGI handler (handler.c) served
with per-request limits, driven with curl the way a user would.

It checks the WAGI contract (CGI variables, query arguments, body on stdin,
headers and Status/Location from the handler), that a handler which traps,
loops for ever, exits non-zero, writes no headers or too much gets a 500
while concurrent requests keep being answered, that --max-memory makes the
handler's malloc fail, --max-request gives 413, the access log has a line per
request, bad command lines fail with one clear line, and that SIGTERM lets a
request in flight finish before the server exits 0.

    serve_test.py --kiln build/compiler/kiln --clang clang-19 --work DIR
"""
import argparse
import concurrent.futures
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
WASM_CC = os.path.join(HERE, "..", "..", "..", "scripts", "wasm-cc")
failures = []


def check(condition, what):
    print(("ok   " if condition else "FAIL ") + what, flush=True)
    if not condition:
        failures.append(what)


def curl(url, *extra):
    """(status, headers dict (lower-case names), body) of one request."""
    r = subprocess.run(["curl", "-s", "-S", "-i", "-m", "30", *extra, url], capture_output=True, timeout=60)
    raw = r.stdout
    if r.returncode != 0:
        return (None, {}, r.stderr.decode(errors="replace"))
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode(errors="replace").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return (status, headers, body.decode(errors="replace"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kiln", required=True)
    ap.add_argument("--clang", required=True)
    ap.add_argument("--work", required=True)
    args = ap.parse_args()
    for tool in (args.kiln, args.clang, "curl"):
        if not shutil.which(tool):
            sys.exit(f"serve_test: required tool {tool} not found (scripts/setup.sh installs it); a failure, not a skip")
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    wasm = os.path.join(args.work, "handler.wasm")
    so = os.path.join(args.work, "handler.so")
    # scripts/wasm-cc: clang for wasm32-wasi, pinned against a wasm-opt on the PATH.
    subprocess.run(["bash", WASM_CC, "-O2", os.path.join(HERE, "handler.c"), "-o", wasm],
                   check=True, env=dict(os.environ, WASM_CC_CLANG=shutil.which(args.clang)))
    subprocess.run([args.kiln, "compile", "--emit=shared", wasm, "-o", so], check=True)

    # Bad command lines: one line, non-zero status.
    for bad, says in [(["serve", os.path.join(args.work, "missing.so")], "missing.so"),
                      (["serve", so, "--listen", "nowhere"], "--listen"),
                      (["serve", so, "--listen", "127.0.0.1:99999"], "port"),
                      (["serve", so, "--max-request", "lots"], "--max-request")]:
        r = subprocess.run([args.kiln, *bad], capture_output=True, text=True, timeout=120)
        lines = r.stderr.strip().splitlines()
        check(r.returncode != 0 and len(lines) == 1 and says in lines[0],
              f"kiln {' '.join(bad[1:] if bad[0] == 'serve' else bad)}: one error line naming {says!r} ({r.stderr.strip()!r})")

    server = subprocess.Popen([args.kiln, "serve", so, "--listen", "127.0.0.1:0", "--timeout", "5s",
                               "--max-memory", "16MiB", "--max-response", "1MiB", "--max-request", "64KiB",
                               "--instances", "64", "--env", "GREETING=hi"],
                              stderr=subprocess.PIPE, text=True)
    log = []
    first = server.stderr.readline()
    log.append(first)
    m = re.search(r"http://127\.0\.0\.1:(\d+)/", first)
    if not m:
        server.kill()
        sys.exit(f"serve_test: kiln serve did not say where it listens: {first!r}")
    base = f"http://127.0.0.1:{m.group(1)}"
    reader = threading.Thread(target=lambda: log.extend(iter(server.stderr.readline, "")), daemon=True)
    reader.start()
    requests = 0

    status, headers, body = curl(base + "/hello?name=kiln&x=a%20b", "-H", "X-Kiln-Test: probe")
    requests += 1
    check(status == 200 and headers.get("content-type") == "text/plain", f"/hello: 200 text/plain ({status})")
    check(body == "hello from GET /hello [name=kiln] [x=a b] query=name=kiln&x=a%20b agent=probe\n",
          f"/hello: CGI variables, decoded query arguments, HTTP_ header ({body!r})")
    status, headers, body = curl(base + "/echo", "--data-binary", "a body to shout")
    requests += 1
    check(status == 200 and body == "A BODY TO SHOUT" and headers.get("x-length") == "15",
          f"/echo: the body on stdin, CONTENT_LENGTH, the handler's own header ({status}, {body!r})")
    status, headers, body = curl(base + "/status")
    requests += 1
    check(status == 404 and body == "no such thing\n", f"/status: the handler's Status header ({status})")
    status, headers, body = curl(base + "/redirect")
    requests += 1
    check(status == 302 and headers.get("location") == "/hello", f"/redirect: Location without Status is 302 ({status})")
    status, headers, body = curl(base + "/echo", "--data-binary", "x" * (100 << 10))
    requests += 1
    check(status == 413, f"a body over --max-request gets 413 ({status})")

    # Failing handlers, with well-behaved requests beside them: the runaway
    # ones hold up nothing but their own connections.
    done = []  # (path, status), in the order the answers came
    lock = threading.Lock()

    def fetch(path, *extra):
        result = curl(base + path, *extra)
        with lock:
            done.append((path, result[0]))
        return result

    with concurrent.futures.ThreadPoolExecutor(max_workers=32) as pool:
        loops = [pool.submit(fetch, "/loop") for _ in range(3)]
        time.sleep(0.2)
        failing = {p: pool.submit(fetch, p) for p in ["/trap", "/noheaders", "/exit3", "/big", "/grow"]}
        hellos = [pool.submit(fetch, f"/echo", "--data-binary", f"request {i}") for i in range(24)]
        echo_results = [f.result() for f in hellos]
        failing_results = {p: f.result() for p, f in failing.items()}
        loop_results = [f.result() for f in loops]
    requests += 3 + len(failing) + 24
    check(all(r[0] == 200 and r[2] == f"REQUEST {i}" for i, r in enumerate(echo_results)),
          "24 concurrent requests beside failing handlers: each got its own answer")
    for path in ["/trap", "/noheaders", "/exit3", "/big"]:
        check(failing_results[path][0] == 500, f"{path}: 500 ({failing_results[path][0]})")
    grow = failing_results["/grow"]
    mib = re.search(r"out of memory after (\d+) MiB", grow[2])
    check(grow[0] == 507 and mib and int(mib.group(1)) < 16,
          f"/grow: malloc fails under --max-memory 16MiB, the handler answers ({grow[0]}, {grow[2].strip()!r})")
    check(all(r[0] == 500 for r in loop_results), "/loop x3: stopped by --timeout, 500 each")
    order = [p for p, _ in done]
    check(max(i for i, p in enumerate(order) if p == "/echo") < min(i for i, p in enumerate(order) if p == "/loop"),
          "every concurrent request was answered before the runaway handlers were stopped")

    # SIGTERM with a request in flight: it finishes, then the server exits.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        sleeper = pool.submit(curl, base + "/sleep")
        # The handler sleeps 3 s: 1.5 s is time enough for the request to
        # be accepted and running on a loaded machine (one still in the
        # listen backlog when the server stops is refused, not in flight).
        time.sleep(1.5)
        server.send_signal(signal.SIGTERM)
        status, _, body = sleeper.result()
    requests += 1
    try:
        code = server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        code = None
    reader.join(timeout=5)
    check(status == 200 and body == "slept\n", f"a request in flight at SIGTERM is answered ({status}, {body!r})")
    check(code == 0, f"kiln serve exits 0 after SIGTERM ({code})")
    text = "".join(log)
    access = [l for l in text.splitlines() if l.startswith("127.0.0.1 \"")]
    check(len(access) == requests, f"one access-log line per request ({len(access)} of {requests})")
    check(any('"GET /loop HTTP/1.1" 500' in l and "interrupted" in l for l in access),
          "the log says why a runaway handler failed (interrupted)")
    check(any('"GET /exit3 HTTP/1.1" 500' in l and "giving up with status 3" in l for l in access),
          "the log carries the handler's first stderr line")
    check(f"stopped after {requests} requests" in text, "kiln serve reports how many requests it answered")
    if failures:
        print(f"serve_test: {len(failures)} check(s) failed", flush=True)
        sys.exit(1)
    print("serve_test: all checks passed")


if __name__ == "__main__":
    main()
