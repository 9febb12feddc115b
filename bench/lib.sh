# SPDX-License-Identifier: BSD-2-Clause
# shellcheck shell=bash
# Sourced by the bench/*.sh scripts: the checks at their start, the timing
# loop and median, and the shared parts of the info line that heads each
# section of bench/RESULTS.md (written by bench/results.py). Sets here (this
# folder, absolute), src (the source tree) and me (the script's name, for
# messages).
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck disable=SC2034 # used by the scripts
src=$(dirname "$here")
me=${0##*/}
# the scripts' Python parts import bench/results.py: no __pycache__ in the tree
export PYTHONDONTWRITEBYTECODE=1

# need CMD...: exits 1 with a message unless every CMD is installed
need() {
	local p
	for p in "$@"; do
		command -v "$p" >/dev/null || { echo "$me: $p is not installed" >&2; exit 1; }
	done
}

# built NAME PATH: exits 1 with a message unless PATH (NAME, a program this
# tree builds) is there
built() {
	[ -x "$2" ] || { echo "$me: no $1 at $2 (build first)" >&2; exit 1; }
}

# median of the numbers on stdin, one a line (the lower middle one of an even
# count)
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# timeit RUNS CMD...: median wall time (s) of RUNS runs of CMD, output to
# /dev/null; each time goes to stderr too
timeit() {
	local r=$1; shift
	local ts=()
	for _ in $(seq "$r"); do
		local t0 t1
		t0=$(date +%s.%N)
		"$@" >/dev/null 2>&1 || true
		t1=$(date +%s.%N)
		ts+=("$(echo "$t1 - $t0" | bc -l)")
	done
	local med
	med=$(printf '%s\n' "${ts[@]}" | median)
	echo "$me: $* -> median $med s (${ts[*]})" >&2
	echo "$med"
}

# the start of every info line: "DATE on N cores (KERNEL)"
machine() { echo "$(date -u +%Y-%m-%d) on $(nproc) cores ($(uname -r))"; }

# the three load averages, "1.02 0.98 0.87"
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# wirecat_version PROGRAM: "0.1.0"
wirecat_version() { "$1" --version | head -1 | awk '{print $2}'; }

# "TShark (Wireshark) 4.0.17"
tshark_version() { tshark --version | head -1 | sed 's/ (Git.*//'; }
