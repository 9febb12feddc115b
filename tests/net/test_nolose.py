# SPDX-License-Identifier: BSD-2-Clause
"""The relay never drops what the user gave it (issue 8, section 1).

The netcat pattern both ways with 30 MB of random data and sha256 on both
ends: (a) `listen P </dev/null >out` + `cat data | connect 127.0.0.1 P`;
(b) `cat data | listen P` + `connect 127.0.0.1 P </dev/null >out`; wirecat
against wirecat and against nc.openbsd, ncat and socat in each role they can
play (nc.openbsd -l and ncat -l drop data when the client's FIN comes first,
even against themselves, so they do not play the listening sender), the peers set up to half-close at their stdin EOF (nc -N, ncat's
default, socat -t 60), so wirecat sees the receiver's FIN long before its own
stdin ends. A slow writer keeps data arriving after that FIN. Both exit
statuses, the byte count and the sha256 are checked.

A peer that reads 1000 bytes and resets: wirecat exits 1, -v reports the RST
(never `peer closed (FIN)` nor `Broken pipe`), and the error line says how
many bytes of stdin were not sent (exact for a regular file). A terminal
stdin still ends when the peer closes; a pipe does not."""
import hashlib
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wtest import SLOW, WIRECAT, Skip, case, free_port, main, need  # noqa: E402

SIZE = 30 * 1000 * 1000
_data = {}

# A writer that takes ~1.5 s: the receiver's FIN comes long before its end.
SLOW_WRITER = r"""
import os, sys, time
f = open(sys.argv[1], "rb")
while True:
    b = f.read(256 * 1024)
    if not b:
        break
    os.write(1, b)
    time.sleep(0.012)
"""


def data_file():
    if "path" not in _data:
        d = tempfile.mkdtemp(prefix="wire-nolose-")
        path = os.path.join(d, "data")
        blob = os.urandom(SIZE)
        with open(path, "wb") as f:
            f.write(blob)
        _data["dir"] = d
        _data["path"] = path
        _data["sha"] = hashlib.sha256(blob).hexdigest()
    return _data["path"], _data["sha"]


def file_sha(path):
    h = hashlib.sha256()
    n = 0
    with open(path, "rb") as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                break
            h.update(b)
            n += len(b)
    return n, h.hexdigest()


def wait_listen(port, timeout=10):
    """Waits until something listens on TCP port (read from /proc/net, so no
    connection is used up)."""
    hexport = ":%04X" % port
    deadline = time.monotonic() + timeout * SLOW
    while time.monotonic() < deadline:
        for name in ("/proc/net/tcp", "/proc/net/tcp6"):
            try:
                with open(name) as f:
                    for line in f.readlines()[1:]:
                        fields = line.split()
                        if fields[1].endswith(hexport) and fields[3] == "0A":
                            return
            except OSError:
                pass
        time.sleep(0.01)
    raise AssertionError("nothing listens on port %d" % port)


def listener(tool, port):
    return {
        "wirecat": [WIRECAT, "listen", "127.0.0.1", str(port)],
        "nc.openbsd": ["nc.openbsd", "-N", "-l", "127.0.0.1", str(port)],
        "ncat": ["ncat", "-l", "127.0.0.1", str(port)],
        "socat": ["socat", "-t", "60", "TCP-LISTEN:%d,bind=127.0.0.1,reuseaddr" % port, "STDIO"],
    }[tool]


def connector(tool, port):
    return {
        "wirecat": [WIRECAT, "connect", "127.0.0.1", str(port)],
        "nc.openbsd": ["nc.openbsd", "-N", "127.0.0.1", str(port)],
        "ncat": ["ncat", "127.0.0.1", str(port)],
        "socat": ["socat", "-t", "60", "STDIO", "TCP:127.0.0.1:%d" % port],
    }[tool]


def feeder(path, slow):
    if slow:
        return subprocess.Popen([sys.executable, "-c", SLOW_WRITER, path], stdout=subprocess.PIPE)
    return subprocess.Popen(["cat", path], stdout=subprocess.PIPE)


