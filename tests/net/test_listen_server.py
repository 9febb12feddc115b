# SPDX-License-Identifier: BSD-2-Clause
"""The many-client servers (`listen -k`, `--broker`, `listen -u -k`) keep
everyone served: a client that never reads does not stall stdin (or a chat)
for the others; it is dropped after its queue stayed full, with a line on
stderr naming it and the bytes it did not receive, and the command exits 1 at
the end because a client lost data. `listen -u -k` ends with status 0 and its
summary on SIGINT and SIGTERM."""
import hashlib
import os
import re
import signal
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wtest import SLOW, Proc, case, connect_tcp, main, wait_for  # noqa: E402

MIB = 1 << 20
TOTAL = 100 * MIB


def staller(port):
    """A client that never reads: a small receive buffer so its queue fills."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(5 * SLOW)
    s.connect(("127.0.0.1", port))
    return s


class Reader(threading.Thread):
    """Reads a socket to EOF (or reset), hashing what arrives."""

    def __init__(self, s, want=None):
        super().__init__(daemon=True)
        self.s, self.want = s, want
        self.h = hashlib.sha256()
        self.n = 0
        self.eof = False
        self.start()

    def run(self):
        self.s.settimeout(15 * SLOW)
        try:
            while self.want is None or self.n < self.want:
                b = self.s.recv(1 << 20)
                if not b:
                    self.eof = True
                    break
                self.h.update(b)
                self.n += len(b)
        except OSError:
            pass


def feed(p, chunk_seed=b"wirecat", total=TOTAL):
    """Writes total deterministic bytes to p's stdin on a thread, then closes
    it. Returns (thread, sha256 of what is written)."""
    block = hashlib.sha256(chunk_seed).digest() * (MIB // 32)
    blocks = [bytes((b + i) & 0xff for b in block[:64]) + block[64:] for i in range(4)]
    h = hashlib.sha256()
    for i in range(total // MIB):
        h.update(blocks[i % 4])

    def run():
        try:
            for i in range(total // MIB):
                p.p.stdin.write(blocks[i % 4])
            p.p.stdin.close()
        except OSError:
            pass
    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t, h.hexdigest()


@case
def keep_open_stalled_client_does_not_stall_stdin():
    p = Proc(["listen", "-v", "-k", "127.0.0.1", "0"])
    with p:
        port = p.port()
        bad = staller(port)
        good = connect_tcp("127.0.0.1", port)
        wait_for(lambda: p.stderr_text().count("connection from") == 2, what="2 clients")
        bad_name = "127.0.0.1:%d" % bad.getsockname()[1]
        r = Reader(good)
        t0 = time.monotonic()
        t, want = feed(p)
        r.join(60 * SLOW)
        took = time.monotonic() - t0
        print("  reader got %d of %d bytes in %.1f s" % (r.n, TOTAL, took))
        assert r.n == TOTAL and r.eof, (r.n, p.stderr_text()[-800:])
        assert r.h.hexdigest() == want
        m = wait_for(lambda: re.search(
            re.escape(bad_name) + r": dropped: did not read for [\d.]+ s, "
            r"(\d+) bytes of stdin not delivered", p.stderr_text()), what="drop line")
        assert int(m.group(1)) > 0, m.group(0)
        print("  " + m.group(0))
        p.signal(signal.SIGTERM)
        assert p.wait(10) == 1, p.stderr_text()
        assert "1 client lost data" in p.stderr_text(), p.stderr_text()
        bad.close()
        good.close()


@case
def broker_stalled_client_does_not_stall_the_chat():
    p = Proc(["listen", "-v", "--broker", "127.0.0.1", "0"])
    with p:
        port = p.port()
        bad = staller(port)
        a = connect_tcp("127.0.0.1", port)
        b = connect_tcp("127.0.0.1", port)
        wait_for(lambda: p.stderr_text().count("connection from") == 3, what="3 clients")
        bad_name = "127.0.0.1:%d" % bad.getsockname()[1]
        total = 20 * MIB
        r = Reader(b, total)
        block = os.urandom(MIB)
        h = hashlib.sha256()
        a.settimeout(60 * SLOW)
        t0 = time.monotonic()
        for _ in range(total // MIB):
            a.sendall(block)
            h.update(block)
        r.join(60 * SLOW)
        print("  b got %d of %d bytes from a in %.1f s" % (r.n, total, time.monotonic() - t0))
        assert r.n == total, (r.n, p.stderr_text()[-800:])
        assert r.h.hexdigest() == h.hexdigest()
        # a chat line after the drop still reaches b
        a.sendall(b"still here\n")
        b.settimeout(10 * SLOW)
        got = b""
        while not got.endswith(b"still here\n"):
            got += b.recv(100)
        m = wait_for(lambda: re.search(
            re.escape(bad_name) + r": dropped: did not read for [\d.]+ s, "
            r"(\d+) bytes not delivered", p.stderr_text()), what="drop line")
        assert int(m.group(1)) > 0
        p.signal(signal.SIGINT)
        assert p.wait(10) == 1, p.stderr_text()
        for s in (bad, a, b):
            s.close()


@case
def keep_open_no_loss_exits_0():
    """Two readers, nobody dropped: SIGTERM ends with status 0 (the status 1
    above comes from the lost data, not from the signal)."""
    p = Proc(["listen", "-v", "-k", "127.0.0.1", "0"])
    with p:
        port = p.port()
        cs = [connect_tcp("127.0.0.1", port) for _ in range(2)]
        wait_for(lambda: p.stderr_text().count("connection from") == 2, what="2 clients")
        rs = [Reader(c) for c in cs]
        t, want = feed(p, total=8 * MIB)
        for r in rs:
            r.join(30 * SLOW)
            assert r.n == 8 * MIB and r.eof and r.h.hexdigest() == want, r.n
        p.signal(signal.SIGTERM)
        assert p.wait(10) == 0, p.stderr_text()
        assert "dropped" not in p.stderr_text()
        for c in cs:
            c.close()


@case
def keep_open_client_fin_ends_only_its_direction():
    """`cat file | listen -k` and a client whose stdin is /dev/null (FIN at
    once): the client still gets every byte of stdin, then FIN."""
    p = Proc(["listen", "-v", "-k", "127.0.0.1", "0"])
    with p:
        port = p.port()
        c = connect_tcp("127.0.0.1", port)
        c.shutdown(socket.SHUT_WR)
        p.wait_err(r"peer closed \(FIN\)")
        r = Reader(c)
        t, want = feed(p, total=4 * MIB)
        r.join(30 * SLOW)
        assert r.n == 4 * MIB and r.eof and r.h.hexdigest() == want, (r.n, p.stderr_text())
        p.wait_err(r"closed \(sent 4194304 bytes, received 0 bytes\)")
        p.signal(signal.SIGTERM)
        assert p.wait(10) == 0, p.stderr_text()
        c.close()


def udp_keep_signal(sig, name):
    p = Proc(["listen", "-v", "-u", "-k", "127.0.0.1", "0"])
    with p:
        port = int(p.wait_err(r"listening on 127\.0\.0\.1:(\d+)").group(1))
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.sendto(b"hello\n", ("127.0.0.1", port))
        p.wait_out(b"hello\n")
        p.signal(sig)
        rc = p.wait(5)
        e = p.stderr_text()
        assert rc == 0, (rc, e)
        assert "stopping on %s" % name in e, e
        assert "received 1 datagrams (6 bytes)" in e, e
        s.close()


@case
def udp_keep_sigint_exits_0_with_summary():
    udp_keep_signal(signal.SIGINT, "SIGINT")


@case
def udp_keep_sigterm_exits_0_with_summary():
    udp_keep_signal(signal.SIGTERM, "SIGTERM")


if __name__ == "__main__":
    main()
