# SPDX-License-Identifier: BSD-2-Clause
"""wirecat view --html: the page for a golden capture and for a capture made
to attack the page, loaded in headless Chromium (Debian's chromium, run with
--dump-dom after the scripts ran, and --screenshot at 1280x800 into the build
directory). Checked: the page's own script completed (body data-ready = the
packet count `wirecat read` finds), one list row per packet, one ladder arrow
per packet of the selected conversation, the filter and a bad filter, no
console error; a '<script>' in an HTTP header, URI and DNS name shows as text
and nothing it carries runs. Without chromium every case is skipped."""
import json
import os
import re
import shutil
import struct
import subprocess
import tempfile

import pktbuild
from pktbuild import csum
from wtest import case, main, run, Skip, SRC, SLOW

GOLDEN = os.path.join(SRC, "tests", "golden", "pcaps")
OUTDIR = os.environ.get("WIRE_BUILD", os.path.join(SRC, "build"))
XSS = b"<script>alert(1)</script>"
PWN = b'<img src=x onerror="document.body.dataset.pwned=1">'


def chromium():
    for name in ("chromium", "chromium-browser"):
        p = shutil.which(name)
        if p:
            return p
    raise Skip("chromium is not installed (apt-get install chromium)")


def browse(html, frag="", shot=None):
    """Loads html in headless Chromium; returns (DOM after scripts, stderr)."""
    exe = chromium()
    url = "file://" + os.path.abspath(html) + frag
    with tempfile.TemporaryDirectory() as prof:
        base = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=" + prof,
                "--window-size=1280,800", "--virtual-time-budget=5000",
                "--enable-logging=stderr", "--v=0"]
        p = subprocess.run(base + ["--dump-dom", url], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=120 * SLOW)
        assert p.returncode == 0, p.stderr.decode(errors="replace")[-2000:]
        if shot:
            q = subprocess.run(base + ["--screenshot=" + shot, url], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, timeout=120 * SLOW)
            assert q.returncode == 0 and os.path.getsize(shot) > 1000, "no screenshot"
    return p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def no_console_errors(err):
    bad = [l for l in err.splitlines() if "Uncaught" in l or ("CONSOLE" in l and "rror" in l)]
    assert not bad, bad


def read_count(pcap):
    rc, out, err = run(["read", "-t", pcap])
    assert rc == 0, err
    return len(out.splitlines())


def page(pcap, d):
    out = os.path.join(d, "page.html")
    rc, _, err = run(["view", "--html", out, pcap], timeout=60)
    assert rc == 0, err
    return out


def ready(dom):
    m = re.search(r'<body[^>]*data-ready="(\d+)"', dom)
    assert m, "the page's script did not complete"
    return int(m.group(1))


def rows(dom):
    body = re.search(r'<table id="pkts">.*?<tbody>(.*?)</tbody>', dom, re.S).group(1)
    return len(re.findall(r"<tr[ >]", body))


