#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Stream benchmarks (issue 10). Makes two captures here (Python, no network):
#   - mix: N (default 100,000) Ethernet frames of HTTP/1.1 over TCP, 16
#     connections at a time, responses of 2-200 KB in 1448-byte segments, 2%
#     of the segments lost (three duplicate ACKs, then the retransmission),
#     1% sent twice (spurious retransmissions), checksums right;
#   - long: one TCP connection carrying LONG_MB (default 2000) MB with loss:
#     every 997th segment arrives 20 segments late (out of order), every
#     9973rd never (a gap), an ACK every 16 segments.
# and times, output to /dev/null, medians of RUNS (default 3) runs, the peers
# in the same run:
#   a. wirecat read --json (reassembly and analysis on) vs tshark -n -T ek -r
#      (one pass, the default);
#   b. wirecat read -Y tcp.analysis.flags vs tshark -n -r F -Y tcp.analysis.flags;
#   c. wirecat read --follow all --follow-dir D vs tcpflow -r F -o D, and vs
#      tshark -q -z follow,tcp,raw,N once per stream (timed on the first
#      TSHARK_STREAMS streams, default 8, and scaled to all of them);
#   d. peak RSS (/usr/bin/time %M) of wirecat read --follow all and of
#      wirecat read --json >/dev/null on the long capture, and of tshark
#      following its stream and decoding it as ek, each under `timeout
#      TSHARK_TIMEOUT` (default 600 s) and `ulimit -v` TSHARK_VMEM_GB (8).
# Writes the "## streams" section of bench/RESULTS.md.
# Usage: bench/streams.sh [WIRECAT]   (env N RUNS LONG_MB TSHARK_STREAMS ...)
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
wirecat=${1:-${WIRECAT:-$src/build/wirecat}}
n=${N:-100000}
runs=${RUNS:-3}
long_mb=${LONG_MB:-2000}
tstreams=${TSHARK_STREAMS:-8}
ttimeout=${TSHARK_TIMEOUT:-600}
tvmem=${TSHARK_VMEM_GB:-8}
need tshark tcpflow python3 bc /usr/bin/time
built wirecat "$wirecat"
dir=$(mktemp -d "${BENCH_TMP:-/tmp}/wirecat-bench-streams.XXXXXX")
trap 'rm -rf "$dir"' EXIT
load0=$(loadavg)

python3 - "$dir" "$n" "$long_mb" "$src/tests/net" <<'EOF'
import os, random, struct, sys
d, n, long_mb = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
sys.path.insert(0, sys.argv[4])
from pktbuild import csum  # the tests' Internet checksum
rnd = random.Random(7)
BODY = rnd.randbytes(1 << 20)
MSS = 1448

def frame(src, dst, sp, dp, seq, ack, fl, data=b"", tcpsum=True):
    tcp = struct.pack("!HHIIBBHHH", sp, dp, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 0x50, fl,
                      65535, 0, 0) + data
    if tcpsum:
        c = csum(src + dst + struct.pack("!BBH", 0, 6, len(tcp)) + tcp)
        tcp = tcp[:16] + struct.pack("!H", c) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00" + ip + tcp

S, F, P, A = 2, 1, 8, 0x10
SRV = bytes([10, 1, 0, 1])

