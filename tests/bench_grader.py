#!/usr/bin/env python3
"""bench_grader.py - how long grading takes, against the kit's bars.

For each lab: grading the reference solution, compile included (bar: 3 s),
and grading a submission whose every function hangs (the broken solution
endless-loop.mut; bar: 30 s).  Prints one line per measurement; exits 1 if a
bar is missed.
"""
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_grader as tg  # noqa: E402


def timed(lab, sub):
    start = time.monotonic()
    rc, out, _, _ = tg.grade(lab, sub, timeout=120)
    return time.monotonic() - start, tg.score_of(out), rc


def main():
    missed = 0
    for lab in sys.argv[1:]:
        sol = tg.lab_dir("solutions", lab)
        runs = sorted(timed(lab, sol)[0] for _ in range(3))
        ok = runs[1] < 3.0
        missed += not ok
        print(f"lab {lab}: grading the reference, compile included: median {runs[1]:.2f} s "
              f"of 3 runs (bar 3 s) {'ok' if ok else 'MISSED'}")
        mut = os.path.join(tg.ROOT, "grader/broken", lab, "endless-loop.mut")
        if os.path.exists(mut):
            spec = tg.parse_mutation(mut)
            with tempfile.TemporaryDirectory() as tmp:
                tg.apply_mutation(sol, spec, tmp, mut)
                secs, (got, mx), _ = timed(lab, tmp)
            ok = secs < 30.0
            missed += not ok
            print(f"lab {lab}: grading a submission that hangs in every function: {secs:.1f} s, "
                  f"score {got}/{mx} (bar 30 s) {'ok' if ok else 'MISSED'}")
    sys.exit(1 if missed else 0)


if __name__ == "__main__":
    main()
