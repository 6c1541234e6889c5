#!/usr/bin/env python3
"""make_template.py - a lab's GitHub Classroom template repository.

    make_template.py NN [--grader private|embedded] [--out DIR]

writes DIR/lab-NN/ (default DIR: build/classroom), ready to `git init` and
push as the assignment's template repository:

    README.md                       what to do, how it is graded
    Makefile                        make check: the lab's visible tests
    labs/NN-topic/                  the lab as students get it (skeleton, header,
                                    README, visible tests, demo)
    labs/common/  data/labNN/       what the lab's code and tests use
    .github/workflows/classroom.yml from tools/classroom/classroom.yml.in: one
                                    autograding step per graded test, with its points
    .github/loralab/build.sh, grade.sh, check.sh

--grader private (default): the workflow fetches the grader from a private
repository (lab-NN/ there is build/gradescope/lab-NN-autograder/, the same
sources as the Gradescope zip).  --grader embedded: the grader is committed
under .grader/lab-NN/, hidden tests and reference solution included, so
students can read them: only for ungraded practice.

The test list (task, points, name) comes from the kit's grader/bin/grade-NN
--list (make classroom builds it first).  Stdlib only.
"""
import glob
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HERE = os.path.dirname(os.path.abspath(__file__))


def die(msg):
    print(f"make_template.py: {msg}", file=sys.stderr)
    sys.exit(2)


def yaml_quote(s):
    return "'" + s.replace("'", "''") + "'"


def test_list(lab):
    grader = os.path.join(ROOT, "grader", "bin", "grade-" + lab)
    if not os.access(grader, os.X_OK):
        die(f"{os.path.relpath(grader, ROOT)} is not built (run make grader, or make classroom LAB={lab})")
    p = subprocess.run([grader, "--list"], capture_output=True, text=True)
    if p.returncode != 0:
        die(f"{grader} --list failed:\n{p.stderr}")
    tests = []
    for line in p.stdout.splitlines():
        m = re.fullmatch(r"(\S+)\s+(\d+)  (.*)", line)
        if not m:
            die(f"cannot read this line of {grader} --list: {line!r}")
        tests.append((m.group(1), int(m.group(2)), m.group(3)))
    if not tests:
        die(f"{grader} --list lists no test")
    return tests


def workflow(lab, labdir, tests, mode):
    text = open(os.path.join(HERE, "classroom.yml.in"), encoding="utf-8").read()
    if mode == "private":
        text = re.sub(r"^# @PRIVATE-(BEGIN|END)\n", "", text, flags=re.M)
    else:
        text = re.sub(r"^# @PRIVATE-BEGIN\n.*?^# @PRIVATE-END\n", "", text, flags=re.M | re.S)
    steps, env, ids = [], [], []
    for k, (task, points, name) in enumerate(tests, 1):
        sid = f"t{k:02d}"
        ids.append(sid)
        title = f"{task} {name}"
        steps.append(f"      - name: {yaml_quote(title)}\n"
                     f"        id: {sid}\n"
                     f"        uses: classroom-resources/autograding-command-grader@v1\n"
                     f"        with:\n"
                     f"          test-name: {yaml_quote(title)}\n"
                     f"          command: bash .github/loralab/check.sh {lab} {k}\n"
                     f"          timeout: 1\n"
                     f"          max-score: {points}")
        env.append(f"          {sid.upper()}_RESULTS: \"${{{{steps.{sid}.outputs.result}}}}\"")
    for key, val in (("@TESTS@", "\n".join(steps)), ("@ENV@", "\n".join(env)),
                     ("@RUNNERS@", ",".join(ids)), ("@LABDIR@", labdir), ("@LAB@", lab)):
        text = text.replace(key, val)
    return text


MAKEFILE = """\
# Makefile - lab {lab} on your machine (the grading itself runs on GitHub).
#   make check    build and run the lab's visible tests (needs: check, pkg-config)
#   make demo     run the lab's demo on your code
CC     ?= cc
# Your files: exactly the grader's flags (a warning is shown, never an error,
# here as in grading); the kit's own files (tests, demo, labs/common): errors.
STUDENT_CFLAGS := {student_cflags}
CFLAGS := -std=c11 -O2 -g -Wall -Wextra -Werror -D_POSIX_C_SOURCE=200809L
INC    := -Ilabs/common -Ilabs/{labdir}
SRC    := $(filter-out %/demo.c,$(wildcard labs/{labdir}/*.c))
OBJ    := $(patsubst labs/{labdir}/%.c,build/%.o,$(SRC))
# The kit's shared code and the lab's given files (labs/NN/given/: code the lab
# hands you whole, compiled like the kit's own).
COMMON := $(wildcard labs/common/*.c) $(wildcard labs/{labdir}/given/*.c)
CHECK_LIBS := $(shell pkg-config --cflags --libs check 2>/dev/null || echo -lcheck -lsubunit -lrt -pthread) -lm

.PHONY: check demo objects
objects:
\t@mkdir -p build
\tfor f in $(SRC); do $(CC) $(STUDENT_CFLAGS) $(INC) -c $$f -o build/$$(basename $$f .c).o || exit 1; done
check: objects
\t$(CC) $(CFLAGS) $(INC) labs/{labdir}/tests/check_*.c $(OBJ) $(COMMON) $(CHECK_LIBS) -o build/check-lab{lab}
\tbuild/check-lab{lab}
demo: objects
\t$(CC) $(CFLAGS) $(INC) labs/{labdir}/demo.c $(OBJ) $(COMMON) -lm -o build/demo-lab{lab}
\tbuild/demo-lab{lab} examples
"""


