#!/usr/bin/env python3
"""test_grade_all.py - the instructor's class grading, tested on sample classes.

For every lab given: build the lab's sample class (tests/sample_class.py:
for the first lab given, every kind of entry, its broken solutions cut to
the first of each sort (a stub, a mistake model, one an engine reason names;
none that spins: misbehaves-sleep-forever is the class's hang, and
tests/test_grader.py grades every broken solution of every lab, spinning
ones too; the README's Lab 02 block, checked by make readme-outputs, grades
Lab 02's whole class with grade-all); for the others, what depends on the
lab (its files found, its test columns): full marks, a task missing, a build
failure (a zero, a broken solution, a crash and a hang depend on no lab:
the first lab's class has them, and per lab tests/test_grader.py grades the
skeleton and every broken solution, tests/test_redteam_run.py hanging and
spinning code), grade it with tools/grade_all.py, and check every student's row of the
gradebook against what the class says they must score (full marks, zero, or
below full marks with named tests failed and a reason in their feedback).
Of the first lab's entries with one task left as its stub, grade-all grades
the first; each other one is graded by the lab's grader on that task's tests
(--test), which must all fail with "not implemented".
For the second lab given (the first, if it is the only one), also: a second
run regrades nothing and rewrites the same gradebook; a --regrade run
interrupted with SIGINT leaves the gradebook alone, and the next run keeps
what it graded again, grades the rest and ends with the same gradebook
(--regrade and resuming give the same scores).  For the first lab given, the
hostile class (sample_class.build_hostile: colliding, dot, 250-character,
formula and non-UTF-8 names, a FIFO named x.zip, zip and tar.gz bombs, a
folder 1,200 deep, a stray skeleton over the real work, misnamed, renamed and
nested files, another lab's folder, a Canvas flat name, a roster) is graded
with one row, score and note per entry, and grade-all's key of what a
grading reads from the kit changes with each such file, not with a README.
Closing line: "N passed, M failed".  Uses only Python's standard library.
"""
import csv
import os
import re
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
TIMEOUT = "1"  # seconds per call: the class has hanging students (0.5 s failed Lab 07's 0.05 s reference call under load)


def read_feedback(out, row):
    """The feedback file grade-all wrote for a row of its table, or None."""
    try:
        with open(os.path.join(out, "feedback", row["id"] + ".txt"), encoding="utf-8") as f:
            return f.read()
    except OSError:
        return None


def run_grade_all(lab, subs, out, *extra, shared=None):
    # Relative paths, as an instructor types them (the grader compiles in a
    # folder of its own, so they must still work).  shared: make test's
    # folder of gradings kept across runs (LORALAB_GRADE_ALL_CACHE); none
    # unless given, so that every class here is graded afresh.
    env = {k: v for k, v in os.environ.items() if k != "LORALAB_GRADE_ALL_CACHE"}
    if shared:
        env["LORALAB_GRADE_ALL_CACHE"] = shared
    p = subprocess.run(GRADE_ALL + ["--lab", lab, "--submissions", os.path.relpath(subs, ROOT),
                                    "--out", os.path.relpath(out, ROOT), "--timeout", TIMEOUT, *extra],
                       capture_output=True, text=True, timeout=900, cwd=ROOT, env=env)
    return p.returncode, p.stdout, p.stderr


def read_book(path):
    """(header, {entry name as written: row}); a formula-proof cell loses its quote."""
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    out = {}
    for r in rows[1:]:
        row = dict(zip(rows[0], r))
        name = row["entry"]
        out[name[1:] if name[:2] in ("'=", "'+", "'-", "'@") else name] = row
    return rows[0], out


# entry total max status id roster_id roster_name roster_email | tests | notes seed kit_version
TEST_COLS = slice(8, -3)


