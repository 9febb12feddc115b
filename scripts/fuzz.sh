#!/usr/bin/env bash
# make fuzz: builds every tests/fuzz/fuzz_*.c as a libFuzzer binary with clang
# (ASan+UBSan) in build-fuzz/ and runs each for SECONDS (default 60) on its
# seeds, keeping the grown corpus in fuzz-corpus/NAME. Crashes are left as
# crash-* files in fuzz-corpus/ and make the script fail.
set -uo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
command -v clang >/dev/null || { echo "fuzz: clang is missing (apt-get install clang libclang-rt-14-dev)" >&2; exit 1; }
CC=clang cmake -S . -B build-fuzz -DWIRE_FUZZ=ON -DWIRE_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null || exit 1
cmake --build build-fuzz -j "$(nproc)" 2>&1 | grep -E 'error|warning' || true
status=0
for src in tests/fuzz/fuzz_*.c; do
	name=$(basename "$src" .c)
	short=${name#fuzz_}
	bin=build-fuzz/$name
	[ -x "$bin" ] || { echo "fuzz: $bin was not built" >&2; status=1; continue; }
	mkdir -p "fuzz-corpus/$short"
	echo "== $name for ${secs}s"
	seeds=tests/fuzz/seeds/$short
	[ -d "$seeds" ] || seeds=
	if ! (cd "fuzz-corpus" && "../$bin" -max_total_time="$secs" -print_final_stats=1 \
		-artifact_prefix="$short-" "$short" ${seeds:+"../$seeds"} 2>&1 |
		grep -E 'stat::number_of_executed_units|Done|ERROR|crash' ); then :; fi
	if ls fuzz-corpus/"$short"-crash-* >/dev/null 2>&1; then
		echo "fuzz: $name found crashes: $(ls fuzz-corpus/"$short"-crash-*)" >&2
		status=1
	fi
done
exit $status
