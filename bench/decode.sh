#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Decoding benchmark (issue 3): builds a pcap of N (default 1,000,000) mixed
# Ethernet packets -- DNS over UDP and TCP, HTTP, TCP with options, NTP, DHCP,
# syslog, IPv6 with extension headers, ICMPv6 and ND from the tcpdump corpus,
# plus ARP and ICMP echo made here -- and times, output to /dev/null, medians
# of RUNS runs:
#   wirecat read       vs  TZ=UTC tcpdump -n -r    (one line per packet)
#   wirecat read -V    vs  TZ=UTC tcpdump -n -vv -r, tshark -n -V -r
# tcpdump runs with TZ=UTC, its fastest configuration: without TZ it calls
# localtime() per packet, which glibc makes stat /etc/localtime each time; that
# slower figure is reported too, on its own row, with its condition.
#   wirecat read --json vs tshark -n -T ek -r
# tshark is too slow for the whole file within a benchmark run, so it reads the
# first TSHARK_N (default 100,000) packets; rates are packets per second either
# way. Writes the "## Decoding" section of bench/RESULTS.md.
# The load-independent figure (instructions per packet, callgrind) comes from
# bench/decode_instr.sh, run on the same file.
# Usage: bench/decode.sh [WIRECAT]   (env N RUNS TSHARK_N)
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
wirecat=${1:-${WIRECAT:-$src/build/wirecat}}
n=${N:-1000000}
runs=${RUNS:-3}
tn=${TSHARK_N:-100000}
corpus=${CORPUS:-$(dirname "$src")/shared/corpus/tcpdump}
[ -d "$corpus" ] || corpus=/work/shared/corpus/tcpdump
need tcpdump tshark python3
built wirecat "$wirecat"
dir=$(mktemp -d /tmp/wirecat-bench-decode.XXXXXX)
trap 'rm -rf "$dir"' EXIT

python3 - "$corpus" "$dir/big.pcap" "$n" "$dir/small.pcap" "$tn" <<'EOF'
import os, struct, sys
corpus, out, n, small, tn = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
# (not dns_fwdptr.pcap: one 63 KB DNS message of chained pointers that takes
# tshark about a second alone, which is a stress test, not traffic)
names = ["dns_udp.pcap", "dns_tcp.pcap", "dnssec.pcap", "edns-opts.pcap",
         "ipv4_tcp_http_xml.pcap", "mptcp-v0.pcap", "ntp.pcap", "ntp-control.pcap", "dhcp-rfc4388.pcap",
         "syslog_udp.pcap", "icmpv6.pcap", "ipv6-routing-header.pcap", "tcp_rst_data.pcap",
         "dhcpv6-ia-na.pcap", "espudp1.pcap"]
pool = []
for name in names:
    p = os.path.join(corpus, name)
    if not os.path.exists(p):
        continue
    d = open(p, "rb").read()
    if d[:4] != b"\xd4\xc3\xb2\xa1" or struct.unpack("<I", d[20:24])[0] != 1:
        continue
    off = 24
    while off + 16 <= len(d):
        incl, orig = struct.unpack("<II", d[off + 8:off + 16])
        if off + 16 + incl > len(d):
            break
        pool.append((d[off + 16:off + 16 + incl], orig))
        off += 16 + incl
mac1, mac2 = bytes.fromhex("0024b2841922"), bytes.fromhex("02aabbccdd01")
arp = b"\xff" * 6 + mac1 + b"\x08\x06" + bytes.fromhex("0001080006040001") + mac1 + bytes([192, 168, 1, 1]) + \
    b"\0" * 6 + bytes([192, 168, 1, 27]) + b"\0" * 18
def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff
def ip4(proto, payload):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0x1234, 0x4000, 64, proto, 0,
                    bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + payload
echo = struct.pack("!BBHHH", 8, 0, 0, 7, 1) + b"x" * 56
echo = echo[:2] + struct.pack("!H", csum(echo)) + echo[4:]
icmp = mac2 + mac1 + b"\x08\x00" + ip4(1, echo)
for _ in range(max(1, len(pool) // 10)):
    pool.append((arp, len(arp)))
    pool.append((icmp, len(icmp)))
def write(path, count):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1))
        sec, usec = 1700000000, 0
        chunks = []
        for i in range(count):
            data, orig = pool[i % len(pool)]
            usec += 10
            if usec >= 1000000:
                sec, usec = sec + 1, usec - 1000000
            chunks.append(struct.pack("<IIII", sec, usec, len(data), orig))
            chunks.append(data)
            if len(chunks) > 20000:
                f.write(b"".join(chunks)); chunks = []
        f.write(b"".join(chunks))
