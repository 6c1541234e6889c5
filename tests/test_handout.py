#!/usr/bin/env python3
"""test_handout.py - the students' copy builds, grades, and holds no answers.

Builds the copy both ways (`make handout`, and with HANDOUT_GRADERS=1) in a
temporary folder, then checks: no solution or hidden-test file or line in it
(and the check does catch one planted on purpose); the archive unpacks to the
same files; the copy with graders is the one without plus grader/bin/, so
on one of them: every skeleton compiles with the kit's flags; `make check
LAB=NN` builds the visible tests and they stop with "not implemented".
`make grade` says grading happens on submission (no graders) or grades the
first lab's skeleton 0 (tests/test_grader.py: every lab's, same files and
grader) and each lab's copied-in reference full marks (graders shipped) and
ends with a line that says so.  Then, with the reference files dropped into
the copy, every `make` command that the copy's README and its labs' READMEs
name (found by scanning them, so a newly named target is covered) runs and
succeeds (`make lab-tests` and `make bench` first: a target they run as a
prerequisite, with the same variables, is not run again); a warning in a
student's file is shown but fails neither `make check` nor grading, and
`make check` compiles students' files with the grader's flags.  What
`make grade` and those commands print names no course document by number
and no instructor-side file (tools/handout.py's wording rules, which also
hold for every text file of the copy: a planted line is caught).
--part copies runs all but `make plots`, `make lab-tests` and `make bench`
(and the commands they cover); --part figures runs only those three, in a
copy of its own with the references dropped in: make test runs the two as
stages side by side (one part after the other took five minutes of a
busy machine's wall time).  No --part: both, one after the other.
Closing line: "N passed, M failed".  Uses only Python's standard library.
"""
import glob
import os
import re
import resource
import shutil
import subprocess
import sys
import tarfile
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import test_grader as tg  # noqa: E402
from test_grader import check  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tools"))
import handout  # noqa: E402  (tools/handout.py: its wording check)

ROOT = tg.ROOT
HANDOUT = [sys.executable, os.path.join(ROOT, "tools/handout.py")]
CFLAGS = ["-std=c11", "-O2", "-Wall", "-Wextra", "-Werror", "-D_POSIX_C_SOURCE=200809L"]


CPU = []  # (CPU seconds of the command and its children, the command)
# `make grade LAB=NN` run on the reference copied in (rc, output), by command:
# the READMEs name the same commands, run on the same files (named_targets_work).
GRADED = {}


def sh(cmd, cwd, timeout=300):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                       env=dict(os.environ, MAKEFLAGS=""))
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.append((after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, " ".join(cmd)[-90:]))
    return p.returncode, p.stdout + p.stderr


# The named commands --part figures runs (and what they run as prerequisites).
FIGURES = ("plots", "lab-tests", "bench")
PART = None  # None (both), "copies" or "figures"


def unpack(out, label):
    """The archive in out unpacked as a student would, in a folder of its
    own beside it: the copy's folder."""
    home = os.path.join(os.path.dirname(out), "student-" + label.replace(" ", "-"))
    with tarfile.open(os.path.join(out, "loralab-student.tar.gz")) as t:
        t.extractall(home, filter="data") if hasattr(tarfile, "data_filter") else t.extractall(home)
    return os.path.join(home, "loralab-student")


def drop_in_references(home, lab):
    for src in glob.glob(os.path.join(ROOT, "solutions", lab, "*.c")):
        shutil.copy(src, os.path.join(home, "labs", lab))


def figures_part(tmp):
    """--part figures: a copy with graders, every lab's reference dropped in,
    and the named commands of FIGURES run in it."""
    out = os.path.join(tmp, "figures")
    rc, log = sh(["make", "--no-print-directory", "handout", f"HANDOUT_OUT={out}", "HANDOUT_GRADERS=1"], ROOT)
    check(rc == 0, "make handout (with graders) builds, for the figures", log)
    if rc != 0:
        return
    home = unpack(out, "figures")
    labs = sorted(os.path.basename(d) for d in glob.glob(os.path.join(home, "labs/[0-9][0-9]-*")))
    for lab in labs:
        drop_in_references(home, lab)
    named_targets_work(home, labs)


