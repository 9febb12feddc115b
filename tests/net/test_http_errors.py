# SPDX-License-Identifier: BSD-2-Clause
"""wirecat http against a scripted server: malformed responses (each error
gets one line and exit 3 after the body bytes received are written out; a
bad head is never written out), bytes
trickled one at a time, a connection closed early, a keep-alive connection
closed by the server between requests (one reconnect), 100 Continue, 204 and
304 without a body, the request bytes (-d, --data-binary, -H, -u, -A), and
the timeouts."""
import os
import re
import socket
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wtest import SLOW, Skip, case, have_ipv6, main, run  # noqa: E402
from httpfix import Scripted  # noqa: E402


def once(reply, args=(), gap=0.0, path="/", timeout=10):
    """Runs wirecat http against a server answering every request with reply."""
    with Scripted(lambda ci, ri, req: reply, gap=gap, close_after=True) as s:
        rc, o, e = run(["http"] + list(args) + [s.url(path)], timeout=timeout)
        return rc, o, e, s


def malformed(reply, msg, body=b"", args=()):
    rc, o, e, s = once(reply, args)
    want = "wirecat: http: malformed response from 127.0.0.1:%d: %s\n" % (s.port, msg)
    assert (rc, e.decode()) == (3, want), (rc, e, want)
    assert o == body, (o, body)


@case
def bad_status_line():
    r = b"HTTP/1.1 abc OK\r\nContent-Length: 0\r\n\r\n"
    malformed(r, 'bad status line "HTTP/1.1 abc OK"')  # a bad head is never body
    r = b"ICY 200 OK\r\n\r\n"
    malformed(r, 'bad status line "ICY 200 OK"')


@case
def bad_chunk_size():
    malformed(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n0\r\n\r\n",
              'chunk size "zz" is not hex', body=b"hello")
    # the same when the server closes right after the bad size
    malformed(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nzz",
              'chunk size "zz" is not hex', body=b"abc")


@case
def ambiguous_framing():
    malformed(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
              b"3\r\nabc\r\n0\r\n\r\n",
              "both Content-Length and Transfer-Encoding (ambiguous framing)")
    r = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd"
    malformed(r, "differing Content-Lengths (3 and 4)")
    r = b"HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n"
    malformed(r, 'negative Content-Length "-5"')
    r = b"HTTP/1.1 200 OK\r\nContent-Length: 123456789012345678901234567890\r\n\r\n"
    malformed(r, 'Content-Length "123456789012345678901234567890" overflows')


@case
def body_cut_short():
    malformed(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello", "body cut short: 5 of 10 bytes",
              body=b"hello")
    malformed(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nhello",
              "chunked body cut short after 5 bytes", body=b"hello")
    with tempfile.TemporaryDirectory() as t:
        out = os.path.join(t, "o")
        malformed(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello", "body cut short: 5 of 10 bytes",
                  args=["-s", "-o", out])
        with open(out, "rb") as f:
            assert f.read() == b"hello"
    malformed(b"HTTP/1.1 200 OK\r\nContent-Le", "response head cut short after 27 bytes")


@case
def empty_reply():
    rc, o, e, s = once(None)
    assert rc == 1 and e == b"wirecat: http: empty reply from 127.0.0.1:%d\n" % s.port, (rc, e)


