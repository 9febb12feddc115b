# SPDX-License-Identifier: BSD-2-Clause
"""Standard descriptors in every subcommand (issue 8, section 1).

A closed stdin, stdout or stderr is opened on /dev/null at start-up, so no
socket can take fd 0, 1 or 2 and receive wirecat's own output: checked with
strace (no socket()/accept() returns 0, 1 or 2), with /proc/PID/fd of a
running process, and by what the peer receives. A closed stdout is an error
(exit 1, one line) for a command whose job is output.

The ends of standard output: a reader that goes away (`| head`) ends every
command quietly, by SIGPIPE, as cat and tshark end; a full disk
(>/dev/full) is one line on stderr and exit 1."""
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wtest import (SLOW, WIRECAT, Skip, case, connect_tcp, free_port, main,  # noqa: E402
                   need, need_root, wait_for)
from relayutil import pattern  # noqa: E402

CLOSED_LINE = re.compile(rb"^wirecat: \w+: standard output is closed")
SOCKCALL = re.compile(r"\b(socket|accept4?)\(.*\)\s+= (\d+)$")
FD_NAMES = {0: "stdin", 1: "stdout", 2: "stderr"}
MIB = 1 << 20


_PCAP = []


def a_pcap(n=20000):
    """A pcap made here: n Ethernet/IPv4/UDP packets (about 2.5 MB, far more
    than a pipe holds), written once per run."""
    if _PCAP:
        return _PCAP[0]
    fd, path = tempfile.mkstemp(suffix=".pcap")
    payload = b"p" * 60
    udp_len = 8 + len(payload)
    ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, 0, 0, 64, 17, 0,
                               bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])))
    s = sum(struct.unpack("!10H", bytes(ip)))
    s = (s & 0xFFFF) + (s >> 16)
    ip[10:12] = struct.pack("!H", ~((s & 0xFFFF) + (s >> 16)) & 0xFFFF)
    frame = (b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00" + bytes(ip)
             + struct.pack("!HHHH", 4000, 5000, udp_len, 0) + payload)
    with os.fdopen(fd, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i in range(n):
            f.write(struct.pack("<IIII", 1700000000 + i // 1000, (i % 1000) * 1000,
                                len(frame), len(frame)) + frame)
    _PCAP.append(path)
    return path


def closer(fds):
    def pre():
        for fd in fds:
            os.close(fd)
    return pre


def spawn(args, closed=(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE):
    """Starts wirecat ARGS with the fds in `closed` closed (the others piped)."""
    return subprocess.Popen(
        [WIRECAT] + list(args),
        stdin=None if 0 in closed else stdin,
        stdout=None if 1 in closed else stdout,
        stderr=None if 2 in closed else subprocess.PIPE,
        preexec_fn=closer(closed), start_new_session=True)


def feed(p, data):
    """Writes data to p's stdin and closes it."""
    p.stdin.write(data)
    p.stdin.close()
    p.stdin = None


def finish(p, timeout=15):
    """Waits for p; returns (rc, stdout, stderr) (None for a closed fd)."""
    try:
        out, err = p.communicate(timeout=timeout * SLOW)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        raise AssertionError("%s did not exit" % p.args[1])
    return p.returncode, out, err


def traced(args, fd, input=b"", timeout=15):
    """Runs wirecat ARGS under strace with fd closed (by the shell that
    execs it). Returns (rc, stdout, stderr, fds returned by socket/accept)."""
    strace = need("strace")
    with tempfile.TemporaryDirectory() as d:
        log = os.path.join(d, "log")
        redir = "%d<&-" % fd if fd == 0 else "%d>&-" % fd
        # LeakSanitizer cannot run under ptrace: off for the traced run only.
        env = dict(os.environ)
        env["ASAN_OPTIONS"] = (env.get("ASAN_OPTIONS", "") + ":detect_leaks=0").lstrip(":")
        p = subprocess.run(
            [strace, "-f", "-qq", "-o", log, "-e", "trace=socket,accept,accept4", "--",
             "sh", "-c", 'exec "$0" "$@" ' + redir, WIRECAT] + list(args),
            input=None if fd == 0 else input,
            stdin=subprocess.DEVNULL if fd == 0 else None,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout * SLOW * 2,
            env=env)
        with open(log) as f:
            fds = [int(m.group(2)) for m in map(SOCKCALL.search, f.read().splitlines()) if m]
    return p.returncode, p.stdout, p.stderr, fds


def assert_no_std_socket(fds, what):
    assert fds, "%s: strace saw no socket() or accept() at all" % what
    bad = [f for f in fds if f in (0, 1, 2)]
    assert not bad, "%s: a socket took fd %s (all: %s)" % (what, bad, fds)


def proc_std_fds(pid):
    """What fds 0-2 of a running process point to."""
    out = {}
    for fd in (0, 1, 2):
        try:
            out[fd] = os.readlink("/proc/%d/fd/%d" % (pid, fd))
        except OSError:
            out[fd] = None
    return out


def assert_devnull(pid, fd):
    got = proc_std_fds(pid)[fd]
    assert got == "/dev/null", "fd %d of the process is %r, not /dev/null" % (fd, got)


def one_line(err, rx):
    lines = err.splitlines()
    assert len(lines) == 1, "expected one line on stderr, got %r" % err
    assert re.search(rx, lines[0]), "stderr %r does not match %r" % (err, rx)


class Peer:
    """A TCP server on a thread: sends `send` once a client is in, then
    records everything it receives until EOF (or `hold` seconds of quiet)."""

    def __init__(self, send=b"", hold=None, reply_after=None, wait=10, stream=False):
        self.s = socket.socket()
        self.s.bind(("127.0.0.1", 0))
        self.s.listen(4)
        self.s.settimeout(wait * SLOW)
        self.stream = stream
        self.port = self.s.getsockname()[1]
        self.send, self.hold, self.reply_after = send, hold, reply_after
        self.got = bytearray()
        self.connected = False
        self.error = None
        self.t = threading.Thread(target=self._run, daemon=True)
        self.t.start()

    def _run(self):
        try:
            c, _ = self.s.accept()
        except socket.timeout:
            return
        self.connected = True
        c.settimeout(self.hold * SLOW if self.hold else 10 * SLOW)
        try:
            if self.send and not self.reply_after:
                c.sendall(self.send)
            if self.stream and not self.reply_after:
                stream_until_error(c)
            while True:
                b = c.recv(65536)
                if not b:
                    break
                self.got += b
                if self.reply_after and self.reply_after in self.got and self.send:
                    c.sendall(self.send)
                    self.send = b""
                    if self.stream:
                        stream_until_error(c)
        except socket.timeout:
            pass
        except OSError as e:
            self.error = e
        finally:
            c.close()
            self.s.close()

    def join(self, timeout=15):
        self.t.join(timeout * SLOW)
        assert not self.t.is_alive(), "peer thread did not finish"
        return bytes(self.got)


def stream_until_error(c, seconds=15):
    """Sends without end (a pipe cannot hold it all) until the other side
    goes away or the deadline passes."""
    chunk = pattern(1 << 16)
    deadline = time.monotonic() + seconds * SLOW
    try:
        while time.monotonic() < deadline:
            c.sendall(chunk)
    except OSError:
        pass


HTTP_REPLY = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"


def http_peer(wait=10):
    """One HTTP/1.1 exchange; records every byte the client sent."""
    return Peer(send=HTTP_REPLY, reply_after=b"\r\n\r\n", hold=3, wait=wait)


# ---------------------------------------------------------------- connect


@case
def connect_stdin_closed():
    """The socket must not become fd 0: the peer's data must not come back."""
    peer = Peer(send=b"from-peer", hold=3)
    p = spawn(["connect", "127.0.0.1", str(peer.port)], closed=(0,))
    rc, out, err = finish(p)
    got = peer.join()
    assert rc == 0, (rc, err)
    assert out == b"from-peer", out
    assert got == b"", "the peer received %r" % got
    rc, out, err, fds = traced(["connect", "127.0.0.1", str(Peer(send=b"x", hold=3).port)], 0)
    assert_no_std_socket(fds, "connect with stdin closed")


@case
def connect_stdout_closed_is_an_error():
    peer = Peer(send=b"from-peer", hold=1, wait=1)
    p = spawn(["connect", "127.0.0.1", str(peer.port)], closed=(1,))
    rc, _, err = finish(p)
    got = peer.join()
    assert rc == 1, (rc, err)
    one_line(err, CLOSED_LINE)
    assert got == b"", "the peer received %r" % got


@case
def connect_send_only_stdout_closed():
    """--send-only needs no stdout: it runs, and nothing comes back."""
    peer = Peer(send=b"from-peer", hold=3)
    p = spawn(["connect", "--send-only", "127.0.0.1", str(peer.port)], closed=(1,),
              stdin=subprocess.PIPE)
    feed(p, b"to-peer")
    rc, _, err = finish(p)
    assert rc == 0, (rc, err)
    assert peer.join() == b"to-peer"
    rc, _, err, fds = traced(["connect", "--send-only", "127.0.0.1",
                              str(Peer(send=b"x", hold=3).port)], 1, input=b"y")
    assert rc == 0, (rc, err)
    assert_no_std_socket(fds, "connect --send-only with stdout closed")


@case
def connect_stderr_closed():
    """-v lines must not go onto the wire."""
    peer = Peer(send=b"from-peer", hold=3)
    p = spawn(["connect", "-v", "127.0.0.1", str(peer.port)], closed=(2,),
              stdin=subprocess.PIPE)
    feed(p, b"to-peer")
    rc, out, _ = finish(p)
    assert rc == 0, rc
    assert out == b"from-peer", out
    got = peer.join()
    assert got == b"to-peer", "the peer received %r" % got
    _, _, _, fds = traced(["connect", "-v", "127.0.0.1", str(Peer(hold=3).port)], 2)
    assert_no_std_socket(fds, "connect with stderr closed")


# ---------------------------------------------------------------- listen


def listen_client(port, send, hold=3):
    c = connect_tcp("127.0.0.1", port)
    c.sendall(send)
    c.shutdown(socket.SHUT_WR)
    c.settimeout(hold * SLOW)
    got = bytearray()
    try:
        while True:
            b = c.recv(65536)
            if not b:
                break
            got += b
    except socket.timeout:
        pass
    c.close()
    return bytes(got)


@case
def listen_stdin_closed():
    port = free_port()
    p = spawn(["listen", "127.0.0.1", str(port)], closed=(0,))
    got = listen_client(port, b"to-listener")
    rc, out, err = finish(p)
    assert rc == 0, (rc, err)
    assert out == b"to-listener", out
    assert got == b"", "the client received %r" % got


@case
def listen_stdout_closed_is_an_error():
    port = free_port()
    p = spawn(["listen", "127.0.0.1", str(port)], closed=(1,))
    rc, _, err = finish(p)
    assert rc == 1, (rc, err)
    one_line(err, CLOSED_LINE)


@case
def listen_send_only_stdout_closed():
    port = free_port()
    p = spawn(["listen", "--send-only", "127.0.0.1", str(port)], closed=(1,),
              stdin=subprocess.PIPE)
    wait_for(lambda: proc_std_fds(p.pid)[1] is not None, what="fd 1 of listen")
    c = connect_tcp("127.0.0.1", port)
    assert_devnull(p.pid, 1)
    c.sendall(b"to-listener")
    feed(p, b"to-client")
    c.settimeout(5 * SLOW)
    got = bytearray()
    while True:
        b = c.recv(65536)
        if not b:
            break
        got += b
    c.close()
    rc, _, err = finish(p)
    assert rc == 0, (rc, err)
    assert bytes(got) == b"to-client", bytes(got)


@case
def listen_stderr_closed():
    """-v lines (listening on, connection from) must not reach the client."""
    port = free_port()
    p = spawn(["listen", "-v", "127.0.0.1", str(port)], closed=(2,), stdin=subprocess.PIPE)
    c = connect_tcp("127.0.0.1", port)
    assert_devnull(p.pid, 2)
    c.sendall(b"to-listener")
    c.shutdown(socket.SHUT_WR)
    feed(p, b"to-client")
    c.settimeout(5 * SLOW)
    got = bytearray()
    while True:
        b = c.recv(65536)
        if not b:
            break
        got += b
    c.close()
    rc, out, _ = finish(p)
    assert rc == 0, rc
    assert out == b"to-listener", out
    assert bytes(got) == b"to-client", "the client received %r" % bytes(got)


# ---------------------------------------------------------------- echo


def echo_with_closed(fd):
    port = free_port()
    p = spawn(["echo", "-v", "127.0.0.1", str(port)], closed=(fd,))
    try:
        c = connect_tcp("127.0.0.1", port)
        c.sendall(b"ping")
        c.settimeout(5 * SLOW)
        got = c.recv(100)
        fds = proc_std_fds(p.pid)
        c.close()
    finally:
        p.send_signal(signal.SIGTERM)
    rc, _, _ = finish(p)
    assert got == b"ping", got
    assert fds[fd] == "/dev/null", "fd %d of echo is %r" % (fd, fds[fd])
    assert rc == 0, rc


@case
def echo_stdin_closed():
    echo_with_closed(0)


@case
def echo_stdout_closed():
    """echo writes no data to stdout: a closed stdout is no error."""
    echo_with_closed(1)


@case
def echo_stderr_closed():
    echo_with_closed(2)


# ---------------------------------------------------------------- http


@case
def http_stdout_closed_is_an_error():
    """Today the body went back to the server on fd 1."""
    peer = http_peer(wait=1)
    p = spawn(["http", "-s", "http://127.0.0.1:%d/" % peer.port], closed=(1,))
    rc, _, err = finish(p)
    got = peer.join()
    assert rc == 1, (rc, err)
    one_line(err, CLOSED_LINE)
    assert b"hello" not in got, "the server received %r" % got


@case
def http_output_file_stdout_closed():
    peer = http_peer()
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "body")
        p = spawn(["http", "-s", "-o", path, "http://127.0.0.1:%d/" % peer.port], closed=(1,))
        rc, _, err = finish(p)
        with open(path, "rb") as f:
            body = f.read()
    got = peer.join()
    assert rc == 0, (rc, err)
    assert body == b"hello", body
    assert got.startswith(b"GET / ") and got.endswith(b"\r\n\r\n"), got
    assert got.count(b"GET ") == 1, got
    _, _, _, fds = traced(["http", "-s", "-o", "/dev/null",
                           "http://127.0.0.1:%d/" % http_peer().port], 1)
    assert_no_std_socket(fds, "http -o with stdout closed")


@case
def http_stderr_closed():
    """-v lines must not go ahead of the request."""
    peer = http_peer()
    p = spawn(["http", "-v", "http://127.0.0.1:%d/" % peer.port], closed=(2,))
    rc, out, _ = finish(p)
    got = peer.join()
    assert rc == 0, rc
    assert out == b"hello", out
    assert got.startswith(b"GET / "), "the server received %r" % got[:200]
    _, _, _, fds = traced(["http", "-v", "http://127.0.0.1:%d/" % http_peer().port], 2)
    assert_no_std_socket(fds, "http with stderr closed")


@case
def http_stdin_closed():
    peer = http_peer()
    rc, out, err, fds = traced(["http", "http://127.0.0.1:%d/" % peer.port], 0)
    got = peer.join()
    assert rc == 0, (rc, err)
    assert out == b"hello", out
    assert got.startswith(b"GET / "), got
    assert_no_std_socket(fds, "http with stdin closed")


# ---------------------------------------------------------------- read


@case
def read_stdout_closed_is_an_error():
    rc, _, err = finish(spawn(["read", a_pcap()], closed=(1,)))
    assert rc == 1, (rc, err)
    one_line(err, CLOSED_LINE)
    rc, _, err = finish(spawn(["read", "-w", "-", a_pcap()], closed=(1,)))
    assert rc == 1, (rc, err)
    one_line(err, CLOSED_LINE)


@case
def read_write_file_stdout_closed():
    """-w FILE needs no stdout: the file is written whole."""
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "out.pcap")
        rc, _, err = finish(spawn(["read", "-w", path, a_pcap()], closed=(1,)))
        assert rc == 0, (rc, err)
        rc2, want, _ = finish(spawn(["read", a_pcap()]))
        rc3, got, _ = finish(spawn(["read", path]))
    assert rc2 == 0 and rc3 == 0
    assert want and got == want, "the copy decodes differently"