def check_copy(tmp, graders, plain=None):
    """plain: the copy without graders, checked before (its folder), when graders."""
    label = "with graders" if graders else "without graders"
    out = os.path.join(tmp, "graders" if graders else "plain")
    rc, log = sh(["make", "--no-print-directory", "handout", f"HANDOUT_OUT={out}",
                  f"HANDOUT_GRADERS={1 if graders else 0}"], ROOT)
    check(rc == 0 and "content check: no line of" in log, f"make handout ({label}) builds", log)
    copy = os.path.join(out, "loralab-student")
    if rc != 0:
        return
    names = {os.path.relpath(os.path.join(d, f), copy) for d, _, fs in os.walk(copy) for f in fs}
    bad = [n for n in names if re.search(r"solutions/|grader/labs|grader/broken|\.mut$|tests\.c$", n)]
    check(not bad and any(n.startswith("labs/common/") for n in names)
          and any(re.match(r"labs/\d\d-[^/]+/tests/check_", n) for n in names)
          and any(n.startswith("data/") for n in names) and "Makefile" in names,
          f"({label}) it has labs, visible tests, common, data, Makefile and no answers", str(bad))
    with tarfile.open(os.path.join(out, "loralab-student.tar.gz")) as t:
        in_tar = {m.name.split("/", 1)[1] for m in t.getmembers() if m.isfile()}
    check(in_tar == names, f"({label}) the archive holds the same files", str(in_tar ^ names))
    if plain:
        # The two copies differ only by the graders: what is proved below on
        # this one's skeletons (they compile, make check fails on them) holds
        # for the other, which does not build them.
        pnames = {os.path.relpath(os.path.join(d, f), plain) for d, _, fs in os.walk(plain) for f in fs}
        differ = [n for n in sorted(names | pnames) if not n.startswith("grader/bin/")
                  and (n not in names or n not in pnames
                       or open(os.path.join(copy, n), "rb").read() != open(os.path.join(plain, n), "rb").read())]
        check(not differ and names - pnames and all(n.startswith("grader/bin/") for n in names - pnames),
              f"({label}) the copy is the one without graders plus grader/bin/", str(differ[:20]))

    # Unpack the archive elsewhere and work in it as a student would.
    home = unpack(out, label)
    labs = sorted(os.path.basename(d) for d in glob.glob(os.path.join(home, "labs/[0-9][0-9]-*")))
    broken = []
    for lab in (labs if graders else []):
        for c in glob.glob(os.path.join(home, "labs", lab, "*.c")):
            if c.endswith("/demo.c"):
                continue
            rc, log = sh(["cc", *CFLAGS, "-Ilabs/common", "-I" + os.path.join("labs", lab), "-c", c,
                          "-o", "/dev/null"], home)
            if rc:
                broken.append(log)
    first = labs[0][:2]
    if graders:  # in this copy, so that its named make check LAB=NN reuse the common objects
        check(labs and not broken, f"({label}) every skeleton compiles with the kit's flags", "\n".join(broken))
        rc, log = sh(["make", "--no-print-directory", "check", f"LAB={first}"], home)
        check(rc != 0 and ("not implemented" in log or "Aborted" in log) and "error:" not in log,
              f"({label}) make check LAB={first} builds the visible tests and they fail on the skeleton",
              log[-2000:])
    for lab in labs:
        lid = lab[:2]
        if not graders:
            rc, log = sh(["make", "--no-print-directory", "grade", f"LAB={lid}"], home)
            check(rc == 0 and "hidden tests are run when you hand in" in log,
                  f"(no graders) make grade LAB={lid} says grading happens on submission", log)
            continue
        # The shipped grader on the copy's skeleton, for the first lab: per lab,
        # tests/test_grader.py grades the same skeleton with the same grader
        # (before strip) at 0, and below each lab's shipped grader gives the
        # reference full marks in the copy.
        if lab == labs[0]:
            rc, log = sh(["make", "--no-print-directory", "grade", f"LAB={lid}"], home)
            m = re.search(r"Score: (\d+)/(\d+)", log)
            check(rc == 0 and m and m.group(1) == "0", f"(graders) make grade LAB={lid}: skeleton scores 0",
                  log[-1500:])
            bad = handout.wording(f"make grade LAB={lid} (skeleton)", log.encode())
            check(not bad, f"(graders) make grade LAB={lid} on the skeleton: its hints name no course "
                  "document by number and no instructor-side file", "\n".join(bad))
        drop_in_references(home, lab)
        if lab == labs[0]:
            # A warning in a student's file (named_targets_work checks make
            # check shows it; here, that grading counts no point off for it).
            with open(probe_file(home, lab), "a", encoding="utf-8") as f:
                f.write(WARNING_PROBE)
        rc, log = sh(["make", "--no-print-directory", "grade", f"LAB={lid}"], home)
        GRADED[f"make grade LAB={lid}"] = rc, log
        m = re.search(r"Score: (\d+)/(\d+)", log)
        check(rc == 0 and m and m.group(1) == m.group(2),
              f"(graders) make grade LAB={lid}: the reference copied in scores full marks", log)
        last = log.strip().splitlines()[-1] if log.strip() else ""
        check(last.startswith(f"Lab {lid}: full marks.") and "TODO" not in last,
              f"(graders) make grade LAB={lid}: a full score ends with a line that says so", last)
        # What the grader prints (test names, hints, diagnoses) is student text too.
        bad = handout.wording(f"make grade LAB={lid}", log.encode())
        check(not bad, f"(graders) make grade LAB={lid}: its output names no course document by number "
              "and no instructor-side file", "\n".join(bad))
        if lab == labs[0]:
            check(rc == 0 and m and m.group(1) == m.group(2),
                  "a warning in a student's file costs no points", log[-1500:])
    if graders:
        named_targets_work(home, labs)

    # The content check must catch an answer planted in the copy.
    if not graders:
        sol = sorted(glob.glob(os.path.join(ROOT, "solutions/*/*.c")))[0]
        text = open(sol, encoding="utf-8").read()
        body = text.split("BEGIN SOLUTION", 1)[1].split("END SOLUTION", 1)[0].splitlines()[1:]
        line = max(body, key=len)
        with open(os.path.join(copy, "labs", "common", "notes.txt"), "w", encoding="utf-8") as f:
            f.write("a student's notes\n" + line + "\n")
        rc, log = sh(HANDOUT + ["--verify", copy], ROOT)
        check(rc == 1 and "notes.txt: holds a line of solutions/" in log,
              "the content check catches a reference line planted in the copy", log)
        # Student text: a course document by number, an instructor-side file,
        # a doubled "= 1 = 1" (issue 13) are each caught, with file and line.
        with open(os.path.join(copy, "labs", "common", "notes.txt"), "w", encoding="utf-8") as f:
            f.write("a student's notes\nthe example of seed 002 (../shared/seeds/)\n"
                    "what a-transposed.mut breaks\nr = 1 = 1\n")
        rc, log = sh(HANDOUT + ["--verify", copy], ROOT)
        check(rc == 1 and "notes.txt:2: a course document by its number" in log
              and "notes.txt:2: a path to the course documents" in log
              and "notes.txt:3: a file of the instructor's copy" in log
              and "notes.txt:4: a repeated" in log,
              "the wording check catches a document number, an instructor file and '= 1 = 1'", log)
        os.remove(os.path.join(copy, "labs", "common", "notes.txt"))


