#!/usr/bin/env python3
"""handout.py - build the students' copy of the kit, and prove it holds no answers.

    handout.py --out DIR [--graders]     build DIR/loralab-student/ and its .tar.gz
    handout.py --verify FOLDER           only run the content check on FOLDER

The copy holds labs/ (skeletons, headers, visible tests, demos, plot scripts,
diagrams, READMEs), labs/common, data/, the figures in plots/, mk/common.inc,
mk/deps.mk, mk/deps.sh, VERSION, tools/course_tables.py (the labs' READMEs
show its output), and a student Makefile and README (tools/handout/).  With
--graders it also holds each lab's grader (stripped) and runner library, so
`make grade` works at home; without, `make grade` says grading happens on
submission.  Never: solutions/, grader sources, hidden tests, broken solutions.

The content check reads every file of the copy (binaries too) and fails if one
holds a line of a reference solution's marked regions or of a hidden test
source (lines of 16+ characters that appear nowhere in the students' files of
the kit), or a path naming solutions/ or the hidden tests; and its text
files' wording (WORDING: no course document by number, no instructor file).
Uses only Python's standard library (and `strip` from binutils for --graders).
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tarfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SKIP_DIRS = {"build", "__pycache__", ".git"}


def norm(line):
    return re.sub(r"\s+", " ", line).strip()


def text_lines(path):
    with open(path, "rb") as f:
        data = f.read()
    return data, {norm(x) for x in data.decode("utf-8", "replace").splitlines()}


def student_files():
    """Every file a student's copy may hold, taken from the kit."""
    out = []
    for top in ("labs", "data"):
        for dirpath, dirnames, filenames in os.walk(os.path.join(ROOT, top)):
            dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
            out += [os.path.join(dirpath, f) for f in sorted(filenames)]
    plots = os.path.join(ROOT, "plots")
    out += [os.path.join(plots, f) for f in sorted(os.listdir(plots))
            if f.endswith((".svg", ".dot", ".gp"))]
    # tools/course_tables.py: the labs' READMEs show its output and name it
    # (it reads only data/course/).
    out += [os.path.join(ROOT, p) for p in ("mk/common.inc", "mk/deps.mk", "mk/deps.sh", "VERSION",
                                            "tools/course_tables.py")]
    return out


def secret_lines():
    """Lines of the reference regions and hidden tests that no student file has."""
    public = set()
    for p in student_files():
        public |= text_lines(p)[1]
    secrets = {}
    for dirpath, _, filenames in os.walk(os.path.join(ROOT, "solutions")):
        for f in filenames:
            path = os.path.join(dirpath, f)
            inside = False
            for line in open(path, encoding="utf-8", errors="replace"):
                if "BEGIN SOLUTION" in line:
                    inside = True
                elif "END SOLUTION" in line:
                    inside = False
                elif inside and len(norm(line)) >= 16 and norm(line) not in public:
                    secrets[norm(line)] = os.path.relpath(path, ROOT)
    for dirpath, _, filenames in os.walk(os.path.join(ROOT, "grader", "labs")):
        for f in filenames:
            if f.endswith(".c") and f != "adapter.c":  # tests.c and the lab's other test files
                path = os.path.join(dirpath, f)
                for line in open(path, encoding="utf-8", errors="replace"):
                    n = norm(line)
                    if len(n) >= 16 and n not in public and not n.startswith(("/*", "*", "//")):
                        secrets[n] = os.path.relpath(path, ROOT)
    return secrets


# Student text stands on its own (issue 13): no course document by its
# number or path, no file of the instructor's copy, no "r = 1 = 1" glitch.
# Each: a pattern, and what a line that matches it does wrong.
WORDING = [
    (re.compile(r"shared/seeds|\.\./shared/"), "a path to the course documents, which the copy lacks"),
    (re.compile(r"\b(?:course|seeds?|documents?)\s+0\d\d\b"
                r"|(?<![\w.,'/])(?<!\d )0\d\d(?:'s|_\*|\s+(?:example|test|\"))", re.I),
     "a course document by its number (name the lesson or exercise)"),
    (re.compile(r"solutions/|grader/broken|grader/labs|\.mut\b|ANSWERS\.md|tests/test_\w+\.py|tools/visible"),
     "a file of the instructor's copy"),
    (re.compile(r"(\b[a-z]\w*) = (\w+) = \2\b"), "a repeated '= X = X'"),
]


