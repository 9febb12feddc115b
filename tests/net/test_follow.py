#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""read --follow: the bytes of one TCP stream, reassembled.

The captures are built here: two connections (so stream numbers matter), the
second one's segments out of order, duplicated, retransmitted with overlaps,
its sequence numbers wrapping past 2^32, random data of known sha256 each way.
The followed bytes must equal the data sent (sha256), by stream number and
by ADDR:PORT,ADDR:PORT, each direction; tshark -z follow,tcp,raw on the same
file must give the same bytes. A capture with a segment missing must give the
data without it (never invented bytes) and say how much is missing.
"""
import hashlib
import os
import random
import re
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import threading

import pktbuild
from pktbuild import csum
import wtest

CLI, SRV = bytes([10, 1, 0, 1]), bytes([10, 1, 0, 2])



def frame(src, dst, sport, dport, seq, ack, flags, data=b""):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 5 << 4,
                      flags, 65535, 0, 0) + data
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp))
    c = csum(pseudo + tcp)
    tcp = tcp[:16] + struct.pack("!H", c) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0x4000, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00" + ip + tcp


def pcap(frames):
    return pktbuild.pcap((1000 + i, 0, f) for i, f in enumerate(frames))


SYN, FIN, ACK, PSH = 2, 1, 0x10, 8


def conversation(cport, isn_c, isn_s, up, down, shuffle, drop=None):
    """Frames of one connection; data segments of each side reordered,
    duplicated and overlapped when shuffle; segment index drop left out."""
    rnd = random.Random(cport)
    f = [frame(CLI, SRV, cport, 80, isn_c, 0, SYN),
         frame(SRV, CLI, 80, cport, isn_s, isn_c + 1, SYN | ACK),
         frame(CLI, SRV, cport, 80, isn_c + 1, isn_s + 1, ACK)]
    segs = []
    for side, data, isn in ((0, up, isn_c), (1, down, isn_s)):
        at = 0
        while at < len(data):
            n = rnd.randint(1, 700)
            segs.append((side, isn + 1 + at, data[at:at + n]))
            at += n
    if drop is not None:
        del segs[drop]
    if shuffle:
        extra = []
        for side, seq, d in segs:
            if rnd.random() < 0.3:
                extra.append((side, seq, d))  # a duplicate
            if rnd.random() < 0.2 and len(d) > 4:  # an overlapping part
                k = rnd.randint(1, len(d) - 2)
                extra.append((side, seq + k, d[k:k + rnd.randint(1, len(d) - k)]))
        segs += extra
        # shuffle within windows of 6 so the stream still moves forward
        for i in range(0, len(segs), 6):
            w = segs[i:i + 6]
            rnd.shuffle(w)
            segs[i:i + 6] = w
    for side, seq, d in segs:
        if side == 0:
            f.append(frame(CLI, SRV, cport, 80, seq, isn_s + 1, ACK | PSH, d))
        else:
            f.append(frame(SRV, CLI, 80, cport, seq, isn_c + 1, ACK | PSH, d))
    f.append(frame(CLI, SRV, cport, 80, isn_c + 1 + len(up), isn_s + 1 + len(down), FIN | ACK))
    f.append(frame(SRV, CLI, 80, cport, isn_s + 1 + len(down), isn_c + 2 + len(up), FIN | ACK))
    f.append(frame(CLI, SRV, cport, 80, isn_c + 2 + len(up), isn_s + 2 + len(down), ACK))
    return f


def data(n, seed):
    return random.Random(seed).randbytes(n)


def sha(b):
    return hashlib.sha256(b).hexdigest()


def write(tmp, name, frames):
    p = os.path.join(tmp, name)
    with open(p, "wb") as fh:
        fh.write(pcap(frames))
    return p


def make(tmp, drop=None):
    up, down = data(20000, 1), data(50000, 2)
    first = conversation(40001, 1000, 2000, b"hello", b"world", False)
    second = conversation(40002, 0xFFFFF000, 0xFFFFFF00, up, down, True, drop)
    return write(tmp, "f.pcap", first + second), up, down


def follow(path, *args):
    rc, out, err = wtest.run(["read", *args, path], timeout=30)
    assert rc == 0, (rc, err)
    return out, err


@wtest.case
def follows_each_direction_by_number_and_by_ends():
    with tempfile.TemporaryDirectory() as tmp:
        path, up, down = make(tmp)
        out, _ = follow(path, "--follow", "1", "--direction", "c2s")
        assert sha(out) == sha(up), (len(out), len(up))
        out, _ = follow(path, "--follow", "1", "--follow-as", "raw", "--direction", "s2c")
        assert sha(out) == sha(down), (len(out), len(down))
        out, _ = follow(path, "--follow", "10.1.0.2:80,10.1.0.1:40002", "--direction", "c2s")
        assert sha(out) == sha(up)
        out, _ = follow(path, "--follow", "0")
        assert out == b"helloworld", out
        out, _ = follow(path, "--follow", "1")  # both: every byte once
        assert len(out) == len(up) + len(down)


def tshark_raw(path, stream, proto="tcp"):
    """tshark's follow,PROTO,raw: (client bytes, server bytes)."""
    p = subprocess.run(["tshark", "-r", path, "-q", "-z", "follow,%s,raw,%d" % (proto, stream)],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120 * wtest.SLOW)
    assert p.returncode == 0, p.stderr
    c, s = b"", b""
    body = p.stdout.decode().split("\n")
    for line in body:
        if not line.strip() or line.startswith(("=", "Follow:", "Filter:", "Node ")):
            continue
        if line.startswith("\t"):
            s += bytes.fromhex(line.strip())
        else:
            c += bytes.fromhex(line.strip())
    return c, s


