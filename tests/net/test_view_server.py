# SPDX-License-Identifier: BSD-2-Clause
"""wirecat view FILE: the page and its data served on 127.0.0.1. Checked with
raw sockets and in headless Chromium (Debian's chromium, --dump-dom after the
page's scripts and fetches ran, as test_view.py): the URL line, the headers
(CSP, no-store), the packet count, paging (the DOM holds far fewer rows than
the file), display and capture filters against `wirecat read`, a bad
filter's error with its column, the ladder from /api/conv, hostile requests
(POST, /../etc/passwd, a 100 KB head, a slowloris, more connections than the
server takes), the XSS capture shown as text, loopback-only listening (ss),
a clean stop on SIGTERM and SIGINT, and a 1,000,000-packet file: first rows
in under a second and a bounded resident set. Browser cases skip without
chromium."""
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time

import pktbuild
from wtest import case, main, run, Proc, Skip, SRC, SLOW, wait_for

OUTDIR = os.environ.get("WIRE_BUILD", os.path.join(SRC, "build"))
GOLDEN = os.path.join(SRC, "tests", "golden", "pcaps")
XSS = b"<script>alert(1)</script>"
PWN = b'<img src=x onerror="document.body.dataset.pwned=1">'
RSS_MAX_KB = 64 * 1024  # the bound documented in wirecat.1 for a 1M-packet file
FIRST_ROWS_S = 1.0


# ---- captures ----

