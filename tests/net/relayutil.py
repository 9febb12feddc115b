# SPDX-License-Identifier: BSD-2-Clause
"""Small peers for the connect/listen tests: a TCP or UDP server on a thread
(port 0, every wait with a deadline), and a helper that starts `wirecat
listen -v ... 0` and reads its port back."""
import hashlib
import os
import socket
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wtest import SLOW, Proc  # noqa: E402


def sha(b):
    return hashlib.sha256(b).hexdigest()


def pattern(n):
    """n bytes covering all 256 byte values, not periodic in a short cycle."""
    base = bytes(range(256))
    out = bytearray()
    i = 0
    while len(out) < n:
        out += base[i % 256:] + base[:i % 256]
        i += 7
    return bytes(out[:n])


class Server:
    """A one-shot TCP server on a thread: handler(conn) runs for the first
    client; whatever it returns is kept in .result."""

    def __init__(self, handler, host="127.0.0.1"):
        fam = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.s = socket.socket(fam, socket.SOCK_STREAM)
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.s.bind((host, 0))
        self.s.listen(8)
        self.s.settimeout(10 * SLOW)
        self.port = self.s.getsockname()[1]
        self.result = None
        self.error = None
        self.peer = None
        self.t = threading.Thread(target=self._run, args=(handler,), daemon=True)
        self.t.start()

    def _run(self, handler):
        try:
            c, self.peer = self.s.accept()
            c.settimeout(10 * SLOW)
            with c:
                self.result = handler(c)
        except Exception as e:  # reported by join()
            self.error = e
        finally:
            self.s.close()

    def join(self, timeout=10):
        self.t.join(timeout * SLOW)
        assert not self.t.is_alive(), "server thread did not finish"
        if self.error:
            raise self.error
        return self.result


def recv_all(c):
    buf = bytearray()
    while True:
        b = c.recv(1 << 16)
        if not b:
            return bytes(buf)
        buf += b


def listen(args, stdin=None, **kw):
    """Starts `wirecat listen -v ARGS` and returns (proc, port)."""
    import subprocess
    p = Proc(["listen", "-v"] + list(args), stdin=stdin if stdin is not None else subprocess.PIPE, **kw)
    return p, p.port()


def wait_port(port, udp=False, timeout=5):
    """Waits until something listens on port (TCP LISTEN, or a bound UDP
    socket), read from /proc/net so that no connection is used up."""
    import time
    names = ("udp", "udp6") if udp else ("tcp", "tcp6")
    want = ":%04X" % port
    deadline = time.monotonic() + timeout * SLOW
    while time.monotonic() < deadline:
        for n in names:
            try:
                with open("/proc/net/" + n) as f:
                    next(f)
                    for line in f:
                        parts = line.split()
                        if parts[1].endswith(want) and (udp or parts[3] == "0A"):
                            return
            except OSError:
                pass
        time.sleep(0.02)
    raise AssertionError("nothing listens on port %d" % port)
