#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Echo server benchmarks, side by side on loopback, medians of RUNS runs:
#   UDP echo:        round trips/s with 64 datagrams of 64 bytes in flight
#                    (tests/tools/loadgen.c udp), against the simplest Python
#                    recvfrom/sendto server (bench/udp_echo.py) and socat
#   Concurrent TCP:  ping-pong round trips/s of 64-byte messages over 100,
#                    1,000 and 10,000 connections (loadgen tcp), against
#                    socat (fork per connection) and ncat --keep-open --exec
# A server "holds" N connections when all N connect and every one finishes
# its ping-pong with no error. Prints the tables with ratios and writes them
# into the "## UDP echo" and "## Concurrent TCP" sections of bench/RESULTS.md.
# Usage: bench/echo.sh [WIRECAT]   (env RUNS=3 SECS=5 CONNS="100 1000 10000"
#        LOADGEN=path ONLY=udp|tcp RESULTS=path)
set -uo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
wirecat=${1:-${WIRECAT:-$src/build/wirecat}}
loadgen=${LOADGEN:-$(dirname "$wirecat")/loadgen}
runs=${RUNS:-3}
secs=${SECS:-5}
conns=${CONNS:-"100 1000 10000"}
only=${ONLY:-}
results=${RESULTS:-$src/bench/RESULTS.md}
built wirecat "$wirecat"
built loadgen "$loadgen"
need python3 socat ncat
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
tmp=$(mktemp -d /tmp/wirecat-bench-echo.XXXXXX)
server_pid=""
cleanup() {
	[ -n "$server_pid" ] && kill -- "-$server_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

free_port() {
	python3 - <<'EOF'
import socket
for _ in range(50):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close()
    try:
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", p)); u.close()
        print(p); break
    except OSError:
        pass
EOF
}

# start PROTO CMD...: runs CMD in its own session (so the whole group can be
# stopped, forked children included) and waits until it serves.
start() {
	local proto=$1
	shift
	setsid "$@" >"$tmp/server.out" 2>"$tmp/server.err" </dev/null &
	server_pid=$!
	python3 - "$proto" "$port" <<'EOF'
import socket, sys, time
proto, port = sys.argv[1], int(sys.argv[2])
deadline = time.monotonic() + 10
while time.monotonic() < deadline:
    try:
        if proto == "tcp":
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        else:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(0.2)
            s.sendto(b"x" * 64, ("127.0.0.1", port)); s.recv(100); s.close()
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(1)
EOF
}

stop() {
	[ -n "$server_pid" ] && kill -- "-$server_pid" 2>/dev/null
	wait "$server_pid" 2>/dev/null
	# forked peers (socat, ncat) may leave children for a moment
	for _ in $(seq 50); do
		pgrep -g "$server_pid" >/dev/null 2>&1 || break
		kill -9 -- "-$server_pid" 2>/dev/null
		sleep 0.1
	done
	server_pid=""
	sleep 0.5
}

rate_median() { python3 -c 'import statistics,sys; v=[float(x) for x in sys.argv[1:]]; print("%.0f" % statistics.median(v) if v else "0")' "$@"; }
ratio() { python3 -c "import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); print('%.2f' % (a/b) if b else 'inf')" "$@"; }
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $2"; }

info="$(machine), load average $(loadavg) at start; $(socat -V 2>/dev/null | sed -n 's/^socat version \([^ ]*\).*/socat \1/p'), $(ncat --version 2>&1 | sed -n 's/^Ncat: Version \([^ ]*\).*/ncat \1/p'), $(python3 --version), wirecat $(wirecat_version "$wirecat")"

# ---- UDP echo ----------------------------------------------------------------
udp_table=""
if [ "$only" != tcp ]; then
	declare -A udp
	names=(wirecat python socat)
	for name in "${names[@]}"; do
		port=$(free_port)
		case $name in
		wirecat) start udp "$wirecat" echo -u 127.0.0.1 "$port" ;;
		python) start udp python3 "$here/udp_echo.py" 127.0.0.1 "$port" ;;
		# UDP-LISTEN,fork forks one child per peer that echoes through a
		# pipe; -b 64 keeps each pipe read to one 64-byte datagram (without
		# it socat merges queued datagrams into one).
		socat) start udp socat -b 64 -T 5 "UDP-LISTEN:$port,fork,reuseaddr" PIPE ;;
		esac
		vals=()
		for r in $(seq "$runs"); do
			out=$("$loadgen" udp 127.0.0.1 "$port" -w 64 -s 64 -t "$secs" 2>&1 | tail -1)
			echo "udp $name run $r: $out"
			vals+=("$(field rtps "$out")")
		done
		udp[$name]=$(rate_median "${vals[@]}")
		stop
	done
	udp_table="| server | round trips/s (median of $runs) | wirecat / server |
| --- | --- | --- |
| wirecat echo -u | ${udp[wirecat]} | 1.00 |
| python3 bench/udp_echo.py (recvfrom/sendto) | ${udp[python]} | $(ratio "${udp[wirecat]}" "${udp[python]}") |
| socat -b 64 UDP-LISTEN:P,fork PIPE | ${udp[socat]} | $(ratio "${udp[wirecat]}" "${udp[socat]}") |"
	echo
	echo "$udp_table"
	echo
