# SPDX-License-Identifier: BSD-2-Clause
"""Bad input to connect and listen, each checked for its one-line message
and its exit status: unknown options, bad ports, bad option values,
unresolvable names, refused connections, address in use, privileged ports."""
import os
import shutil
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wtest import WIRECAT, Skip, case, have_ipv6, main, run  # noqa: E402


def usage(args, message, cmd=None):
    cmd = cmd or args[0]
    rc, out, err = run(args)
    assert rc == 2, (args, rc, err)
    want = ("wirecat: %s: %s\nTry 'wirecat %s --help'.\n" % (cmd, message, cmd)).encode()
    assert err == want, (args, err, want)
    assert out == b""


@case
def unknown_options():
    usage(["connect", "--frobnicate", "localhost", "1"], "unknown option '--frobnicate'")
    usage(["connect", "-Z", "localhost", "1"], "unknown option '-Z'")
    usage(["listen", "--nope", "1"], "unknown option '--nope'")
    usage(["listen", "-w"], "option '-w' needs a value")
    usage(["connect", "localhost", "1", "--frame"], "option '--frame' needs a value")


@case
def bad_ports():
    for p in ("0", "65536", "nosuchservice", "", "99999999999", "5005x", "ht tp"):
        usage(["connect", "127.0.0.1", p], "invalid port '%s' (1 to 65535, or a tcp service name)" % p)
    usage(["connect", "-u", "127.0.0.1", "http2x"], "invalid port 'http2x' (1 to 65535, or a udp service name)")
    for p in ("65536", "nosuchservice", "1x"):
        usage(["listen", p],
              "invalid port '%s' (0 to 65535, 0 picks a free port, or a tcp service name)" % p)
    usage(["connect", "-p", "0", "127.0.0.1", "80"],
          "invalid -p port '0' (1 to 65535, or a tcp service name)")
    usage(["connect", "127.0.0.1", "-1"], "unknown option '-1'")  # looks like an option


@case
def contradictory_flags_every_command():
    """The same one-line refusal, exit 2, on connect, listen and echo."""
    for cmd, tail in (("connect", ["localhost", "1"]), ("listen", ["0"]), ("echo", ["0"])):
        usage([cmd, "-4", "-6"] + tail, "-4 and -6 exclude each other")
    usage(["echo", "-t", "-u", "0"], "-t and -u exclude each other (without either, both are served)")
    usage(["echo", "--tcp", "--udp", "0"], "-t and -u exclude each other (without either, both are served)")
    for cmd, tail in (("connect", ["localhost", "1"]), ("listen", ["0"])):
        usage([cmd, "--send-only", "--recv-only"] + tail, "--send-only and --recv-only exclude each other")
        usage([cmd, "-C", "--frame", "line"] + tail,
              "-C/--crlf is for bytes and lines: --frame SPEC says itself where a message ends")
    usage(["echo", "nosuchservice"], "invalid port 'nosuchservice' (expected 0..65535 or a service name)")


@case
def bad_arguments():
    usage(["connect"], "missing HOST and PORT")
    usage(["connect", "localhost"], "missing PORT")
    usage(["connect", "a", "1", "b"], "too many arguments (expected HOST PORT)")
    usage(["listen"], "missing PORT")
    usage(["listen", "a", "1", "2"], "too many arguments (expected [ADDR] PORT)")
    usage(["connect", "-4", "-6", "localhost", "1"], "-4 and -6 exclude each other")
    usage(["connect", "--send-only", "--recv-only", "localhost", "1"],
          "--send-only and --recv-only exclude each other")
    usage(["connect", "-w", "abc", "localhost", "1"],
          "invalid -w 'abc': seconds expected, e.g. 5 or 0.5 (more than 0)")
    usage(["connect", "-w", "0", "localhost", "1"],
          "invalid -w '0': seconds expected, e.g. 5 or 0.5 (more than 0)")
    usage(["connect", "-q", "-1", "localhost", "1"], "invalid -q '-1': seconds expected, e.g. 5 or 0.5")
    usage(["connect", "-u", "--buffer", "0", "localhost", "1"], "invalid --buffer '0': 1 to 16M bytes")
    usage(["listen", "-k", "--max-conns", "x", "1"], "invalid --max-conns 'x': 1 to 1000000")
    usage(["connect", "-k", "localhost", "1"], "-k, --broker and --max-conns are options of listen")
    usage(["listen", "-u", "--broker", "1"], "--broker is for TCP; with -u, -k serves many peers")
    usage(["listen", "-p", "5", "6"], "give the port once: as PORT or as -p")
    usage(["connect", "--show-frames", "localhost", "1"], "--show-frames needs --frame SPEC")