def udpframe(src, dst, sport, dport, data):
    udp = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0x4000, 64, 17, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00" + ip + udp


def udp_talk(seed):
    """Two UDP conversations interleaved with each other. Returns the frames
    and the bytes of each stream's directions: {(stream, dir): bytes}."""
    rnd = random.Random(seed)
    frames, sent = [], {}
    ends = [(CLI, SRV, 5000, 53), (SRV, CLI, 6000, 7000)]
    for i in range(60):
        k = rnd.randrange(2)
        a, b, pa, pb = ends[k]
        d = rnd.randrange(2) if (k, 0) in sent else 0
        payload = data(rnd.randint(0, 1200), seed * 1000 + i)
        src, dst, sp, dp = (a, b, pa, pb) if d == 0 else (b, a, pb, pa)
        frames.append(udpframe(src, dst, sp, dp, payload))
        sent[(k, d)] = sent.get((k, d), b"") + payload
    # udp.stream numbers go by first appearance
    order = sorted({k for k, _ in sent}, key=lambda k: next(i for i, key in enumerate(sent)
                                                             if key[0] == k))
    return frames, {(order.index(k), d): b for (k, d), b in sent.items()}


@wtest.case
def follow_all_writes_every_direction_to_its_file():
    with tempfile.TemporaryDirectory() as tmp:
        up, down = data(20000, 1), data(50000, 2)
        first = conversation(40001, 1000, 2000, b"hello", b"world", False)
        second = conversation(40002, 0xFFFFF000, 0xFFFFFF00, up, down, True)
        talk, sent = udp_talk(9)
        frames = first[:4] + talk[:30] + first[4:] + second + talk[30:]
        path = write(tmp, "all.pcap", frames)
        out_dir = os.path.join(tmp, "out")
        rc, out, err = wtest.run(["read", "--follow", "all", "--follow-dir", out_dir, path])
        assert rc == 0 and out == b"", (rc, err)
        want = {"tcp-0-c2s.bin": b"hello", "tcp-0-s2c.bin": b"world",
                "tcp-1-c2s.bin": up, "tcp-1-s2c.bin": down}
        for (k, d), b in sent.items():
            want["udp-%d-%s.bin" % (k, "s2c" if d else "c2s")] = b
        assert sorted(os.listdir(out_dir)) == sorted(want), (os.listdir(out_dir), sorted(want))
        for name, b in want.items():
            with open(os.path.join(out_dir, name), "rb") as fh:
                assert sha(fh.read()) == sha(b), name
        assert len(want) >= 7 and b"%d files written" % len(want) in err, err