@case
def read_stdin_stderr_closed():
    """A closed stdin reads as empty (never as a descriptor something else
    took); a closed stderr changes nothing on stdout."""
    rc, out, err = finish(spawn(["read", "-"], closed=(0,)))
    assert rc in (1, 3), (rc, err)
    assert len(err.splitlines()) == 1, err
    rc, want, _ = finish(spawn(["read", a_pcap()]))
    rc2, got, _ = finish(spawn(["read", a_pcap()], closed=(2,)))
    assert rc == 0 and rc2 == 0, (rc, rc2)
    assert want and got == want


# ---------------------------------------------------------------- sniff


def udp_until(port, stop, payload=b"x" * 20):
    """Sends datagrams to 127.0.0.1:port every 20 ms until stop() (bounded)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    deadline = time.monotonic() + 15 * SLOW
    while not stop() and time.monotonic() < deadline:
        s.sendto(payload, ("127.0.0.1", port))
        time.sleep(0.02)
    s.close()


def sniff_closed(fd, args):
    """Runs `sniff -i lo -c 3 ARGS 'udp port P'` with fd closed, with traffic
    until it exits; returns (rc, out, err, fds 0-2 seen while it ran)."""
    need_root()
    port = free_port(socket.SOCK_DGRAM)
    p = spawn(["sniff", "-i", "lo", "-c", "3"] + list(args) + ["udp port %d" % port],
              closed=(fd,))
    seen = {}

    def stop():
        # the last view while it ran (the loader may hold the fd for a moment)
        f = proc_std_fds(p.pid)
        if f[fd] is not None:
            seen.update(f)
        return p.poll() is not None

    time.sleep(0.3 * SLOW)
    udp_until(port, stop)
    rc, out, err = finish(p)
    return rc, out, err, seen


@case
def sniff_stdout_closed_is_an_error():
    """Today the decoded text went out as an Ethernet frame on fd 1."""
    need_root()
    rc, _, err = finish(spawn(["sniff", "-i", "lo", "-c", "1", "udp port 9"], closed=(1,)))
    assert rc == 1, (rc, err)
    one_line(err, CLOSED_LINE)


@case
def sniff_write_file_stdout_closed():
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "c.pcap")
        rc, _, err, seen = sniff_closed(1, ["-w", path])
        assert rc == 0, (rc, err)
        rc2, out, _ = finish(spawn(["read", path]))
    assert rc2 == 0 and len(out.splitlines()) == 3, out
    assert seen.get(1) == "/dev/null", seen


@case
def sniff_stdin_closed():
    rc, out, err, seen = sniff_closed(0, [])
    assert rc == 0, (rc, err)
    assert len(out.splitlines()) == 3, out
    assert seen.get(0) == "/dev/null", seen


@case
def sniff_stderr_closed():
    """The 'listening on' line must not be sent as a frame."""
    rc, out, _, seen = sniff_closed(2, [])
    assert rc == 0, rc
    assert len(out.splitlines()) == 3, out
    assert seen.get(2) == "/dev/null", seen


# ------------------------------------------------- readers that go away


def reader_goes_away(p, n=10):
    """Reads n bytes of p's stdout, closes the pipe, waits."""
    got = p.stdout.read(n)
    p.stdout.close()
    p.stdout = None
    rc, _, err = finish(p)
    assert len(got) == n, "only %d bytes came before the end" % len(got)
    return rc, err


