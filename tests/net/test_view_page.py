# SPDX-License-Identifier: BSD-2-Clause
"""The page of `wirecat view` driven like a person drives it: Debian's
chromium, headless, through Debian's python3-selenium and chromium-driver
(real clicks and key presses, not URL fragments). Checked: a field of the
tree marks its bytes and a byte selects its field (the byte ranges come from
the C core, and are checked against the values the tree prints for every
golden capture without a browser); the keys Up/Down/PageUp/PageDown/Home/End
and Enter; the Info column without the addresses; the ladder's labels not
running into the state text; a trace's page (calls, notes and the tracer's
TCP states on the ladder); the phone layout at 390x844 and the dark scheme;
`trace --html` and `sniff --html`; and no console error. Screenshots go to
the build directory. Without chromium, chromium-driver or selenium the
browser cases are skipped, counted."""
import json
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile

# Debian's selenium is a package of Debian's python3: run under it when the
# python3 first on PATH does not have it.
try:
    import selenium  # noqa: F401
except ImportError:
    if os.access("/usr/bin/python3", os.X_OK) and sys.executable != "/usr/bin/python3" and \
            os.path.isdir("/usr/lib/python3/dist-packages/selenium"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)

import pktbuild
from pktbuild import csum
from wtest import case, main, run, Proc, Skip, SRC, SLOW, WIRECAT, need_root, wait_for

GOLDEN = os.path.join(SRC, "tests", "golden", "pcaps")
OUTDIR = os.environ.get("WIRE_BUILD", os.path.join(SRC, "build"))
LECTURE = os.path.join(SRC, "tests", "net", "lecture")
PY = "/usr/bin/python3" if os.access("/usr/bin/python3", os.X_OK) else sys.executable


class Browser:
    """Headless chromium through chromedriver, at w x h (mobile below 600)."""

    def __init__(self, w=1280, h=800, dark=False):
        try:
            from selenium import webdriver
            from selenium.webdriver.chrome.service import Service
        except ImportError:
            raise Skip("python3-selenium is not installed")
        exe = shutil.which("chromium") or shutil.which("chromium-browser")
        drv = shutil.which("chromedriver")
        if not exe or not drv:
            raise Skip("chromium or chromium-driver is not installed")
        o = webdriver.ChromeOptions()
        o.binary_location = exe
        for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,800"):
            o.add_argument(a)
        o.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.d = webdriver.Chrome(service=Service(drv), options=o)
        self.d.set_page_load_timeout(60 * SLOW)
        self.d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": w, "height": h, "deviceScaleFactor": 1, "mobile": w < 600})
        self.d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [
            {"name": "prefers-color-scheme", "value": "dark" if dark else "light"}]})

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.d.quit()

    def open(self, html):
        self.d.get("file://" + os.path.abspath(html))
        wait_for(lambda: self.js("return document.body.dataset.ready") is not None,
                 timeout=30 * SLOW, what="the page's script")

    def js(self, code, *args):
        return self.d.execute_script(code, *args)

    def css(self, sel):
        from selenium.webdriver.common.by import By
        return self.d.find_elements(By.CSS_SELECTOR, sel)

    def keys(self, *keys):
        from selenium.webdriver.common.action_chains import ActionChains
        ActionChains(self.d).send_keys(*keys).perform()

    def selected(self):
        return self.js('const r = document.querySelector("#pkts tr.sel"); return r ? Number(r.dataset.i) : -1')

    def marked(self):
        """The offsets of the marked bytes (hex side)."""
        return [int(e.get_attribute("data-o")) for e in self.css("#bytes span.hx.hl")]

    def shot(self, name):
        path = os.path.join(OUTDIR, name)
        self.d.save_screenshot(path)
        assert os.path.getsize(path) > 1000, path

    def no_console_errors(self):
        logs = self.d.get_log("browser")
        bad = [e for e in logs if e.get("level") == "SEVERE"]
        assert not bad, bad


def page(src, d, name="page.html"):
    out = os.path.join(d, name)
    rc, _, err = run(["view", "--html", out, src], timeout=60)
    assert rc == 0, err
    return out


def embedded(html):
    text = open(html, encoding="ascii").read()
    m = re.search(r'<script type="application/json" id="wc-data">(.*?)</script>', text, re.S)
    return json.loads(m.group(1))


# Fields the tree prints as a plain number that is the bytes' value.
NUMERIC = {"Source port", "Dest port", "Sequence number", "Ack number", "Window",
           "Urgent pointer", "Total length", "TTL", "Questions", "Answer RRs", "Authority RRs",
           "Additional RRs", "Hop limit", "Payload length", "Identifier", "Sequence"}


@case
def field_ranges_from_the_core_hold_what_the_tree_prints():
    """No browser: for every golden capture, every field range of the page
    names a line of its layer's tree section, and the numeric fields' bytes
    are the numbers the tree prints (so the offsets are right)."""
    names = sorted(f for f in os.listdir(GOLDEN) if f.endswith((".pcap", ".pcapng")))
    checked = 0
    with tempfile.TemporaryDirectory() as d:
        for name in names:
            rc, _, _ = run(["read", "-c", "1", os.path.join(GOLDEN, name)])
            if rc != 0:
                continue
            data = embedded(page(os.path.join(GOLDEN, name), d))
            for p in data["packets"]:
                secs = re.split(r"^\*+_.+_\*+$", p["tree"], flags=re.M)[1:]
                raw = bytes.fromhex(p["hex"])
                assert len(p["fo"]) <= len(secs), (name, p["n"])
                for k, lay in enumerate(p["fo"]):
                    # The layer's kind table moved to its start, then the rest.
                    kind, base = lay[0], lay[1]
                    table = data["ft"][kind] if kind >= 0 else []
                    fields = [[f[0], base + f[1], f[2]] for f in table] + lay[2:]
                    lines = dict(re.findall(r"^([A-Za-z][A-Za-z #/-]*):\s+(.*)$", secs[k], re.M))
                    for label, off, n in fields:
                        if label not in lines:
                            continue  # a field a cut layer does not print
                        val = lines[label]
                        if label in NUMERIC and 0 < n <= 4 and off + n <= len(raw) \
                                and re.fullmatch(r"\d+", val) and label != "Payload length":
                            assert int.from_bytes(raw[off:off + n], "big") == int(val), \
                                (name, p["n"], label, off, n, val)
                            checked += 1
                    printed = set(re.findall(r"^([A-Za-z][A-Za-z #/-]*):", secs[k], re.M))
                    named = {f[0] for f in fields}
                    printed -= {"Truncated", "Invalid", "Note"}  # a cut layer's lines
                    assert named & printed or not fields or not printed, (name, p["n"], k, named, printed)
    assert checked > 500, checked