def interleaved(tmp, n, size):
    """n connections with size bytes each way, their frames round robin so
    every direction's file gets many segments between the others'."""
    convs, want = [], {}
    for k in range(n):
        up, down = data(size, 100 + 2 * k), data(size, 101 + 2 * k)
        convs.append(conversation(41000 + k, 7000 * k, 9000 * k + 5, up, down, False))
        want["tcp-%d-c2s.bin" % k], want["tcp-%d-s2c.bin" % k] = up, down
    frames = [c[i] for i in range(max(map(len, convs))) for c in convs if i < len(c)]
    return write(tmp, "many.pcap", frames), want, len(frames)


def follow_all_traced(tmp, path, limit=None):
    """--follow all under strace: (exit status, stderr, out dir, opens of
    the stream files, their closes)."""
    wtest.need("strace")
    out_dir, trace = os.path.join(tmp, "out"), os.path.join(tmp, "trace")
    pre = None
    if limit:
        import resource
        pre = lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))
    cmd = ["strace", "-f", "-qq", "-o", trace, "-e", "trace=openat,close", wtest.WIRECAT,
           "read", "--follow", "all", "--follow-dir", out_dir, path]
    env = dict(os.environ)  # LeakSanitizer cannot run under ptrace
    env["ASAN_OPTIONS"] = (env.get("ASAN_OPTIONS", "") + ":detect_leaks=0").lstrip(":")
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=120 * wtest.SLOW, preexec_fn=pre, env=env)
    fds, opens, closes = set(), 0, 0
    with open(trace) as fh:
        for ln in fh:
            m = re.search(r'openat\(\d+, "(?:tcp|udp)-\d+-(?:c2s|s2c)\.bin".*= (\d+)$', ln)
            if m:
                opens += 1
                fds.add(m.group(1))
            m = re.search(r"close\((\d+)\)\s+= 0", ln)
            if m and m.group(1) in fds:
                closes += 1
    return p.returncode, p.stderr, out_dir, opens, closes


def check_files(out_dir, want):
    assert sorted(os.listdir(out_dir)) == sorted(want), sorted(os.listdir(out_dir))
    for name, b in want.items():
        with open(os.path.join(out_dir, name), "rb") as fh:
            assert sha(fh.read()) == sha(b), name


@wtest.case
def follow_all_opens_each_file_once():
    with tempfile.TemporaryDirectory() as tmp:
        path, want, nframes = interleaved(tmp, 12, 30000)
        rc, err, out_dir, opens, closes = follow_all_traced(tmp, path)
        assert rc == 0, (rc, err)
        check_files(out_dir, want)
        assert nframes > 40 * len(want), nframes  # many segments per file
        assert len(want) <= opens <= len(want) + 2, (opens, len(want))
        assert closes == opens, (closes, opens)


@wtest.case
def follow_all_more_streams_than_open_files():
    """More directions than the cache of open files and a low RLIMIT_NOFILE:
    files closed and reopened for appending keep every byte, each closed."""
    with tempfile.TemporaryDirectory() as tmp:
        path, want, _ = interleaved(tmp, 50, 3000)
        for limit in (None, 24):
            shutil.rmtree(os.path.join(tmp, "out"), ignore_errors=True)
            rc, err, out_dir, opens, closes = follow_all_traced(tmp, path, limit)
            assert rc == 0, (limit, rc, err)
            check_files(out_dir, want)
            assert opens >= len(want) and closes == opens, (limit, opens, closes)
            assert b"%d files written" % len(want) in err, err


@wtest.case
def follow_udp_stream_as_tshark():
    with tempfile.TemporaryDirectory() as tmp:
        talk, sent = udp_talk(11)
        first = conversation(40001, 1000, 2000, b"hello", b"world", False)
        path = write(tmp, "u.pcap", first[:3] + talk + first[3:])
        for k in (0, 1):
            c, _ = follow(path, "--follow", "udp:%d" % k, "--direction", "c2s")
            s2, _ = follow(path, "--follow", "udp:%d" % k, "--direction", "s2c")
            assert sha(c) == sha(sent.get((k, 0), b"")) and sha(s2) == sha(sent.get((k, 1), b""))
            if shutil.which("tshark"):
                tc, _ = tshark_raw(path, k, "udp")
                assert sha(tc) == sha(c), (k, len(tc), len(c))
        rc, _, err = wtest.run(["read", "--follow", "udp:2", path])
        assert rc == 0 and b"no such UDP stream" in err, (rc, err)
        rc, _, err = wtest.run(["read", "--follow", "all", path])
        assert rc == 2 and b"--follow-dir" in err, (rc, err)


