#!/usr/bin/env python3
"""The kit's build cache (grader/engine/build_cache.h), used by make test only.

  - unset, nothing is written anywhere;
  - a second grading of the same files is a hit: same report, a kept entry;
  - one byte changed in a submitted file, or a header, is a miss (rebuilt);
  - a compile error is kept with its messages, and said the same way;
  - a corrupt entry (key differs) is never used;
  - make build-cache-prune (the end of make test) keeps what a hit used;
  - a mistake model's results on a call are kept and read back (the same
    diagnosis), one of the wrong size is not used, and a hit is used;
  - the keys name what builds a runner and what a model runs (cache_ids.c),
    not the judge: a judge with another build ID (a test of the lab
    changed) builds nothing again and replays nothing again; another recipe
    builds again, another model's code replays again;
  - a mistake model's object (grader.mk, under make test) is kept as
    model-labNN-KEY.o: built again it is a hit with the same bytes; other
    flags or one changed byte of its source are a miss; unset, nothing kept;
  - the keys leave debug information out, so a comment that moves the lines
    of a header builds and replays nothing again: the runner libraries and
    the models hold none, and an engine file compiled as the kit compiles
    it, with a line added to the top of its headers, differs from before in
    its debug information only (grader.mk's cache-code-ids digests the
    objects stripped of it).
"""
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_grader import ROOT, check, score_of  # noqa: E402
import test_grader  # noqa: E402
sys.path.insert(0, os.path.join(ROOT, "tools"))
from apply_mut import apply_mutation, parse_mutation  # noqa: E402 - the kit's one applier

LAB = "02"


JUDGE = os.path.join(ROOT, "grader/bin", f"grade-{LAB}")


def grade(sub, cache, *opts, judge=JUDGE):
    env = dict(os.environ)
    env.pop("LORALAB_BUILD_CACHE", None)
    if cache:
        env["LORALAB_BUILD_CACHE"] = cache
    p = subprocess.run([judge, *opts, sub], capture_output=True, text=True, env=env, timeout=120)
    return p.returncode, p.stdout


def judge_variant(tag, old, new):
    """A copy of the judge, beside it (it finds the kit from its own path),
    with the one occurrence of bytes `old` replaced by `new` (same length)."""
    with open(JUDGE, "rb") as f:
        data = f.read()
    assert len(old) == len(new) and data.count(old) == 1, f"{tag}: {old!r} found {data.count(old)} times"
    path = os.path.join(os.path.dirname(JUDGE), f".test-build-cache-{tag}")
    with open(path, "wb") as f:
        f.write(data.replace(old, new))
    os.chmod(path, 0o755)
    return path


def other_build_id():
    """The judge with its build ID changed (what any other edit of the lab's
    tests does), everything else the same."""
    out = subprocess.run(["readelf", "-n", JUDGE], capture_output=True, text=True).stdout
    ident = bytes.fromhex(out.split("Build ID:")[1].split()[0])
    return judge_variant("build-id", ident, bytes(b ^ 0x5a for b in ident))


def other_id(name):
    """The judge with one of its cache ids (cache_ids.c) changed: `name` is
    the recipe (runner_recipe_id) or a model's name."""
    with open(os.path.join(ROOT, "build", f"lab{LAB}", "cache_ids.c"), encoding="utf-8") as f:
        text = f.read()
    line = next(ln for ln in text.splitlines()
                if (name == "recipe" and "runner_recipe_id" in ln) or f'{{"{name}", ' in ln)
    ident = line.split('"')[-2][:32].encode()
    return judge_variant(name, ident, ident[::-1] if ident[::-1] != ident else ident.swapcase())


def entries(cache):
    return sorted(d for d in os.listdir(cache) if ".tmp" not in d) if os.path.isdir(cache) else []


def blobs(cache):
    return sorted(glob.glob(os.path.join(cache, "*", "blob")))