def quiet_end(rc, err, allowed=()):
    assert rc == -signal.SIGPIPE, "status %r (expected the end by SIGPIPE); stderr %r" % (rc, err)
    lines = [l for l in err.splitlines() if not any(re.search(a, l) for a in allowed)]
    assert not lines, "stderr should be quiet: %r" % err


@case
def read_reader_goes_away():
    quiet_end(*reader_goes_away(spawn(["read", a_pcap()])))


@case
def read_pcap_reader_goes_away():
    quiet_end(*reader_goes_away(spawn(["read", "-w", "-", a_pcap()])))


@case
def connect_reader_goes_away():
    peer = Peer(stream=True, hold=3)
    rc, err = reader_goes_away(spawn(["connect", "127.0.0.1", str(peer.port)]))
    peer.join()
    quiet_end(rc, err)


@case
def listen_reader_goes_away():
    port = free_port()
    p = spawn(["listen", "127.0.0.1", str(port)])
    c = connect_tcp("127.0.0.1", port)
    t = threading.Thread(target=stream_until_error, args=(c,), daemon=True)
    t.start()
    rc, err = reader_goes_away(p)
    t.join(10 * SLOW)
    c.close()
    quiet_end(rc, err)


@case
def listen_keep_reader_goes_away():
    """The -k server writes each client's data to stdout on its own path."""
    port = free_port()
    p = spawn(["listen", "-k", "127.0.0.1", str(port)])
    c = connect_tcp("127.0.0.1", port)
    t = threading.Thread(target=stream_until_error, args=(c,), daemon=True)
    t.start()
    rc, err = reader_goes_away(p)
    t.join(10 * SLOW)
    c.close()
    quiet_end(rc, err)