@case
def a_field_marks_its_bytes_and_a_byte_selects_its_field():
    pcap = os.path.join(GOLDEN, "wc-tcp.pcap")
    with tempfile.TemporaryDirectory() as d, Browser() as b:
        b.open(page(pcap, d))
        b.css("#pkts tbody tr")[3].click()  # packet 4: Ethernet, IPv4, TCP with options
        assert b.selected() == 3
        line = [e for e in b.css("#tree div.fld") if e.text.startswith("Dest port:")][0]
        line.click()
        assert b.marked() == [36, 37], b.marked()
        assert "hl" in line.get_attribute("class")
        # A byte of the IPv4 source address selects that field, in its layer.
        b.css('#bytes span.hx[data-o="27"]')[0].click()
        hl = b.css("#tree div.f.hl")
        assert len(hl) == 1 and hl[0].text.startswith("Source IP:"), [e.text for e in hl]
        assert b.js("return arguments[0].closest('details').querySelector('summary').textContent", hl[0]) == "IP HEADER"
        assert b.marked() == [26, 27, 28, 29], b.marked()
        # The ASCII side too; a byte in the TCP options selects its option.
        b.css('#bytes span.as[data-o="58"]')[0].click()
        hl = b.css("#tree div.f.hl")
        assert len(hl) == 1 and hl[0].text.startswith("Option:") and "sack" in hl[0].text, [e.text for e in hl]
        assert b.marked() == list(range(56, 74)), b.marked()
        # A layer's title still marks the whole layer.
        b.css("#tree details summary")[1].click()
        assert b.marked() == list(range(14, 34)), b.marked()
        b.shot("view-fields.png")
        b.no_console_errors()


@case
def keys_move_the_selection_and_enter_opens_it():
    pcap = os.path.join(GOLDEN, "wc-tcp.pcap")
    from selenium.webdriver.common.keys import Keys
    with tempfile.TemporaryDirectory() as d, Browser() as b:
        b.open(page(pcap, d))
        b.css("#pkts tbody tr")[0].click()
        assert b.selected() == 0
        b.keys(Keys.ARROW_DOWN, Keys.ARROW_DOWN, Keys.ARROW_DOWN)
        assert b.selected() == 3, b.selected()
        b.keys(Keys.ARROW_UP)
        assert b.selected() == 2
        b.keys(Keys.END)
        assert b.selected() == 8, b.selected()
        b.keys(Keys.HOME)
        assert b.selected() == 0
        b.keys(Keys.PAGE_DOWN)
        assert b.selected() == 8, b.selected()  # 9 rows fit in the list: the last
        b.keys(Keys.PAGE_UP)
        assert b.selected() == 0
        b.keys(Keys.ARROW_DOWN, Keys.ARROW_DOWN, Keys.ARROW_DOWN, Keys.ENTER)
        assert b.js("return document.body.dataset.opened") == "4"
        assert "TCP conversation" in b.css("#ladtitle")[0].text
        assert b.js('return document.querySelector("#lad g.sel").dataset.i') == "3"
        # Keys typed in the filter box stay there.
        box = b.css("#filter")[0]
        box.click()
        box.send_keys("tcp", Keys.ARROW_DOWN)
        assert b.selected() == 3
        b.no_console_errors()


@case
def long_lists_page_with_the_keys():
    frames = [eth_ip_tcp(40000, 80, i, 1, 0x10) for i in range(6000)]
    with tempfile.TemporaryDirectory() as d, Browser() as b:
        pcap = os.path.join(d, "long.pcap")
        with open(pcap, "wb") as f:
            f.write(pcap_file(frames))
        from selenium.webdriver.common.keys import Keys
        b.open(page(pcap, d))
        b.css("#pkts tbody tr[data-i]")[0].click()
        b.keys(Keys.END)
        assert b.selected() == 5999, b.selected()
        b.keys(Keys.PAGE_UP)
        k = b.selected()
        assert 5900 < k < 5999, k
        b.keys(Keys.HOME)
        assert b.selected() == 0
        b.no_console_errors()


def eth_ip_udp(sp, dp, data=b""):
    u = struct.pack("!HHHH", sp, dp, 8 + len(data), 0) + data  # checksum 0: none
    lo = bytes([127, 0, 0, 1])
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(u), 1, 0x4000, 64, 17, 0, lo, lo)
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return b"\0" * 12 + b"\x08\x00" + h + u


def serve(pcap, env=None):
    """`wirecat view FILE` and its URL."""
    p = Proc(["view", pcap], env=env)
    wait_for(lambda: b"\n" in p.out or p.p.poll() is not None, 10 * SLOW, "the URL line")
    url = bytes(p.out).decode().strip()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", url), (url, p.stderr_text())
    return p, url


