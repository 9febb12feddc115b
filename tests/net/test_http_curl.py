# SPDX-License-Identifier: BSD-2-Clause
"""wirecat http behaves as curl users expect (issue 8, section 4), each case
side by side with curl on the same scripted server or nginx: credentials given
with -H are not sent across a redirect to another host, port or scheme; an
early answer to an upload is printed; a malformed head is never written out as
body; -o creates the file only for a good response; curl's exit statuses;
binary output to a terminal refused; -S, -O, --compressed, --resolve,
--connect-to, --retry (and Retry-After); the -w variables; SSLKEYLOGFILE;
--max-time bounding an upload the server does not read."""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wtest import SLOW, Skip, case, main, need, run  # noqa: E402
from httpfix import Scripted, nginx  # noqa: E402

SECRETS = (b"authorization:", b"cookie:", b"proxy-authorization:")


def curl(args, timeout=30):
    need("curl")
    p = subprocess.run(["curl", "--noproxy", "*"] + args, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=timeout * SLOW)
    return p.returncode, p.stdout, p.stderr


def header_names(req):
    head = req.partition(b"\r\n\r\n")[0]
    return [line.partition(b":")[0].lower() + b":" for line in head.split(b"\r\n")[1:]]


@case
def credentials_not_sent_to_another_host_or_port():
    ok = b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nhome"
    creds = ["-H", "Authorization: Bearer s3cret", "-H", "Cookie: sid=s3cret",
             "-H", "Proxy-Authorization: Basic czNjcmV0", "-H", "X-Keep: 1"]
    for client in ("wirecat", "curl"):
        with Scripted(lambda ci, ri, req: ok) as other:
            def script(ci, ri, req):
                path = req.split(b" ")[1]
                if path == b"/port":  # another port
                    loc = b"http://127.0.0.1:%d/home" % other.port
                elif path == b"/host":  # same port, another host name
                    loc = b"http://localhost:%d/same" % s.port
                elif path == b"/here":  # same host and port: credentials stay
                    loc = b"/same"
                else:
                    return ok
                return b"HTTP/1.1 302 Found\r\nLocation: " + loc + b"\r\nContent-Length: 0\r\n\r\n"
            with Scripted(script) as s:
                for path in ("/port", "/host", "/here"):
                    args = ["-s", "-L"] + creds + [s.url(path)]
                    rc, o, e = run(["http"] + args) if client == "wirecat" else curl(args)
                    assert rc == 0 and o == b"home", (client, path, rc, o, e)
                reqs = [q for _, _, q in s.requests]
                oreq = other.requests[0][2]
            # requests on s: /port, /host, /same (as localhost), /here, /same
            assert len(reqs) == 5 and reqs[2].startswith(b"GET /same "), (client, reqs)
            assert b"Host: localhost:" in reqs[2], reqs[2]
            for r in reqs + [oreq]:
                assert b"x-keep:" in header_names(r), (client, r)
            for r in (reqs[0], reqs[1], reqs[3], reqs[4]):
                for h in SECRETS:
                    assert h in header_names(r), (client, h, r)
            # curl 7.88 still forwards Proxy-Authorization; wirecat does not
            dropped = SECRETS if client == "wirecat" else SECRETS[:2]
            for r in (oreq, reqs[2]):
                for h in dropped:
                    assert h not in header_names(r), (client, h, r)

class EarlyAnswer:
    """Answers each connection after reading a little of the upload, then
    closes with the rest unread (the kernel sends a RST)."""

    def __init__(self, reply, read=65536, tls=None, hold=False):
        self.reply, self.read, self.tls, self.hold = reply, read, tls, hold
        self.stopped = False
        self.s = socket.socket()
        self.s.bind(("127.0.0.1", 0))
        self.s.listen(4)
        self.port = self.s.getsockname()[1]
        self.t = threading.Thread(target=self._run, daemon=True)
        self.t.start()

    def _run(self):
        while True:
            try:
                c, _ = self.s.accept()
            except OSError:
                return
            c.settimeout(10 * SLOW)
            got = b""
            try:
                if self.tls:
                    c = self.tls.wrap_socket(c, server_side=True)
                while len(got) < self.read:
                    b = c.recv(65536)
                    if not b:
                        break
                    got += b
                c.sendall(self.reply)
                time.sleep(0.05)
                end = time.monotonic() + 10 * SLOW
                while self.hold and not self.stopped and time.monotonic() < end:
                    time.sleep(0.05)  # holds the connection, reading nothing
            except OSError:
                pass
            c.close()  # unread upload bytes: RST

    def close(self):
        self.stopped = True
        try:
            self.s.shutdown(socket.SHUT_RDWR)  # wakes the accept() of _run
        except OSError:
            pass
        self.t.join(5 * SLOW)
        self.s.close()