@case
def connect_udp_reader_goes_away():
    srv = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    srv.bind(("127.0.0.1", 0))
    srv.settimeout(5 * SLOW)
    p = spawn(["connect", "-u", "127.0.0.1", str(srv.getsockname()[1])],
              stdin=subprocess.PIPE)
    p.stdin.write(b"hello\n")
    p.stdin.flush()
    _, addr = srv.recvfrom(100)
    done = []

    def blast():
        deadline = time.monotonic() + 15 * SLOW
        while not done and time.monotonic() < deadline:
            try:
                srv.sendto(b"d" * 1000, addr)
            except OSError:
                pass
            time.sleep(0.0005)

    t = threading.Thread(target=blast, daemon=True)
    t.start()
    try:
        rc, err = reader_goes_away(p)
    finally:
        done.append(1)
        t.join(5 * SLOW)
        p.stdin.close()
        srv.close()
    quiet_end(rc, err)


def _send_quietly(c, data):
    try:
        c.sendall(data)
        c.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def big_http_peer(size=1 << 40):
    """An HTTP server whose body is more than any pipe holds (sent until
    the client goes away)."""
    head = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % size
    return Peer(send=head, reply_after=b"\r\n\r\n", hold=3, stream=True)


@case
def http_reader_goes_away():
    peer = big_http_peer()
    rc, err = reader_goes_away(spawn(["http", "http://127.0.0.1:%d/" % peer.port]))
    peer.join()
    quiet_end(rc, err)


