#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# TCP relay throughput: SIZE bytes (default 1G) from stdin through a client,
# over loopback TCP, to a server: wirecat connect -> wirecat listen, side by
# side with nc.openbsd doing the same, and iperf3 -n SIZE as the near-limit
# reference (socat, ncat and wirecat --no-splice on request through TOOLS).
# The netcat pattern as people type it: the server's stdin is /dev/null (so a
# netcat server sends its FIN at once, or not at all, as it does), and its
# stdout goes through pipecount (tests/tools/pipecount.c: splice to
# /dev/null), which counts the bytes that arrived: a run that delivers fewer
# bytes than were sent scores 0. stdin is fed by pipegen (vmsplice from a
# constant buffer), so the feeder is never the bottleneck. Each tool's time
# runs from the client's start to the server's exit (every byte delivered).
# Medians of RUNS runs (default 3), tools alternating within each run. Prints
# a table and writes the section "## TCP relay" of RESULTS (default
# bench/RESULTS.md).
#   bench/relay.sh [SIZE]      env: SIZE RUNS BUILD WIRECAT TOOLS RESULTS
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
SIZE=${1:-${SIZE:-1G}}
RUNS=${RUNS:-3}
BUILD=${BUILD:-build}
WIRECAT=${WIRECAT:-$BUILD/wirecat}
TOOLS=${TOOLS:-"wirecat nc.openbsd iperf3"}
RESULTS=${RESULTS:-bench/RESULTS.md}

[ -x "$WIRECAT" ] || { echo "relay.sh: $WIRECAT is missing: run 'make' first" >&2; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"; jobs -p | xargs -r kill 2>/dev/null || true' EXIT
GEN=${PIPEGEN:-$BUILD/pipegen}
if [ ! -x "$GEN" ]; then
	cc -O2 -D_GNU_SOURCE -o "$TMP/pipegen" tests/tools/pipegen.c
	GEN=$TMP/pipegen
fi
COUNT=${PIPECOUNT:-$BUILD/pipecount}
if [ ! -x "$COUNT" ]; then
	cc -O2 -D_GNU_SOURCE -o "$TMP/pipecount" tests/tools/pipecount.c
	COUNT=$TMP/pipecount
fi
BYTES=$(python3 -c '
import sys
s = sys.argv[1]; m = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
print(int(s[:-1]) * m[s[-1].lower()] if s[-1].lower() in m else int(s))' "$SIZE")

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits until something listens on TCP port $1 (read from /proc/net, so no
# connection is used up).
wait_listen() {
	local hex
	hex=$(printf ':%04X' "$1")
	for _ in $(seq 1000); do
		if awk -v h="$hex" '$2 ~ (h "$") && $4 == "0A" { f = 1 } END { exit !f }' \
			/proc/net/tcp /proc/net/tcp6 2>/dev/null; then
			return 0
		fi
		sleep 0.01
	done
	echo "relay.sh: nothing listens on port $1" >&2
	return 1
}

now() { date +%s.%N; }

# Prints the GiB/s of one run of tool $1, or 0 (with a line on stderr) when
# the server received fewer bytes than were sent.
run_tool() {
	local tool=$1 port srv cli spid t0 t1 got
	port=$(free_port)
	case $tool in
	wirecat)
		srv="$WIRECAT listen 127.0.0.1 $port"
		cli="$WIRECAT connect 127.0.0.1 $port" ;;
	wirecat-rw)
		srv="$WIRECAT listen --no-splice 127.0.0.1 $port"
		cli="$WIRECAT connect --no-splice 127.0.0.1 $port" ;;
	nc.openbsd)
		srv="nc.openbsd -l 127.0.0.1 $port"
		cli="nc.openbsd -N 127.0.0.1 $port" ;;
	socat)
		srv="socat -u TCP-LISTEN:$port,bind=127.0.0.1,reuseaddr STDOUT"
		cli="socat -u STDIN TCP:127.0.0.1:$port" ;;
	ncat)
		srv="ncat -l 127.0.0.1 $port"
		cli="ncat 127.0.0.1 $port" ;;
	iperf3)
		iperf3 -s -1 -B 127.0.0.1 -p "$port" </dev/null >/dev/null 2>&1 &
		spid=$!
		wait_listen "$port"
		iperf3 -c 127.0.0.1 -p "$port" -n "$BYTES" -J >"$TMP/iperf.json" 2>/dev/null || true
		wait "$spid" 2>/dev/null || true
		python3 -c '
import json, sys
want = int(sys.argv[2])
try:
    r = json.load(open(sys.argv[1]))["end"]["sum_received"]
except (OSError, ValueError, KeyError):
    r = {"bytes": 0, "bits_per_second": 0}
# iperf3 discards what it receives and its receiver stops counting at the
# end of the test (the bytes still in flight then are not in its figure), so it is
# taken at its own receiver rate; a run that did not end is 0
if r["bytes"] == 0 or r["bytes"] < want // 2:
    print("relay.sh: iperf3 received %d of %d bytes: 0" % (r["bytes"], want), file=sys.stderr)
    print("0.000")
