#!/usr/bin/env python3
"""test_grade_all.py - the instructor's class grading, tested on sample classes.

For every lab given: build the lab's sample class (tests/sample_class.py),
grade it with tools/grade_all.py, and check every student's row of the
gradebook against what the class says they must score (full marks, zero, or
below full marks with named tests failed and a reason in their feedback).
For the first lab given, also: a second run regrades nothing and rewrites the
same gradebook; --regrade gives the same scores; a run interrupted with SIGINT
leaves no gradebook and the next run finishes it with the same result.
Closing line: "N passed, M failed".  Uses only Python's standard library.
"""
import csv
import os
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import sample_class  # noqa: E402
import test_grader as tg  # noqa: E402
from test_grader import check  # noqa: E402

ROOT = tg.ROOT
GRADE_ALL = [sys.executable, os.path.join(ROOT, "tools/grade_all.py")]
TIMEOUT = "0.5"  # seconds per call: the class has hanging students


def run_grade_all(lab, subs, out, *extra):
    # Relative paths, as an instructor types them (the grader compiles in a
    # folder of its own, so they must still work).
    p = subprocess.run(GRADE_ALL + ["--lab", lab, "--submissions", os.path.relpath(subs, ROOT),
                                    "--out", os.path.relpath(out, ROOT), "--timeout", TIMEOUT, *extra],
                       capture_output=True, text=True, timeout=900, cwd=ROOT)
    return p.returncode, p.stdout, p.stderr


def read_book(path):
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], {r[0]: dict(zip(rows[0], r)) for r in rows[1:]}


def check_class(lab, base):
    subs, out = os.path.join(base, f"lab{lab}"), os.path.join(base, f"out{lab}")
    expected = sample_class.build(lab, subs)
    check(len(expected) >= 30, f"lab {lab}: sample class has {len(expected)} submissions (>= 30)")
    start = time.monotonic()
    rc, so, se = run_grade_all(lab, subs, out)
    secs = time.monotonic() - start
    check(rc == 0, f"lab {lab}: grade-all finishes (rc {rc}, {secs:.1f} s)", so + se)
    book = os.path.join(out, "gradebook.csv")
    if not os.path.exists(book):
        check(False, f"lab {lab}: gradebook written", so + se)
        return None
    head, rows = read_book(book)
    check(set(rows) == set(expected), f"lab {lab}: one gradebook row per student",
          f"{sorted(set(rows) ^ set(expected))}")
    test_cols = head[4:-2]
    max_total = int(next(iter(rows.values()))["max"]) if rows else 0
    check(sum(int(c.rsplit("(", 1)[1].rstrip(")")) for c in test_cols) == max_total,
          f"lab {lab}: the test columns' points add up to the max ({max_total})")
    seeds = {r["seed"] for r in rows.values()}
    versions = {r["kit_version"] for r in rows.values()}
    check(seeds == {"20261124"} and len(versions) == 1 and all(versions),
          f"lab {lab}: every row records the seed and kit version", f"{seeds} {versions}")
    bad = []
    for student, exp in sorted(expected.items()):
        row = rows.get(student)
        if row is None:
            continue
        try:
            with open(os.path.join(out, "feedback", student + ".txt"), encoding="utf-8") as f:
                feedback = f.read()
        except OSError:
            bad.append(f"{student}: no feedback file")
            continue
        total = int(row["total"]) if row["total"] else None
        if exp["score"] == "full" and total != max_total:
            bad.append(f"{student} ({exp['kind']}): {total}, expected full marks")
        if exp["score"] == "zero" and total != 0:
            bad.append(f"{student} ({exp['kind']}): {total}, expected 0")
        if exp["score"] == "below" and (total is None or total >= max_total):
            bad.append(f"{student} ({exp['kind']}): {total}, expected below {max_total}")
        for t in exp["fail"]:
            col = [c for c in test_cols if c.split(" ", 1)[1].rsplit(" (", 1)[0] == t]
            if not col:
                bad.append(f"{student}: no gradebook column for test '{t}'")
            elif row[col[0]] != "0":
                bad.append(f"{student} ({exp['kind']}): test '{t}' scored {row[col[0]]}, expected 0")
        for r in exp["reason"]:
            if r not in feedback:
                bad.append(f"{student} ({exp['kind']}): feedback lacks '{r}'")
        if "Score:" not in feedback or "hint:" not in feedback and total != max_total:
            bad.append(f"{student}: feedback lacks the score or the hints")
    check(not bad, f"lab {lab}: every student scores as the class says ({len(expected)} checked)",
          "\n".join(bad[:20]))
    for fig in ("histogram.svg", "failures.svg", "summary.txt"):
        p = os.path.join(out, fig)
        check(os.path.exists(p) and os.path.getsize(p) > 200, f"lab {lab}: {fig} written")
    return subs, out