@case
def early_answer_to_an_upload_is_printed():
    with tempfile.TemporaryDirectory() as t:
        f = os.path.join(t, "big")
        with open(f, "wb") as fh:
            fh.write(b"a=" + b"x" * (30 << 20))
        for status in (413, 401, 200):
            reply = (b"HTTP/1.1 %d Whatever\r\nContent-Length: 9\r\nConnection: close\r\n\r\n"
                     b"early %d" % (status, status))
            srv = EarlyAnswer(reply)
            url = "http://127.0.0.1:%d/up" % srv.port
            try:
                for client in ("wirecat", "curl"):
                    args = ["-s", "-d", "@" + f, "-w", " %{http_code}", url]
                    rc, o, e = run(["http"] + args, timeout=30) if client == "wirecat" else curl(args)
                    assert (rc, o) == (0, reply[-9:] + b" %d" % status), (client, rc, o, e)
            finally:
                srv.close()
        # a server that answers, then neither reads nor closes: sending stops
        reply = b"HTTP/1.1 413 Too Large\r\nContent-Length: 9\r\n\r\nearly 413"
        srv = EarlyAnswer(reply, hold=True)
        try:
            # (curl, sending Expect: 100-continue, waits here for the server's close)
            args = ["-s", "-d", "@" + f, "-w", " %{http_code}", "http://127.0.0.1:%d/" % srv.port]
            t0 = time.monotonic()
            rc, o, e = run(["http"] + args, timeout=30)
            assert (rc, o) == (0, b"early 413 413") and time.monotonic() - t0 < 5 * SLOW, (rc, o, e)
        finally:
            srv.close()
        # the same over TLS
        import ssl
        ng = nginx()
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(ng.dir + "/cert.pem", ng.dir + "/key.pem")
        reply = b"HTTP/1.1 413 Too Large\r\nContent-Length: 9\r\nConnection: close\r\n\r\nearly 413"
        srv = EarlyAnswer(reply, tls=ctx)
        try:
            for client in ("wirecat", "curl"):
                args = ["-s", "--cacert", ng.cacert, "--data-binary", "@" + f, "-w", " %{http_code}",
                        "https://127.0.0.1:%d/up" % srv.port]
                rc, o, e = run(["http"] + args, timeout=30) if client == "wirecat" else curl(args)
                assert (rc, o) == (0, b"early 413 413"), (client, rc, o, e)
        finally:
            srv.close()


@case
def max_time_bounds_an_upload_the_server_does_not_read():
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(4)
    held = []

    def hold():  # accepts and never reads nor closes
        while True:
            try:
                held.append(ls.accept()[0])
            except OSError:
                return
    threading.Thread(target=hold, daemon=True).start()
    url = "http://127.0.0.1:%d/up" % ls.getsockname()[1]
    with tempfile.TemporaryDirectory() as t:
        f = os.path.join(t, "big")
        with open(f, "wb") as fh:
            fh.write(b"x" * (30 << 20))
        try:
            for client in ("wirecat", "curl"):
                args = ["-s", "-m", "1", "--data-binary", "@" + f, url]
                t0 = time.monotonic()
                rc, o, e = run(["http"] + args, timeout=20) if client == "wirecat" else curl(args)
                assert rc == 28 and time.monotonic() - t0 < 5 * SLOW, (client, rc, e)
        finally:
            ls.shutdown(socket.SHUT_RDWR)
            ls.close()
            for c in held:
                c.close()


