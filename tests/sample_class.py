#!/usr/bin/env python3
"""sample_class.py - a synthetic class of submissions for one lab.

    sample_class.py LAB OUT_DIR [--size N]

Writes one entry per student into OUT_DIR (folders, .zip, .tar.gz) and
OUT_DIR/../labLAB-expected.json saying what each entry (by its name as
written) must score:
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
Without --size every kind appears once (at least 30 students); build(...,
few=True) gives one entry of each way to score (7 students); build(...,
some_broken=True) keeps of the broken solutions only the first of each sort
(broken_sort: a stub, a mistake model, one an engine reason names; none
that hangs), every other kind of entry as without it.  With --size N
the class has N students, mostly correct, like a real class, for benchmarks:
60% correct, 15% broken, 10% partly done, 8% misbehaving (4% hanging),
7% malformed.  With --hostile, the class that tries to break grade-all
instead (build_hostile: odd and colliding names, a FIFO, a zip bomb, a folder
1,200 deep, misnamed and renamed files, ...) and its roster, OUT_DIR/../roster.csv.
Uses only Python's standard library.
"""
import io
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tarfile
import zipfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import test_grader as tg  # noqa: E402

ROOT = tg.ROOT
sys.path.insert(0, os.path.join(ROOT, "tools"))
import skelgen  # noqa: E402 - the kit's one skeleton generator, called in this process


def stubbed(path, task):
    """What `tools/skelgen.py --task TASK PATH` prints: the solution file at
    path with only task's regions stubbed ("none": none of them, the
    reference as a student hands it in, without its markers)."""
    return skelgen.generate(path, only=task)

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


def broken_sort(spec):
    """What kind of broken solution a spec is: one that hangs, a stub, a
    mistake model (its mistake: line), or one an engine reason names."""
    if any("did not return within" in r for r in spec["reason"]):
        return "hangs"
    return "stub" if spec["stubs"] else "mistake" if spec["mistake"] else "engine reason"


def build(lab, out, size=None, few=False, some_broken=False):
    names = sources(lab)
    tasks = task_tests(lab)
    all_tests = [t for ts in tasks.values() for t in ts]
    sol_dir, skel_dir = tg.lab_dir("solutions", lab), tg.lab_dir("labs", lab)
    ref = read_sources(sol_dir, names)
    skel = read_sources(skel_dir, names)
    # The reference without its markers, as a student would hand it in.
    clean_ref = {n: stubbed(os.path.join(sol_dir, n), "none") for n in names}
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
        part = {n: stubbed(os.path.join(sol_dir, n), task) for n in names}
        kinds.append((f"missing-{task.replace('.', '-')}", lambda p, f=part: write_folder(p, f),
                      expect("partly done", "below", tasks[task], ["not implemented"])))
    # broken
    sorts = set()
    for mut in sorted(os.listdir(os.path.join(ROOT, "grader/broken", lab))):
        if not mut.endswith(".mut"):
            continue
        spec = tg.parse_mutation(os.path.join(ROOT, "grader/broken", lab, mut))
        if some_broken:  # the first of each sort only, and none that hangs
            # A broken solution that spins burns its whole time budget in CPU
            # (10 s); misbehaves-sleep-forever hangs without burning it, and
            # tests/test_grader.py grades every spinning one of every lab.
            if broken_sort(spec) in sorts | {"hangs"}:
                continue
            sorts.add(broken_sort(spec))

        def write_mut(p, spec=spec):
            os.makedirs(p, exist_ok=True)
            missing = tg.apply_mutation(sol_dir, spec, p)
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

    if few:
        # One entry of each way to score (few=True): full marks, zero, a task
        # missing, a broken solution, a crash, a hang, a build failure; or
        # only those few names (a tuple: e.g. "correct-folder", "missing").
        first = {}
        for k in kinds:
            group = k[0].split("-")[0] if k[0].startswith(("missing-", "broken-")) else k[0]
            if k[0] != "broken-endless-loop":
                first.setdefault(group, k)
        kinds = [first[g] for g in (few if isinstance(few, tuple) else (
            "correct-folder", "not-started", "missing", "broken", "misbehaves-crash",
            "misbehaves-sleep-forever", "syntax-error"))]
    elif size:
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
        exp["all_tests"] = len(all_tests)
        expected[name] = exp
    with open(os.path.join(os.path.dirname(os.path.abspath(out)), f"lab{lab}-expected.json"), "w",
              encoding="utf-8") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
    return expected


