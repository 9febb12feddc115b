#!/usr/bin/env bash
# make demo: a self-contained tour of wirecat on loopback. It starts the
# lecture's echo server, talks to it over TCP and UDP, IPv4 and IPv6, shows the
# five ways of framing messages on a stream, pipes a file netcat-style,
# (as root) watches its own packets with `wirecat sniff`, and traces the
# lecture's TCP echo client with `wirecat trace -- PROGRAM`; it ends by writing
# that traced exchange as a page (its ladder diagram) beside the binary. Every
# step has a deadline; nothing leaves 127.0.0.1 / ::1.
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

step "7. The lecture's UDP receiver: -v labels every datagram with its sender"
start_server "$tmp/u.log" listen -u -v -k 127.0.0.1 0
UPID=${pids[-1]}
run "printf 'ping\n' | '$W' connect -u -q 0.2 127.0.0.1 $port; printf 'pong\n' | '$W' connect -u -q 0.2 127.0.0.1 $port"
sleep 0.2
kill "$UPID" 2>/dev/null
grep 'from ' "$tmp/u.log" | sed 's/^/  /'
sed 's/^/  /' "$tmp/u.log.out"

step "8. The lecture's HTTP client: a GET request on a socket, the response as it came"
printf 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 24\r\nConnection: close\r\n\r\n{"origin": "127.0.0.1"}\n' >"$tmp/resp"
start_server "$tmp/h.log" listen -v 127.0.0.1 0
HPID=${pids[-1]}
kill "$HPID" 2>/dev/null; wait "$HPID" 2>/dev/null
# a one-shot server that answers with a canned response (stdin) and prints the request
"$W" listen -v -q 1 127.0.0.1 "$port" <"$tmp/resp" >"$tmp/req" 2>"$tmp/h2.log" &
pids+=($!)
for _ in $(seq 100); do grep -q 'listening on' "$tmp/h2.log" && break; sleep 0.05; done
run "'$W' http --raw http://127.0.0.1:$port/ip"
printf '  %swhat the server received:%s\n' "$D" "$R"
tr -d '\r' <"$tmp/req" | sed 's/^/    /'

if [ "$(id -u)" = 0 ]; then
	step "9. Watching our own packets: wirecat sniff on lo with a tcpdump filter"
	"$W" sniff -i lo -c 4 -t "udp port $ECHO" >"$tmp/sniff.out" 2>"$tmp/sniff.err" &
	SPID=$!
	pids+=($SPID)
	sleep 0.5
	show "wirecat sniff -i lo -c 4 -t udp port $ECHO &"
	run "printf 'one\ntwo\n' | '$W' connect -u -q 0.3 127.0.0.1 $ECHO >/dev/null"
	for _ in $(seq 50); do kill -0 "$SPID" 2>/dev/null || break; sleep 0.1; done
	kill "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null
	sed 's/^/  /' "$tmp/sniff.out" "$tmp/sniff.err"
	if "$W" connect --help | grep -q -- '--trace'; then
		step "10. --trace: the packets that our own socket calls make, on one timeline"
		run "printf 'Hello\n' | '$W' connect --trace 127.0.0.1 $ECHO"
	fi
else
	step "9. (sniff and --trace need root or CAP_NET_RAW+CAP_NET_ADMIN: skipped)"
fi

lecture=$(cd "$(dirname "$0")/../tests/net/lecture" && pwd)
if "$W" trace --help >/dev/null 2>&1 && command -v python3 >/dev/null; then
	[ "$(id -u)" = 0 ] && n=11 || n=10
	step "$n. wirecat trace: a student's program, its socket calls and their packets"
	run "'$W' trace -- python3 '$lecture/tcp_echo_client.py' $ECHO 'Hello, lecture'"
	# The same exchange as a page (its ladder: the calls beside the packets),
	# kept beside the binary and named at the end of the tour.
	page=$(dirname "$W")/demo-ladder.html
	timeout 20 "$W" trace --html "$page" -- python3 "$lecture/tcp_echo_client.py" "$ECHO" \
		'Hello, lecture' >/dev/null 2>"$tmp/page.err" || { cat "$tmp/page.err" >&2; page=; }
fi

step "Errors are one line with an exit status"
run "'$W' connect 127.0.0.1 1; echo \"exit status \$?\""
run "'$W' connect 127.0.0.1 65536; echo \"exit status \$?\""

step "Stopping the echo server prints its summary"
kill -INT "${pids[0]}" 2>/dev/null
wait "${pids[0]}" 2>/dev/null
grep -E "echo: [0-9]+ connection" "$tmp/echo.log" | sed 's/^/  /'

if [ -n "${page:-}" ] && [ -s "$page" ]; then
	step "The ladder of the traced echo exchange, as a page (wirecat trace --html)"
	echo "  open file://$page"
	echo "  ${D}(the client's calls on its lane beside the packets they caused;${R}"
	echo "  ${D} wirecat view --html OUT FILE makes the same page of any capture)${R}"
fi

echo
echo "${D}More: wirecat --help, man docs/wirecat.1, README.md${R}"
