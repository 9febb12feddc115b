# SPDX-License-Identifier: BSD-2-Clause
"""wirecat read --defrag: UDP over IPv4 and IPv6 in 3 fragments each, out of
order, in a pcap this test builds; the frame that completes each datagram
shows the reassembled UDP header (udp.length as tshark, whose IP
defragmentation is on by default), the closing line on stderr counts what was
reassembled and dropped. Overlapping IPv4 fragments are dropped as Linux
drops them (tshark reassembles them: that frame is compared to nothing).
Then the same on fragments the kernel made: two network namespaces joined by a
veth pair (removed in `finally`), large UDP datagrams over IPv4 and IPv6
captured with `sniff -w` (needs root), which also prints them live with
--json: sniff defragments as read does."""
import json
import os
import signal
import shutil
import struct
import subprocess
import tempfile
import time

import pktbuild
from pktbuild import csum
from wtest import case, main, need, need_root, Proc, run, Skip, SLOW, WIRECAT



def eth(t):
    return b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + struct.pack("!H", t)


def udp(pseudo, sp, dp, data):
    ln = 8 + len(data)
    h = struct.pack("!HHHH", sp, dp, ln, 0)
    return struct.pack("!HHHH", sp, dp, ln, csum(pseudo(ln) + h + data) or 0xFFFF) + data


def ip4(src, dst, ident, mf, off, payload):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, (mf << 13) | (off // 8), 64, 17, 0,
                    src, dst)
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + payload


def ip6frag(src, dst, ident, mf, off, payload):
    fh = struct.pack("!BBHI", 17, 0, (off // 8) << 3 | mf, ident)
    return struct.pack("!IHBB16s16s", 6 << 28, len(fh) + len(payload), 44, 64, src, dst) + fh + payload


def split(dgram, size):
    out, o = [], 0
    while o < len(dgram):
        n = min(size, len(dgram) - o)
        out.append((o, int(o + n < len(dgram)), dgram[o:o + n]))
        o += n
    return out


S4, D4 = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])
S6, D6 = bytes.fromhex("fd00" + "00" * 13 + "01"), bytes.fromhex("fd00" + "00" * 13 + "02")
DATA = bytes((i * 7 + 3) & 0xFF for i in range(3000))


def packets():
    pk = []
    u = udp(lambda n: S4 + D4 + struct.pack("!BBH", 0, 17, n), 5000, 6000, DATA)
    f = split(u, 1480)
    for i in (2, 0, 1):  # frame 3 completes it: udp.length 3008
        o, mf, p = f[i]
        pk.append(eth(0x800) + ip4(S4, D4, 0x1234, mf, o, p))
    u = udp(lambda n: S6 + D6 + struct.pack("!IxxxB", n, 17), 5001, 6001, DATA[:2500])
    f = split(u, 1232)
    for i in (1, 2, 0):  # frame 6 completes it: udp.length 2508
        o, mf, p = f[i]
        pk.append(eth(0x86DD) + ip6frag(S6, D6, 0xABCDEF, mf, o, p))
    u = udp(lambda n: S4 + D4 + struct.pack("!BBH", 0, 17, n), 5002, 6002, DATA[:2000])
    pk.append(eth(0x800) + ip4(S4, D4, 0x2222, 1, 0, u[:1000]))  # frames 7, 8 overlap
    pk.append(eth(0x800) + ip4(S4, D4, 0x2222, 0, 504, u[504:]))
    pk.append(eth(0x800) + ip4(S4, D4, 0x3333, 1, 0, u[:1000]))  # never completed
    return pk


def pcap(d):
    path = os.path.join(d, "frags.pcap")
    with open(path, "wb") as w:
        w.write(pktbuild.pcap((1700000000 + i, 0, p) for i, p in enumerate(packets())))
    return path


def ours(path, *opts):
    rc, out, err = run(["read", "--json"] + list(opts) + [path])
    assert rc == 0, (rc, err)
    rows = [json.loads(l) for l in out.decode().splitlines() if l]
    assert len(rows) == 9, len(rows)
    return [r.get("udp.length", "") for r in rows], err.decode()