def vxlan_icmp(outer_src, outer_dst, seq):
    """A VXLAN datagram (UDP 1000 -> 4789) carrying an ICMP echo 10.9.0.1 -> 10.9.0.2."""
    icmp = struct.pack("!BBHHH", 8, 0, 0, 7, seq) + b"ping"
    icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), seq, 0, 64, 1, 0,
                     bytes([10, 9, 0, 1]), bytes([10, 9, 0, 2]))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    inner = b"\x02\0\0\0\0\x0b\x02\0\0\0\0\x0a\x08\x00" + ip + icmp
    return udpframe(outer_src, outer_dst, 1000, 4789, struct.pack("!II", 0x08000000, 100 << 8) + inner)


@wtest.case
def follows_the_tunnels_udp_and_the_inner_tcp_as_tshark():
    """UDP streams are the tunnel's (two outer flows carrying the same inner
    packets are two streams, as tshark numbers them); TCP inside Geneve is
    followed as tshark follows it."""
    wtest.need("tshark")
    a, b, c = bytes([192, 0, 2, 1]), bytes([192, 0, 2, 2]), bytes([192, 0, 2, 3])
    with tempfile.TemporaryDirectory() as tmp:
        path = write(tmp, "vx.pcap", [vxlan_icmp(a, b, 1), vxlan_icmp(c, b, 2),
                                      vxlan_icmp(a, b, 3)])
        for k, want in ((0, 2), (1, 1)):
            out, _ = follow(path, "--follow", "udp:%d" % k)
            tc, _ = tshark_raw(path, k, "udp")
            assert len(out) == want * len(vxlan_icmp(a, b, 1)[42:]) and out == tc, (k, len(out), len(tc))
    geneve = os.path.join(wtest.SRC, "tests", "golden", "pcaps", "geneve.pcap")
    c, s = tshark_raw(geneve, 0)
    ours_c, _ = follow(geneve, "--follow", "0", "--direction", "c2s")
    ours_s, _ = follow(geneve, "--follow", "0", "--direction", "s2c")
    assert len(c) > 0 and len(s) > 0 and ours_c == c and ours_s == s, (len(c), len(ours_c))


@wtest.case
def same_bytes_as_tshark_follow():
    wtest.need("tshark")
    with tempfile.TemporaryDirectory() as tmp:
        path, up, down = make(tmp)
        c, s = tshark_raw(path, 1)
        ours_c, _ = follow(path, "--follow", "1", "--direction", "c2s")
        ours_s, _ = follow(path, "--follow", "1", "--direction", "s2c")
        assert len(c) == len(up) and len(s) == len(down), (len(c), len(s))
        assert ours_c == c and ours_s == s


def client_cuts(up):
    """(offset, length) of the client's segments in make()'s stream 1."""
    rnd = random.Random(40002)
    at, cuts = 0, []
    while at < len(up):
        n = min(rnd.randint(1, 700), len(up) - at)
        cuts.append((at, n))
        at += n
    return cuts


def follow_rc(path, *args):
    rc, out, err = wtest.run(["read", *args, path], timeout=30)
    return rc, out, err


