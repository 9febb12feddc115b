# SPDX-License-Identifier: BSD-2-Clause
"""Framed echo: `echo --frame header:NAME` sends back exactly the bytes it
received (odd header spellings included), and framed echo holds at most a
global budget of buffered frame bytes across all connections: 40 greedy
clients sending 15 MiB without a delimiter keep the server's RSS under the
budget plus a margin (the greediest are closed with a logged reason) while a
well-behaved client still gets its echoes."""
import os
import re
import signal
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wtest import SANITIZE, SLOW, Proc, case, connect_tcp, main, recv_exact, wait_for  # noqa: E402

MIB = 1 << 20
BUDGET = 64 * MIB  # WIRE_ECHO_FRAME_BUDGET (include/wire/limits.h)
MARGIN = 32 * MIB  # the process itself, read buffers, allocator slack


def server(*args):
    p = Proc(["echo", "-v"] + list(args) + ["0"])
    try:
        return p, p.port()
    except Exception:
        p.kill()
        raise


def stop(p):
    p.signal(signal.SIGTERM)
    rc = p.wait(10)
    assert rc == 0, (rc, p.stderr_text()[-800:])
    return p.stderr_text()


def echo_exact(port, msg):
    s = connect_tcp("127.0.0.1", port)
    try:
        s.sendall(msg)
        s.shutdown(socket.SHUT_WR)
        got = recv_exact(s, len(msg), 10)
        s.settimeout(5 * SLOW)
        assert s.recv(10) == b""  # nothing more than what was sent
        return got
    finally:
        s.close()


@case
def header_echo_is_byte_exact():
    p, port = server("-t", "--frame", "header:Content-Length", "127.0.0.1")
    with p:
        msgs = [
            b"content-length: 5\r\n\r\nhello",
            b"CONTENT-LENGTH:3\r\n\r\nabc",
            b"Content-Length:    4   \r\nX-Extra: yes\r\nother:  thing\r\n\r\nwxyz",
            b"X-First: 1\nContent-Length: 2\n\nhi",
            b"Content-Length: 0\r\n\r\n",
            b"content-LENGTH: 6\r\nContent-Length: 6\r\n\r\n123456",
        ]
        for m in msgs:
            got = echo_exact(port, m)
            assert got == m, (m, got)
        allm = b"".join(msgs)
        got = echo_exact(port, allm)
        assert got == allm, got
        # split at every byte of a small stream: same bytes back
        s = connect_tcp("127.0.0.1", port)
        for b in msgs[2]:
            s.sendall(bytes([b]))
        assert recv_exact(s, len(msgs[2]), 10) == msgs[2]
        s.close()
        stop(p)


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        st = f.read()
    rss = int(re.search(r"VmRSS:\s+(\d+) kB", st).group(1))
    hwm = int(re.search(r"VmHWM:\s+(\d+) kB", st).group(1))
    return rss, hwm


def greedy(port, errors):
    """Sends 15 MiB without a newline; the server may close it."""
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=30 * SLOW)
        block = b"x" * MIB
        for _ in range(15):
            s.sendall(block)
        time.sleep(3 * SLOW)  # hold the connection (and its partial frame) a while
        s.close()
    except OSError as e:
        errors.append(e)


@case
def frame_budget_under_40_greedy_clients():
    p, port = server("-t", "--frame", "line", "127.0.0.1")
    with p:
        good = connect_tcp("127.0.0.1", port)
        errors = []
        ts = [threading.Thread(target=greedy, args=(port, errors), daemon=True)
              for _ in range(40)]
        for t in ts:
            t.start()
        echoed = 0
        peak = 0
        deadline = time.monotonic() + 60 * SLOW
        while any(t.is_alive() for t in ts) and time.monotonic() < deadline:
            good.sendall(b"ping %d\n" % echoed)
            want = b"ping %d\n" % echoed
            assert recv_exact(good, len(want), 20) == want
            echoed += 1
            peak = max(peak, rss_kib(p.p.pid)[0])
            time.sleep(0.05)
        for t in ts:
            t.join(5)
        rss, hwm = rss_kib(p.p.pid)
        print("  echo RSS now %.1f MiB, peak sampled %.1f MiB, VmHWM %.1f MiB "
              "(budget %d MiB + margin %d MiB); %d echoes to the good client; "
              "%d greedy clients closed by the server" % (
                  rss / 1024, peak / 1024, hwm / 1024, BUDGET // MIB, MARGIN // MIB,
                  echoed, len(errors)))
        assert echoed > 0
        if SANITIZE:  # ASan's shadow memory and quarantine are not the server's
            print("  (sanitizer build: RSS not compared with the budget)")
        else:
            assert hwm * 1024 < BUDGET + MARGIN, hwm
        e = p.stderr_text()
        n = len(re.findall(r"closed: over the frame budget", e))
        print("  %d 'over the frame budget' lines" % n)
        assert n >= 1, e[-1500:]
        good.sendall(b"last\n")
        assert recv_exact(good, 5, 10) == b"last\n"
        good.close()
        stop(p)


if __name__ == "__main__":
    main()