def once(reply, args, client="wirecat"):
    with Scripted(lambda ci, ri, req: reply, close_after=True) as s:
        args = list(args) + [s.url("/")]
        return run(["http"] + args) if client == "wirecat" else curl(args)


BAD_HEADS = (
    b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\nbody",
    b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
    b"HTTP/1.1 abc OK\r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Le",
)


@case
def malformed_head_never_written_as_body():
    with tempfile.TemporaryDirectory() as t:
        out = os.path.join(t, "o")
        for reply in BAD_HEADS:
            rc, o, e = once(reply, ["-s"])
            assert rc == 3 and o == b"", (reply, rc, o, e)
            for extra in ([], ["-f"]):
                rc, o, e = once(reply, ["-s", "-o", out] + extra)
                assert rc == 3 and o == b"", (reply, rc, o, e)
                data = open(out, "rb").read() if os.path.exists(out) else b""
                assert b"HTTP/1.1" not in data and b"Content-" not in data, (reply, data)
        # curl agrees for the negative Content-Length: nothing on stdout
        rc, o, e = once(BAD_HEADS[0], ["-s"], client="curl")
        assert rc != 0 and o == b"", (rc, o, e)


@case
def output_file_created_only_for_a_good_response():
    p = socket.socket()
    p.bind(("127.0.0.1", 0))
    refused = "http://127.0.0.1:%d/" % p.getsockname()[1]
    p.close()
    nf = b"HTTP/1.1 404 Not Found\r\nContent-Length: 4\r\n\r\nnope"
    empty = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
    with tempfile.TemporaryDirectory() as t:
        out = os.path.join(t, "o")
        for client in ("wirecat", "curl"):
            def fresh():
                with open(out, "wb") as f:
                    f.write(b"keep")

            def kept():
                return open(out, "rb").read() == b"keep"
            fresh()
            args = ["-s", "-o", out, refused]
            rc, o, e = run(["http"] + args) if client == "wirecat" else curl(args)
            assert rc != 0 and kept(), (client, rc, e)
            rc, o, e = once(nf, ["-s", "-f", "-o", out], client)
            assert rc == 22 and kept(), (client, rc, e)
            if client == "wirecat":  # -fi -o: the error's head does not touch FILE either
                rc, o, e = once(nf, ["-s", "-f", "-i", "-o", out], client)
                assert rc == 22 and kept() and o == b"", (client, rc, o, e)
            rc, o, e = once(BAD_HEADS[0], ["-s", "-o", out], client)
            assert rc != 0 and kept(), (client, rc, e)
            rc, o, e = once(nf, ["-s", "-o", out], client)  # no -f: the 404 body
            assert rc == 0 and open(out, "rb").read() == b"nope", (client, rc, e)
            fresh()
            rc, o, e = once(empty, ["-s", "-o", out], client)  # a good empty body
            assert rc == 0 and open(out, "rb").read() == b"", (client, rc, e)
            os.unlink(out)
            rc, o, e = once(empty, ["-s", "-o", out], client)
            assert rc == 0 and os.path.exists(out), (client, rc, e)


@case
def exit_statuses_as_curl():
    p = socket.socket()
    p.bind(("127.0.0.1", 0))
    refused = "http://127.0.0.1:%d/" % p.getsockname()[1]
    p.close()
    # a label over 63 bytes: the resolver refuses it without sending a query
    bad_name = "http://%s.invalid/" % ("a" * 70)
    nf = b"HTTP/1.1 404 Not Found\r\nContent-Length: 4\r\n\r\nnope"

    def slow(ci, ri, req):
        time.sleep(2 * SLOW)
        return None
    garbage = b"this is not TLS\r\n" * 4
    plain = EarlyAnswer(garbage, read=1)  # answers the ClientHello with text
    with Scripted(slow) as sl:
        tls_to_plain = "https://127.0.0.1:%d/" % plain.port
        want = [(6, [bad_name]), (7, [refused]), (28, ["-m", "0.3", sl.url()]),
                (35, [tls_to_plain])]
        for code, args in want:
            rc, o, e = run(["http", "-s"] + args)
            assert rc == code and e.count(b"\n") == 1, (args, rc, code, e)
            rc, o, e = curl(["-s"] + args)
            assert rc == code, ("curl", args, rc, code, e)
    plain.close()
    rc, o, e = once(nf, ["-s", "-f"])
    assert rc == 22 and o == b"", (rc, o, e)
    for client in ("wirecat", "curl"):  # -fi: the headers, not the body
        rc, o, e = once(nf, ["-s", "-f", "-i"], client)
        assert rc == 22 and o == nf[:-4], (client, rc, o, e)
    rc, o, e = run(["http", "--help"])
    for code in (b"6 ", b"7 ", b"28 ", b"35 ", b"60 ", b"22 "):
        assert code in o, code