def deflate_zeros(prefix, n_mib):
    """Raw deflate of prefix + n_mib MiB of zeros, built from one compressed MiB
    (a full flush resets the compressor, so its blocks can be repeated)."""
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = co.compress(prefix) + co.flush(zlib.Z_FULL_FLUSH)
    block = co.compress(bytes(1 << 20)) + co.flush(zlib.Z_FULL_FLUSH)
    again = co.compress(bytes(1 << 20)) + co.flush(zlib.Z_FULL_FLUSH)
    assert block == again, "deflate blocks are not repeatable"
    return head + block * (n_mib - 1) + again + co.flush()


def bomb_zip(path, member, n_mib, claimed_size):
    """A zip whose one member inflates to n_mib MiB of zeros while its headers
    claim claimed_size bytes (and a CRC that matches neither)."""
    data = deflate_zeros(b"", n_mib)
    name = member.encode()
    crc = zlib.crc32(bytes(min(claimed_size, 1 << 20))) ^ 0x5A5A5A5A
    size32 = min(claimed_size, 0xFFFFFFFF)
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(data), size32,
                        len(name), 0) + name
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, crc, len(data),
                          size32, len(name), 0, 0, 0, 0, 0o100644 << 16, 0) + name
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central), len(local) + len(data), 0)
    with open(path, "wb") as f:
        f.write(local + data + central + end)


def bomb_tar_gz(path, member, n_mib):
    """A .tar.gz whose one member is n_mib MiB of zeros (its gzip trailer is not
    even right: a reader must stop long before it)."""
    info = tarfile.TarInfo(member)
    info.size = n_mib << 20
    header = info.tobuf(format=tarfile.GNU_FORMAT)
    gz = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + deflate_zeros(header, n_mib)
    with open(path, "wb") as f:
        f.write(gz + struct.pack("<II", 0, 0))


def make_deep(path, depth, files):
    """files at the bottom of a folder depth levels deep (built with chdir:
    the path is longer than most tools allow)."""
    os.makedirs(path)
    fd = os.open(".", os.O_RDONLY)
    try:
        os.chdir(path)
        for _ in range(depth):
            os.mkdir("d")
            os.chdir("d")
        write_folder(".", files)
    finally:
        os.fchdir(fd)
        os.close(fd)


