#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# scripts/lint.sh [BUILD_DIR]: cppcheck and clang-tidy on src/, and
# clang-format (.clang-format) on every C file of the repository.
#
# clang-tidy uses the checks in .clang-tidy and BUILD_DIR's
# compile_commands.json (default: build). cppcheck runs the warning, style,
# performance and portability checks, less the ones listed below. Findings
# listed in scripts/lint-known.txt (known false positives, or findings in
# code this lint does not own, each with its reason) are not counted; entries that match nothing are reported.
# Exits 1 on any other finding.
set -u

src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
cd "$src" || exit 2
case $build in /*) ;; *) build=$src/$build ;; esac
if [ ! -f "$build/compile_commands.json" ]; then
	echo "lint.sh: no $build/compile_commands.json (meson setup first)" >&2
	exit 2
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
files=$(find src -name '*.c' | sort)

# cppcheck does not model __attribute__((cleanup)) (nor TAKE_FD/TAKE_PTR):
# memleak, resourceLeak and unreadVariable would flag every _cleanup_ variable;
# leaks are checked at run time (LSan, valgrind), dead stores by clang-tidy.
# variableScope: declarations at the top of a block are the house style.
# shellcheck disable=SC2086 # one argument per file
cppcheck --quiet --std=c11 -D_GNU_SOURCE -I include -I src/lib -I src/lib/oci \
	--enable=warning,style,performance,portability --inline-suppr \
	--suppress=memleak --suppress=resourceLeak --suppress=unreadVariable --suppress=variableScope \
	--template='{file}:{line}:{column}: {severity}: {message} [{id}]' $files 2>"$out/cppcheck.txt"
# shellcheck disable=SC2086
printf '%s\n' $files | xargs -P "$(nproc)" -n 4 clang-tidy -p "$build" --quiet 2>/dev/null |
	grep -E '^[^ ]+:[0-9]+:[0-9]+: (warning|error):' >"$out/tidy.txt"

# clang-format: every tracked C file, formatted as .clang-format says.
# shellcheck disable=SC2046
for f in $(git ls-files '*.c' '*.h' 2>/dev/null || find src include tests examples bench -name '*.[ch]'); do
	clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || echo "$f" >>"$out/format.txt"
done
touch "$out/format.txt"

python3 - "$out" "$build" <<'PY'
import os, re, sys
out, build = sys.argv[1], sys.argv[2]
known = []
for line in open("scripts/lint-known.txt"):
    line = line.rstrip("\n")
    if line and not line.startswith("#"):
        tool, path, check, text = line.split("|", 3)
        known.append([tool, path, check, text.strip(), 0])
loc = re.compile(r"^(?P<file>[^ :]+):(?P<line>\d+):\d+: (?P<sev>\w+): (?P<msg>.*?)(?: \[(?P<check>[^\]]+)\])?$")
bad = {"cppcheck": 0, "clang-tidy": 0}
seen = set()
for tool, name in (("cppcheck", "cppcheck.txt"), ("clang-tidy", "tidy.txt")):
    for raw in open(os.path.join(out, name)):
        m = loc.match(raw.strip())
        if not m:
            if raw.strip():
                print(f"{tool}: {raw.strip()}")  # not a finding line: count it
                bad[tool] += 1
            continue
        path = os.path.relpath(os.path.normpath(os.path.join(build, m["file"]) if m["file"].startswith("..") else m["file"]))
        if (tool, path, m["line"], m["check"]) in seen:
            continue
        seen.add((tool, path, m["line"], m["check"]))
        try:
            text = open(path).read().splitlines()[int(m["line"]) - 1].strip()
        except (OSError, IndexError):
            text = ""
        hit = [k for k in known if k[0] == tool and k[1] == path and k[2] in (m["check"] or "").split(",") and k[3] in text]
        for k in hit:
            k[4] += 1
        if not hit:
            print(f"{path}:{m['line']}: {m['sev']}: {m['msg']} [{m['check']}]")
            bad[tool] += 1
for k in known:
    if not k[4]:
        print(f"lint-known.txt: no longer matches: {'|'.join(k[:4])}")
n_known = sum(1 for k in known if k[4])
unformatted = [l.strip() for l in open(os.path.join(out, "format.txt")) if l.strip()]
for f in unformatted:
    print(f"{f}: not formatted as .clang-format says (clang-format -i {f})")
print(f"cppcheck: {bad['cppcheck']} findings")
print(f"clang-tidy: {bad['clang-tidy']} findings ({n_known} known false positives skipped)")
print(f"clang-format: {len(unformatted)} files not formatted")
sys.exit(1 if bad["cppcheck"] or bad["clang-tidy"] or unformatted else 0)
PY