def check_resume(lab, subs, out, base):
    with open(os.path.join(out, "gradebook.csv"), encoding="utf-8") as f:
        first = f.read()
    rc, so, se = run_grade_all(lab, subs, out)
    with open(os.path.join(out, "gradebook.csv"), encoding="utf-8") as f:
        again = f.read()
    check(rc == 0 and "graded 0, kept from an earlier run" in so and again == first,
          f"lab {lab}: a second run grades nothing again and writes the same gradebook", so + se)
    rc, so, se = run_grade_all(lab, subs, out, "--regrade")
    with open(os.path.join(out, "gradebook.csv"), encoding="utf-8") as f:
        regraded = f.read()
    check(rc == 0 and "kept from an earlier run 0" in so and regraded == first,
          f"lab {lab}: --regrade with the recorded seed gives the same gradebook", so + se)

    out2 = os.path.join(base, f"interrupted{lab}")
    p = subprocess.Popen(GRADE_ALL + ["--lab", lab, "--submissions", subs, "--out", out2,
                                      "--timeout", TIMEOUT],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # Interrupt once a few students are done (however loaded the machine is).
    deadline = time.monotonic() + 120
    results = os.path.join(out2, "results")
    while time.monotonic() < deadline and p.poll() is None:
        if os.path.isdir(results) and sum(f.endswith(".key") for f in os.listdir(results)) >= 3:
            break
        time.sleep(0.1)
    p.send_signal(signal.SIGINT)
    so, se = p.communicate(timeout=120)
    check(p.returncode == 130 and "interrupted" in so
          and not os.path.exists(os.path.join(out2, "gradebook.csv")),
          f"lab {lab}: an interrupted run stops cleanly and writes no gradebook (rc {p.returncode})",
          so + se)
    rc, so, se = run_grade_all(lab, subs, out2)
    with open(os.path.join(out2, "gradebook.csv"), encoding="utf-8") as f:
        resumed = f.read()
    kept = int(so.split("kept from an earlier run ")[1].split(",")[0]) if "kept from" in so else 0
    check(rc == 0 and kept > 0 and resumed == first,
          f"lab {lab}: the next run keeps the {kept} done and ends with the same gradebook", so + se)
    parts = [f for f in os.listdir(os.path.join(out2, "feedback")) if f.endswith(".part")]
    tmp_left = os.path.exists(os.path.join(out2, "tmp"))
    check(not parts and not tmp_left, f"lab {lab}: no partial feedback or temporary files are left",
          f"{parts} tmp={tmp_left}")


def main():
    labs = sys.argv[1:]
    if not labs:
        sys.exit("usage: test_grade_all.py LAB_ID...")
    base = os.path.join(ROOT, "build", "test-grade-all")
    shutil.rmtree(base, ignore_errors=True)
    os.makedirs(base)
    for i, lab in enumerate(labs):
        print(f"lab {lab}:")
        done = check_class(lab, base)
        if done and i == 0:
            check_resume(lab, *done, base)
    print(f"{tg.PASSED} passed, {tg.FAILED} failed")
    sys.exit(1 if tg.FAILED else 0)


if __name__ == "__main__":
    main()