@case
def golden_page_lists_every_packet_and_draws_the_ladder():
    pcap = os.path.join(GOLDEN, "wc-tcp.pcap")
    n = read_count(pcap)
    with tempfile.TemporaryDirectory() as d:
        html = page(pcap, d)
        text = open(html, encoding="utf-8").read()
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", text), "page asks a server"
        dom, err = browse(html, "#p=4&l=3", shot=os.path.join(OUTDIR, "view-wc-tcp.png"))
    assert ready(dom) == n and rows(dom) == n, (ready(dom), rows(dom), n)
    # Packet 4's conversation: 127.0.0.1:40000 <-> 127.0.0.1:5005, 8 packets
    # (packet 6, whose TCP header is invalid, is one of them: its ports were read).
    conv = len(re.findall(r"\b127\.0\.0\.1\.40000 > 127\.0\.0\.1\.5005\b|"
                          r"\b127\.0\.0\.1\.5005 > 127\.0\.0\.1\.40000\b",
                          "\n".join(run(["read", "-t", pcap])[1].decode().splitlines())))
    arrows = re.findall(r'<line[^>]*class="arrow (ab|ba)"', dom)
    assert conv == 8 and len(arrows) == conv, (conv, len(arrows))
    assert arrows[:2] == ["ab", "ba"], arrows  # SYN from A, SYN-ACK back
    assert "[SYN] seq=0" in dom and "[SYN,ACK] seq=0 ack=1" in dom
    assert 'class="sel" data-i="3"' in dom or re.search(r'<tr class="[^"]*sel[^"]*" data-i="3"', dom)
    assert "TCP HEADER" in dom and "Sequence number:" in dom  # the -V tree of packet 4
    hl = re.search(r'<pre id="bytes">(.*?)</pre>', dom, re.S).group(1)
    assert re.search(r"0000  02 00 00 00 00 02 00 24", re.sub(r"<[^>]+>", "", hl))  # its bytes
    # Its third layer (TCP, 40 header bytes from offset 34) marked in the bytes.
    marked = re.findall(r'<span class="hx hl" data-o="(\d+)">[0-9a-f]{2}</span>', hl)
    assert [int(x) for x in marked] == list(range(34, 74)), marked
    assert re.search(r'<details[^>]*class="hl"[^>]*><summary>TCP HEADER</summary>', dom)
    # The I/O graph: its bars count every packet once.
    bars = [int(x) for x in re.findall(r'<rect[^>]*class="io"[^>]*data-n="(\d+)"', dom)]
    assert bars and sum(bars) == n, bars
    no_console_errors(err)


def embedded(html):
    """The JSON the page embeds, parsed."""
    text = open(html, encoding="ascii").read()  # every byte >= 0x80 is escaped
    m = re.search(r'<script type="application/json" id="wc-data">(.*?)</script>', text, re.S)
    assert m, "no data element"
    assert "<" not in m.group(1) and ">" not in m.group(1) and "&" not in m.group(1)
    return json.loads(m.group(1))


@case
def every_golden_capture_embeds_every_packet():
    """No browser needed: the page of every golden capture holds as many
    packets as `wirecat read` prints, each with read's summary line."""
    names = sorted(f for f in os.listdir(GOLDEN) if f.endswith((".pcap", ".pcapng")))
    assert len(names) > 20, names
    with tempfile.TemporaryDirectory() as d:
        for name in names:
            pcap = os.path.join(GOLDEN, name)
            rc, out, _ = run(["read", "-t", pcap])
            if rc != 0:  # a damaged file: view says so too, with read's status
                rc2, _, err = run(["view", "--html", os.path.join(d, "x.html"), pcap])
                assert rc2 == rc, (name, rc, rc2, err)
                continue
            data = embedded(page(pcap, d))
            assert data["file"] == name
            pk = data["packets"]
            assert [p["n"] for p in pk] == list(range(1, len(pk) + 1)), name
            lines = out.decode(errors="replace").splitlines()
            assert len(pk) == len(lines), (name, len(pk), len(lines))
            bad = [i for i, p in enumerate(pk) if p["info"] != lines[i].rstrip(" ")]
            assert not bad, (name, bad[:3], pk[bad[0]]["info"], lines[bad[0]])
            assert all(len(p["hex"]) == 2 * p["cap"] for p in pk), name
            # One byte span per section of the tree (the page marks by index).
            for p in pk:
                secs = re.findall(r"^\*+_.+_\*+$", p["tree"], re.M)
                assert len(secs) == len(p["lo"]), (name, p["n"], len(secs), p["lo"])


