# SPDX-License-Identifier: BSD-2-Clause
"""UDP in connect and listen: one stdin line (with its newline) is one
datagram whatever the writer's timing; received datagrams written whole;
MSG_TRUNC reported; ICMP port unreachable with the sender's address and exit
1; a listener with stdin at EOF still receives; replies go to the latest
sender; -k serves many senders; IPv4 and IPv6."""
import os
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wtest import SLOW, Proc, Skip, case, have_ipv6, main, run, wait_for  # noqa: E402


def udp_sock(host="127.0.0.1"):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind((host, 0))
    s.settimeout(5 * SLOW)
    return s


def closed_udp_port(host="127.0.0.1"):
    s = udp_sock(host)
    port = s.getsockname()[1]
    s.close()
    return port


@case
def lines_are_datagrams_slow_writer():
    srv = udp_sock()
    port = srv.getsockname()[1]
    with Proc(["connect", "-u", "-q", "0.2", "127.0.0.1", str(port)]) as p:
        p.send(b"hel")
        time.sleep(0.2)
        p.send(b"lo")
        time.sleep(0.1)
        p.send(b" world\nsecond\nthi")
        time.sleep(0.1)
        p.send(b"rd\n\n")
        p.send(b"no newline at the end")
        p.close_stdin()
        got = [srv.recvfrom(70000)[0] for _ in range(5)]
        assert got == [b"hello world\n", b"second\n", b"third\n", b"\n", b"no newline at the end"], got
        assert p.wait(5) == 0, p.stderr_text()
    srv.close()


@case
def binary_lines():
    srv = udp_sock()
    port = srv.getsockname()[1]
    data = bytes(range(256))
    rc, out, err = run(["connect", "-u", "-q", "0", "127.0.0.1", str(port)], input=data)
    assert rc == 0, err
    a = srv.recvfrom(70000)[0]
    b = srv.recvfrom(70000)[0]
    assert a == data[:11] and b == data[11:], (a, b)


@case
def replies_written_whole():
    srv = udp_sock()
    port = srv.getsockname()[1]
    with Proc(["connect", "-u", "-v", "-q", "0.3", "127.0.0.1", str(port)]) as p:
        p.send(b"ping\n")
        msg, peer = srv.recvfrom(100)
        assert msg == b"ping\n"
        srv.sendto(b"two\nlines\n", peer)
        srv.sendto(b"x" * 60000, peer)
        p.wait_out(b"two\nlines\n" + b"x" * 60000)
        p.close_stdin()
        assert p.wait(5) == 0
        assert "sent 1 datagrams (5 bytes), received 2 datagrams (60010 bytes)" in p.stderr_text()
    srv.close()


@case
def truncation_reported():
    srv = udp_sock()
    port = srv.getsockname()[1]
    with Proc(["connect", "-u", "--buffer", "1024", "-q", "0.3", "127.0.0.1", str(port)]) as p:
        p.send(b"give\n")
        msg, peer = srv.recvfrom(100)
        srv.sendto((bytes(range(256)) * 8)[:2000], peer)
        p.wait_err(r"wirecat: datagram of 2000 bytes truncated to 1024 \(raise --buffer\)\n")
        p.wait_out((bytes(range(256)) * 8)[:1024])
        p.close_stdin()
        assert p.wait(5) == 0  # reported, the exit status is unaffected
        assert len(p.stdout_bytes()) == 1024
    srv.close()


def icmp(host):
    port = closed_udp_port(host)
    with Proc(["connect", "-u", "-w", "5", host, str(port)]) as p:
        p.send(b"anyone?\n")
        rc = p.wait(5)
        shown = "[%s]" % host if ":" in host else host
        kind = "ICMPv6" if ":" in host else "ICMP"
        assert rc == 1, (rc, p.stderr_text())
        # stdin (a pipe) is still open: the error line says so
        assert p.stderr_text() == ("wirecat: udp %s:%d: %s port unreachable from %s; 0 bytes of "
                                   "stdin not sent, and stdin had not ended\n") % (
            shown, port, kind, host), p.stderr_text()


@case
def icmp_port_unreachable_v4():
    icmp("127.0.0.1")