@wtest.case
def a_missing_segment_is_a_gap_never_bytes():
    """The gap is never filled and never filled in silently: every mode says
    it on stderr with its place and exits 3; ascii and hex mark it where it
    is, on a line of its own; raw writes the bytes after it directly."""
    with tempfile.TemporaryDirectory() as tmp:
        path, up, down = make(tmp, drop=5)
        a, n = client_cuts(up)[5]
        rc, out, err = follow_rc(path, "--follow", "1", "--direction", "c2s")
        assert rc == 3, (rc, err)
        assert out == up[:a] + up[a + n:], (len(out), len(up), a, n)
        assert b"%d bytes missing in 1 gaps" % n in err, err
        said = b"stream 1 c2s: bytes %d..%d missing (%d bytes)" % (a, a + n - 1, n)
        assert said in err and b"output byte %d follows" % a in err, err
        rc, out, err = follow_rc(path, "--follow", "1", "--direction", "c2s", "--follow-as",
                                 "ascii")
        assert rc == 3 and said in err, (rc, err)
        k = out.index(b"[%d bytes missing]\n" % n)
        assert k > 0 and out[k - 1:k] == b"\n", out[k - 20:k + 30]
        rc, out, err = follow_rc(path, "--follow", "1", "--follow-as", "hex")
        assert rc == 3 and said in err, (rc, err)
        lines = out.split(b"\n")
        k = lines.index(b"[%d bytes missing]" % n)
        assert lines[k + 1].startswith(b"%08x " % (a + n)), lines[k - 1:k + 2]
        # the other direction lost nothing: exit 0, nothing said
        rc, out, err = follow_rc(path, "--follow", "1", "--direction", "s2c")
        assert rc == 0 and out == down and b"missing" not in err, (rc, err)
        # --follow all: the file and its offset are named
        d = os.path.join(tmp, "all")
        rc, out, err = follow_rc(path, "--follow", "all", "--follow-dir", d)
        assert rc == 3 and b"%d bytes missing in 1 gaps" % n in err, (rc, err)
        assert b"tcp-1-c2s.bin: %d bytes missing at file offset %d" % (n, a) in err, err
        with open(os.path.join(d, "tcp-1-c2s.bin"), "rb") as fh:
            assert fh.read() == up[:a] + up[a + n:]
        with open(os.path.join(d, "tcp-1-s2c.bin"), "rb") as fh:
            assert fh.read() == down


@wtest.case
def a_lost_last_segment_is_said_too():
    """The client's last segment is missing: nothing follows the hole but the
    FIN; the loss is said and the exit is 3 in every mode."""
    with tempfile.TemporaryDirectory() as tmp:
        cuts = client_cuts(data(20000, 1))
        path, up, down = make(tmp, drop=len(cuts) - 1)
        a, n = cuts[-1]
        for mode in ("raw", "ascii", "hex"):
            rc, out, err = follow_rc(path, "--follow", "1", "--direction", "c2s",
                                     "--follow-as", mode)
            assert rc == 3 and b"%d bytes missing in 1 gaps" % n in err, (mode, rc, err)
            assert b"bytes %d..%d missing" % (a, a + n - 1) in err, (mode, err)
        d = os.path.join(tmp, "all")
        rc, out, err = follow_rc(path, "--follow", "all", "--follow-dir", d)
        assert rc == 3 and b"tcp-1-c2s.bin: %d bytes missing at file offset %d" % (n, a) in err


@wtest.case
def overlapping_copies_keep_the_first_and_are_counted():
    with tempfile.TemporaryDirectory() as tmp:
        C, S = CLI, SRV
        f = [frame(C, S, 40000, 80, 100, 0, SYN), frame(S, C, 80, 40000, 500, 101, SYN | ACK),
             frame(C, S, 40000, 80, 111, 501, ACK | PSH, b"XXXXXXXXXX"),  # out of order
             frame(C, S, 40000, 80, 101, 501, ACK | PSH, b"abcdefghijklmnopqrst"),
             frame(C, S, 40000, 80, 121, 501, ACK | PSH, b"UVW"),
             frame(C, S, 40000, 80, 121, 501, ACK | PSH, b"uvw"),  # resent, other bytes
             frame(C, S, 40000, 80, 124, 501, FIN | ACK)]
        path = write(tmp, "o.pcap", f)
        out, err = follow(path, "--follow", "0")
        assert out == b"abcdefghijXXXXXXXXXXUVW", out
        assert b"10 bytes came again with other content" in err, err


@wtest.case
def hex_and_ascii_views():
    with tempfile.TemporaryDirectory() as tmp:
        path, _, _ = make(tmp)
        out, _ = follow(path, "--follow", "0", "--follow-as", "hex")
        assert out == (b"00000000  68 65 6c 6c 6f" + b" " * 33 + b"  hello\n"
                       b"\t00000000  77 6f 72 6c 64" + b" " * 33 + b"  world\n"), out
        out, _ = follow(path, "--follow", "0", "--follow-as", "ascii", "--direction", "s2c")
        assert out == b"world"


