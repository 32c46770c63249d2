#!/bin/bash
# Set up this machine (as root), build ckpt and run every test against real
# criu, then the tooling of docs/reliability.md:
#   1. the unit and integration suites (build/)
#   2. lint: cppcheck, clang-tidy, clang-format (scripts/lint.sh)
#   3. ASan + UBSan on both suites, valgrind memcheck on the unit suite
#      (scripts/check-sanitizers.sh)
#   4. each libFuzzer target for FUZZ_SECONDS (default 60) from its committed
#      corpus (tests/fuzz/run.sh)
# Ends with one line "N passed, N failed": the subtests of every test program
# of every step, plus one check per lint tool and fuzz target.
#
#   scripts/test.sh [--quick] [meson test arguments]
#     --quick   step 1 only (for a quick local run; CI runs everything)
set -uo pipefail
cd "$(dirname "$0")/.."
quick=0
if [ "${1:-}" = --quick ]; then
	quick=1
	shift
fi
bash scripts/setup.sh || exit 1
bash scripts/build.sh || exit 1

results=build/test-results.txt
: >"$results"

echo "== 1. unit and integration suites"
meson test -C build --print-errorlogs --no-rebuild "$@"
python3 scripts/tap-summary.py --record "$results" "suites" build/meson-logs/testlog.json

if [ $quick = 0 ]; then
	echo "== 2. lint"
	sh scripts/lint.sh build | tee build/lint.log
	for tool in cppcheck clang-tidy; do
		grep -q "^$tool: 0 findings" build/lint.log
		python3 scripts/tap-summary.py --check "$results" "lint-$tool" $?
	done
	grep -q "^clang-format: 0 files" build/lint.log
	python3 scripts/tap-summary.py --check "$results" "lint-clang-format" $?

	echo "== 3. sanitizers and valgrind"
	sh scripts/check-sanitizers.sh
	python3 scripts/tap-summary.py --record "$results" "asan+ubsan-unit" build-asan/meson-logs/asan-unit.json
	python3 scripts/tap-summary.py --record "$results" "asan+ubsan-integration" \
		build-asan/meson-logs/asan-integration.json
	# with --setup valgrind, meson names the log <logbase>-<setup>
	python3 scripts/tap-summary.py --record "$results" "valgrind-unit" \
		build-valgrind/meson-logs/valgrind-unit-valgrind.json

	echo "== 4. fuzzing (${FUZZ_SECONDS:-60} s a target)"
	sh tests/fuzz/run.sh "${FUZZ_SECONDS:-60}" | tee build/fuzz.log
	for t in $(cd tests/fuzz && ls fuzz-*.c | sed 's/\.c$//'); do
		grep -q "^$t: .* 0 findings (exit 0" build/fuzz.log
		python3 scripts/tap-summary.py --check "$results" "$t" $?
	done
fi

echo "== summary"
python3 scripts/tap-summary.py --total "$results"
