#!/usr/bin/env python3
"""test_redteam_run.py - hostile submissions against the run sandbox, every lab.

Each variant is the lab's reference solution with hostile code added, either
in a constructor (it runs when the runner process loads, before main: once
for the calls of a test, again after a call that ended the runner) or at the top of every graded function (after each indented
"BEGIN SOLUTION labNN.K" marker), or, for the write far past an output, in
one named function.  The classes (issue 11, item 7, the run side):
  limits changed on the grader (prlimit64 on the parent, setrlimit on itself),
  forged runner messages on fd 3 (setup failure, bad request, forbidden
  call, result), sleeping 0.9 s / spinning / hanging in every call, a write
  1 MiB past an output (and, but for --lab-only, the same write in each
  call after a runner's first: a test's later calls on the same shapes keep
  the first call's layout of its tensors, runner_main.c's lay_out_tensors,
  whose gaps must still be inaccessible), floods of bytes and of short lines, fork, clone and
  kill of the grader (the runner may not call getppid; its
  pid minus one is the test worker that started it), and the answer pipe of
  a runner that serves a test's calls: duplicated (forbidden) or closed
  (the call fails); the grader stopped from outside (SIGTERM or SIGKILL to
  its process group, SIGKILL to it alone) while calls sleep forever: no
  process may be left.  Forged "done" bytes on the control socket and a closed
  control socket are harmless (HARMLESS: full marks, the work is done).
Every variant must: score 0 (the write past an output: lose the tests of that
function; the sleeper: pass only tests whose every call has a limit above its
0.9 s, which it then earned as slow but correct), exit 1 (never 2: no "grader error"), print a complete report (every
test of --list, a Score line) with the expected reason, take under 30 s
(10 s is the target; slower runs are printed as SLOW), and leave no process
behind (nothing runs from the grading's temporary folder afterwards).
The reference still scores full marks.

    test_redteam_run.py [--lab-only] [--only REGEX] [LAB_ID...]      (default: every lab)

--lab-only runs only the classes whose outcome depends on the lab (sleeping,
spinning, hanging, the write past an output): see LAB_CLASSES.
Closing line: "N passed, M failed".  Uses only Python's standard library.
"""
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_grader as tg  # noqa: E402

TARGET_SECONDS, BAR_SECONDS = 10.0, 30.0


# Declared by hand: the student's compile is -std=c11, where <unistd.h> hides
# syscall().  x86-64 system call numbers.
PRELUDE = r"""
/* ---- red team (tests/test_redteam_run.py) ---- */
#include <stddef.h>
#include <string.h>
#include <time.h>
extern long syscall(long number, ...);
struct redteam_rlimit { unsigned long cur, max; };
static int redteam_word;
static void redteam_put(const void *p, size_t n) { syscall(1, 3, p, n); }
static void redteam_u32(unsigned v) { redteam_put(&v, 4); }
static __attribute__((unused)) void redteam_hook(void)
{
    HOSTILE
}
"""