def transfer(pattern, lst, con, slow=False):
    """pattern 'a': the listener receives; 'b': the listener sends."""
    for t in (lst, con):
        if t != "wirecat":
            need(t)
    path, want = data_file()
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out")
        errs = [os.path.join(tmp, "lst.err"), os.path.join(tmp, "con.err")]
        feed = feeder(path, slow)
        sender_is_listener = pattern == "b"
        procs = []
        try:
            for i, cmd in enumerate((listener(lst, port), connector(con, port))):
                sends = (i == 0) == sender_is_listener
                stdin = feed.stdout if sends else subprocess.DEVNULL
                stdout = open(os.devnull, "wb") if sends else open(out, "wb")
                with open(errs[i], "wb") as ef, stdout:
                    procs.append(subprocess.Popen(cmd, stdin=stdin, stdout=stdout, stderr=ef))
                if i == 0:
                    wait_listen(port)
            feed.stdout.close()
            rcs = [p.wait(timeout=90 * SLOW) for p in procs]
            feed.wait(timeout=30 * SLOW)
        finally:
            for p in procs + [feed]:
                if p.poll() is None:
                    p.kill()
                    p.wait(5)
        texts = []
        for e in errs:
            with open(e, "rb") as f:
                texts.append(f.read().decode(errors="replace"))
        what = "%s: listen=%s connect=%s%s" % (pattern, lst, con, " (slow writer)" if slow else "")
        assert rcs == [0, 0], (what, rcs, texts)
        n, got = file_sha(out)
        assert n == SIZE, (what, "received %d of %d bytes" % (n, SIZE), texts)
        assert got == want, (what, "sha256 differs")


PEERS = ("nc.openbsd", "ncat", "socat")


@case
def a_wirecat_to_wirecat():
    transfer("a", "wirecat", "wirecat")


@case
def b_wirecat_to_wirecat():
    transfer("b", "wirecat", "wirecat")


@case
def a_slow_writer_wirecat_to_wirecat():
    transfer("a", "wirecat", "wirecat", slow=True)


@case
def b_slow_writer_wirecat_to_wirecat():
    transfer("b", "wirecat", "wirecat", slow=True)


@case
def a_wirecat_sends_to_peers():
    """connect sends; the peer listener (stdin /dev/null) half-closes at once."""
    for t in PEERS:
        transfer("a", t, "wirecat")


@case
def a_peers_send_to_wirecat():
    for t in PEERS:
        transfer("a", "wirecat", t)


@case
def b_wirecat_sends_to_peers():
    """listen sends; the peer client (stdin /dev/null) half-closes at once."""
    for t in PEERS:
        transfer("b", "wirecat", t)


@case
def b_peers_send_to_wirecat():
    # `nc.openbsd -l` and `ncat -l` stop sending at the client's FIN (each
    # loses the same way against itself), so only socat plays this role
    for t in ("socat",):
        transfer("b", t, "wirecat")


@case
def slow_writer_against_peers():
    for t in PEERS:
        transfer("a", t, "wirecat", slow=True)
        transfer("b", "wirecat", t, slow=True)


# ---- resets ------------------------------------------------------------------