@case
def filter_and_bad_filter():
    pcap = os.path.join(GOLDEN, "wc-tcp.pcap")
    with tempfile.TemporaryDirectory() as d:
        html = page(pcap, d)
        dom, err = browse(html, "#f=ipv6")
        assert rows(dom) == 1 and "1 of 9 packets" in dom, rows(dom)
        dom, err = browse(html, "#f=" + "tcp.port%3D%3D5005%20%26%26%20!tcp.len%3D%3D0")
        assert rows(dom) == 1 and "1 of 9 packets" in dom, rows(dom)
        dom, err = browse(html, "#f=" + "ipv6%20%7C%7C%20tcp.flags%3D%3D2")
        assert rows(dom) == 2 and "2 of 9 packets" in dom, rows(dom)
        dom, err2 = browse(html, "#f=tcp.bogus%3D%3D1")
        assert "unknown field" in dom and rows(dom) == 9, rows(dom)
    no_console_errors(err + err2)


def pcap_file(frames):
    return pktbuild.pcap(((1700000000 + i, 0, f) for i, f in enumerate(frames)), snaplen=65535)



def ipv4(proto, payload):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0, 64, proto, 0,
                    bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    eth = b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + b"\x08\x00"
    return eth + h + payload


def xss_pcap():
    http = (b"GET /" + XSS + b" HTTP/1.1\r\nHost: x\r\nX-Evil: " + XSS + PWN + b"\r\n\r\n")
    tcp = struct.pack("!HHIIBBHHH", 40000, 80, 1, 1, 0x50, 0x18, 512, 0, 0) + http
    label = XSS.replace(b".", b"")
    qname = bytes([len(label)]) + label + b"\x07example\x00"
    dns = struct.pack("!HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0) + qname + b"\x00\x01\x00\x01"
    udp = struct.pack("!HHHH", 5353, 53, 8 + len(dns), 0) + dns
    return pcap_file([ipv4(6, tcp), ipv4(17, udp)])


@case
def xss_in_http_and_dns_shows_as_text():
    with tempfile.TemporaryDirectory() as d:
        pcap = os.path.join(d, "xss.pcap")
        with open(pcap, "wb") as f:
            f.write(xss_pcap())
        assert read_count(pcap) == 2
        html = page(pcap, d)
        raw = open(html, "rb").read()
        # Only the page's own two script elements; the data holds no '<'.
        assert raw.lower().count(b"<script") == 2, raw.lower().count(b"<script")
        assert b"\\u003cscript\\u003e" in raw
        doms = []
        for frag in ("#p=1", "#p=2"):
            dom, err = browse(html, frag, shot=os.path.join(OUTDIR, "view-xss.png"))
            assert ready(dom) == 2 and rows(dom) == 2
            assert "data-pwned" not in dom, "a script from the packet ran"
            # The DOM holds no element made from the packet, only its text.
            assert dom.count("<script") == 2 and "<img" not in dom, dom.count("<script")
            no_console_errors(err)
            doms.append(dom)
    esc = "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert esc + " HTTP/1.1" in doms[0], "the URI is not shown as text"
    assert "X-Evil: " + esc + "&lt;img" in doms[0], "the header is not shown as text"
    assert esc.replace("/", "\\/") in doms[1] or esc in doms[1], "the DNS name is not shown"


@case
def a_long_list_holds_only_the_rows_in_view():
    """Past 5000 packets the list is virtual: the selected packet's row is
    there (scrolled to), the others far from it are not."""
    frames = [ipv4(6, struct.pack("!HHIIBBHHH", 40000, 80, i, 1, 0x50, 0x10, 512, 0, 0))
              for i in range(6000)]
    with tempfile.TemporaryDirectory() as d:
        pcap = os.path.join(d, "long.pcap")
        with open(pcap, "wb") as f:
            f.write(pcap_file(frames))
        html = page(pcap, d)
        dom, err = browse(html, "#p=5000")
    assert ready(dom) == 6000 and "6000 of 6000 packets" in dom
    n = rows(dom)
    assert 20 < n < 400, n
    assert re.search(r'<tr class="[^"]*sel[^"]*" data-i="4999"', dom), "packet 5000 not shown"
    body = re.search(r'<table id="pkts">.*?<tbody>(.*?)</tbody>', dom, re.S).group(1)
    assert 'data-i="10"' not in body and 'data-i="4999"' in body
    no_console_errors(err)


@case
def trace_ndjson_events_as_rows():
    """The NDJSON of `trace --json` (written here, no tracing needed): one row
    per line, the tree of the selected event, its strings as text, a line
    that is not JSON shown as text too."""
    evs = [
        {"time": 1.5, "event": "start", "pid": 7, "tid": 7, "comm": "py", "argv": "py srv.py"},
        {"time": 1.75, "event": "call", "pid": 7, "tid": 7, "comm": "py", "call": "sendto",
         "ret": 27, "text": 'sendto(3, 27, 127.0.0.1:9) = 27 "' + XSS.decode() + '"'},
        {"time": 2.0, "event": "exit", "pid": 7, "tid": 7, "comm": "py", "status": 0},
    ]
    lines = [json.dumps(e) for e in evs] + ['{"broken' + PWN.decode()]
    with tempfile.TemporaryDirectory() as d:
        nd = os.path.join(d, "trace.ndjson")
        with open(nd, "w") as f:
            f.write("\n".join(lines) + "\n")
        html = page(nd, d)
        dom, err = browse(html, "#p=2")
    assert ready(dom) == 4 and rows(dom) == 4 and "4 of 4 events" in dom
    assert "data-pwned" not in dom and dom.count("<script") == 2 and "<img" not in dom
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom and ">sendto<" in dom.replace("SENDTO", "sendto")
    assert "0.250000" in dom and "NOT JSON" in dom and "{\"broken&lt;img" in dom
    no_console_errors(err)


def tcp_seg(a, b, seq, ack, fl, data=b""):
    """A TCP segment from 10.0.0.a:4000a to 10.0.0.b:4000b (checksum left 0)."""
    t = struct.pack("!HHIIBBHHH", 40000 + a, 40000 + b, seq, ack, 0x50, fl, 512, 0, 0) + data
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(t), 1, 0, 64, 6, 0,
                    bytes([10, 0, 0, a]), bytes([10, 0, 0, b]))
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + b"\x08\x00" + h + t