def pcap_file(frames):
    return pktbuild.pcap(((1700000000 + i // 1000, (i % 1000) * 1000, f) for i, f in enumerate(frames)),
                snaplen=65535)


def ipv4(proto, payload, src=1, dst=2):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0, 64, proto, 0,
                    bytes([10, 0, 0, src]), bytes([10, 0, 0, dst]))
    eth = b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + b"\x08\x00"
    return eth + h + payload


def tcp(sport, dport, seq, flags=0x10, data=b""):
    return struct.pack("!HHIIBBHHH", sport, dport, seq, 1, 0x50, flags, 512, 0, 0) + data


def xss_pcap():
    http = (b"GET /" + XSS + b" HTTP/1.1\r\nHost: x\r\nX-Evil: " + XSS + PWN + b"\r\n\r\n")
    label = XSS.replace(b".", b"")
    qname = bytes([len(label)]) + label + b"\x07example\x00"
    dns = struct.pack("!HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0) + qname + b"\x00\x01\x00\x01"
    udp = struct.pack("!HHHH", 5353, 53, 8 + len(dns), 0) + dns
    return pcap_file([ipv4(6, tcp(40000, 80, 1, 0x18, http)), ipv4(17, udp)])


def big_pcap(path, n):
    """n packets: TCP on ports 5005 and 80 (every 7th a retransmission of
    the one before it), a UDP datagram every 10th."""
    t5 = [ipv4(6, tcp(40000, 5005, 1000 + i * 10, 0x18, b"0123456789")) for i in range(256)]
    t80 = ipv4(6, tcp(40001, 80, 5, 0x10))
    udp = ipv4(17, struct.pack("!HHHH", 5353, 53, 8, 0))
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        chunk = []
        for i in range(n):
            fr = udp if i % 10 == 9 else t80 if i % 10 == 8 else t5[(i - (i % 7 == 6)) % 256]
            chunk.append(struct.pack("<IIII", 1700000000 + i // 1000, (i % 1000) * 1000,
                                     len(fr), len(fr)))
            chunk.append(fr)
            if len(chunk) >= 20000:
                f.write(b"".join(chunk))
                chunk = []
        f.write(b"".join(chunk))


# ---- the server ----

class Server:
    def __init__(self, path, *extra, env=None):
        self.t0 = time.monotonic()
        self.p = Proc(["view"] + list(extra) + [path], env=env)
        wait_for(lambda: b"\n" in self.p.out or self.p.p.poll() is not None, 10 * SLOW,
                 "the URL line")
        line = bytes(self.p.out).decode().strip()
        m = re.fullmatch(r"http://127\.0\.0\.1:(\d+)/", line) or re.fullmatch(
            r"http://\[?([^\]]*)\]?:(\d+)/", line)
        assert m, (line, bytes(self.p.err))
        self.url = line
        self.port = int(m.groups()[-1])

    def stop(self, sig=signal.SIGTERM):
        if self.p.p.poll() is None:
            self.p.p.send_signal(sig)
        return self.p.p.wait(timeout=10 * SLOW)

    def __enter__(self):
        return self

    def __exit__(self, *a):
        if self.p.p.poll() is None:
            self.p.p.kill()
            self.p.p.wait(timeout=10)


def raw(port, data, timeout=5.0, host="127.0.0.1"):
    """Sends data on a new connection; returns everything read until the
    server closes it (or the deadline: then None as the second value)."""
    s = socket.create_connection((host, port), timeout=timeout * SLOW)
    try:
        s.sendall(data)
        got = b""
        end = time.monotonic() + timeout * SLOW
        while time.monotonic() < end:
            try:
                b = s.recv(65536)
            except socket.timeout:
                return got, None
            if not b:
                return got, True
            got += b
        return got, None
    finally:
        s.close()


def get(port, path, method="GET"):
    """One request (Connection: close); returns (status, headers, body)."""
    req = "%s %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % (method, path)
    resp, closed = raw(port, req.encode(), timeout=30)
    assert closed, "no end of response"
    head, _, body = resp.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    hdrs = {k.lower(): v.strip() for k, _, v in (l.partition(":") for l in lines[1:])}
    return int(lines[0].split()[1]), hdrs, body


def api(port, path):
    st, _, body = get(port, path)
    assert st == 200, (st, body[:200])
    return json.loads(body)


def read_count(pcap, *args):
    """`wirecat read`'s packet count, with -Y EXPR or a capture filter EXPR."""
    a = list(args[:2]) + [pcap] if args and args[0] == "-Y" else [pcap] + list(args)
    rc, out, err = run(["read", "-t"] + a, timeout=120)
    assert rc == 0, err
    return len(out.splitlines())


def wait_done(port, path, key="done", timeout=60):
    end = time.monotonic() + timeout * SLOW
    while time.monotonic() < end:
        r = api(port, path)
        if r.get(key) is True or r.get("indexing") is False:
            return r
        time.sleep(0.05)
    raise AssertionError("not done: " + path)


# ---- the browser ----

def chromium():
    for name in ("chromium", "chromium-browser"):
        p = shutil.which(name)
        if p:
            return p
    raise Skip("chromium is not installed (apt-get install chromium)")


def browse(url, shot=None):
    exe = chromium()
    with tempfile.TemporaryDirectory() as prof:
        base = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=" + prof,
                "--window-size=1280,800", "--virtual-time-budget=8000",
                "--enable-logging=stderr", "--v=0"]
        p = subprocess.run(base + ["--dump-dom", url], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=120 * SLOW)
        assert p.returncode == 0, p.stderr.decode(errors="replace")[-2000:]
        if shot:
            q = subprocess.run(base + ["--screenshot=" + shot, url], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, timeout=120 * SLOW)
            assert q.returncode == 0 and os.path.getsize(shot) > 1000, "no screenshot"
    err = p.stderr.decode(errors="replace")
    bad = [l for l in err.splitlines() if "Uncaught" in l or ("CONSOLE" in l and "rror" in l)]
    assert not bad, bad
    return p.stdout.decode(errors="replace")


def rows(dom):
    body = re.search(r'<table id="pkts">.*?<tbody>(.*?)</tbody>', dom, re.S).group(1)
    return len(re.findall(r"<tr [^>]*data-i=", body))


def ready(dom):
    m = re.search(r'<body[^>]*data-ready="(\d+)"', dom)
    assert m, "the page's script did not finish"
    return int(m.group(1))


# ---- cases ----

@case
def serves_the_page_with_its_headers_and_stops_cleanly():
    pcap = os.path.join(GOLDEN, "wc-tcp.pcap")
    with Server(pcap) as s:
        st, h, body = get(s.port, "/")
        assert st == 200 and h["content-type"] == "text/html; charset=utf-8", (st, h)
        assert h["cache-control"] == "no-store" and "connect-src 'self'" in h[
            "content-security-policy"] and "default-src 'none'" in h["content-security-policy"]
        assert int(h["content-length"]) == len(body) and b"wcServerMode" in body
        assert body.count(b"connect-src 'self'") == 1  # the page's own meta CSP
        st, h, body = get(s.port, "/", "HEAD")
        assert st == 200 and body == b"" and int(h["content-length"]) > 1000
        summ = api(s.port, "/api/summary")
        assert summ["packets"] == read_count(pcap) == 9 and summ["file"] == "wc-tcp.pcap"
        # keep-alive: two requests, two answers on one connection
        two = b"GET /api/summary HTTP/1.1\r\nHost: x\r\n\r\nGET /api/hier HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        resp, closed = raw(s.port, two)
        assert closed and resp.count(b"HTTP/1.1 200 OK") == 2, resp[:300]
        # a 404 keeps a keep-alive connection (and says so); the next request is answered
        two = b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\nGET /api/hier HTTP/1.1\r\nConnection: close\r\n\r\n"
        resp, closed = raw(s.port, two)
        first = resp.split(b"\r\n\r\n")[0]
        assert closed and first.startswith(b"HTTP/1.1 404 ") and b"Connection: keep-alive" in first
        assert resp.count(b"HTTP/1.1 200 OK") == 1, resp[:300]
        assert s.stop(signal.SIGTERM) == 0
    with Server(pcap) as s:
        assert s.stop(signal.SIGINT) == 0


@case
def listens_on_loopback_only_unless_bind_says():
    if not shutil.which("ss"):
        raise Skip("ss (iproute2) is missing")
    with Server(os.path.join(GOLDEN, "wc-tcp.pcap")) as s:
        out = subprocess.run(["ss", "-ltnH", "sport = :%d" % s.port], stdout=subprocess.PIPE,
                             timeout=10).stdout.decode()
        locs = [l.split()[3] for l in out.splitlines() if l.strip()]
        assert locs == ["127.0.0.1:%d" % s.port], locs
    with Server(os.path.join(GOLDEN, "wc-tcp.pcap"), "--bind", "127.0.0.2") as s:
        assert s.url.startswith("http://127.0.0.2:"), s.url
        st, _, _ = get_host("127.0.0.2", s.port, "/api/summary")
        assert st == 200
    rc, _, err = run(["view", "--port", "70000", os.path.join(GOLDEN, "wc-tcp.pcap")])
    assert rc == 2 and b"port" in err, err


def get_host(host, port, path):
    resp, closed = raw(port, ("GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                              % path).encode(), host=host)
    return int(resp.split()[1]), None, resp


@case
def hostile_requests_get_4xx_and_bounded_connections():
    with Server(os.path.join(GOLDEN, "wc-tcp.pcap")) as s:
        resp, closed = raw(s.port, b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc")
        assert resp.startswith(b"HTTP/1.1 405 ") and b"Allow: GET, HEAD" in resp and closed
        for path in ("/../etc/passwd", "/etc/passwd", "/%2e%2e/etc/passwd", "/web/view.js",
                     "/api/nothing"):
            st, _, body = get(s.port, path)
            assert st == 404 and b"root:" not in body, (path, st)
        resp, closed = raw(s.port, b"GET / HTTP/1.1\r\nX: " + b"a" * 100000 + b"\r\n\r\n")
        assert resp.startswith(b"HTTP/1.1 431 ") and closed, resp[:80]
        resp, closed = raw(s.port, b"GET / HTTP/9.9\r\n\r\n")
        assert resp.startswith(b"HTTP/1.1 505 ") and closed
        resp, closed = raw(s.port, b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n")
        assert resp.startswith(b"HTTP/1.1 400 ") and closed
        # slowloris: a head that never ends is cut at the head deadline (5 s)
        t = time.monotonic()
        c = socket.create_connection(("127.0.0.1", s.port), timeout=20 * SLOW)
        c.sendall(b"GET / HTTP/1.1\r\n")
        for _ in range(30):
            try:
                c.sendall(b"X-a: b\r\n")
            except OSError:
                break
            c.settimeout(0.5)
            try:
                if c.recv(100) == b"":
                    break
            except socket.timeout:
                pass
        took = time.monotonic() - t
        c.close()
        assert 4.0 < took < 10 * SLOW, took
        # more connections than the server holds: the extra ones are turned away
        conns = [socket.create_connection(("127.0.0.1", s.port), timeout=5) for _ in range(100)]
        try:
            time.sleep(0.3)
            refused = 0
            for c in conns[64:]:
                c.settimeout(5 * SLOW)
                if c.recv(200).startswith(b"HTTP/1.1 503"):
                    refused += 1
            assert refused == 36, refused
        finally:
            for c in conns:
                c.close()
        wait_for(lambda: get(s.port, "/api/summary")[0] == 200, 10 * SLOW, "serving again")
        assert s.stop() == 0


@case
def rows_filters_and_the_ladder_from_the_api():
    with tempfile.TemporaryDirectory() as d:
        pcap = os.path.join(d, "mid.pcap")
        big_pcap(pcap, 3000)
        with Server(pcap) as s:
            summ = wait_done(s.port, "/api/summary")
            assert summ["packets"] == 3000
            r = api(s.port, "/api/rows?start=2990&count=50")
            assert [p["n"] for p in r["rows"]] == list(range(2991, 3001)) and r["total"] == 3000
            r = api(s.port, "/api/rows?start=0&count=100000")
            assert len(r["rows"]) == 1000  # bounded
            first = api(s.port, "/api/rows?start=0&count=1")["rows"][0]
            rc, out, _ = run(["read", "-S", "-t", "-c", "1", pcap])
            assert first["info"] == out.decode().strip(), (first["info"], out)
            for f, args in (("tcp port 80", ["tcp port 80"]),
                            ("tcp.port == 5005 && tcp.len > 0", ["-Y", "tcp.port == 5005 && tcp.len > 0"]),
                            ("tcp.analysis.retransmission", ["-Y", "tcp.analysis.retransmission"]),
                            ("udp port 53", ["udp port 53"])):
                q = "/api/rows?start=0&count=5&filter=" + urlq(f)
                r = wait_done(s.port, q)
                want = read_count(pcap, *args)
                assert r["total"] == want and want > 0, (f, r["total"], want)
                assert r["lang"] == ("capture" if args[0] != "-Y" else "display"), r["lang"]
            r = api(s.port, "/api/rows?filter=" + urlq("tcp.port == "))
            rc, _, err = run(["read", "-Y", "tcp.port == ", pcap])
            col = int(re.search(rb"column (\d+)", err).group(1))
            assert rc == 2 and r["column"] == col == 13, (r, err)
            assert "display filter" in r["error"] and "nor a capture filter" in r["error"]
            pk = api(s.port, "/api/packet?n=9")
            assert pk["n"] == 9 and "tree" in pk and pk["hex"].startswith("020000000002020000000001")
            convs = api(s.port, "/api/convs")["data"]["convs"]
            c80 = next(c for c in convs if c["b"].endswith(":80") or c["a"].endswith(":80"))
            r = wait_done(s.port, "/api/conv?id=%d" % c80["id"])
            assert len(r["rows"]) == 300 == c80["f_ab"] + c80["f_ba"], len(r["rows"])
            assert all(p["dp"] == 80 for p in r["rows"])
            wait_for(lambda: api(s.port, "/api/io?filter=udp")["filter"]["done"], 30 * SLOW,
                     "the filter's I/O series")
            io = api(s.port, "/api/io?filter=udp")
            assert sum(io["all"]["pk"]) == 3000 and sum(io["filter"]["io"]["pk"]) == 300
            hier = api(s.port, "/api/hier")["data"]
            assert hier["frames"] == 3000 and ["eth:ip:udp", 2, 300, 300 * 42] in hier["paths"]
            st, _, _ = get(s.port, "/api/packet?n=3001")
            assert st == 404


@case
def a_conversation_ladder_holds_its_cut_header_packets_too():
    """wc-tcp: the conversation table (--stats, as tshark -z conv,tcp) counts
    7 packets of 127.0.0.1:40000-5005; /api/conv gives all 8 (packet 6's
    TCP header is invalid, its ports were read) as the --html page's ladder
    does, and the page's ladder says why the two differ."""
    pcap = os.path.join(GOLDEN, "wc-tcp.pcap")
    with Server(pcap) as s:
        wait_done(s.port, "/api/summary")
        convs = api(s.port, "/api/convs")["data"]["convs"]
        c = next(c for c in convs if c["a"].endswith(":5005") or c["b"].endswith(":5005"))
        assert c["f_ab"] + c["f_ba"] == 7, c
        r = wait_done(s.port, "/api/conv?id=%d" % c["id"])
        assert [p["n"] for p in r["rows"]] == list(range(1, 9)), [p["n"] for p in r["rows"]]
        assert r["rows"][5].get("tpbad") == 1
        # The I/O graph: the --html page embeds the series /api/io gives.
        with tempfile.TemporaryDirectory() as d:
            rc, _, err = run(["view", "--html", os.path.join(d, "p.html"), pcap])
            assert rc == 0, err
            text = open(os.path.join(d, "p.html")).read()
            m = re.search(r'<script type="application/json" id="wc-data">(.*?)</script>', text, re.S)
            assert json.loads(m.group(1))["io"] == api(s.port, "/api/io")["all"]
        if shutil.which("chromium"):
            dom = browse(s.url + "#p=1")
            title = re.search(r'<h2 id="ladtitle">([^<]*)</h2>', dom).group(1)
            assert "8 packets; 1 with a cut or invalid TCP header, which the conversation table " \
                "leaves out" in title, title
            assert len(re.findall(r'<line[^>]*class="arrow (ab|ba)"', dom)) == 8


@case
def the_served_ladder_of_a_connection_begun_before_the_capture():
    """Server mode draws the same ladder (view.js over /api/conv): a
    conversation whose handshake the capture missed has unknown states
    while data flows (never CLOSED), and a RST closes it."""
    chromium()
    frames = [ipv4(6, tcp(40000, 80, 1000, 0x18, b"data")), ipv4(6, tcp(80, 40000, 1, 0x10), 2, 1),
              ipv4(6, tcp(80, 40000, 1, 0x14), 2, 1)]
    with tempfile.TemporaryDirectory() as d:
        pcap = os.path.join(d, "mid.pcap")
        with open(pcap, "wb") as f:
            f.write(pcap_file(frames))
        with Server(pcap) as s:
            wait_done(s.port, "/api/summary")
            dom = browse(s.url + "#p=1")
    st = [("~" if "inf" in c else "") + t for c, t in
          re.findall(r'<text[^>]*class="(st[^"]*)"[^>]*>([^<]*)</text>', dom)]
    assert st == ["~unknown", "~unknown", "~CLOSED", "~CLOSED"], st
    assert "began mid-connection" in dom.split('<div id="lad">')[1]


def urlq(s):
    from urllib.parse import quote
    return quote(s, safe="")


@case
def the_page_in_a_browser_pages_filters_and_draws_the_ladder():
    chromium()
    with tempfile.TemporaryDirectory() as d:
        pcap = os.path.join(d, "mid.pcap")
        big_pcap(pcap, 20000)
        with Server(pcap) as s:
            wait_done(s.port, "/api/summary")
            dom = browse(s.url + "#p=5", shot=os.path.join(OUTDIR, "view-server.png"))
            assert ready(dom) == 20000 and "20000 packets" in dom
            n = rows(dom)
            assert 20 < n < 300, n  # the DOM holds the rows in view, not the file
            assert re.search(r'<tr class="[^"]*sel[^"]*" data-i="4"', dom), "packet 5 not selected"
            assert 'data-sections="' in dom and "Transmission Control Protocol" in dom or "TCP" in dom
            arrows = len(re.findall(r'<g class="pk', dom))
            assert arrows == 2000, arrows  # the ladder of 5005's conversation: the first 2000
            assert "Protocol hierarchy" in dom and ">udp<" in dom
            dom = browse(s.url + "#f=" + urlq("udp port 53"))
            assert re.search(r'id="count">2000 matching \(capture\)', dom), re.search(r'id="count">[^<]*', dom)
            dom = browse(s.url + "#f=" + urlq("tcp.port == 80"))
            assert re.search(r'id="count">2000 matching \(display\)', dom)
            assert "iof" in dom  # the filter's series in the I/O graph
            dom = browse(s.url + "#f=" + urlq("tcp.port =="))
            assert "column 12" in dom and "nor a capture filter" in dom and rows(dom) == 0


@case
def xss_capture_served_shows_as_text():
    chromium()
    with tempfile.TemporaryDirectory() as d:
        pcap = os.path.join(d, "xss.pcap")
        with open(pcap, "wb") as f:
            f.write(xss_pcap())
        with Server(pcap) as s:
            r = api(s.port, "/api/rows?start=0&count=2")
            raw_rows = get(s.port, "/api/rows?start=0&count=2")[2]
            assert b"<" not in raw_rows and b"\\u003cscript\\u003e" in raw_rows
            assert XSS.decode() in r["rows"][0]["info"]
            doms = [browse(s.url + "#p=1", shot=os.path.join(OUTDIR, "view-server-xss.png")),
                    browse(s.url + "#p=2")]
    esc = "&lt;script&gt;alert(1)&lt;/script&gt;"
    for dom in doms:
        assert "data-pwned" not in dom and dom.count("<script") == 2 and "<img" not in dom
    assert esc + " HTTP/1.1" in doms[0] and "X-Evil: " + esc + "&lt;img" in doms[0]
    assert esc in doms[1] or esc.replace("/", "\\/") in doms[1]


def ng_block(o, btype, body):
    body += bytes(-len(body) % 4)
    return struct.pack(o + "II", btype, 12 + len(body)) + body + struct.pack(o + "I", 12 + len(body))


def two_sections(n):
    """A pcapng of two sections (little- then big-endian), n packets each."""
    out = b""
    for k, o in enumerate(("<", ">")):
        out += ng_block(o, 0x0A0D0D0A, struct.pack(o + "IHHq", 0x1A2B3C4D, 1, 0, -1))
        out += ng_block(o, 1, struct.pack(o + "HHI", 1, 0, 0))
        for i in range(n):
            fr = ipv4(6, tcp(40000 + k, 80, i))
            ts = (1700000000 + k * 1000 + i) * 10**6
            out += ng_block(o, 6, struct.pack(o + "IIIII", 0, ts >> 32, ts & 0xffffffff,
                                              len(fr), len(fr)) + fr)
    return out


@case
def rows_from_either_section_of_a_pcapng():
    """Going back to an earlier section cannot seek (its interfaces differ):
    the server reads again from the start, and every row is still right."""
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "two.pcapng")
        with open(path, "wb") as f:
            f.write(two_sections(300))
        rc, out, err = run(["read", "-S", "-t", path])
        want = out.decode().splitlines()
        assert rc == 0 and len(want) == 600, err
        with Server(path) as s:
            assert wait_done(s.port, "/api/summary")["packets"] == 600
            for start in (550, 5, 590, 10, 299, 300, 0):
                r = api(s.port, "/api/rows?start=%d&count=3" % start)
                got = [p["info"] for p in r["rows"]]
                assert got == want[start:start + 3], (start, got, want[start:start + 3])


@case
def a_trace_ndjson_is_served_as_its_page():
    evs = [{"time": 1.5, "event": "call", "pid": 7, "tid": 7, "comm": "py", "call": "sendto",
            "ret": 27, "text": 'sendto(3, 27, 127.0.0.1:9) = 27 "' + XSS.decode() + '"'},
           {"time": 2.0, "event": "exit", "pid": 7, "tid": 7, "comm": "py", "status": 0}]
    with tempfile.TemporaryDirectory() as d:
        nd = os.path.join(d, "trace.ndjson")
        with open(nd, "w") as f:
            f.write("\n".join(json.dumps(e) for e in evs) + "\n")
        with Server(nd) as s:
            st, h, body = get(s.port, "/")
            assert st == 200 and body.lower().count(b"<script") == 2 and b"\\u003cscript" in body
            assert get(s.port, "/api/rows")[0] == 404
            if shutil.which("chromium"):
                dom = browse(s.url)
                assert ready(dom) == 2 and "2 of 2 events" in dom and "data-pwned" not in dom
            assert s.stop() == 0
    rc, _, err = run(["view", "-"])
    assert rc == 2 and b"standard input" in err, err


# ---- sorting ----

SRCS = [2, 10, 1, 100, 20, 3]


def ipv6_udp(src, payload):
    u = struct.pack("!HHHH", 4000 + src, 53, 8 + len(payload), 0) + payload
    a = bytes.fromhex("20010db8000000000000000000000000")
    h = struct.pack("!IHBB16s16s", 0x60000000, len(u), 17, 64, a[:15] + bytes([src]),
                    a[:15] + b"\xff")
    return b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + b"\x86\xdd" + h + u


def sort_pcap(path, n=240):
    """n packets of many lengths: TCP and UDP from 10.0.0.{2,10,1,100,20,3},
    every 5th UDP over IPv6 from 2001:db8::{1,2,3}."""
    fr = []
    for i in range(n):
        pay = b"x" * ((i * 37) % 61)
        if i % 5 == 4:
            fr.append(ipv6_udp(i % 3 + 1, pay))
        elif i % 2:
            u = struct.pack("!HHHH", 1000 + i, 53, 8 + len(pay), 0) + pay
            fr.append(ipv4(17, u, src=SRCS[i % 6]))
        else:
            fr.append(ipv4(6, tcp(40000, 5005, i, 0x18, pay), src=SRCS[i % 6]))
    with open(path, "wb") as f:
        f.write(pcap_file(fr))


def sorted_rows(port, q, timeout=30, seen=None):
    """/api/rows?start=0&count=1000&Q once its sort is done (the states on
    the way appended to seen)."""
    end = time.monotonic() + timeout * SLOW
    while time.monotonic() < end:
        r = api(port, "/api/rows?start=0&count=1000&" + q)
        assert "sort" in r, str(r)[:300]
        if seen is not None:
            seen.append(r["sort"])
        if r["sort"]["state"] in ("done", "refused"):
            return r
        assert r["sort"]["state"] in ("waiting", "keys", "sorting"), r["sort"]
        assert r["rows"] == [], "rows before the sort is done"
        time.sleep(0.05)
    raise AssertionError("sort not done: " + q)


def addr_key(a):
    import ipaddress
    ip = ipaddress.ip_address(a)
    return (ip.version, ip.packed)


def info_text(p):
    """The Info column as the page shows it (view.js infoText)."""
    m = re.match(r"^(?:IP6?|IP6? \([^)]*\)) ([^ ]+) > ([^ ]+?): (.*)$", p["info"])
    if not m:
        return p["info"]
    return ("%d \u2192 %d " % (p["sp"], p["dp"]) if "sp" in p else "") + m.group(3)


def nondecreasing(keys, rows, desc=False):
    """keys in order (reversed with desc), ties by ascending packet number."""
    assert len(keys) == len(rows) > 1
    for k in range(1, len(rows)):
        a, b = keys[k - 1], keys[k]
        assert (a >= b if desc else a <= b), (k, a, b)
        if a == b:
            assert rows[k - 1]["n"] < rows[k]["n"], (k, a, rows[k - 1]["n"], rows[k]["n"])


@case
def sorted_rows_by_each_column():
    """sort=COLUMN[&desc=1]: the same packets, in the column's order, ties by
    number; addresses in byte order (10.0.0.2 before 10.0.0.10, IPv4 before
    IPv6); with a filter only its matches are sorted."""
    with tempfile.TemporaryDirectory() as d:
        pcap = os.path.join(d, "sort.pcap")
        sort_pcap(pcap)
        with Server(pcap) as s:
            wait_done(s.port, "/api/summary")
            plain = api(s.port, "/api/rows?start=0&count=1000")["rows"]
            assert [p["n"] for p in plain] == list(range(1, 241))
            r = sorted_rows(s.port, "sort=len&desc=1")
            got = r["rows"]
            assert r["total"] == 240 and sorted(p["n"] for p in got) == list(range(1, 241))
            lens = [p["len"] for p in got]
            assert lens[0] == max(lens) > lens[-1] == min(lens), lens
            nondecreasing(lens, got, desc=True)
            got = sorted_rows(s.port, "sort=len")["rows"]
            nondecreasing([p["len"] for p in got], got)
            # paging through the sorted order
            page = api(s.port, "/api/rows?start=100&count=20&sort=len")["rows"]
            assert [p["n"] for p in page] == [p["n"] for p in got[100:120]]
            for col in ("src", "dst"):
                got = sorted_rows(s.port, "sort=" + col)["rows"]
                keys = [addr_key(p[col]) for p in got]
                nondecreasing(keys, got)
            srcs = [p["src"] for p in sorted_rows(s.port, "sort=src")["rows"]]
            assert srcs.index("10.0.0.10") > len(srcs) - 1 - srcs[::-1].index("10.0.0.2")
            assert srcs.index("2001:db8::1") > srcs.index("10.0.0.100") > srcs.index("10.0.0.20")
            got = sorted_rows(s.port, "sort=src&desc=1")["rows"]
            nondecreasing([addr_key(p["src"]) for p in got], got, desc=True)
            got = sorted_rows(s.port, "sort=p")["rows"]
            nondecreasing([p["p"].replace("ip", "ipv4") if p["p"] == "ip" else p["p"]
                           for p in got], got)
            got = sorted_rows(s.port, "sort=t&desc=1")["rows"]
            assert [p["n"] for p in got] == list(range(240, 0, -1))
            got = sorted_rows(s.port, "sort=n&desc=1")["rows"]
            assert [p["n"] for p in got] == list(range(240, 0, -1))
            got = sorted_rows(s.port, "sort=info")["rows"]
            nondecreasing([info_text(p).encode("utf-8", "surrogateescape")[:20] for p in got], got)
            # with a filter: its matches only
            want = {p["n"] for p in wait_done(s.port, "/api/rows?start=0&count=1000&filter=udp")["rows"]}
            r = sorted_rows(s.port, "filter=udp&sort=len&desc=1")
            got = r["rows"]
            assert len(want) == read_count(pcap, "udp") == r["total"] == len(got) == 144, len(want)
            assert {p["n"] for p in got} == want
            nondecreasing([p["len"] for p in got], got, desc=True)
            assert get(s.port, "/api/rows?sort=color")[0] == 400
            assert get(s.port, "/api/rows?sort=len&desc=2")[0] == 400
            # a value too long to hold, or not decodable, is refused, not
            # taken as absent (a filter ignored would list every packet)
            # (a filter past the server's 4096 bytes: 400, or 414 when the
            # request line itself is too long)
            for q in ("sort=" + "len" * 7, "desc=" + "1" * 20, "sort=%zz", "filter=" + "u" * 5000,
                      "filter=udp%00", "start=" + "0" * 40 + "5"):
                assert get(s.port, "/api/rows?" + q)[0] in (400, 414), q[:40]
                io = 200 if q.startswith(("desc", "start")) else 400
                assert get(s.port, "/api/io?" + q.replace("sort", "interval"))[0] in (io, 414), q[:40]
            assert s.stop() == 0


@case
def a_sort_over_the_limit_is_refused_not_cut():
    """More packets than the sort's limit (lowered for the test through
    WIRECAT_VIEW_SORT_MAX, which can only lower it): the answer says so and
    holds no rows; a filter's smaller set sorts; sorting by number needs no
    keys and has no limit."""
    env = dict(os.environ, WIRECAT_VIEW_SORT_MAX="100")
    with tempfile.TemporaryDirectory() as d:
        pcap = os.path.join(d, "sort.pcap")
        sort_pcap(pcap)
        with Server(pcap, env=env) as s:
            r = sorted_rows(s.port, "sort=len")
            assert r["sort"]["state"] == "refused" and r["rows"] == [], str(r)[:300]
            assert "240" in r["sort"]["error"] and "100" in r["sort"]["error"], r["sort"]
            summ = api(s.port, "/api/summary")
            assert summ["sort_max"] == 100, summ
            r = sorted_rows(s.port, "sort=len&filter=udp")  # 144 matches
            assert r["sort"]["state"] == "refused" and "144" in r["sort"]["error"], r["sort"]
            r = sorted_rows(s.port, "sort=len&filter=ip6")  # 48 matches
            assert r["sort"]["state"] == "done" and len(r["rows"]) == r["total"] == 48, r["sort"]
            got = sorted_rows(s.port, "sort=n&desc=1")["rows"]
            assert [p["n"] for p in got] == list(range(240, 0, -1))
            assert s.stop() == 0
    env["WIRECAT_VIEW_SORT_MAX"] = str(1 << 40)  # cannot raise it
    with tempfile.TemporaryDirectory() as d:
        pcap = os.path.join(d, "sort.pcap")
        sort_pcap(pcap, 10)
        with Server(pcap, env=env) as s:
            assert api(s.port, "/api/summary")["sort_max"] == 1048576


@case
def a_million_packets_first_rows_fast_and_memory_bounded():
    n = 1000000
    path = os.path.join(OUTDIR, "view-1m.pcap")
    if not os.path.exists(path) or os.path.getsize(path) < n * 70:
        big_pcap(path + ".tmp", n)
        os.replace(path + ".tmp", path)
    t0 = time.monotonic()
    with Server(path) as s:
        r = api(s.port, "/api/rows?start=0&count=100")
        first = time.monotonic() - t0
        assert len(r["rows"]) == 100 and r["rows"][0]["n"] == 1
        summ = wait_done(s.port, "/api/summary", timeout=120)
        assert summ["packets"] == n and summ["index"]["places"] <= summ["index"]["max"]
        r = api(s.port, "/api/rows?start=999990&count=100")
        assert [p["n"] for p in r["rows"]] == list(range(999991, 1000001))
        r = wait_done(s.port, "/api/rows?start=0&count=10&filter=udp", timeout=120)
        assert r["total"] == n // 10
        # another filter, then the first again: kept, not scanned again
        api(s.port, "/api/rows?start=0&count=10&filter=" + urlq("tcp port 80"))
        r = api(s.port, "/api/rows?start=0&count=10&filter=udp")
        assert r["done"] and r["total"] == n // 10 and r["scanned"] == n, r["scanned"]
        # the whole file sorted by length (under the sort's limit, 24 bytes a packet)
        t = time.monotonic()
        seen = []
        r = sorted_rows(s.port, "sort=len&desc=1", timeout=120, seen=seen)
        took = time.monotonic() - t
        keys = [x["got"] for x in seen if x["state"] == "keys"]
        assert keys and 0 < keys[0] < n and keys == sorted(keys), keys  # progress, growing
        assert "sorting" in [x["state"] for x in seen], [x["state"] for x in seen]
        assert r["sort"]["state"] == "done" and r["total"] == n, r["sort"]
        assert [p["len"] for p in r["rows"][:3]] == [64] * 3
        last = api(s.port, "/api/rows?start=%d&count=10&sort=len&desc=1" % (n - 10))["rows"]
        assert [p["len"] for p in last] == [42] * 10 and last[-1]["n"] == n, last[-1]["n"]
        print("  sorted by length in %.2f s" % took)
        rss = int(re.search(r"VmRSS:\s+(\d+)", open("/proc/%d/status" % s.p.p.pid).read()).group(1))
        hwm = int(re.search(r"VmHWM:\s+(\d+)", open("/proc/%d/status" % s.p.p.pid).read()).group(1))
        print("  1M packets (%d MB): first rows %.3f s, RSS %d KB, peak %d KB"
              % (os.path.getsize(path) >> 20, first, rss, hwm))
        assert first < FIRST_ROWS_S * SLOW, first
        assert hwm < RSS_MAX_KB * SLOW, hwm
        assert s.stop() == 0


main()