def display_name(name):
    """An entry's name as grade-all writes it: bytes that are not UTF-8 become U+FFFD."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def remove(path):
    """rm -rf that copes with the 1,200-deep folder (shutil.rmtree recurses)."""
    subprocess.run(["rm", "-rf", "--", path], check=True)


def build_hostile(lab, out):
    """A class that tries to break grade-all; {entry name as written: expectation}.

    Each expectation: kind, score (full, zero, below or any), status, notes
    (text the entry's feedback must hold), roster (the roster id its row must
    carry, or ""), formula (True: the gradebook cell must start with a quote).
    Also writes out/../roster.csv, a Canvas-style class list."""
    names = sources(lab)
    sol_dir, skel_dir = tg.lab_dir("solutions", lab), tg.lab_dir("labs", lab)
    lab_dir = os.path.basename(skel_dir)
    skel = read_sources(skel_dir, names)
    ref = {n: stubbed(os.path.join(sol_dir, n), "none") for n in names}
    main_src = names[0]
    stem, ext = os.path.splitext(main_src)
    others = {n: d for n, d in ref.items() if n != main_src}
    other_lab = next(d for d in sorted(os.listdir(os.path.join(ROOT, "labs")))
                     if re.match(r"\d\d-", d) and d != lab_dir)
    entries = []

    def add(name, writer, kind, score, status="graded", notes=(), roster="", formula=False):
        entries.append((name, writer, {"kind": kind, "score": score, "status": status,
                                       "notes": list(notes), "roster": roster, "formula": formula}))

    def folder(files):
        return lambda p: write_folder(p, files)

    full, zero = folder(ref), folder(skel)
    # names that are one once cleaned: each graded on its own files
    add("Lee Kim", full, "colliding name", "full", roster="1002")
    add("Lee_Kim", zero, "colliding name", "zero", roster="1002")
    add("Jos\u00e9", full, "accent NFC", "full")
    add("Jose\u0301", zero, "accent NFD", "zero")
    add(".dot-name", full, "leading dot", "full")
    add("x" * 250, full, "250-character name", "full")
    add("Smith, Frank", full, "comma in the name", "full", roster="1003")
    for formula in ("=HYPERLINK(\"x\")", "+SUM(1)", "-2+3", "@cmd"):
        add(formula, full, "formula name", "full", formula=True)
    add("-rf", full, "leading dash", "full", formula=True)
    add("new\nline", full, "newline in the name", "full")
    add(os.fsdecode(b"caf\xe9-latin1"), full, "name not in UTF-8", "full")
    add("same-files-1", full, "identical files", "full")
    add("same-files-2", full, "identical files", "full")
    # entries that must not stop the run
    add("deep", lambda p: make_deep(p, 1200, ref), "folder 1,200 deep", "full")
    add("x.zip", lambda p: os.mkfifo(p), "FIFO named x.zip", "zero", "files missing",
        ["not a regular file"])
    add("fifo-inside", lambda p: (write_folder(p, ref), os.mkfifo(os.path.join(p, main_src + ".zip"))),
        "a FIFO inside", "full", notes=["not a regular file"])
    add("link-to-reference", lambda p: os.symlink(os.path.join(sol_dir, main_src), p),
        "a link as the entry", "zero", "files missing", ["a link"])
    add("bomb-lying.zip", lambda p: bomb_zip(p, main_src, 2048, 600), "zip: 2 GiB said to be 600 B",
        "zero", "files missing", ["cannot be unpacked"])
    add("bomb-honest.zip", lambda p: bomb_zip(p, main_src, 2048, 2 << 30), "zip: 2 GiB of zeros",
        "zero", "files missing", ["more than 1048576 bytes"])
    add("bomb.tar.gz", lambda p: bomb_tar_gz(p, main_src, 2048), "tar.gz: 2 GiB of zeros", "zero",
        "files missing", ["unpacks to more than 64 MiB"])
    # where the files are: one rule
    add("stray-skeleton", folder({**{main_src: skel[main_src]},
                                  **{f"repo/labs/{lab_dir}/{n}": d for n, d in ref.items()}}),
        "skeleton at the top, work under labs/", "full", notes=[f"the copy under labs/{lab_dir}/ wins"])
    add("misspelt", folder({**others, stem[:-2] + stem[-1] + ext: ref[main_src]}), "misspelt name",
        "zero", "files missing" if not others else "files missing", ["did you mean " + main_src])
    add("browser-copy", folder({**others, f"{stem} (1){ext}": ref[main_src]}), "name (1).c", "full",
        notes=[f"graded as {main_src}"])
    add("zip-in-zip.zip", lambda p: write_zip(p, {"inner.zip": zip_bytes(ref)}), "zip inside the zip",
        "full", notes=["an archive inside the upload"])
    add("other-lab", folder({f"labs/{other_lab}/{n}": d for n, d in ref.items()}),
        "the lab's files under another lab's folder", "full")
    add("other-lab-only", folder({f"labs/{other_lab}/notes.c": "int x;\n"}), "another lab's files",
        "zero", "files missing", ["another lab's folder"])
    if not others:  # Canvas's flat download: one file per uploaded file
        add(f"doej_12345_678901_{main_src}", lambda p: open(p, "w").write(ref[main_src]),
            "Canvas flat name", "full", notes=["Canvas"], roster="12345")
    # A student who uploaded several files: one entry, named by all of them.
    flat = [(f"smithj_late_2001_3001_{n}", d) for n, d in {**ref, "README.txt": "my notes"}.items()]
    add(" + ".join(sorted(n for n, _ in flat)),
        lambda p: [open(os.path.join(os.path.dirname(p), n), "w").write(d) for n, d in flat],
        "Canvas flat names, several files", "full", notes=["Canvas"], roster="2001")
    add("own-header", folder(dict(ref, **{"helpers.h": "#define TWO 2\n", main_src: ref[main_src].replace(
        "#include", '#include "helpers.h"\n#include', 1)})), "a header of the student's own", "zero",
        "build failed", ['includes "helpers.h", a header of your own'])
    add("says-did-not-build", folder(dict(ref, **{main_src: ref[main_src].replace(
        "#include", "/* build: FAILED, not run: the submission did not build */\n#include", 1)})),
        "English that fools a text search", "full")
    remove(out)
    os.makedirs(out)
    expected = {}
    for name, writer, exp in entries:
        writer(os.path.join(out, name))
        expected[name] = exp
    with open(os.path.join(os.path.dirname(os.path.abspath(out)), "roster.csv"), "w",
              encoding="utf-8", newline="") as f:
        f.write("Student,ID,SIS User ID,SIS Login ID,Section\n"
                "Points Possible,,,,\n"
                "\"Kim, Lea\",1001,s1001,leakim,A\n"
                "Lee Kim,1002,s1002,lee_kim,A\n"
                "\"Smith, Frank\",1003,s1003,fsmith,A\n"
                "\"Doe, Jane\",12345,s12345,doej,A\n"
                "\"Smith, John\",2001,s2001,smithj,A\n"
                "Absent Student,1009,s1009,absent,A\n")
    return expected


def zip_bytes(files):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


def main():
    args = sys.argv[1:]
    if "--hostile" in args:
        args.remove("--hostile")
        exp = build_hostile(args[0], args[1])
        print(f"hostile class for lab {args[0]}: {len(exp)} entries in {args[1]}")
        return
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