def conversation(k):
    """The frames of one HTTP exchange with loss, in capture order."""
    cli = bytes([10, 0, (k >> 8) & 255, k & 255])
    cp = 1024 + k % 60000
    c, s = rnd.randrange(1 << 32), rnd.randrange(1 << 32)
    up = lambda seq, ack, fl, data=b"": frame(cli, SRV, cp, 80, seq, ack, fl, data)
    dn = lambda seq, ack, fl, data=b"": frame(SRV, cli, 80, cp, seq, ack, fl, data)
    yield up(c, 0, S)
    yield dn(s, c + 1, S | A)
    c, s = c + 1, s + 1
    yield up(c, s, A)
    req = b"GET /obj/%d HTTP/1.1\r\nHost: bench\r\nUser-Agent: streams.sh\r\n\r\n" % k
    yield up(c, s, A | P, req)
    c += len(req)
    size = rnd.randrange(2000, 200000)
    off = rnd.randrange(len(BODY) - size)
    resp = (b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
            b"Content-Length: %d\r\n\r\n" % size) + BODY[off:off + size]
    segs = [(s + i, resp[i:i + MSS]) for i in range(0, len(resp), MSS)]
    i, acked, pending = 0, s, None
    while i < len(segs):
        seq, data = segs[i]
        if pending is None and rnd.random() < 0.02 and i + 3 < len(segs):
            pending = (i, 0)  # lost: three later segments, each with a dup ACK
            i += 1
            continue
        yield dn(seq, c, A | P, data)
        if rnd.random() < 0.01:
            yield dn(seq, c, A | P, data)  # sent twice
        if pending:
            yield up(c, acked, A)
            pending = (pending[0], pending[1] + 1)
            if pending[1] == 3:
                lseq, ldata = segs[pending[0]]
                yield dn(lseq, c, A | P, ldata)
                acked = seq + len(data)
                yield up(c, acked, A)
                pending = None
        elif i % 2:
            acked = seq + len(data)
            yield up(c, acked, A)
        i += 1
    s += len(resp)
    yield dn(s, c, A | F)
    yield up(c, s + 1, A | F)
    yield dn(s + 1, c + 1, A)

