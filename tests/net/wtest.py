# SPDX-License-Identifier: BSD-2-Clause
"""Helpers for wirecat's end-to-end tests.

Every test runs on loopback (127.0.0.1, ::1) or in network namespaces it
creates; every wait has a deadline; ports are 0 (read back from -v) or found
free. A test file defines functions decorated with @case and ends with
`main()`, which runs them, prints "N passed, N failed, N skipped" and exits
0, 1, or 77 when every case was skipped.
"""
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get("WIRE_SRC", os.path.dirname(os.path.dirname(HERE)))
WIRECAT = os.environ.get("WIRECAT", os.path.join(SRC, "build", "wirecat"))
SANITIZE = os.environ.get("WIRE_SANITIZE", "0") in ("1", "ON", "TRUE", "true")
# Sanitizer builds are slower: deadlines and load sizes scale with this.
SLOW = 3.0 if SANITIZE else 1.0

_cases = []


class Skip(Exception):
    """Raised by a case that lacks a privilege or a peer program."""


def case(fn):
    _cases.append(fn)
    return fn


def tool(name):
    """Path of a helper program built from tests/tools/NAME.c."""
    p = os.environ.get("WIRE_TOOL_" + name)
    if not p:
        p = os.path.join(os.environ.get("WIRE_BUILD", os.path.join(SRC, "build")), name)
    return p


def need(prog):
    """Returns the path of prog, or skips the case when it is not installed."""
    p = shutil.which(prog)
    if not p:
        raise Skip(prog + " is not installed")
    return p


def need_root():
    if os.geteuid() != 0:
        raise Skip("needs root (CAP_NET_RAW/CAP_NET_ADMIN)")


def have_ipv6():
    try:
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.bind(("::1", 0))
        s.close()
        return True
    except OSError:
        return False


def free_port(kind=socket.SOCK_STREAM, family=socket.AF_INET):
    """A port that is free now for kind on both 127.0.0.1 and ::1 (best effort)."""
    for _ in range(50):
        s = socket.socket(family, kind)
        s.bind(("127.0.0.1" if family == socket.AF_INET else "::1", 0))
        port = s.getsockname()[1]
        s.close()
        ok = True
        for fam, addr in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
            for k in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
                try:
                    t = socket.socket(fam, k)
                    t.bind((addr, port))
                    t.close()
                except OSError:
                    ok = False
        if ok:
            return port
    raise RuntimeError("no free port found")


def run(args, input=b"", timeout=10, env=None):
    """Runs wirecat ARGS to completion. Returns (rc, stdout, stderr)."""
    args = list(args)
    cmd = args if args and os.path.isabs(args[0]) else [WIRECAT] + args
    p = subprocess.run(cmd, input=input, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=timeout * SLOW, env=env)
    return p.returncode, p.stdout, p.stderr