@case
def the_server_page_keys_fields_bytes_and_hierarchy():
    """The served page (virtual list, rows from /api): the keys move the
    selection past the rows fetched, a field marks its bytes and a byte
    selects its field (ranges from /api/packet), Enter opens the row, and a
    protocol hierarchy row filters by its protocol and graphs it."""
    from selenium.webdriver.common.keys import Keys
    frames = [eth_ip_udp(5353, 53, b"q%d" % i) if i % 10 == 9 else
              eth_ip_tcp(40000, 80, i, 1, 0x18, b"x") for i in range(6000)]
    with tempfile.TemporaryDirectory() as d, Browser() as b:
        pcap = os.path.join(d, "srv.pcap")
        with open(pcap, "wb") as f:
            f.write(pcap_file(frames))
        srv, url = serve(pcap)
        with srv:
            b.d.get(url)
            wait_for(lambda: b.js("return document.body.dataset.sel") == "1", 30, "packet 1's detail")
            wait_for(lambda: b.selected() == 0, 10, "row 1 selected")
            b.css('#pkts tbody tr[data-i="0"]')[0].click()
            b.keys(Keys.ARROW_DOWN, Keys.ARROW_DOWN, Keys.ARROW_DOWN)
            wait_for(lambda: b.selected() == 3, 10, "row 4 after three Down keys")
            b.keys(Keys.ARROW_UP)
            wait_for(lambda: b.selected() == 2, 10, "row 3 after Up")
            b.keys(Keys.END)
            wait_for(lambda: b.selected() == 5999, 30, "the last row after End")
            b.keys(Keys.PAGE_UP)
            wait_for(lambda: 5900 < b.selected() < 5999, 30, "a screenful up after PageUp")
            b.keys(Keys.HOME)
            wait_for(lambda: b.selected() == 0, 30, "row 1 after Home")
            b.keys(Keys.PAGE_DOWN)
            wait_for(lambda: b.selected() > 5, 30, "a screenful down after PageDown")
            b.keys(Keys.HOME)
            wait_for(lambda: b.js("return document.body.dataset.sel") == "1", 30, "packet 1 again")
            # Fields and bytes: packet 1 is Ethernet, IPv4, TCP.
            port = wait_for(lambda: [e for e in b.css("#tree div.fld") if e.text.startswith("Dest port:")],
                            10, "the Dest port field")[0]
            port.click()
            assert b.marked() == [36, 37], b.marked()
            b.css('#bytes span.hx[data-o="27"]')[0].click()
            hl = b.css("#tree div.f.hl")
            assert len(hl) == 1 and hl[0].text.startswith("Source IP:"), [e.text for e in hl]
            assert b.marked() == [26, 27, 28, 29], b.marked()
            b.keys(Keys.ENTER)
            wait_for(lambda: b.js("return document.body.dataset.opened") == "1", 10, "Enter opening row 1")
            wait_for(lambda: "TCP conversation" in b.css("#ladtitle")[0].text, 30, "the ladder")
            # The hierarchy (the server's --stats data): its udp row filters.
            udp = wait_for(lambda: [r for r in b.css("#hier tbody tr")
                                    if r.find_elements("css selector", "td") and
                                    r.find_elements("css selector", "td")[0].text == "udp"],
                           60, "the hierarchy's udp row")[0]
            udp.click()
            assert b.css("#filter")[0].get_attribute("value") == "udp"
            wait_for(lambda: b.css("#count")[0].text.startswith("600 matching"), 60,
                     "600 UDP matches: " + b.css("#count")[0].text)
            wait_for(lambda: b.css("#iosvg rect.iof"), 60, "the filter's I/O series")
            assert "udp" in b.css("#iotitle")[0].text
            wait_for(lambda: b.selected() == 9, 30, "the first UDP packet (10) selected")
            b.keys(Keys.ARROW_DOWN)
            wait_for(lambda: b.selected() == 19, 30, "the next match (20) after Down")
            b.no_console_errors()
            assert srv.p.poll() is None
            srv.p.send_signal(signal.SIGTERM)
            assert srv.p.wait(timeout=10 * SLOW) == 0


@case
def info_column_and_ladder_labels_are_readable():
    """The Info column starts with the ports and flags (the addresses are in
    their own columns); no arrow label runs into a lane's state text."""
    pcap = os.path.join(GOLDEN, "wc-tcp.pcap")
    with tempfile.TemporaryDirectory() as d, Browser() as b:
        b.open(page(pcap, d))
        info = [r.find_elements("css selector", "td")[6] for r in b.css("#pkts tbody tr")]
        assert info[3].text.startswith("40000 \u2192 5005 Flags [.], ack 1, win 512"), info[3].text
        assert info[3].get_attribute("title").startswith("IP 127.0.0.1.40000 > 127.0.0.1.5005:")
        assert not any(t.text.startswith("IP ") for t in info[:4]), [t.text for t in info]
        b.css("#pkts tbody tr")[5].click()  # the RST whose TCP header is invalid
        hits = b.js("""
          const out = [], boxes = [...document.querySelectorAll('#lad text')].map((t) => [t, t.getBoundingClientRect()]);
          for (const [t, r] of boxes) for (const [u, s] of boxes) {
            if (t === u || !t.classList.contains('st') || u.classList.contains('st')) continue;
            if (s.x < r.x + r.width && r.x < s.x + s.width && s.y < r.y + r.height && r.y < s.y + s.height)
              out.push(t.textContent + ' / ' + u.textContent);
          }
          return out;""")
        assert not hits, hits
        assert any("header cut or invalid" in t.text for t in b.css("#lad text.note"))
        b.shot("view-wc-tcp-ladder.png")
        b.no_console_errors()



