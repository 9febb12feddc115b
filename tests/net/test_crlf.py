# SPDX-License-Identifier: BSD-2-Clause
"""-C/--crlf on connect and listen, as in nc and ncat: every LF of stdin not
already preceded by CR goes out as CRLF, the reply is printed as it comes.
Against a real nginx (the whole response, body included) and against a
Python peer that checks the exact bytes on the wire (TCP both ways, UDP,
listen -k with two clients, a --broker whose clients' bytes stay as sent)."""
import os
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wtest import SLOW, WIRECAT, Proc, case, main, run, wait_for  # noqa: E402
from httpfix import nginx  # noqa: E402
from relayutil import Server, recv_all  # noqa: E402


@case
def http_get_against_nginx():
    ng = nginx()
    rc, out, err = run(["connect", "-C", "127.0.0.1", str(ng.port)],
                       input=b"GET /files/f1M HTTP/1.0\n\n", timeout=30)
    assert rc == 0, err
    head, sep, body = out.partition(b"\r\n\r\n")
    assert sep, out[:300]
    assert head.startswith(b"HTTP/1.1 200 OK\r\n"), head
    assert b"\r\nContent-Length: %d" % (1 << 20) in head, head
    assert body == ng.files["f1M"], (len(body), 1 << 20)
    # the request went out with CRLF: nginx logged it as a good HTTP/1.0 GET
    assert any('"GET /files/f1M HTTP/1.0" 200' in line for line in ng.log_lines()), ng.log_lines()


WANT = (b"GET / HTTP/1.0\n\nkept\r\nsplit\r", b"\nlast")
WIRE = b"GET / HTTP/1.0\r\n\r\nkept\r\nsplit\r\nlast"


@case
def connect_bytes_on_the_wire():
    srv = Server(lambda c: (recv_all(c), c.sendall(b"reply\n"))[0])
    with Proc(["connect", "--crlf", "127.0.0.1", str(srv.port)]) as p:
        for part in WANT:
            p.send(part)
        p.close_stdin()
        assert p.wait(10) == 0, p.stderr_text()
        assert p.stdout_bytes() == b"reply\n", p.stdout_bytes()
    assert srv.join() == WIRE


@case
def listen_bytes_on_the_wire():
    with Proc(["listen", "-v", "-C", "127.0.0.1", "0"]) as p:
        port = p.port()
        c = socket.create_connection(("127.0.0.1", port), timeout=5 * SLOW)
        p.wait_err("connection from")
        for part in WANT:
            p.send(part)
        p.close_stdin()
        c.settimeout(10 * SLOW)
        assert recv_all(c) == WIRE
        c.close()
        assert p.wait(10) == 0, p.stderr_text()


def send_parts(p):
    """Sends WANT to p's stdin in parts, a pause between them so that the
    CR of "split\r" and its LF come in different reads."""
    for part in WANT:
        p.send(part)
        time.sleep(0.2)


@case
def listen_keep_open_two_clients():
    """listen -k -C: stdin reaches both clients with CRLF, then FIN; what the
    clients send is printed unchanged."""
    with Proc(["listen", "-v", "-k", "-C", "127.0.0.1", "0"]) as p:
        port = p.port()
        cs = [socket.create_connection(("127.0.0.1", port), timeout=5 * SLOW) for _ in range(2)]
        wait_for(lambda: p.stderr_text().count("connection from") == 2, what="2 clients")
        cs[0].sendall(b"up\nthere\n")
        p.wait_out(b"up\nthere\n")
        send_parts(p)
        p.close_stdin()
        for c in cs:
            c.settimeout(10 * SLOW)
            assert recv_all(c) == WIRE
            c.close()
        wait_for(lambda: p.stderr_text().count("closed (sent %d bytes" % len(WIRE)) == 2,
                 what="2 clients closed")
        p.signal(signal.SIGTERM)
        assert p.wait(10) == 0, p.stderr_text()
        assert p.stdout_bytes() == b"up\nthere\n", p.stdout_bytes()


@case
def broker_crlf_for_stdin_only():
    """--broker -C: stdin goes to every client with CRLF; a client's line
    reaches the others exactly as it was sent."""
    with Proc(["listen", "-v", "--broker", "-C", "127.0.0.1", "0"]) as p:
        port = p.port()
        a, b = [socket.create_connection(("127.0.0.1", port), timeout=5 * SLOW) for _ in range(2)]
        wait_for(lambda: p.stderr_text().count("connection from") == 2, what="2 clients")
        a.sendall(b"chat\nline\n")
        b.settimeout(10 * SLOW)
        got = b""
        while len(got) < 10:
            got += b.recv(100)
        assert got == b"chat\nline\n", got
        send_parts(p)
        for c in (a, b):
            c.settimeout(10 * SLOW)
            got = b""
            while len(got) < len(WIRE):
                k = c.recv(100)
                assert k, got
                got += k
            assert got == WIRE, got
        p.signal(signal.SIGTERM)
        assert p.wait(10) == 0, p.stderr_text()
        a.close()
        b.close()


@case
def udp_line_ends_in_crlf():
    r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    r.bind(("127.0.0.1", 0))
    r.settimeout(5 * SLOW)
    port = r.getsockname()[1]
    p = subprocess.run([WIRECAT, "connect", "-u", "-C", "-q", "0.2", "127.0.0.1", str(port)],
                       input=b"one\ntwo\r\nthree", stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=10 * SLOW)
    assert p.returncode == 0, p.stderr
    got = [r.recv(100) for _ in range(3)]
    r.close()
    assert got == [b"one\r\n", b"two\r\n", b"three"], got


@case
def help_lists_crlf():
    for cmd in ("connect", "listen"):
        rc, out, err = run([cmd, "--help"])
        assert rc == 0 and b"-C, --crlf" in out, out


if __name__ == "__main__":
    main()
