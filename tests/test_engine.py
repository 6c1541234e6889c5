#!/usr/bin/env python3
"""test_engine.py - the grading engine's own behaviour, through
grader/bin/engine-test (tests/engine_test.c, built by make engine-tests):
a test table that poses as Lab 01 and grades its reference with --jobs 1.

  - a grader error in one test fails that test only (the exit status is 2),
    not the tests started after it (workers start with a clean flag);
  - a worker that leaves through exit() does not remove the temporary folder
    the other workers use (the runner is still there after it);
  - every data file judge_data handed a test stays valid until the test ends.
"""
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXE = os.path.join(ROOT, "grader", "bin", "engine-test")

# name -> passes?  (the worker that calls exit() sends no result: it fails)
WANT = {
    "a grader error": False,
    "a test after a grader error passes": True,
    "a worker leaves through exit": False,
    "the runner is still there after that": True,
    "data files stay valid while the test runs": True,
}


def main():
    sol = os.path.join(ROOT, "solutions", "01-rank-factorization")
    p = subprocess.run([EXE, "--jobs", "1", "--format", "verdict", sol],
                       capture_output=True, text=True, timeout=300)
    failed = 0
    try:
        verdict = json.loads(p.stdout)
    except ValueError:
        print(f"FAIL engine-test printed no verdict (exit {p.returncode}):\n{p.stdout}{p.stderr}")
        return 1
    got = {t["name"]: t["passed"] for t in verdict["tests"]}
    for name, want in WANT.items():
        ok = got.get(name) == want
        failed += not ok
        print(f"  {'ok  ' if ok else 'FAIL'} {name}: {'passes' if want else 'fails'}"
              f"{'' if ok else f' (got {got.get(name)})'}")
    ok = p.returncode == 2
    failed += not ok
    print(f"  {'ok  ' if ok else 'FAIL'} a grader error makes the exit status 2 (got {p.returncode})")
    if failed:
        print(p.stderr)
    print(f"engine tests: {len(WANT) + 1 - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