def run_tty_stdout(cmd):
    """Runs cmd with stdout on a pseudo-terminal; returns (rc, tty bytes, stderr)."""
    import pty
    m, sl = pty.openpty()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=sl, stderr=subprocess.PIPE)
    os.close(sl)
    out = b""
    while True:
        try:
            b = os.read(m, 4096)
        except OSError:
            break
        if not b:
            break
        out += b
    os.close(m)
    err = p.stderr.read()
    return p.wait(30 * SLOW), out, err


@case
def binary_output_to_a_terminal_refused():
    from wtest import WIRECAT
    body = b"GIF89a\x00\x01binary\x00"
    reply = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body
    text = b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nhello\n"
    with Scripted(lambda ci, ri, req: reply) as s, Scripted(lambda ci, ri, req: text) as st:
        for cmd in ([WIRECAT, "http"], ["curl"]):
            if cmd[0] == "curl":
                need("curl")
            rc, o, e = run_tty_stdout(cmd + [s.url()])
            assert rc == 23 and b"binary" not in o, (cmd, rc, o, e)
            assert b'Binary output can mess up your terminal. Use "--output -"' in e.replace(
                b"\nWarning: ", b" ").replace(b"  ", b" "), (cmd, e)
            rc, o, e = run_tty_stdout(cmd + ["--output", "-", s.url()])
            assert rc == 0 and b"binary" in o, (cmd, rc, o, e)
            rc, o, e = run_tty_stdout(cmd + [st.url()])  # text is fine
            assert rc == 0 and b"hello" in o, (cmd, rc, o, e)
        rc, o, e = run_tty_stdout([WIRECAT, "http", "--raw", s.url()])  # --raw as well
        assert rc == 23 and b"binary" not in o and b"Binary output" in e, (rc, o, e)
        rc, o, e = run(["http", "-s", s.url()])  # not a terminal: written
        assert rc == 0 and o == body, (rc, o, e)


@case
def curl_idioms_fsSL_and_show_error():
    ok = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    nf = b"HTTP/1.1 404 Not Found\r\nContent-Length: 4\r\n\r\nnope"
    with Scripted(lambda ci, ri, req: ok if req.startswith(b"GET /b ") else
                  b"HTTP/1.1 302 Found\r\nLocation: /b\r\nContent-Length: 0\r\n\r\n") as s:
        for flags in (["-fsSL"], ["-sS", "-L"], ["--show-error", "-L"]):
            rc, o, e = run(["http"] + flags + [s.url("/a")])
            assert (rc, o, e) == (0, b"ok", b""), (flags, rc, o, e)
    rc, o, e = once(nf, ["-fsS"])
    assert rc == 22 and o == b"" and e == b"wirecat: http: the requested URL returned error: 404\n", e
    rc2, o2, e2 = once(nf, ["-fsS"], client="curl")
    assert rc2 == 22 and b"The requested URL returned error: 404" in e2, e2


def run_in(d, cmd):
    p = subprocess.run(cmd, cwd=d, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=10 * SLOW)
    return p.returncode, p.stdout, p.stderr