HOSTILE = {
    # name: (code, where, expected reason regex)
    "limits-on-grader": (
        "struct redteam_rlimit z = {0, 0}; syscall(302, syscall(39) - 1, 1, &z, (void *)0);",
        "both", r"forbidden system call: prlimit64"),
    "setrlimit-self": (
        "struct redteam_rlimit big = {~0ul, ~0ul}; syscall(160, 0, &big);",
        "call", r"forbidden system call: setrlimit"),
    "raise-own-limit": (
        "struct redteam_rlimit big = {~0ul, ~0ul}; syscall(302, 0, 0, &big, (void *)0);",
        "ctor", r"forbidden system call: prlimit64"),
    "forge-setup": (
        'redteam_u32(0x45534c4cu); redteam_put("sandbox setup failed", 20);',
        "both", r"did not carry exactly one answer"),
    "forge-badreq": (
        "redteam_u32(0x53524c4cu); redteam_put(\"\\3\", 1); syscall(231, 122);",
        "both", r"malformed request after your code could run"),
    # The same bytes with another ending are not the runner's: that ending is the failure.
    "forge-badreq-exit3": (
        "redteam_u32(0x53524c4cu); redteam_put(\"\\3\", 1); syscall(231, 3);",
        "both", r"called exit\(3\)"),
    "forge-badreq-exit0": (
        "redteam_u32(0x53524c4cu); redteam_put(\"\\3\", 1); syscall(231, 0);",
        "both", r"did not carry exactly one answer"),
    "forge-sys": (
        "redteam_u32(0x59534c4cu); redteam_u32(57); syscall(231, 121);",
        "both", r"forbidden system call: fork"),
    "forge-result": (
        "redteam_u32(0x53524c4cu); redteam_put(\"\\2\", 1); long long r = 0; redteam_put(&r, 8);"
        " redteam_u32(0); syscall(231, 0);",
        "both", r"did not carry exactly one answer"),
    "sleep-0.9s": (
        "struct timespec ts = {0, 900000000}; syscall(35, &ts, (void *)0);",
        "both", r"did not return within|time budget"),
    "spin": ("for (volatile int go = 1; go;) {}", "call", r"did not return within|time budget"),
    "hang": ("for (;;) syscall(202, &redteam_word, 0, 0, (void *)0);", "call",
             r"did not return within|time budget"),
    "flood-bytes": (
        "static char blob[65536]; memset(blob, 'x', sizeof blob);"
        " for (int i = 0; i < 256; i++) syscall(1, 1, blob, sizeof blob);",
        "call", r"output flood"),
    "flood-lines": ("for (long i = 0; i < 3000000; i++) syscall(1, 1, \"\\n\", 1);", "call",
                    r"output flood"),
    "fork": ("syscall(57);", "call", r"forbidden system call: fork"),
    "clone": ("syscall(56, 17, 0, 0, 0, 0);", "call", r"forbidden system call: clone"),
    "kill-grader": ("syscall(62, syscall(39) - 1, 9);", "call", r"forbidden system call: kill"),
    # One runner serves a test's calls, each answer on a pipe of its own
    # (grader/engine/run_sandbox.c): the pipe must not outlive the call.
    "dup-answer-pipe": ("syscall(32, 3);", "call", r"forbidden system call: dup"),
    "close-answer-pipe": ("syscall(3, 3);", "call", r"channel \(fd 3 or fd 4\) was closed"),
}

# Tampering with the control socket (fd 4) in every call gains nothing and
# costs nothing: the work is done, so full marks.  A forged "done" byte is
# not the end of an answer (the answer pipe's end of file is); a closed
# socket ends the runner after the call's answer, and the next call starts
# a new one.
HARMLESS = {
    "forge-done": "static const char d = 'D'; syscall(1, 4, &d, 1);",
    "close-control": "syscall(3, 4);",
}


# A write 1 MiB past an output (150000 doubles = 1.2 MB past the start):
# (function, statement) per lab.  Lab 04's outputs are rebuilt by the adapter
# on the runner's heap, so there the write is a plain crash.
WRITE_PAST = {
    "01": ("lowrank_storage", "out[150000] = 1.0;", r"wrote outside the output tensor out"),
    "02": ("lora_forward_row", "y[150000] = 1.0;", r"wrote outside the output tensor y"),
    "03": ("lora_init", "a[150000] = 1.0;", r"wrote outside the output tensor a"),
    "04": ("pc_summary_line", "if (buf) buf[cap + (1u << 20)] = 'x';", r"segmentation fault"),
    "05": ("lora_merge", "w[150000] = 1.0;", r"wrote outside the \w+ tensor w"),
    "06": ("train_forward", "y_hat[150000] = 1.0;", r"wrote outside the output tensor y_hat"),
    "07": ("base_forward", "out[150000] = 1.0;", r"wrote outside the output tensor out"),
    "08": ("houlsby_adapter", "out[150000] = 1.0;", r"wrote outside the output tensor out"),
    "09": ("q_dequantize", "w[150000] = 1.0;", r"wrote outside the output tensor w"),
}


check = tg.check  # one pass/fail counter and report format for the kit's grader tests


def sources(sol):
    return sorted(f for f in os.listdir(sol) if f.endswith(".c"))


