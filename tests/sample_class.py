#!/usr/bin/env python3
"""sample_class.py - a synthetic class of submissions for one lab.

    sample_class.py LAB OUT_DIR [--size N]

Writes one entry per student into OUT_DIR (folders, .zip, .tar.gz) and
OUT_DIR/../LAB-expected.json saying what each must score:
  - correct: the reference as a folder, a zip, a tar.gz, nested in subfolders;
  - not started: the generated skeleton;
  - partly done: the reference with one task left as its stub (every task);
  - broken: each deliberately broken solution of grader/broken/LAB/*.mut;
  - misbehaving: code put at the start of the first graded function that
    crashes, calls exit(), floods the output, hogs memory, sleeps forever,
    tries to fork or to write a file;
  - malformed: empty folder, wrong file name, corrupt zip, archive with a
    path leaving it and a link to the reference, binary garbage, a syntax
    error, an include of the reference, a file of 2 MiB.
Without --size every kind appears once (at least 30 students).  With --size N
the class has N students, mostly correct, like a real class, for benchmarks:
60% correct, 15% broken, 10% partly done, 8% misbehaving (4% hanging),
7% malformed.  Uses only Python's standard library.
"""
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import test_grader as tg  # noqa: E402

ROOT = tg.ROOT

# Code put at the top of the first graded function: (name, code, reason words, hangs)
MISBEHAVIOURS = [
    ("crash", "{ volatile int *p_ = 0; *p_ = 1; }", "crashed", False),
    ("exit", "exit(0);", "exit", False),
    ("flood", "for (;;) fputs(\"flood flood flood flood\\n\", stdout);", "output flood", False),
    ("memory-hog", "for (;;) { char *m_ = malloc(1 << 20); if (m_) memset(m_, 1, 1 << 20); }",
     "", False),
    ("fork", "{ extern int fork(void); fork(); }", "forbidden", False),
    ("write-file", "{ FILE *f_ = fopen(\"/tmp/loralab-escape\", \"w\"); if (f_) fputs(\"x\", f_); }",
     "forbidden", False),
    ("sleep-forever", "{ extern unsigned sleep(unsigned); for (;;) sleep(1); }",
     "did not return within", True),
]
INCLUDES = "#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n"


def sources(lab):
    grader = os.path.join(ROOT, "grader/bin/grade-" + lab)
    return subprocess.run([grader, "--sources"], capture_output=True, text=True,
                          check=True).stdout.split()


def task_tests(lab):
    grader = os.path.join(ROOT, "grader/bin/grade-" + lab)
    out = subprocess.run([grader, "--list"], capture_output=True, text=True, check=True).stdout
    tasks = {}
    for line in out.splitlines():
        m = re.match(r"^(\S+)\s+\d+\s+(.*)$", line)
        if m:
            tasks.setdefault(m.group(1), []).append(m.group(2))
    return tasks


def read_sources(folder, names):
    return {n: open(os.path.join(folder, n), encoding="utf-8").read() for n in names}


def first_function_region(text):
    """Offset just after the first BEGIN SOLUTION of a function body, and its task."""
    for m in re.finditer(r"/\* BEGIN SOLUTION (lab\d\d\.\d+) \*/\n", text):
        end = text.find("/* END SOLUTION", m.end())
        if "lab_todo(" in text[end:text.find("\n", end)]:
            return m.end(), m.group(1)
    raise SystemExit("sample_class: no function region in the solution")


def write_folder(path, files):
    os.makedirs(path, exist_ok=True)
    for name, data in files.items():
        full = os.path.join(path, name)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode())


def write_zip(path, files):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)


def write_tar(path, files, links=()):
    with tarfile.open(path, "w:gz") as t:
        for name, data in files.items():
            raw = data if isinstance(data, bytes) else data.encode()
            info = tarfile.TarInfo(name)
            info.size = len(raw)
            t.addfile(info, io.BytesIO(raw))
        for name, target in links:
            info = tarfile.TarInfo(name)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            t.addfile(info)