@case
def udp_length_on_the_completing_frame_as_tshark():
    if not shutil.which("tshark"):
        raise Skip("tshark is not installed")
    with tempfile.TemporaryDirectory() as d:
        path = pcap(d)
        got, err = ours(path, "--defrag")
        p = subprocess.run(["tshark", "-n", "-r", path, "-T", "fields", "-e", "udp.length"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60 * SLOW)
        assert p.returncode == 0, p.stderr
        theirs = p.stdout.decode().split("\n")[:9]
        assert theirs[2] == "3008" and theirs[5] == "2508", theirs
        compared = 0
        for i in range(9):
            if i == 7:  # the overlap: tshark reassembles, Linux and wirecat drop
                assert theirs[i] == "2008" and got[i] == "", (theirs[i], got[i])
                continue
            if i in (1, 6, 8):  # a first fragment: its own UDP header, as tcpdump shows it
                assert theirs[i] == "" and got[i] in ("3008", "2008"), (i + 1, got[i], theirs[i])
                continue
            assert got[i] == theirs[i], ("frame", i + 1, got[i], theirs[i])
            compared += 1
        assert compared == 5
        assert "9 fragments, 2 datagrams reassembled" in err, err
        assert "3 fragments dropped: 1 overlap, 1 incomplete at the end" in err, err


def record_lengths(path):
    """The original length of every record of a classic pcap."""
    data = open(path, "rb").read()
    off, lens = 24, []
    while off + 16 <= len(data):
        incl, orig = struct.unpack("<II", data[off + 8:off + 16])
        lens.append(orig)
        off += 16 + incl
    return lens


def tshark_fields(path, *fields):
    p = subprocess.run(["tshark", "-n", "-r", path, "-T", "fields", "-E", "separator=/t"] +
                       [a for f in fields for a in ("-e", f)],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60 * SLOW)
    assert p.returncode == 0, p.stderr
    return [l.split("\t") for l in p.stdout.decode().split("\n") if l]


FRAME_FIELDS = ("frame.len", "ip.len", "ip.frag_offset", "ipv6.plen", "ipv6.fraghdr.offset")
DONE_FIELDS = ("udp.length", "ip.fragment.count", "ip.reassembled.length", "ipv6.fragment.count",
               "ipv6.reassembled.length")


@case
def frame_fields_true_with_the_reassembled_layer_as_tshark():
    """Defragmentation is on by default for --json (and -V): every frame keeps
    its own frame and IP fields, and the frame that completes a datagram adds
    the reassembled layer (fragment count, reassembled length, the datagram's
    UDP header), all equal to tshark -T fields frame by frame."""
    if not shutil.which("tshark"):
        raise Skip("tshark is not installed")
    with tempfile.TemporaryDirectory() as d:
        path = pcap(d)
        rc, out, err = run(["read", "--json", path])
        assert rc == 0, err
        rows = [json.loads(l) for l in out.decode().splitlines() if l]
        assert "2 datagrams reassembled" in err.decode(), err
        theirs = tshark_fields(path, *(FRAME_FIELDS + DONE_FIELDS))
        assert len(rows) == len(theirs) == 9, (len(rows), len(theirs))
        assert [int(r["frame.len"]) for r in rows] == record_lengths(path)
        compared = 0
        for i, (o, t) in enumerate(zip(rows, theirs)):
            for k, f in enumerate(FRAME_FIELDS):
                assert o.get(f, "") == t[k], ("frame", i + 1, f, o.get(f), t[k])
                compared += t[k] != ""
            if i in (2, 5):  # the completing frames
                for k, f in enumerate(DONE_FIELDS, len(FRAME_FIELDS)):
                    assert o.get(f, "") == t[k], ("frame", i + 1, f, o.get(f), t[k])
                    compared += t[k] != ""
        assert compared == 9 + 7 * 2 + 2 * 2 + 3 * 2, compared
        assert rows[2]["udp.length"] == "3008" and rows[2]["ip.len"] == "1500", rows[2]


@case
def defrag_default_on_for_tree_and_json_only_so_frame_fields_stay_true():
    """On by default for -V and --json (the frame's own fields stay true:
    frame.len is each record's length), off for the one-line view (as
    measured: it stays tcpdump's line) unless --defrag; --no-defrag turns it
    off."""
    with tempfile.TemporaryDirectory() as d:
        path = pcap(d)
        got, err = ours(path)
        assert got == ["", "3008", "3008", "", "", "2508", "2008", "", "2008"], got
        assert "2 datagrams reassembled" in err, err
        assert ours(path) == ours(path, "--defrag")
        off, err = ours(path, "--no-defrag")
        assert off == ["", "3008", "", "", "", "2508", "2008", "", "2008"], off
        assert "defrag" not in err, err
        rc, out, err = run(["read", "--json", path])
        assert rc == 0, err
        rows = [json.loads(l) for l in out.decode().splitlines() if l]
        lens = record_lengths(path)
        assert len(rows) == len(lens) == 9, (len(rows), len(lens))
        assert [int(r["frame.len"]) for r in rows] == lens, (rows, lens)
        rc, out, err = run(["read", path])
        assert rc == 0 and b"defrag" not in err and b"reassembled" not in out, err
        rc, out2, err = run(["read", "--defrag", path])
        assert rc == 0 and b"2 datagrams reassembled" in err, err
        line = out2.decode().splitlines()[2]
        assert "UDP, length 3000 (frag id 4660, offset 1480, flags [+]; 3 fragments reassembled)" in line, line
        rc, out, err = run(["read", "-V", path])
        assert rc == 0 and b"2 datagrams reassembled" in err, err
        # -Y sees the same dissection: the first fragment's own UDP header
        # and the frame that completes the datagram (with its own ip.len)
        rc, out, err = run(["read", "--json", "-Y", "udp.length == 3008", path])
        assert rc == 0, err
        got = [(r["frame.number"], r["ip.len"]) for r in map(json.loads, out.decode().splitlines())]
        assert got == [("2", "1500"), ("3", "1500")], got


@case
def tree_shows_the_reassembled_udp():
    with tempfile.TemporaryDirectory() as d:
        rc, out, err = run(["read", "-V", pcap(d)])
        assert rc == 0, err
        text = out.decode()
        blocks = text.split("\n\n")
        assert len(blocks) == 10, len(blocks)  # 9 packets and the end
        b2, b5 = blocks[2], blocks[5]
        # the frame's own IP header, then what it completes, then the datagram's UDP
        assert "Total length:     1500" in b2 and "Fragment offset:  1480" in b2, b2
        assert "Payload length:   1240" in b5 and "Offset:           0" in b5, b5
        for b, n in ((b2, 3008), (b5, 2508)):
            r = b.split("_REASSEMBLED_")[1]
            assert "Fragments:        3" in r and "Length:           %d" % n in r, b
            u = r.split("UDP_HEADER")[1]
            assert "Length:           %d" % n in u, b
            assert "Checksum:" in u and "(correct)" in u, b  # over the whole datagram
        assert "Length:           3000" in b2 and "Length:           2500" in b5
        assert "_REASSEMBLED_" not in blocks[1] + blocks[7]


TAG = "%d" % (os.getpid() % 100000)
NET = os.getpid() % 250 + 1
A4, B4 = "10.201.%d.1" % NET, "10.201.%d.2" % NET
A6, B6 = "fd00:201:%x::1" % NET, "fd00:201:%x::2" % NET

SEND = r"""
import socket, time
for fam, dst, n in ((socket.AF_INET, "@A4@", 4000), (socket.AF_INET6, "@A6@", 3000)):
    s = socket.socket(fam, socket.SOCK_DGRAM)
    for i in range(2):  # the first IPv6 one may wait for neighbour discovery
        s.sendto(bytes((j * 7 + i) & 255 for j in range(n)), (dst, 9))
        time.sleep(0.2)
"""


def sh(*args, check=True):
    p = subprocess.run(list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=20 * SLOW)
    if check and p.returncode != 0:
        raise AssertionError("%s: %s" % (" ".join(args), p.stderr.decode(errors="replace")))
    return p


def capture_kernel_fragments(d, live):
    """Returns the capture's path; live gets sniff's own --json lines and stderr."""
    a, b, va, vb = "wdfa" + TAG, "wdfb" + TAG, "wdva" + TAG, "wdvb" + TAG
    cap = os.path.join(d, "kernel.pcap")
    try:
        sh("ip", "netns", "add", a)
        sh("ip", "netns", "add", b)
        sh("ip", "link", "add", va, "type", "veth", "peer", "name", vb)
        sh("ip", "link", "set", va, "netns", a)
        sh("ip", "link", "set", vb, "netns", b)
        for ns, dev, a4, a6 in ((a, va, A4, A6), (b, vb, B4, B6)):
            sh("ip", "-n", ns, "addr", "add", a4 + "/24", "dev", dev)
            sh("ip", "-n", ns, "addr", "add", a6 + "/64", "dev", dev, "nodad")
            sh("ip", "-n", ns, "link", "set", dev, "up")
        p = Proc(["ip", "netns", "exec", a, WIRECAT, "sniff", "-i", va, "-w", cap, "--print",
                  "--json", "udp or ip6[6] == 44"], wirecat=False)
        try:
            p.wait_err(r"listening on", timeout=10)
            sh("ip", "netns", "exec", b, "python3", "-c", SEND.replace("@A4@", A4).replace("@A6@", A6))
            time.sleep(0.3 * SLOW)
            p.signal(signal.SIGINT)
            assert p.wait(10) == 0, p.stderr_text()
            live += [p.stdout_bytes(), p.stderr_text()]
        finally:
            p.kill()
    finally:
        for ns in (a, b):
            subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL)
        subprocess.run(["ip", "link", "del", va], stderr=subprocess.DEVNULL)
    return cap


