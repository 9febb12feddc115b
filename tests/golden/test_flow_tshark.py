#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""--flow against tshark's `-q -z flow,tcp,standard` ladder.

1. Whole ladders: for every capture of CAPTURES (and their mergecap
   concatenation, several TCP streams and hosts), `wirecat read --flow`
   prints exactly tshark's text, and the arrows parsed from both (time,
   stream, source and destination hosts, label with flags and length,
   relative seq/ack, ports) are equal; at least MIN_ARROWS arrows compared.
2. Selection: tshark's -z flow ignores -Y (it draws every packet), so for
   `read --flow -Y EXPR` the expected arrows are tshark's ladder arrows of
   the frames `tshark -Y EXPR` selects, in order; the parsed arrows must be
   equal (the lanes are then only the hosts of the selected packets).
3. Capture filter: `read --flow FILE 'tcp port 80'` draws what tshark draws
   for the file tcpdump writes with that filter (the packets a capture with
   that filter would have held: numbering and relative numbers restart).
4. No byte of a packet reaches the ladder: a capture whose TCP payload is
   control bytes and escapes gives only printable ASCII.
5. AccECN: after a SYN asking for it and each possible SYN/ACK answer,
   segments name AE, CWR and ECE as tshark's "ACE=n" exactly when tshark
   does (RST, FIN, reserved bits, a later SYN, a classic-ECN SYN too).
Skipped when tshark, mergecap or tcpdump is not installed."""
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import golden  # noqa: E402

CAPTURES = ["wc-tcp.pcap", "wc-app.pcap", "wc-snap.pcap", "wc-ipv4.pcap", "dns_tcp.pcap",
            "mptcp-v1.pcap", "tcp-handshake-nano.pcap", "ipv4_tcp_http_xml.pcap",
            "ipv4_tcp_http_xml_tso.pcap", "gso-ipv6.pcap", "tcp_rst_data-trunc.pcap",
            "heapoverflow-tcp_print.pcap", "tcp_eight_lowest_weight_flags_set.pcap",
            "geneve.pcap", "geneve-gcp.pcap"]  # TCP inside Geneve tunnels
ETHER = ["wc-tcp.pcap", "wc-app.pcap", "dns_tcp.pcap", "ipv4_tcp_http_xml.pcap",
         "ipv4_tcp_http_xml_tso.pcap"]  # one link type: a classic pcap for tcpdump
# (an arrow from a host to itself cannot be told from one to the next lane:
# 127.0.0.1 is left out)
SELECT = [x + " && !(ip.addr == 127.0.0.1)" for x in [
    "tcp.flags.syn == 1", "tcp.len > 0", "tcp.stream == 1", "tcp.port == 80",
    "tcp.flags.ack == 1 && tcp.len == 0", "!(tcp.stream in {0, 2})"]]
MIN_ARROWS = 100
MIN_SELECTED = 60

LANE = 20


def run(argv, timeout=120):
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def tshark_flow(path):
    return run(["tshark", "-q", "-z", "flow,tcp,standard", "-r", path])


def parse(text):
    """The arrows of a ladder: (time, stream, src host, dst host, label, comment, ports)."""
    lines = text.split("\n")
    if len(lines) < 2 or not lines[0]:
        return []
    conv = lines[0].startswith("Conv.")
    head = 15 if conv else 10  # the lanes start there
    names = {}
    for row, first in ((lines[0], 0), (lines[1], 1)):
        for m in re.finditer(r"\| (\S+)", row[head:]):
            col = m.start()
            names[col // LANE] = m.group(1)
    arrows = []
    stream = "0"
    i = 2
    while i + 1 < len(lines):
        a, b = lines[i], lines[i + 1]
        if a.startswith("---"):
            i += 1
            continue
        if conv:
            stream = a[:5].strip()
        m = re.match(r"\|([^|]*)(\|.*)$", a[head - 10:])
        t, lanes = m.group(1).strip(), m.group(2)
        cut = lanes.rfind("|")
        comment = lanes[cut + 1:]
        arrow = b[head:]
        gt, lt = arrow.find(">"), arrow.find("<")
        if gt >= 0:
            s = arrow.find("-")
            e = gt + 2
        else:
            e = lt
            s = arrow.rfind("-") + 2
        src, dst = (s - LANE // 2) // LANE, (e - LANE // 2) // LANE
        label = lanes[min(s, e):min(s, e) + abs(e - s)].split("|")[0].rstrip()
        ports = re.findall(r"\((\d+)\)", arrow)
        ports = tuple(ports if gt >= 0 else ports[::-1])  # (source, destination)
        arrows.append((t, stream, names.get(src), names.get(dst), label, comment, ports))
        i += 2
    return arrows


def selected_frames(path, expr):
    rc, out, err = run(["tshark", "-r", path, "-Y", expr, "-T", "fields", "-e", "frame.number"])
    return rc, {int(x) for x in out.split()}


def tap_frames(path):
    """Frame numbers of tshark's arrows, in order (the frames the TCP tap saw)."""
    rc, out, err = run(["tshark", "-r", path, "-Y", "tcp", "-T", "fields", "-e", "frame.number",
                        "-e", "frame.time_relative", "-e", "tcp.srcport", "-e", "tcp.dstport"])
    return [x.split("\t") for x in out.split("\n") if x]