@case
def remote_name():
    from wtest import WIRECAT
    ok = b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ndata"
    with Scripted(lambda ci, ri, req: ok) as s:
        for cmd in ([WIRECAT, "http"], ["curl"]):
            if cmd[0] == "curl":
                need("curl")
            with tempfile.TemporaryDirectory() as t:
                rc, o, e = run_in(t, cmd + ["-sS", "-O", s.url("/dir/file.bin?x=1")])
                assert rc == 0 and o == b"" and os.listdir(t) == ["file.bin"], (cmd, rc, e,
                                                                             os.listdir(t))
                assert open(os.path.join(t, "file.bin"), "rb").read() == b"data"
                rc, o, e = run_in(t, cmd + ["-sS", "--remote-name", s.url("/other")])
                assert rc == 0 and sorted(os.listdir(t)) == ["file.bin", "other"], (cmd, rc, e)
                rc, o, e = run_in(t, cmd + ["-sS", "-O", s.url("/dir/")])  # no file name
                assert rc == 23 and e, (cmd, rc, e)
                assert sorted(os.listdir(t)) == ["file.bin", "other"]


@case
def compressed_gzip_and_deflate():
    ng = nginx()
    url = ng.url("/gz/text.txt")
    rc, o, e = run(["http", "-v", "--compressed", url])
    assert rc == 0 and o == ng.files["text"], (rc, len(o), e[-300:])
    assert b"> Accept-Encoding: deflate, gzip" in e and b"< Content-Encoding: gzip" in e, e
    rc2, o2, e2 = curl(["-s", "--compressed", url])
    assert rc2 == 0 and o2 == o
    text = b"deflate me " * 5000
    for name, enc in (("zlib", zlib.compress(text)),
                      ("raw", zlib.compress(text)[2:-4])):  # raw deflate, as some servers send
        reply = (b"HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\nContent-Length: %d\r\n\r\n"
                 % len(enc) + enc)
        rc, o, e = once(reply, ["-s", "--compressed", "-w", "%{size_download}"])
        assert rc == 0 and o == text + str(len(enc)).encode(), (name, rc, len(o), e)
        rc, o, e = once(reply, ["-s"])  # without --compressed: as received
        assert rc == 0 and o == enc, name
    bad = b"\x1f\x8b\x08\x00garbage-not-gzip"
    reply = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" % len(bad) + bad
    rc, o, e = once(reply, ["-s", "--compressed"])
    rc2, o2, e2 = once(reply, ["-s", "--compressed"], client="curl")
    assert rc == rc2 == 61 and e.count(b"\n") == 1, (rc, rc2, e)


@case
def resolve_and_connect_to():
    ok = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    with Scripted(lambda ci, ri, req: ok) as s:
        p = s.port
        cases = [["--resolve", "example.test:%d:127.0.0.1" % p, "http://example.test:%d/r" % p],
                 ["--connect-to", "example.test:80:127.0.0.1:%d" % p, "http://example.test/c"],
                 ["--connect-to", "::127.0.0.1:%d" % p, "http://example.test:81/a"],
                 ["--connect-to", "example.test::localhost:%d" % p,
                  "--resolve", "localhost:%d:127.0.0.1" % p, "http://example.test/l"]]
        for client in ("wirecat", "curl"):
            for args in cases:
                n = len(s.requests)
                rc, o, e = run(["http", "-s"] + args) if client == "wirecat" else curl(["-s"] + args)
                assert (rc, o) == (0, b"ok"), (client, args, rc, e)
                host = args[-1].split("/")[2]
                assert b"\r\nHost: %s\r\n" % host.encode() in s.requests[n][2], s.requests[n]
        for bad in ("x:1", "x:y:127.0.0.1", "x:1:notanaddress"):
            rc, o, e = run(["http", "--resolve", bad, "http://x:1/"])
            assert rc == 2, (bad, rc, e)
    # names in the certificate are checked against the URL's host, not the address
    ng = nginx()
    rc, o, e = run(["http", "--cacert", ng.cacert, "--resolve", "localhost:%d:127.0.0.1" % ng.sport,
                    "https://localhost:%d/files/f1" % ng.sport])
    assert rc == 0 and o == ng.files["f1"], (rc, e)