@case
def kernel_fragments_in_namespaces_as_tshark():
    need_root()
    need("ip")
    need("tshark")
    with tempfile.TemporaryDirectory() as d:
        live = []
        cap = capture_kernel_fragments(d, live)
        rc, out, err = run(["read", "--json", cap])  # defragmented by default
        assert rc == 0, err
        ours = [json.loads(l) for l in out.decode().splitlines() if l]
        sniffed = [json.loads(l) for l in live[0].decode().splitlines() if l]
        fields = ("frame.number", "udp.length", "ip.reassembled.length", "ipv6.reassembled.length")
        assert [[o.get(f) for f in fields] for o in sniffed] == \
            [[o.get(f) for f in fields] for o in ours], (sniffed, ours)
        assert "sniff: defrag: " in live[1] and "4 datagrams reassembled" in live[1], live[1]
        theirs = tshark_fields(cap, "udp.length", "ip.flags.mf", "ip.frag_offset", "ipv6.fraghdr.more",
                               "ipv6.fraghdr.offset", "frame.len", "ip.len", "ipv6.plen")
        assert len(theirs) == len(ours) and len(ours) >= 12, (len(theirs), len(ours))
        whole = []
        for i, (o, t) in enumerate(zip(ours, theirs)):
            for k, f in ((5, "frame.len"), (6, "ip.len"), (2, "ip.frag_offset"), (7, "ipv6.plen"),
                         (4, "ipv6.fraghdr.offset")):
                assert o.get(f, "") == t[k], ("frame", i + 1, f, o.get(f), t[k])
            first = (t[1] in ("1", "True") and t[2] == "0") or (t[3] in ("1", "True") and t[4] == "0")
            if first and t[0] == "":  # a first fragment: its own UDP header, as tcpdump shows it
                continue
            assert o.get("udp.length", "") == t[0], ("frame", i + 1, o.get("udp.length"), t)
            if t[0]:
                whole.append(t[0])
        assert whole == ["4008", "4008", "3008", "3008"], whole
        assert "4 datagrams reassembled" in err.decode() and "0 fragments dropped" in err.decode(), err
        rc, out, err = run(["read", "-V", "--defrag", cap])
        blocks = [b for b in out.decode().split("\n\n") if "UDP_HEADER" in b and "Length:           4008" in b]
        # the first fragments and the reassembled datagrams; these verify over all the bytes
        done = [b for b in blocks if "Checksum:" in b.split("UDP_HEADER")[1] and "(correct)" in b.split("UDP_HEADER")[1]]
        assert len(done) == 2, out.decode()


main()