def same_ladder(wc, path, what):
    trc, tout, terr = tshark_flow(path)
    wrc, wout, werr = run([wc, "read", "--flow", path])
    if trc != 0 or wrc != 0:
        print("FAIL %s: exit tshark %d, wirecat %d: %s %s" % (what, trc, wrc, terr, werr))
        return 1, 0
    ta, wa = parse(tout), parse(wout)
    if ta != wa or tout != wout:
        first = next((k for k in range(min(len(ta), len(wa))) if ta[k] != wa[k]), None)
        print("FAIL %s: %d arrows from tshark, %d from wirecat; first difference %s: %r / %r"
              % (what, len(ta), len(wa), first, ta[first] if first is not None else None,
                 wa[first] if first is not None else None))
        return 1, 0
    return 0, len(ta)


def check_select(wc, path, expr):
    """-Y: tshark's arrows of the selected frames, mapped through the times."""
    trc, tout, _ = tshark_flow(path)
    arrows = parse(tout)
    frames = tap_frames(path)
    src, sel = selected_frames(path, expr)
    # the tap sees the frames with a whole TCP header: map arrows to frames by time, in order
    want, k = [], 0
    for num, rel, sport, dport in frames:
        if (k < len(arrows) and abs(float(arrows[k][0]) - float(rel)) < 1e-6
                and arrows[k][6] == (sport, dport)):
            if int(num) in sel:
                want.append(arrows[k])
            k += 1
    if k != len(arrows):
        print("FAIL -Y %r: could not map tshark's %d arrows to frames (%d)" % (expr, len(arrows), k))
        return 1, 0
    wrc, wout, werr = run([wc, "read", "--flow", "-Y", expr, path])
    got = parse(wout)
    # the stream column shows only when the selection spans several streams, and
    # labels are cut to the distance between the lanes (at least one lane)
    norm = (lambda a: [(x[0],) + x[2:4] + (x[4][:LANE],) + x[5:] for x in a])
    if wrc != 0 or norm(got) != norm(want):
        print("FAIL -Y %r: exit %d, %d arrows, want %d: %s" % (expr, wrc, len(got), len(want), werr))
        for g, w in zip(norm(got), norm(want)):
            if g != w:
                print("  first difference: %r / %r" % (g, w))
                break
        return 1, 0
    return 0, len(want)


def check_capture_filter(wc, tmp):
    """FILTER: the packets a capture with it would have held (numbers restart)."""
    eth = os.path.join(tmp, "eth.pcap")
    subprocess.run(["mergecap", "-F", "pcap", "-w", eth]
                   + [os.path.join(golden.HERE, "pcaps", c) for c in ETHER], check=True,
                   timeout=60)
    sub = os.path.join(tmp, "port80.pcap")
    subprocess.run(["tcpdump", "-r", eth, "-w", sub, "tcp port 53 or tcp port 80"], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=True, timeout=60)
    trc, tout, _ = tshark_flow(sub)
    wrc, wout, werr = run([wc, "read", "--flow", eth, "tcp", "port", "53", "or", "tcp", "port", "80"])
    n = len(parse(tout))
    if wrc != 0 or wout != tout or n < 4:
        print("FAIL capture filter: exit %d, %d arrows from wirecat, %d from tshark %s"
              % (wrc, len(parse(wout)), n, werr))
        return 1
    return 0


def tcp_frame(seq, ack, flags, data):
    """An Ethernet/IPv4/TCP frame 10.0.0.1:1111 -> 10.0.0.2:80 (checksums left 0)."""
    tcp = struct.pack("!HHIIBBHHH", 1111, 80, seq, ack, 5 << 4, flags, 1000, 0, 0) + data
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0, 64, 6, 0,
                     bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
    return b"\0" * 6 + b"\2" * 6 + b"\x08\x00" + ip + tcp