def check_class(lab, base, few=()):
    subs, out = os.path.join(base, f"lab{lab}"), os.path.join(base, f"out{lab}")
    expected = sample_class.build(lab, subs, few=few, some_broken=not few)
    least = len(few) if few else 20
    check(len(expected) >= least, f"lab {lab}: sample class has {len(expected)} submissions (>= {least})")
    # One task missing shows grade-all's way with it; the other tasks' stubs
    # are graded by the grader alone, on that task's tests (check_task_stubs).
    stubs = sorted(n for n in expected if n.startswith("missing-"))[1:]
    check_task_stubs(lab, subs, {n: expected.pop(n) for n in stubs})
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
    test_cols = head[TEST_COLS]
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
        feedback = read_feedback(out, row)
        if feedback is None:
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
        if "Score:" not in feedback or ("hint:" not in feedback and total != max_total
                                         and row["status"] == "graded"):
            bad.append(f"{student}: feedback lacks the score or the hints")
        if row["status"] == "build failed" and feedback.count("did not build") > 1:
            bad.append(f"{student}: the failed build is said more than once")
    check(not bad, f"lab {lab}: every student scores as the class says ({len(expected)} checked)",
          "\n".join(bad[:20]))
    for fig in ("histogram.svg", "failures.svg", "summary.txt"):
        p = os.path.join(out, fig)
        check(os.path.exists(p) and os.path.getsize(p) > 200, f"lab {lab}: {fig} written")
    return subs, out


def check_task_stubs(lab, subs, entries):
    """Each entry (the reference with one task left as its stub), taken out of
    the class, graded on its task's tests only: every one fails, not implemented."""
    grader = os.path.join(ROOT, "grader/bin/grade-" + lab)
    bad = []
    for name, exp in sorted(entries.items()):
        task = re.sub(r"^missing-lab(\d\d)-(\d+)$", r"lab\1.\2", name)
        p = subprocess.run([grader, "--timeout", TIMEOUT, "--test", task, os.path.join(subs, name)],
                           capture_output=True, text=True, timeout=300)
        blocks = tg.test_blocks(p.stdout)
        if p.returncode != 1 or sorted(blocks) != sorted(exp["fail"]):
            bad.append(f"{name}: exit {p.returncode}, tests {sorted(blocks)}, expected {sorted(exp['fail'])}")
        bad += [f"{name}: '{t}' {v}" for t, (v, lines) in sorted(blocks.items())
                if v != "FAIL" or not any("not implemented" in x for x in lines)]
        shutil.rmtree(os.path.join(subs, name))
    if entries:
        check(not bad, f"lab {lab}: with any one task's stub left, that task's tests fail, "
                       f"not implemented ({len(entries)} more tasks, graded on their tests)",
              "\n".join(bad[:20]))


def check_inputs_digest(lab, base):
    """grade_all.grading_inputs (its gradings' key): the same for a copy of
    what a grading reads, and for a change elsewhere (a README); another for
    a changed byte in a data file, a lab header, a labs/common header, the
    runner library or the judge."""
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    import grade_all  # noqa: E402
    lab_dir = os.path.basename(tg.lab_dir("labs", lab))
    root = os.path.join(base, "inputs-root")
    shutil.copytree(os.path.join(ROOT, "data"), os.path.join(root, "data"))
    for d in ("labs/common", "labs/" + lab_dir):
        os.makedirs(os.path.join(root, d))
        for f in os.listdir(os.path.join(ROOT, d)):
            if f.endswith(".h") or f == "README.md":
                shutil.copy(os.path.join(ROOT, d, f), os.path.join(root, d, f))
    os.makedirs(os.path.join(root, "grader/bin/lib"))
    for f in (f"grader/bin/grade-{lab}", f"grader/bin/lib/librunner-{lab}.a"):
        shutil.copy(os.path.join(ROOT, f), os.path.join(root, f))
    first = grade_all.grading_inputs(root, lab, lab_dir)
    same = first == grade_all.grading_inputs(ROOT, lab, lab_dir)
    header = sorted(f for f in os.listdir(os.path.join(root, "labs", lab_dir)) if f.endswith(".h"))[0]
    datafile = sorted(os.path.join(d, f) for d, _, fs in os.walk(os.path.join(root, "data")) for f in fs)[0]
    changed = {}
    for what, path in (("a README", os.path.join(root, "labs", lab_dir, "README.md")),
                       ("a data file", datafile), ("the lab's header", os.path.join(root, "labs", lab_dir, header)),
                       ("a labs/common header", os.path.join(root, "labs/common/matrix.h")),
                       ("the runner library", os.path.join(root, f"grader/bin/lib/librunner-{lab}.a")),
                       ("the judge", os.path.join(root, f"grader/bin/grade-{lab}"))):
        with open(path, "rb") as f:
            before = f.read()
        with open(path, "wb") as f:
            f.write(before + b"\n")
        changed[what] = grade_all.grading_inputs(root, lab, lab_dir) != first
        with open(path, "wb") as f:
            f.write(before)
    check(same and not changed.pop("a README") and all(changed.values()),
          f"lab {lab}: grade-all's key of what a grading reads is the kit's for a copy of it and for a "
          f"changed README, another for a changed byte of each of {', '.join(changed)}",
          f"copy same: {same}; changed: {changed}")