def eth_ip_tcp(sp, dp, seq, ack, fl, data=b""):
    t = struct.pack("!HHIIBBHHH", sp, dp, seq, ack, 0x50, fl, 65483, 0, 0) + data
    lo = bytes([127, 0, 0, 1])
    t = t[:16] + struct.pack("!H", csum(lo + lo + struct.pack("!BBH", 0, 6, len(t)) + t)) + t[18:]
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(t), 1, 0x4000, 64, 6, 0, lo, lo)
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return b"\0" * 12 + b"\x08\x00" + h + t


def pcap_file(frames):
    return pktbuild.pcap(((1700000000, i, f) for i, f in enumerate(frames)), snaplen=65535)


def trace_ndjson(d):
    """A trace of the lecture's echo client in the NDJSON format of
    `trace --json` with packets (written by hand: the calls, the packets
    with their fields as `read --json` prints them and their bytes, the
    notes, the tracer's states in the summaries and notes)."""
    C, S = 54880, 5005
    frames = [
        ("out", eth_ip_tcp(C, S, 1000, 0, 0x02), "connect(3, 127.0.0.1:5005) = 0", "SYN  [state: SYN_SENT]"),
        ("in", eth_ip_tcp(S, C, 5000, 1001, 0x12), None, "SYN-ACK"),
        ("out", eth_ip_tcp(C, S, 1001, 5001, 0x10), None, "ACK"),
        ("out", eth_ip_tcp(C, S, 1001, 5001, 0x18, b"hello\n"), 'send(3, 6) = 6 "hello\\n"', "[P.] seq 1:7 len 6"),
        ("in", eth_ip_tcp(S, C, 5001, 1007, 0x10), None, "ACK"),
        ("in", eth_ip_tcp(S, C, 5001, 1007, 0x18, b"hello\n"), None, "[P.] seq 1:7 len 6"),
        ("out", eth_ip_tcp(C, S, 1007, 5007, 0x11), "close(3) = 0", "FIN  [state: FIN_WAIT1]"),
        ("in", eth_ip_tcp(S, C, 5007, 1008, 0x14), None, "RST  [state: CLOSED]"),
    ]
    pcap = os.path.join(d, "t.pcap")
    with open(pcap, "wb") as f:
        f.write(pcap_file([x[1] for x in frames]))
    rc, out, err = run(["read", "--json", pcap])
    assert rc == 0, err
    fields = [json.loads(x) for x in out.decode().splitlines()]
    T = 1700000000.0
    who = dict(pid=7, tid=7, comm="python3")
    ev = [dict(time=T, event="start", **who, argv="python3 tcp_echo_client.py 5005 hello"),
          dict(time=T + 1e-4, event="call", **who, call="socket", ret=3, duration_us=20,
               text="socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, 0) = 3")]
    before = {0: ("connect", 0, "connect(3, 127.0.0.1:5005) = 0"),
              3: ("sendto", 6, 'send(3, 6) = 6 "hello\\n"'), 6: ("close", 0, "close(3) = 0")}
    for k, (dr, fr, cause, summ) in enumerate(frames):
        t = T + 0.001 * (k + 1)
        if k in before:
            c = before[k]
            ev.append(dict(time=t - 2e-4, event="call", **who, call=c[0], ret=c[1], duration_us=30, text=c[2]))
        p = dict(time=t, event="packet", frame=k + 1, dir=dr, iface="lo", pid=7, comm="python3", fd=3)
        if cause:
            p["cause"] = cause
        p.update(summary=summ, fields=fields[k], hex=fr.hex())
        ev.append(p)
        if k == 2:
            ev.append(dict(time=t, event="note", pid=7, comm="python3", frame=3,
                           text="connected in 0.1 ms [state: ESTABLISHED]"))
        if k == 5:
            ev.append(dict(time=t + 1e-4, event="call", **who, call="recvfrom", ret=6, duration_us=30,
                           text='recv(3, 20) = 6 "hello\\n"'))
        if k == 7:
            ev.append(dict(time=t, event="note", pid=7, comm="python3", frame=8,
                           text="RST: the peer reset the connection <b>now</b>"))
    ev.append(dict(time=T + 0.02, event="exit", **who, status=0))
    ev.append(dict(time=T + 0.03, event="packet", frame=9, dir="in", hex="zz<script>", summary="x"))
    path = os.path.join(d, "trace.ndjson")
    with open(path, "w") as f:
        f.write("\n".join(json.dumps(e, separators=(",", ":")) for e in ev) + "\n")
        f.write('{"time":1,"event":"packet","hex":"' + "41" * 140000 + '"}\n')  # too long a line
    return path


