#!/usr/bin/env python3
"""Counts test results for scripts/test.sh.

  tap-summary.py TESTLOG.json
      Sums the TAP results of every test program in a meson testlog.json and
      prints "N passed, N failed". A program that failed without reporting a
      failing subtest (a crash, a timeout) counts as one failure; a program
      that reported nothing and passed counts as one pass.
  tap-summary.py --record RESULTS LABEL TESTLOG.json
      The same, printed as "LABEL: N passed, N failed" and appended to the
      RESULTS file as a line "LABEL PASSED FAILED". A missing testlog (the
      step did not run) counts as one failure.
  tap-summary.py --check RESULTS LABEL STATUS
      One check that passed (STATUS 0) or failed (anything else).
  tap-summary.py --total RESULTS
      Every line of RESULTS, then their sum "N passed, N failed" (the last
      line of scripts/test.sh); exit 1 if anything failed.
Exits 1 when anything counted failed.
"""
import json
import re
import sys


def count(path):
    passed = failed = skipped = 0
    with open(path) as f:
        for line in f:
            t = json.loads(line)
            out = t.get("stdout") or ""
            ok = len(re.findall(r"^ok \d+", out, re.M))
            nok = len(re.findall(r"^not ok \d+", out, re.M))
            result = t.get("result", "")
            if result == "SKIP":
                skipped += 1
                continue
            if result not in ("OK", "EXPECTEDFAIL") and nok == 0:
                nok = 1
            if ok == 0 and nok == 0:
                ok = 1
            passed += ok
            failed += nok
    return passed, failed, skipped


def line(passed, failed, skipped=0):
    tail = f", {skipped} skipped" if skipped else ""
    return f"{passed} passed, {failed} failed{tail}"


def record(results, label, passed, failed, skipped=0):
    print(f"{label}: {line(passed, failed, skipped)}")
    with open(results, "a") as f:
        f.write(f"{label} {passed} {failed} {skipped}\n")
    return 1 if failed else 0


def total(results):
    passed = failed = skipped = 0
    with open(results) as f:
        rows = [l.split() for l in f if l.strip()]
    for label, p, n, s in rows:
        print(f"  {label}: {line(int(p), int(n), int(s))}")
        passed, failed, skipped = passed + int(p), failed + int(n), skipped + int(s)
    print(line(passed, failed, skipped))
    return 1 if failed else 0


def main(argv):
    if len(argv) == 4 and argv[0] == "--record":
        try:
            return record(argv[1], argv[2], *count(argv[3]))
        except OSError:
            return record(argv[1], argv[2], 0, 1)
    if len(argv) == 4 and argv[0] == "--check":
        ok = argv[3] == "0"
        return record(argv[1], argv[2], 1 if ok else 0, 0 if ok else 1)
    if len(argv) == 2 and argv[0] == "--total":
        return total(argv[1])
    p, f, s = count(argv[0] if argv else "build/meson-logs/testlog.json")
    print(line(p, f, s))
    return 1 if f else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
