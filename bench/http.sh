#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# wirecat http against curl, side by side in one run, medians of several runs:
#   1. a 1 GiB file (sparse, in a temp dir) from a local nginx to /dev/null
#   2. 1,000 small requests as 1,000 separate processes (start to exit)
#   3. 1,000 small requests over one keep-alive connection (1,000 URLs on one
#      command line for both programs)
# Prints a table with ratios (curl time / wirecat time: > 1 means wirecat is
# faster) and writes it into the "## HTTP" section of bench/RESULTS.md.
# Usage: bench/http.sh [WIRECAT]   (env RUNS=5 BIG_RUNS=5 N=1000)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
wirecat=${1:-${WIRECAT:-$src/build/wirecat}}
runs=${RUNS:-5}
big_runs=${BIG_RUNS:-5}
n=${N:-1000}
for p in nginx curl python3; do
	command -v "$p" >/dev/null || { echo "http.sh: $p is not installed" >&2; exit 1; }
done
[ -x "$wirecat" ] || { echo "http.sh: no wirecat at $wirecat (build first)" >&2; exit 1; }

dir=$(mktemp -d /tmp/wirecat-bench-http.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$dir/www" "$dir/tmp"
truncate -s 1G "$dir/www/big" # sparse: nginx reads it from the page cache
head -c 100 /dev/urandom >"$dir/www/small"
user=""
[ "$(id -u)" = 0 ] && user="user root;"
cat >"$dir/nginx.conf" <<EOF
worker_processes 1;
$user
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
    default_type application/octet-stream;
    keepalive_requests 1000000;
    sendfile on;
    tcp_nopush on;
    server { listen 127.0.0.1:$port; root $dir/www; }
}
EOF
nginx -c "$dir/nginx.conf" -p "$dir" -g 'daemon off;' &
ngx=$!
cleanup() {
	kill -QUIT "$ngx" 2>/dev/null || true
	wait "$ngx" 2>/dev/null || true
	rm -rf "$dir"
}
trap cleanup EXIT
for _ in $(seq 100); do
	curl -s -o /dev/null "http://127.0.0.1:$port/small" && break
	sleep 0.05
done

big="http://127.0.0.1:$port/big"
small="http://127.0.0.1:$port/small"
urls=()
for _ in $(seq "$n"); do urls+=("$small"); done

now() { date +%s.%N; }
# time_of CMD...: seconds for one run
time_of() {
	local t0 t1
	t0=$(now)
	"$@" >/dev/null
	t1=$(now)
	echo "$t1 - $t0" | bc -l
}
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {m=int((NR+1)/2); if (NR%2) print a[m]; else print (a[m]+a[m+1])/2}'; }

procs_curl() { for _ in $(seq "$n"); do curl -s -o /dev/null "$small"; done; }
procs_wirecat() { for _ in $(seq "$n"); do "$wirecat" http -s -o /dev/null "$small"; done; }

# warm the page cache and both programs
curl -s -o /dev/null "$big"
"$wirecat" http -s -o /dev/null "$big"

declare -a cb wb cp wp ck wk
for i in $(seq "$big_runs"); do
	cb+=("$(time_of curl -s "$big")")
	wb+=("$(time_of "$wirecat" http -s "$big")")
done
for i in $(seq "$runs"); do
	cp+=("$(time_of procs_curl)")
	wp+=("$(time_of procs_wirecat)")
	ck+=("$(time_of curl -s "${urls[@]}")")
	wk+=("$(time_of "$wirecat" http -s "${urls[@]}")")
done
mcb=$(median "${cb[@]}") mwb=$(median "${wb[@]}")
mcp=$(median "${cp[@]}") mwp=$(median "${wp[@]}")
mck=$(median "${ck[@]}") mwk=$(median "${wk[@]}")
mib() { echo "1024 / $1" | bc -l; }
ratio() { echo "$1 / $2" | bc -l; }

table=$(
	printf '| test | curl | wirecat | curl/wirecat |\n'
	printf '| --- | --- | --- | --- |\n'
	printf '| 1 GiB to /dev/null (median of %d) | %.3f s (%.0f MiB/s) | %.3f s (%.0f MiB/s) | %.2f |\n' \
		"$big_runs" "$mcb" "$(mib "$mcb")" "$mwb" "$(mib "$mwb")" "$(ratio "$mcb" "$mwb")"
	printf '| %d requests, one process each (median of %d) | %.3f s (%.2f ms each) | %.3f s (%.2f ms each) | %.2f |\n' \
		"$n" "$runs" "$mcp" "$(echo "$mcp * 1000 / $n" | bc -l)" "$mwp" "$(echo "$mwp * 1000 / $n" | bc -l)" "$(ratio "$mcp" "$mwp")"
	printf '| %d requests, one keep-alive connection (median of %d) | %.3f s | %.3f s | %.2f |\n' \
		"$n" "$runs" "$mck" "$mwk" "$(ratio "$mck" "$mwk")"
)
echo "$table"

info="$(date -u +%Y-%m-%d) on $(nproc) cores ($(uname -r)); $(curl --version | head -1 | cut -d' ' -f1-2), nginx $(nginx -v 2>&1 | sed 's/.*\///'), wirecat $("$wirecat" --version | cut -d' ' -f2)"
python3 - "$src/bench/RESULTS.md" "$info" "$table" <<'EOF'
import re, sys
path, info, table = sys.argv[1:4]
section = ("## HTTP\n\n`bench/http.sh`: " + info + ". A local nginx serves a sparse 1 GiB file "
           "and a 100-byte file on 127.0.0.1; times are wall clock, medians. curl/wirecat > 1 "
           "means wirecat is faster.\n\n" + table + "\n")
try:
    text = open(path).read()
except FileNotFoundError:
    text = "# Benchmark results\n"
m = re.search(r"^## HTTP\n.*?(?=^## |\Z)", text, flags=re.S | re.M)
if m:
    text = text[:m.start()] + section + ("\n" if text[m.end():] else "") + text[m.end():]
else:
    text = text.rstrip("\n") + "\n\n" + section
open(path, "w").write(text)
EOF
echo "written to bench/RESULTS.md (## HTTP)"
