#!/usr/bin/env bash
# make demo: a self-contained tour of wirecat on loopback. It starts the
# lecture's echo server, talks to it over TCP and UDP, IPv4 and IPv6, shows the
# five ways of framing messages on a stream, pipes a file netcat-style, and
# (as root) watches its own packets with `wirecat sniff`. Every step has a
# deadline; nothing leaves 127.0.0.1 / ::1.
set -uo pipefail
W=${1:-build/wirecat}
W=$(readlink -f "$W")
tmp=$(mktemp -d /tmp/wirecat-demo.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

if [ -t 1 ]; then B=$'\e[1m' D=$'\e[2m' G=$'\e[32m' R=$'\e[0m'; else B= D= G= R=; fi
step() { printf '\n%s== %s%s\n' "$B" "$*" "$R"; }
show() { printf '%s$ %s%s\n' "$G" "$*" "$R"; }
run() { show "$*"; timeout 10 bash -c "$*" 2>&1 | sed 's/^/  /'; }

# Starts "wirecat ARGS" in the background with -v; sets $port from its
# "listening on ADDR:PORT" line.
start_server() { # logfile args...
	local log=$1
	shift
	"$W" "$@" 2>"$log" >"$log.out" &
	pids+=($!)
	port=
	for _ in $(seq 100); do
		port=$(sed -n 's/.*listening on .*:\([0-9][0-9]*\) .*/\1/p' "$log" | head -1)
		[ -n "$port" ] && return 0
		sleep 0.05
	done
	echo "demo: server 'wirecat $*' did not start:" >&2
	cat "$log" >&2
	exit 1
}

echo "${B}wirecat $("$W" --version | cut -d' ' -f2)${R}: a tour on loopback"

step "1. The lecture's echo server on port 5005 (TCP and UDP at once, IPv4 and IPv6)"
p=5005
if ! (exec 3<>/dev/tcp/127.0.0.1/5005) 2>/dev/null; then :; else p=0; fi
show "wirecat echo -v $p &"
start_server "$tmp/echo.log" echo -v "$p"
ECHO=$port
sed 's/^/  /' "$tmp/echo.log"

step "2. A TCP client: one line there and back (-v reports the connection)"
run "printf 'Hello, wirecat\n' | '$W' connect -v 127.0.0.1 $ECHO"

step "3. The same over IPv6"
run "printf 'Hello over IPv6\n' | '$W' connect ::1 $ECHO"

step "4. UDP: every line is one datagram; each reply comes back whole"
run "printf 'first datagram\nsecond datagram\n' | '$W' connect -u -q 1 127.0.0.1 $ECHO"

step "5. Framing: where does a message end on a stream?"
for spec in line 'delim:;' fixed:20 prefix:u16 header:Content-Length; do
	start_server "$tmp/f.log" echo -t -v --frame "$spec" 127.0.0.1 0
	printf '  %s--frame %s%s\n' "$B" "$spec" "$R"
	run "printf 'hello\nworld\n' | '$W' connect --frame '$spec' --show-frames 127.0.0.1 $port"
	kill "${pids[-1]}" 2>/dev/null
done
printf '  %s--frame eof%s (the message ends when the sender closes)\n' "$B" "$R"
run "printf 'all of it, until EOF' | '$W' connect --frame eof 127.0.0.1 $ECHO"

step "6. netcat-style piping: a 1 MiB file through listen and connect"
head -c 1048576 /dev/urandom >"$tmp/file"
start_server "$tmp/l.log" listen -v 127.0.0.1 0
LPID=${pids[-1]}
run "'$W' connect 127.0.0.1 $port < '$tmp/file'"
wait "$LPID" 2>/dev/null
printf '  sent     %s\n  received %s\n' "$(sha256sum <"$tmp/file" | cut -c1-16)" \
	"$(sha256sum <"$tmp/l.log.out" | cut -c1-16)"

step "7. Errors are one line with an exit status"
run "'$W' connect 127.0.0.1 1; echo \"exit status \$?\""
run "'$W' connect 127.0.0.1 65536; echo \"exit status \$?\""

step "8. Stopping the echo server prints its summary"
kill -INT "${pids[0]}" 2>/dev/null
wait "${pids[0]}" 2>/dev/null
tail -n 3 "$tmp/echo.log" | sed 's/^/  /'

echo
echo "${D}More: wirecat --help, man docs/wirecat.1, README.md${R}"
