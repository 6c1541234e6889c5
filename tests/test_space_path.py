#!/usr/bin/env python3
"""test_space_path.py - the kit works from a folder whose name has a space.

Copies the kit's tracked files (as they are in the work tree) into
"<tmp>/kit with space/", and there:
  - make grade LAB=01 SUB=<that folder>/solutions/01-... builds Lab 01's grader
    and grades the reference, given by its absolute path: full marks, exit 0;
  - make check LAB=01 SAN=0 SUB=<the same path>: the visible tests pass;
  - the Gradescope bundle's build.sh (make -f grader/engine/grader.mk) builds
    Lab 01's grader inside the spaced folder and it grades the reference at
    full marks.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FAILED = 0


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
        sol = os.path.join(kit, "solutions", "01-rank-factorization")
        rc, out = run(["make", "--no-print-directory", "grade", "LAB=01", f"SUB={sol}"], kit)
        check(rc == 0 and re.search(r"^Score: 100/100$", out, re.M),
              f"make grade LAB=01 SUB='{sol}': the reference at full marks (exit {rc})", out)
        rc, out = run(["make", "--no-print-directory", "check", "LAB=01", "SAN=0", f"SUB={sol}"], kit)
        check(rc == 0 and "visible tests of Lab 01 passed" in out,
              f"make check LAB=01 SUB='{sol}': the visible tests pass (exit {rc})", out)
        rc, out = run(["/usr/bin/python3", "tools/gradescope/pack.py", "01", "--out",
                       os.path.join(tmp, "bundle dir")], kit)
        bundle = os.path.join(tmp, "bundle dir", "lab-01-autograder")
        if rc == 0:
            rc, out = run(["bash", os.path.join(bundle, "build.sh")], bundle)
        grader = os.path.join(bundle, "kit", "grader", "bin", "grade-01")
        check(rc == 0 and os.access(grader, os.X_OK),
              f"the Gradescope bundle builds in '{bundle}' (exit {rc})", out)
        if rc == 0:
            rc, out = run([grader, sol], tmp)
            check(rc == 0 and re.search(r"^Score: 100/100$", out, re.M),
                  f"its grader gives the reference full marks (exit {rc})", out)
    print(f"space path: {'passed' if not FAILED else f'{FAILED} failed'}")
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
