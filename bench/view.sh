#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# wirecat view benchmark (issue 11): a pcap of N (default 1,000,000) packets
# (TCP to ports 5005 and 80, every 7th a retransmission, a DNS-port UDP
# datagram every 10th: 73 MB), and for each tool the time to its first rows
# and its memory, medians of RUNS runs (tshark's full read: FULL_RUNS runs):
#   wirecat view F     start -> the answer to /api/rows?start=0&count=100 (the
#                      page's first request); start -> the first pass done
#                      (/api/summary says indexing false); peak RSS (VmHWM)
#                      after the pass and a filter over the whole file
#   tshark -r F -c 1   start -> exit (the floor: tshark's start-up and first packet)
#   tshark -r F        start -> its first line on stdout; start -> exit (the
#                      full load), peak RSS (ru_maxrss)
# Writes the "## wirecat view" section of bench/RESULTS.md.
# Usage: bench/view.sh [WIRECAT]   (env N RUNS FULL_RUNS)
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
wirecat=${1:-${WIRECAT:-$src/build/wirecat}}
n=${N:-1000000}
runs=${RUNS:-3}
full=${FULL_RUNS:-1}
need tshark python3
built wirecat "$wirecat"
dir=$(mktemp -d /tmp/wirecat-bench-view.XXXXXX)
trap 'rm -rf "$dir"' EXIT
info="$(machine), load average $(loadavg) at start; $(tshark --version | head -1 | sed "s/\.$//"), wirecat $(wirecat_version "$wirecat")"

python3 - "$wirecat" "$dir/big.pcap" "$n" "$runs" "$full" "${RESULTS:-$src/bench/RESULTS.md}" "$info" "$here" <<'EOF'
import json, os, re, resource, statistics, struct, subprocess, sys, time, urllib.request
wirecat, path, n, runs, full, results, info = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6], sys.argv[7]
sys.path.insert(0, sys.argv[-1])
from results import put_section

def ipv4(proto, payload):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0, 64, proto, 0, b"\n\0\0\1", b"\n\0\0\2")
    return b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00" + h + payload

def tcp(sport, dport, seq, flags=0x10, data=b""):
    return struct.pack("!HHIIBBHHH", sport, dport, seq, 1, 0x50, flags, 512, 0, 0) + data

t5 = [ipv4(6, tcp(40000, 5005, 1000 + i * 10, 0x18, b"0123456789")) for i in range(256)]
t80 = ipv4(6, tcp(40001, 80, 5))
udp = ipv4(17, struct.pack("!HHHH", 5353, 53, 8, 0))
with open(path, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    chunk = []
    for i in range(n):
        fr = udp if i % 10 == 9 else t80 if i % 10 == 8 else t5[(i - (i % 7 == 6)) % 256]
        chunk.append(struct.pack("<IIII", 1700000000 + i // 1000, (i % 1000) * 1000, len(fr), len(fr)))
        chunk.append(fr)
        if len(chunk) >= 20000:
            f.write(b"".join(chunk))
            chunk = []
    f.write(b"".join(chunk))
size = os.path.getsize(path)
subprocess.run(["cat", path], stdout=subprocess.DEVNULL)  # into the page cache for every tool

def get(url):
    with urllib.request.urlopen(url, timeout=120) as r:
        return json.loads(r.read())

def hwm(pid):
    return int(re.search(r"VmHWM:\s+(\d+)", open("/proc/%d/status" % pid).read()).group(1))

def wirecat_run():
    t0 = time.monotonic()
    p = subprocess.Popen([wirecat, "view", path], stdout=subprocess.PIPE)
    url = p.stdout.readline().decode().strip()
    r = get(url + "api/rows?start=0&count=100")
    first = time.monotonic() - t0
    assert len(r["rows"]) == 100
    while get(url + "api/summary")["indexing"]:
        time.sleep(0.01)
    load = time.monotonic() - t0
    f = get(url + "api/rows?start=0&count=100&filter=udp")
    while not f["done"]:
        time.sleep(0.02)
        f = get(url + "api/rows?start=0&count=0&filter=udp")
    assert f["total"] == n // 10, f["total"]
    peak = hwm(p.pid)
    p.terminate()
    assert p.wait(30) == 0
    return first, load, peak

def tshark_first():
    t0 = time.monotonic()
    p = subprocess.Popen(["tshark", "-n", "-r", path], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    p.stdout.readline()
    first = time.monotonic() - t0
    p.kill()
    p.wait()
    return first

def timed(cmd):
    t0 = time.monotonic()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert p.returncode == 0, cmd
    return time.monotonic() - t0, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss

w = [wirecat_run() for _ in range(runs)]
floor = [timed(["tshark", "-n", "-r", path, "-c", "1"]) for _ in range(runs)]
tfirst = [tshark_first() for _ in range(runs)]
tfull = [timed(["tshark", "-n", "-r", path]) for _ in range(full)]
med = statistics.median
w_first, w_load, w_rss = med(x[0] for x in w), med(x[1] for x in w), max(x[2] for x in w)
table = ("| tool | first rows (s) | whole file (s) | peak RSS (MB) |\n| --- | --- | --- | --- |\n"
         "| `wirecat view F` (first /api/rows answer; first pass done) | %.3f | %.2f | %.1f |\n"
         "| `tshark -n -r F -c 1` (the floor: start, one packet, exit) | %.3f | - | %.1f |\n"
         "| `tshark -n -r F` (its first line; full read to /dev/null) | %.3f | %.2f | %.1f |\n"
         % (w_first, w_load, w_rss / 1024, med(x[0] for x in floor), floor[-1][1] / 1024,
            med(tfirst), med(x[0] for x in tfull), tfull[-1][1] / 1024))
note = ("Goals: first rows in under 1 s (**%.3f s**), memory bounded by a constant, not the file size "
        "(**%.1f MB** peak for a %d MB file, after the first pass and a filter over every packet; "
        "test_view_server asserts < 64 MiB). First rows vs tshark's first line: **%.1fx** sooner; vs the floor: %.1fx. "
        "tshark's peak RSS is the largest of the runs so far (ru_maxrss of the children)."
        % (w_first, w_rss / 1024, size >> 20, med(tfirst) / w_first, med(x[0] for x in floor) / w_first))
section = ("## wirecat view\n\n`bench/view.sh`: " + info + ". A pcap of %d packets (%d MB: TCP to two ports with "
           "retransmissions, a UDP datagram every 10th), read once before (page cache warm). wirecat: time from "
           "the start to the answer of the page's first request (`/api/rows?start=0&count=100`) and to the end "
           "of its first pass (index, --stats, I/O counts); its peak RSS (VmHWM) after that and a filter (`udp`) "
           "over the whole file. Medians of %d runs (tshark's full read: %d).\n\n" % (n, size >> 20, runs, full)
           + table + "\n" + note + "\n")
put_section(results, "wirecat view", section)
print(section)
EOF
echo "written to bench/RESULTS.md (## wirecat view)"