def named_commands(home, labs):
    """Every `make ...` command the copy's READMEs name, placeholders filled."""
    cmds = []
    for readme in ["README.md"] + [os.path.join("labs", lab, "README.md") for lab in labs]:
        text = open(os.path.join(home, readme), encoding="utf-8").read()
        lid = readme.split("/")[1][:2] if readme.startswith("labs/") else labs[0][:2]
        found = re.findall(r"`(make [^`]*)`", text) + re.findall(r"^ {4,}(make [^#\n]*)", text, re.M)
        for cmd in found:
            cmd = re.sub(r"\bNN\b", lid, cmd.strip())
            cmd = re.sub(r"\bN\b", "7", cmd)
            if cmd in ("make check", "make demo"):  # a target named in prose: it needs its lab
                cmd += f" LAB={lid}"
            if cmd not in cmds:
                cmds.append(cmd)
    return cmds


WARNING_PROBE = "\nint kit_warning_probe(void);\nint kit_warning_probe(void) { int unused_variable; return 0; }\n"


def probe_file(home, lab):
    src = sorted(glob.glob(os.path.join(home, "labs", lab, "*.c")))
    return [c for c in src if not c.endswith("/demo.c")][0]


def make_var(dump, name):
    m = re.search(r"^" + name + r" :?= (.*)$", dump, re.M)
    return m.group(1).split() if m else []