@case
def a_trace_page_draws_calls_packets_and_notes_on_the_ladder():
    with tempfile.TemporaryDirectory() as d, Browser() as b:
        html = page(trace_ndjson(d), d)
        data = embedded(html)
        assert len(data["packets"]) == 9 and [p["ev"] for p in data["packets"]][:2] == [3, 4]
        assert sum(data["io"]["pk"]) == 9, data["io"]  # the I/O graph's series, made in C
        b.open(html)
        n = len(open(os.path.join(d, "trace.ndjson")).read().splitlines())
        assert b.js("return document.body.dataset.ready") == str(n)
        assert "more than the page takes" in b.css("#pkts tbody tr")[n - 1].text  # the long line
        assert b.selected() == 3  # the first packet of a conversation
        assert "TCP HEADER" in b.css("#tree")[0].text  # its bytes dissected by the core
        rows = b.js("""return [...document.querySelectorAll('#lad g[data-i]')].map((g) =>
            g.classList.contains('call') ? 'call ' + g.querySelector('text.call').textContent
            : g.querySelector('line.arrow') ? 'pkt ' + g.querySelector('line.arrow').classList[1]
            : 'note ' + [...g.querySelectorAll('text.note')].map((t) => t.textContent).join(' '));""")
        want = ["call socket(", "call connect(3", "pkt ab", "pkt ba", "pkt ab", "note connected in",
                "call send(3, 6)", "pkt ab", "pkt ba", "pkt ba", "call recv(3, 20)", "call close(3)",
                "pkt ab", "pkt ba", "note RST: the peer reset"]
        assert len(rows) == len(want) and all(r.startswith(w) for r, w in zip(rows, want)), rows
        # The program's states come from the tracer (plain), the peer's are
        # inferred from the segments (in italics).
        st = b.js("""return [...document.querySelectorAll('#lad text.st')].map((t) =>
            (t.classList.contains('inf') ? '~' : '') + t.textContent);""")
        # (RFC 9293: a SYN received in LISTEN makes SYN-RECEIVED at once).
        # Both in RFC 9293's spelling: the tracer's SYN_SENT, FIN_WAIT1 too.
        assert st == ["SYN-SENT", "~SYN-RECEIVED", "ESTABLISHED", "~ESTABLISHED", "FIN-WAIT-1",
                      "~CLOSE-WAIT", "CLOSED", "~CLOSED"], st
        assert "(program)" in b.css("#lad text.ep")[0].text
        assert b.js("return document.querySelectorAll('#lad b, img, #lad script').length") == 0
        # A call row in the list opens its socket's ladder with the call marked.
        [r for r in b.css("#pkts tbody tr") if "send(3, 6)" in r.text][0].click()
        assert b.js('return document.querySelector("#lad g.sel text.call").textContent').startswith("send(3")
        # The conversations (the socket's) and the packets' protocol hierarchy.
        assert len(b.css("#conv tbody tr")) >= 1
        hier = data.get("hier") or {}
        ntcp = sum("tcp" in p["ls"].split(",") for p in data["packets"])
        assert hier.get("frames") == 9 and any(h[0].endswith("tcp") and h[2] == ntcp for h in hier["paths"]), hier
        assert "tcp" in [r.text.split(" ")[0] for r in b.css("#hier tbody tr")], [r.text for r in b.css("#hier tbody tr")]
        b.shot("view-trace.png")
        b.no_console_errors()


@case
def a_hierarchy_row_filters_the_page_and_graphs_it():
    """--html page: a protocol hierarchy row (the --stats data made in C)
    sets the filter; the list and the I/O graph's second series follow."""
    frames = [eth_ip_udp(5353, 53, b"q") if i % 4 == 3 else eth_ip_tcp(40000, 80, i, 1, 0x18, b"x")
              for i in range(40)]
    with tempfile.TemporaryDirectory() as d, Browser() as b:
        pcap = os.path.join(d, "mix.pcap")
        with open(pcap, "wb") as f:
            f.write(pcap_file(frames))
        html = page(pcap, d)
        hier = embedded(html)["hier"]
        assert hier["frames"] == 40, hier
        b.open(html)
        assert b.css("#iosvg rect.io") and not b.css("#iosvg rect.iof")
        rows = {r.find_elements("css selector", "td")[0].text: r for r in b.css("#hier tbody tr")}
        assert {"eth", "ip", "tcp", "udp"} <= set(rows), list(rows)
        assert rows["udp"].find_elements("css selector", "td")[1].text == "10"
        rows["udp"].click()
        assert b.css("#filter")[0].get_attribute("value") == "udp"
        assert len(b.css("#pkts tbody tr[data-i]")) == 10
        iof = b.css("#iosvg rect.iof")
        assert iof and sum(int(r.get_attribute("data-n")) for r in iof) == 10
        assert sum(int(r.get_attribute("data-n")) for r in b.css("#iosvg rect.io")) == 40
        assert "matching the filter: udp" in b.css("#iotitle")[0].text
        b.no_console_errors()


SRCS = [2, 10, 1, 100, 20, 3]


def eth_udp_from(src, data, v6=False):
    """UDP from 10.0.0.SRC (or 2001:db8::SRC) to .2 (checksum 0)."""
    u = struct.pack("!HHHH", 1000 + src, 53, 8 + len(data), 0) + data
    if v6:
        a = bytes.fromhex("20010db8" + "00" * 11)
        h = struct.pack("!IHBB16s16s", 0x60000000, len(u), 17, 64, a + bytes([src]), a + b"\x02")
        return b"\0" * 12 + b"\x86\xdd" + h + u
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(u), 1, 0, 64, 17, 0,
                    bytes([10, 0, 0, src]), bytes([10, 0, 0, 2]))
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return b"\0" * 12 + b"\x08\x00" + h + u


def sort_capture(path, n=300):
    with open(path, "wb") as f:
        f.write(pcap_file([eth_udp_from(i % 3 + 1 if i % 5 == 4 else SRCS[i % 6],
                                        b"x" * ((i * 37) % 61), v6=i % 5 == 4)
                           for i in range(n)]))


def column(b, k):
    return b.js('return [...document.querySelectorAll("#pkts tbody tr[data-i]")]'
                '.map((r) => r.children[%d].textContent)' % k)


def address_order(srcs):
    """10.0.0.2 before 10.0.0.10, 10.0.0.20 before 10.0.0.100, IPv4 before IPv6."""
    last = lambda a: len(srcs) - 1 - srcs[::-1].index(a)
    assert last("10.0.0.2") < srcs.index("10.0.0.10"), srcs
    assert last("10.0.0.20") < srcs.index("10.0.0.100"), srcs
    assert last("10.0.0.100") < srcs.index("2001:db8::1") and last("2001:db8::1") < srcs.index("2001:db8::2"), srcs