def wording(rel, data):
    """Lines of a text file that break the student-text rules (WORDING)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return []  # a binary (a grader): the content check covers it
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        for rx, why in WORDING:
            m = rx.search(line)
            if m:
                out.append(f"{rel}:{n}: {why}: {m.group(0)!r}")
    return out


FORBIDDEN_PATH = re.compile(r"(^|/)(solutions|broken)(/|$)|grader/labs|\.mut$|(^|/)tests\.c$")
FORBIDDEN_BYTES = [b"/solutions/", b"grader/labs/"]


def verify(folder):
    secrets = secret_lines()
    problems = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        for f in sorted(filenames):
            path = os.path.join(dirpath, f)
            rel = os.path.relpath(path, folder)
            if FORBIDDEN_PATH.search(rel):
                problems.append(f"{rel}: a solution or hidden-test file by its name")
                continue
            if os.path.islink(path):
                problems.append(f"{rel}: a symbolic link")
                continue
            data, lines = text_lines(path)
            hit = lines & secrets.keys()
            if hit:
                line = sorted(hit)[0]
                problems.append(f"{rel}: holds a line of {secrets[line]}: {line[:70]}")
            for b in FORBIDDEN_BYTES:
                if b in data:
                    problems.append(f"{rel}: names {b.decode()} (a binary with debug paths?)")
            problems += wording(rel, data)
    return problems, len(secrets)


def copy_file(src, dst):
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    shutil.copy2(src, dst)


def build(out, graders):
    dest = os.path.join(out, "loralab-student")
    shutil.rmtree(dest, ignore_errors=True)
    for p in student_files():
        copy_file(p, os.path.join(dest, os.path.relpath(p, ROOT)))
    copy_file(os.path.join(ROOT, "tools/handout/Makefile"), os.path.join(dest, "Makefile"))
    copy_file(os.path.join(ROOT, "tools/handout/README.md"), os.path.join(dest, "README.md"))
    labs = sorted(d[:2] for d in os.listdir(os.path.join(ROOT, "labs")) if re.match(r"\d\d-", d))
    shipped = []
    if graders:
        for lab in labs:
            g = os.path.join(ROOT, "grader/bin/grade-" + lab)
            lib = os.path.join(ROOT, "grader/bin/lib/librunner-" + lab + ".a")
            if not (os.path.exists(g) and os.path.exists(lib)):
                sys.exit(f"handout: the grader of lab {lab} is not built ({g}); run make grader")
            gd = os.path.join(dest, "grader/bin/grade-" + lab)
            copy_file(g, gd)
            copy_file(lib, os.path.join(dest, "grader/bin/lib/librunner-" + lab + ".a"))
            # No symbols, no debug paths: the judge holds the compiled reference.
            subprocess.run(["strip", "--strip-all", gd], check=True)
            subprocess.run(["strip", "--strip-debug",
                            os.path.join(dest, "grader/bin/lib/librunner-" + lab + ".a")], check=True)
            shipped.append(lab)
    archive = os.path.join(out, "loralab-student.tar.gz")
    # gzip's own default level: Python's 9 took 0.85 CPU-s for a copy with
    # graders, 6 takes 0.23 for an archive 0.8% larger (session 18).
    with tarfile.open(archive, "w:gz", compresslevel=6) as t:
        t.add(dest, arcname="loralab-student", filter=lambda i: (setattr(i, "uid", 0),
                                                                  setattr(i, "gid", 0),
                                                                  setattr(i, "uname", ""),
                                                                  setattr(i, "gname", ""), i)[-1])
    return dest, archive, labs, shipped


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out")
    ap.add_argument("--graders", action="store_true")
    ap.add_argument("--verify")
    args = ap.parse_args()
    if args.verify:
        problems, n = verify(args.verify)
        for p in problems:
            print("handout: " + p)
        print(f"handout check: {len(problems)} problems in {args.verify} "
              f"({n} solution and hidden-test lines looked for)")
        return 1 if problems else 0
    if not args.out:
        ap.error("--out DIR or --verify FOLDER is required")
    dest, archive, labs, shipped = build(args.out, args.graders)
    problems, n = verify(dest)
    for p in problems:
        print("handout: " + p)
    if problems:
        print(f"handout: {len(problems)} problems; the copy must not be handed out")
        return 1
    n_files = sum(len(f) for _, _, f in os.walk(dest))
    print(f"handout: {dest} ({n_files} files, labs {' '.join(labs)}), archive {archive}")
    print(f"  graders shipped: {' '.join(shipped) if shipped else 'none (grading happens on submission)'}")
    print(f"  content check: no line of {n} solution and hidden-test lines in any file,"
          " no course document by number, no instructor-side file named")
    print("next: hand out the archive; students run 'make check LAB=NN'")
    return 0


if __name__ == "__main__":
    sys.exit(main())
