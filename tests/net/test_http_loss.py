#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""HTTP over a lossy link, against what was sent and against tshark.

Three network namespaces (client -- router -- server, test_tcpanalysis's
helpers): the router drops 1 in LOSS of the TCP segments of the HTTP port
carrying data (nftables `numgen random mod LOSS == 0 drop`, both ways). nginx
serves files of known sha256 in the server namespace; curl fetches several
on one keep-alive connection (Content-Length bodies, a gzip-ed text in a
chunked response, a 404) and one more on a second connection. GSO is off on
every link (one MTU-sized segment per packet). Two captures: `wirecat sniff
-w` on the server's link (each resent copy after the original) and tcpdump
on the client's (the holes, then the resent copies out of order); each holds
every byte of each direction at least once. On each:
  - `read --follow N --direction c2s|s2c --follow-as raw` of each stream is
    exactly what was sent: c2s is the requests for the expected URIs, head
    after head, nothing else; s2c parses into the responses whose bodies
    (de-chunked, gunzip-ed) have the files' sha256; both equal `tshark -z
    follow,tcp,raw,N`, and `--follow all --follow-dir` wrote the same bytes;
  - every http.* field below is on the same frames with the same values as
    `tshark -T fields` (HTTP decoded on the port, out-of-order segments
    reassembled, which tshark 4.0 does not do by default), frame by frame;
  - every tcp.analysis.* flag equals tshark's, frame by frame, and loss
    shows (retransmissions, lost segments or duplicate ACKs).
Needs root, ip, nft, nginx, curl, tshark, tcpdump, ss (a skip names what is
missing). A capture that lost packets in the kernel fails the test.
"""
import gzip
import hashlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

import wtest

_saved = list(wtest._cases)
import test_appdec as ad  # noqa: E402  (tshark -T fields and --json readers)
import test_tcpanalysis as ta  # noqa: E402  (namespaces, flags against tshark)
wtest._cases[:] = _saved  # their cases are theirs

PORT = 8080
LOSS = 20
FIELDS = ["http.request.method", "http.request.uri", "http.request.version", "http.host",
          "http.user_agent", "http.response.code", "http.response.phrase",
          "http.content_type", "http.content_length_header", "http.server"]

NGINX_CONF = """
worker_processes 1;
user root;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {d}/tmp/body;
    proxy_temp_path {d}/tmp/proxy;
    fastcgi_temp_path {d}/tmp/fastcgi;
    uwsgi_temp_path {d}/tmp/uwsgi;
    scgi_temp_path {d}/tmp/scgi;
    default_type application/octet-stream;
    types {{ text/plain txt; }}
    keepalive_requests 1000;
    keepalive_timeout 60s;
    sendfile on;
    server {{
        listen {addr}:{port};
        root {d}/www;
        gzip on;
        gzip_types text/plain;
        gzip_min_length 0;
    }}
}}
"""

# (URI, expected status, the file served or None) for each connection
CONN1 = [("/f/big", 200, "big"), ("/t/text.txt", 200, "text"), ("/nothing-here", 404, None),
         ("/f/small", 200, "small")]
CONN2 = [("/f/mid", 200, "mid")]


def sha(b):
    return hashlib.sha256(b).hexdigest()


def make_site(d):
    files = {"big": os.urandom(1 << 20), "mid": os.urandom(300000), "small": os.urandom(20000),
             "text": b"".join(b"line %d of a text that gzip squeezes well\n" % i
                              for i in range(40000))}
    for sub in ("tmp", "www/f", "www/t"):
        os.makedirs(os.path.join(d, sub), exist_ok=True)
    for name in ("big", "mid", "small"):
        with open(os.path.join(d, "www/f", name), "wb") as f:
            f.write(files[name])
    with open(os.path.join(d, "www/t/text.txt"), "wb") as f:
        f.write(files["text"])
    with open(os.path.join(d, "nginx.conf"), "w") as f:
        f.write(NGINX_CONF.format(d=d, addr=ta.B4, port=PORT))
    return files


NFT = """table inet wthttploss {
  chain lossy { type filter hook forward priority 0; policy accept;
    tcp dport %d ip length > 100 numgen random mod %d == 0 drop
    tcp sport %d ip length > 100 numgen random mod %d == 0 drop
  }
}
""" % (PORT, LOSS, PORT, LOSS)


def wait_listening(ns):
    def up():
        p = subprocess.run(["ip", "netns", "exec", ns, "ss", "-Hltn", "sport = :%d" % PORT],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=10)
        return b"LISTEN" in p.stdout
    wtest.wait_for(up, 10, "nginx to listen")


def curl(ns, d, conn, tag):
    args = ["ip", "netns", "exec", ns, "curl", "-sS", "--compressed", "--max-time",
            str(int(60 * wtest.SLOW)), "-w", "%{http_code} %{num_connects}\\n"]
    for i, (uri, _, _) in enumerate(conn):
        args += ["-o", os.path.join(d, "%s-%d" % (tag, i)), "http://%s:%d%s" % (ta.B4, PORT, uri)]
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=90 * wtest.SLOW)
    assert p.returncode == 0, p.stderr.decode(errors="replace")
    lines = p.stdout.decode().split()
    assert lines[0::2] == [str(c) for _, c, _ in conn], lines
    assert lines[1::2] == ["1"] + ["0"] * (len(conn) - 1), ("not one keep-alive connection", lines)


def no_gso(ns, dev):
    """One segment per packet (no GSO super-packets): MTU-sized segments, so
    the loss hits many and every analysis case has segments to act on."""
    ta.sh("ip", "-n", ns, "link", "set", "dev", dev, "gso_max_segs", "1", check=False)


def stop_capture(p, what):
    p.signal(signal.SIGINT)
    assert p.wait(20) == 0, p.stderr_text()
    m = re.search(r"(\d+) (?:packets )?dropped by kernel", p.stderr_text())
    assert m and m.group(1) == "0", "%s lost packets: %s" % (what, p.stderr_text())


def capture(d):
    """Runs the fetches over the lossy link; returns ([capture files], site
    files): wirecat sniff on the server's link, tcpdump on the client's."""
    tag = ta.TAG
    a, r, b = "wtha" + tag, "whtr" + tag, "whtb" + tag
    va, vb = "whva" + tag, "whvb" + tag
    caps = [os.path.join(d, "server.pcap"), os.path.join(d, "client.pcap")]
    files = make_site(d)
    procs = []
    ta.NFT = NFT
    try:
        ta.netns_setup(a, r, b, va, vb)
        for ns, dev in ((a, va), (b, vb), (r, va + "r"), (r, vb + "r")):
            no_gso(ns, dev)
        ng = wtest.Proc(["ip", "netns", "exec", b, "nginx", "-c", d + "/nginx.conf", "-p", d,
                         "-g", "daemon off;"], wirecat=False)
        procs.append(ng)
        wait_listening(b)
        filt = "tcp port %d" % PORT
        sn = wtest.Proc(["ip", "netns", "exec", b, wtest.WIRECAT, "sniff", "-i", vb, "-w",
                         caps[0], filt], wirecat=False)
        td = wtest.Proc(["ip", "netns", "exec", a, "tcpdump", "-n", "-U", "-s", "0", "-i", va,
                         "-w", caps[1], filt], wirecat=False)
        procs += [sn, td]
        sn.wait_err(r"listening on", timeout=10)
        td.wait_err(r"listening on", timeout=10)
        curl(a, d, CONN1, "c1")
        curl(a, d, CONN2, "c2")
        for i, (_, _, name) in enumerate(CONN1 + CONN2):
            out = os.path.join(d, "c1-%d" % i if i < len(CONN1) else "c2-0")
            if name:
                with open(out, "rb") as f:
                    assert sha(f.read()) == sha(files[name]), "curl got another %s" % name
        time.sleep(1.0 * wtest.SLOW)  # the last FINs and ACKs
        stop_capture(sn, "wirecat sniff")
        stop_capture(td, "tcpdump")
        return caps, files
    finally:
        for p in procs:
            p.kill()
        for ns in (a, r, b):
            subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL)


def follow(cap, stream, direction):
    rc, out, err = wtest.run(["read", "--follow", str(stream), "--follow-as", "raw",
                              "--direction", direction, cap], timeout=60)
    assert rc == 0, (rc, err)
    return out


def dechunk(b):
    out, at = b"", 0
    for _ in range(1 << 20):
        ln = b.index(b"\r\n", at)
        n = int(b[at:ln].split(b";")[0], 16)
        at = ln + 2
        if n == 0:
            end = b.index(b"\r\n\r\n", at - 2) + 4  # trailer up to the empty line
            return out, end
        out += b[at:at + n]
        assert b[at + n:at + n + 2] == b"\r\n", "chunk not followed by CRLF"
        at += n + 2
    raise AssertionError("too many chunks")


def responses(s2c):
    """[(status, body)] of the responses one after the other in s2c."""
    out, at = [], 0
    while at < len(s2c) and len(out) < 100:
        end = s2c.index(b"\r\n\r\n", at) + 4
        head = s2c[at:end].decode("latin-1")
        status = int(head.split(" ", 2)[1])
        hdr = {k.strip().lower(): v.strip() for k, v in
               (x.split(":", 1) for x in head.split("\r\n")[1:] if ":" in x)}
        if "chunked" in hdr.get("transfer-encoding", ""):
            body, used = dechunk(s2c[end:])
            at = end + used
        else:
            n = int(hdr["content-length"])
            body, at = s2c[end:end + n], end + n
        if hdr.get("content-encoding") == "gzip":
            body = gzip.decompress(body)
        out.append((status, body))
    assert at == len(s2c), "%d bytes after the last response" % (len(s2c) - at)
    return out


def check_stream(cap, stream, conn, files, d):
    c2s, s2c = follow(cap, stream, "c2s"), follow(cap, stream, "s2c")
    reqs = [x for x in c2s.split(b"\r\n\r\n")]
    assert reqs[-1] == b"", "c2s does not end with a request head"
    lines = [r.split(b"\r\n")[0].decode() for r in reqs[:-1]]
    assert lines == ["GET %s HTTP/1.1" % u for u, _, _ in conn], lines
    got = responses(s2c)
    assert [s for s, _ in got] == [c for _, c, _ in conn], got
    for (uri, _, name), (_, body) in zip(conn, got):
        if name:
            assert sha(body) == sha(files[name]), "%s: the followed body differs" % uri
    tc, ts = ta_follow_tshark(cap, stream)
    assert (sha(tc), sha(ts)) == (sha(c2s), sha(s2c)), (
        "tshark follows other bytes", len(tc), len(c2s), len(ts), len(s2c))
    for direction, want in (("c2s", c2s), ("s2c", s2c)):
        with open(os.path.join(d, "all", "tcp-%d-%s.bin" % (stream, direction)), "rb") as f:
            assert sha(f.read()) == sha(want), "--follow all wrote other bytes"
    return len(c2s) + len(s2c)


def ta_follow_tshark(cap, stream):
    p = subprocess.run(["tshark", "-n", "-r", cap, "-q", "-z", "follow,tcp,raw,%d" % stream],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120 * wtest.SLOW)
    assert p.returncode == 0, p.stderr
    c, s = b"", b""
    for line in p.stdout.decode().split("\n"):
        if not line.strip() or line.startswith(("=", "Follow:", "Filter:", "Node ")):
            continue
        if line.startswith("\t"):
            s += bytes.fromhex(line.strip())
        else:
            c += bytes.fromhex(line.strip())
    return c, s


def tshark_fields(cap):
    """tshark -T fields of FIELDS: {frame: {field: value}}. Out-of-order
    segments reassembled: tshark 4.0 leaves that off by default, and then
    decodes no message whose bytes came out of order (a loss on the client's
    side of the link), where wirecat, which always reassembles them, does."""
    cmd = ["tshark", "-n", "-r", cap, "-o", "tcp.reassemble_out_of_order:TRUE", "-d",
           "tcp.port==%d,http" % PORT, "-T", "fields", "-E", "separator=|", "-e", "frame.number"]
    p = subprocess.run(cmd + sum((["-e", n] for n in FIELDS), []), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=120 * wtest.SLOW)
    assert p.returncode == 0, p.stderr.decode(errors="replace")
    got = {}
    for ln in p.stdout.decode().splitlines():
        v = ln.split("|")
        row = {n: x for n, x in zip(FIELDS, v[1:]) if x}
        if row:
            got[int(v[0])] = row
    return got


def check_capture(cap, files, d):
    """Every check on one capture; returns (bytes followed, flag kinds, flagged frames)."""
    alldir = os.path.join(d, "all")
    shutil.rmtree(alldir, ignore_errors=True)
    rc, _, err = wtest.run(["read", "--follow", "all", "--follow-dir", alldir, cap], timeout=60)
    assert rc == 0, err
    n = check_stream(cap, 0, CONN1, files, d) + check_stream(cap, 1, CONN2, files, d)
    assert n > 1300000, n
    ours, theirs = ad.ours(cap, FIELDS), tshark_fields(cap)
    for f in FIELDS:
        w = {k: v[f] for k, v in theirs.items() if f in v}
        g = {k: v[f] for k, v in ours.items() if f in v}
        assert g == w, (f, "ours", g, "tshark", w)
    codes = sorted(v["http.response.code"] for v in theirs.values() if "http.response.code" in v)
    assert codes == ["200"] * 4 + ["404"], codes
    assert sum("http.request.method" in v for v in theirs.values()) == 5, theirs
    flagged = ta.compare(cap, 3)
    return n, set(k for v in flagged.values() for k in v), len(flagged)


@wtest.case
def http_over_loss_follow_fields_and_flags_as_tshark():
    wtest.need_root()
    for prog in ("ip", "nft", "nginx", "curl", "tshark", "ss", "tcpdump"):
        wtest.need(prog)
    with tempfile.TemporaryDirectory() as d:
        caps, files = capture(d)
        kinds = set()
        for cap in caps:
            n, k, nflag = check_capture(cap, files, d)
            kinds |= k
            print("%s: %d bytes followed, %d flagged frames: %s"
                  % (os.path.basename(cap), n, nflag, " ".join(sorted(x[13:] for x in k))))
        # the server side sees each resent copy; the client side the holes
        for k in ("retransmission", "duplicate_ack", "lost_segment"):
            assert "tcp.analysis." + k in kinds, (k, sorted(kinds))


if __name__ == "__main__":
    wtest.main()