def graded_sources(lab):
    """The files grade-NN compiles (a solution folder may hold more)."""
    p = subprocess.run([os.path.join(tg.ROOT, "grader/bin/grade-" + lab), "--sources"],
                       capture_output=True, text=True)
    return p.stdout.split()


def make_variant(lab, sol, dest, code, where):
    """Copy the reference into dest with `code` run in a constructor and/or at
    the top of every graded function."""
    marker = re.compile(r"^(\s+/\* BEGIN SOLUTION lab\d\d\.\d+ \*/\n)", re.M)
    graded = graded_sources(lab)
    files = sorted(sources(sol), key=lambda f: (f not in graded, f))
    for i, name in enumerate(files):
        text = open(os.path.join(sol, name), encoding="utf-8").read()
        extra = PRELUDE.replace("HOSTILE", code)
        if where in ("ctor", "both") and i == 0:
            extra += "__attribute__((constructor)) static void redteam_ctor(void) { redteam_hook(); }\n"
        if where in ("call", "both"):
            text = marker.sub(lambda m: m.group(1) + "    redteam_hook();\n", text)
        open(os.path.join(dest, name), "w", encoding="utf-8").write(extra + text)


def make_write_past(sol, dest, func, stmt):
    found = False
    for name in sources(sol):
        text = open(os.path.join(sol, name), encoding="utf-8").read()
        pat = re.compile(r"^([a-z][\w ]*\b" + func + r"\([^;{]*\)\s*\n\{\n)", re.M)
        text, n = pat.subn(lambda m: m.group(1) + "    " + stmt + "\n", text, count=1)
        found |= n == 1
        open(os.path.join(dest, name), "w", encoding="utf-8").write(text)
    return found


def leftovers(tmpdir):
    """Processes whose program or working folder lies in tmpdir."""
    left = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        for link in ("exe", "cwd"):
            try:
                if os.readlink(f"/proc/{pid}/{link}").startswith(tmpdir):
                    left.append(pid)
            except OSError:
                pass
    return sorted(set(left))


# Sleeping, spinning and hanging submissions run until the time budget is
# spent: 3 s here shows the same (every test reported, nothing earned that a
# call's limit does not allow) at a third of the default's cost; `make bench`
# times them with the default budget.
TIMED_BUDGET = "3"
# A spinning one burns every test worker's core for the whole budget (more
# than the budget under load, which stretches it): one worker and a 1-s
# budget show the same (its calls time out, the rest are reported as the
# budget spent) at a sixth of the CPU.
SPIN_OPTS = ("--budget", "1", "--jobs", "1")


def grade(lab, sub, *opts):
    """Grade sub with TMPDIR in a fresh folder; returns rc, out, err, seconds, leftovers."""
    with tempfile.TemporaryDirectory(prefix="redteam-tmp-") as tmpdir:
        start = time.monotonic()
        try:
            p = subprocess.run([os.path.join(tg.ROOT, "grader/bin/grade-" + lab), *opts, sub],
                               capture_output=True, text=True, errors="replace", timeout=120,
                               env=dict(os.environ, TMPDIR=tmpdir, LORALAB_CALL_TIMES="1"))
            rc, out, err = p.returncode, p.stdout, p.stderr
        except subprocess.TimeoutExpired:
            rc, out, err = -1, "", "timed out after 120 s"
        secs = time.monotonic() - start
        time.sleep(0.05)
        return rc, out, err, secs, leftovers(tmpdir)


# The grader stopped from outside while a call sleeps (a runner in flight):
# grade-all's Ctrl-C (SIGTERM to the judge's process group), its timeout
# (SIGKILL to the group), or SIGKILL to the judge alone.  Each runner has a
# process group of its own, so only the runner's own death-with-its-worker
# (run_sandbox.c) stops it: before it, every stop left the sleeping runners.
STOPS = {"SIGTERM to the grader's process group": (True, signal.SIGTERM),
         "SIGKILL to the grader's process group": (True, signal.SIGKILL),
         "SIGKILL to the grader alone": (False, signal.SIGKILL)}
SLEEP_FOREVER = "for (;;) { struct timespec ts = {1, 0}; syscall(35, &ts, (void *)0); }"