@case
def unresolvable():
    rc, out, err = run(["connect", "no.such.host.invalid", "80"])
    assert rc == 1, rc
    assert err.startswith(b"wirecat: resolve no.such.host.invalid: "), err
    assert err.count(b"\n") == 1
    rc, out, err = run(["connect", "-u", "no.such.host.invalid", "80"])
    assert rc == 1 and err.startswith(b"wirecat: resolve no.such.host.invalid: "), err
    rc, out, err = run(["listen", "no.such.host.invalid", "0"])
    assert rc == 1 and err.startswith(b"wirecat: resolve no.such.host.invalid: "), err
    rc, out, err = run(["connect", "[::1", "80"])
    assert rc == 1 and err.startswith(b"wirecat: resolve [::1: "), err


def closed_port(family=socket.AF_INET, host="127.0.0.1"):
    s = socket.socket(family)
    s.bind((host, 0))
    port = s.getsockname()[1]
    s.close()
    return port


@case
def refused():
    port = closed_port()
    rc, out, err = run(["connect", "127.0.0.1", str(port)])
    assert rc == 1
    assert err == b"wirecat: connect 127.0.0.1:%d: Connection refused\n" % port, err
    if have_ipv6():
        port = closed_port(socket.AF_INET6, "::1")
        rc, out, err = run(["connect", "::1", str(port)])
        assert rc == 1
        assert err == b"wirecat: connect [::1]:%d: Connection refused\n" % port, err


@case
def address_in_use():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    port = s.getsockname()[1]
    rc, out, err = run(["listen", "127.0.0.1", str(port)])
    assert rc == 1, rc
    assert err.startswith(b"wirecat: listen 127.0.0.1:%d: Address already in use (" % port), err
    assert b"TIME_WAIT" in err and b"SO_REUSEADDR" in err and err.count(b"\n") == 1, err
    s.close()
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("127.0.0.1", 0))
    port = u.getsockname()[1]
    rc, out, err = run(["listen", "-u", "127.0.0.1", str(port)])
    assert rc == 1, rc
    assert err.startswith(b"wirecat: listen 127.0.0.1:%d (udp): Address already in use (" % port), err
    u.close()


@case
def address_not_here():
    rc, out, err = run(["listen", "192.0.2.1", "0"])
    assert rc == 1, rc
    assert err.startswith(b"wirecat: listen 192.0.2.1:0: Cannot assign requested address"), err


@case
def privileged_port():
    args = [WIRECAT, "listen", "-w", "0.2", "127.0.0.1", "80"]
    if os.geteuid() == 0:
        # drop to nobody for this one run, when setpriv is there
        setpriv = shutil.which("setpriv")
        if not setpriv:
            raise Skip("running as root without setpriv: ports below 1024 are allowed")
        args = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"] + args
    rc, out, err = run(args)
    if b"Permission denied" not in err and os.geteuid() == 0:
        raise Skip("could not drop privileges here: %r" % err[:200])
    assert rc == 4, rc
    assert err.startswith(b"wirecat: listen 127.0.0.1:80: Permission denied (ports below 1024"), err
    assert b"setcap cap_net_bind_service+ep" in err


main()