write(out, n)
write(small, min(tn, n))
print("decode.sh: %d packets (%d distinct) in %s" % (n, len(pool), out), file=sys.stderr)
EOF

big=$dir/big.pcap small=$dir/small.pcap
w_line=$(timeit "$runs" "$wirecat" read "$big")
t_line=$(timeit "$runs" env TZ=UTC tcpdump -n -r "$big")
t_line_tz=$(timeit "$runs" env -u TZ tcpdump -n -r "$big")
w_v=$(timeit "$runs" "$wirecat" read -V "$big")
t_v=$(timeit "$runs" env TZ=UTC tcpdump -n -vv -r "$big")
s_v=$(timeit 1 tshark -n -V -r "$small")
w_j=$(timeit "$runs" "$wirecat" read --json "$big")
s_j=$(timeit 1 tshark -n -T ek -r "$small")
w_js=$(timeit "$runs" "$wirecat" read --json "$small")

info="$(machine), shared with other work, so noisy; $(tcpdump --version 2>&1 | head -1), $(tshark_version), wirecat $(wirecat_version "$wirecat")"
python3 - "${RESULTS:-$src/bench/RESULTS.md}" "$info" "$n" "$tn" "$runs" \
	"$w_line" "$t_line" "$w_v" "$t_v" "$s_v" "$w_j" "$s_j" "$w_js" "$t_line_tz" "$here" <<'EOF'
import sys
sys.path.insert(0, sys.argv[-1])
from results import put_section
path, info, n, tn, runs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
w_line, t_line, w_v, t_v, s_v, w_j, s_j, w_js, t_line_tz = map(float, sys.argv[6:15])
def rate(k, t): return k / t if t > 0 else 0
rows = [
    ("one line per packet", "`wirecat read`", rate(n, w_line), "`TZ=UTC tcpdump -n -r`", rate(n, t_line)),
    ("one line per packet", "`wirecat read`", rate(n, w_line),
     "`tcpdump -n -r`, TZ unset (localtime per packet: not its fast path)", rate(n, t_line_tz)),
    ("detailed (-V)", "`wirecat read -V`", rate(n, w_v), "`TZ=UTC tcpdump -n -vv -r`", rate(n, t_v)),
    ("detailed (-V)", "`wirecat read -V`", rate(n, w_v), "`tshark -n -V -r` (%d packets)" % tn, rate(tn, s_v)),
    ("JSON", "`wirecat read --json`", rate(n, w_j), "`tshark -n -T ek -r` (%d packets)" % tn, rate(tn, s_j)),
]
table = "| output | wirecat | packets/s | peer | packets/s | wirecat/peer |\n| --- | --- | --- | --- | --- | --- |\n"
for what, w, wr, p, pr in rows:
    table += "| %s | %s | %.0f | %s | %.0f | %.2f |\n" % (what, w, wr, p, pr, wr / pr if pr else 0)
note = ("Goals: at least 3x tcpdump's packets/s for one-line output (the TZ=UTC row counts), at least 20x tshark's. "
        "`wirecat read --json` on the %d-packet file alone: %.0f packets/s." % (tn, rate(tn, w_js)))
section = ("## Decoding\n\n`bench/decode.sh`: " + info + ". A pcap of %d mixed Ethernet packets " % n +
           "(DNS over UDP and TCP, HTTP, TCP with options, NTP, DHCP, syslog, IPv6 with extension "
           "headers, ICMPv6/ND, ARP, ICMP), output to /dev/null, wall clock, median of %s runs " % runs +
           "(tshark: 1 run on the first %d packets). wirecat/peer > 1 means wirecat is faster.\n\n" % tn +
           table + "\n" + note + "\n")
put_section(path, "Decoding", section)
print(section)
EOF
echo "written to bench/RESULTS.md (## Decoding)"
