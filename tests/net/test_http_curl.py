# SPDX-License-Identifier: BSD-2-Clause
"""wirecat http behaves as curl users expect (issue 8, section 4), each case
side by side with curl on the same scripted server or nginx: credentials given
with -H are not sent across a redirect to another host, port or scheme; an
early answer to an upload is printed; a malformed head is never written out as
body; -o creates the file only for a good response; curl's exit statuses;
binary output to a terminal refused; -S, -O, --compressed, --resolve,
--connect-to, --retry; the -w variables; SSLKEYLOGFILE."""
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wtest import SLOW, Skip, case, main, need, run  # noqa: E402
from httpfix import Scripted  # noqa: E402

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

    def __init__(self, reply, read=65536):
        self.reply, self.read = reply, read
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
                while len(got) < self.read:
                    b = c.recv(65536)
                    if not b:
                        break
                    got += b
                c.sendall(self.reply)
                time.sleep(0.05)
            except OSError:
                pass
            c.close()  # unread upload bytes: RST

    def close(self):
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
        rc, o, e = run(["http", "-s", s.url()])  # not a terminal: written
        assert rc == 0 and o == body, (rc, o, e)


main()
