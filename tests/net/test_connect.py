# SPDX-License-Identifier: BSD-2-Clause
"""wirecat connect against small Python servers on 127.0.0.1 and ::1:
binary-safe data both ways (every byte value, MiBs, sha256), half-close on
stdin EOF, the peer closing first, -q, -w, -s/-p, --send-only/--recv-only,
-v reports (attempts, addresses, FIN, RST, summary), the splice, sendfile
and read/write paths."""
import os
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wtest import SLOW, Proc, Skip, case, have_ipv6, main, run  # noqa: E402
from relayutil import Server, pattern, recv_all, sha  # noqa: E402

MIB = 1 << 20


def upload_then_reply(reply):
    """Server: read until the client's FIN, then send reply and close."""
    def h(c):
        data = recv_all(c)
        c.sendall(reply)
        return data
    return h


def both_ways(host, extra=(), size=3 * MIB):
    up = pattern(size)
    down = pattern(size + 12345)[::-1]
    srv = Server(upload_then_reply(down), host.strip("[]"))
    rc, out, err = run(["connect"] + list(extra) + [host, str(srv.port)], input=up, timeout=30)
    got = srv.join()
    assert rc == 0, (rc, err)
    assert sha(got) == sha(up), "upload differs: %d of %d bytes" % (len(got), len(up))
    assert sha(out) == sha(down), "download differs: %d of %d bytes" % (len(out), len(down))


@case
def binary_both_ways_v4():
    both_ways("127.0.0.1")


@case
def binary_both_ways_v6():
    if not have_ipv6():
        raise Skip("no IPv6 on loopback")
    both_ways("::1")
    both_ways("[::1]", size=100000)


@case
def binary_no_splice():
    both_ways("127.0.0.1", ["--no-splice"])


@case
def stdin_regular_file_stdout_file():
    """sendfile from a regular file; splice through a pipe into a file."""
    up = pattern(2 * MIB + 7)
    down = pattern(MIB + 3)[::-1]
    srv = Server(upload_then_reply(down))
    with tempfile.TemporaryFile() as fin, tempfile.TemporaryFile() as fout:
        fin.write(up)
        fin.seek(0)
        p = subprocess.run([os.environ.get("WIRECAT", "wirecat"), "connect", "127.0.0.1", str(srv.port)],
                           stdin=fin, stdout=fout, stderr=subprocess.PIPE, timeout=30 * SLOW)
        fout.seek(0)
        got_down = fout.read()
    assert p.returncode == 0, p.stderr
    assert sha(srv.join()) == sha(up)
    assert sha(got_down) == sha(down)


@case
def stdout_append_file_falls_back():
    """splice into an O_APPEND file fails with EINVAL: the relay drops to
    write(2) without losing a byte."""
    down = pattern(3 * MIB + 5)
    srv = Server(upload_then_reply(down))
    with tempfile.NamedTemporaryFile() as f:
        f.write(b"before\n")
        f.flush()
        with open(f.name, "ab") as out:
            p = subprocess.run([os.environ.get("WIRECAT", "wirecat"), "connect", "-v", "127.0.0.1",
                                str(srv.port)], stdin=subprocess.DEVNULL, stdout=out,
                               stderr=subprocess.PIPE, timeout=30 * SLOW)
        got = open(f.name, "rb").read()
    srv.join()
    assert p.returncode == 0, p.stderr
    assert sha(got) == sha(b"before\n" + down), len(got)
    assert b"splice refused on stdout; copying with read/write" in p.stderr, p.stderr


@case
def terminal_stdin_stdout():
    """A pty as stdin and stdout (the read/write path): typed lines go out,
    ^D is stdin EOF (FIN), the server's answer reaches the terminal."""
    import pty
    import select
    import termios
    master, slave = pty.openpty()
    attrs = termios.tcgetattr(slave)
    attrs[3] &= ~termios.ECHO  # canonical mode stays on: ^D means EOF
    attrs[1] &= ~termios.OPOST
    termios.tcsetattr(slave, termios.TCSANOW, attrs)
    srv = Server(lambda c: (c.sendall(b"to the terminal\n"), recv_all(c))[1])
    p = subprocess.Popen([os.environ.get("WIRECAT", "wirecat"), "connect", "127.0.0.1", str(srv.port)],
                         stdin=slave, stdout=slave, stderr=subprocess.PIPE)
    os.close(slave)
    try:
        buf = b""
        deadline = time.monotonic() + 5 * SLOW
        while not buf.endswith(b"\n") and time.monotonic() < deadline:
            if select.select([master], [], [], 0.1)[0]:
                buf += os.read(master, 100)
        assert buf == b"to the terminal\n", buf
        os.write(master, b"typed\n")
        os.write(master, b"\x04")
        assert srv.join() == b"typed\n"
        assert p.wait(5 * SLOW) == 0, p.stderr.read()
    finally:
        if p.poll() is None:
            p.kill()
            p.wait(5)
        os.close(master)


