#!/usr/bin/env python3
"""test_grader.py - the kit's tests of each lab's grader, run by `make test`.

For every lab given on the command line (ids like 02):
  - the reference solution scores full marks, the generated skeleton scores 0
    on every test and each failure says "not implemented"; the test names and
    hints in that report follow tools/handout.py's wording rules;
  - every deliberately broken solution in grader/broken/NN/*.mut (a mutation
    of the reference: what it breaks, which tests must fail, which words the
    report must contain) loses those tests, and the grader still finishes;
    a stub (a .mut with `stub:` lines: the skeleton with each function's
    lab_todo() replaced by a constant body, e.g. `return 0;`) scores exactly
    its `score:` (0: no points for no work); a broken solution is graded on
    the tests its `fail:` lines name (--test, repeated), and on every test
    when that shows a problem or a check needs the whole report (stubs,
    `score:`, a forged score line, and every FULL_EVERY-th one);
  - the report formats parse: Gradescope JSON (its documented fields), JUnit
    XML, TAP; --out writes atomically; --list, --test (once, twice) and --seed behave.
Each grading writes every format at once (one on stdout with --format, the
others with --also FORMAT:FILE), so no submission is graded once per format.
Closing line: "N passed, M failed".  Uses only Python's standard library.
"""
import glob
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tools"))
from apply_mut import apply_mutation, parse_mutation  # noqa: E402 - the kit's one applier
from handout import wording  # noqa: E402 - the rules of student text

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PASSED, FAILED = 0, 0


def check(ok, what, detail=""):
    global PASSED, FAILED
    if ok:
        PASSED += 1
        print(f"  ok   {what}")
    else:
        FAILED += 1
        print(f"  FAIL {what}")
        if detail:
            print("       " + shorten(detail.strip()).replace("\n", "\n       "))


def shorten(detail, cap=3000):
    """A long detail cut to cap characters; when it holds a report, its
    failed tests (each with its lines) first, then its end: a report's
    head is passing tests, which say nothing about the failure."""
    if len(detail) <= cap:
        return detail
    failed = [f"{name}: FAIL | " + " | ".join(lines)
              for name, (verdict, lines) in test_blocks(detail).items() if verdict == "FAIL"]
    if not failed:
        return detail[:cap]
    # What the check said before the report (its header, or its first test
    # line when only the report's tail is in the detail).
    report = re.search(r"^(Lab \d\d: |lab\d\d\.\d+ )", detail, re.M)
    before = detail[:report.start()][:600] if report else ""
    return (before + "failed tests:\n" + "\n".join(failed))[:cap - 1000] + "\n...\n" + detail[-900:]


def load_factor():
    """The engine's load factor (schedule.c): the 1-minute load per core,
    1 to 8.  The grader stretches its time limits and budget by it, so the
    kit's own time bars stretch by it too (the larger of before and after)."""
    try:
        f = os.getloadavg()[0] / (os.cpu_count() or 1)
    except OSError:
        return 1.0
    return min(8.0, max(1.0, f))


def grade(lab, sub, *opts, timeout=120):
    start = time.monotonic()
    p = subprocess.run([os.path.join(ROOT, "grader/bin/grade-" + lab), *opts, sub],
                       capture_output=True, text=True, errors="replace", timeout=timeout)
    return p.returncode, p.stdout, p.stderr, time.monotonic() - start


def lab_dir(top, lab):
    found = glob.glob(os.path.join(ROOT, top, lab + "-*"))
    return found[0] if found else None


def score_of(text):
    m = re.search(r"^Score: (\d+)/(\d+)$", text, re.M)
    return (int(m.group(1)), int(m.group(2))) if m else (None, None)


def test_lines(text):
    """{test name: 'PASS'|'FAIL'} from the text report."""
    out = {}
    for m in re.finditer(r"^lab\d\d\.\d+\s+(.*?) \.+ (PASS|FAIL)\s+\d+/\d+$", text, re.M):
        out[m.group(1)] = m.group(2)
    return out


def test_blocks(text):
    """{test name: (verdict, its indented lines)} from the text report."""
    out, name = {}, None
    for line in text.splitlines():
        m = re.match(r"^lab\d\d\.\d+\s+(.*?) \.+ (PASS|FAIL)\s+\d+/\d+$", line)
        if m:
            name = m.group(1)
            out[name] = (m.group(2), [])
        elif name and line.startswith("         "):
            out[name][1].append(line.strip())
        else:
            name = None
    return out


