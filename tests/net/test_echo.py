# SPDX-License-Identifier: BSD-2-Clause
"""End-to-end tests of `wirecat echo`: TCP and UDP on one port over IPv4 and
IPv6, binary data, half-close, -t/-u/-4/-6, --max-conns, --idle, -j, --frame,
the -v connect/disconnect log (FIN vs RST), the SIGTERM/SIGINT summary, and
bad input. Loopback only, port 0 read back from -v, a deadline on every wait."""
import os
import random
import re
import signal
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wtest import (SLOW, WIRECAT, Proc, Skip, case, connect_tcp, free_port, have_ipv6,  # noqa: E402
                   main, recv_exact, run, wait_for)


def server(*args):
    """Starts `wirecat echo -v ARGS... 0` and returns (proc, port)."""
    p = Proc(["echo", "-v"] + list(args) + ["0"])
    try:
        port = p.port()
    except Exception:
        p.kill()
        raise
    return p, port


def stop(p, sig=signal.SIGTERM):
    """Stops the server with sig; checks exit 0 and no sanitizer report;
    returns its stderr."""
    p.signal(sig)
    rc = p.wait(10)
    err = p.stderr_text()
    assert rc == 0, "exit %r, stderr %r" % (rc, err[-800:])
    assert "ERROR: LeakSanitizer" not in err and "runtime error" not in err, err[-2000:]
    assert "ERROR: AddressSanitizer" not in err, err[-2000:]
    return err


def udp_echo(host, port, data, timeout=3):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.settimeout(timeout * SLOW)
    try:
        s.sendto(data, (host, port))
        got, _ = s.recvfrom(70000)
        return got
    finally:
        s.close()


def tcp_echo(host, port, data):
    s = connect_tcp(host, port)
    try:
        s.sendall(data)
        return recv_exact(s, len(data))
    finally:
        s.close()


def frame_available():
    # The framing spec is parsed before the address is resolved: with an
    # unresolvable name, a working codec fails on the name, not on --frame.
    rc, out, err = run(["echo", "--frame", "line", "no.such.host.invalid", "0"])
    if b"--frame 'line'" in err:
        raise Skip("framing codec (src/core/frame.c) not available yet: %r" % err)


@case
def tcp_and_udp_on_one_port_v4_v6():
    p, port = server()
    with p:
        assert re.search(r"listening on \[::\]:%d \(tcp\+udp, IPv4 and IPv6\)" % port, p.stderr_text()), \
            p.stderr_text()
        assert tcp_echo("127.0.0.1", port, b"hello v4\n") == b"hello v4\n"
        assert udp_echo("127.0.0.1", port, b"dgram v4") == b"dgram v4"
        if have_ipv6():
            assert tcp_echo("::1", port, b"hello v6\n") == b"hello v6\n"
            assert udp_echo("::1", port, b"dgram v6") == b"dgram v6"
        big = bytes(random.getrandbits(8) for _ in range(60000))
        assert udp_echo("127.0.0.1", port, big) == big
        p.wait_err(r"127\.0\.0\.1:\d+ closed \(FIN\), 9 bytes")
        err = stop(p)
        assert re.search(r"echo: \d+ connections, 0 refused", err), err


@case
def binary_data_both_ways_at_once():
    p, port = server("-t", "127.0.0.1")
    with p:
        data = os.urandom(3 * 1024 * 1024)
        s = connect_tcp("127.0.0.1", port)
        got = bytearray()

        def reader():
            s.settimeout(10 * SLOW)
            while len(got) < len(data):
                b = s.recv(1 << 16)
                if not b:
                    break
                got.extend(b)

        t = threading.Thread(target=reader, daemon=True)
        t.start()
        s.sendall(data)
        t.join(20 * SLOW)
        s.close()
        assert bytes(got) == data, "got %d of %d bytes" % (len(got), len(data))
        stop(p)


