#!/usr/bin/env bash
# make check: build with -Werror and run every test; then build with
# AddressSanitizer + UndefinedBehaviorSanitizer and run them all again.
# Ends with one line "check: N passed, N failed, N skipped": Python test files
# count by case (so a skipped case is counted even when the rest of its file
# passed, and each skipped case is listed above the line), C tests one each.
set -uo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
total_pass=0 total_fail=0 total_skip=0 status=0

run_suite() { # dir label cmake-flags...
	local dir=$1 label=$2
	shift 2
	echo "== $label: build ($dir)"
	if ! cmake -S . -B "$dir" -DWIRE_WERROR=ON "$@" >"$dir.cmake.log" 2>&1; then
		cat "$dir.cmake.log"; status=1; total_fail=$((total_fail + 1)); return
	fi
	if ! cmake --build "$dir" -j "$jobs" >"$dir.build.log" 2>&1; then
		grep -E -B2 -A6 'error|warning' "$dir.build.log" | head -100
		echo "== $label: build failed (log: $dir.build.log)"
		status=1; total_fail=$((total_fail + 1)); return
	fi
	echo "== $label: tests"
	local log="$dir/ctest.log"
	rm -rf "$dir/results"
	mkdir -p "$dir/results"
	(cd "$dir" && WIRE_RESULTS=$PWD/results ctest -j "$jobs" --output-on-failure --timeout 900 ${CTEST_ARGS:-}) 2>&1 | tee "$log"
	local rc=${PIPESTATUS[0]}
	[ "$rc" != 0 ] && status=1
	local line n fail skip
	line=$(grep -E 'tests passed, [0-9]+ tests failed out of [0-9]+' "$log" | tail -1)
	n=$(sed -E 's/.*out of ([0-9]+).*/\1/' <<<"$line")
	fail=$(sed -E 's/.* ([0-9]+) tests failed.*/\1/' <<<"$line")
	skip=$(grep -c '(Skipped)' "$log" || true)
	[ -z "$n" ] && { n=0; fail=1; status=1; }
	# Python test files count by case (a file whose other cases passed still
	# reports its skipped ones); C tests count one each. Fields of cases_sum:
	# case passed, failed, skipped; files that passed, failed, were skipped.
	local cp cf cs fp ff fs
	read -r cp cf cs fp ff fs < <(cases_sum "$dir/results")
	total_pass=$((total_pass + n - fail - skip - fp + cp))
	total_fail=$((total_fail + fail - ff + cf))
	total_skip=$((total_skip + skip - fs + cs))
	cat "$dir"/results/*.cases 2>/dev/null | grep '^skip ' | sed "s/^skip /== $label: skipped: /" >>"$skiplog"
}

cases_sum() { # results-dir -> "cp cf cs fp ff fs"
	cat "$1"/*.cases 2>/dev/null | awk '
		/^[0-9]+ [0-9]+ [0-9]+$/ {
			cp += $1; cf += $2; cs += $3
			if ($2 > 0) ff++; else if ($1 == 0 && $3 > 0) fs++; else fp++
		}
		END { printf "%d %d %d %d %d %d\n", cp, cf, cs, fp, ff, fs }'
}

skiplog=$(mktemp)
trap 'rm -f "$skiplog"' EXIT
mkdir -p build
run_suite build "gcc -Werror"
if [ "${CHECK_SANITIZE:-1}" = 1 ]; then
	mkdir -p build-asan
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
		run_suite build-asan "ASan+UBSan" -DWIRE_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
fi
echo
cat "$skiplog"
echo "check: $total_pass passed, $total_fail failed, $total_skip skipped"
exit $status