def sniff_reader(args):
    need_root()
    port = free_port(socket.SOCK_DGRAM)
    p = spawn(["sniff", "-i", "lo"] + list(args) + ["udp port %d" % port])
    done = []
    t = threading.Thread(target=udp_until, args=(port, lambda: done), daemon=True)
    time.sleep(0.3 * SLOW)
    t.start()
    try:
        rc, err = reader_goes_away(p, 100)
    finally:
        done.append(1)
        t.join(5 * SLOW)
    quiet_end(rc, err, allowed=(rb"^wirecat: listening on ", rb"packets captured"))


@case
def sniff_reader_goes_away():
    sniff_reader([])


@case
def sniff_pcap_reader_goes_away():
    sniff_reader(["-w", "-"])


# ------------------------------------------------------------ full disk


def full(args, stdin=subprocess.DEVNULL):
    f = open("/dev/full", "wb")
    try:
        return spawn(args, stdin=stdin, stdout=f)
    finally:
        f.close()


def full_disk_line(rc, err, allowed=()):
    assert rc == 1, "status %r; stderr %r" % (rc, err)
    lines = [l for l in err.splitlines() if not any(re.search(a, l) for a in allowed)]
    assert len(lines) == 1, "expected one line, got %r" % err
    assert re.search(rb"^wirecat: .*No space left on device$", lines[0]), lines[0]