@case
def icmp_port_unreachable_v6():
    if not have_ipv6():
        raise Skip("no IPv6 on loopback")
    icmp("::1")


@case
def default_wait_after_eof():
    """Without -q/-w a UDP client waits 1 s for replies after stdin EOF."""
    srv = udp_sock()
    port = srv.getsockname()[1]
    t0 = time.monotonic()
    with Proc(["connect", "-u", "127.0.0.1", str(port)]) as p:
        p.send(b"q\n")
        p.close_stdin()
        msg, peer = srv.recvfrom(100)
        time.sleep(0.1)
        srv.sendto(b"late reply\n", peer)
        assert p.wait(5) == 0
        dt = time.monotonic() - t0
        assert p.stdout_bytes() == b"late reply\n"
        assert 0.9 < dt < 3 * SLOW, dt
    srv.close()


def receiver(host, family_label):
    with open(os.devnull, "rb") as dn:
        p = Proc(["listen", "-u", "-v", "-k"] + ([host] if host else []) + ["0"], stdin=dn)
    with p:
        port = p.port()
        m = p.wait_err(r"listening on (\S+) \((.*)\)")
        assert m.group(2) == family_label.encode(), m.group(0)
        c = udp_sock("::1" if host == "::1" else "127.0.0.1")
        dst = "::1" if host == "::1" else "127.0.0.1"
        for msg in (b"first\n", b"second", b"a\nb\n"):
            c.sendto(msg, (dst, port))
        p.wait_out(b"first\nseconda\nb\n")
        cport = c.getsockname()[1]
        shown = "[::1]" if dst == "::1" else dst
        p.wait_err(r"from %s:%d, 6 bytes" % (shown.replace("[", r"\[").replace("]", r"\]"), cport))
        p.wait_err(r"from \S+:%d, 4 bytes" % cport)
        assert p.p.poll() is None  # stdin EOF did not stop it
        c.close()


@case
def listen_u_devnull_receives():
    receiver("127.0.0.1", "udp, IPv4")


@case
def listen_u_dual_stack_and_v6():
    if not have_ipv6():
        raise Skip("no IPv6 on loopback")
    receiver(None, "udp, IPv4 and IPv6")
    receiver("::1", "udp, IPv6")


@case
def listen_u_replies_to_latest_with_k():
    p = Proc(["listen", "-u", "-v", "-k", "127.0.0.1", "0"])
    with p:
        port = p.port()
        a, b = udp_sock(), udp_sock()
        a.sendto(b"from a\n", ("127.0.0.1", port))
        p.wait_out(b"from a\n")
        p.send(b"reply one\n")
        assert a.recvfrom(100)[0] == b"reply one\n"
        b.sendto(b"from b\n", ("127.0.0.1", port))
        p.wait_out(b"from a\nfrom b\n")
        p.send(b"reply two\n")
        assert b.recvfrom(100)[0] == b"reply two\n"
        a.close()
        b.close()


@case
def listen_u_serves_first_peer_without_k():
    p = Proc(["listen", "-u", "-v", "127.0.0.1", "0"])
    with p:
        port = p.port()
        a, b = udp_sock(), udp_sock()
        a.sendto(b"from a\n", ("127.0.0.1", port))
        p.wait_out(b"from a\n")
        b.sendto(b"from b\n", ("127.0.0.1", port))
        a.sendto(b"again a\n", ("127.0.0.1", port))
        p.wait_out(b"from a\nagain a\n")
        assert b"from b" not in p.stdout_bytes()
        p.send(b"only a\n")
        assert a.recvfrom(100)[0] == b"only a\n"
        a.close()
        b.close()


@case
def connect_u_to_listen_u():
    p = Proc(["listen", "-u", "-v", "127.0.0.1", "0"])
    with p:
        port = p.port()
        with Proc(["connect", "-u", "-q", "0.2", "127.0.0.1", str(port)]) as c:
            c.send(b"hi listener\n")
            p.wait_out(b"hi listener\n")
            p.send(b"hi client\n")
            c.wait_out(b"hi client\n")
            c.close_stdin()
            assert c.wait(10) == 0


main()