def named_targets_work(home, labs):
    cmds = named_commands(home, labs)
    targets = {c.split()[1] for c in cmds if len(c.split()) > 1}
    rc, dump = sh(["make", "-s", "--no-print-directory", "-p", "-n", "help"], home)
    # What `make lab-tests` and `make bench` run: their prerequisites, run
    # there with the same variables (no other run of them below).
    parts = {"lab-tests": make_var(dump, "LAB_TESTS"), "bench": make_var(dump, "LAB_BENCH")}
    if PART != "figures":
        check({"check", "grade", "demo", "plots", "lab-tests"} <= targets,
              "the copy's READMEs name check, grade, demo, plots and lab-tests", " | ".join(cmds))
        check(all(parts.values()), "the copy's lab-tests and bench have prerequisites", str(parts))
    if PART != "copies":
        # make test's lab-tests-other leaves the labs' own lab tests to this
        # copy's `make lab-tests` (the kit's Makefile: LAB_TESTS_OF_LABS).
        rc2, kit = sh(["make", "-s", "--no-print-directory", "-p", "-n", "help"], ROOT)
        ours = make_var(kit, "LAB_TESTS_OF_LABS")
        missing = sorted(set(ours) - set(parts["lab-tests"]))
        check(rc2 == 0 and ours and not missing,
              f"the copy's make lab-tests runs every lab's own lab test ({len(ours)}: make test runs them here)",
              f"not in the copy's LAB_TESTS: {missing}; the kit's: {ours}")
    cmds.sort(key=lambda c: c.split()[1:] not in (["lab-tests"], ["bench"]))
    done, by = set(), {}
    logs = {}
    for cmd in cmds:
        words = cmd.split()[1:]
        assigns = tuple(w for w in words if "=" in w)
        runs = {(w, assigns) for w in words if "=" not in w and not w.startswith('"')}
        if runs and runs <= done:
            # e.g. `make lab07-bench` after `make bench` (its prerequisite) or
            # after `make lab07-numpy-crosscheck lab07-bench`
            print(f"  (reference dropped in) `{cmd}`: run by `{by[next(iter(runs))]}` above")
            continue
        for r in runs:
            by.setdefault(r, cmd)
            for t in parts.get(r[0], []) if not assigns else []:
                done.add((t, ()))
                by.setdefault((t, ()), cmd)
        done |= runs
        # Each part runs its own commands (the same list and order in both,
        # so a command FIGURES covers is skipped in both).
        if PART and (PART == "figures") != bool({w for w, _ in runs} & set(FIGURES)):
            continue
        if cmd in GRADED:  # run above on the same files (check_copy): its result
            rc, log = GRADED[cmd]
        else:
            rc, log = sh(["bash", "-c", "export MAKEFLAGS=--no-print-directory; " + cmd], home, timeout=600)
        logs[cmd] = log
        check(rc == 0,
              f"(reference dropped in) `{cmd}` works in the copy", log[-2500:])
    # What they print is student text: no course document by number, no
    # instructor-side file (tools/handout.py's wording rules).
    bad = [b for cmd, log in logs.items() for b in handout.wording(cmd, log.encode())]
    check(logs and not bad, "(reference dropped in) what the named commands print names no course "
          "document by number and no instructor-side file", "\n".join(bad[:20]))
    if PART == "figures":
        return
    # Student code gets the grader's flags: a warning is shown, never an error.
    judge = open(os.path.join(ROOT, "grader/engine/build_runner.c"), encoding="utf-8").read()
    argvs = re.findall(r'char \*argv\[\] = \{"cc", (.*?)\};', judge, re.S)
    compile_argv = [a for a in argvs if '"-c"' in a]
    grader_flags = (re.findall(r'"(-[^"]+)"', compile_argv[0].split('"-I"')[0]) if compile_argv else [])
    ours = re.search(r"^STUDENT_CFLAGS := (.*)$", dump, re.M)
    check(grader_flags and ours and ours.group(1).split() == grader_flags,
          "make check compiles students' files with the grader's flags (grader/engine/build_runner.c)",
          f"grader: {grader_flags}; make check: {ours.group(1) if ours else None}")
    # check_copy put a warning in the first lab's file with the reference
    # (and graded it at full marks): the named make check showed it.
    cmd = f"make check LAB={labs[0][:2]}"
    if cmd not in logs:
        logs[cmd] = sh(["make", "--no-print-directory", "check", f"LAB={labs[0][:2]}"], home)[1]
    check("kit_warning_probe" in open(probe_file(home, labs[0]), encoding="utf-8").read()
          and "unused variable" in logs[cmd] and "passed" in logs[cmd],
          "a warning in a student's file is shown by make check and does not fail it", logs[cmd][-1500:])


def main():
    global PART
    args = sys.argv[1:]
    if args[:1] == ["--part"] and len(args) == 2 and args[1] in ("copies", "figures"):
        PART = args[1]
    elif args:
        sys.exit("usage: test_handout.py [--part copies|figures]")
    with tempfile.TemporaryDirectory() as tmp:
        # Run alone as under make test: a submission built once is not built
        # again (make grade and make grade LAB=NN on the same files).
        if not os.environ.get("LORALAB_BUILD_CACHE"):
            os.environ["LORALAB_BUILD_CACHE"] = os.path.join(tmp, "build-cache")
            os.makedirs(os.environ["LORALAB_BUILD_CACHE"])
        if PART == "figures":
            figures_part(tmp)
        else:
            check_copy(tmp, graders=False)
            check_copy(tmp, graders=True, plain=os.path.join(tmp, "plain", "loralab-student"))
    print("the commands that took most CPU (seconds, children included):")
    for secs, cmd in sorted(CPU, reverse=True)[:8]:
        print(f"  {secs:6.1f}  {cmd}")
    print(f"{tg.PASSED} passed, {tg.FAILED} failed")
    sys.exit(1 if tg.FAILED else 0)


if __name__ == "__main__":
    main()