@case
def stdin_eof_sends_fin_and_keeps_reading():
    """The server waits for EOF before answering: wirecat must half-close
    and still read the answer."""
    def h(c):
        data = recv_all(c)
        time.sleep(0.2)
        c.sendall(b"got " + str(len(data)).encode() + b"\n")
    srv = Server(h)
    rc, out, err = run(["connect", "-v", "127.0.0.1", str(srv.port)], input=b"hello\n")
    srv.join()
    assert rc == 0, err
    assert out == b"got 6\n", out
    assert b"wirecat: sent FIN\n" in err, err
    assert b"peer closed (FIN)" in err
    assert err.index(b"sent FIN") < err.index(b"peer closed (FIN)")


@case
def peer_closes_first():
    """The peer says something and closes: its FIN ends only its direction;
    wirecat (stdin a pipe) goes on until stdin's EOF, then sends FIN, exit 0."""
    def h(c):
        c.sendall(b"bye\n")
    srv = Server(h)
    with Proc(["connect", "-v", "127.0.0.1", str(srv.port)]) as p:
        p.wait_err("peer closed \\(FIN\\)")
        time.sleep(0.2)
        assert p.p.poll() is None, p.stderr_text()
        p.close_stdin()
        rc = p.wait(5)
        assert rc == 0, p.stderr_text()
        assert p.stdout_bytes() == b"bye\n"
        e = p.stderr_text()
        assert e.index("peer closed (FIN)") < e.index("sent FIN"), e
    srv.join()


@case
def quit_after_eof():
    """-q: the server never closes; wirecat leaves SECS after stdin EOF."""
    def h(c):
        recv_all(c)
        time.sleep(3 * SLOW)
    srv = Server(h)
    t0 = time.monotonic()
    rc, out, err = run(["connect", "-q", "0.3", "127.0.0.1", str(srv.port)], input=b"x")
    dt = time.monotonic() - t0
    assert rc == 0, err
    assert 0.25 < dt < 2.5 * SLOW, dt


@case
def idle_timeout():
    """-w: nothing moves for SECS -> exit 1 with one line."""
    def h(c):
        time.sleep(3 * SLOW)
    srv = Server(h)
    with Proc(["connect", "-w", "0.3", "127.0.0.1", str(srv.port)]) as p:
        rc = p.wait(5)
        assert rc == 1, rc
        assert p.stderr_text() == "wirecat: 127.0.0.1:%d: idle for 0.300 s (-w), giving up\n" % srv.port, \
            p.stderr_text()


@case
def verbose_reports():
    srv = Server(upload_then_reply(b"pong\n"))
    rc, out, err = run(["connect", "-v", "localhost", str(srv.port)], input=b"ping\n")
    srv.join()
    e = err.decode()
    assert rc == 0, e
    assert "wirecat: connecting to 127.0.0.1:%d (tcp)... connected\n" % srv.port in e, e
    assert "wirecat: local 127.0.0.1:" in e and ", remote 127.0.0.1:%d (tcp)" % srv.port in e, e
    assert "sent 5 bytes, received 5 bytes in" in e, e
    assert "rtt " in e and "retransmits " in e, e


@case
def verbose_refused_attempt():
    port = Server(lambda c: None).port  # bound, then we use a closed port next to it
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    rc, out, err = run(["connect", "-v", "127.0.0.1", str(port)])
    assert rc == 1
    assert err == ("wirecat: connecting to 127.0.0.1:%d (tcp)... Connection refused\n"
                   "wirecat: connect 127.0.0.1:%d: Connection refused\n" % (port, port)).encode(), err


@case
def rst_reported():
    def h(c):
        c.recv(10)
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    srv = Server(h)
    with Proc(["connect", "-v", "127.0.0.1", str(srv.port)]) as p:
        p.send(b"x")
        rc = p.wait(5)
        srv.join()
        assert rc == 1, rc
        assert "connection reset by peer (RST)" in p.stderr_text(), p.stderr_text()
        assert ("wirecat: 127.0.0.1:%d: Connection reset by peer; 0 bytes of stdin not sent, "
                "and stdin had not ended\n" % srv.port) in p.stderr_text(), p.stderr_text()