def stopped_grading(lab, sub, group, sig):
    """(runners in flight before the stop, processes left 0.5 s after it)."""
    with tempfile.TemporaryDirectory(prefix="redteam-tmp-") as tmpdir:
        p = subprocess.Popen([os.path.join(tg.ROOT, "grader/bin/grade-" + lab), "--timeout", "20", sub],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                             env=dict(os.environ, TMPDIR=tmpdir))
        start, running = time.monotonic(), []
        while not running and time.monotonic() - start < 30 and p.poll() is None:
            time.sleep(0.05)
            # a runner, not the compiler (its build runs in the same folder first)
            running = [x for x in leftovers(tmpdir) if os.path.basename(exe_of(x)) == "runner"]
        try:
            os.killpg(p.pid, sig) if group else os.kill(p.pid, sig)
        except ProcessLookupError:
            pass
        p.wait()
        time.sleep(0.5)
        left = leftovers(tmpdir)
        for x in left:  # the test's own cleanup: nothing outlives the kit's tests
            try:
                os.kill(int(x), signal.SIGKILL)
            except ProcessLookupError:
                pass
        return running, left


def exe_of(pid):
    try:
        return os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return ""


def test_stops(lab):
    sol = tg.lab_dir("solutions", lab)
    with tempfile.TemporaryDirectory() as sub:
        make_variant(lab, sol, sub, SLEEP_FOREVER, "call")
        for label, (group, sig) in STOPS.items():
            running, left = stopped_grading(lab, sub, group, sig)
            check(running and not left,
                  f"grader stopped ({label}) while calls sleep: no process left behind",
                  f"runners in flight before the stop: {running}; left after it: {left}")


def call_limits(err):
    """{test name: [time each call was allowed]} from the LORALAB_CALL_TIMES
    lines: its limit, or later where its deadline moved by the time its
    runner waited for a core (run_sandbox.c: on a busy machine a call that
    sleeps a little past its limit may still finish in time)."""
    limits = {}
    for m in re.finditer(r"^call-time (.*)\t\S+ reference \S+ limit (\S+) allowed (\S+) took \S+$", err, re.M):
        limits.setdefault(m.group(1), []).append(max(float(m.group(2)), float(m.group(3))))
    return limits


def judge_variant(lab, label, sub, n_tests, reason, max_score=0, sleeps=None, opts=(),
                  once=False):
    """sleeps: the variant sleeps this long in every call, so a test whose
    every call has a longer limit may pass (slow but correct); no other.
    once: it sleeps in a constructor, once per runner process, and one runner
    serves a test's calls (grader/engine/run_sandbox.c): only each test's
    first call pays the sleep."""
    stretch = tg.load_factor()
    rc, out, err, secs, left = grade(lab, sub, *opts)
    stretch = max(stretch, tg.load_factor())
    got, mx = tg.score_of(out)
    lines = tg.test_lines(out)
    problems = []
    passed = [t for t, v in lines.items() if v == "PASS"]
    if sleeps:
        limits = call_limits(err)
        unearned = [t for t in passed if not limits.get(t) or
                    (limits[t][0] if once else min(limits[t])) < sleeps]
        if unearned:
            problems.append(f"passed although a call's limit is below {sleeps} s: {unearned}")
        if passed:
            label += f" (passed {len(passed)} tests whose calls may all take {sleeps} s)"
        max_score = mx if got is not None and not unearned else 0
    if rc not in ((0, 1) if sleeps else (1,)):
        problems.append(f"exit status {rc}, expected 1")
    if got is None or got > max_score:
        problems.append(f"score {got}/{mx}, expected {'0' if max_score == 0 else f'< {mx}'}")
    if len(lines) != n_tests:
        problems.append(f"the report lists {len(lines)} of {n_tests} tests")
    if re.search(r"grader error|not graded|grader bug", out + err):
        problems.append("the report blames the grader")
    if not re.search(reason, out):
        problems.append(f"the report lacks /{reason}/")
    if secs > BAR_SECONDS * stretch:
        problems.append(f"took {secs:.1f} s (bar {BAR_SECONDS:.0f} s x load factor {stretch:.1f})")
    if left:
        problems.append(f"processes left behind: {left}")
    slow = f" SLOW (target {TARGET_SECONDS:.0f} s x load factor {stretch:.1f})" \
        if secs > TARGET_SECONDS * stretch else ""
    check(not problems, f"{label}: {got}/{mx}, exit {rc}, {secs:.1f} s{slow}",
          "; ".join(problems) + "\n" + out[-2500:] + err[-800:])