def diagnoses(text):
    """{test name: [mistake sentences after 'diagnosis:']} and the names of
    passing tests that carry one (there must be none)."""
    named, on_pass = {}, []
    for name, (verdict, lines) in test_blocks(text).items():
        said = [ln[len("diagnosis: "):] for ln in lines if ln.startswith("diagnosis: ")]
        if said and verdict == "PASS":
            on_pass.append(name)
        if said:
            named[name] = said
    return named, on_pass


def validate_gradescope(text):
    d = json.loads(text)
    assert isinstance(d.get("score"), (int, float)), "score"
    assert isinstance(d.get("max_score"), (int, float)), "max_score"
    assert isinstance(d.get("tests"), list) and d["tests"], "tests"
    total = 0
    for t in d["tests"]:
        for k in ("name", "output"):
            assert isinstance(t.get(k), str), f"test field {k}"
        assert isinstance(t.get("score"), (int, float)) and isinstance(t.get("max_score"), (int, float))
        assert t.get("status") in ("passed", "failed"), "status"
        assert t.get("visibility") in ("hidden", "after_due_date", "after_published", "visible")
        assert (t["status"] == "passed") == (t["score"] == t["max_score"])
        total += t["score"]
    assert total == d["score"], "tests' scores add up to score"
    return d


def validate_junit(text):
    root = ET.fromstring(text)
    suites = root.findall("testsuite")
    assert suites, "a testsuite"
    for s in suites:
        cases = s.findall("testcase")
        assert int(s.get("tests")) == len(cases), "tests count"
        assert int(s.get("failures")) == sum(1 for c in cases if c.find("failure") is not None)
    return root


def validate_tap(text):
    lines = text.splitlines()
    assert lines[0] == "TAP version 13", "version line"
    m = re.fullmatch(r"1\.\.(\d+)", lines[1])
    assert m, "plan line"
    n, seen, in_yaml = int(m.group(1)), 0, False
    for line in lines[2:]:
        if in_yaml:
            in_yaml = line != "  ..."
            assert line.startswith("  "), "YAML block indented"
            continue
        if line == "  ---":
            in_yaml = True
            continue
        if line.startswith("#"):
            continue
        m = re.fullmatch(r"(ok|not ok) (\d+) - [^#]*", line)
        assert m, f"test line: {line!r}"
        seen += 1
        assert int(m.group(2)) == seen, "numbered in order"
    assert seen == n and not in_yaml, "plan matches"


FORMATS = (("gradescope", validate_gradescope), ("junit", validate_junit), ("tap", validate_tap))


def grade_formats(lab, sub, *opts, stdout="text", timeout=120):
    """One grading, every report format: `stdout` on stdout (--format), the
    others written by --also.  Returns rc, {format: report}, stderr, seconds.
    The formats come from the same results, so one grading checks them all."""
    with tempfile.TemporaryDirectory() as tmp:
        also = []
        every = ("text",) + tuple(f for f, _ in FORMATS) + ("verdict",)
        for fmt in every:
            if fmt != stdout:
                also += ["--also", f"{fmt}:{os.path.join(tmp, fmt)}"]
        rc, out, err, secs = grade(lab, sub, *opts, "--format", stdout, *also, timeout=timeout)
        said = {stdout: out}
        for fmt in every:
            if fmt != stdout:
                path = os.path.join(tmp, fmt)
                said[fmt] = open(path, encoding="utf-8", errors="replace").read() if os.path.exists(path) else ""
    return rc, said, err, secs


def check_formats(said, label, how):
    for fmt, validate in FORMATS:
        try:
            validate(said[fmt])
            check(True, f"{how(fmt)} is valid ({label})")
        except Exception as e:  # noqa: BLE001 - report any parse failure
            check(False, f"{how(fmt)} is valid ({label})", f"{e!r}\n{said[fmt][:2000]}")


# Broken solutions graded on every test of the lab, besides the stubs, the
# `score:` ones and the forged score: the first and every FULL_EVERY-th after
# it (in file name order).  The others are graded on their `fail:` tests.
FULL_EVERY = 8


def verdict_tests(text):
    """{test name: its entry in the verdict JSON} ({} if it does not parse)."""
    try:
        return {t["name"]: t for t in json.loads(text)["tests"]}
    except (ValueError, KeyError, TypeError):
        return {}