def lane_states(dom):
    """The TCP state texts beside the ladder's lanes, in order (lane A first
    on each row); inferred ones marked with '~'."""
    return [("~" if "inf" in c else "") + t for c, t in
            re.findall(r'<text[^>]*class="(st[^"]*)"[^>]*>([^<]*)</text>', dom)]


def hints(dom):
    """The ladder's notes under the drawing (the page's script is in the DOM too)."""
    return " ".join(re.findall(r'<p class="hint">([^<]*)</p>', dom.split('<div id="lad">')[1]))


@case
def ladder_states_are_never_false():
    """A conversation whose handshake is not in the capture: its states are
    unknown (never CLOSED while data flows), those after its FINs are marked
    '?' (they assume ESTABLISHED when the capture began), a RST closes for
    sure. A whole connection: RFC 9293's states, the FIN's ACK before the
    FIN in one segment (FIN-WAIT-1 to TIME-WAIT, never FIN-WAIT-2 after a FIN
    came in); FINs that crossed take both sides through CLOSING to TIME-WAIT
    (as wirecat trace's tracker). tshark agrees where it says something: the mid-stream
    conversation is incomplete (no SYN in tcp.completeness)."""
    mid = [tcp_seg(1, 2, 1000, 5000, 0x18, b"0123456789"), tcp_seg(2, 1, 5000, 1010, 0x10),
           tcp_seg(2, 1, 5000, 1010, 0x18, b"abcde"), tcp_seg(1, 2, 1010, 5005, 0x11),
           tcp_seg(2, 1, 5005, 1011, 0x10), tcp_seg(2, 1, 5005, 1011, 0x11),
           tcp_seg(1, 2, 1011, 5006, 0x10)]
    rst = [tcp_seg(3, 4, 7000, 9000, 0x18, b"data"), tcp_seg(4, 3, 9000, 7004, 0x14)]
    whole = [tcp_seg(5, 6, 100, 0, 0x02), tcp_seg(6, 5, 300, 101, 0x12), tcp_seg(5, 6, 101, 301, 0x10),
             tcp_seg(5, 6, 101, 301, 0x18, b"hi"), tcp_seg(5, 6, 103, 301, 0x11),
             tcp_seg(6, 5, 301, 104, 0x11), tcp_seg(5, 6, 104, 302, 0x10)]
    # FINs that crossed: 8's FIN does not acknowledge 7's
    crossed = [tcp_seg(7, 8, 100, 0, 0x02), tcp_seg(8, 7, 300, 101, 0x12), tcp_seg(7, 8, 101, 301, 0x10),
               tcp_seg(7, 8, 101, 301, 0x11), tcp_seg(8, 7, 301, 101, 0x11),
               tcp_seg(7, 8, 102, 302, 0x10), tcp_seg(8, 7, 302, 102, 0x10)]
    with tempfile.TemporaryDirectory() as d:
        pcap = os.path.join(d, "mid.pcap")
        with open(pcap, "wb") as f:
            f.write(pcap_file(mid + rst + whole + crossed))
        html = page(pcap, d)
        dom, err = browse(html, "#p=1", shot=os.path.join(OUTDIR, "view-midstream.png"))
        no_console_errors(err)
        st = lane_states(dom)
        assert st == ["~unknown", "~unknown", "~FIN-WAIT-1?", "~CLOSE-WAIT?", "~FIN-WAIT-2?",
                      "~TIME-WAIT?", "~LAST-ACK?", "~CLOSED?"], st
        assert "began mid-connection" in hints(dom), "the ladder does not say why"
        dom, err = browse(html, "#p=8")
        no_console_errors(err)
        assert lane_states(dom) == ["~unknown", "~unknown", "~CLOSED", "~CLOSED"], lane_states(dom)
        dom, err = browse(html, "#p=10")
        no_console_errors(err)
        st = lane_states(dom)
        assert st == ["~SYN-SENT", "~SYN-RECEIVED", "~ESTABLISHED", "~ESTABLISHED", "~FIN-WAIT-1",
                      "~CLOSE-WAIT", "~TIME-WAIT", "~LAST-ACK", "~CLOSED"], st
        assert "began mid-connection" not in hints(dom) and "inferred" in hints(dom)
        dom, err = browse(html, "#p=17")
        no_console_errors(err)
        st = lane_states(dom)  # both through CLOSING to TIME-WAIT, never CLOSE-WAIT
        assert st == ["~SYN-SENT", "~SYN-RECEIVED", "~ESTABLISHED", "~ESTABLISHED", "~FIN-WAIT-1",
                      "~CLOSING", "~FIN-WAIT-1", "~TIME-WAIT", "~TIME-WAIT"], st
        if shutil.which("tshark"):
            p = subprocess.run(["tshark", "-r", pcap, "-T", "fields", "-e", "tcp.stream",
                                "-e", "tcp.completeness"], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, timeout=60 * SLOW)
            last = {}
            for line in p.stdout.decode().splitlines():
                s, c = line.split("\t")
                last[int(s)] = int(c)
            # bit 0: SYN seen, 1: SYN-ACK: none in the mid-stream ones, both in the whole
            assert last[0] & 3 == 0 and last[1] & 3 == 0 and last[2] & 3 == 3, last
            assert last[3] & 3 == 3, last


