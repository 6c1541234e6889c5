#!/usr/bin/env python3
"""test_space_path.py - the kit works from a folder whose name has a space.

Copies the kit's tracked files (as they are in the work tree) into
"<tmp>/kit with space/", and there, for the lab with the fewest mistake
models (the grader is built twice; the recipe is one for every lab):
  - make grade LAB=NN SUB=<that folder>/solutions/NN-... builds Lab NN's grader
    and grades the reference, given by its absolute path: full marks, exit 0;
  - make check LAB=NN SAN=0 SUB=<the same path>: the visible tests pass;
  - the Gradescope bundle's build.sh (make -f grader/engine/grader.mk) builds
    Lab NN's grader (with one of its mistake models: make grade compiled them
    all) inside the spaced folder and it grades the reference at full marks.
"""
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from apply_mut import parse_mutation  # noqa: E402 - the kit's one .mut reader
FAILED = 0


def models(lab_dir):
    """How many mistake models (grader/broken/NN/*.mut with a mistake: line) a lab has."""
    muts = glob.glob(os.path.join(ROOT, "grader", "broken", lab_dir[:2], "*.mut"))
    return sum(bool(parse_mutation(p)["mistake"]) for p in muts)


# The lab whose grader builds fastest: the fewest mistake models to compile.
LAB_DIR = min(sorted(d for d in os.listdir(os.path.join(ROOT, "labs")) if re.match(r"\d\d-", d)), key=models)
LAB = LAB_DIR[:2]


def check(ok, what, detail=""):
    global FAILED
    print(f"  {'ok  ' if ok else 'FAIL'} {what}")
    if not ok:
        FAILED += 1
        print("\n".join("       " + l for l in detail.splitlines()[-30:]))


def run(cmd, cwd):
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=900)
    return p.returncode, p.stdout + p.stderr


def main():
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True)
    if listed.returncode == 0:
        files = listed.stdout.decode().split("\0")
    else:  # not a git checkout (make fresh-check copies `git archive`): every file but what builds make
        skip = {"build", "grader/bin", "grades", ".git"}
        files = []
        for d, dirs, names in os.walk(ROOT):
            rel = os.path.relpath(d, ROOT)
            dirs[:] = [x for x in dirs if os.path.normpath(os.path.join(rel, x)) not in skip]
            files += [os.path.normpath(os.path.join(rel, n)) for n in names]
    with tempfile.TemporaryDirectory() as tmp:
        kit = os.path.join(tmp, "kit with space")
        for rel in filter(None, files):
            src = os.path.join(ROOT, rel)
            if not os.path.isfile(src):
                continue
            dst = os.path.join(kit, rel)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copy2(src, dst)
        sol = os.path.join(kit, "solutions", LAB_DIR)
        rc, out = run(["make", "--no-print-directory", "grade", f"LAB={LAB}", f"SUB={sol}"], kit)
        check(rc == 0 and re.search(r"^Score: (\d+)/\1$", out, re.M),
              f"make grade LAB={LAB} SUB='{sol}': the reference at full marks (exit {rc})", out)
        rc, out = run(["make", "--no-print-directory", "check", f"LAB={LAB}", "SAN=0", f"SUB={sol}"], kit)
        check(rc == 0 and f"visible tests of Lab {LAB} passed" in out,
              f"make check LAB={LAB} SUB='{sol}': the visible tests pass (exit {rc})", out)
        rc, out = run(["/usr/bin/python3", "tools/gradescope/pack.py", LAB, "--out",
                       os.path.join(tmp, "bundle dir")], kit)
        bundle = os.path.join(tmp, "bundle dir", f"lab-{LAB}-autograder")
        if rc == 0:
            # One mistake model is enough here: make grade above compiled
            # every one of them by the same recipe (grader.mk) in the spaced
            # folder; the bundle's build proves build.sh's own paths.
            muts = sorted(p for p in glob.glob(os.path.join(bundle, "kit", "grader", "broken", LAB, "*.mut"))
                          if parse_mutation(p)["mistake"])
            for p in muts[1:]:
                os.remove(p)
            rc, out = run(["bash", os.path.join(bundle, "build.sh")], bundle)
        grader = os.path.join(bundle, "kit", "grader", "bin", f"grade-{LAB}")
        check(rc == 0 and os.access(grader, os.X_OK),
              f"the Gradescope bundle builds in '{bundle}' (exit {rc})", out)
        if rc == 0:
            rc, out = run([grader, sol], tmp)
            check(rc == 0 and re.search(r"^Score: (\d+)/\1$", out, re.M),
                  f"its grader gives the reference full marks (exit {rc})", out)
    print(f"space path: {'passed' if not FAILED else f'{FAILED} failed'}")
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
