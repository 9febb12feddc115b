# SPDX-License-Identifier: BSD-2-Clause
"""wirecat listen over TCP: port 0 read back from -v, dual-stack without
ADDR, binary data both ways, stdin EOF (FIN, still reading), -k with several
clients, --broker, --max-conns, -w, -6, and wirecat connect against wirecat
listen."""
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wtest import (SLOW, WIRECAT, Proc, Skip, case, connect_tcp, have_ipv6, main,  # noqa: E402
                   recv_exact, run, wait_for)
from relayutil import listen, pattern, recv_all, sha  # noqa: E402

MIB = 1 << 20


@case
def port0_dual_stack():
    p, port = listen(["0"])
    with p:
        assert port > 0
        m = p.wait_err(r"listening on (\S+) \((.*)\)")
        if have_ipv6():
            assert m.group(1) == b"[::]:%d" % port, m.group(0)
            assert m.group(2) == b"tcp, IPv4 and IPv6", m.group(0)
        s = connect_tcp("127.0.0.1", port)
        p.wait_err(r"connection from 127\.0\.0\.1:\d+ \(local 127\.0\.0\.1:%d\)" % port)
        s.sendall(b"over v4\n")
        p.wait_out(b"over v4\n")
        s.close()
        p.close_stdin()  # the client's FIN ends only its direction
        assert p.wait(5) == 0


@case
def v6_client_on_dual_stack():
    if not have_ipv6():
        raise Skip("no IPv6 on loopback")
    p, port = listen(["0"])
    with p:
        s = connect_tcp("::1", port)
        p.wait_err(r"connection from \[::1\]:\d+")
        s.sendall(b"over v6\n")
        p.wait_out(b"over v6\n")
        s.close()
        p.close_stdin()
        assert p.wait(5) == 0


@case
def binary_both_ways():
    up = pattern(3 * MIB)
    down = pattern(2 * MIB + 1)[::-1]
    for addr in (["127.0.0.1"], ["::1"] if have_ipv6() else ["127.0.0.1"]):
        # stdin is a pipe fed by a thread (listen reads it only once a client is in)
        p = Proc(["listen", "-v"] + addr + ["0"])
        with p:
            port = p.port()
            s = connect_tcp(addr[0], port)
            feeder = threading.Thread(target=lambda: (p.send(down), p.close_stdin()), daemon=True)
            feeder.start()
            s.sendall(up)
            got = recv_all(s)  # ends with the listener's FIN
            s.shutdown(socket.SHUT_WR)
            assert p.wait(10) == 0, p.stderr_text()
            assert sha(got) == sha(down)
            assert sha(p.stdout_bytes()) == sha(up)
            s.close()


@case
def stdin_eof_keeps_receiving():
    """`listen </dev/null`: sends FIN at once and still takes the client's data."""
    with open(os.devnull, "rb") as dn:
        p = Proc(["listen", "-v", "127.0.0.1", "0"], stdin=dn)
    with p:
        port = p.port()
        s = connect_tcp("127.0.0.1", port)
        s.settimeout(5 * SLOW)
        assert s.recv(10) == b""  # FIN from the listener
        p.wait_err("sent FIN")
        data = pattern(500000)
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        assert p.wait(5) == 0
        assert sha(p.stdout_bytes()) == sha(data)


@case
def file_to_listener_whose_stdin_ended():
    """`listen </dev/null >out` sends FIN at once; a client sending a file
    still delivers all of it (a FIN ends only the peer's direction)."""
    data = pattern(5 * MIB + 3)
    with open(os.devnull, "rb") as dn:
        p = Proc(["listen", "-v", "127.0.0.1", "0"], stdin=dn)
    with p:
        port = p.port()
        with tempfile.TemporaryFile() as f:
            f.write(data)
            f.seek(0)
            r = subprocess.run([WIRECAT, "connect", "-v", "127.0.0.1", str(port)], stdin=f,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30 * SLOW)
        assert r.returncode == 0, r.stderr
        assert b"peer closed (FIN)" in r.stderr and b"sent FIN" in r.stderr, r.stderr
        assert p.wait(10) == 0, p.stderr_text()
        assert sha(p.stdout_bytes()) == sha(data), len(p.stdout_bytes())