@case
def read_full_disk():
    rc, _, err = finish(full(["read", a_pcap()]))
    full_disk_line(rc, err)
    rc, _, err = finish(full(["read", "-w", "-", a_pcap()]))
    full_disk_line(rc, err)


@case
def connect_full_disk():
    peer = Peer(send=pattern(MIB), hold=3)
    rc, _, err = finish(full(["connect", "127.0.0.1", str(peer.port)]))
    peer.join()
    full_disk_line(rc, err)


@case
def listen_full_disk():
    port = free_port()
    p = full(["listen", "127.0.0.1", str(port)])
    c = connect_tcp("127.0.0.1", port)
    _send_quietly(c, pattern(MIB))
    rc, _, err = finish(p)
    c.close()
    full_disk_line(rc, err)


@case
def http_full_disk():
    peer = big_http_peer()
    rc, _, err = finish(full(["http", "http://127.0.0.1:%d/" % peer.port]))
    peer.join()
    full_disk_line(rc, err)


def sniff_full(args):
    need_root()
    port = free_port(socket.SOCK_DGRAM)
    p = full(["sniff", "-i", "lo"] + args + ["udp port %d" % port])
    time.sleep(0.3 * SLOW)
    udp_until(port, lambda: p.poll() is not None)
    rc, _, err = finish(p)
    full_disk_line(rc, err, allowed=(rb"^wirecat: listening on ", rb"packets captured"))


@case
def sniff_pcap_full_disk():
    sniff_full(["-w", "-"])


@case
def sniff_full_disk():
    sniff_full([])


@case
def listen_keep_full_disk():
    port = free_port()
    p = full(["listen", "-k", "127.0.0.1", str(port)])
    c = connect_tcp("127.0.0.1", port)
    _send_quietly(c, pattern(MIB))
    rc, _, err = finish(p)
    c.close()
    full_disk_line(rc, err)


if __name__ == "__main__":
    try:
        main()
    finally:
        for f in _PCAP:
            os.unlink(f)