@case
def retry_transient_errors():
    def script(ci, ri, req):
        if len(s.requests) <= 2:
            return b"HTTP/1.1 503 Busy\r\nContent-Length: 4\r\n\r\nbusy"
        return b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    with Scripted(script) as s:
        t = time.monotonic()
        rc, o, e = run(["http", "--retry", "2", s.url()], timeout=30)
        took = time.monotonic() - t
        assert (rc, o) == (0, b"ok") and len(s.requests) == 3, (rc, o, e, s.requests)
        assert 2.9 < took < 8 * SLOW, took  # curl's backoff: 1 s, then 2 s
        assert e.count(b"retrying in") == 2, e
    with Scripted(script) as s:
        rc, o, e = run(["http", "-f", "--retry", "1", "--retry-delay", "0.1", s.url()])
        assert rc == 22 and o == b"" and len(s.requests) == 2, (rc, o, e)
    with Scripted(script) as s:  # curl retries the same way (but writes both bodies)
        rc, o, e = curl(["-s", "--retry", "1", s.url()])
        assert rc == 0 and o.endswith(b"busy") and len(s.requests) == 2, (rc, o, e)
    with Scripted(script) as s:  # wirecat: only the last answer is the output
        rc, o, e = run(["http", "-s", "--retry", "1", "--retry-delay", "0.1", s.url()])
        assert rc == 0 and o == b"busy" and len(s.requests) == 2, (rc, o, e)

    def slow_first(ci, ri, req):
        if ci == 0:
            time.sleep(1.5 * SLOW)
        return b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    with Scripted(slow_first) as s:
        rc, o, e = run(["http", "-m", str(0.5 * SLOW), "--retry", "1", "--retry-delay", "0.1",
                        s.url()], timeout=30)
        assert (rc, o) == (0, b"ok") and s.conns == 2, (rc, o, e)
    # Retry-After (seconds) replaces the backoff, as curl
    def after(ci, ri, req):
        if len(s.requests) <= 1:
            return b"HTTP/1.1 429 Slow down\r\nRetry-After: 2\r\nContent-Length: 0\r\n\r\n"
        return b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    for client in ("wirecat", "curl"):
        with Scripted(after) as s:
            t = time.monotonic()
            args = ["-s", "--retry", "1", s.url()]
            rc, o, e = run(["http"] + args, timeout=30) if client == "wirecat" else curl(args)
            took = time.monotonic() - t
            assert rc == 0 and o.endswith(b"ok") and 1.9 < took < 5 * SLOW, (client, rc, o, took)
    p = socket.socket()
    p.bind(("127.0.0.1", 0))
    refused = "http://127.0.0.1:%d/" % p.getsockname()[1]
    p.close()
    t = time.monotonic()
    rc, o, e = run(["http", "--retry", "3", refused])  # refused: not transient
    assert rc == 7 and time.monotonic() - t < 1 * SLOW, (rc, e)


WVARS = ("url_effective remote_ip content_type size_header size_request num_connects "
         "num_redirects exitcode http_code time_connect time_appconnect time_pretransfer "
         "time_starttransfer time_redirect time_total").split()


def write_out(args, client="wirecat"):
    fmt = "\n" + "|".join("%%{%s}" % v for v in WVARS) + "|%{errormsg}"
    a = ["-s", "-w", fmt] + args
    rc, o, e = run(["http"] + a) if client == "wirecat" else curl(a)
    vals = o.rsplit(b"\n", 1)[1].decode().split("|")
    d = dict(zip(WVARS + ["errormsg"], vals))
    return rc, d, e


