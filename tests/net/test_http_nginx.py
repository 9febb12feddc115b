# SPDX-License-Identifier: BSD-2-Clause
"""wirecat http against a real nginx started by the test (generated
configuration, free port, 127.0.0.1 and ::1): static files of several sizes
byte for byte against curl, HEAD, 404 with and without -f, a chain of
redirects, several URLs over one keep-alive connection (nginx's log shows one
$connection), a chunked (gzip) response, and HTTPS with a self-signed
certificate: refused without --cacert, accepted with it and with -k."""
import gzip
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wtest import SLOW, Skip, case, main, need, run  # noqa: E402
from httpfix import nginx  # noqa: E402


def curl(args):
    need("curl")
    p = subprocess.run(["curl", "-s", "--noproxy", "*"] + args, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=30 * SLOW)
    return p.returncode, p.stdout


@case
def static_files_match_curl():
    ng = nginx()
    with tempfile.TemporaryDirectory() as t:
        for name in ("f0", "f1", "f1M", "f10M"):
            url = ng.url("/files/" + name)
            out = os.path.join(t, name)
            rc, o, e = run(["http", "-s", "-o", out, url], timeout=30)
            assert rc == 0, (name, rc, e)
            rc2, body = curl([url])
            assert rc2 == 0
            with open(out, "rb") as f:
                got = f.read()
            assert got == body == ng.files[name], (name, len(got), len(body))
        # to stdout as well
        rc, o, e = run(["http", ng.url("/files/f1M")], timeout=30)
        assert rc == 0 and o == ng.files["f1M"], (rc, len(o), e)


@case
def ipv6_and_verbose():
    ng = nginx()
    if not ng.v6:
        raise Skip("no IPv6 loopback")
    rc, o, e = run(["http", "-v", ng.url("/files/f1", host="::1")])
    assert rc == 0 and o == ng.files["f1"], (rc, o, e)
    text = e.decode()
    assert "* Connected to ::1 (::1) port %d" % ng.port in text, text
    assert "> GET /files/f1 HTTP/1.1" in text
    assert "> Host: [::1]:%d" % ng.port in text
    assert "< HTTP/1.1 200 OK" in text
    rc, o, e = run(["http", "-v", "-4", ng.url("/files/f1", host="localhost")])
    assert rc == 0 and "Connected to localhost (127.0.0.1) port %d" % ng.port in e.decode(), e


@case
def head_request():
    ng = nginx()
    rc, o, e = run(["http", "-I", ng.url("/files/f1M")])
    assert rc == 0, (rc, e)
    assert o.startswith(b"HTTP/1.1 200 OK\r\n"), o
    assert b"Content-Length: 1048576\r\n" in o
    assert o.endswith(b"\r\n\r\n"), o  # headers only, no body
    # two HEADs on one connection: no body was expected after the first
    rc, o, e = run(["http", "-v", "-I", ng.url("/files/f1M"), ng.url("/files/f1")])
    assert rc == 0 and o.count(b"HTTP/1.1 200 OK\r\n") == 2, (rc, o, e)
    assert b"Content-Length: 1\r\n" in o
    assert e.count(b"* Connected") == 1, e


@case
def not_found_and_fail():
    ng = nginx()
    rc, o, e = run(["http", ng.url("/nope")])
    assert rc == 0 and b"404 Not Found" in o, (rc, o)
    rc, o, e = run(["http", "-f", ng.url("/nope")])
    assert rc == 22 and o == b"", (rc, o)
    assert e == b"wirecat: http: the requested URL returned error: 404\n", e
    rc, o, e = run(["http", "-s", "-w", "%{http_code} %{size_download}\\n", ng.url("/nope"),
                    ng.url("/files/f1")])
    assert rc == 0 and re.search(rb"404 \d+\n" + re.escape(ng.files["f1"]) + rb"200 1\n$", o), o


@case
def redirect_chain():
    ng = nginx()
    rc, o, e = run(["http", "-L", "-w", "\\n%{http_code} %{num_redirects}", ng.url("/r/1")],
                   timeout=30)
    assert rc == 0, (rc, e)
    assert o == ng.files["f1M"] + b"\n200 4", (len(o), o[-20:])
    rc, o, e = run(["http", "-i", ng.url("/r/1")])
    assert rc == 0 and o.startswith(b"HTTP/1.1 301 Moved Permanently\r\n"), o
    assert b"\r\nLocation: http://127.0.0.1:%d/r/2\r\n" % ng.port in o, o
    rc, o, e = run(["http", "-L", "--max-redirs", "2", ng.url("/r/1")])
    assert rc == 47 and e == b"wirecat: http: maximum (2) redirects followed\n", (rc, e)
    rc, o, e = run(["http", "-L", ng.url("/loop")])
    assert rc == 47 and b"maximum (10) redirects" in e, (rc, e)
    assert curl(["-L", ng.url("/loop")])[0] == 47
    # the whole chain used one connection
    rc, o, e = run(["http", "-L", "-v", "-o", "/dev/null", ng.url("/r/1")])
    assert rc == 0 and e.count(b"* Connected") == 1, e