else:
    print("%.3f" % (r["bits_per_second"] / 8 / (1 << 30)))' "$TMP/iperf.json" "$BYTES"
		return ;;
	esac
	# the netcat pattern: the server's stdin is /dev/null, what it receives is counted
	$srv </dev/null 2>"$TMP/srv.err" | "$COUNT" >"$TMP/count" &
	spid=$!
	wait_listen "$port"
	t0=$(now)
	"$GEN" "$BYTES" | $cli >/dev/null 2>"$TMP/cli.err" || true
	wait "$spid" || true
	t1=$(now)
	got=$(cat "$TMP/count" 2>/dev/null || echo 0)
	if [ "${got:-0}" -lt "$BYTES" ]; then
		echo "relay.sh: $tool: the server received ${got:-0} of $BYTES bytes: 0" >&2
		echo "0.000"
		return
	fi
	awk -v b="$BYTES" -v a="$t0" -v z="$t1" 'BEGIN { printf "%.3f\n", b / (z - a) / (1024 * 1024 * 1024) }'
}

median_mean() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

declare -A RES
avail=""
for t in $TOOLS; do
	if [ "${t%-rw}" = wirecat ] || command -v "$t" >/dev/null; then
		avail="$avail $t"
	else
		echo "relay.sh: $t is not installed; skipped" >&2
	fi
done
echo "TCP relay: $SIZE ($BYTES bytes) x $RUNS runs:$avail"
for r in $(seq "$RUNS"); do
	for t in $avail; do
		v=$(run_tool "$t")
		RES[$t]="${RES[$t]:-} $v"
		printf '  run %d  %-11s %s GiB/s\n' "$r" "$t" "$v"
	done
done

declare -A MED
for t in $avail; do MED[$t]=$(echo "${RES[$t]}" | median_mean); done
W=${MED[wirecat]:-0}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

ver() {
	case $1 in
	wirecat) "$WIRECAT" --version 2>/dev/null | head -1 ;;
	wirecat-rw) echo "wirecat --no-splice (read/write, for comparison)" ;;
	nc.openbsd) nc.openbsd -h 2>&1 | head -1 ;;
	socat) socat -V 2>/dev/null | grep -m1 'socat version' | awk '{ print "socat", $3 }' ;;
	ncat) ncat --version 2>&1 | head -1 | awk '{ print "ncat", $3 }' ;;
	iperf3) iperf3 --version 2>/dev/null | head -1 | awk '{ print $1, $2 }' ;;
	esac
}
cmdline() {
	case $1 in
	wirecat) echo '`wirecat listen A P </dev/null` / `wirecat connect A P`' ;;
	wirecat-rw) echo 'the same with `--no-splice` on both sides' ;;
	nc.openbsd) echo '`nc.openbsd -l A P </dev/null` / `nc.openbsd -N A P`' ;;
	socat) echo '`socat -u TCP-LISTEN:P STDOUT </dev/null` / `socat -u STDIN TCP:A:P`' ;;
	ncat) echo '`ncat -l A P </dev/null` / `ncat A P`' ;;
	iperf3) echo '`iperf3 -s -1` / `iperf3 -c A -n SIZE` (its own receiver figure)' ;;
	esac
}

{
	echo "## TCP relay"
	echo
	echo "\`bench/relay.sh\`: $(machine). $SIZE from \`pipegen\` (vmsplice into a pipe) through the client's stdin, loopback TCP (127.0.0.1); the server as people run it, stdin at /dev/null, its stdout through \`pipecount\` (splice to /dev/null), which counts the bytes received: a run that delivers fewer bytes than were sent scores 0 (iperf3 discards what it receives: its own receiver rate, which leaves out the bytes still in flight at the test's end). Time from the client's start to the server's exit; medians of $RUNS runs, tools alternating. A ratio above 1 means wirecat is faster."
	echo
	echo "| tool | command (server / client) | GiB/s (median) | runs | wirecat / tool |"
	echo "| --- | --- | --- | --- | --- |"
	for t in $avail; do
		echo "| $(ver "$t") | $(cmdline "$t") | ${MED[$t]} | $(echo ${RES[$t]}) | $(ratio "$W" "${MED[$t]}") |"
	done
	echo
	line="Goals:"
	[ -n "${MED[nc.openbsd]:-}" ] && line="$line wirecat / nc.openbsd **$(ratio "$W" "${MED[nc.openbsd]}")** (goal >= 2.5);"
	[ -n "${MED[iperf3]:-}" ] && line="$line wirecat / iperf3 **$(ratio "$W" "${MED[iperf3]}")** (goal >= 0.8)."
	echo "$line wirecat moves the bytes with splice(2) (stdin pipe -> socket, socket -> stdout pipe, both directly), so no byte passes through its memory, from one poll(2) loop with 1 MiB pipes."
	if [ -n "${MED[wirecat-rw]:-}" ]; then
		echo
		echo "splice / read-write on this machine: **$(ratio "$W" "${MED[wirecat-rw]}")**. Here the read/write path (256 KiB buffers, same loop) is almost as fast, so most of the lead over nc.openbsd (16 KiB buffers) comes from moving big chunks per system call; splice avoids copying the bytes through wirecat's memory, which should count for more where copying, not the system call, is the cost (not measured here)."
	fi
} >"$TMP/section.md"

cat "$TMP/section.md"
python3 - "$RESULTS" "$TMP/section.md" "$here" <<'EOF'
import sys
path, sec = sys.argv[1], open(sys.argv[2]).read().rstrip("\n") + "\n"
sys.path.insert(0, sys.argv[-1])
from results import put_section
put_section(path, "TCP relay", sec)
EOF
echo "relay.sh: wrote the section '## TCP relay' of $RESULTS"
