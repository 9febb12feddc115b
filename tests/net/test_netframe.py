# SPDX-License-Identifier: BSD-2-Clause
"""--frame over connect and listen: every kind end to end (wirecat to
wirecat), frames split at every byte by a slow Python peer, --show-frames,
and bad frames (over --max-frame, malformed header, missing delimiter at EOF,
a stdin line too long for fixed:N), each with its message and exit status 3;
UDP with framing (one message, one datagram); listen -k with framing."""
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wtest import SLOW, Proc, case, connect_tcp, main, run, wait_for  # noqa: E402
from relayutil import Server, recv_all  # noqa: E402

LINES = b"hello\n\nworld"
KINDS = {
    "eof": b"hello\n\nworld",
    "fixed:8": b"hello\0\0\0\n" + b"\0" * 8 + b"\n" + b"world\0\0\0\n",
    "line": b"hello\n\nworld\n",
    "crlf": b"hello\n\nworld\n",
    "delim:\\r\\n\\r\\n": b"hello\n\nworld\n",
    "prefix:u8": b"hello\n\nworld\n",
    "prefix:u16": b"hello\n\nworld\n",
    "prefix:u32": b"hello\n\nworld\n",
    "prefix:u16le": b"hello\n\nworld\n",
    "prefix:u32le": b"hello\n\nworld\n",
    "header:Content-Length": b"hello\n\nworld\n",
}


@case
def every_kind_connect_to_listen():
    for spec, want in KINDS.items():
        lis = Proc(["listen", "-v", "--recv-only", "--frame", spec, "--show-frames", "127.0.0.1", "0"])
        with lis:
            port = lis.port()
            rc, out, err = run(["connect", "--frame", spec, "--show-frames", "127.0.0.1", str(port)],
                               input=LINES)
            assert rc == 0, (spec, err)
            assert lis.wait(5) == 0, (spec, lis.stderr_text())
            assert lis.stdout_bytes() == want, (spec, lis.stdout_bytes())
            n = 1 if spec == "eof" else 3
            assert err.count(b" bytes sent\n") == n, (spec, err)
            assert lis.stderr_text().count(" bytes received\n") == n, (spec, lis.stderr_text())
            if spec != "eof":
                assert b"wirecat: frame 1: 5 bytes sent\nwirecat: frame 2: 0 bytes sent\n" in err, err


@case
def listen_sends_frames_to_connect():
    lis = Proc(["listen", "-v", "--frame", "prefix:u16", "127.0.0.1", "0"])
    with lis:
        port = lis.port()
        c = Proc(["connect", "--recv-only", "--frame", "prefix:u16", "127.0.0.1", str(port)])
        with c:
            lis.wait_err("connection from")
            lis.send(b"one\ntwo two\n")
            c.wait_out(b"one\ntwo two\n")
            lis.close_stdin()
            c.wait(5)
        assert lis.wait(5) == 0


@case
def frames_split_at_every_byte():
    msgs = [b"a", b"", b"bc" * 100, bytes(range(256))]
    wire = b"".join(struct.pack(">H", len(m)) + m for m in msgs)

    def h(c):
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for i in range(len(wire)):
            c.sendall(wire[i:i + 1])
            if i % 64 == 0:
                time.sleep(0.001)
    srv = Server(h)
    rc, out, err = run(["connect", "--recv-only", "--frame", "prefix:u16", "--show-frames",
                        "127.0.0.1", str(srv.port)], timeout=20)
    srv.join()
    assert rc == 0, err
    assert out == b"".join(m + b"\n" for m in msgs), out[:100]
    assert err.count(b"bytes received") == 4, err


def bad_frame(spec, payload, message, extra=()):
    def h(c):
        c.sendall(payload)
        time.sleep(0.05)
    srv = Server(h)
    rc, out, err = run(["connect", "--recv-only", "--frame", spec] + list(extra) +
                       ["127.0.0.1", str(srv.port)])
    srv.join()
    assert rc == 3, (spec, rc, err)
    prefix = ("wirecat: frame from 127.0.0.1:%d (--frame %s): " % (srv.port, spec)).encode()
    assert err.startswith(prefix), (err, prefix)
    assert err.count(b"\n") == 1, err
    assert message.encode() in err.lower(), (message, err)
    return out


@case
def oversized_frame():
    out = bad_frame("prefix:u32", struct.pack(">I", 1 << 30) + b"xxxx", "", ["--max-frame", "1k"])
    assert out == b""
    bad_frame("line", b"ok\n" + b"x" * 5000, "", ["--max-frame", "1000"])


@case
def malformed_header():
    bad_frame("header:Content-Length", b"Content-Length: abc\r\n\r\nxyz", "")


@case
def missing_delimiter_at_eof():
    out = bad_frame("line", b"complete\npartial", "")
    assert out == b"complete\n", out  # the good message before it still came out


@case
def stdin_line_too_long_for_fixed():
    srv = Server(lambda c: recv_all(c))
    rc, out, err = run(["connect", "--frame", "fixed:4", "127.0.0.1", str(srv.port)],
                       input=b"ok\ntoo long\n")
    srv.join()
    assert rc == 3, (rc, err)
    assert err.startswith(b"wirecat: frame to 127.0.0.1:%d (--frame fixed:4): stdin: " % srv.port), err
    assert err.count(b"\n") == 1


@case
def udp_message_per_datagram():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.settimeout(5 * SLOW)
    port = s.getsockname()[1]
    with Proc(["connect", "-u", "-q", "0.5", "--frame", "prefix:u8", "127.0.0.1", str(port)]) as p:
        p.send(b"\x03abc\x00")
        time.sleep(0.1)
        p.send(b"\x05hel")
        time.sleep(0.1)
        p.send(b"lo")
        got = [s.recvfrom(100) for _ in range(3)]
        assert [g[0] for g in got] == [b"abc", b"", b"hello"], got
        s.sendto(b"xyz", got[0][1])
        p.wait_out(b"\x03xyz")  # a received datagram is written encoded
        p.close_stdin()
        assert p.wait(5) == 0, p.stderr_text()
    s.close()


@case
def keep_open_with_frames():
    lis = Proc(["listen", "-v", "-k", "--frame", "line", "--show-frames", "127.0.0.1", "0"])
    with lis:
        port = lis.port()
        a = connect_tcp("127.0.0.1", port)
        b = connect_tcp("127.0.0.1", port)
        wait_for(lambda: lis.stderr_text().count("connection from") == 2, what="2 clients")
        a.sendall(b"from a\nfrom")
        b.sendall(b"from b\n")
        a.sendall(b" a again\n")
        wait_for(lambda: lis.stdout_bytes().count(b"\n") == 3, what="3 messages")
        out = lis.stdout_bytes()
        assert b"from a\n" in out and b"from b\n" in out and b"from a again\n" in out, out
        lis.send(b"to both\n")
        for s in (a, b):
            s.settimeout(5 * SLOW)
            buf = b""
            while not buf.endswith(b"\n"):
                buf += s.recv(100)
            assert buf == b"to both\n", buf
        a.close()
        b.close()


main()
