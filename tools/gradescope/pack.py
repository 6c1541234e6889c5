#!/usr/bin/env python3
"""pack.py - build one lab's Gradescope autograder: a folder and its zip.

    pack.py NN [--out DIR]          (default DIR: build/gradescope)

writes DIR/lab-NN-autograder/ and DIR/lab-NN-autograder.zip.  The zip holds,
at its root, what Gradescope's autograder specification asks for (setup.sh,
run_autograder) and the *sources* of the lab's grader, never a binary: the
Gradescope image is Ubuntu with another C library, so setup.sh builds it
there.  Layout:

    setup.sh  run_autograder  build.sh  lab.conf  README.txt
    kit/grader/engine/            the engine
    kit/grader/labs/NN/           the lab's hidden tests and runner adapter (or functions.txt)
    kit/labs/common/              shared C (the runner links it)
    kit/labs/NN-topic/*.h         the lab's contract headers
    kit/solutions/NN-topic/       the reference solution (instructor only!)
    kit/grader/broken/NN/*.mut    the lab's mistake models (instructor only!),
    kit/tools/apply_mut.py        applied to the reference by the build, and
    kit/labs/NN-topic/X.c         the skeletons of the solution's files (a stub model starts from one)
    kit/data/...                  data files the tests read
    + any other kit file the grader's sources include (found with cc -MM)

The zip is for the instructor to upload; students never see it.  Stdlib only.
"""
import glob
import os
import re
import shutil
import stat
import subprocess
import sys
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HERE = os.path.dirname(os.path.abspath(__file__))
SAFE = re.compile(r"^[A-Za-z0-9._-]+$")


def die(msg):
    print(f"pack.py: {msg}", file=sys.stderr)
    sys.exit(2)


def one_dir(top, lab):
    found = sorted(glob.glob(os.path.join(ROOT, top, lab + "-*")))
    found = [d for d in found if os.path.isdir(d)]
    if len(found) != 1:
        die(f"expected one folder {top}/{lab}-*, found {len(found)}"
            f" (labs here: {' '.join(sorted(os.path.basename(d)[:2] for d in glob.glob(os.path.join(ROOT, 'labs', '[0-9][0-9]-*'))))})")
    return found[0]


def lab_sources(tests_c):
    """The file names a submission holds: the last arguments of tests.c's
    JUDGE_LAB_MAIN (grader/engine/test.h), or its `sources` table."""
    text = open(tests_c, encoding="utf-8").read()
    m = re.search(r'\bJUDGE_LAB_MAIN\s*\(((?:\s*"[^"]*"\s*,?)+)\)', text)
    if m:
        names = re.findall(r'"([^"]*)"', m.group(1))[4:]
    else:
        m = re.search(r"\bsources\s*\[\s*\]\s*=\s*\{([^}]*)\}", text)
        if not m:
            die(f"{os.path.relpath(tests_c, ROOT)}: no JUDGE_LAB_MAIN(...) or `sources[] = {{\"x.c\", NULL}}` found")
        names = re.findall(r'"([^"]*)"', m.group(1))
    if not names:
        die(f"{os.path.relpath(tests_c, ROOT)}: the sources table lists no file")
    for n in names:
        if not SAFE.match(n):
            die(f"{os.path.relpath(tests_c, ROOT)}: source name {n!r} has characters other than A-Z a-z 0-9 . _ -")
    return names


def includes(sources, flags):
    """Every kit file the sources include (cc -MM), as paths under ROOT."""
    out = set()
    for src in sources:
        # Relative to ROOT, and make's escapes undone ("a\\ b" is one name):
        # the kit may sit in a folder whose name has a space.
        # -MG: a header the build generates (records.h of a described lab) is
        # listed, not an error; it is not a kit file, so it is not packed.
        p = subprocess.run(["cc", "-std=c11", "-D_POSIX_C_SOURCE=200809L", "-MM", "-MG", *flags,
                            os.path.relpath(src, ROOT)], capture_output=True, text=True, cwd=ROOT)
        if p.returncode != 0:
            die(f"cannot list the includes of {os.path.relpath(src, ROOT)}:\n{p.stderr}")
        words = re.findall(r"(?:\\.|[^\s\\])+", p.stdout.replace("\\\n", " "))
        for word in (re.sub(r"\\(.)", r"\1", w) for w in words[1:]):
            full = os.path.realpath(os.path.join(ROOT, word))
            if full.startswith(ROOT + os.sep) and os.path.isfile(full):
                out.add(os.path.relpath(full, ROOT))
    return out


def student_cflags():
    """STUDENT_CFLAGS of mk/common.inc (the flags of a student's file, defined
    there once): the build compiles the mistake models with them."""
    m = re.search(r"^STUDENT_CFLAGS := (.*)$", open(os.path.join(ROOT, "mk", "common.inc"), encoding="utf-8").read(), re.M)
    if not m or not re.fullmatch(r"[A-Za-z0-9_=+ -]+", m.group(1)):
        die("mk/common.inc has no STUDENT_CFLAGS := line of plain flags")
    return m.group(1).strip()


