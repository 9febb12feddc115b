#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Cross-check with tcpdump: `wirecat read FLAGS FILE` and `tcpdump -n -r FILE
FLAGS` (both with TZ=UTC) on the golden captures must agree on what the
tcpdump flags promise, packet by packet:
  -tt -ttt -tttt -ttttt  the time stamp of every line
  -x -xx -X -XX          the hex dump lines (network layer, link layer)
  -e                     the link-level header ("src > dst, ethertype ..., length N: ")
  -A                     the packet as text (tcpdump's tab shown as '.', see below)
  -q                     the quiet transport summary ("tcp 6", "UDP, length 33")
  -v -vv                 the IP header in parentheses, the checksum verdicts
  -S                     absolute TCP sequence numbers (and the relative default)
and `sniff -r FILE` must print what `read FILE` prints.
Both sides must print the same number of packets, and each check must compare
at least a minimum number of lines, so it cannot pass by comparing nothing.
Packets either side calls truncated or invalid are left out of the dump and
text checks (the two decoders draw the line for a cut header differently).
wirecat never writes a packet's tab raw to the terminal (only '\\n'), so a tab
in tcpdump's -A text is compared as '.'. Skipped when tcpdump is missing."""
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import golden  # noqa: E402

PCAPS = os.path.join(golden.HERE, "pcaps")
# Captures with Ethernet, VLAN, cooked, loopback and raw link types; the
# wc-snap.pcap and fuzz-corpus captures with damaged headers are not used.
CAPTURES = [
    "wc-arp.pcap", "wc-udp.pcap", "wc-tcp.pcap", "wc-icmp.pcap", "wc-icmp6.pcap", "wc-ipv6ext.pcap",
    "wc-ipv4.pcap", "wc-dns.pcap", "wc-app.pcap", "wc-vlan.pcap", "wc-sll.pcap", "wc-null.pcap",
    "wc-raw.pcap", "wc-text.pcap", "dns_udp.pcap", "dns_udp_2.pcap", "dns_tcp.pcap",
    "ipv4_tcp_http_xml.pcap", "802.1ad_QinQ.pcap", "mptcp-v1.pcap", "tcp-handshake-nano.pcap",
    "LINKTYPE_RAW_ipv6.pcap", "dhcp-rfc3004.pcap", "loopback.pcap", "geneve.pcap",
    "geneve-gcp.pcap"]  # (vxlan.pcap: tcpdump starts the inner frame on a line of its own)
# a packet line with -tt: epoch seconds, a dot, six digits
PKT = re.compile(r"^\d{9,11}\.\d{6} ")
BAD = ("[|", "(invalid", "truncated", "bad length", "bad hdr", "[bad opt]")
# (capture, packet index from 0, check): why it is not compared
KNOWN = {
    ("wc-null.pcap", 2, "ascii"): "tcpdump prints an unknown address family's bytes in hex whatever the flags",
}
VLAN = re.compile(r"^(\S+ )(?:vlan \d+, p \d+, )+")

FAILS = []


def run(argv):
    env = dict(os.environ, TZ="UTC")
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, timeout=120)
    return p.returncode, p.stdout.decode("latin-1")


def both(cap, flags):
    path = os.path.join(PCAPS, cap)
    rt, t = run(["tcpdump", "-n", "-r", path] + flags)
    rw, w = run([golden.wirecat(), "read"] + flags + [path])
    if rw not in (0, 3):
        fail("%s %s: wirecat exit %d" % (cap, " ".join(flags), rw))
    return t, w


def fail(msg):
    FAILS.append(msg)
    if len(FAILS) <= 30:
        print("FAIL " + msg)


def packets(text):
    """Splits -tt output into (summary line, following lines) per packet."""
    out = []
    for line in text.split("\n"):
        if PKT.match(line):
            out.append([line, []])
        elif out:
            out[-1][1].append(line)
    return out


def same_count(cap, flags, tp, wp):
    if len(tp) != len(wp):
        fail("%s %s: tcpdump printed %d packets, wirecat %d" % (cap, " ".join(flags), len(tp), len(wp)))
        return False
    return True


def damaged(*lines):
    return any(b in line for line in lines for b in BAD)


def check_times():
    compared = 0
    for cap in CAPTURES:
        for flags in (["-tt"], ["-ttt"], ["-tttt"], ["-ttttt"], []):
            t, w = both(cap, flags)
            # tcpdump's hex of a packet it cannot decode is not a packet line
            tl = [x for x in t.splitlines() if not x.startswith("\t")]
            wl = w.splitlines()
            if len(tl) != len(wl):
                fail("%s %s: %d lines from tcpdump, %d from wirecat" % (cap, flags, len(tl), len(wl)))
                continue
            pat = re.compile(r"^( ?\d+:\d\d:\d\d\.\d{6}|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}|\d+\.\d{6}) ")
            for a, b in zip(tl, wl):
                ma, mb = pat.match(a), pat.match(b)
                if not ma or not mb or ma.group(1) != mb.group(1):
                    fail("%s %s: time stamps differ:\n  tcpdump %r\n  wirecat %r" % (cap, flags, a[:40], b[:40]))
                compared += 1
    return compared, 300


def check_hex():
    compared = 0
    for cap in CAPTURES:
        for flag in ("-x", "-xx", "-X", "-XX"):
            t, w = both(cap, ["-tt", flag])
            tp, wp = packets(t), packets(w)
            if not same_count(cap, [flag], tp, wp):
                continue
            for (ts, th), (ws, wh) in zip(tp, wp):
                if damaged(ts, ws):
                    continue
                th = [x for x in th if x]
                wh = [x for x in wh if x]
                if th != wh:
                    fail("%s %s: hex differs for %r:\n  tcpdump %r\n  wirecat %r" % (cap, flag, ts[:60], th[:3], wh[:3]))
                compared += len(th)
    return compared, 1000


LINKHDR = re.compile(r"^\S+ (.*?, length \d+: )")


def check_link():
    compared = 0
    for cap, flags in [(c, f) for c in CAPTURES for f in (["-e"], ["-q", "-e"])]:
        t, w = both(cap, ["-tt"] + flags)
        tp, wp = packets(t), packets(w)
        if not same_count(cap, flags, tp, wp):
            continue
        for (ts, _), (ws, _) in zip(tp, wp):
            if damaged(ts, ws):
                continue
            mt, mw = LINKHDR.match(ts), LINKHDR.match(ws)
            if not mt:
                continue  # a link type tcpdump prints without a length (raw IP: "ip: ")
            if not mw or mt.group(1) != mw.group(1):
                fail("%s %s: link header differs:\n  tcpdump %r\n  wirecat %r" % (cap, flags, ts, ws))
            elif ws[mw.end():].startswith(("IP ", "IP6 ", "ARP, ")):
                fail("%s %s: the protocol name is printed twice: %r" % (cap, flags, ws))
            compared += 1
    return compared, 60


def check_ascii():
    compared = 0
    for cap in CAPTURES:
        t, w = both(cap, ["-tt", "-A"])
        tp, wp = packets(t), packets(w)
        if not same_count(cap, ["-A"], tp, wp):
            continue
        for k, ((ts, ta), (ws, wa)) in enumerate(zip(tp, wp)):
            if damaged(ts, ws) or (cap, k, "ascii") in KNOWN:
                continue
            ta = "\n".join(ta).replace("\t", ".")
            wa = "\n".join(wa)
            if ta != wa:
                fail("%s -A: text differs for %r:\n  tcpdump %r\n  wirecat %r" % (cap, ts[:60], ta[:80], wa[:80]))
            compared += 1
    return compared, 100


QUIET = re.compile(r": (tcp \d+|UDP, length \d+)$")
EXT6 = re.compile(r": (HBH|RT6|DSTOPT|frag \()")
CKSUM_NOTE = re.compile(r"( \[[^\]]*cksum[^\]]*\])+$")


def check_quiet():
    compared = 0
    for cap in CAPTURES:
        t, w = both(cap, ["-tt", "-q"])
        tp, wp = packets(t), packets(w)
        if not same_count(cap, ["-q"], tp, wp):
            continue
        for (ts, _), (ws, _) in zip(tp, wp):
            # IPv6 extension headers: tcpdump names them and puts the ports
            # after them, with or without -q (wirecat keeps the ports on the
            # addresses); not a -q matter
            if damaged(ts, ws) or not QUIET.search(ts) or EXT6.search(ts):
                continue
            ws = CKSUM_NOTE.sub("", ws)
            if ts != ws:
                fail("%s -q: lines differ:\n  tcpdump %r\n  wirecat %r" % (cap, ts, ws))
            compared += 1
    return compared, 60


SUMS = re.compile(r"cksum 0x[0-9a-f]{4} \((?:correct|incorrect -> 0x[0-9a-f]{4}|offloaded)\)"
                  r"|\[(?:udp|icmp6) sum ok\]|\[udp sum offloaded\]"
                  r"|\[bad \w+ cksum 0x[0-9a-f]{4} -> 0x[0-9a-f]{4}!\]|\[no cksum\]")
# A partial checksum (CHECKSUM_PARTIAL: the pseudo-header sum, in captures on
# lo or of outgoing packets) is "incorrect" to tcpdump and "offloaded" to
# wirecat, deliberately (the dissector proves the field equals the folded
# pseudo-header sum). Only that pairing is forgiven.
TCP_PARTIAL = re.compile(r"cksum (0x[0-9a-f]{4}) \(incorrect -> 0x[0-9a-f]{4}\)")
UDP_PARTIAL = re.compile(r"\[bad udp cksum 0x[0-9a-f]{4} -> 0x[0-9a-f]{4}!\]")


def forgive_partial(tcpdump_sums, wirecat_sums):
    """tcpdump's verdicts with each one wirecat calls offloaded mapped to that."""
    out = []
    for a, b in zip(tcpdump_sums, wirecat_sums):
        m = TCP_PARTIAL.fullmatch(a)
        if m and b == "cksum %s (offloaded)" % m.group(1):
            a = b
        elif UDP_PARTIAL.fullmatch(a) and b == "[udp sum offloaded]":
            a = b
        out.append(a)
    return out + tcpdump_sums[len(out):]
IP6V = re.compile(r"IP6 (\(.*?payload length: \d+\) )")


def check_verbose():
    """-v/-vv: tcpdump's IPv4 header line, IPv6 parenthesis and the checksum
    verdicts it prints inline."""
    compared = 0
    for cap, flag in [(c, f) for c in CAPTURES for f in ("-v", "-vv")]:
        t, w = both(cap, ["-tt", flag])
        tp, wp = packets(t), packets(w)
        if not same_count(cap, [flag], tp, wp):
            continue
        for k, ((ts, tf), (ws, wf)) in enumerate(zip(tp, wp)):
            if damaged(ts, ws, *tf) or damaged(*wf) or (cap, k, "verbose") in KNOWN:
                continue
            if "IP bad-len 0" in ts and (wf[0] if wf else ws).endswith("[GSO]"):
                continue  # a TSO super-packet (IP length 0): wirecat decodes it, labelled
            ws = VLAN.sub(r"\1", ws)  # wirecat names VLAN tags without -e too
            if " IP (" in ts:
                if ts != ws:
                    fail("%s %s: IPv4 header differs:\n  tcpdump %r\n  wirecat %r" % (cap, flag, ts, ws))
                compared += 1
            m = IP6V.search(ts)
            if m:
                if m.group(1) not in ws:
                    fail("%s %s: IPv6 header %r missing in %r" % (cap, flag, m.group(1), ws))
                compared += 1
            # the transport line: the line after an IPv4 header, else the first
            tl = tf[0] if " IP (" in ts and tf else ts
            wl = wf[0] if " IP (" in ws and wf else ws
            a, b = SUMS.findall(tl), SUMS.findall(wl)
            a = forgive_partial(a, b)
            if a != b:
                fail("%s %s: checksums differ:\n  tcpdump %r\n  wirecat %r" % (cap, flag, tl, wl))
            compared += len(a)
    return compared, 150


SEQ = re.compile(r"(?:seq|ack) \d+(?::\d+)?")


def check_seq():
    """-S absolute and the default relative TCP numbers."""
    compared = 0
    for cap, flags in [(c, f) for c in CAPTURES for f in (["-S"], [])]:
        t, w = both(cap, ["-tt"] + flags)
        tp, wp = packets(t), packets(w)
        if not same_count(cap, flags, tp, wp):
            continue
        for (ts, _), (ws, _) in zip(tp, wp):
            if damaged(ts, ws) or "Flags [" not in ts:
                continue
            a, b = SEQ.findall(ts.split(", win")[0]), SEQ.findall(ws.split(", win")[0])
            if a != b:
                fail("%s %s: sequence numbers differ:\n  tcpdump %r\n  wirecat %r" % (cap, flags, ts, ws))
            compared += len(a)
    return compared, 100


def check_sniff_r():
    """sniff -r FILE is read FILE, with its print options and filter; live
    capture options are refused."""
    compared = 0
    wc = golden.wirecat()
    for cap in ("wc-text.pcap", "wc-dns.pcap"):
        path = os.path.join(PCAPS, cap)
        for flags in (["-X"], ["-e", "-tttt"], ["-v", "-c", "3"], ["-A"]):
            _, a = run([wc, "read"] + flags + [path, "udp", "or", "tcp"])
            rb, b = run([wc, "sniff", "-r", path] + flags + ["udp", "or", "tcp"])
            if rb != 0 or a != b or not a:
                fail("sniff -r %s %s: exit %d, %d bytes, read printed %d" % (cap, flags, rb, len(b), len(a)))
            compared += len(a.splitlines())
    for bad in (["-i", "lo"], ["-B", "4"], ["-p"], ["--pid", "1"]):
        p = subprocess.run([wc, "sniff", "-r", os.path.join(PCAPS, "wc-udp.pcap")] + bad,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
        if p.returncode != 2 or b"-r reads a file" not in p.stderr:
            fail("sniff -r with %s: exit %d, %r (want 2 and a usage line)" % (bad, p.returncode, p.stderr))
        compared += 1
    return compared, 30


def main():
    if not shutil.which("tcpdump"):
        print("tcpdump not installed: 0 passed, 0 failed, 1 skipped")
        return 77
    passed = failed = 0
    for name, check in (("time stamps", check_times), ("hex dumps", check_hex),
                        ("link headers", check_link), ("ascii", check_ascii), ("quiet", check_quiet),
                        ("verbose", check_verbose), ("sequence numbers", check_seq),
                        ("sniff -r", check_sniff_r)):
        before = len(FAILS)
        compared, minimum = check()
        if compared < minimum:
            fail("%s: only %d lines compared (at least %d expected)" % (name, compared, minimum))
        ok = len(FAILS) == before
        print("%s %s: %d lines compared" % ("ok  " if ok else "FAIL", name, compared))
        passed += ok
        failed += not ok
    print("%d passed, %d failed, 0 skipped" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
