#!/usr/bin/env python3
"""test_engine.py - the grading engine's own behaviour, through
grader/bin/engine-test (tests/engine_test.c, built by make engine-tests):
a test table that poses as Lab 01 and grades its reference with --jobs 1.

  - a grader error in one test fails that test only (the exit status is 2),
    not the tests started after it (workers start with a clean flag);
  - a worker that leaves through exit() does not remove the temporary folder
    the other workers use (the runner is still there after it);
  - a worker runs test after test: what one test leaves behind (its
    failure, reasons and log, the allocator set to fail) does not reach the
    next test it runs;
  - every data file judge_data handed a test stays valid until the test ends;
  - the hints under a failed test (grader/engine/report.c): the test's own
    hint only for a wrong value of its own checks (or a line of context
    alone), the hint of each engine reason for that reason: a call rejected,
    a guard test's valid call failing, a changed input, a crash;
  - a late judge (tests/late_judge.c, preloaded into grade-01: each poll
    that found nothing ready is followed by 2 s off a core) still takes the
    answer its runner wrote before it looked (the reference passes), and
    still times out a call that never answers (the endless loop fails);
  - a judge kept waiting for a core for 1.5 s just after it started a runner
    (the same shim, LATE_JUDGE_EXEC_MS) passes the reference, and reports
    the call's time from the runner's exec: a submission whose constructor
    sleeps 0.9 s passes its 0.2 s call only if the report allows the call
    0.9 s or more (the wait was the machine's).
"""
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_grader import test_blocks  # noqa: E402 - the text report's test blocks, read one way
import test_redteam_run as redteam  # noqa: E402 - its hostile variants (the constructor sleeper)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXE = os.path.join(ROOT, "grader", "bin", "engine-test")

# name -> passes?  (the worker that calls exit() sends no result: it fails)
WANT = {
    "a grader error": False,
    "a test after a grader error passes": True,
    "a worker leaves through exit": False,
    "the runner is still there after that": True,
    "a test leaves state behind": False,
    "the next test in the same worker starts clean": True,
    "data files stay valid while the test runs": True,
    "a wrong value": False,
    "a context line alone": False,
    "a valid call rejected": False,
    "a guard test without a working function": False,
    "an engine reason with a context line": False,
    "an engine reason and a wrong value": False,
}

# name -> (its own hint shown?, the start of each engine hint under it: no
# other hint may be there)
HINTS = {
    "a grader error": (False, ["hint: The grader itself went wrong"]),
    "a wrong value": (True, []),
    "a context line alone": (True, []),
    "a valid call rejected": (False, ["hint: Your function returned LAB_EARG for arguments it must accept"]),
    "a guard test without a working function": (False, ["hint: This test gives its points only once"]),
    "an engine reason with a context line": (False, ["hint: Your function must leave its input arrays"]),
    "an engine reason and a wrong value": (True, ["hint: Your code crashed instead of returning"]),
}


LATE_TEST = "lowrank_rank leaves its inputs unchanged"  # one call
SOL = os.path.join(ROOT, "solutions", "01-rank-factorization")


def graded_late(sub, **env):
    """grade-01 on LATE_TEST with tests/late_judge.c preloaded (env: its
    settings): (process, PASS or FAIL or None, [(limit, allowed, took)])."""
    env = dict(os.environ, LD_PRELOAD=os.path.join(ROOT, "build", "tests", "late_judge.so"),
               LORALAB_CALL_TIMES="1", **env)
    p = subprocess.run([os.path.join(ROOT, "grader", "bin", "grade-01"), "--jobs", "1", "--test", LATE_TEST, sub],
                       capture_output=True, text=True, timeout=300, env=env)
    verdict = re.search(r"^lab01\.\d+ +" + re.escape(LATE_TEST) + r" \.+ (PASS|FAIL)", p.stdout, re.M)
    times = [tuple(map(float, t)) for t in
             re.findall(r"^call-time .* limit (\S+) allowed (\S+) took (\S+)$", p.stderr, re.M)]
    return p, verdict and verdict.group(1), times


def detail(p):
    return f"exit {p.returncode}\n{p.stdout[-1500:]}\n{p.stderr[-800:]}"