def main(argv):
    args = argv[1:]
    out_top = os.path.join(ROOT, "build", "gradescope")
    if "--out" in args:
        i = args.index("--out")
        if i + 1 >= len(args):
            die("--out needs a folder")
        out_top = os.path.abspath(args[i + 1])
        del args[i:i + 2]
    if len(args) != 1 or not re.fullmatch(r"\d\d", args[0]):
        die("usage: pack.py NN [--out DIR]   (NN: a lab number such as 02)")
    lab = args[0]
    labdir, soldir = one_dir("labs", lab), one_dir("solutions", lab)
    gdir = os.path.join(ROOT, "grader", "labs", lab)
    if not os.path.isfile(os.path.join(gdir, "tests.c")):
        die(f"grader/labs/{lab}/tests.c is missing")
    # The runner's adapter: generated from functions.txt by the build, or hand-written.
    described = os.path.isfile(os.path.join(gdir, "functions.txt"))
    if not described and not os.path.isfile(os.path.join(gdir, "adapter.c")):
        die(f"grader/labs/{lab}/ has neither functions.txt nor adapter.c")
    sources = lab_sources(os.path.join(gdir, "tests.c"))
    labname = os.path.basename(labdir)

    files = set()
    def add_glob(pattern):
        for p in glob.glob(os.path.join(ROOT, pattern), recursive=True):
            if os.path.isfile(p):
                files.add(os.path.relpath(p, ROOT))
    add_glob("grader/engine/*.[ch]")
    add_glob("grader/engine/grader.mk")  # the one build recipe (build.sh runs it)
    add_glob("grader/engine/describe.py")  # which makes the adapter from functions.txt
    add_glob(f"grader/labs/{lab}/*.[ch]")
    add_glob(f"grader/labs/{lab}/functions.txt")
    add_glob("labs/common/*.[ch]")
    add_glob("tools/find_submission.py")  # the one rule that finds a student's files
    # The mistake models the judge links (grader.mk): the broken solutions, their
    # applier, and the skeletons a stub model starts from.  build.sh deletes them
    # with the hidden tests once the grader is built.
    add_glob(f"grader/broken/{lab}/*.mut")
    add_glob("tools/apply_mut.py")
    for sol in glob.glob(os.path.join(soldir, "*.c")):  # the skeletons of the solution's files
        add_glob(f"labs/{labname}/{os.path.basename(sol)}")
    add_glob(f"labs/{labname}/*.h")
    add_glob(f"labs/{labname}/given/*.c")  # given code: linked into the reference (grader.mk)
    add_glob(f"solutions/{labname}/*.[ch]")
    add_glob(f"data/lab{lab}/**/*")
    solutions = sorted(glob.glob(os.path.join(soldir, "*.c")))
    if not solutions:
        die(f"solutions/{labname}/ holds no .c file (the reference solution)")
    # Data files named in the tests ("lab02/worked-examples.txt" and the like).
    # The hidden tests: every .c of grader/labs/NN/ but the adapter (the Makefile's grader_tests).
    test_files = sorted(p for p in glob.glob(os.path.join(gdir, "*.c")) if os.path.basename(p) != "adapter.c")
    tests_text = "".join(open(p, encoding="utf-8").read() for p in test_files)
    for rel in re.findall(r'"(lab\d\d/[^"\s]+)"', tests_text):
        if os.path.isfile(os.path.join(ROOT, "data", rel)):
            files.add(os.path.join("data", rel))
    flags = ["-Ilabs/common", "-Igrader/engine", "-I" + os.path.relpath(labdir, ROOT)]
    adapter = [] if described else [os.path.join(gdir, "adapter.c")]
    files |= includes([*test_files, *adapter, *solutions], flags)

    dest = os.path.join(out_top, f"lab-{lab}-autograder")
    zpath = dest + ".zip"
    shutil.rmtree(dest, ignore_errors=True)
    os.makedirs(dest)
    for rel in sorted(files):
        target = os.path.join(dest, "kit", rel)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy2(os.path.join(ROOT, rel), target)
    for script in ("setup.sh", "run_autograder", "build.sh"):
        shutil.copy2(os.path.join(HERE, script), os.path.join(dest, script))
        os.chmod(os.path.join(dest, script), 0o755)
    with open(os.path.join(dest, "lab.conf"), "w", encoding="utf-8") as f:
        f.write(f"# lab.conf - written by tools/gradescope/pack.py; read by build.sh and run_autograder\n"
                f"LAB_ID={lab}\nLAB_DIR={labname}\nLAB_SOURCES=\"{' '.join(sources)}\"\n"
                f"STUDENT_CFLAGS=\"{student_cflags()}\"\n")
    with open(os.path.join(dest, "README.txt"), "w", encoding="utf-8") as f:
        f.write(f"loralab: Gradescope autograder of lab {lab} ({labname}).\n"
                f"INSTRUCTOR ONLY: holds the hidden tests and the reference solution.\n"
                f"Upload lab-{lab}-autograder.zip as a programming assignment's autograder\n"
                f"(base image: Ubuntu).  Students upload {', '.join(sources)}\n"
                f"(alone, in a folder, or a zip of their repository).\n"
                f"Made by `make gradescope LAB={lab}`; see docs/instructors-platforms.md.\n")

    tmpzip = zpath + ".tmp"
    with zipfile.ZipFile(tmpzip, "w", zipfile.ZIP_DEFLATED) as z:
        for dirpath, dirnames, filenames in os.walk(dest):
            dirnames.sort()
            for name in sorted(filenames):
                full = os.path.join(dirpath, name)
                rel = os.path.relpath(full, dest)
                info = zipfile.ZipInfo(rel, date_time=(2026, 1, 1, 0, 0, 0))
                mode = os.stat(full).st_mode
                info.external_attr = ((0o755 if mode & stat.S_IXUSR else 0o644) | stat.S_IFREG) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                with open(full, "rb") as fh:
                    z.writestr(info, fh.read())
    os.replace(tmpzip, zpath)
    print(f"{os.path.relpath(zpath, os.getcwd())}: {len(files)} kit files + setup.sh, run_autograder "
          f"(students submit: {' '.join(sources)})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