class Proc:
    """A background process with stdout and stderr collected by threads, so
    reads never block past a deadline."""

    def __init__(self, args, stdin=subprocess.PIPE, env=None, wirecat=True):
        cmd = ([WIRECAT] + list(args)) if wirecat else list(args)
        self.cmd = cmd
        self.p = subprocess.Popen(cmd, stdin=stdin, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, env=env, start_new_session=True)
        self.out = bytearray()
        self.err = bytearray()
        self.errq = queue.Queue()
        self.lock = threading.Lock()
        self.t1 = threading.Thread(target=self._pump, args=(self.p.stdout, self.out, None), daemon=True)
        self.t2 = threading.Thread(target=self._pump, args=(self.p.stderr, self.err, self.errq), daemon=True)
        self.t1.start()
        self.t2.start()

    def _pump(self, f, acc, q):
        while True:
            b = f.read1(65536) if hasattr(f, "read1") else f.read(65536)
            if not b:
                break
            with self.lock:
                acc.extend(b)
            if q is not None:
                q.put(b)

    def send(self, data):
        self.p.stdin.write(data)
        self.p.stdin.flush()

    def close_stdin(self):
        try:
            self.p.stdin.close()
        except (BrokenPipeError, OSError):
            pass

    def wait_err(self, pattern, timeout=5):
        """Waits until stderr matches the regex; returns the match."""
        rx = re.compile(pattern.encode() if isinstance(pattern, str) else pattern)
        deadline = time.monotonic() + timeout * SLOW
        while True:
            with self.lock:
                m = rx.search(bytes(self.err))
            if m:
                return m
            left = deadline - time.monotonic()
            if left <= 0 or (self.p.poll() is not None and self.errq.empty() and not self.t2.is_alive()):
                raise AssertionError("stderr of %s never matched %r; stderr so far: %r"
                                     % (" ".join(self.cmd[1:3]), pattern, bytes(self.err)[-800:]))
            try:
                self.errq.get(timeout=min(left, 0.05))
            except queue.Empty:
                pass

    def wait_out(self, data, timeout=5):
        """Waits until stdout holds at least the given bytes (or a length)."""
        n = data if isinstance(data, int) else len(data)
        deadline = time.monotonic() + timeout * SLOW
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.out) >= n:
                    break
            if self.p.poll() is not None and not self.t1.is_alive():
                break
            time.sleep(0.01)
        with self.lock:
            got = bytes(self.out)
        if not isinstance(data, int):
            assert got[:len(data)] == data, "stdout %r, expected %r" % (got[:200], data[:200])
        else:
            assert len(got) >= n, "stdout has %d bytes, expected %d" % (len(got), n)
        return got

    def port(self, timeout=5):
        """Port from the -v line 'listening on ADDR:PORT'."""
        m = self.wait_err(r"listening on \S*:(\d+)", timeout)
        return int(m.group(1))

    def wait(self, timeout=10):
        """Waits for exit; returns the status (kills and fails on the deadline)."""
        try:
            rc = self.p.wait(timeout=timeout * SLOW)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError("%s did not exit in %ss; stderr: %r"
                                 % (" ".join(self.cmd[1:3]), timeout, bytes(self.err)[-800:]))
        self.t1.join(5)
        self.t2.join(5)
        return rc

    def signal(self, sig=signal.SIGTERM):
        try:
            self.p.send_signal(sig)
        except ProcessLookupError:
            pass

    def kill(self):
        try:
            os.killpg(self.p.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.p.wait(5)
        except subprocess.TimeoutExpired:
            pass

    def stderr_text(self):
        with self.lock:
            return bytes(self.err).decode(errors="replace")

    def stdout_bytes(self):
        with self.lock:
            return bytes(self.out)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.p.poll() is None:
            self.kill()
        for f in (self.p.stdin,):
            try:
                if f:
                    f.close()
            except OSError:
                pass


def wait_for(pred, timeout=5, what="condition"):
    deadline = time.monotonic() + timeout * SLOW
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.02)
    raise AssertionError("timed out waiting for " + what)


def connect_tcp(host, port, timeout=5):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    deadline = time.monotonic() + timeout * SLOW
    while True:
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.settimeout(timeout * SLOW)
        try:
            s.connect((host, port))
            return s
        except ConnectionRefusedError:
            s.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def recv_exact(s, n, timeout=5):
    s.settimeout(timeout * SLOW)
    buf = bytearray()
    while len(buf) < n:
        b = s.recv(n - len(buf))
        if not b:
            break
        buf.extend(b)
    return bytes(buf)


def _write_results(passed, failed, skipped, skips):
    """Leaves this file's case counts in $WIRE_RESULTS/KIND_NAME.cases, so
    make check's closing line counts a skipped case even when the other cases
    of its file passed (ctest only sees the file's exit status)."""
    d = os.environ.get("WIRE_RESULTS")
    if not d:
        return
    script = os.path.abspath(sys.argv[0])
    kind = os.path.basename(os.path.dirname(script))
    name = os.path.splitext(os.path.basename(script))[0].replace("test_", "", 1)
    lines = ["%d %d %d" % (passed, failed, skipped)]
    lines += ["skip %s/%s %s: %s" % (kind, name, c, r.replace("\n", " ")) for c, r in skips]
    try:
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "%s_%s.cases" % (kind, name)), "w") as f:
            f.write("\n".join(lines) + "\n")
    except OSError as e:
        print("wtest: cannot write results to %s: %s" % (d, e), file=sys.stderr)


def main():
    only = sys.argv[1:]
    passed = failed = skipped = 0
    skips = []
    for fn in _cases:
        if only and fn.__name__ not in only:
            continue
        t0 = time.monotonic()
        try:
            fn()
        except Skip as e:
            skipped += 1
            skips.append((fn.__name__, str(e)))
            print("SKIP %s: %s" % (fn.__name__, e), flush=True)
            continue
        except Exception:
            failed += 1
            print("FAIL %s (%.2fs)" % (fn.__name__, time.monotonic() - t0), flush=True)
            traceback.print_exc()
            sys.stdout.flush()
            continue
        passed += 1
        print("ok   %s (%.2fs)" % (fn.__name__, time.monotonic() - t0), flush=True)
    print("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
    _write_results(passed, failed, skipped, skips)
    if failed:
        sys.exit(1)
    if passed == 0 and skipped > 0:
        sys.exit(77)
    sys.exit(0)