def reset_server(fin_first=False, take=1000):
    """A server that reads `take` bytes then closes with SO_LINGER 0 while
    data is pending (an RST). fin_first: it half-closes (FIN) at once."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    s.settimeout(10 * SLOW)
    res = {}

    def run():
        try:
            c, _ = s.accept()
            if fin_first:
                c.shutdown(socket.SHUT_WR)
            got = 0
            c.settimeout(10 * SLOW)
            while got < take:
                b = c.recv(take - got)
                if not b:
                    break
                got += len(b)
            res["got"] = got
            time.sleep(0.05)  # more data is pending in its receive queue
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            c.close()
        except Exception as e:  # reported below
            res["error"] = e
        finally:
            s.close()
    t = threading.Thread(target=run, daemon=True)
    t.start()
    return s.getsockname()[1], t, res


def run_reset(stdin_kind, fin_first=False, cmd="connect"):
    """wirecat -v sends 30 MB to a server that resets after 1000 bytes.
    Returns (stderr text, bytes sent per the -v summary, unsent count)."""
    path, _ = data_file()
    if cmd == "connect":
        port, t, res = reset_server(fin_first)
        args = [WIRECAT, "connect", "-v", "127.0.0.1", str(port)]
    else:
        port = free_port()
        args = [WIRECAT, "listen", "-v", "127.0.0.1", str(port)]
    feed = feeder(path, False) if stdin_kind == "pipe" else None
    stdin = feed.stdout if feed else open(path, "rb")
    p = subprocess.Popen(args, stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stdin.close()
    if cmd == "listen":
        wait_listen(port)
        c = socket.create_connection(("127.0.0.1", port), timeout=10 * SLOW)
        if fin_first:
            c.shutdown(socket.SHUT_WR)
        got = 0
        while got < 1000:
            b = c.recv(1000 - got)
            if not b:
                break
            got += len(b)
        time.sleep(0.05)
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        c.close()
    try:
        _, err = p.communicate(timeout=30 * SLOW)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait(5)
        if feed:
            feed.kill()
            feed.wait(5)
    if cmd == "connect":
        t.join(10 * SLOW)
        assert "error" not in res, res
        assert res.get("got") == 1000, res
    text = err.decode(errors="replace")
    assert p.returncode == 1, (p.returncode, text)
    assert "connection reset by peer (RST)" in text, text
    assert "Broken pipe" not in text, text
    assert ("peer closed (FIN)" in text) == fin_first, text
    m = re.search(r"^wirecat: 127\.0\.0\.1:\d+: Connection reset by peer; "
                  r"(\d+) bytes of stdin not sent"
                  r"(?: \((\d+) of them written but never acknowledged\))?"
                  r"(, and stdin had not ended)?\n", text, re.M)
    assert m, text
    sent = re.search(r"sent (\d+) bytes, received", text)
    assert sent, text
    unacked = int(m.group(2) or 0)
    assert unacked <= int(sent.group(1)), text
    # "sent" (-v) counts what was written to the socket; what the peer never
    # acknowledged is part of "not sent"
    return text, int(sent.group(1)) - unacked, int(m.group(1)), bool(m.group(3))


@case
def reset_after_1000_bytes_pipe():
    """Ten runs: every one reports the RST and the unsent count."""
    for _ in range(10):
        text, acked, unsent, more = run_reset("pipe")
        assert acked + unsent <= SIZE, text
        assert more or acked + unsent == SIZE, text


@case
def reset_after_1000_bytes_file():
    """A regular file as stdin: the count is exact (acknowledged + not sent =
    size), and it names the bytes the reset threw away from the socket."""
    for _ in range(3):
        text, acked, unsent, more = run_reset("file")
        assert not more, text
        assert unsent > 0 and acked + unsent == SIZE, (acked, unsent, text)
        assert "written but never acknowledged" in text, text


@case
def fin_then_reset_is_both():
    """A peer that half-closes, reads 1000 bytes, then resets: FIN, then RST."""
    for _ in range(5):
        run_reset("pipe", fin_first=True)


@case
def listen_reset_after_1000_bytes():
    for fin in (False, True):
        for _ in range(3):
            run_reset("pipe", fin_first=fin, cmd="listen")


# ---- the end of stdin decides, unless stdin is a terminal ---------------------

@case
def pipe_stdin_outlives_peer_fin():
    """The peer half-closes at once; wirecat keeps sending what the pipe gives
    later, then sends FIN and exits 0."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    s.settimeout(10 * SLOW)
    port = s.getsockname()[1]
    p = subprocess.Popen([WIRECAT, "connect", "-v", "127.0.0.1", str(port)],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        c, _ = s.accept()
        c.settimeout(10 * SLOW)
        c.sendall(b"bye\n")
        c.shutdown(socket.SHUT_WR)
        time.sleep(0.3)
        assert p.poll() is None, "wirecat exited after the peer's FIN with stdin open"
        p.stdin.write(b"late line\n")
        p.stdin.flush()
        time.sleep(0.1)
        p.stdin.write(b"last line\n")
        p.stdin.close()
        got = b""
        while True:
            b = c.recv(4096)
            if not b:
                break
            got += b
        assert got == b"late line\nlast line\n", got
        assert p.wait(timeout=10 * SLOW) == 0
        out, err = p.stdout.read(), p.stderr.read()
        assert out == b"bye\n", out
        e = err.decode()
        assert e.index("peer closed (FIN)") < e.index("sent FIN"), e
    finally:
        if p.poll() is None:
            p.kill()
            p.wait(5)
        s.close()


@case
def terminal_stdin_ends_with_peer():
    """stdin a terminal: nothing can be lost, so the peer's FIN ends wirecat."""
    import pty
    master, slave = pty.openpty()
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    s.settimeout(10 * SLOW)
    port = s.getsockname()[1]
    p = subprocess.Popen([WIRECAT, "connect", "127.0.0.1", str(port)], stdin=slave,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    os.close(slave)
    try:
        c, _ = s.accept()
        c.sendall(b"bye\n")
        c.close()
        out, err = p.communicate(timeout=10 * SLOW)
        assert p.returncode == 0, err
        assert out == b"bye\n", out
    finally:
        if p.poll() is None:
            p.kill()
            p.wait(5)
        os.close(master)
        s.close()


@case
def udp_quit_sends_every_line():
    """connect -u -q: a slow stdin of 300 lines, every one arrives."""
    r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    r.bind(("127.0.0.1", 0))
    r.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    port = r.getsockname()[1]
    writer = ("import os, sys, time\n"
              "for i in range(300):\n"
              "    os.write(1, b'line %03d\\n' % i)\n"
              "    time.sleep(0.002)\n")
    feed = subprocess.Popen([sys.executable, "-c", writer], stdout=subprocess.PIPE)
    p = subprocess.Popen([WIRECAT, "connect", "-u", "-q", "0.3", "127.0.0.1", str(port)],
                         stdin=feed.stdout, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    feed.stdout.close()
    try:
        _, err = p.communicate(timeout=20 * SLOW)
        assert p.returncode == 0, err
        r.settimeout(0.5)
        got = b""
        try:
            while True:
                got += r.recv(65536)
        except socket.timeout:
            pass
        want = b"".join(b"line %03d\n" % i for i in range(300))
        assert got == want, (len(got), len(want))
    finally:
        for q in (p, feed):
            if q.poll() is None:
                q.kill()
                q.wait(5)
        r.close()


@case
def udp_peer_gone_says_what_was_not_sent():
    """connect -u: the peer takes 3 datagrams and closes its socket while
    stdin still has lines; the ICMP port unreachable ends wirecat with exit 1
    and the count of stdin bytes not sent."""
    r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    r.bind(("127.0.0.1", 0))
    r.settimeout(10 * SLOW)
    port = r.getsockname()[1]
    writer = ("import os, time\n"
              "for i in range(400):\n"
              "    os.write(1, b'line %03d\\n' % i)\n"
              "    time.sleep(0.005)\n")
    feed = subprocess.Popen([sys.executable, "-c", writer], stdout=subprocess.PIPE)
    p = subprocess.Popen([WIRECAT, "connect", "-u", "127.0.0.1", str(port)],
                         stdin=feed.stdout, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    feed.stdout.close()
    try:
        for _ in range(3):
            r.recv(100)
        r.close()
        _, err = p.communicate(timeout=20 * SLOW)
        text = err.decode()
        assert p.returncode == 1, text
        assert re.fullmatch(r"wirecat: udp 127\.0\.0\.1:%d: ICMP port unreachable from 127\.0\.0\.1; "
                            r"\d+ bytes of stdin not sent, and stdin had not ended\n" % port, text), text
    finally:
        for q in (p, feed):
            if q.poll() is None:
                q.kill()
                q.wait(5)


if __name__ == "__main__":
    try:
        main()
    finally:
        if "dir" in _data:
            import shutil
            shutil.rmtree(_data["dir"], ignore_errors=True)