@case
def trickled_one_byte_at_a_time():
    body = b"0123456789abcdef" * 8
    resp = (b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"10;name=value\r\n" + body[:16] + b"\r\n70\r\n" + body[16:] + b"\r\n0\r\nX-Trailer: 1\r\n\r\n")
    pieces = [resp[i:i + 1] for i in range(len(resp))]
    rc, o, e, s = once(pieces, gap=0.0005, args=["-i"], timeout=30)
    assert rc == 0, (rc, e)
    assert o.startswith(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n"), o
    assert o.endswith(b"\r\n\r\n" + body), o
    resp = b"HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n" + body[:20]
    rc, o, e, s = once([resp[i:i + 1] for i in range(len(resp))], gap=0.0005, timeout=30)
    assert rc == 0 and o == body[:20], (rc, o, e)


@case
def until_close():
    rc, o, e, s = once(b"HTTP/1.0 200 OK\r\n\r\nthe rest until the close\n")
    assert rc == 0 and o == b"the rest until the close\n", (rc, o, e)


@case
def no_body_statuses_keep_alive():
    replies = [
        b"HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n",
        b"HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n",
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    ]
    with Scripted(lambda ci, ri, req: replies[ri] if ri < len(replies) else None) as s:
        rc, o, e = run(["http", "-v", s.url("/a"), s.url("/b"), s.url("/c")])
        assert rc == 0 and o == b"ok", (rc, o, e)
        assert s.conns == 1 and len(s.requests) == 3, (s.conns, s.requests)
        assert b"< HTTP/1.1 100 Continue" in e


@case
def server_closes_keepalive_between_requests():
    # each connection answers one request as keep-alive, then closes
    reply = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n"
    with Scripted(lambda ci, ri, req: reply + req.split(b" ")[1][-3:], close_after=True) as s:
        rc, o, e = run(["http", "-v", s.url("/aaa"), s.url("/bbb"), s.url("/ccc")])
        assert rc == 0 and o == b"aaabbbccc", (rc, o, e)
        assert s.conns == 3, s.conns
        assert e.count(b"reconnecting") == 2, e
    # a reset instead of a close
    def rst(ci, ri, req):
        return reply + b"xyz"
    with Scripted(rst, close_after=True) as s:
        rc, o, e = run(["http", s.url("/1"), s.url("/2")])
        assert rc == 0 and o == b"xyzxyz", (rc, o, e)


@case
def reconnect_only_once():
    # the second request's connection closes without an answer every time
    def script(ci, ri, req):
        return b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx" if ci == 0 else None
    with Scripted(script, close_after=True) as s:
        rc, o, e = run(["http", s.url("/1"), s.url("/2")])
        assert rc == 1 and o == b"x", (rc, o, e)
        assert e == b"wirecat: http: empty reply from 127.0.0.1:%d\n" % s.port, e
        assert s.conns == 2


@case
def request_bytes():
    ok = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
    with Scripted(lambda ci, ri, req: ok) as s:
        with tempfile.TemporaryDirectory() as t:
            f = os.path.join(t, "d")
            with open(f, "wb") as fh:
                fh.write(b"a=1\r\nb=2\n")
            rc, o, e = run(["http", "-d", "@" + f, "-d", "c=3", s.url("/p?q=1")])
            assert rc == 0, e
            rc, o, e = run(["http", "--data-binary", "@" + f, "-H", "Content-Type: text/plain",
                            s.url("/p")])
            assert rc == 0, e
        rc, o, e = run(["http", "-X", "PUT", "-H", "Accept:", "-H", "X-Empty;", "-H", "X-A:  b ",
                        "-u", "user:pa:ss", "-A", "agent/1", s.url("/x")])
        assert rc == 0, e
        r = [req for _, _, req in s.requests]
        assert r[0] == (b"POST /p?q=1 HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUser-Agent: wirecat/0.1.0\r\n"
                        b"Accept: */*\r\nContent-Length: 10\r\n"
                        b"Content-Type: application/x-www-form-urlencoded\r\n\r\na=1b=2&c=3" % s.port), r[0]
        assert r[1].endswith(b"Content-Length: 9\r\nContent-Type: text/plain\r\n\r\na=1\r\nb=2\n"), r[1]
        assert b"application/x-www-form-urlencoded" not in r[1]
        assert r[2] == (b"PUT /x HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                        b"Authorization: Basic dXNlcjpwYTpzcw==\r\nUser-Agent: agent/1\r\n"
                        b"X-Empty:\r\nX-A: b \r\n\r\n" % s.port), r[2]


@case
def dry_run_sends_nothing():
    with Scripted(lambda ci, ri, req: None) as s:
        rc, o, e = run(["http", "--dry-run", "-d", "x=1", s.url("/d")])
        assert rc == 0 and o == (b"POST /d HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUser-Agent: wirecat/0.1.0\r\n"
                                 b"Accept: */*\r\nContent-Length: 3\r\n"
                                 b"Content-Type: application/x-www-form-urlencoded\r\n\r\nx=1" % s.port), o
        time.sleep(0.05)
        assert s.conns == 0


@case
def raw_is_exact():
    resp = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
    rc, o, e, s = once(resp, args=["--raw"])
    assert rc == 0 and o == resp, (rc, o)


@case
def redirects_relative_and_cross_port():
    with Scripted(lambda ci, ri, req: b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nhome") as other:
        def script(ci, ri, req):
            path = req.split(b" ")[1]
            if path == b"/a/b/c":
                return b"HTTP/1.1 302 Found\r\nLocation: ../d?x=1\r\nContent-Length: 3\r\n\r\nxyz"
            if path == b"/a/d?x=1":
                return (b"HTTP/1.1 303 See Other\r\nLocation: http://127.0.0.1:%d/home\r\n"
                        b"Content-Length: 0\r\n\r\n" % other.port)
            return b"HTTP/1.1 404 Nope\r\nContent-Length: 0\r\n\r\n"
        with Scripted(script) as s:
            rc, o, e = run(["http", "-L", "-d", "p=1", "-u", "a:b", s.url("/a/b/c")])
            assert rc == 0 and o == b"home", (rc, o, e)
            reqs = [q for _, _, q in s.requests]
            assert reqs[0].startswith(b"POST /a/b/c ")
            assert reqs[1].startswith(b"GET /a/d?x=1 "), reqs[1]  # 302 after POST: GET
            assert b"Authorization" in reqs[1]
            oreq = other.requests[0][2]
            assert oreq.startswith(b"GET /home ") and b"Authorization" not in oreq, oreq
            # a URL without a scheme is the base of a relative Location as well
            rc, o, e = run(["http", "-L", "127.0.0.1:%d/a/b/c" % s.port])
            assert rc == 0 and o == b"home", (rc, o, e)
            assert s.requests[-1][2].startswith(b"GET /a/d?x=1 "), s.requests[-1]


@case
def max_time():
    def slow(ci, ri, req):
        time.sleep(3 * SLOW)
        return None
    with Scripted(slow) as s:
        t = time.monotonic()
        rc, o, e = run(["http", "--max-time", "0.3", s.url()])
        assert rc == 28 and re.match(rb"wirecat: http: operation timed out after 300 ms with 0 bytes "
                                    rb"received\n$", e), (rc, e)
        assert time.monotonic() - t < 2.5 * SLOW


@case
def connect_timeout():
    # a listener whose accept queue is full drops new SYNs: connect hangs
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(0)
    port = s.getsockname()[1]
    fill = []
    for _ in range(3):
        c = socket.socket()
        c.setblocking(False)
        try:
            c.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        fill.append(c)
    time.sleep(0.05)
    t = time.monotonic()
    rc, o, e = run(["http", "--connect-timeout", "0.3", "--max-time", "3",
                    "http://127.0.0.1:%d/" % port])
    for c in fill:
        c.close()
    s.close()
    if b"connect" not in e:
        raise Skip("the kernel accepted the connection: %r" % e)
    assert rc == 28 and e == b"wirecat: http: connect 127.0.0.1:%d: timed out\n" % port, (rc, e)
    assert time.monotonic() - t < 2 * SLOW


@case
def address_family():
    ok = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    with Scripted(lambda ci, ri, req: ok) as s:
        rc, o, e = run(["http", "-4", "-v", "http://localhost:%d/" % s.port])
        assert rc == 0 and o == b"ok" and b"(127.0.0.1)" in e, (rc, e)
        if have_ipv6():
            rc, o, e = run(["http", "-6", "http://localhost:%d/" % s.port])
            # nothing listens on ::1 (or localhost has no IPv6 address here)
            assert rc in (6, 7) and (b"connect [::1]:%d: Connection refused" % s.port in e or
                                b"could not resolve host localhost" in e), (rc, e)


@case
def usage_errors():
    rc, o, e = run(["http"])
    assert rc == 2 and b"no URL given" in e and b"Try 'wirecat http --help'." in e
    rc, o, e = run(["http", "ftp://x/"])
    assert rc == 2 and e == b'wirecat: http: bad URL "ftp://x/"\n', e
    rc, o, e = run(["http", "--max-time", "abc", "http://x/"])
    assert rc == 2
    rc, o, e = run(["http", "--bogus", "http://x/"])
    assert rc == 2
    rc, o, e = run(["http", "--help"])
    for opt in (b"-X", b"--data-binary", b"-H", b"-I", b"-A", b"-u", b"-L", b"--max-redirs",
                b"--connect-timeout", b"--max-time", b"-f", b"-o", b"-i", b"--raw", b"-v",
                b"--dry-run", b"-w", b"-s", b"-4", b"-6", b"--cacert", b"-k"):
        assert opt in o, opt
    p = socket.socket()
    p.bind(("127.0.0.1", 0))
    port = p.getsockname()[1]
    p.close()
    rc, o, e = run(["http", "http://127.0.0.1:%d/" % port])
    assert rc == 7 and e == b"wirecat: http: connect 127.0.0.1:%d: Connection refused\n" % port, e


main()