@case
def a_heading_click_sorts_the_served_list_and_the_html_page():
    """The served page: a click on Length sorts the list by the server's sort
    (the count says so), a second click reverses it, Source sorts addresses
    by their bytes; past the server's limit (lowered here) the sort is
    refused with the reason and the list stays in file order. The --html
    page's Source sorts the same way (10.0.0.2 before 10.0.0.10)."""
    with tempfile.TemporaryDirectory() as d, Browser() as b:
        pcap = os.path.join(d, "sort.pcap")
        sort_capture(pcap)
        srv, url = serve(pcap)
        with srv:
            b.d.get(url)
            wait_for(lambda: b.js("return document.body.dataset.sel") == "1", 30, "packet 1's detail")
            lens0 = [int(x) for x in column(b, 5)]
            assert lens0 != sorted(lens0)
            b.css('#pkts th[data-k="len"]')[0].click()
            wait_for(lambda: b.js("return document.body.dataset.sorted") == "len", 30, "sorted by length")
            wait_for(lambda: len(column(b, 5)) > 20, 30, "the sorted rows")
            lens = [int(x) for x in column(b, 5)]
            assert lens == sorted(lens) and lens[0] == 42, lens
            assert "sorted by Length" in b.css("#count")[0].text, b.css("#count")[0].text
            assert "up" in b.css('#pkts th[data-k="len"]')[0].get_attribute("class")
            b.css('#pkts th[data-k="len"]')[0].click()
            wait_for(lambda: b.js("return document.body.dataset.sorted") == "len desc", 30, "descending")
            wait_for(lambda: len(column(b, 5)) > 20, 30, "the sorted rows")
            lens = [int(x) for x in column(b, 5)]
            assert lens == sorted(lens, reverse=True) and lens[0] == 14 + 40 + 8 + 60, lens  # the longest: IPv6
            b.css('#pkts th[data-k="src"]')[0].click()
            wait_for(lambda: b.js("return document.body.dataset.sorted") == "src", 30, "sorted by source")
            srcs = []
            for k in range(40):  # scroll through the virtual list: every row once
                wait_for(lambda: not b.css("#pkts tbody tr.ld"), 30, "rows loaded")
                got = b.js('return [...document.querySelectorAll("#pkts tbody tr[data-k]")]'
                           '.map((r) => [Number(r.dataset.k), r.children[2].textContent])')
                byk = dict((kk, a) for kk, a in got)
                while len(srcs) in byk:
                    srcs.append(byk[len(srcs)])
                if len(srcs) >= 300:
                    break
                b.js('document.getElementById("list").scrollTop += document.getElementById("list").clientHeight')
            assert len(srcs) == 300, len(srcs)
            address_order(srcs)
            b.no_console_errors()
            b.d.get("about:blank")
        env = dict(os.environ, WIRECAT_VIEW_SORT_MAX="100")
        srv, url = serve(pcap, env=env)
        with srv:
            b.d.get(url)
            wait_for(lambda: b.js("return document.body.dataset.sel") == "1", 30, "packet 1's detail")
            b.css('#pkts th[data-k="len"]')[0].click()
            wait_for(lambda: b.js("return document.body.dataset.sorted") == "refused", 30, "the refusal")
            assert "Not sorted" in b.css("#ferr")[0].text and "limit of 100" in b.css("#ferr")[0].text
            wait_for(lambda: len(column(b, 5)) > 20, 30, "the rows in file order")
            assert [int(x) for x in column(b, 5)][:20] == lens0[:20]
            assert "(file order)" in b.css("#count")[0].text
            b.no_console_errors()
            b.d.get("about:blank")  # before the server stops: no request left to fail
        b.d.get_log("browser")
        b.open(page(pcap, d))
        b.css('#pkts th[data-k="src"]')[0].click()
        address_order(column(b, 2))
        b.css('#pkts th[data-k="len"]')[0].click()
        b.css('#pkts th[data-k="len"]')[0].click()
        rows = b.js('return [...document.querySelectorAll("#pkts tbody tr[data-i]")]'
                    '.map((r) => [Number(r.children[5].textContent), Number(r.children[0].textContent)])')
        assert rows == sorted(rows, key=lambda r: (-r[0], r[1])), rows[:10]  # ties by number
        b.no_console_errors()


@case
def phone_layout_and_dark_scheme():
    pcap = os.path.join(GOLDEN, "wc-tcp.pcap")
    with tempfile.TemporaryDirectory() as d:
        html = page(pcap, d)
        tr = page(trace_ndjson(d), d, "trace.html")
        for dark in (False, True):
            with Browser(390, 844, dark) as b:
                for h, name in ((html, "wc-tcp"), (tr, "trace")):
                    b.open(h)
                    sw, cw = b.js("return [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
                    assert cw == 390 and sw <= cw, (sw, cw)
                    r = {k: b.js("return document.getElementById(arguments[0]).getBoundingClientRect().toJSON()", k)
                         for k in ("list", "detail", "convs", "ladder")}
                    assert r["list"]["bottom"] <= r["detail"]["top"] + 1, r  # stacked
                    assert all(v["width"] <= 390 for v in r.values()), r
                    assert b.js("return window.scrollY") == 0  # the page opens at its top
                    b.shot("view-%s-390x844%s.png" % (name, "-dark" if dark else ""))
                    b.no_console_errors()
            with Browser(1280, 800, dark) as b:
                b.open(html)
                fg, bg = b.js("const s = getComputedStyle(document.body); return [s.color, s.backgroundColor]")
                assert contrast(fg, bg) >= 7, (fg, bg)
                assert (luminance(bg) < 0.1) == dark, bg
                sel = b.js("return getComputedStyle(document.querySelector('#pkts tr.sel')).backgroundColor")
                assert contrast(fg, sel) >= 4.5, (fg, sel)
                b.shot("view-wc-tcp-1280x800%s.png" % ("-dark" if dark else ""))
                b.no_console_errors()


def luminance(css):
    c = [int(x) / 255 for x in re.findall(r"\d+", css)[:3]]
    c = [x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4 for x in c]
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]