def student_cflags():
    """STUDENT_CFLAGS of mk/common.inc: the grader's flags, defined once."""
    text = open(os.path.join(ROOT, "mk", "common.inc"), encoding="utf-8").read()
    m = re.search(r"^STUDENT_CFLAGS := (.*)$", text, re.M)
    if not m:
        die("mk/common.inc has no STUDENT_CFLAGS line")
    return m.group(1).strip()

README = """\
# Lab {lab}: {labdir}

1. Read [labs/{labdir}/README.md](labs/{labdir}/README.md) and the header
   (`labs/{labdir}/*.h`): it states what every function must do.
2. Fill in the `TODO lab{lab}.K` regions of {sources}. Nothing else.
3. `make check` runs the visible tests on your machine.
4. Commit and push: every push is graded on GitHub (tab *Actions*, workflow
   *Autograding Tests*). Each graded test is one step with its points; a
   failing step says why, with a hint. Your grade is the sum of the steps that
   pass.

Do not edit `.github/`, `labs/common/` or the lab's `.h` and `tests/`: the
grading uses its own copies, and changes there are visible to your instructor.
"""


def main(argv):
    args = argv[1:]
    mode, out_top = "private", os.path.join(ROOT, "build", "classroom")
    for opt in ("--grader", "--out"):
        if opt in args:
            i = args.index(opt)
            if i + 1 >= len(args):
                die(f"{opt} needs a value")
            if opt == "--grader":
                mode = args[i + 1]
            else:
                out_top = os.path.abspath(args[i + 1])
            del args[i:i + 2]
    if mode not in ("private", "embedded"):
        die(f"--grader is private or embedded, not {mode!r}")
    if len(args) != 1 or not re.fullmatch(r"\d\d", args[0]):
        die("usage: make_template.py NN [--grader private|embedded] [--out DIR]")
    lab = args[0]
    found = [d for d in glob.glob(os.path.join(ROOT, "labs", lab + "-*")) if os.path.isdir(d)]
    if len(found) != 1:
        die(f"expected one folder labs/{lab}-*, found {len(found)}")
    labdir = os.path.basename(found[0])
    tests = test_list(lab)

    dest = os.path.join(out_top, f"lab-{lab}")
    shutil.rmtree(dest, ignore_errors=True)
    os.makedirs(dest)
    shutil.copytree(found[0], os.path.join(dest, "labs", labdir),
                    ignore=shutil.ignore_patterns("lab.mk", "*.o", "build"))
    shutil.copytree(os.path.join(ROOT, "labs", "common"), os.path.join(dest, "labs", "common"))
    if os.path.isdir(os.path.join(ROOT, "data", "lab" + lab)):
        shutil.copytree(os.path.join(ROOT, "data", "lab" + lab), os.path.join(dest, "data", "lab" + lab))
    sys.dont_write_bytecode = True  # no __pycache__ in tools/
    sys.path.insert(0, os.path.join(ROOT, "tools", "gradescope"))
    from pack import lab_sources  # the `sources` table of grader/labs/NN/tests.c
    sources = lab_sources(os.path.join(ROOT, "grader", "labs", lab, "tests.c"))
    wdir = os.path.join(dest, ".github", "workflows")
    os.makedirs(wdir)
    with open(os.path.join(wdir, "classroom.yml"), "w", encoding="utf-8") as f:
        f.write(workflow(lab, labdir, tests, mode))
    sdir = os.path.join(dest, ".github", "loralab")
    os.makedirs(sdir)
    for script in ("build.sh", "grade.sh", "check.sh"):
        shutil.copy2(os.path.join(HERE, script), os.path.join(sdir, script))
    with open(os.path.join(dest, "Makefile"), "w", encoding="utf-8") as f:
        f.write(MAKEFILE.format(lab=lab, labdir=labdir, student_cflags=student_cflags()))
    with open(os.path.join(dest, "README.md"), "w", encoding="utf-8") as f:
        f.write(README.format(lab=lab, labdir=labdir,
                              sources=", ".join(f"`labs/{labdir}/{s}`" for s in sources)))
    with open(os.path.join(dest, ".gitignore"), "w", encoding="utf-8") as f:
        f.write("build/\n.grader-results/\n" + (".grader/\n" if mode == "private" else ".grader/lab-*/build/\n.grader/lab-*/kit/grader/bin/\n"))
    if mode == "embedded":
        p = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "gradescope", "pack.py"), lab,
                            "--out", os.path.join(dest, ".grader")], capture_output=True, text=True)
        if p.returncode != 0:
            die(f"packing the grader failed:\n{p.stderr}")
        os.rename(os.path.join(dest, ".grader", f"lab-{lab}-autograder"), os.path.join(dest, ".grader", f"lab-{lab}"))
        os.remove(os.path.join(dest, ".grader", f"lab-{lab}-autograder.zip"))
    total = sum(t[1] for t in tests)
    print(f"{os.path.relpath(dest, os.getcwd())}: template repository of lab {lab}, {len(tests)} graded "
          f"steps worth {total} points, grader {mode}"
          + (f" (push build/gradescope/lab-{lab}-autograder/ as lab-{lab}/ of the private grader repository)"
             if mode == "private" else " (students can read the hidden tests and the reference solution)"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
