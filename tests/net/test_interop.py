# SPDX-License-Identifier: BSD-2-Clause
"""wirecat against real peers: nc.openbsd and socat, each as client and as
server, TCP and UDP, data in both directions (skipped when a peer is not
installed)."""
import os
import socket
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wtest import Proc, case, free_port, main, need, wait_for  # noqa: E402
from relayutil import pattern, sha, wait_port  # noqa: E402

UP = pattern(1 << 20)
DOWN = pattern((1 << 20) + 333)[::-1]


def feed(p, data):
    """Writes data to p's stdin on a thread, then closes it."""
    t = threading.Thread(target=lambda: (p.send(data), p.close_stdin()), daemon=True)
    t.start()
    return t


def tcp_wirecat_client(server_cmd, server_first):
    """The data goes one way at a time, so that no FIN ends a transfer early:
    nc -l exits when the client closes (wirecat goes on to its stdin's EOF). server_first: the server sends
    without a FIN, then wirecat sends and half-closes; otherwise wirecat
    sends and half-closes first, then the server answers and closes."""
    port = free_port()
    srv = Proc([a.replace("PORT", str(port)) for a in server_cmd], wirecat=False)
    with srv:
        wait_port(port)
        cli = Proc(["connect", "127.0.0.1", str(port)])
        with cli:
            if server_first:
                srv.send(DOWN)
                cli.wait_out(len(DOWN), 20)
                feed(cli, UP)
            else:
                feed(cli, UP)
                srv.wait_out(len(UP), 20)
                feed(srv, DOWN)
            assert cli.wait(20) == 0, cli.stderr_text()
            srv.wait(20)
            assert sha(cli.stdout_bytes()) == sha(DOWN), len(cli.stdout_bytes())
            assert sha(srv.stdout_bytes()) == sha(UP), len(srv.stdout_bytes())


def tcp_wirecat_server(client_cmd):
    lis = Proc(["listen", "-v", "127.0.0.1", "0"])
    with lis:
        port = lis.port()
        cli = Proc([a.replace("PORT", str(port)) for a in client_cmd], wirecat=False)
        with cli:
            lis.wait_err("connection from")
            # one way at a time (see tcp_wirecat_client): wirecat first, no FIN
            threading.Thread(target=lambda: lis.send(DOWN), daemon=True).start()
            cli.wait_out(len(DOWN), 20)
            feed(cli, UP)
            lis.wait_out(len(UP), 20)
            lis.close_stdin()  # the client's FIN ends only its direction
            assert lis.wait(20) == 0, lis.stderr_text()
            cli.wait(20)
            assert sha(lis.stdout_bytes()) == sha(UP), len(lis.stdout_bytes())
            assert sha(cli.stdout_bytes()) == sha(DOWN), len(cli.stdout_bytes())


@case
def nc_server_tcp():
    nc = need("nc.openbsd")
    tcp_wirecat_client([nc, "-l", "127.0.0.1", "PORT"], True)


@case
def nc_client_tcp():
    nc = need("nc.openbsd")
    tcp_wirecat_server([nc, "-N", "127.0.0.1", "PORT"])


@case
def socat_server_tcp():
    socat = need("socat")
    tcp_wirecat_client([socat, "-t", "5", "TCP-LISTEN:PORT,bind=127.0.0.1,reuseaddr", "STDIO"], False)


@case
def socat_client_tcp():
    socat = need("socat")
    tcp_wirecat_server([socat, "-t", "5", "STDIO", "TCP:127.0.0.1:PORT"])


def udp_wirecat_client(server_cmd):
    port = free_port(socket.SOCK_DGRAM)
    srv = Proc([a.replace("PORT", str(port)) for a in server_cmd], wirecat=False)
    with srv:
        wait_port(port, udp=True)
        cli = Proc(["connect", "-u", "-w", "5", "127.0.0.1", str(port)])
        with cli:
            cli.send(b"hello from wirecat\n")
            srv.wait_out(b"hello from wirecat\n")
            srv.send(b"hello from the peer\n")
            cli.wait_out(b"hello from the peer\n")
            cli.send(b"second line\n")
            srv.wait_out(b"hello from wirecat\nsecond line\n")


def udp_wirecat_server(client_cmd):
    lis = Proc(["listen", "-u", "-v", "127.0.0.1", "0"])
    with lis:
        port = lis.port()
        cli = Proc([a.replace("PORT", str(port)) for a in client_cmd], wirecat=False)
        with cli:
            cli.send(b"hello from the peer\n")
            lis.wait_out(b"hello from the peer\n")
            lis.wait_err(r"from 127\.0\.0\.1:\d+, 20 bytes")
            lis.send(b"hello from wirecat\n")
            cli.wait_out(b"hello from wirecat\n")


@case
def nc_server_udp():
    nc = need("nc.openbsd")
    udp_wirecat_client([nc, "-u", "-l", "127.0.0.1", "PORT"])


@case
def nc_client_udp():
    nc = need("nc.openbsd")
    udp_wirecat_server([nc, "-u", "127.0.0.1", "PORT"])


@case
def socat_server_udp():
    socat = need("socat")
    udp_wirecat_client([socat, "UDP-LISTEN:PORT,bind=127.0.0.1", "STDIO"])


@case
def socat_client_udp():
    socat = need("socat")
    udp_wirecat_server([socat, "STDIO", "UDP:127.0.0.1:PORT"])


main()