def check_replays(tmp):
    """A mistake model's results on a call (mistakes.c) are kept too: a
    second grading reads them and says the same; a kept result of the wrong
    size is not used; a hit is used (other results kept: another diagnosis)."""
    muts = [p for p in sorted(glob.glob(os.path.join(ROOT, "grader", "broken", LAB, "*.mut")))
            if parse_mutation(p)["mistake"] and not parse_mutation(p)["stubs"]]
    sub, cache = os.path.join(tmp, "mistake"), os.path.join(tmp, "replays")
    os.makedirs(sub)
    apply_mutation(glob.glob(os.path.join(ROOT, "solutions", f"{LAB}-*"))[0], parse_mutation(muts[0]), sub)
    _, plain = grade(sub, None)
    _, first = grade(sub, cache)
    _, again = grade(sub, cache)
    check("diagnosis: " in plain and first == plain and again == plain and blobs(cache),
          f"a model's replays kept: the same diagnosis from them ({len(blobs(cache))} kept, "
          f"{os.path.basename(muts[0])})", again[-1500:])
    kept = blobs(cache)
    _, other = grade(sub, cache, judge=other_build_id())
    check(other == plain and blobs(cache) == kept,
          f"a judge with another build ID replays nothing again ({len(blobs(cache))} kept)", other[-1500:])
    name = os.path.basename(muts[0])[:-len(".mut")]
    _, other = grade(sub, cache, judge=other_id(name))
    check(other == plain and len(blobs(cache)) > len(kept),
          f"another code for model {name} replays again ({len(kept)} -> {len(blobs(cache))} kept)",
          other[-1500:])
    for b in blobs(cache):
        size = os.path.getsize(b)
        with open(b, "wb") as f:
            f.write(b"\0" * size)
    _, spoiled = grade(sub, cache)
    said = [x for x in plain.splitlines() if "diagnosis: " in x]
    check(said != [x for x in spoiled.splitlines() if "diagnosis: " in x],
          "a kept replay is used (other results kept there: another diagnosis)", spoiled[-1500:])
    for b in blobs(cache):
        with open(b, "r+b") as f:
            f.truncate(3)
    _, cut = grade(sub, cache)
    check(cut == plain, "a kept replay of the wrong size is not used", cut[-1500:])
    # In a cache of this grading's replays alone, every one cut short is
    # replaced by the next grading's (it replays the same calls).
    alone = os.path.join(tmp, "replays-alone")
    grade(sub, alone)
    for b in blobs(alone):
        with open(b, "r+b") as f:
            f.truncate(3)
    grade(sub, alone)
    sizes = sorted(os.path.getsize(b) for b in blobs(alone))
    check(sizes and sizes[0] > 3, f"a kept replay of the wrong size is replaced by the next grading's "
          f"({len(sizes)} kept, smallest {sizes[0] if sizes else 0} bytes)", str(sizes))


def make_model(build, target, cache, *args):
    """make one model object into another build folder (B=build)."""
    env = dict(os.environ)
    env.pop("LORALAB_BUILD_CACHE", None)
    if cache:
        env["LORALAB_BUILD_CACHE"] = cache
    p = subprocess.run(["make", "--no-print-directory", "-C", ROOT, f"B={build}", *args, target],
                       capture_output=True, text=True, env=env, timeout=300)
    data = open(target, "rb").read() if os.path.exists(target) else None
    return p.returncode, p.stdout + p.stderr, data