def hint_problems(spec, out, verdict):
    """The hints under the failed tests (grader/engine/report.c): a test's own
    hint goes with a wrong value of its own checks (verdict "why" holds
    "result") and with nothing else; each engine reason has a hint of its
    own.  Checked on every failed test; a `why:` line says which reason each
    `fail:` test fails for, `hint-says:` words its report must hold."""
    problems = []
    if not re.search(r"^build: ok", out, re.M):
        return problems  # the text says a failed build once, above the tests
    tests = verdict_tests(verdict)
    if not tests:
        return ["the verdict JSON does not parse"]
    for name, (state, lines) in test_blocks(out).items():
        t = tests.get(name)
        if state != "FAIL" or not t:
            continue
        own = "hint: " + t["hint"] in lines
        if own != ("result" in t["why"]):
            problems.append(f"test '{name}' {'shows' if own else 'lacks'} its own hint, its verdict says "
                            f"why {t['why']}")
        if not any(ln.startswith("hint: ") for ln in lines):
            problems.append(f"test '{name}' failed without a hint")
    blocks = test_blocks(out)
    for name in spec["fail"]:
        t, (_, lines) = tests.get(name, {}), blocks.get(name, ("", []))
        for why in spec["why"]:
            if why not in t.get("why", []):
                problems.append(f"test '{name}' does not fail for '{why}' (why: {t.get('why')})")
            own = "hint: " + t.get("hint", "") in lines
            if why == "result" and not own:
                problems.append(f"test '{name}' failed on a wrong value without its own hint")
            if why != "result" and own:
                problems.append(f"test '{name}' failed for '{why}' but shows its own hint, "
                                f"which is about wrong values: '{t.get('hint')}'")
        problems += [f"test '{name}' lacks '{w}' under it" for w in spec["hint-says"]
                     if not any(w in ln for ln in lines)]
    return problems


def mutant_problems(spec, rc, out, secs, stretch, verdict):
    """What is wrong with one grading of a broken solution (empty: nothing),
    and its score (got, max)."""
    lines = test_lines(out)
    got, mx = score_of(out)
    problems = []
    if rc != 1:
        problems.append(f"exit status {rc}, expected 1")
    if got is None or got >= mx:
        problems.append(f"score {got}/{mx} is not below full marks")
    if spec["score"] is not None and got != spec["score"]:
        problems.append(f"score {got}/{mx}, expected exactly {spec['score']}")
    if spec["stubs"] and not re.search(r"^build: ok", out, re.M):
        problems.append("the stub did not build: a 0 that proves nothing")
    problems += [f"test '{t}' did not fail" for t in spec["fail"] if lines.get(t) != "FAIL"]
    problems += [f"report lacks '{r}'" for r in spec["reason"] if r not in out]
    problems += hint_problems(spec, out, verdict)
    if len(re.findall(r"^Score: ", out, re.M)) != 1:
        problems.append("the report has more than one line starting 'Score: ' (forged by the student's output?)")
    named, on_pass = diagnoses(out)
    problems += [f"passing test '{t}' has a diagnosis" for t in on_pass]
    if spec["mistake"] and not any(spec["mistake"] in said for said in named.values()):
        problems.append(f"no failed test says 'diagnosis: {spec['mistake']}' (said: "
                        f"{sorted(set(d for v in named.values() for d in v)) or 'nothing'})")
    if not spec["mistake"] and not any(r in out for r in spec["reason"]):
        problems.append("neither a 'mistake:' line nor an engine reason names this broken solution")
    if secs > spec["max-seconds"] * stretch:
        problems.append(f"took {secs:.1f} s, more than {spec['max-seconds']:.0f} s x load factor "
                        f"{stretch:.1f}")
    return problems, got, mx