def late_judge(tmp):
    """[(ok, what, detail)]: grade-01 with a late judge, on the reference
    and on the endless loop, one test each."""
    loop = os.path.join(tmp, "endless-loop")
    subprocess.run([sys.executable, os.path.join(ROOT, "tools", "apply_mut.py"), "apply",
                    os.path.join(ROOT, "grader", "broken", "01", "endless-loop.mut"), SOL, loop], check=True)
    out = []
    for sub, want in ((SOL, "PASS"), (loop, "FAIL")):
        p, verdict, times = graded_late(sub)
        ok = verdict == want and times
        if want == "PASS":  # taken when the judge looked: the call was allowed until then
            ok = ok and p.returncode == 0 and all(a >= t for _, a, t in times)
            what = "a late judge takes the answer written before it looked (the reference passes)"
        else:
            ok = ok and "did not return within its limit" in p.stdout
            what = "a late judge still times out a call that never answers (the endless loop fails)"
        out.append((ok, what, detail(p)))
    return out


def late_exec(tmp):
    """[(ok, what, detail)]: grade-01 whose worker waits 1.5 s for a core
    right after each runner's exec, on the reference and on the red team's
    constructor that sleeps 0.9 s (test_redteam_run.py), one one-call test
    each."""
    sleepy = os.path.join(tmp, "sleepy-constructor")
    os.makedirs(sleepy)
    redteam.make_variant("01", SOL, sleepy, redteam.HOSTILE["sleep-0.9s"][0], "ctor")
    p, verdict, times = graded_late(SOL, LATE_JUDGE_EXEC_MS="1500")
    out = [(verdict == "PASS" and p.returncode == 0 and times,
            "a judge late after a runner's exec still passes the reference", detail(p))]
    p, verdict, times = graded_late(sleepy, LATE_JUDGE_EXEC_MS="1500")
    # a pass is earned only with 0.9 s allowed; a fail must be the clock's
    ok = times and (all(a >= 0.9 for _, a, _ in times) if verdict == "PASS"
                    else verdict == "FAIL" and "did not return within its limit" in p.stdout)
    out.append((ok, "a judge late after a runner's exec reports the call's time from the exec "
                    "(a constructor's 0.9 s sleep counts)", detail(p)))
    return out


def main():
    sol = SOL
    with tempfile.TemporaryDirectory() as tmp:
        text_path = os.path.join(tmp, "report.txt")
        p = subprocess.run([EXE, "--jobs", "1", "--format", "verdict", "--also", "text:" + text_path, sol],
                           capture_output=True, text=True, timeout=300)
        text = open(text_path, encoding="utf-8", errors="replace").read() if os.path.exists(text_path) else ""
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
    under = {name: lines for name, (_, lines) in test_blocks(text).items()}
    own_hints = {t["name"]: t.get("hint") for t in verdict["tests"]}
    for name, (own, must) in HINTS.items():
        lines = under.get(name, [])
        shown = ("hint: " + str(own_hints.get(name))) in lines
        n_hints = sum(ln.startswith("hint: ") for ln in lines)
        problems = ([f"its own hint {'missing' if own else 'shown'}"] if shown != own else []) + \
                   [f"no '{w}'" for w in must if not any(ln.startswith(w) for ln in lines)] + \
                   ([f"{n_hints} hints, expected {own + len(must)}"] if n_hints != own + len(must) else [])
        failed += bool(problems)
        print(f"  {'FAIL' if problems else 'ok  '} {name}: {'its own hint' if own else 'not its own hint'}"
              f"{', ' + ', '.join(must) if must else ''}{': ' + '; '.join(problems) if problems else ''}")
        if problems:
            print("       " + "\n       ".join(lines))
    ok = p.returncode == 2
    failed += not ok
    print(f"  {'ok  ' if ok else 'FAIL'} a grader error makes the exit status 2 (got {p.returncode})")
    with tempfile.TemporaryDirectory() as tmp:
        late = late_judge(tmp) + late_exec(tmp)
    for ok, what, detail in late:
        failed += not ok
        print(f"  {'ok  ' if ok else 'FAIL'} {what}")
        if not ok:
            print("       " + detail.replace("\n", "\n       "))
    if failed:
        print(p.stderr)
    print(f"engine tests: {len(WANT) + len(HINTS) + 1 + len(late) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