def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        t, buf, count = 1700000000 * 1000000, [], 0
        for fr in frames:
            t += 100
            buf.append(struct.pack("<IIII", t // 1000000, t % 1000000, len(fr), len(fr)))
            buf.append(fr)
            count += 1
            if len(buf) > 40000:
                f.write(b"".join(buf))
                buf = []
        f.write(b"".join(buf))
    return count

def mix():
    live, k, out = [], 0, 0
    while out < n:
        while len(live) < 16:
            live.append(conversation(k))
            k += 1
        g = rnd.choice(live)
        try:
            yield next(g)
            out += 1
        except StopIteration:
            live.remove(g)

def long_stream():
    cli, cp = bytes([10, 0, 0, 9]), 40000
    c, s = 1000, 4000000000  # the server's sequence numbers wrap
    yield frame(cli, SRV, cp, 80, c, 0, S, tcpsum=False)
    yield frame(SRV, cli, 80, cp, s, c + 1, S | A, tcpsum=False)
    c, s = c + 1, s + 1
    yield frame(cli, SRV, cp, 80, c, s, A, tcpsum=False)
    total = long_mb * 1000000
    late = []
    big = BODY * 4
    for i in range(total // MSS):
        seq = s + i * MSS
        data = big[(i * MSS) % (len(big) - MSS):][:MSS]
        if i % 9973 == 9972:
            continue  # never sent: a gap
        if i % 997 == 996:
            late.append((i + 20, seq, data))
        else:
            yield frame(SRV, cli, 80, cp, seq, c, A, data, tcpsum=False)
        while late and late[0][0] <= i:
            _, lseq, ldata = late.pop(0)
            yield frame(SRV, cli, 80, cp, lseq, c, A, ldata, tcpsum=False)
        if i % 16 == 15:
            yield frame(cli, SRV, cp, 80, c, seq + MSS, A, tcpsum=False)
    end = s + (total // MSS) * MSS
    yield frame(SRV, cli, 80, cp, end, c, A | F, tcpsum=False)
    yield frame(cli, SRV, cp, 80, c, end + 1, A | F, tcpsum=False)

print("streams.sh: mix: %d frames" % write_pcap(os.path.join(d, "mix.pcap"), mix()), file=sys.stderr)
print("streams.sh: long: %d frames" % write_pcap(os.path.join(d, "long.pcap"), long_stream()),
      file=sys.stderr)
EOF
mix=$dir/mix.pcap long=$dir/long.pcap

follow_wirecat() { rm -rf "$dir/fw"; "$wirecat" read --follow all --follow-dir "$dir/fw" "$mix"; }
follow_tcpflow() { rm -rf "$dir/ft"; mkdir "$dir/ft"; tcpflow -r "$mix" -o "$dir/ft"; }
follow_tshark() { # the first $tstreams streams, one run each
	for s in $(seq 0 $((tstreams - 1))); do
		tshark -n -r "$mix" -q -z "follow,tcp,raw,$s" >/dev/null
	done
}

w_json=$(timeit "$runs" "$wirecat" read --json "$mix")
s_json=$(timeit "$runs" tshark -n -T ek -r "$mix")
w_y=$(timeit "$runs" "$wirecat" read -Y tcp.analysis.flags "$mix")
s_y=$(timeit "$runs" tshark -n -r "$mix" -Y tcp.analysis.flags)
w_fol=$(timeit "$runs" follow_wirecat)
f_fol=$(timeit "$runs" follow_tcpflow)
s_fol=$(timeit 1 follow_tshark)
nstreams=$("$wirecat" read --follow all --follow-dir "$dir/fw2" "$mix" 2>&1 |
	sed -n 's/.* for \([0-9]*\) TCP.*/\1/p')
w_bytes=$(find "$dir/fw2" -type f -printf '%s\n' | awk '{s+=$1} END {print s+0}')
follow_tcpflow >/dev/null 2>&1
f_bytes=$(find "$dir/ft" -type f ! -name '*.xml' -printf '%s\n' | awk '{s+=$1} END {print s+0}')
w_flagged=$("$wirecat" read -Y tcp.analysis.flags "$mix" | wc -l)
s_flagged=$(tshark -n -r "$mix" -Y tcp.analysis.flags | wc -l)
rm -rf "$dir/fw" "$dir/fw2" "$dir/ft"

# peak RSS in KiB and wall s: "KIB S STATUS"
rss() {
	local out=$1; shift
	local st=0
	/usr/bin/time -f '%M %e' -o "$dir/time" "$@" >"$out" 2>"$dir/err" || st=$?
	echo "$(cat "$dir/time" | tail -1) $st"
}
long_bytes=$(stat -c %s "$long")
r_wfol=$(rss /dev/null "$wirecat" read --follow all --follow-dir "$dir/lf" "$long")
lf_bytes=$(find "$dir/lf" -type f -printf '%s\n' | awk '{s+=$1} END {print s+0}')
lf_err=$(tail -1 "$dir/err")
rm -rf "$dir/lf"
r_wjson=$(rss /dev/null "$wirecat" read --json "$long")
r_sfol=$(rss /dev/null bash -c "ulimit -v $((tvmem * 1024 * 1024)); exec timeout $ttimeout tshark -n -r '$long' -q -z follow,tcp,raw,0")
s_fol_err=$(grep -v 'Running as user' "$dir/err" | tail -c 300 | tr '\n' ' ' || true)
r_sjson=$(rss /dev/null bash -c "ulimit -v $((tvmem * 1024 * 1024)); exec timeout $ttimeout tshark -n -T ek -r '$long'")
s_json_err=$(grep -v 'Running as user' "$dir/err" | tail -c 300 | tr '\n' ' ' || true)
load1=$(loadavg)

info="$(machine), shared with other work (load average $load0 at the start, $load1 at the end), so noisy; $(tshark_version), tcpflow $(tcpflow -V 2>&1 | awk '{print $2}'), wirecat $(wirecat_version "$wirecat")"
python3 - "${RESULTS:-$src/bench/RESULTS.md}" "$info" "$n" "$runs" "$tstreams" "$nstreams" \
	"$w_json" "$s_json" "$w_y" "$s_y" "$w_fol" "$f_fol" "$s_fol" "$w_bytes" "$f_bytes" \
	"$w_flagged" "$s_flagged" "$long_bytes" "$r_wfol" "$lf_bytes" "$lf_err" "$r_wjson" \
	"$r_sfol" "$s_fol_err" "$r_sjson" "$s_json_err" "$ttimeout" "$tvmem" "$here" <<'EOF'
import sys
sys.path.insert(0, sys.argv[-1])
from results import put_section
a = sys.argv[1:]
path, info, n, runs, tstreams, nstreams = a[0], a[1], int(a[2]), a[3], int(a[4]), int(a[5])
w_json, s_json, w_y, s_y, w_fol, f_fol, s_fol = map(float, a[6:13])
w_bytes, f_bytes, w_flagged, s_flagged, long_bytes = map(int, a[13:18])
r_wfol, lf_bytes, lf_err, r_wjson, r_sfol, s_fol_err, r_sjson, s_json_err = a[18:26]
ttimeout, tvmem = a[26], a[27]
s_fol_all = s_fol / tstreams * nstreams
def rate(t): return n / t if t > 0 else 0
rows = [
    ("a. JSON, reassembly and analysis on", "`wirecat read --json`", w_json, "`tshark -n -T ek -r` (one pass)", s_json, 20),
    ("b. display filter", "`wirecat read -Y tcp.analysis.flags`", w_y, "`tshark -n -r F -Y tcp.analysis.flags`", s_y, 10),
    ("c. every stream to files", "`wirecat read --follow all --follow-dir D`", w_fol, "`tcpflow -r F -o D`", f_fol, None),
    ("c. every stream to files", "`wirecat read --follow all --follow-dir D`", w_fol,
     "`tshark -q -z follow,tcp,raw,N`, one run per stream (%d of the %d streams timed: %.1f s; scaled)"
     % (tstreams, nstreams, s_fol), s_fol_all, None),
]
table = "| test | wirecat | s | peer | s | peer/wirecat | goal |\n| --- | --- | --- | --- | --- | --- | --- |\n"
for what, w, wt, p, pt, goal in rows:
    table += "| %s | %s | %.3f | %s | %.3f | **%.1f** | %s |\n" % (
        what, w, wt, p, pt, pt / wt if wt else 0, ">= %dx" % goal if goal else "-")
def rss(field):
    kib, sec, st = field.split()
    return int(kib), float(sec), int(st)
mem = "| run on the long capture (%.2f GB) | peak RSS | wall s | exit status |\n| --- | --- | --- | --- |\n" % (long_bytes / 1e9)
for what, f in (("`wirecat read --follow all --follow-dir D`", r_wfol),
                ("`wirecat read --json >/dev/null`", r_wjson),
                ("`tshark -n -r F -q -z follow,tcp,raw,0`", r_sfol),
                ("`tshark -n -T ek -r F >/dev/null`", r_sjson)):
    kib, sec, st = rss(f)
    mem += "| %s | %.1f MB | %.1f | %d |\n" % (what, kib / 1024, sec, st)
notes = ("The mix holds %d TCP streams; `--follow all` wrote %d bytes, tcpflow %d. "
         "Frames flagged by `-Y tcp.analysis.flags`: wirecat %d, tshark %d. "
         "On the long capture `--follow all` wrote %d bytes and said: \"%s\". "
         "tshark ran under `timeout %s` and `ulimit -v` %s GB; a status of 124 is the timeout, "
         "other non-zero ones an error (tshark's last words on follow: \"%s\"; on ek: \"%s\")."
         % (nstreams, w_bytes, f_bytes, w_flagged, s_flagged, int(lf_bytes), lf_err.strip(),
            ttimeout, tvmem, s_fol_err.strip()[-200:], s_json_err.strip()[-200:]))
section = ("## streams\n\n`bench/streams.sh`: " + info + ". Captures made by the script: `mix`, %d Ethernet " % n +
           "frames of HTTP/1.1 over TCP (16 connections at a time, responses of 2-200 KB, 2%% of "
           "the segments lost then resent after three duplicate ACKs, 1%% sent twice); `long`, one "
           "TCP connection with a segment out of order every 997 and one missing every 9973, an "
           "ACK every 16. Output to /dev/null, wall clock, medians of %s runs " % runs +
           "(tshark following streams: 1 run). peer/wirecat > 1 means wirecat is faster.\n\n" +
           table + "\n" + mem + "\n" + notes + "\n")
put_section(path, "streams", section)
print(section)
EOF
echo "written to bench/RESULTS.md (## streams)"