def check_no_packet_bytes(wc, tmp):
    """A TCP payload of control bytes and ANSI escapes: the ladder stays ASCII."""
    path = os.path.join(tmp, "ctl.pcap")
    evil = b"\x1b[2J\x1b]0;owned\x07\r\x00\xff\xfe\x9b31m"
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate([tcp_frame(100, 7, 0x18, evil), tcp_frame(100 + len(evil), 7, 0x11, b"")]):
            f.write(struct.pack("<IIII", i, 0, len(fr), len(fr)) + fr)
    rc, out, err = run([wc, "read", "--flow", path])
    bad = [c for c in out if not (c == "\n" or " " <= c <= "~")]
    trc, tout, _ = tshark_flow(path)
    if rc != 0 or bad or out != tout or "Len: %d" % len(evil) not in out:
        print("FAIL control bytes: exit %d, not ASCII %r, same as tshark %s" % (rc, bad[:5], out == tout))
        return 1
    return 0


def accecn_frame(sport, dport, seq, ack, flags, data=b"", back=False):
    """An Ethernet/IPv4/TCP frame between 10.0.0.1 and 10.0.0.2 (flags of 12 bits)."""
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, (5 << 4) | (flags >> 8),
                      flags & 0xFF, 1000, 0, 0) + data
    a, b = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0, 64, 6, 0,
                     *((b, a) if back else (a, b)))
    return b"\0" * 6 + b"\2" * 6 + b"\x08\x00" + ip + tcp


def check_accecn(wc, tmp):
    """Every SYN/ACK answer to an AccECN SYN (and to a classic ECN one)."""
    AE, CWR, ECE, SYN, ACK, RST, FIN = 0x100, 0x80, 0x40, 2, 0x10, 4, 1
    frames, port = [], 3000
    for syn in (AE | CWR | ECE, CWR | ECE):
        for k in range(8):
            sa = (AE if k & 4 else 0) | (CWR if k & 2 else 0) | (ECE if k & 1 else 0)
            port += 1
            frames += [accecn_frame(port, 80, 100, 0, SYN | syn),
                       accecn_frame(80, port, 500, 101, SYN | ACK | sa, back=True),
                       accecn_frame(port, 80, 101, 501, ACK | CWR | 0x200, b"abc"),
                       accecn_frame(80, port, 501, 104, ACK, back=True),
                       accecn_frame(80, port, 501, 104, ACK | AE | ECE, back=True),
                       accecn_frame(port, 80, 104, 501, ACK | FIN | AE | CWR | ECE),
                       accecn_frame(port, 80, 105, 0, RST | AE)]
    path = os.path.join(tmp, "accecn.pcap")
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            f.write(struct.pack("<IIII", i, 0, len(fr), len(fr)) + fr)
    trc, tout, _ = tshark_flow(path)
    rc, out, err = run([wc, "read", "--flow", path])
    n = tout.count("ACE=")
    if rc != 0 or out != tout or n < 20:
        print("FAIL AccECN: exit %d, same as tshark %s, %d ACE labels from tshark, %d ours"
              % (rc, out == tout, n, out.count("ACE=")))
        for t, w in zip(tout.splitlines(), out.splitlines()):
            if t != w:
                print("  first difference: %r / %r" % (t, w))
                break
        return 1
    return 0


def main():
    for tool in ("tshark", "mergecap", "tcpdump"):
        if not shutil.which(tool):
            print("%s not installed: 0 passed, 0 failed, 1 skipped" % tool)
            return 77
    wc = golden.wirecat()
    fails = arrows = selected = 0
    with tempfile.TemporaryDirectory() as tmp:
        paths = [os.path.join(golden.HERE, "pcaps", c) for c in CAPTURES]
        # in time order: the streams interleave; each packet's time is printed in
        # its interface's precision (the nanosecond capture's 9 digits)
        merged = os.path.join(tmp, "all.pcapng")
        subprocess.run(["mergecap", "-F", "pcapng", "-w", merged] + paths, check=True,
                       timeout=60)
        for p in paths + [merged]:
            f, n = same_ladder(wc, p, os.path.basename(p))
            fails += f
            arrows += n
        for expr in SELECT:
            f, n = check_select(wc, merged, expr)
            fails += f
            selected += n
        fails += check_capture_filter(wc, tmp)
        fails += check_no_packet_bytes(wc, tmp)
        fails += check_accecn(wc, tmp)
    print("%d arrows compared whole, %d through -Y" % (arrows, selected))
    if arrows < MIN_ARROWS or selected < MIN_SELECTED:
        print("FAIL: fewer than %d arrows or %d selected compared" % (MIN_ARROWS, MIN_SELECTED))
        fails += 1
    print("%d passed, %d failed, 0 skipped" % (0 if fails else 1, 1 if fails else 0))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