@case
def half_close_gets_everything_then_eof():
    p, port = server("-t")
    with p:
        s = connect_tcp("127.0.0.1", port)
        # More than the kernel buffers plus the server's pending buffer: the
        # server must keep echoing after our FIN, then close.
        data = os.urandom(512 * 1024)
        got = bytearray()

        def reader():
            s.settimeout(10 * SLOW)
            while True:
                b = s.recv(1 << 16)
                if not b:
                    break
                got.extend(b)

        t = threading.Thread(target=reader, daemon=True)
        t.start()
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        t.join(20 * SLOW)
        assert not t.is_alive(), "no EOF after half-close"
        s.close()
        assert bytes(got) == data, "got %d of %d bytes" % (len(got), len(data))
        p.wait_err(r"closed \(FIN\), %d bytes" % len(data))
        stop(p)


@case
def udp_bursts_keep_every_datagram_whole():
    # Bursts of equal and mixed sizes (empty ones too) from two peers: the
    # server batches them (recvmmsg, and one GSO send per run of one size to
    # one peer); each peer must get back exactly its own datagrams.
    p, port = server("-u", "127.0.0.1")
    with p:
        socks = []
        for _ in range(2):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
            s.connect(("127.0.0.1", port))
            s.settimeout(3 * SLOW)
            socks.append(s)
        sizes = [64] * 20 + [100, 100, 7, 0, 1400, 1400, 1400, 3] + [512] * 10 + [0, 0, 9000]
        sent = [[], []]
        for i, n in enumerate(sizes):
            for k, s in enumerate(socks):
                d = bytes([(i + 7 * k) & 0xff]) * n
                s.send(d)
                sent[k].append(d)
        for k, s in enumerate(socks):
            got = [s.recv(70000) for _ in sizes]
            assert sorted(got) == sorted(sent[k]), (k, [len(g) for g in got])
            s.close()
        err = stop(p)
        n = 2 * len(sizes)
        assert "%d datagrams in, %d datagrams out" % (n, n) in err, err


@case
def tcp_only_and_udp_only():
    p, port = server("-t", "127.0.0.1")
    with p:
        assert "(tcp, IPv4)" in p.stderr_text(), p.stderr_text()
        assert tcp_echo("127.0.0.1", port, b"x") == b"x"
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(0.3)
        s.sendto(b"nobody", ("127.0.0.1", port))
        try:
            s.recvfrom(100)
            assert False, "-t answered UDP"
        except (socket.timeout, ConnectionRefusedError):
            pass
        s.close()
        stop(p)
    p, port = server("-u", "127.0.0.1")
    with p:
        assert "(udp, IPv4)" in p.stderr_text(), p.stderr_text()
        assert udp_echo("127.0.0.1", port, b"y") == b"y"
        s = socket.socket()
        s.settimeout(2)
        try:
            s.connect(("127.0.0.1", port))
            assert False, "-u accepted TCP"
        except ConnectionRefusedError:
            pass
        s.close()
        err = stop(p)
        assert "1 datagram in, 1 datagram out" in err, err


@case
def ipv4_only_and_ipv6_only():
    p, port = server("-4")
    with p:
        assert "listening on 0.0.0.0:%d (tcp+udp, IPv4)" % port in p.stderr_text(), p.stderr_text()
        assert tcp_echo("127.0.0.1", port, b"four") == b"four"
        stop(p)
    if not have_ipv6():
        return
    p, port = server("-6")
    with p:
        assert "listening on [::]:%d (tcp+udp, IPv6)" % port in p.stderr_text(), p.stderr_text()
        assert tcp_echo("::1", port, b"six") == b"six"
        s = socket.socket()
        s.settimeout(2)
        try:
            s.connect(("127.0.0.1", port))
            assert False, "-6 accepted IPv4"
        except ConnectionRefusedError:
            pass
        s.close()
        stop(p)


@case
def verbose_tells_fin_from_rst():
    p, port = server()
    with p:
        s = connect_tcp("127.0.0.1", port)
        lport = s.getsockname()[1]
        p.wait_err(r"127\.0\.0\.1:%d connected" % lport)
        s.sendall(b"hello")
        assert recv_exact(s, 5) == b"hello"
        s.close()
        p.wait_err(r"127\.0\.0\.1:%d closed \(FIN\), 5 bytes" % lport)
        s = connect_tcp("127.0.0.1", port)
        lport = s.getsockname()[1]
        s.sendall(b"abc")
        assert recv_exact(s, 3) == b"abc"
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()
        p.wait_err(r"127\.0\.0\.1:%d reset \(RST\), 3 bytes" % lport)
        stop(p)


