#!/usr/bin/env python3
"""check_readme_outputs.py - README blocks that show a command's output still match it.

A README marks such a block with an HTML comment on the line before its fence:

    <!-- kit-output: build/demo/lab02 examples -->
    ```
    ...exactly what that command prints (stdout)...
    ```

For every marked block in README.md and labs/*/README.md this runs the
command from the kit's root (building any build/demo/labNN it names first),
and fails with a diff when the block and the output differ (trailing spaces
and trailing blank lines aside).  So a number shown in a README cannot
silently drift from the code that prints it.  Uses only Python's standard
library.  Closing line: "N blocks checked, M differ".

--update rewrites each differing block with the command's output (for a
maintainer who changed a demo on purpose; review the diff before committing).
"""
import difflib
import glob
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MARK = re.compile(r"^<!-- kit-output: (.+?) -->\s*$")


def blocks(path):
    lines = open(path, encoding="utf-8").read().split("\n")
    for i, line in enumerate(lines):
        m = MARK.match(line)
        if not m:
            continue
        if i + 1 >= len(lines) or not lines[i + 1].startswith("```"):
            yield i + 1, m.group(1), None
            continue
        end = i + 2
        while end < len(lines) and not lines[end].startswith("```"):
            end += 1
        yield i + 1, m.group(1), lines[i + 2:end]


def normal(lines):
    out = [l.rstrip() for l in lines]
    while out and not out[-1]:
        out.pop()
    return out


def main():
    update = "--update" in sys.argv[1:]
    files = [os.path.join(ROOT, "README.md")] + sorted(glob.glob(os.path.join(ROOT, "labs/*/README.md")))
    checked = differ = 0
    # Every demo a block names, built by one make (not a make per demo: each
    # start of make reads the whole kit's Makefile).
    built = sorted({demo for path in files for _, cmd, _ in blocks(path)
                    for demo in re.findall(r"build/demo/lab\d\d", cmd)})
    if built:
        subprocess.run(["make", "-s", "--no-print-directory", *built], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
    for path in files:
        rel = os.path.relpath(path, ROOT)
        for lineno, cmd, block in blocks(path):
            checked += 1
            if block is None:
                differ += 1
                print(f"FAIL {rel}:{lineno}: the kit-output mark is not followed by a ``` block")
                continue
            p = subprocess.run(["bash", "-c", cmd], cwd=ROOT, capture_output=True, text=True,
                               timeout=600, env={k: v for k, v in os.environ.items() if k != "LORALAB_SEED"})
            got, want = normal(p.stdout.split("\n")), normal(block)
            # The comparison must notice one changed digit (no check that cannot fail).
            if want and got == want:
                tampered = want[:-1] + [want[-1] + "0"]
                if normal(tampered) == got:
                    differ += 1
                    print(f"FAIL {rel}:{lineno}: the comparison cannot fail")
                    continue
            if update and p.returncode == 0 and got != want:
                text = open(path, encoding="utf-8").read().split("\n")
                start = lineno + 1  # the first line inside the fence (0-based)
                text[start:start + len(block)] = got
                open(path, "w", encoding="utf-8").write("\n".join(text))
                print(f"  updated {rel}:{lineno}: {cmd}")
                return main()
            if p.returncode != 0 or got != want:
                differ += 1
                print(f"FAIL {rel}:{lineno}: `{cmd}` (exit {p.returncode}) does not print the block")
                for d in list(difflib.unified_diff(want, got, "README", "command", lineterm="", n=1))[:40]:
                    print("     " + d)
                if p.stderr.strip():
                    print("     stderr: " + p.stderr.strip()[-500:])
            else:
                print(f"  ok   {rel}:{lineno}: {cmd}")
    print(f"{checked} blocks checked, {differ} differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
