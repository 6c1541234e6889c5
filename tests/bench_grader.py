#!/usr/bin/env python3
"""bench_grader.py - how long grading takes, against the kit's bars.

For each lab: grading the reference solution, compile included (bar: 3 s,
median of 3 runs), and grading three submissions that are the reference with
a hostile line at the top of every graded function (tests/test_redteam_run.py
makes them): one sleeps 0.9 s, one spins, one hangs (waits on a futex
forever).  Each must finish within the bar of 10 s with 0 points (the
sleeper: less than full marks, as it keeps the tests whose calls may all take
0.9 s): every call is stopped at its own limit (50 x the reference's time on
the same inputs + 0.2 s) and all calls together have a budget of 10 s of wall
time, shared by the tests running in parallel.  Prints one line per
measurement; exits 1 if a bar is missed.
"""
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_grader as tg  # noqa: E402
import test_redteam_run as rt  # noqa: E402

HOSTILE_BAR = 10.0


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
        for name, what in (("sleep-0.9s", "sleeps 0.9 s"), ("spin", "spins"), ("hang", "hangs")):
            with tempfile.TemporaryDirectory() as tmp:
                rt.make_variant(lab, sol, tmp, rt.HOSTILE[name][0], "call")
                secs, (got, mx), rc = timed(lab, tmp)
            # The sleeper may keep tests whose every call has a limit above
            # 0.9 s (slow but correct; tests/test_redteam_run.py checks which).
            ok = secs < HOSTILE_BAR and got is not None and rc == 1 and \
                (got < mx if name.startswith("sleep") else got == 0)
            missed += not ok
            print(f"lab {lab}: grading a submission that {what} in every function: {secs:.1f} s, "
                  f"score {got}/{mx} (bar {HOSTILE_BAR:.0f} s) {'ok' if ok else 'MISSED'}")
    sys.exit(1 if missed else 0)


if __name__ == "__main__":
    main()
