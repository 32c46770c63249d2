#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/fuzz/run.sh [SECONDS]
#
# Builds the libFuzzer targets in a separate build dir (clang, ASan + UBSan,
# the library instrumented for coverage) and runs each one for SECONDS
# (default 60) from its committed seed corpus, copied to a scratch dir so
# the committed corpus does not change. Prints, per target, the executions,
# the corpus growth and the findings (crash-*, leak-*, timeout-*, oom-*
# files, kept in $BUILD/fuzz-findings/<target>/). Exits 1 if any target
# found something, 0 otherwise.
#
# Environment: FUZZ_BUILD_DIR (default: <source>/build-fuzz), CC (clang).
set -eu

secs=${1:-60}
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${FUZZ_BUILD_DIR:-$src/build-fuzz}
cc=${CC:-clang}

if ! command -v "$cc" >/dev/null; then
	echo "run.sh: $cc not found (libFuzzer needs clang)" >&2
	exit 2
fi
if [ ! -f "$build/build.ninja" ]; then
	if ! CC=$cc meson setup "$build" "$src" -Dfuzz=true -Dbuildtype=debugoptimized \
		-Db_sanitize=address,undefined -Db_lundef=false \
		-Dc_args=-fsanitize=fuzzer-no-link >"$build.setup.log" 2>&1; then
		tail -n 20 "$build.setup.log" >&2
		exit 2
	fi
	rm -f "$build.setup.log"
fi
targets=$(cd "$src/tests/fuzz" && ls fuzz-*.c | sed 's/\.c$//')
for t in $targets; do
	[ -n "$(meson introspect --targets "$build" | grep -o "\"name\": \"$t\"")" ] || continue
	ninja -C "$build" "tests/fuzz/$t" >/dev/null
done

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
status=0
for t in $targets; do
	exe=$build/tests/fuzz/$t
	if [ ! -x "$exe" ]; then
		echo "$t: not built (its code is not in src/lib yet)"
		continue
	fi
	seeds=$src/tests/fuzz/corpus/${t#fuzz-}
	work=$build/fuzz-corpus/$t
	out=$build/fuzz-findings/$t
	log=$build/fuzz-logs/$t.log
	mkdir -p "$work" "$out" "$(dirname "$log")"
	[ -d "$seeds" ] && cp -n "$seeds"/* "$work"/ 2>/dev/null || true
	n0=$(ls "$work" | wc -l)
	rc=0
	"$exe" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$out/" "$work" >"$log" 2>&1 || rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	n1=$(ls "$work" | wc -l)
	found=$(ls "$out" | wc -l)
	echo "$t: ${execs:-?} executions in ${secs}s, corpus $n0 -> $n1 inputs, $found findings (exit $rc, log $log)"
	for f in "$out"/*; do
		[ -e "$f" ] && echo "  finding: $f"
	done
	if [ "$found" -gt 0 ] || [ "$rc" -ne 0 ]; then
		status=1
		grep -m 5 -E "ERROR: |runtime error:|SUMMARY:" "$log" | sed 's/^/  /' || true
	fi
done
exit $status