@case
def ladder_says_which_packets_the_table_leaves_out():
    """wc-tcp's conversation 127.0.0.1:40000-5005: the table (the --stats
    collector) counts 7 packets, as tshark -z conv,tcp leaves out a segment
    whose TCP header is invalid; the ladder draws all 8 and says so."""
    pcap = os.path.join(GOLDEN, "wc-tcp.pcap")
    with tempfile.TemporaryDirectory() as d:
        html = page(pcap, d)
        conv = embedded(html)["convs"]["convs"][0]
        assert conv["f_ab"] + conv["f_ba"] == 7, conv
        dom, err = browse(html, "#p=1")
    no_console_errors(err)
    title = re.search(r'<h2 id="ladtitle">([^<]*)</h2>', dom).group(1)
    assert "8 packets; 1 with a cut or invalid TCP header, which the conversation table " \
        "leaves out" in title, title
    assert len(re.findall(r'<line[^>]*class="arrow (ab|ba)"', dom)) == 8
    # Packet 7, a SYN into the connection 5005 had not closed (CLOSE-WAIT),
    # does not make it SYN-RECEIVED (RFC 5961: a challenge ACK); packet 6, whose
    # header is invalid, changes no state.
    assert lane_states(dom) == ["~SYN-SENT", "~SYN-RECEIVED", "~ESTABLISHED", "~ESTABLISHED",
                                "~FIN-WAIT-1", "~CLOSE-WAIT", "~SYN-SENT"], lane_states(dom)
    # The page's rows are by endpoints; tshark and read --stats count the
    # port pair used again (packet 7's SYN) as a second connection: it says so.
    note = re.search(r'<p id="convnote" class="hint">([^<]*)</p>', dom).group(1)
    assert "one per connection" in note, note


