# SPDX-License-Identifier: BSD-2-Clause
"""Ports given as service names (/etc/services), as nc takes them: connect,
listen and echo, with the protocol that -u selects (`domain` is 53 for both,
a name known only for TCP is refused with -u)."""
import os
import socket
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wtest import SLOW, Proc, Skip, case, main, run  # noqa: E402

# Services above 1023 (no privilege needed) that /etc/services names.
CANDIDATES = ("x11", "postgresql", "http-alt", "webcache", "mysql", "redis", "amqp")


def free_service():
    """A (name, port) pair from /etc/services whose TCP port is free on 127.0.0.1."""
    for name in CANDIDATES:
        try:
            port = socket.getservbyname(name, "tcp")
        except OSError:
            continue
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            continue
        finally:
            s.close()
        return name, port
    raise Skip("no free port among the services " + ", ".join(CANDIDATES))


@case
def connect_udp_service_name():
    """`domain` resolves to 53 for UDP: the -v lines name the port (nothing is
    sent: stdin is empty and -q 0 ends at once)."""
    try:
        socket.getservbyname("domain", "udp")
    except OSError:
        raise Skip("/etc/services has no 'domain' (install netbase)")
    rc, out, err = run(["connect", "-v", "-u", "-q", "0", "127.0.0.1", "domain"], input=b"")
    assert rc == 0, err
    assert b"connecting to 127.0.0.1:53 (udp)... connected" in err, err


@case
def listen_and_connect_by_name():
    name, port = free_service()
    with Proc(["listen", "-v", "127.0.0.1", name], stdin=subprocess.DEVNULL) as p:
        m = p.wait_err(r"listening on 127\.0\.0\.1:(\d+)")
        assert int(m.group(1)) == port, (m.group(0), port)
        rc, out, err = run(["connect", "-v", "127.0.0.1", name], input=b"by name\n")
        assert rc == 0, err
        assert b"connecting to 127.0.0.1:%d (tcp)... connected" % port in err, err
        p.wait_out(b"by name\n")
        assert p.wait(10) == 0, p.stderr_text()


@case
def echo_by_name():
    name, port = free_service()
    with Proc(["echo", "-t", "-v", "127.0.0.1", name]) as p:
        p.wait_err(r"127\.0\.0\.1:%d" % port)
        s = socket.create_connection(("127.0.0.1", port), timeout=5 * SLOW)
        s.sendall(b"ping")
        assert s.recv(10) == b"ping"
        s.close()
        p.signal()
        assert p.wait(10) == 0, p.stderr_text()


@case
def name_known_for_tcp_only():
    """`http` is in /etc/services for TCP only: with -u it is refused."""
    try:
        socket.getservbyname("http", "tcp")
    except OSError:
        raise Skip("/etc/services has no 'http'")
    try:
        socket.getservbyname("http", "udp")
        raise Skip("this /etc/services knows http for UDP")
    except OSError:
        pass
    rc, out, err = run(["connect", "-u", "127.0.0.1", "http"])
    assert rc == 2, err
    assert err == (b"wirecat: connect: invalid port 'http' (1 to 65535, or a udp service name)\n"
                   b"Try 'wirecat connect --help'.\n"), err


if __name__ == "__main__":
    main()