def build(lab, out, size=None):
    names = sources(lab)
    tasks = task_tests(lab)
    all_tests = [t for ts in tasks.values() for t in ts]
    sol_dir, skel_dir = tg.lab_dir("solutions", lab), tg.lab_dir("labs", lab)
    ref = read_sources(sol_dir, names)
    skel = read_sources(skel_dir, names)
    # The reference without its markers, as a student would hand it in.
    clean_ref = {n: subprocess.run([sys.executable, os.path.join(ROOT, "tools/skelgen.py"),
                                    "--task", "none", os.path.join(sol_dir, n)],
                                   capture_output=True, text=True, check=True).stdout
                 for n in names}
    main_src = names[0]
    kinds = []  # (student, writer, expectation)

    def expect(kind, score, fail=(), reason=()):
        return {"kind": kind, "score": score, "fail": list(fail), "reason": list(reason)}

    # correct
    kinds.append(("correct-folder", lambda p: write_folder(p, clean_ref), expect("correct", "full")))
    kinds.append(("correct-zip.zip", lambda p: write_zip(p, {"lab/" + n: d for n, d in clean_ref.items()}),
                  expect("correct", "full")))
    kinds.append(("correct-tar.tar.gz",
                  lambda p: write_tar(p, {"repo/src/" + n: d for n, d in clean_ref.items()}),
                  expect("correct", "full")))
    kinds.append(("correct-nested", lambda p: write_folder(
        p, {**{"my lab/final/" + n: d for n, d in clean_ref.items()}, "notes.txt": "done\n"}),
        expect("correct", "full")))
    # not started
    kinds.append(("not-started", lambda p: write_folder(p, skel), expect("skeleton", "zero",
                                                                         reason=["not implemented"])))
    # partly done: one task stubbed
    for task in sorted(tasks):
        part = {n: subprocess.run([sys.executable, os.path.join(ROOT, "tools/skelgen.py"), "--task",
                                   task, os.path.join(sol_dir, n)],
                                  capture_output=True, text=True, check=True).stdout for n in names}
        kinds.append((f"missing-{task.replace('.', '-')}", lambda p, f=part: write_folder(p, f),
                      expect("partly done", "below", tasks[task], ["not implemented"])))
    # broken
    for mut in sorted(os.listdir(os.path.join(ROOT, "grader/broken", lab))):
        if not mut.endswith(".mut"):
            continue
        spec = tg.parse_mutation(os.path.join(ROOT, "grader/broken", lab, mut))

        def write_mut(p, spec=spec):
            os.makedirs(p, exist_ok=True)
            missing = tg.apply_mutation(sol_dir, spec, p, mut)
            if missing:
                raise SystemExit(f"sample_class: {mut} does not apply: {missing[0]!r}")
        kinds.append(("broken-" + mut[:-4], write_mut,
                      expect("broken", "below", spec["fail"], spec["reason"])))
    # misbehaving: in the first graded function
    at, task = first_function_region(ref[main_src])
    for name, code, reason, hangs in MISBEHAVIOURS:
        text = INCLUDES + ref[main_src][:at] + "    " + code + "\n" + ref[main_src][at:]
        files = dict(ref, **{main_src: text})
        kinds.append(("misbehaves-" + name, lambda p, f=files: write_folder(p, f),
                      expect("misbehaving" + (" (hangs)" if hangs else ""), "below", tasks[task],
                             [reason] if reason else [])))
    # malformed
    kinds.append(("empty-folder", lambda p: os.makedirs(p, exist_ok=True),
                  expect("malformed", "zero", reason=["not found"])))
    kinds.append(("wrong-name", lambda p: write_folder(p, {"solution.c": ref[main_src]}),
                  expect("malformed", "zero", reason=["not found"])))
    kinds.append(("corrupt.zip", lambda p: open(p, "wb").write(b"PK\x03\x04 this is not a zip"),
                  expect("malformed", "zero", reason=["cannot read the archive"])))
    kinds.append(("escape.tar.gz", lambda p: write_tar(
        p, {"../" + main_src: ref[main_src]},
        links=[(main_src, os.path.join(sol_dir, main_src))]),
        expect("malformed", "zero", reason=["leaves the archive"])))
    kinds.append(("binary-garbage", lambda p: write_folder(
        p, dict(ref, **{main_src: bytes(range(256)) * 8})), expect("malformed", "zero",
                                                                   reason=["build: FAILED"])))
    kinds.append(("syntax-error", lambda p: write_folder(
        p, dict(ref, **{main_src: ref[main_src] + "\nint this_is_not_c( {\n"})),
        expect("malformed", "zero", reason=["build: FAILED"])))
    rel = os.path.relpath(os.path.join(sol_dir, main_src), "/")
    kinds.append(("includes-reference", lambda p: write_folder(
        p, dict(ref, **{main_src: f'#include "/{rel}"\n'})), expect("malformed", "zero",
                                                                      reason=["build: FAILED"])))
    kinds.append(("huge-file", lambda p: write_folder(
        p, dict(ref, **{main_src: ref[main_src] + "/*" + "x" * (2 << 20) + "*/\n"})),
        expect("malformed", "zero", reason=["more than"])))

    if size:
        pool = {"correct": [k for k in kinds if k[2]["kind"] == "correct"],
                "broken": [k for k in kinds if k[2]["kind"] == "broken"
                           and k[0] != "broken-endless-loop"],
                "partly": [k for k in kinds if k[2]["kind"] == "partly done"],
                "misbehaving": [k for k in kinds if k[2]["kind"] == "misbehaving"],
                "hanging": [k for k in kinds if k[2]["kind"].endswith("(hangs)")
                            or k[0] == "broken-endless-loop"],
                "malformed": [k for k in kinds if k[2]["kind"] == "malformed"]}
        shares = [("broken", 0.15), ("partly", 0.10), ("misbehaving", 0.04), ("hanging", 0.04),
                  ("malformed", 0.07)]
        plan = []
        for group, share in shares:
            plan += [pool[group][i % len(pool[group])] for i in range(round(size * share))]
        plan += [pool["correct"][i % len(pool["correct"])] for i in range(size - len(plan))]
        kinds = [(f"s{i:03d}-{k[0]}", k[1], k[2]) for i, k in enumerate(plan)]

    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    expected = {}
    for name, writer, exp in kinds:
        writer(os.path.join(out, name))
        student = name
        for ext in (".zip", ".tar.gz"):
            if student.endswith(ext):
                student = student[: -len(ext)]
        exp["all_tests"] = len(all_tests)
        expected[student] = exp
    with open(os.path.join(os.path.dirname(os.path.abspath(out)), f"lab{lab}-expected.json"), "w",
              encoding="utf-8") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
    return expected


def main():
    args = sys.argv[1:]
    size = None
    if "--size" in args:
        i = args.index("--size")
        size = int(args[i + 1])
        del args[i:i + 2]
    if len(args) != 2:
        sys.exit("usage: sample_class.py LAB OUT_DIR [--size N]")
    exp = build(args[0], args[1], size)
    kinds = {}
    for e in exp.values():
        kinds[e["kind"]] = kinds.get(e["kind"], 0) + 1
    print(f"sample class for lab {args[0]}: {len(exp)} submissions in {args[1]} ("
          + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())) + ")")


if __name__ == "__main__":
    main()
