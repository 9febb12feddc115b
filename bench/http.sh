#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# wirecat http against curl, side by side in one run, medians of several runs:
#   1. a 1 GiB file (sparse, in a temp dir) from a local nginx to /dev/null
#   2. 1,000 small requests as 1,000 separate processes (start to exit)
#   3. 1,000 small requests over one keep-alive connection (1,000 URLs on one
#      command line for both programs)
# Prints a table with ratios (curl time / wirecat time: > 1 means wirecat is
# faster; wall clock and CPU time) and writes it into the "## HTTP" section of
# bench/RESULTS.md (bench/http_measure.py does the measuring).
# Usage: bench/http.sh [WIRECAT]   (env RUNS=5 BIG_RUNS=5 N=1000 RESULTS=path)
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
wirecat=${1:-${WIRECAT:-$src/build/wirecat}}
runs=${RUNS:-5}
big_runs=${BIG_RUNS:-5}
n=${N:-1000}
need nginx curl python3 truncate
built wirecat "$wirecat"

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
info="$(machine); $(curl --version | head -1 | cut -d' ' -f1-2), nginx $(nginx -v 2>&1 | sed 's/.*\///'), wirecat $(wirecat_version "$wirecat")"
# warm the page cache and both programs
curl -s -o /dev/null "$big"
"$wirecat" http -s -o /dev/null "$big"
python3 "$here/http_measure.py" "${RESULTS:-$src/bench/RESULTS.md}" "$info" "$wirecat" "$big" "$small" \
	"$n" "$runs" "$big_runs"
echo "written to bench/RESULTS.md (## HTTP)"
