#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Tracer overhead benchmark (issue 9): a program that makes COUNT*2 system
# calls none of which touch a socket,
#   dd if=/dev/zero of=/dev/null bs=1 count=COUNT      (default 1,000,000)
# timed untraced, under `wirecat trace --no-packets`, under
# `strace -f -e trace=network` (ptrace stops at every call) and under
# `strace -f --seccomp-bpf -e trace=network`; medians of RUNS (default 3)
# interleaved runs, wall clock and CPU time (GNU time), and each one's ratio
# to the untraced time. The issue's goal: wirecat trace <= 1.2x. Then a socket-heavy program: DGRAMS (default
# 100,000) sendto() calls of 64 bytes to a UDP socket of its own on 127.0.0.1
# (bound, never read), timed untraced, under `wirecat trace` and `wirecat
# trace --no-pin` (with the packets when run as root; the packets it reports
# are compared with DGRAMS)
# and under `strace -f --seccomp-bpf -e trace=network`. Prints Markdown tables.
# Usage: bench/trace.sh [WIRECAT]   (env COUNT DGRAMS RUNS)
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
wirecat=${1:-${WIRECAT:-$src/build/wirecat}}
count=${COUNT:-1000000}
dgrams=${DGRAMS:-100000}
runs=${RUNS:-3}
built wirecat "$wirecat"
need strace
[ -x /usr/bin/time ] || { echo "trace.sh: GNU time (/usr/bin/time) is not installed" >&2; exit 1; }

dd_cmd=(dd if=/dev/zero of=/dev/null bs=1 "count=$count" status=none)

tmp=$(mktemp -d /tmp/wirecat-bench-trace.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
tl=$tmp/timeline

# Runs "${NAME[@]}" for each NAME given, once each, RUNS times over
# (interleaved, so that a machine whose load changes weighs on every one
# alike), appending "WALL CPU" to $tmp/NAME: wall-clock seconds and CPU
# seconds (user+system of every process of the run: the tracer, the program
# and its children). On a loaded machine the CPU time says more.
measure() {
	for _ in $(seq "$runs"); do
		for name in "$@"; do
			local -n cmd=$name
			/usr/bin/time -f "%e %U %S" -o "$tmp/t" "${cmd[@]}" >/dev/null 2>&1 || true
			read -r e u s <"$tmp/t"
			echo "$e $(echo "$u + $s" | bc -l)" >>"$tmp/$name"
		done
	done
}

# Prints "WALL CPU", the medians measured for NAME.
medians() {
	printf '%.3f %.3f\n' "$(cut -d' ' -f1 "$tmp/$1" | median)" "$(cut -d' ' -f2 "$tmp/$1" | median)"
}

ratio() { # a / b as "1.23x", "-" when b is 0
	if [ "$(echo "$2 > 0" | bc -l)" = 1 ]; then printf '%.2fx' "$(echo "$1 / $2" | bc -l)"; else echo -; fi
}
row() {
	local name=$1 w c
	read -r w c <<<"$2"
	printf '| %s | %s | %s | %s | %s |\n' "$name" "$w" "$(ratio "$w" "${base% *}")" "$c" \
		"$(ratio "$c" "${base#* }")"
}

echo "load average before: $(loadavg)"
echo
dd_wire=("$wirecat" trace --no-packets -o /dev/null -- "${dd_cmd[@]}")
dd_strace=(strace -f -o /dev/null -e trace=network "${dd_cmd[@]}")
dd_strace_bpf=(strace -f -o /dev/null --seccomp-bpf -e trace=network "${dd_cmd[@]}")
measure dd_cmd dd_wire dd_strace dd_strace_bpf
base=$(medians dd_cmd)
echo "## Tracer overhead (dd bs=1 count=$count, medians of $runs interleaved runs)"
echo
echo "| run | wall s | ratio | CPU s | ratio |"
echo "|---|---|---|---|---|"
row "untraced" "$base"
row "wirecat trace --no-packets" "$(medians dd_wire)"
row "strace -f -e trace=network" "$(medians dd_strace)"
row "strace -f --seccomp-bpf -e trace=network" "$(medians dd_strace_bpf)"

sender=(python3 -c '
import socket, sys
r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); r.bind(("127.0.0.1", 0))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); dst = r.getsockname(); b = b"x" * 64
for _ in range(int(sys.argv[1])):
    s.sendto(b, dst)
' "$dgrams")
snd_wire=("$wirecat" trace -o "$tl" -- "${sender[@]}")
snd_wire_nopin=("$wirecat" trace --no-pin -o "$tmp/timeline2" -- "${sender[@]}")
snd_strace_bpf=(strace -f -o /dev/null --seccomp-bpf -e trace=network "${sender[@]}")
measure sender snd_wire snd_wire_nopin snd_strace_bpf
base=$(medians sender)
echo
echo "## Tracer overhead, socket-heavy ($dgrams sendto() of 64 bytes, medians of $runs interleaved runs)"
echo
echo "| run | wall s | ratio | CPU s | ratio |"
echo "|---|---|---|---|---|"
row "untraced" "$base"
row "wirecat trace$([ "$(id -u)" = 0 ] && echo ' (with packets)')" "$(medians snd_wire)"
row "wirecat trace --no-pin$([ "$(id -u)" = 0 ] && echo ' (with packets)')" "$(medians snd_wire_nopin)"
row "strace -f --seccomp-bpf -e trace=network" "$(medians snd_strace_bpf)"
got=$(grep '^trace: [0-9]* packets of this command' "$tl" || true)
echo
echo "$dgrams datagrams sent; the last wirecat trace run says: ${got:-no capture}"
echo
echo "load average after: $(loadavg)"