@case
def connect_to_listen():
    """wirecat to wirecat, through pipes on both sides (splice both ways)."""
    data = pattern(8 * MIB)
    p = Proc(["listen", "-v", "--recv-only", "127.0.0.1", "0"])
    with p:
        port = p.port()
        rc, out, err = run(["connect", "127.0.0.1", str(port)], input=data, timeout=30)
        assert rc == 0, err
        assert p.wait(10) == 0
        assert sha(p.stdout_bytes()) == sha(data)


@case
def keep_open_many_clients():
    p = Proc(["listen", "-v", "-k", "127.0.0.1", "0"])
    with p:
        port = p.port()
        cs = [connect_tcp("127.0.0.1", port) for _ in range(3)]
        wait_for(lambda: p.stderr_text().count("connection from") == 3, what="3 clients")
        for i, c in enumerate(cs):
            c.sendall(b"client %d\n" % i)
        wait_for(lambda: all((b"client %d\n" % i) in p.stdout_bytes() for i in range(3)),
                 what="every client's data on stdout")
        p.send(b"to all\n")
        for c in cs:
            assert recv_exact(c, 7) == b"to all\n"
        cs[0].close()
        # its FIN ends only its direction: it would still get stdin (the
        # next bytes find it gone: RST, and it is closed)
        p.wait_err(r"127\.0\.0\.1:\d+: peer closed \(FIN\)")
        # still serving: a fourth client after one left
        c4 = connect_tcp("127.0.0.1", port)
        c4.sendall(b"late\n")
        wait_for(lambda: b"late\n" in p.stdout_bytes(), what="late client")
        # stdin EOF: every client gets FIN, and the listener keeps receiving
        p.close_stdin()
        for c in cs[1:] + [c4]:
            c.settimeout(5 * SLOW)
            assert c.recv(10) == b""
        cs[1].sendall(b"after eof\n")
        wait_for(lambda: b"after eof\n" in p.stdout_bytes(), what="data after stdin EOF")
        assert p.p.poll() is None
        for c in cs[1:] + [c4]:
            c.close()


@case
def keep_open_stops_cleanly_on_sigterm():
    import signal
    p = Proc(["listen", "-v", "-k", "127.0.0.1", "0"])
    with p:
        port = p.port()
        c = connect_tcp("127.0.0.1", port)
        c.sendall(b"abc")
        wait_for(lambda: p.stdout_bytes() == b"abc", what="data")
        p.signal(signal.SIGTERM)
        assert p.wait(5) == 0
        c.settimeout(5 * SLOW)
        assert c.recv(10) == b""  # closed by the server
        e = p.stderr_text()
        assert "stopping on SIGTERM" in e and "served 1 client: sent 0 bytes, received 3 bytes" in e, e
        c.close()


@case
def broker_chat_room():
    p = Proc(["listen", "-v", "--broker", "127.0.0.1", "0"])
    with p:
        port = p.port()
        a, b, c = (connect_tcp("127.0.0.1", port) for _ in range(3))
        wait_for(lambda: p.stderr_text().count("connection from") == 3, what="3 clients")
        a.sendall(b"hello from a\n")
        assert recv_exact(b, 13) == b"hello from a\n"
        assert recv_exact(c, 13) == b"hello from a\n"
        a.settimeout(0.3)
        try:
            got = a.recv(100)
        except socket.timeout:
            got = None
        assert got is None, got  # not echoed to the sender
        big = pattern(2 * MIB)
        b.sendall(big)
        assert sha(recv_exact(a, len(big), 20)) == sha(big)
        assert sha(recv_exact(c, len(big), 20)) == sha(big)
        assert p.stdout_bytes() == b""  # a broker does not print clients' data
        for s in (a, b, c):
            s.close()