def test_lab(lab):
    print(f"lab {lab}:")
    sol, skel = lab_dir("solutions", lab), lab_dir("labs", lab)
    # The reference: the text report on stdout, the other formats by --also.
    rc, said, err, secs = grade_formats(lab, sol)
    out = said["text"]
    got, mx = score_of(out)
    check(rc == 0 and got == mx and mx, f"the reference scores full marks ({got}/{mx}, {secs:.2f} s)",
          out + err)
    names = test_lines(out)
    check("diagnosis:" not in out, "the reference gets no diagnosis", out)
    check_formats(said, "reference", lambda fmt: f"--also {fmt}:FILE")
    # Again, with the same seed: the same report (written by --also this
    # time), and --format gradescope --out writing its file atomically.
    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryDirectory() as tmp2:
        dest, again = os.path.join(tmp, "results.json"), os.path.join(tmp2, "again.txt")
        rc, out2, err, _ = grade(lab, sol, "--format", "gradescope", "--out", dest, "--also", "text:" + again)
        check(rc == 0 and out2 == "" and os.path.exists(dest) and os.listdir(tmp) == ["results.json"],
              "--out writes the file and leaves no temporary file", out2 + err)
        text2 = open(again, encoding="utf-8").read() if os.path.exists(again) else ""
        check(out == text2, "grading twice with the same seed prints the same report")
        js = open(dest, encoding="utf-8").read() if os.path.exists(dest) else ""
        check(js == said["gradescope"], "--format gradescope --out writes what --also gradescope:FILE writes",
              js[:1000] + "\n---\n" + said["gradescope"][:1000])

    # The skeleton: the TAP report on stdout (--format tap), the others by --also.
    rc, said, err, _ = grade_formats(lab, skel, stdout="tap")
    out = said["text"]
    lines = test_lines(out)
    check(rc == 1 and score_of(out)[0] == 0 and lines and all(v == "FAIL" for v in lines.values()),
          "the skeleton scores 0 on every test", out + err)
    fails = re.findall(r"FAIL\s+0/\d+\n\s+(.*)", out)
    check(fails and all("not implemented" in f for f in fails),
          "every skeleton failure says 'not implemented'", "\n".join(fails[:5]))
    # The skeleton's calls never return (lab_todo), so no call is recorded
    # and no model can match: a diagnosis here would be a guess.
    check("diagnosis:" not in out, "the skeleton gets no diagnosis", out)
    # Every test's name and hint is in the skeleton's report: student text
    # (no course document by number, no instructor-side file).
    bad = wording(f"grade-{lab} on the skeleton",
                  "\n".join(x for x in out.splitlines() if not x.startswith("submission:")).encode())
    check(not bad, "test names and hints name no course document by number and no instructor-side file",
          "\n".join(bad))
    check_formats(said, "skeleton", lambda fmt: f"--format {fmt}" if fmt == "tap" else f"--also {fmt}:FILE")
    rc, out, err, _ = grade(lab, sol, "--list")
    check(rc == 0 and len(out.splitlines()) == len(names), "--list lists every test", out + err)
    first = next(iter(names))
    rc, out, err, _ = grade(lab, sol, "--test", first)
    check(rc == 0 and list(test_lines(out)) == [first], "--test runs only the named test", out + err)
    # --test again: the tests either names, the Score line over them; one
    # that names no test is an error even beside one that does.
    two = [first, list(names)[-1]]
    rc, out, err, _ = grade(lab, sol, "--test", two[0], "--test", two[1])
    pts = sum(int(m) for m in re.findall(r" (?:PASS|FAIL)\s+\d+/(\d+)$", out, re.M))
    check(rc == 0 and list(test_lines(out)) == two and score_of(out) == (pts, pts),
          "--test given twice runs the two named tests, scored out of their points", out + err)
    rc, out, err, _ = grade(lab, sol, "--test", first, "--test", "no such test at all")
    check(rc == 2 and "no such test at all" in err and "Score:" not in out,
          "a --test that names no test exits 2, beside one that does", out + err)
    # Another seed: the JUnit report on stdout (--format junit), the others by --also.
    rc, said, err, _ = grade_formats(lab, sol, "--seed", "7", stdout="junit")
    out = said["text"]
    check(rc == 0 and "seed: 7" in out, "--seed is used and printed", out + err)
    check_formats(said, "reference, seed 7", lambda fmt: f"--format {fmt}" if fmt == "junit" else f"--also {fmt}:FILE")
    rc, out, err, _ = grade(lab, sol, "--seed", "x7")
    check(rc == 2 and "--seed" in err, "a bad option exits 2 with a message", out + err)
    rc, out, err, _ = grade(lab, "/nonexistent/folder")
    check(rc == 2 and "does not exist" in err, "a missing submission folder exits 2", out + err)
    p = subprocess.run([os.path.join(ROOT, "grader/bin/grade-" + lab), sol], capture_output=True,
                       text=True, env=dict(os.environ, PATH="/nonexistent"), timeout=60)
    check(p.returncode == 2 and "compiler" in p.stderr and "Score:" not in p.stdout,
          "no C compiler is a grader error (exit 2), not a student's 0", p.stdout[-500:] + p.stderr)

    covered = set()
    formats_checked = False
    muts = sorted(glob.glob(os.path.join(ROOT, "grader/broken", lab, "*.mut")))
    for k, path in enumerate(muts):
        name = os.path.basename(path)[:-4]
        spec = parse_mutation(path)
        covered.update(spec["fail"])
        forged = "Score: 100/100" in "".join(w for _, w in spec["edits"])
        # A full grading (every test of the lab) where a check needs it: a
        # stub or a `score:` (the exact score), the forged score line (the
        # whole report has one), and every FULL_EVERY-th of the others (no
        # passing test carries a diagnosis, the grader finishes, the time).
        # The others are graded on the tests their `fail:` lines name
        # (--test, repeated), and again in full when that shows any problem,
        # so that a failure is always reported from a full grading.
        full = bool(spec["stubs"]) or spec["score"] is not None or forged or k % FULL_EVERY == 0
        with tempfile.TemporaryDirectory() as tmp:
            missing = apply_mutation(sol, spec, tmp)
            if missing:
                check(False, f"broken/{name}: mutation applies", f"not found in the solution: {missing[0]!r}")
                continue
            # A solution that hangs costs the per-call timeout on every call,
            # until the grading's time budget is spent, and a spinning one
            # burns a core meanwhile, every test worker's (2 CPU-s a second
            # of budget, more under make test's load, which stretches the
            # budget): a short timeout (0.2 s), budget (1 s) and one worker
            # prove the same (the first calls time out, the rest are
            # reported as the budget spent) at a quarter of the CPU.
            hangs = any("did not return within" in r for r in spec["reason"])
            opts = ("--timeout", "0.2", "--budget", "1", "--jobs", "1") if hangs else ()
            subset = () if full or not spec["fail"] else tuple(a for t in spec["fail"] for a in ("--test", t))
            regraded = None
            # Every format from this one grading: the checks below that read
            # JSON, JUnit or TAP use them instead of grading it again.
            while True:
                stretch = load_factor()
                rc, said, err, secs = grade_formats(lab, tmp, *opts, *subset, timeout=spec["max-seconds"] * 8 + 30)
                stretch = max(stretch, load_factor())
                out = said["text"]
                problems, got, mx = mutant_problems(spec, rc, out, secs, stretch, said["verdict"])
                if not problems or not subset:
                    break
                subset, regraded = (), problems[0]  # the full grading decides and reports
        if forged:
            # It prints a forged score line and a forged PASS, and changes
            # nothing: it builds, the text report has one score line, the
            # grader's, and Gradescope's JSON has the same score.
            js = said["gradescope"]
            try:
                js_score = json.loads(js)["score"]
            except ValueError:
                js_score = None
            check(re.search(r"^build: ok", out, re.M) and got is not None and got < mx and js_score == got,
                  f"broken/{name}: it builds, prints 'Score: 100/100', and scores {got}/{mx} (JSON: {js_score})",
                  out[-2000:] + js[:500])
        if spec["mistake"] and not problems and not formats_checked:
            # The diagnosis is in the test's output in the other formats too.
            formats_checked = True
            try:
                in_json = any(t["status"] == "failed" and "diagnosis: " + spec["mistake"] in t["output"]
                              for t in json.loads(said["gradescope"])["tests"])
            except (ValueError, KeyError):
                in_json = False
            in_xml = any(("diagnosis: " + spec["mistake"]) in (f.text or "")
                         for f in ET.fromstring(said["junit"]).iter("failure"))
            check(in_json and in_xml and "diagnosis: " + spec["mistake"] in said["tap"],
                  f"broken/{name}: its diagnosis is in a failed test's output in Gradescope JSON, JUnit and TAP",
                  said["gradescope"][:1500])
        on = f" on the {len(test_lines(out))} tests of its fail: lines" if subset else \
            f" (graded in full: on its fail: tests alone, {regraded})" if regraded else ""
        check(not problems, f"broken/{name} ({spec['what']}): {got}/{mx}{on} in {secs:.1f} s",
              "; ".join(problems) + "\n" + out[-3000:] + err[-1000:])
    # No test that cannot fail: each one is failed by some broken solution.
    uncovered = [t for t in names if t not in covered]
    check(not uncovered, f"every one of the {len(names)} hidden tests fails under some broken solution",
          "never failed on purpose: " + "; ".join(uncovered))


def main():
    labs = sys.argv[1:]
    if not labs:
        sys.exit("usage: test_grader.py LAB_ID...")
    with tempfile.TemporaryDirectory(prefix="test-grader-cache-") as cache:
        # The same files graded again (the reference in several formats, a
        # broken solution graded in full after its fail: tests) are built
        # once: grader/engine/build_cache.h (make test sets its own).
        os.environ.setdefault("LORALAB_BUILD_CACHE", cache)
        for lab in labs:
            test_lab(lab)
    print(f"{PASSED} passed, {FAILED} failed")
    sys.exit(1 if FAILED else 0)


if __name__ == "__main__":
    main()
