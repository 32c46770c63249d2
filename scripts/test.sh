#!/bin/bash
# Set up this machine (as root), build ckpt and run every test suite against
# real criu. Ends with one line: "N passed, N failed" (subtests of every test
# program, summed).
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1
bash scripts/build.sh || exit 1

status=0
meson test -C build --print-errorlogs --no-rebuild "$@" || status=$?
python3 scripts/tap-summary.py build/meson-logs/testlog.json
summary=$?
[ $status -eq 0 ] && [ $summary -eq 0 ]