@case
def max_conns_refuses_the_extra_client():
    p, port = server("-t", "--max-conns", "2", "127.0.0.1")
    with p:
        a = connect_tcp("127.0.0.1", port)
        b = connect_tcp("127.0.0.1", port)
        a.sendall(b"a")
        b.sendall(b"b")
        assert recv_exact(a, 1) == b"a" and recv_exact(b, 1) == b"b"
        c = connect_tcp("127.0.0.1", port)
        c.settimeout(3 * SLOW)
        try:
            got = c.recv(10)
        except ConnectionResetError:
            got = b""
        assert got == b"", got
        c.close()
        p.wait_err(r"127\.0\.0\.1:\d+ refused \(--max-conns 2\)")
        a.close()
        p.wait_err(r"closed \(FIN\), 1 bytes")
        # a slot is free again
        assert tcp_echo("127.0.0.1", port, b"again") == b"again"
        b.close()
        err = stop(p)
        assert re.search(r"echo: 3 connections, 1 refused \(--max-conns\)", err), err


@case
def idle_clients_are_closed():
    p, port = server("-t", "--idle", "0.4", "127.0.0.1")
    with p:
        quiet = connect_tcp("127.0.0.1", port)
        quiet.sendall(b"q")
        assert recv_exact(quiet, 1) == b"q"
        busy = connect_tcp("127.0.0.1", port)
        t0 = time.monotonic()
        # the busy client talks every 0.1 s and stays; the quiet one goes
        quiet.settimeout(0.05)
        closed_at = None
        while time.monotonic() - t0 < 1.5 * SLOW:
            busy.sendall(b"b")
            assert recv_exact(busy, 1) == b"b"
            if closed_at is None:
                try:
                    if quiet.recv(1) == b"":
                        closed_at = time.monotonic() - t0
                except socket.timeout:
                    pass
            time.sleep(0.1)
        assert closed_at is not None, "idle client not closed"
        assert closed_at >= 0.3, closed_at
        p.wait_err(r"closed \(idle for 400 ms\), 1 bytes")
        busy.sendall(b"still")
        assert recv_exact(busy, 5) == b"still"
        busy.close()
        quiet.close()
        stop(p)


@case
def worker_threads():
    p, port = server("-j", "2")
    with p:
        assert re.search(r"\(tcp\+udp, IPv4 and IPv6, 2 workers\)", p.stderr_text()), p.stderr_text()
        socks = [connect_tcp("127.0.0.1", port) for _ in range(20)]
        for i, s in enumerate(socks):
            s.sendall(b"msg%02d" % i)
        for i, s in enumerate(socks):
            assert recv_exact(s, 5) == b"msg%02d" % i
        for i in range(10):
            assert udp_echo("127.0.0.1", port, b"u%d" % i) == b"u%d" % i
        for s in socks:
            s.close()
        wait_for(lambda: p.stderr_text().count("closed (FIN)") == 20, 5, "20 FIN lines")
        err = stop(p)
        assert "echo: 20 connections, 0 refused (--max-conns), 120 bytes in, 120 bytes out, " \
               "10 datagrams in, 10 datagrams out" in err, err


@case
def sigterm_and_sigint_summary():
    for sig in (signal.SIGTERM, signal.SIGINT):
        p, port = server()
        with p:
            a = connect_tcp("127.0.0.1", port)
            a.sendall(b"12345")
            assert recv_exact(a, 5) == b"12345"
            assert udp_echo("127.0.0.1", port, b"abc") == b"abc"
            # a client still connected at the stop is closed cleanly
            err = stop(p, sig)
            a.settimeout(3 * SLOW)
            assert a.recv(10) == b""
            a.close()
            assert "wirecat: echo: 1 connection, 0 refused (--max-conns), 8 bytes in, " \
                   "8 bytes out, 1 datagram in, 1 datagram out" in err, err
            assert "closed (server stopping), 5 bytes" in err, err