def check_model_objects(tmp):
    build, cache = os.path.join(tmp, "model-build"), os.path.join(tmp, "model-cache")
    os.makedirs(cache)
    mut = sorted(m for m in glob.glob(os.path.join(ROOT, "grader", "broken", LAB, "*.mut"))
                 if parse_mutation(m)["mistake"])[0]
    name = os.path.basename(mut)[:-4]
    target = os.path.join(build, f"lab{LAB}", "models", name + ".o")
    kept = lambda: sorted(f for f in os.listdir(cache) if f.startswith(f"model-lab{LAB}-"))  # noqa: E731
    rc1, out1, first = make_model(build, target, None)
    check(rc1 == 0 and first and not os.listdir(cache), "a model built without make test's cache keeps nothing",
          out1[-1500:])
    os.unlink(target)
    rc2, out2, built = make_model(build, target, cache)
    stored = kept()
    os.unlink(target)
    rc3, out3, again = make_model(build, target, cache)
    check(rc2 == rc3 == 0 and len(stored) == 1 and "make test's cache" not in out2 and
          "make test's cache" in out3 and again == built == first and kept() == stored,
          f"model {name}: kept once built, then found with the same bytes", f"{stored}\n{out2[-800:]}\n{out3[-800:]}")
    os.unlink(target)
    rc4, out4, _ = make_model(build, target, cache, "MODEL_CFLAGS=-std=c11 -O1 -g0 -w -D_POSIX_C_SOURCE=200809L")
    flags = kept()
    src = sorted(glob.glob(os.path.join(build, f"lab{LAB}", "models", name + ".src", "*.c")))[0]
    with open(src, "a", encoding="utf-8") as f:
        f.write("/* one more line */\n")
    # Keys are made when the sources are applied (a changed .mut or solution
    # makes .applied, then .keys, again): the edit above stands for such a change.
    os.unlink(os.path.join(build, f"lab{LAB}", "models", ".keys"))
    os.unlink(target)
    rc5, out5, _ = make_model(build, target, cache)
    check(rc4 == rc5 == 0 and len(flags) == 2 and len(kept()) == 3 and "make test's cache" not in out4 + out5,
          "other flags, or one more line in the model's source, are not found in the cache (built again)",
          f"{kept()}\n{out4[-800:]}\n{out5[-800:]}")


def debug_sections(path):
    out = subprocess.run(["readelf", "-SW", path], capture_output=True, text=True).stdout
    return sorted({w for w in out.split() if w.startswith(".debug")})


def check_debug_free(tmp):
    libs = sorted(glob.glob(os.path.join(ROOT, "grader", "bin", "lib", "librunner-*.a")))
    models = sorted(glob.glob(os.path.join(ROOT, "build", f"lab{LAB}", "models", "*.o")))
    models = [m for m in models if not m.endswith("/table.o")]
    bad = [(p, d) for p in libs + models for d in [debug_sections(p)] if d]
    check(libs and models and not bad, f"the runner libraries and Lab {LAB}'s models hold no debug information "
          f"({len(libs)} libraries, {len(models)} models)", str(bad[:3]))
    # build_cache.c as grader.mk compiles it (its GRADER_CFLAGS, asked of
    # make), twice: its headers as they are, then with a comment line on top
    # of each.
    flags = subprocess.run(["make", "-s", "--no-print-directory", "-C", ROOT, "--eval",
                            "print-grader-cflags: ; @echo $(GRADER_CFLAGS)", "print-grader-cflags"],
                           capture_output=True, text=True).stdout.split()
    objs = {}
    for tag in ("as-is", "moved"):
        d = os.path.join(tmp, "lines-" + tag)
        shutil.copytree(os.path.join(ROOT, "grader", "engine"), d,
                        ignore=shutil.ignore_patterns("*.py", "*.mk", "__pycache__"))
        if tag == "moved":
            for h in glob.glob(os.path.join(d, "*.h")):
                text = open(h, encoding="utf-8").read()
                open(h, "w", encoding="utf-8").write("/* one more line */\n" + text)
        o = os.path.join(d, "build_cache.o")
        p = subprocess.run(["cc", *flags, "-I", os.path.join(ROOT, "labs", "common"),
                            "-c", os.path.join(d, "build_cache.c"), "-o", o], capture_output=True, text=True)
        s = subprocess.run(["objcopy", "--strip-debug", o, o + ".strip"], capture_output=True, text=True)
        objs[tag] = (p.returncode or s.returncode, open(o, "rb").read() if not p.returncode else b"",
                     open(o + ".strip", "rb").read() if not (p.returncode or s.returncode) else b"")
    (rc1, raw1, code1), (rc2, raw2, code2) = objs["as-is"], objs["moved"]
    check("-g" in flags and rc1 == rc2 == 0 and raw1 != raw2 and code1 == code2,
          "a comment that moves a header's lines changes an engine object's debug information only",
          f"flags {flags}; exit {rc1}, {rc2}; raw same: {raw1 == raw2}; stripped same: {code1 == code2}")