@case
def io_graph_is_the_c_cores_series():
    """The I/O graph's data is the C core's series (the code behind the
    server's /api/io), embedded in the page: the bars are its buckets. A
    filter runs in the page, so its series is counted in the page, on the
    same intervals (and says so in the title)."""
    frames = [ipv4(17, struct.pack("!HHHH", 5353, 53, 8, 0)) if i % 4 == 3 else
              ipv4(6, struct.pack("!HHIIBBHHH", 40000, 80, i, 1, 0x50, 0x10, 512, 0, 0))
              for i in range(40)]  # one a second
    with tempfile.TemporaryDirectory() as d:
        pcap = os.path.join(d, "io.pcap")
        with open(pcap, "wb") as f:
            f.write(pcap_file(frames))
        html = page(pcap, d)
        io = embedded(html).get("io")
        assert io and io["iv"] == 1 and io["pk"] == [1] * 40, io
        assert sum(io["by"]) == sum(len(f) for f in frames), io
        dom, err = browse(html, "#f=udp")
    no_console_errors(err)
    bars = [int(x) for x in re.findall(r'<rect[^>]*class="io"[^>]*data-n="(\d+)"', dom)]
    fbars = [int(x) for x in re.findall(r'<rect[^>]*class="iof"[^>]*data-n="(\d+)"', dom)]
    assert bars == io["pk"], bars
    assert fbars == [int(i % 4 == 3) for i in range(40)], fbars
    title = re.search(r'id="iotitle">([^<]*)<', dom).group(1)
    assert "packets per 1 s" in title and "counted in the page" in title, title


@case
def refuses_what_one_page_cannot_hold():
    rc, _, err = run(["view", "--html", "x.html", "--port", "8080", "/dev/null"])
    assert rc == 2 and b"--html" in err, err
    with tempfile.TemporaryDirectory() as d:
        big = os.path.join(d, "big.pcap")
        with open(big, "wb") as f:
            f.write(pcap_file([ipv4(17, struct.pack("!HHHH", 1, 2, 8, 0))] * 20001))
        out = os.path.join(d, "o.html")
        rc, _, err = run(["view", "--html", out, big], timeout=60)
        assert rc == 1 and b"20000 packets" in err and b"read -c" in err, (rc, err)
        assert not os.path.exists(out), "half-written page left behind"


main()