@case
def keepalive_one_connection():
    ng = nginx()
    urls = [ng.url("/files/f1"), ng.url("/files/f0"), ng.url("/files/f1M"), ng.url("/nope"),
            ng.url("/files/f1")]
    before = len(ng.log_lines())
    rc, o, e = run(["http"] + urls, timeout=30)
    assert rc == 0, (rc, e)
    assert o.startswith(ng.files["f1"] + ng.files["f1M"]), len(o)
    assert o.endswith(ng.files["f1"])
    lines = ng.log_lines()[before:]
    assert len(lines) == 5, lines
    conns = {ln.split()[0] for ln in lines}
    reqs = [int(ln.split()[1]) for ln in lines]
    assert len(conns) == 1, lines
    assert reqs == [1, 2, 3, 4, 5], lines


@case
def chunked_gzip():
    ng = nginx()
    url = ng.url("/gz/text.txt")
    rc, o, e = run(["http", "-v", "-H", "Accept-Encoding: gzip", url])
    assert rc == 0, (rc, e)
    assert b"< Transfer-Encoding: chunked" in e, e
    assert b"< Content-Encoding: gzip" in e
    rc2, body = curl(["-H", "Accept-Encoding: gzip", url])
    assert o == body, (len(o), len(body))
    assert gzip.decompress(o) == ng.files["text"]
    # chunked then another request on the same connection
    rc, o, e = run(["http", "-v", "-H", "Accept-Encoding: gzip", url, ng.url("/files/f1")])
    assert rc == 0 and o.endswith(ng.files["f1"]) and e.count(b"* Connected") == 1, e


@case
def https_self_signed():
    ng = nginx()
    url = ng.url("/files/f1M", tls=True)
    rc, o, e = run(["http", url])
    assert rc == 60 and o == b"", (rc, e)  # curl's status for a certificate not verified
    assert curl([url])[0] == 60
    assert e.count(b"\n") == 1 and e.startswith(b"wirecat: http: 127.0.0.1:%d: TLS certificate "
                                                 b"verification failed: " % ng.sport), e
    rc, o, e = run(["http", "--cacert", ng.cacert, url])
    assert rc == 0 and o == ng.files["f1M"], (rc, e)
    rc, o, e = run(["http", "-k", url])
    assert rc == 0 and o == ng.files["f1M"], (rc, e)
    # host name verification: localhost is in the certificate, keep-alive over TLS
    u2 = ng.url("/files/f1", host="localhost", tls=True)
    rc, o, e = run(["http", "-v", "--cacert", ng.cacert, u2, u2])
    assert rc == 0 and o == ng.files["f1"] * 2, (rc, e)
    assert e.count(b"* Connected") == 1 and b"* TLS connection using TLSv1.3" in e, e
    if ng.v6:
        rc, o, e = run(["http", "--cacert", ng.cacert, ng.url("/files/f1", host="::1", tls=True)])
        assert rc == 0 and o == ng.files["f1"], (rc, e)
    # a CA file that does not sign this certificate
    rc, o, e = run(["http", "--cacert", "/nonexistent.pem", url])
    assert rc == 2 and b"cannot load CA certificates from /nonexistent.pem" in e, e


@case
def https_wrong_name():
    ng = nginx()
    # the certificate names localhost and 127.0.0.1 but not 127.0.0.2
    url = "https://127.0.0.2:%d/files/f1" % ng.sport
    rc, o, e = run(["http", "--cacert", ng.cacert, url])
    if rc == 7 and b"Connection refused" in e:
        raise Skip("127.0.0.2 is not routed to loopback")
    assert rc == 60 and b"TLS certificate verification failed" in e, (rc, e)


@case
def raw_and_include():
    ng = nginx()
    rc, o, e = run(["http", "--raw", ng.url("/files/f1")])
    assert rc == 0 and o.startswith(b"HTTP/1.1 200 OK\r\n") and o.endswith(b"\r\n\r\n" + ng.files["f1"])
    rc, o2, e = run(["http", "-i", ng.url("/files/f1")])
    assert rc == 0 and o2.startswith(b"HTTP/1.1 200 OK\r\n") and o2.endswith(ng.files["f1"])


def run_tty_stderr(args):
    """Runs wirecat with stderr on a pseudo-terminal; returns (rc, stderr bytes)."""
    import pty
    from wtest import WIRECAT
    m, s = pty.openpty()
    p = subprocess.Popen([WIRECAT] + args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=s)
    os.close(s)
    err = b""
    while True:
        try:
            b = os.read(m, 4096)
        except OSError:
            break
        if not b:
            break
        err += b
    os.close(m)
    return p.wait(30 * SLOW), err


@case
def progress_bar_only_on_a_terminal():
    ng = nginx()
    with tempfile.TemporaryDirectory() as t:
        out = os.path.join(t, "o")
        rc, err = run_tty_stderr(["http", "-o", out, ng.url("/files/f10M")])
        assert rc == 0 and re.search(rb"\[#{30}\] 100%\s+10.0 MiB .*/s\s+ETA 0:00:00", err), err
        with open(out, "rb") as f:
            assert f.read() == ng.files["f10M"]
        rc, err = run_tty_stderr(["http", "-s", "-o", out, ng.url("/files/f10M")])
        assert rc == 0 and err == b"", err
        rc, o, e = run(["http", "-o", out, ng.url("/files/f10M")])  # stderr is a pipe
        assert rc == 0 and e == b"", e
        rc, err = run_tty_stderr(["http", ng.url("/files/f1")])  # body to stdout
        assert rc == 0 and err == b"", err


main()