@case
def source_port_and_address():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    lport = s.getsockname()[1]
    s.close()
    srv = Server(upload_then_reply(b""))
    rc, out, err = run(["connect", "-s", "127.0.0.1", "-p", str(lport), "127.0.0.1", str(srv.port)],
                       input=b"a")
    srv.join()
    assert rc == 0, err
    assert srv.peer[1] == lport, (srv.peer, lport)


@case
def family_flags():
    srv = Server(upload_then_reply(b"v4\n"))
    rc, out, err = run(["connect", "-4", "127.0.0.1", str(srv.port)], input=b"")
    srv.join()
    assert rc == 0 and out == b"v4\n", (rc, err)
    rc, out, err = run(["connect", "-6", "127.0.0.1", "80"])
    assert rc == 1 and err.startswith(b"wirecat: resolve 127.0.0.1: "), err
    if have_ipv6():
        srv = Server(upload_then_reply(b"v6\n"), "::1")
        rc, out, err = run(["connect", "-6", "::1", str(srv.port)], input=b"")
        srv.join()
        assert rc == 0 and out == b"v6\n", (rc, err)
        srv = Server(upload_then_reply(b"scope\n"), "::1")
        # a numeric %scope: glibc takes interface names only for link-local addresses
        rc, out, err = run(["connect", "[::1%1]", str(srv.port)], input=b"")
        srv.join()
        assert rc == 0 and out == b"scope\n", (rc, err)


@case
def send_only():
    srv = Server(lambda c: (c.sendall(b"ignored\n"), recv_all(c))[1])
    rc, out, err = run(["connect", "--send-only", "127.0.0.1", str(srv.port)], input=b"data\n")
    assert srv.join() == b"data\n"
    assert rc == 0 and out == b"", (rc, out, err)


@case
def recv_only():
    def h(c):
        c.settimeout(0.3)
        try:
            got = c.recv(10)
        except socket.timeout:
            got = None  # nothing, not even a FIN
        c.sendall(b"news\n")
        return got
    srv = Server(h)
    rc, out, err = run(["connect", "--recv-only", "127.0.0.1", str(srv.port)], input=b"never sent\n")
    assert srv.join() is None
    assert rc == 0 and out == b"news\n", (rc, out, err)


@case
def connect_timeout():
    """-w bounds the connect: a listener whose backlog is full drops SYNs."""
    lst = socket.socket()
    lst.bind(("127.0.0.1", 0))
    lst.listen(0)
    port = lst.getsockname()[1]
    fill = []
    for _ in range(8):
        c = socket.socket()
        c.setblocking(False)
        try:
            c.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        fill.append(c)
    time.sleep(0.1)
    t0 = time.monotonic()
    rc, out, err = run(["connect", "-v", "-w", "0.4", "127.0.0.1", str(port)])
    dt = time.monotonic() - t0
    for c in fill + [lst]:
        c.close()
    if rc == 0 or b"timed out" not in err:
        raise Skip("this kernel accepted past the backlog: %r" % err[:120])
    assert rc == 1
    assert err.endswith(b"wirecat: connect 127.0.0.1:%d: timed out after 0.400 s (-w)\n" % port), err
    assert 0.35 < dt < 3 * SLOW, dt


@case
def every_address_tried():
    """localhost with both ::1 and 127.0.0.1: the refused one is reported, the next connects."""
    addrs = {a[4][0] for a in socket.getaddrinfo("localhost", 1, 0, socket.SOCK_STREAM)}
    if not {"::1", "127.0.0.1"} <= addrs:
        raise Skip("localhost does not resolve to both ::1 and 127.0.0.1 here")
    first = socket.getaddrinfo("localhost", 1, 0, socket.SOCK_STREAM)[0][4][0]
    other = "127.0.0.1" if first == "::1" else "::1"
    srv = Server(upload_then_reply(b"ok\n"), other)
    rc, out, err = run(["connect", "-v", "localhost", str(srv.port)], input=b"")
    srv.join()
    shown = lambda a: "[%s]" % a if ":" in a else a  # noqa: E731
    assert rc == 0 and out == b"ok\n", (rc, err)
    assert ("connecting to %s:%d (tcp)... Connection refused" % (shown(first), srv.port)).encode() in err, err
    assert ("connecting to %s:%d (tcp)... connected" % (shown(other), srv.port)).encode() in err, err


@case
def help_lists_options():
    rc, out, err = run(["connect", "--help"])
    assert rc == 0
    for opt in ["-u", "-4", "-6", "-v", "-w", "-q", "-s", "-p", "--send-only", "--recv-only",
                "--buffer", "--frame", "--show-frames", "--max-frame"]:
        assert ("  " + opt).encode() in out or (", " + opt).encode() in out, opt
    assert out.startswith(b"Usage: wirecat connect [OPTIONS] HOST PORT\n")


main()
