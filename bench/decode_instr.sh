#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Instructions per packet of one-line decoding, the load-independent figure
# of bench/decode.sh: valgrind --tool=callgrind counts the instructions of
#   wirecat read FILE            (and of an older wirecat, when given)
#   TZ=UTC tcpdump -Z root -n -r FILE
# on the first N (default 150,000) packets of a capture, minus a run on its
# first packet alone (start-up), divided by N. Output to /dev/null. tcpdump
# runs with -Z root only so that callgrind can write its file after tcpdump
# would have dropped privileges; it decodes the same way.
# Usage: bench/decode_instr.sh PCAP [WIRECAT [OLD_WIRECAT]]   (env N)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
pcap=${1:?usage: decode_instr.sh PCAP [WIRECAT [OLD_WIRECAT]]}
wirecat=${2:-$(dirname "$here")/build/wirecat}
old=${3:-}
n=${N:-150000}
command -v valgrind >/dev/null || { echo "decode_instr.sh: valgrind is not installed" >&2; exit 1; }
dir=$(mktemp -d /tmp/wirecat-bench-instr.XXXXXX)
chmod 1777 "$dir"
trap 'rm -rf "$dir"' EXIT

n=$(python3 - "$pcap" "$dir/n.pcap" "$n" "$dir/one.pcap" <<'EOF'
import struct, sys
src, out, n, one = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
d = open(src, "rb").read()
if d[:4] != b"\xd4\xc3\xb2\xa1":
    sys.exit("decode_instr.sh: a little-endian classic pcap is needed")
off, count, cut1 = 24, 0, None
while off + 16 <= len(d) and count < n:
    incl = struct.unpack("<I", d[off + 8:off + 12])[0]
    off += 16 + incl
    count += 1
    if cut1 is None:
        cut1 = off
open(out, "wb").write(d[:off])
open(one, "wb").write(d[:cut1])
print(count)
EOF
)
echo "decode_instr.sh: $n packets of $pcap" >&2
count() { # instructions of a command, from callgrind's summary
	valgrind --tool=callgrind --vgdb=no --callgrind-out-file="$dir/cg.%p" "$@" \
		>/dev/null 2>"$dir/err" || true
	awk '/I *refs:/ {gsub(",", "", $NF); print $NF}' "$dir/err"
}
per_packet() { # NAME CMD...: instructions per packet, start-up subtracted
	local name=$1; shift
	local all one
	all=$(count "$@" "$dir/n.pcap")
	one=$(count "$@" "$dir/one.pcap")
	echo "$name $(( (all - one) / n ))"
}
export TZ=UTC
per_packet wirecat "$wirecat" read
[ -n "$old" ] && per_packet wirecat-old "$old" read
per_packet tcpdump tcpdump -Z root -n -r
