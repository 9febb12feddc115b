#!/usr/bin/env bash
# make bench: runs every benchmark script in bench/ (each compares wirecat with
# its peers side by side and updates its own section of bench/RESULTS.md).
# Benchmarks are not tests: they take minutes and their figures are noisy on a
# shared 2-core machine, so each takes the median of several runs.
set -uo pipefail
cd "$(dirname "$0")/.."
for b in bench/relay.sh bench/echo.sh bench/decode.sh bench/live.sh bench/http.sh; do
	[ -x "$b" ] || continue
	echo "== $b"
	"$b" || echo "bench: $b failed" >&2
done