@wtest.case
def bad_follow_arguments_are_usage_errors():
    with tempfile.TemporaryDirectory() as tmp:
        path, _, _ = make(tmp)
        for args in (["--follow", "x"], ["--follow", "1", "--follow-as", "bin"],
                     ["--follow", "1", "--direction", "up"], ["--follow-as", "raw"],
                     ["--follow", "1.2.3.4:5,::1:6"]):
            rc, out, err = wtest.run(["read", *args, path])
            assert rc == 2 and out == b"" and b"Try 'wirecat read --help'" in err, (args, rc, err)
        rc, out, err = wtest.run(["read", "--follow", "7", path])
        assert rc == 0 and out == b"" and b"no such TCP stream" in err, (rc, err)


def transfer(port, up, down):
    """A loopback TCP transfer on port: up to the server, then down back."""
    ls = socket.socket()
    ls.bind(("127.0.0.1", port))
    ls.listen(1)
    got = []

    def server():
        c, _ = ls.accept()
        got.append(wtest.recv_exact(c, len(up), timeout=20))
        c.sendall(down)
        c.close()

    t = threading.Thread(target=server)
    t.start()
    s = wtest.connect_tcp("127.0.0.1", port)
    s.sendall(up)
    back = wtest.recv_exact(s, len(down), timeout=20)
    s.close()
    t.join(30 * wtest.SLOW)
    ls.close()
    assert got and got[0] == up and back == down


def capture_transfer(tmp, up, down):
    """Captures a loopback transfer of up and down with tcpdump. Returns the
    pcap path and tcpdump's report (it says what the kernel dropped)."""
    path = os.path.join(tmp, "lo.pcap")
    port = wtest.free_port()
    cap = subprocess.Popen([wtest.need("tcpdump"), "-i", "lo", "-s", "0", "-B", "65536", "-U",
                            "-w", path, "tcp port %d" % port],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wtest.wait_for(lambda: os.path.exists(path) and os.path.getsize(path) > 0, 10,
                       "tcpdump to start")
        transfer(port, up, down)

        def both_fins():
            o = wtest.run(["read", path])[1].decode()
            return sum(1 for ln in o.splitlines() if "Flags [F" in ln) >= 2

        wtest.wait_for(both_fins, 15, "the capture to hold both FINs")
    finally:
        cap.terminate()
        _, err = cap.communicate(timeout=10)
    return path, err.decode()


@wtest.case
def follows_a_real_loopback_transfer():
    wtest.need_root()
    up, down = data(300000, 3), data(700000, 4)
    for attempt in range(3):  # a loaded machine may drop packets: capture again
        with tempfile.TemporaryDirectory() as tmp:
            path, report = capture_transfer(tmp, up, down)
            if not re.search(r"^0 packets dropped by kernel", report, re.M) and attempt < 2:
                continue
            out, err = follow(path, "--follow", "0", "--direction", "c2s")
            assert sha(out) == sha(up), (len(out), len(up), err, report)
            out, err = follow(path, "--follow", "0", "--direction", "s2c")
            assert sha(out) == sha(down), (len(out), len(down), err, report)
            if shutil.which("tshark"):
                c, s2 = tshark_raw(path, 0)
                assert sha(c) == sha(up) and sha(s2) == sha(down)
            return


@wtest.case
def sniff_follows_a_live_transfer():
    wtest.need_root()
    up, down = data(200000, 5), data(400000, 6)
    port = wtest.free_port()
    p = wtest.Proc(["sniff", "-i", "lo", "-B", "64", "--follow", "0", "--direction", "s2c",
                    "tcp", "port", str(port)])
    try:
        p.wait_err(r"listening on", timeout=10)
        transfer(port, up, down)
        got = p.wait_out(len(down), timeout=20)
    finally:
        p.signal(signal.SIGINT)
        rc = p.wait(10)
    assert rc == 0, (rc, p.stderr_text())
    assert sha(got) == sha(down) and len(p.stdout_bytes()) == len(down), (len(got), len(down))


if __name__ == "__main__":
    wtest.main()
