#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Live-capture benchmark (issue 3): tests/tools/udpblast sends UDP on lo with
# sendmmsg at full rate for SECS seconds (default 10) while one capture runs:
# nothing (the blaster alone), `tcpdump -i lo -B KiB -w /dev/null`, and
# `wirecat sniff -i lo -B MiB -w /dev/null`, with the same buffer (BUF MiB,
# default 4) and the same filter (udp port P). Reported, medians of RUNS runs:
# the blaster's rate, the capture's own packet count and kernel drops, and its
# CPU time (from /proc/PID/schedstat, i.e. user+system, read after the
# blaster stops)
# per captured packet. Writes the "## Live capture" section of
# bench/RESULTS.md. Needs root.
# Usage: bench/live.sh [WIRECAT [UDPBLAST]]   (env SECS RUNS BUF)
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
wirecat=${1:-${WIRECAT:-$src/build/wirecat}}
blast=${2:-${UDPBLAST:-$(dirname "$wirecat")/udpblast}}
secs=${SECS:-10}
runs=${RUNS:-3}
buf=${BUF:-4}
[ "$(id -u)" = 0 ] || { echo "live.sh: needs root" >&2; exit 1; }
need tcpdump
built wirecat "$wirecat"
built udpblast "$blast"
dir=$(mktemp -d /tmp/wirecat-bench-live.XXXXXX)
trap 'rm -rf "$dir"' EXIT
hz=$(getconf CLK_TCK)

# one run: prints "rate captured dropped cpu_seconds"
one() {
	local tool=$1 port pid rate cpu line cap drop
	port=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	: >"$dir/err"
	case $tool in
	none) pid= ;;
	tcpdump)
		tcpdump -i lo -n -B $((buf * 1024)) -w /dev/null "udp port $port" 2>"$dir/err" &
		pid=$! ;;
	wirecat)
		"$wirecat" sniff -i lo -B "$buf" -w /dev/null udp port "$port" 2>"$dir/err" &
		pid=$! ;;
	esac
	if [ -n "$pid" ]; then
		for _ in $(seq 100); do grep -q "listening on" "$dir/err" && break; sleep 0.05; done
	fi
	rate=$("$blast" -t "$secs" -p "$port" | sed -n 's/.* \([0-9]*\) packets\/s.*/\1/p')
	cap=0 drop=0 cpu=0
	if [ -n "$pid" ]; then
		sleep 1.5 # let the capture drain its ring
		# schedstat: nanoseconds on the CPU (user + system); stat's ticks are too coarse
		if [ -r "/proc/$pid/schedstat" ]; then
			cpu=$(awk '{print $1 / 1e9}' "/proc/$pid/schedstat")
		else
			cpu=$(awk -v hz="$hz" '{print ($14 + $15) / hz}' "/proc/$pid/stat")
		fi
		kill -TERM "$pid"
		wait "$pid" || true
		if [ "$tool" = tcpdump ]; then
			cap=$(sed -n 's/^\([0-9]*\) packets captured.*/\1/p' "$dir/err")
			drop=$(sed -n 's/^\([0-9]*\) packets dropped by kernel.*/\1/p' "$dir/err")
		else
			line=$(grep "packets captured" "$dir/err")
			cap=$(echo "$line" | sed -n 's/^\([0-9]*\) packets captured.*/\1/p')
			drop=$(echo "$line" | sed -n 's/.* \([0-9]*\) dropped by kernel.*/\1/p')
		fi
	fi
	echo "$rate ${cap:-0} ${drop:-0} $cpu"
}

# rounds of the three, so the machine's other load falls on all of them alike
: >"$dir/none" >"$dir/tcpdump" >"$dir/wirecat"
for _ in $(seq "$runs"); do
	for tool in none tcpdump wirecat; do
		one "$tool" >>"$dir/$tool"
		echo "live.sh: $tool: rate captured dropped cpu_s = $(tail -1 "$dir/$tool")" >&2
	done
done

info="$(machine), shared with other work, so noisy; $(tcpdump --version 2>&1 | head -1), $(tcpdump --version 2>&1 | sed -n 2p), wirecat $(wirecat_version "$wirecat")"
python3 - "${RESULTS:-$src/bench/RESULTS.md}" "$info" "$secs" "$runs" "$buf" "$dir" "$here" <<'EOF'
import statistics, sys
path, info, secs, runs, buf, d = sys.argv[1:7]
sys.path.insert(0, sys.argv[-1])
from results import put_section
def load(tool):
    rows = [list(map(float, l.split())) for l in open(d + "/" + tool) if l.strip()]
    med = lambda i: statistics.median(r[i] for r in rows)
    per = statistics.median(r[3] / r[1] * 1e9 if r[1] else 0 for r in rows)
    return med(0), med(1), med(2), med(3), per
none, td, wc = load("none"), load("tcpdump"), load("wirecat")
table = ("| capture | blaster packets/s | captured | dropped | capture CPU s | CPU ns/packet |\n"
         "| --- | --- | --- | --- | --- | --- |\n")
table += "| none (blaster alone) | %.0f | - | - | - | - |\n" % none[0]
for name, r in (("`tcpdump -i lo -B %d -w /dev/null`" % (int(buf) * 1024), td),
                ("`wirecat sniff -i lo -B %s -w /dev/null`" % buf, wc)):
    table += "| %s | %.0f | %.0f | %.0f | %.3f | %.0f |\n" % (name, r[0], r[1], r[2], r[3], r[4])
ratio = wc[4] / td[4] if td[4] else 0
note = ("CPU per packet, wirecat/tcpdump: **%.2f** (goal <= 0.7). Blaster rate while capturing, "
        "wirecat/tcpdump: **%.2f** (goal >= 1). Drops: tcpdump %.0f, wirecat %.0f (goal 0). "
        "On lo the kernel hands tcpdump every packet twice (out and in) and libpcap drops the outgoing "
        "copy in user space; wirecat keeps it out of the ring with PACKET_IGNORE_OUTGOING."
        % (ratio, wc[0] / td[0] if td[0] else 0, td[2], wc[2]))
section = ("## Live capture\n\n`bench/live.sh`: " + info + ". `udpblast` (sendmmsg, 64-byte payloads) "
           "on 127.0.0.1 for %s s per run while one capture runs with the filter `udp port P`; " % secs +
           "capture CPU is the capture process's time on the CPU (user+system, /proc/PID/schedstat); medians of %s runs.\n\n" % runs +
           table + "\n" + note + "\n")
put_section(path, "Live capture", section)
print(section)
EOF
echo "written to bench/RESULTS.md (## Live capture)"