# --lab-only: the classes whose outcome depends on the lab (its calls' time
# limits, its tests' reports under a spent budget, its output tensors).  The
# others attack the runner's sandbox (seccomp filter, limits, the fd 3 wire,
# output caps), which is runner_main.c and run_sandbox.c for every lab:
# `make test` proves them on the first lab of the Makefile's REDTEAM_FULL.
LAB_CLASSES = ("sleep-0.9s", "spin", "hang")


def test_lab(lab, only=None, lab_only=False):
    print(f"lab {lab}:")
    sol = tg.lab_dir("solutions", lab)
    p = subprocess.run([os.path.join(tg.ROOT, "grader/bin/grade-" + lab), "--list"],
                       capture_output=True, text=True)
    n_tests = len(p.stdout.splitlines())
    rc, out, err, secs, left = grade(lab, sol)
    got, mx = tg.score_of(out)
    check(rc == 0 and got == mx and mx and not left,
          f"the reference scores full marks ({got}/{mx}, {secs:.2f} s)", out + err)
    for name, (code, where, reason) in HOSTILE.items():
        if lab_only and name not in LAB_CLASSES:
            continue
        for w in (("ctor", "call") if where == "both" else (where,)):
            label = f"{name} ({'in a constructor' if w == 'ctor' else 'in every call'})"
            if only and not re.search(only, label):
                continue
            with tempfile.TemporaryDirectory() as sub:
                make_variant(lab, sol, sub, code, w)
                timed = name.startswith("sleep") or name in ("spin", "hang")
                opts = SPIN_OPTS if name == "spin" else ("--budget", TIMED_BUDGET) if timed else ()
                judge_variant(lab, label, sub, n_tests, reason,
                              sleeps=0.9 if name.startswith("sleep") else None,
                              opts=opts, once=w == "ctor")
    for name, code in HARMLESS.items():
        if lab_only or (only and not re.search(only, name)):
            continue
        with tempfile.TemporaryDirectory() as sub:
            make_variant(lab, sol, sub, code, "call")
            rc, out, err, secs, left = grade(lab, sub)
            got, mx = tg.score_of(out)
            check(rc == 0 and got == mx and mx and not left,
                  f"{name} (in every call, harmless): {got}/{mx}, exit {rc}, {secs:.1f} s", out + err)
    if not lab_only and (not only or re.search(only, "grader stopped")):
        test_stops(lab)
    func, stmt, reason = WRITE_PAST[lab]
    if only and not re.search(only, "write-past"):
        return
    with tempfile.TemporaryDirectory() as sub:
        if not make_write_past(sol, sub, func, stmt):
            check(False, f"write-past: {func} found in the reference")
            return
        judge_variant(lab, f"write-past ({func} writes 1 MiB past its output)", sub, n_tests,
                      reason, max_score=mx - 1)
    if lab_only:
        return
    with tempfile.TemporaryDirectory() as sub:
        make_write_past(sol, sub, func, "{ static int calls_; if (calls_++ > 0) { " + stmt + " } }")
        judge_variant(lab, f"write-past from a runner's second call on ({func})", sub, n_tests,
                      reason, max_score=mx - 1)


def main():
    args = sys.argv[1:]
    only, lab_only = None, False
    if args[:1] == ["--lab-only"]:
        lab_only, args = True, args[1:]
    if args[:1] == ["--only"]:
        only, args = args[1], args[2:]
    labs = args or sorted(os.path.basename(d)[:2] for d in
                          tg.glob.glob(os.path.join(tg.ROOT, "solutions", "[0-9][0-9]-*")))
    for lab in labs:
        test_lab(lab, only, lab_only)
    print(f"{tg.PASSED} passed, {tg.FAILED} failed")
    sys.exit(1 if tg.FAILED else 0)


if __name__ == "__main__":
    main()