@case
def bad_input():
    for args, what in ((["--frobnicate", "0"], "unknown option '--frobnicate'"),
                       (["-x", "0"], "unknown option '-x'"),
                       (["65536"], "invalid port '65536'"),
                       (["abc"], "invalid port 'abc'"),
                       (["-1"], "unknown option '-1'"),
                       ([], "missing PORT"),
                       (["a", "b", "c"], "too many arguments"),
                       (["-j", "0", "0"], "-j '0'"),
                       (["--max-conns", "x", "0"], "--max-conns 'x'"),
                       (["--idle", "soon", "0"], "--idle 'soon'"),
                       (["-j"], "needs an argument")):
        rc, out, err = run(["echo"] + args)
        assert rc == 2, (args, rc, err)
        assert err.startswith(b"wirecat: echo: "), (args, err)
        assert what.encode() in err, (args, what, err)
        assert err.endswith(b"Try 'wirecat echo --help'.\n"), (args, err)
        assert err.count(b"\n") == 2, (args, err)
    rc, out, err = run(["echo", "--help"])
    assert rc == 0 and out.startswith(b"Usage: wirecat echo"), out
    for opt in (b"--tcp", b"--udp", b"-4", b"-6", b"--threads", b"--max-conns", b"--idle",
                b"--frame", b"--max-frame", b"--verbose", b"--help"):
        assert opt in out, opt
    rc, out, err = run(["echo", "no.such.host.invalid", "0"])
    assert rc == 1 and err.startswith(b"wirecat: echo no.such.host.invalid: "), (rc, err)


@case
def address_in_use():
    # TCP port taken
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen(1)
    port = holder.getsockname()[1]
    rc, out, err = run(["echo", "127.0.0.1", str(port)])
    holder.close()
    assert rc == 1, (rc, err)
    assert err.startswith(("wirecat: echo 127.0.0.1:%d: Address already in use" % port).encode()), err
    assert b"ss -ltnp" in err and err.count(b"\n") == 1, err
    # UDP port taken (TCP free)
    port = free_port()
    holder = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    holder.bind(("127.0.0.1", port))
    rc, out, err = run(["echo", "127.0.0.1", str(port)])
    holder.close()
    assert rc == 1 and b"Address already in use" in err and b"udp port %d" % port in err, err
    # a running echo server holds its port
    p, port = server()
    with p:
        rc, out, err = run(["echo", str(port)])
        assert rc == 1, (rc, err)
        assert err.startswith(("wirecat: echo [::]:%d: Address already in use" % port).encode()), err
        stop(p)


@case
def out_of_descriptors_pauses_accepting():
    # A hard limit of 48 descriptors: the server cannot raise it, runs out
    # while 60 clients connect, says so, keeps serving the ones it has, and
    # takes the rest once descriptors come back.
    lim = "import resource, os, sys; resource.setrlimit(resource.RLIMIT_NOFILE, (48, 48)); " \
          "os.execv(sys.argv[1], sys.argv[1:])"
    p = Proc([sys.executable, "-c", lim, WIRECAT, "echo", "-v", "-t", "127.0.0.1", "0"],
             wirecat=False)
    with p:
        port = p.port()
        socks = []
        for _ in range(60):
            socks.append(connect_tcp("127.0.0.1", port))  # the kernel completes them
        p.wait_err(r"accept: Too many open files \(out of file descriptors")
        socks[0].sendall(b"first")
        assert recv_exact(socks[0], 5) == b"first"
        for s in socks[:40]:
            s.close()
        # the last clients are accepted now and echo
        socks[-1].sendall(b"last")
        assert recv_exact(socks[-1], 4, timeout=5) == b"last"
        for s in socks[40:]:
            s.close()
        stop(p)


# ---- framing (needs src/core/frame.c) -------------------------------------

