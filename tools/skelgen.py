#!/usr/bin/env python3
"""skelgen.py - make a lab's student skeleton from its marked reference solution.

The solution is the one source of truth.  In it:

    /* BEGIN SOLUTION lab02.1 */              inside a function body
    ...reference code...
    /* END SOLUTION lab_todo("lab02.1", "lora_forward_row", x, y); */

becomes, in the skeleton,

    /* TODO lab02.1: write lora_forward_row (contract in lora_forward.h). */
    lab_todo("lab02.1", "lora_forward_row", x, y);

and a region whose END line carries no stub (helpers at file scope) is
removed.  Usage:
    skelgen.py SOLUTION.c                 print the skeleton
    skelgen.py --task labNN.K SOLUTION.c  print the solution with only that task's
                                          regions stubbed (a partly done submission,
                                          for the kit's sample classes)
    skelgen.py --check SOLUTION.c SKEL.c  exit 1 (with a diff) if SKEL.c drifted
"""
import difflib
import os
import re
import sys

BEGIN = re.compile(r'^(\s*)/\* BEGIN SOLUTION(?: (lab\d\d\.\d+))? \*/\s*$')
END = re.compile(r'^(\s*)/\* END SOLUTION(?: (.*?))? \*/\s*$')
STUB = re.compile(r'^lab_todo\("(lab\d\d\.\d+)", "(\w+)"(?:, [^;]*)?\);$')


def fail(path, lineno, msg):
    sys.stderr.write(f"skelgen.py: {path}:{lineno}: {msg}\n")
    sys.exit(2)


def generate(path, only=None):
    header = os.path.splitext(os.path.basename(path))[0] + ".h"
    out, open_at, task = [], None, None
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    for n, line in enumerate(lines, 1):
        b, e = BEGIN.match(line), END.match(line)
        if "SOLUTION" in line and not (b or e):
            fail(path, n, "malformed marker (expected '/* BEGIN SOLUTION [labNN.K] */' "
                          "or '/* END SOLUTION [lab_todo(...);] */')")
        if b:
            if open_at:
                fail(path, n, f"BEGIN SOLUTION inside the region opened at line {open_at}")
            open_at, task, kept = n, b.group(2), []
            continue
        if e:
            if not open_at:
                fail(path, n, "END SOLUTION without a BEGIN SOLUTION")
            stub = e.group(2)
            if only and task != only:  # partial: keep this region's code
                out.extend(kept)
            elif stub:
                m = STUB.match(stub)
                if not m:
                    fail(path, n, f"the stub must be lab_todo(\"labNN.K\", \"function\", params...); got: {stub}")
                if m.group(1) != task:
                    fail(path, n, f"stub names task {m.group(1)} but the region opened as {task}")
                ind = e.group(1)
                out.append(f"{ind}/* TODO {task}: write {m.group(2)} (contract in {header}). */")
                out.append(f"{ind}{stub}")
            elif task:
                fail(path, n, f"region {task} has no stub: a function body needs lab_todo(...)")
            open_at, task = None, None
            continue
        if not open_at:
            out.append(line)
        else:
            kept.append(line)
    if open_at:
        fail(path, open_at, "BEGIN SOLUTION is never closed")
    return "\n".join(out)


def main(argv):
    if len(argv) == 2:
        sys.stdout.write(generate(argv[1]))
        return 0
    if len(argv) == 4 and argv[1] == "--task":
        sys.stdout.write(generate(argv[3], only=argv[2]))
        return 0
    if len(argv) == 4 and argv[1] == "--check":
        want = generate(argv[2])
        try:
            with open(argv[3], encoding="utf-8") as f:
                have = f.read()
        except OSError as err:
            sys.stderr.write(f"skelgen.py: cannot read the skeleton {argv[3]}: {err.strerror}\n")
            return 1
        if want == have:
            return 0
        sys.stderr.write(f"skelgen.py: {argv[3]} drifted from {argv[2]}; run 'make skeletons'.\n")
        sys.stderr.writelines(difflib.unified_diff(
            have.splitlines(True), want.splitlines(True), argv[3], "generated from " + argv[2]))
        return 1
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