@case
def max_conns():
    p = Proc(["listen", "-v", "-k", "--max-conns", "2", "127.0.0.1", "0"])
    with p:
        port = p.port()
        a = connect_tcp("127.0.0.1", port)
        b = connect_tcp("127.0.0.1", port)
        wait_for(lambda: p.stderr_text().count("connection from") == 2, what="2 clients")
        c = connect_tcp("127.0.0.1", port)
        c.settimeout(5 * SLOW)
        try:
            assert c.recv(10) == b""  # closed at once
        except ConnectionResetError:
            pass
        p.wait_err(r"refused: --max-conns 2 reached")
        a.close()
        p.wait_err(r"peer closed \(FIN\)")
        # a's FIN ends only its direction; the next stdin bytes find it gone
        p.send(b"to b\n")
        assert recv_exact(b, 5) == b"to b\n"
        p.wait_err(r"reset \(sent")
        d = connect_tcp("127.0.0.1", port)
        d.sendall(b"room again\n")
        wait_for(lambda: b"room again\n" in p.stdout_bytes(), what="client after one left")
        for s in (b, c, d):
            s.close()


@case
def no_connection_timeout():
    rc, out, err = run(["listen", "-w", "0.3", "127.0.0.1", "0"])
    assert rc == 1
    assert err.startswith(b"wirecat: listen 127.0.0.1:0: no connection within 0.300 s (-w)"), err


@case
def v6_only():
    if not have_ipv6():
        raise Skip("no IPv6 on loopback")
    p, port = listen(["-6", "0"])
    with p:
        m = p.wait_err(r"listening on (\S+) \((.*)\)")
        assert m.group(2) == b"tcp, IPv6", m.group(0)
        s = socket.socket()
        s.settimeout(2)
        try:
            s.connect(("127.0.0.1", port))
            ok = True
        except OSError:
            ok = False
        assert not ok, "IPv4 client accepted by listen -6"
        s6 = connect_tcp("::1", port)
        s6.close()
        p.close_stdin()
        assert p.wait(5) == 0


@case
def verbose_summary():
    p, port = listen(["127.0.0.1", "0"])
    with p:
        s = connect_tcp("127.0.0.1", port)
        p.send(b"abc")
        p.close_stdin()
        assert recv_all(s) == b"abc"  # then the listener's FIN
        s.sendall(b"12345")
        s.shutdown(socket.SHUT_WR)
        assert p.wait(5) == 0
        e = p.stderr_text()
        assert "peer closed (FIN)" in e and "sent FIN" in e, e
        assert "sent 3 bytes, received 5 bytes in" in e, e


@case
def quit_after_stdin_eof():
    """listen -q: stdin ends, FIN goes out, and the listener leaves after SECS
    although the client never closes."""
    with open(os.devnull, "rb") as dn:
        p = Proc(["listen", "-v", "-q", "0.3", "127.0.0.1", "0"], stdin=dn)
    with p:
        port = p.port()
        s = connect_tcp("127.0.0.1", port)
        s.sendall(b"kept\n")
        t0 = time.monotonic()
        assert p.wait(5) == 0
        assert time.monotonic() - t0 < 3 * SLOW
        assert p.stdout_bytes() == b"kept\n"
        assert "-q time after stdin EOF is over" in p.stderr_text(), p.stderr_text()
        s.close()


@case
def send_only_discards():
    p = Proc(["listen", "-v", "--send-only", "127.0.0.1", "0"])
    with p:
        port = p.port()
        s = connect_tcp("127.0.0.1", port)
        s.sendall(b"not printed\n")
        p.send(b"sent\n")
        p.close_stdin()
        assert recv_all(s) == b"sent\n"
        s.close()
        assert p.wait(5) == 0
        assert p.stdout_bytes() == b""


@case
def help_lists_options():
    rc, out, err = run(["listen", "--help"])
    assert rc == 0 and out.startswith(b"Usage: wirecat listen [OPTIONS] [ADDR] PORT\n")
    for opt in ["-u", "-4", "-6", "-v", "-k", "--broker", "--max-conns", "-w", "-q", "-s", "-p",
                "--send-only", "--recv-only", "--buffer", "--frame", "--show-frames", "--max-frame"]:
        assert ("  " + opt).encode() in out or (", " + opt).encode() in out, opt


main()