fi

# ---- Concurrent TCP ----------------------------------------------------------
tcp_table=""
if [ "$only" != udp ]; then
	declare -A tcp held
	for n in $conns; do
		for name in wirecat wirecat2 socat ncat; do
			port=$(free_port)
			case $name in
			wirecat) start tcp "$wirecat" echo -t 127.0.0.1 "$port" ;;
			wirecat2) start tcp "$wirecat" echo -t -j 2 127.0.0.1 "$port" ;;
			socat) start tcp socat "TCP-LISTEN:$port,fork,reuseaddr,backlog=4096" PIPE ;;
			# ncat's default --max-conns is 100: let it take them all.
			ncat) start tcp ncat -l 127.0.0.1 "$port" --keep-open --max-conns "$((n + 16))" --exec /bin/cat ;;
			esac
			vals=()
			ok=0
			note=""
			for r in $(seq "$runs"); do
				out=$("$loadgen" tcp 127.0.0.1 "$port" -c "$n" -m 64 -t "$secs" -T 30 -C 64 2>&1 | tail -1)
				echo "tcp $n $name run $r: $out"
				c=$(field connected "$out")
				f=$(field failures "$out")
				e=$(field connect_errors "$out")
				d=$(field completed "$out")
				if [ "$c" = "$n" ] && [ "$f" = 0 ] && [ "$e" = 0 ] && [ "$d" = "$n" ]; then
					ok=$((ok + 1))
				else
					note="connected ${c:-0}/$n, ${f:-?} failed ($(field stalled "$out") never echoed), last error: $(field last_error "$out" | tr _ ' ')"
				fi
				vals+=("$(field rtps "$out")")
				# a failed peer gets one run, not three
				[ "$ok" = 0 ] && [ "${name#wirecat}" = "$name" ] && break
			done
			tcp[$name,$n]=$(rate_median "${vals[@]}")
			if [ "$ok" = "${#vals[@]}" ]; then
				held[$name,$n]="yes"
			else
				held[$name,$n]="no ($note)"
			fi
			stop
		done
	done
	tcp_table="| connections | wirecat echo -t | wirecat echo -t -j 2 | socat fork PIPE | ncat --keep-open --exec cat | wirecat/socat | wirecat/ncat |
| --- | --- | --- | --- | --- | --- | --- |"
	for n in $conns; do
		tcp_table+="
| $n | ${tcp[wirecat,$n]}/s, held: ${held[wirecat,$n]} | ${tcp[wirecat2,$n]}/s, held: ${held[wirecat2,$n]} | ${tcp[socat,$n]}/s, held: ${held[socat,$n]} | ${tcp[ncat,$n]}/s, held: ${held[ncat,$n]} | $(ratio "${tcp[wirecat,$n]}" "${tcp[socat,$n]}") | $(ratio "${tcp[wirecat,$n]}" "${tcp[ncat,$n]}") |"
	done
	echo
	echo "$tcp_table"
	echo
fi

python3 - "$results" "$info" "$udp_table" "$tcp_table" "$runs" "$secs" "$here" <<'EOF'
import sys
path, info, udp, tcp, runs, secs = sys.argv[1:7]
sys.path.insert(0, sys.argv[-1])
from results import put_section
sections = []
if udp:
    sections.append(("UDP echo", "## UDP echo\n\n`bench/echo.sh`: " + info + ". One client "
        "socket (tests/tools/loadgen.c) keeps 64 datagrams of 64 bytes in flight for " + secs +
        " s against each server on 127.0.0.1; round trips per second, median of " + runs +
        " runs. The client sends each refill of its window as one UDP_SEGMENT (GSO) send, "
        "which the kernel delivers as separate 64-byte datagrams, so it is not the bottleneck; "
        "the same client runs against every server. wirecat takes them with recvmmsg and "
        "answers each run of one size to one peer as one GSO send inside sendmmsg; the Python "
        "server and socat take and answer one datagram per call. The machine is shared by "
        "other jobs: figures move by tens of percent between runs, the ratios less.\n\n" +
        udp + "\n"))
if tcp:
    sections.append(("Concurrent TCP", "## Concurrent TCP\n\n`bench/echo.sh`: " + info +
        ". loadgen opens N connections (at most 64 connecting at once, 30 s allowed), then "
        "each does ping-pong of 64-byte messages for " + secs + " s; round trips per second "
        "over all connections, median of " + runs + " runs (a peer that fails gets one run). "
        "\"held\" means every connection connected and finished with no error and every echoed "
        "byte checked. The ratios use wirecat's default single worker; -j 2 is shown for "
        "reference (the load generator needs the other core). socat forks a process per "
        "connection, ncat forks /bin/cat per connection (its --max-conns raised to N). "
        "Shared machine: figures are noisy, ratios less so.\n\n" + tcp + "\n"))
for name, body in sections:
    put_section(path, name, body)
EOF
echo "written to $results (## UDP echo, ## Concurrent TCP)"