def check_resume(lab, subs, out, base):
    with open(os.path.join(out, "gradebook.csv"), encoding="utf-8") as f:
        first = f.read()
    # make test's shared gradings (LORALAB_GRADE_ALL_CACHE, make readme-outputs):
    # a run that keeps its own gradings puts them there too (else make test's
    # prune drops what a built tree never reads); another out folder finds
    # them there (no grading again, the same gradebook); a new grading is put there.
    shared = os.path.join(base, f"shared{lab}")
    os.makedirs(shared)
    rc, so, se = run_grade_all(lab, subs, out, shared=shared)
    with open(os.path.join(out, "gradebook.csv"), encoding="utf-8") as f:
        again = f.read()
    check(rc == 0 and "graded 0, kept from an earlier run" in so and again == first,
          f"lab {lab}: a second run grades nothing again and writes the same gradebook", so + se)
    own = sorted("grade-all-" + k for k in os.listdir(os.path.join(out, "cache")) if not k.startswith("."))
    check(own and sorted(os.listdir(shared)) == own,
          f"lab {lab}: a run that keeps its own gradings puts them in the shared folder ({len(own)})",
          f"{sorted(os.listdir(shared))} vs {own}")
    other = out + "-other"
    rc, so, se = run_grade_all(lab, subs, other, shared=shared)
    with open(os.path.join(other, "gradebook.csv"), encoding="utf-8") as f:
        there = f.read()
    check(rc == 0 and "graded 0, kept from an earlier run" in so and there == first,
          f"lab {lab}: another out folder takes the shared gradings (LORALAB_GRADE_ALL_CACHE): "
          "none graded again, the same gradebook", so + se)
    # --regrade, interrupted: it must leave the gradebook alone; the next
    # plain run keeps what --regrade graded again before the interrupt,
    # grades the rest, and ends with the first gradebook: regrading and
    # resuming with the recorded seed give the same scores (one class
    # grading for both).
    book = os.path.join(out, "gradebook.csv")
    stamp = os.stat(book).st_mtime_ns
    started = time.time()
    p = subprocess.Popen(GRADE_ALL + ["--lab", lab, "--submissions", subs, "--out", out,
                                      "--timeout", TIMEOUT, "--regrade"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # Interrupt once a few students are graded again (however loaded the machine is).
    deadline = time.monotonic() + 120
    cache = os.path.join(out, "cache")

    def regraded():
        n = 0
        for k in (os.listdir(cache) if os.path.isdir(cache) else []):
            try:
                n += os.stat(os.path.join(cache, k, "done")).st_mtime >= started
            except OSError:
                pass
        return n
    while time.monotonic() < deadline and p.poll() is None and regraded() < 3:
        time.sleep(0.1)
    p.send_signal(signal.SIGINT)
    so, se = p.communicate(timeout=120)
    with open(book, encoding="utf-8") as f:
        after = f.read()
    check(p.returncode == 130 and "interrupted" in so and after == first
          and os.stat(book).st_mtime_ns == stamp,
          f"lab {lab}: an interrupted run (--regrade) stops cleanly and leaves the gradebook alone "
          f"(rc {p.returncode})", so + se)
    fresh = os.path.join(base, f"fresh{lab}")
    os.makedirs(fresh)
    rc, so, se = run_grade_all(lab, subs, out, shared=fresh)
    with open(book, encoding="utf-8") as f:
        resumed = f.read()
    m = re.search(r"graded (\d+), kept from an earlier run (\d+),", so)
    graded, kept = (int(m.group(1)), int(m.group(2))) if m else (0, 0)
    check(rc == 0 and kept > 0 and graded > 0 and resumed == first,
          f"lab {lab}: the next run keeps the {kept} graded again, grades the {graded} left "
          f"(--regrade emptied the cache) and ends with the same gradebook", so + se)
    put = sorted(k for k in os.listdir(fresh) if os.path.exists(os.path.join(fresh, k, "done")))
    own = sorted("grade-all-" + k for k in os.listdir(os.path.join(out, "cache")) if not k.startswith("."))
    check(graded > 0 and put == own,
          f"lab {lab}: what a run grades ({graded}) and keeps ({kept}) is put in the shared folder "
          f"({len(put)})", f"{put} vs {own}")
    parts = [f for f in os.listdir(os.path.join(out, "feedback")) if f.startswith(".tmp-")]
    tmp_left = os.path.exists(os.path.join(out, "tmp"))
    check(not parts and not tmp_left, f"lab {lab}: no partial feedback or temporary files are left",
          f"{parts} tmp={tmp_left}")


def check_hostile(lab, base):
    """The class that tries to break grade-all: every entry gets its own row, score and notes."""
    subs, out = os.path.join(base, f"hostile{lab}", "class"), os.path.join(base, f"hostile{lab}", "out")
    expected = sample_class.build_hostile(lab, subs)
    roster = os.path.join(base, f"hostile{lab}", "roster.csv")
    start = time.monotonic()
    try:
        rc, so, se = run_grade_all(lab, subs, out, "--roster", os.path.relpath(roster, ROOT))
    except subprocess.TimeoutExpired:
        check(False, f"lab {lab}: grade-all finishes the hostile class (killed after 900 s)")
        return
    secs = time.monotonic() - start
    check(rc == 0, f"lab {lab}: grade-all finishes the hostile class of {len(expected)} "
                   f"(FIFO, zip bombs, 1,200-deep folder, odd names; rc {rc}, {secs:.1f} s)", so + se)
    book = os.path.join(out, "gradebook.csv")
    if not os.path.exists(book):
        check(False, f"lab {lab}: hostile class: gradebook written", so + se)
        return
    head, rows = read_book(book)
    want = {sample_class.display_name(n) for n in expected}
    check(set(rows) == want and len(rows) == len(expected),
          f"lab {lab}: hostile class: one row per entry, named exactly as submitted",
          f"missing {sorted(want - set(rows))}, extra {sorted(set(rows) - want)}")
    ids = [r["id"] for r in rows.values()]
    check(len(set(ids)) == len(ids) and all(re.fullmatch(r"[a-z0-9-]+", i) for i in ids),
          f"lab {lab}: hostile class: ids are unique and safe as file names", f"{ids}")
    max_total = int(next(iter(rows.values()))["max"])
    bad = []
    raw_cells = open(book, encoding="utf-8", newline="").read()
    for name, exp in sorted(expected.items()):
        row = rows.get(sample_class.display_name(name))
        if row is None:
            continue
        label = f"{name!r} ({exp['kind']})"
        total = int(row["total"]) if row["total"] else None
        if exp["score"] == "full" and total != max_total:
            said = [ln.strip() for ln in (read_feedback(out, row) or "").splitlines()
                    if re.search(r" FAIL\s+\d+/\d+$", ln) or ln.startswith("         ")]
            bad.append(f"{label}: {total}, expected full marks; its feedback's failed tests: "
                       + " | ".join(said)[:1500])
        if exp["score"] == "zero" and total != 0:
            bad.append(f"{label}: {total}, expected 0")
        if row["status"] != exp["status"]:
            bad.append(f"{label}: status {row['status']!r}, expected {exp['status']!r}")
        feedback = read_feedback(out, row)
        if feedback is None:
            bad.append(f"{label}: no feedback file")
            continue
        for n in exp["notes"]:
            if n not in feedback:
                bad.append(f"{label}: feedback lacks {n!r}")
        if os.path.abspath(out) in feedback or os.path.abspath(subs) in feedback:
            bad.append(f"{label}: the feedback shows the instructor's paths")
        if row["roster_id"] != exp["roster"]:
            bad.append(f"{label}: roster id {row['roster_id']!r}, expected {exp['roster']!r}")
        if exp["formula"] and not row["entry"].startswith("'"):
            bad.append(f"{label}: reaches the CSV as a formula ({row['entry']!r})")
    check(not bad, f"lab {lab}: hostile class: every entry scores, is noted and joined as expected "
                   f"({len(expected)} checked)", "\n".join(bad[:25]))
    formula_cells = [line for line in raw_cells.splitlines()[1:] if line[:1] in "=+-@"]
    check(not formula_cells, f"lab {lab}: hostile class: no CSV line starts a formula",
          "\n".join(formula_cells))
    summ = open(os.path.join(out, "summary.txt"), encoding="utf-8").read()
    check("Absent Student (1009)" in summ and "Absent Student (1009)" in so
          and "entries matching no roster row" in summ,
          f"lab {lab}: hostile class: roster rows with no entry are listed (summary and stdout)", summ)
    submitted = sum(1 for e in expected.values() if e["status"] != "files missing")
    check(f"{submitted} handed in the lab's files" in summ,
          f"lab {lab}: hostile class: the summary counts only the {submitted} entries that handed "
          f"in a lab file", summ)
    # One rule: the command Gradescope's run_autograder and Classroom's grade.sh
    # run picks the very files grade-all graded, entry by entry.
    lab_dir = os.path.basename(tg.lab_dir("labs", lab))
    sources = sample_class.sources(lab)
    differ = []
    for name in sorted(expected):
        row = rows.get(sample_class.display_name(name))
        dest = os.path.join(base, "finder", row["id"] if row else "none")
        upload = os.path.join(subs, name)
        if " + " in name and row:  # a student's Canvas flat files, gathered by grade-all
            upload = os.path.join(out, "canvas", row["id"])
        p = subprocess.run([sys.executable, os.path.join(ROOT, "tools/find_submission.py"),
                            "--lab-dir", lab_dir, "--sources", " ".join(sources), "--dest", dest,
                            upload], capture_output=True, timeout=120)
        work = os.path.join(out, "work", row["id"]) if row else ""

        def files(d):
            return {f: open(os.path.join(d, f), "rb").read() for f in sorted(os.listdir(d))} \
                if os.path.isdir(d) else {}
        if p.returncode not in (0, 3) or files(dest) != files(work):
            differ.append(f"{name!r}: rc {p.returncode}, {sorted(files(dest))} vs {sorted(files(work))}")
    check(not differ, f"lab {lab}: hostile class: find_submission.py (Gradescope, Classroom) takes "
                      f"the files grade-all graded, for every entry", "\n".join(differ))
    sample_class.remove(os.path.join(base, f"hostile{lab}"))


def main():
    labs = sys.argv[1:]
    if not labs:
        sys.exit("usage: test_grade_all.py LAB_ID...")
    base = os.path.join(ROOT, "build", "test-grade-all")
    sample_class.remove(base)  # rm -rf: shutil.rmtree recurses, and a test folder is 1,200 deep
    os.makedirs(base)
    # Run alone as under make test: a submission built once is not built
    # again (the classes' reference, skeleton, misbehaving copies; the
    # safety net's reference in every run): grader/engine/build_cache.h.
    if not os.environ.get("LORALAB_BUILD_CACHE"):
        os.environ["LORALAB_BUILD_CACHE"] = os.path.join(base, "build-cache")
        os.makedirs(os.environ["LORALAB_BUILD_CACHE"])
    for i, lab in enumerate(labs):
        print(f"lab {lab}:")
        # The first lab's sample class (every kind of entry, one broken
        # solution of each sort); the others what depends on the lab (its
        # sources found, its columns and feedback): full marks, a task
        # missing, a build failure.  The second lab's class also hangs, so
        # that check_resume's interrupt finds a grading still running.
        few = () if i == 0 else ("correct-folder", "missing", "syntax-error") + (
            ("misbehaves-sleep-forever",) if i == 1 else ())
        done = check_class(lab, base, few=few)
        if i == 0:
            check_hostile(lab, base)
            check_inputs_digest(lab, base)
        # Resuming and regrading grade a class once more: the second lab's
        # class of 4 shows it (the first's, when it is the only lab).
        if done and i == min(1, len(labs) - 1):
            check_resume(lab, *done, base)
    print(f"{tg.PASSED} passed, {tg.FAILED} failed")
    sys.exit(1 if tg.FAILED else 0)


if __name__ == "__main__":
    main()
