#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# scripts/check-sanitizers.sh: the test suites under ASan + UBSan, and the
# unit suite under valgrind memcheck.
#
#  1. build-asan (-Db_sanitize=address,undefined): the unit suite, and the
#     integration suite when running as root with a working criu. Any ASan
#     or UBSan report (UBSan halts on error) or LeakSanitizer leak fails.
#  2. build-valgrind (plain debug build): every unit test program that is
#     ours (an ELF built here, not a shell script) under
#     `meson test --setup valgrind` (tests/meson.build): memcheck with
#     --errors-for-leak-kinds=definite --error-exitcode=1, CK_FORK=no so
#     that leaks are seen in the test process. Zero errors, zero definite
#     leaks.
#
# Prints one line per step and exits non-zero if any step failed.
# Environment: SKIP_INTEGRATION=1 skips the integration suite.
set -u

src=$(cd "$(dirname "$0")/.." && pwd)
cd "$src" || exit 2
failed=0

say() {
	printf '%s\n' "$*"
}

setup() { # dir, options...
	dir=$1
	shift
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" "$@" >"$dir.setup.log" 2>&1 || {
			tail -n 20 "$dir.setup.log"
			return 1
		}
		rm -f "$dir.setup.log"
	fi
	ninja -C "$dir" >/dev/null || ninja -C "$dir"
}

# meson test, then a summary line from its JSON log.
run_suite() { # label, logbase, meson test arguments...
	label=$1
	base=$2
	shift 2
	# --logbase: each run keeps its own meson-logs/<base>.json (scripts/test.sh counts them)
	meson test --print-errorlogs --logbase "$base" "$@" >"$log" 2>&1
	rc=$?
	sum=$(grep -E '^(Ok|Fail|Timeout|Skipped):' "$log" | tr -s ' ' | tr '\n' ' ')
	say "$label: ${sum:-no summary} (exit $rc, log $log)"
	if [ $rc -ne 0 ]; then
		sed -n '/^Summary of Failures:/,/^Ok:/p' "$log" | grep -E '(FAIL|ERROR|TIMEOUT)' | sed 's/^/  /'
		grep -E 'ERROR: (Address|Leak)Sanitizer|runtime error:|SUMMARY: |==[0-9]+== [A-Z].*(lost|uninitialised|Invalid)' \
			"$log" | sort -u | head -n 10 | sed 's/^/  /'
		failed=1
	fi
}

# The tests of a suite in a build dir, less the ones named in $skip; with
# elf=1 only programs built here (no shell scripts: valgrind would check bash).
tests_of() { # builddir, suite, elf
	meson introspect --tests "$1" | python3 -c '
import json, sys
build, suite, elf, skip = sys.argv[1], sys.argv[2], sys.argv[3] == "1", sys.argv[4].split()
for t in json.load(sys.stdin):
    if suite not in [s.split(":")[-1] for s in t["suite"]] or t["name"] in skip:
        continue
    exe = t["cmd"][0]
    if elf:
        if not exe.startswith(build):
            continue
        with open(exe, "rb") as f:
            if f.read(4) != b"\x7fELF":
                continue
    print(t["name"])
' "$1" "$2" "$3" "${skip:-}"
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

# 1. ASan + UBSan
if setup build-asan -Db_sanitize=address,undefined -Db_lundef=false; then
	# test-install builds a plain program against the installed libckpt.so,
	# which under ASan needs the ASan runtime it does not link.
	skip="test-install"
	log=$src/build-asan/check-unit.log
	# shellcheck disable=SC2046 # one argument per test name
	run_suite "asan+ubsan unit (all but: $skip)" asan-unit -C build-asan $(tests_of build-asan unit 0)
	if [ "${SKIP_INTEGRATION:-0}" = 1 ]; then
		say "asan+ubsan integration: skipped (SKIP_INTEGRATION=1)"
	elif [ "$(id -u)" != 0 ] || ! criu check >/dev/null 2>&1; then
		say "asan+ubsan integration: skipped (needs root and a working criu)"
	else
		skip=""
		log=$src/build-asan/check-integration.log
		run_suite "asan+ubsan integration" asan-integration -C build-asan --suite integration
	fi
else
	say "asan+ubsan: build failed"
	failed=1
fi

# 2. valgrind memcheck on our unit test programs
if ! command -v valgrind >/dev/null; then
	say "valgrind: not installed"
	failed=1
elif setup build-valgrind -Dbuildtype=debug; then
	skip=""
	tests=$(tests_of "$src/build-valgrind/" unit 1)
	if [ -z "$tests" ]; then
		say "valgrind: no unit test programs found"
		exit 1
	fi
	log=$src/build-valgrind/check-valgrind.log
	# shellcheck disable=SC2086 # one argument per test name
	run_suite "valgrind unit ($(echo $tests | wc -w) programs)" valgrind-unit -C build-valgrind --setup valgrind $tests
else
	say "valgrind: build failed"
	failed=1
fi

exit $failed
