#!/usr/bin/env python3
"""Sums the TAP results of every test program in a meson testlog.json.

Prints "N passed, N failed" and exits 1 when anything failed. A program that
failed without reporting a failing subtest (a crash, a timeout) counts as one
failure; a program that reported nothing and passed counts as one pass.
"""
import json
import re
import sys


def main(path):
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
    tail = f", {skipped} skipped" if skipped else ""
    print(f"{passed} passed, {failed} failed{tail}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "build/meson-logs/testlog.json"))