def main():
    sol = glob.glob(os.path.join(ROOT, "solutions", f"{LAB}-*"))[0]
    with tempfile.TemporaryDirectory() as tmp:
        cache = os.path.join(tmp, "cache")
        sub = os.path.join(tmp, "sub")
        shutil.copytree(sol, sub)
        rc, out = grade(sub, None)
        check(rc == 0 and not os.path.exists(cache), "unset: graded, nothing cached")
        rc1, out1 = grade(sub, cache)
        rc2, out2 = grade(sub, cache)
        check(rc1 == rc2 == 0 and out1 == out2 and len(entries(cache)) == 1,
              "the same files twice: one entry, the same report", f"{entries(cache)}\n{out2[-800:]}")
        rc, out = grade(sub, cache, judge=other_build_id())
        check(rc == 0 and out == out1 and len(entries(cache)) == 1,
              "a judge with another build ID (a test changed) builds nothing again", str(entries(cache)))
        shutil.rmtree(cache)
        grade(sub, cache)
        rc, out = grade(sub, cache, judge=other_id("recipe"))
        check(rc == 0 and out == out1 and len(entries(cache)) == 2,
              "a judge with another runner recipe builds again", str(entries(cache)))
        shutil.rmtree(cache)
        grade(sub, cache)
        src = glob.glob(os.path.join(sub, "*.c"))[0]
        with open(src, "a", encoding="utf-8") as f:
            f.write("\n/* one more line */\n")
        rc3, out3 = grade(sub, cache)
        check(rc3 == 0 and len(entries(cache)) == 2, "a changed file is built again", str(entries(cache)))
        with open(src, "a", encoding="utf-8") as f:
            f.write("int broken = ;\n")
        rc4, out4 = grade(sub, cache)
        rc5, out5 = grade(sub, cache)
        check(rc4 == rc5 == 1 and out4 == out5 and "build: FAILED" in out5 and "expected expression" in out5
              and len(entries(cache)) == 3, "a compile error is kept with its messages",
              out5[-800:])
        # Every entry's runner spoiled and its key changed: a lookup that did not
        # compare the whole key would run the spoiled runner and score 0.
        for e in entries(cache):
            with open(os.path.join(cache, e, "key"), "ab") as f:
                f.write(b"x")
            if os.path.exists(os.path.join(cache, e, "runner")):
                with open(os.path.join(cache, e, "runner"), "wb") as f:
                    f.write(b"#!/bin/false\n")
        os.unlink(src)
        shutil.copy(os.path.join(sol, os.path.basename(src)), src)
        rc6, out6 = grade(sub, cache)
        got, mx = score_of(out6)
        check(rc6 == 0 and got == mx, "an entry whose key differs is not used", out6[-800:])
        # make test keeps the cache between runs and, at its end, removes the
        # entries the run did not use (make build-cache-prune): a hit marks
        # its entry used.
        kept = os.path.join(tmp, "kept")
        grade(sol, kept)
        grade(sub, kept)
        past = time.time() - 1000
        for e in entries(kept):
            os.utime(os.path.join(kept, e), (past, past))
        start = os.path.join(tmp, "start")
        open(start, "w").close()
        os.utime(start, (past + 500, past + 500))
        rc7, out7 = grade(sol, kept)  # a hit: this run used that entry
        p = subprocess.run(["make", "-s", "--no-print-directory", "-C", ROOT, "build-cache-prune",
                            f"BUILD_CACHE_DIR={kept}", f"SINCE={start}"], capture_output=True, text=True)
        left = entries(kept)
        rc8, out8 = grade(sol, kept)
        check(p.returncode == 0 and len(left) == 1 and entries(kept) == left and rc7 == rc8 == 0 and out7 == out8,
              "pruning keeps the entry a hit used and removes the other", f"{left}\n{p.stdout}{p.stderr}")
        check_model_objects(tmp)
        check_debug_free(tmp)
        try:
            check_replays(tmp)
        finally:
            for p in glob.glob(os.path.join(os.path.dirname(JUDGE), ".test-build-cache-*")):
                os.unlink(p)
    print(f"{test_grader.PASSED} passed, {test_grader.FAILED} failed")
    sys.exit(1 if test_grader.FAILED else 0)


if __name__ == "__main__":
    main()