@case
def write_out_variables():
    ok = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 2\r\n\r\nok"
    red = b"HTTP/1.1 302 Found\r\nLocation: /b?q=1\r\nContent-Length: 0\r\n\r\n"
    with Scripted(lambda ci, ri, req: red if req.split(b" ")[1] == b"/a" else ok) as s:
        got = {}
        for client in ("wirecat", "curl"):
            n = len(s.requests)
            rc, d, e = write_out(["-L", "-d", "x=1", s.url("/a")], client)
            assert rc == 0 and e == b"", (client, rc, e)
            sent = sum(len(q) for _, _, q in s.requests[n:])
            assert d["size_request"] == str(sent), (client, d, sent)
            got[client] = d
        w, c = got["wirecat"], got["curl"]
        for k in ("url_effective", "remote_ip", "content_type", "size_header", "num_connects",
                  "num_redirects", "exitcode", "http_code", "errormsg", "time_appconnect"):
            assert w[k] == c[k], (k, w[k], c[k])
        assert w["url_effective"] == s.url("/b?q=1") and w["remote_ip"] == "127.0.0.1", w
        assert w["size_header"] == str(len(red) - 0 + len(ok) - 2), w
        t = {k: float(v) for k, v in w.items() if k.startswith("time_")}
        assert 0 < t["time_connect"] <= t["time_pretransfer"] <= t["time_starttransfer"], t
        assert 0 < t["time_redirect"] <= t["time_total"] and t["time_starttransfer"] <= t["time_total"], t
    # an error: the exit status and the message
    p = socket.socket()
    p.bind(("127.0.0.1", 0))
    refused = "http://127.0.0.1:%d/" % p.getsockname()[1]
    p.close()
    rc, d, e = write_out([refused])
    assert rc == 7 and d["exitcode"] == "7" and "Connection refused" in d["errormsg"], d
    assert d["http_code"] == "000" and d["num_connects"] == "0", d
    # https: the handshake has its own time
    ng = nginx()
    rc, d, e = write_out(["--cacert", ng.cacert, ng.url("/files/f1", tls=True)])
    assert rc == 0 and 0 < float(d["time_connect"]) < float(d["time_appconnect"]), d
    assert float(d["time_appconnect"]) <= float(d["time_pretransfer"]), d
    # an unknown variable: one warning line, as curl
    with Scripted(lambda ci, ri, req: ok) as s:
        rc, o, e = run(["http", "-w", "[%{nope}]", s.url()])
        assert rc == 0 and o == b"ok[]" and e == b"wirecat: http: unknown --write-out variable: 'nope'\n", (o, e)


@case
def sslkeylogfile_lets_tshark_decrypt():
    import re
    from wtest import WIRECAT
    ng = nginx()
    url = ng.url("/files/f1?keylog", tls=True)
    with tempfile.TemporaryDirectory() as t:
        keys = os.path.join(t, "keys")
        env = dict(os.environ, SSLKEYLOGFILE=keys)
        rc, o, e = run(["http", "--cacert", ng.cacert, url], env=env)
        assert rc == 0 and o == ng.files["f1"], (rc, e)
        lines = open(keys).read().splitlines()
        labels = {ln.split()[0] for ln in lines}
        for want in ("CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET",
                     "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0"):
            assert want in labels, (want, lines)
        assert all(re.match(r"^[A-Z_0-9]+ [0-9a-f]{64} [0-9a-f]{64,96}$", ln) for ln in lines), lines
        assert len({ln.split()[1] for ln in lines}) == 1  # one handshake, one client random
        # without the variable nothing is written; an unwritable path is not fatal
        os.unlink(keys)
        rc, o, e = run(["http", "--cacert", ng.cacert, url])
        assert rc == 0 and not os.path.exists(keys)
        bad = dict(os.environ, SSLKEYLOGFILE=os.path.join(t, "no/such/dir/keys"))
        rc, o, e = run(["http", "-v", "--cacert", ng.cacert, url], env=bad)
        assert rc == 0 and b"SSLKEYLOGFILE" in e, (rc, e)
        # tshark decrypts a capture of it with the key log
        if os.geteuid() != 0 or not shutil.which("tshark") or not shutil.which("tcpdump"):
            raise Skip("tshark decryption needs root, tcpdump and tshark")
        cap = os.path.join(t, "cap.pcap")
        td = subprocess.Popen(["tcpdump", "-i", "lo", "--immediate-mode", "-U", "-w", cap,
                               "tcp port %d" % ng.sport], stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 10 * SLOW
            while b"listening" not in td.stderr.read1(4096) and time.monotonic() < deadline:
                time.sleep(0.02)
            rc, o, e = run(["http", "--cacert", ng.cacert, url], env=env)
            assert rc == 0
            time.sleep(0.3)
        finally:
            td.terminate()
            td.wait(10)
        p = subprocess.run(["tshark", "-r", cap, "-o", "tls.keylog_file:" + keys, "-d",
                            "tcp.port==%d,tls" % ng.sport, "-Y", "http.request", "-T", "fields",
                            "-e", "http.request.uri"], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=60 * SLOW)
        assert p.stdout.split() == [b"/files/f1?keylog"], (p.stdout, p.stderr)


main()