def contrast(a, b):
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def echo_server():
    srv = Proc([PY, os.path.join(LECTURE, "tcp_echo_server.py")], wirecat=False)
    m = None
    wait_for(lambda: re.search(rb"listening on (\d+)", srv.stdout_bytes()), timeout=10 * SLOW,
             what="the echo server")
    m = re.search(rb"listening on (\d+)", srv.stdout_bytes())
    return srv, int(m.group(1))


@case
def trace_html_writes_the_page_of_the_run():
    with tempfile.TemporaryDirectory() as d, Browser() as b:
        srv, port = echo_server()
        with srv:
            out = os.path.join(d, "run.html")
            p = subprocess.run([WIRECAT, "trace", "--html", out, "--", PY,
                                os.path.join(LECTURE, "tcp_echo_client.py"), str(port), "hello"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60 * SLOW)
            if p.returncode != 0 and b"ptrace" in p.stderr.lower():
                raise Skip("ptrace is not allowed here")
            assert p.returncode == 0 and p.stdout == b"reply: hello\n", (p.returncode, p.stderr)
            assert b"the page is " + out.encode() in p.stderr, p.stderr
            srv.wait(20)
        b.open(out)
        text = b.css("#pkts")[0].text
        for call in ("socket(AF_INET", "connect(", "send(", "recv(", "close("):
            assert call in text, (call, text)
        # The ladder of its socket: the calls in order on the program's lane
        # (and, when the trace holds packets, the arrows between them).
        calls = b.js("return [...document.querySelectorAll('#lad g.call text.call')].map((t) => t.textContent)")
        want = ["socket(", "connect(", "send(", "recv(", "close("]
        assert [c for c in calls if c.startswith(tuple(want))] and \
            [w for w in want if any(c.startswith(w) for c in calls)] == want, calls
        assert re.search(r"127\.0\.0\.1:%d" % port, b.css("#ladder")[0].text), b.css("#ladder")[0].text
        rows = b.js("""return [...document.querySelectorAll('#lad g[data-i]')].map((g) =>
            g.querySelector('line.arrow') ? g.querySelector('text').nextSibling.nextSibling.textContent
            : (g.querySelector('text.call') || g.querySelector('text.note')).textContent);""")
        if b.js("return document.querySelectorAll('#lad line.arrow').length"):  # packets in the trace
            at = lambda w: next(i for i, r in enumerate(rows) if r.startswith(w))
            assert at("connect(") < at("[SYN]") < at("[SYN,ACK]") < at("send(") < at("[ACK,PSH]"), rows
            last = max(i for i, r in enumerate(rows) if r.startswith("[ACK,FIN]"))
            assert at("[ACK,PSH]") < at("recv(") < at("close(") < last, rows  # the client's FIN
        st = check_ladder_states(b, [json.loads(e) for e in embedded(out)["events"]])
        assert os.geteuid() != 0 or [t for inf, t in st if not inf][:1] == ["SYN-SENT"], st
        b.no_console_errors()
    rc, _, err = run(["trace", "--html", "x.html", "-o", "y", "--", "true"])
    assert rc == 2 and b"--html" in err, (rc, err)


# The TCP states as RFC 9293 names them, the spelling of every state the
# ladder draws, and the kernel's names (netstat's) that the tracer's
# timeline and its "[state: X]" use.
RFC9293 = {"CLOSED", "LISTEN", "SYN-SENT", "SYN-RECEIVED", "ESTABLISHED", "FIN-WAIT-1",
           "FIN-WAIT-2", "CLOSING", "TIME-WAIT", "CLOSE-WAIT", "LAST-ACK"}
KERNEL = {"SYN_SENT": "SYN-SENT", "SYN_RECV": "SYN-RECEIVED", "FIN_WAIT1": "FIN-WAIT-1",
          "FIN_WAIT2": "FIN-WAIT-2", "TIME_WAIT": "TIME-WAIT", "CLOSE_WAIT": "CLOSE-WAIT",
          "LAST_ACK": "LAST-ACK"}


def tracer_states(events):
    """The states the tracer gave the program's socket, in order, each once
    where it changes: a packet's "[state: X]", in its summary or in a note
    on its frame."""
    out = []
    for e in events:
        if e.get("event") != "packet":
            continue
        texts = [e.get("summary", "")] + [n.get("text", "") for n in events
                                          if n.get("event") == "note" and n.get("frame") == e.get("frame")]
        m = next(filter(None, (re.search(r"\[state: ([^\]]+)\]", str(t)) for t in texts)), None)
        if m and (not out or out[-1] != m.group(1)):
            out.append(m.group(1))
    return out


def check_ladder_states(b, events):
    """Every TCP state on the ladder, the program's (from the tracer) and
    the peer's (inferred, in italics), is spelled as RFC 9293 does; the
    program's are the tracer's states, renamed only; no note, title or
    legend of the ladder uses the kernel's names."""
    st = b.js("""return [...document.querySelectorAll('#lad text.st')].map((t) =>
        [t.classList.contains('inf'), t.textContent]);""")
    bad = [t for _, t in st if t != "unknown" and t.rstrip("?") not in RFC9293]
    assert not bad, st
    want = [KERNEL.get(s, s) for s in tracer_states(events)]
    assert [t for inf, t in st if not inf] == want, (st, want)
    kern = re.findall(r"\b(?:%s)\b" % "|".join(KERNEL), b.css("#ladder")[0].text)
    assert not kern, (kern, b.css("#ladder")[0].text)
    return st


@case
def trace_html_of_the_lecture_echo_server():
    """`trace --html` of the lecture's TCP echo server (one recv(20), echoed)
    with the lecture's client talking to it: the server's lane carries its
    calls in order (socket, bind, listen, accept, recv, send, close), the
    ladder one arrow per packet of the trace in the trace's order, each the
    way the trace says it went (in: towards the server)."""
    with tempfile.TemporaryDirectory() as d, Browser() as b:
        out = os.path.join(d, "server.html")
        tr = Proc(["trace", "--html", out, "--", PY, os.path.join(LECTURE, "tcp_echo_server.py")])
        with tr:
            try:
                wait_for(lambda: re.search(rb"listening on (\d+)", bytes(tr.out)) or tr.p.poll() is not None,
                         timeout=20 * SLOW, what="the traced echo server")
            except AssertionError:
                tr.kill()
                raise
            m = re.search(rb"listening on (\d+)", bytes(tr.out))
            if not m and b"ptrace" in bytes(tr.err).lower():
                raise Skip("ptrace is not allowed here")
            assert m, tr.stderr_text()
            port = int(m.group(1))
            c = subprocess.run([PY, os.path.join(LECTURE, "tcp_echo_client.py"), str(port), "hello"],
                               stdout=subprocess.PIPE, timeout=30 * SLOW)
            assert c.returncode == 0 and c.stdout == b"reply: hello\n", c
            assert tr.wait(30) == 0, tr.stderr_text()
            assert "the page is " + out in tr.stderr_text()
        events = [json.loads(e) for e in embedded(out)["events"]]
        b.open(out)
        ep = [t.text for t in b.css("#lad text.ep")]
        prog = [i for i, t in enumerate(ep) if t.endswith("(program)")]
        assert len(prog) == 1 and ep[prog[0]].startswith("127.0.0.1:%d " % port), ep
        # The server's calls, on its lane, in order.
        x = "%g" % float(b.js("return document.querySelectorAll('#lad line.lane')[arguments[0]].getAttribute('x1')", prog[0]))
        calls = b.js("""return [...document.querySelectorAll('#lad g.call')].map((g) =>
            [g.querySelector('circle').getAttribute('cx'), g.querySelector('text.call').textContent]);""")
        assert calls and all("%g" % float(cx) == x for cx, _ in calls), (x, calls)
        names = [re.match(r"[a-z0-9_]+", t).group(0) for _, t in calls]
        want = ["socket", "bind", "listen", "accept", "recv", "send", "close"]
        it = iter(names)
        assert all(any(n.startswith(w) for n in it) for w in want), names
        # One arrow per packet of the trace, in its order and direction.
        pk = [e for e in events if e.get("event") == "packet" and e.get("hex")]
        arrows = b.js("return [...document.querySelectorAll('#lad line.arrow')].map((l) => l.classList[1])")
        to_prog = "ab" if prog[0] == 1 else "ba"
        want_arrows = [to_prog if e.get("dir") == "in" else ("ba" if to_prog == "ab" else "ab") for e in pk]
        if os.geteuid() == 0:
            assert len(pk) >= 8, len(pk)  # handshake, data both ways, the closing
        assert arrows == want_arrows, (arrows, want_arrows)
        st = check_ladder_states(b, events)
        if os.geteuid() == 0:  # the server's states and the client's, in one spelling
            assert [t for inf, t in st if not inf][:1] == ["SYN-RECEIVED"], st
            assert "~SYN-SENT" in ["~" * inf + t for inf, t in st], st
            notes = b.js("return [...document.querySelectorAll('#lad text.note')].map((t) => t.textContent).join(' ')")
            assert "TIME-WAIT" in notes.split(), notes  # the tracer's note, renamed
        b.shot("view-trace-echo-server.png")
        b.no_console_errors()


@case
def sniff_html_writes_the_page_of_the_capture():
    rc, _, err = run(["sniff", "--html", "x.html", "-w", "-", "-c", "1"])
    assert rc == 2 and b"--html" in err, (rc, err)
    need_root()
    with tempfile.TemporaryDirectory() as d, Browser() as b:
        srv, port = echo_server()
        out = os.path.join(d, "cap.html")
        with srv:
            sn = Proc(["sniff", "-i", "lo", "-c", "4", "--html", out, "tcp port %d" % port])
            with sn:
                sn.wait_err(rb"listening on lo", timeout=10 * SLOW)
                c = subprocess.run([PY, os.path.join(LECTURE, "tcp_echo_client.py"), str(port), "hi"],
                                   stdout=subprocess.PIPE, timeout=30 * SLOW)
                assert c.returncode == 0
                assert sn.wait(30) == 0, sn.stderr_text()
                assert "the page is " + out in sn.stderr_text()
        b.open(out)
        assert b.js("return document.body.dataset.ready") == "4"
        assert "Flags [S]" in b.css("#pkts tbody tr")[0].text
        b.no_console_errors()
        # Ctrl-C ends the capture and writes the page too.
        out2 = os.path.join(d, "int.html")
        sn = Proc(["sniff", "-i", "lo", "--html", out2, "tcp port %d" % port])
        with sn:
            sn.wait_err(rb"listening on lo", timeout=10 * SLOW)
            sn.p.send_signal(signal.SIGINT)
            assert sn.wait(30) == 0, sn.stderr_text()
        b.open(out2)
        assert b.js("return document.body.dataset.ready") == "0"


main()