@case
def frame_line_echoes_message_by_message():
    frame_available()
    p, port = server("-t", "--frame", "line", "127.0.0.1")
    with p:
        s = connect_tcp("127.0.0.1", port)
        s.sendall(b"one\ntw")
        assert recv_exact(s, 4) == b"one\n"
        s.settimeout(0.2)
        try:
            extra = s.recv(10)
        except socket.timeout:
            extra = b""
        assert extra == b"", "half a message was echoed: %r" % extra
        s.sendall(b"o\nthree\n")
        assert recv_exact(s, 10) == b"two\nthree\n"
        s.close()
        stop(p)


@case
def frame_prefix_and_fixed():
    frame_available()
    p, port = server("-t", "--frame", "prefix:u16", "127.0.0.1")
    with p:
        s = connect_tcp("127.0.0.1", port)
        msgs = [b"", b"a", b"hello world", os.urandom(3000)]
        wire = b"".join(struct.pack(">H", len(m)) + m for m in msgs)
        # byte by byte for the first part, then the rest in one go
        for i in range(7):
            s.sendall(wire[i:i + 1])
        s.sendall(wire[7:])
        assert recv_exact(s, len(wire)) == wire
        s.close()
        stop(p)
    p, port = server("-t", "--frame", "fixed:4", "127.0.0.1")
    with p:
        s = connect_tcp("127.0.0.1", port)
        s.sendall(b"abcdef")
        assert recv_exact(s, 4) == b"abcd"
        s.sendall(b"gh")
        assert recv_exact(s, 4) == b"efgh"
        s.close()
        stop(p)


@case
def bad_frame_closes_only_that_client():
    frame_available()
    p, port = server("-t", "--frame", "prefix:u16", "--max-frame", "100", "127.0.0.1")
    with p:
        good = connect_tcp("127.0.0.1", port)
        bad = connect_tcp("127.0.0.1", port)
        bad.sendall(struct.pack(">H", 5000) + b"x" * 10)
        bad.settimeout(3 * SLOW)
        try:
            got = bad.recv(10)
        except ConnectionResetError:
            got = b""
        assert got == b"", got
        bad.close()
        p.wait_err(r"127\.0\.0\.1:\d+ bad frame: .+; closed, 12 bytes")
        good.sendall(b"\x00\x02ok")
        assert recv_exact(good, 4) == b"\x00\x02ok"
        good.close()
        # the server is still there for new clients
        assert tcp_echo("127.0.0.1", port, b"\x00\x01z") == b"\x00\x01z"
        stop(p)


@case
def frame_eof_header_and_delim():
    frame_available()
    p, port = server("-t", "--frame", "eof", "127.0.0.1")
    with p:
        s = connect_tcp("127.0.0.1", port)
        s.sendall(b"the whole ")
        s.sendall(b"stream is one message")
        s.settimeout(0.2)
        try:
            early = s.recv(10)
        except socket.timeout:
            early = b""
        assert early == b"", "eof framing echoed before EOF: %r" % early
        s.shutdown(socket.SHUT_WR)
        assert recv_exact(s, 31) == b"the whole stream is one message"
        s.settimeout(3 * SLOW)
        assert s.recv(10) == b""
        s.close()
        stop(p)
    p, port = server("-t", "--frame", "header:Content-Length", "127.0.0.1")
    with p:
        msg = b"Content-Length: 5\r\n\r\nhelloContent-Length: 0\r\n\r\n"
        assert tcp_echo("127.0.0.1", port, msg) == msg
        stop(p)
    p, port = server("-t", "--frame", "delim:\\r\\n\\r\\n", "127.0.0.1")
    with p:
        msg = b"GET / HTTP/1.0\r\nHost: x\r\n\r\n"
        assert tcp_echo("127.0.0.1", port, msg) == msg
        stop(p)


@case
def frame_bad_spec_is_a_usage_error():
    frame_available()
    rc, out, err = run(["echo", "--frame", "nonsense", "0"])
    assert rc == 2 and b"--frame 'nonsense'" in err and b"Try 'wirecat echo --help'." in err, err


main()
