#!/usr/bin/env python3
"""apply_mut.py - the one reader and applier of grader/broken/NN/*.mut files.

A .mut file is a deliberately broken solution of a lab, written as changes
to the reference in solutions/NN-*/ (tests/test_grader.py grades each one;
grader/engine/grader.mk compiles the ones with a `mistake:` line into the lab's judge as
mistake models, see grader/engine/mistakes.h).  Keys, one per line:
  what:         what it breaks (for the kit's own test report)
  mistake:      that mistake in a student's words, printed after "diagnosis:"
  hint:         what to change, printed with the diagnosis
  replace:/with: a text of the reference and what it becomes (pairs)
  stub FUNC: / stub:  start from the skeleton, each lab_todo() of FUNC (or of
                every other function) replaced by this body
  fail:         a test that must fail;  reason: words the report must hold
  why:          why each `fail:` test fails (a name of the grader's verdict "why",
                grader/engine/report.c): `result` (a wrong value of the test's own
                checks: its own hint is shown under it) or an engine reason such as
                `input` or `crash` (its own hint is not shown);  hint-says: words
                each `fail:` test's report holds (the hint of that reason)
  score:        the exact score;  max-seconds: how long grading may take
In values, "\\n" is a new line and "\\\\" a backslash (so "\\\\n" is the two
characters backslash and n, as in a C string).  @ROOT@ is the kit's root.

Command line (for grader/engine/grader.mk):
  apply_mut.py apply MUT SOLUTION_DIR DEST_DIR   writes the mutated .c files
  apply_mut.py models [--table] LAB SOLUTION_DIR MODELS_DIR MUT...
      one start for a lab's models: each MUT's sources for its object (below),
      and with --table MODELS_DIR/table.c (what `table` prints)
  apply_mut.py keys LAB MODELS_DIR MUT...
      under make test (LORALAB_BUILD_CACHE, LORALAB_MODEL_KEY set): each
      model's key in make test's build cache (cache_keys)
"""
import functools
import hashlib
import os
import re
import shutil
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEXT_KEYS = ("what", "mistake", "hint")


def unescape(val):
    return re.sub(r"\\(\\|n)", lambda m: "\n" if m.group(1) == "n" else "\\", val)


def parse_mutation(path):
    spec = {"fail": [], "reason": [], "edits": [], "max-seconds": 60.0, "what": "",
            "mistake": "", "hint": "", "stubs": {}, "score": None, "why": [], "hint-says": []}
    pending = None
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            key, _, val = line.partition(": ")
            val = unescape(val)
            if key == "replace":
                pending = val
            elif key == "with":
                if pending is None:
                    raise SystemExit(f"{path}:{n}: 'with' without 'replace'")
                spec["edits"].append((pending, val))
                pending = None
            elif key in ("fail", "reason", "why", "hint-says"):
                spec[key].append(val)
            elif key == "max-seconds":
                spec[key] = float(val)
            elif key in TEXT_KEYS:
                spec[key] = val
            elif key == "stub" or key.startswith("stub "):  # "stub FUNC: body" or "stub: body" (every other)
                spec["stubs"][key[5:] or "*"] = val
            elif key == "score":
                spec["score"] = int(val)
            else:
                raise SystemExit(f"{path}:{n}: unknown key {key!r}")
    if spec["mistake"] and not spec["hint"]:
        raise SystemExit(f"{path}: a 'mistake:' needs a 'hint:' (what to change)")
    return spec


TODO_CALL = re.compile(r'^(\s*)lab_todo\("lab\d\d\.\d+", "(\w+)".*\);$', re.M)


def write_stubs(sol_dir, skel_dir, stubs, dest):
    """The skeleton of each submitted file, each lab_todo() call replaced by
    the stub body named for its function (or the "*" body)."""
    for name in os.listdir(sol_dir):
        if name.endswith(".c"):
            text = open(os.path.join(skel_dir, name), encoding="utf-8").read()
            text = TODO_CALL.sub(lambda m: m.group(1) + stubs.get(m.group(2), stubs.get("*", m.group(0).strip())),
                                 text)
            open(os.path.join(dest, name), "w", encoding="utf-8").write(text)


def apply_mutation(src_dir, spec, dest):
    """Writes the broken solution's .c files into dest; returns the texts to
    replace that were found nowhere (empty when the mutation applies)."""
    if spec["stubs"]:  # a stub starts from the skeleton of the reference in src_dir
        skel_dir = os.path.join(ROOT, "labs", os.path.basename(os.path.normpath(src_dir)))
        write_stubs(src_dir, skel_dir, spec["stubs"], dest)
    else:
        for name in os.listdir(src_dir):
            if name.endswith(".c"):
                shutil.copy(os.path.join(src_dir, name), dest)
    applied = set()
    for name in sorted(os.listdir(dest)):
        p = os.path.join(dest, name)
        if not name.endswith(".c"):
            continue
        text = open(p, encoding="utf-8").read()
        for old, new in spec["edits"]:
            if old in text:
                text = text.replace(old, new.replace("@ROOT@", ROOT))
                applied.add(old)
        open(p, "w", encoding="utf-8").write(text)
    return [old for old, _ in spec["edits"] if old not in applied]


FUNC_HEAD = re.compile(r"^(?:__attribute__\(\([^()]*\)\)\s*)?[A-Za-z_][\w \t\*]*?\b(\w+)\s*\([^;{}]*\)\s*\{",
                       re.M)


# What the brace count of functions_of stops at: a comment, a string or
# character literal, or a brace (in this order of precedence, as read).
BRACE_SCAN = re.compile(r"/\*|//|[\"'{}]")


def functions_of(text):
    """{name: body} of the top-level function definitions in C text, and the
    text outside them (a definition starts at column 0; braces are counted,
    skipping strings, characters and comments).  Memoized: one `models`
    start scans each reference file once, however many models it writes;
    the scan jumps from one brace, comment or quote to the next (the
    character loop it replaced was 3.6 of the 4.2 CPU-s of Lab 05's models,
    session 18)."""
    funcs, outside = _functions_of(text)
    return dict(funcs), outside


@functools.lru_cache(maxsize=None)
def _functions_of(text):
    funcs, outside, at = {}, [], 0
    for m in FUNC_HEAD.finditer(text):
        if m.start() < at:
            continue
        i, depth = m.end() - 1, 0
        while True:
            tok = BRACE_SCAN.search(text, i)
            if not tok:
                i = len(text)
                break
            i, c = tok.start(), tok.group()
            if c == "/*":
                i = text.find("*/", i + 2) + 1 or len(text)
            elif c == "//":
                i = text.find("\n", i) if text.find("\n", i) >= 0 else len(text)
            elif c in "\"'":
                j = i + 1
                while j < len(text) and text[j] != c:
                    j += 2 if text[j] == "\\" else 1
                i = j
            elif c == "{":
                depth += 1
            elif depth == 1:
                break
            else:
                depth -= 1
            i += 1
        outside.append(text[at:m.start()])
        funcs[m.group(1)] = text[m.start():i + 1]
        at = i + 1
    outside.append(text[at:])
    return funcs, "".join(outside)


def affected_functions(src_dir, dest):
    """Names of the functions whose behaviour the mutation in dest may change
    (edited ones and, transitively, their callers), or None for all of them
    (a stub, or an edit outside any function).  Conservative by design: the
    judge skips a model only for calls to functions not in this set."""
    before, after = {}, {}
    for name in os.listdir(src_dir):
        if not name.endswith(".c"):
            continue
        f0, o0 = functions_of(open(os.path.join(src_dir, name), encoding="utf-8").read())
        f1, o1 = functions_of(open(os.path.join(dest, name), encoding="utf-8").read())
        if o0 != o1 or set(f0) != set(f1):
            return None
        before.update(f0)
        after.update(f1)
    changed = {n for n in before if before[n] != after[n]}
    outside = "".join(functions_of(open(os.path.join(dest, n), encoding="utf-8").read())[1]
                      for n in os.listdir(dest) if n.endswith(".c"))
    # Names in comments, strings and #include lines call nothing.
    outside = re.sub(r"/\*.*?\*/|//[^\n]*|^\s*#[^\n]*|\"(?:\\.|[^\"\\])*\"", " ", outside, flags=re.S | re.M)
    grew = True
    while grew:
        callers = {n for n, body in after.items()
                   if n not in changed and any(re.search(r"\b" + re.escape(c) + r"\b", body) for c in changed)}
        grew = bool(callers)
        changed |= callers
    if any(re.search(r"\b" + re.escape(c) + r"\b", outside) for c in changed):
        return None  # named outside any function (a table of pointers?): anything may call it
    return sorted(changed)


def model_symbol(lab, mut_path):
    """The global name of a model's runner_functions[] table."""
    name = os.path.basename(mut_path)[:-4]
    return f"mistake_{lab}_" + re.sub(r"\W", "_", name)


def c_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def table(lab, muts, affected_of):
    """table.c: one row per model; affected_of[mut] is what write_model
    found the mutation may change (None: every function)."""
    out = [f"/* Generated by tools/apply_mut.py from the .mut files of grader/broken/{lab}: Lab {lab}'s mistake models. */",
           '#include "mistakes.h"', ""]
    rows = []
    for path in sorted(muts):
        spec = parse_mutation(path)
        sym = model_symbol(lab, path)
        affected = affected_of[path]
        funcs = "NULL" if affected is None else c_string(" " + " ".join(affected) + " ")
        out.append(f"extern const runner_fn_t {sym}[];")
        rows.append(f"    {{{c_string(os.path.basename(path)[:-4])}, {c_string(spec['mistake'])},\n"
                    f"     {c_string(spec['hint'])}, {sym}, {1 if spec['stubs'] else 0},\n     {funcs}}},")
    if not rows:  # a lab without models yet: an empty table
        return "\n".join(out + ["const mistake_model_t mistake_models[1];",
                                "const size_t mistake_model_count = 0;", ""])
    out += ["", "const mistake_model_t mistake_models[] = {"] + rows + ["};",
            "const size_t mistake_model_count = sizeof mistake_models / sizeof mistake_models[0];", ""]
    return "\n".join(out)


STATIC_HEAD = re.compile(r"(?:__attribute__\(\([^()]*\)\)\s*)?(?:static|inline)\b")


def keep_affected(path, affected):
    """Leave out of the model's file at PATH each function with external
    linkage the mutation does not change (not in AFFECTED: not edited, and
    calls no edited function, however indirectly): the judge's link resolves
    the model's calls to it, and the adapter's pointer, to the reference's
    own definition (reference.o: the same text, so the same behaviour; the
    solutions keep no state between calls).  Static and inline functions
    stay (an affected function may call them; the compiler drops the unused
    ones).
    A model then compiles only what it changes: the 161 models of labs 01,
    04, 05 and 07 built in 34.5 CPU-s instead of 40.9 (session 17; most of
    the rest is starting the compiler, ld and objcopy)."""
    text = open(path, encoding="utf-8").read()
    funcs, _ = functions_of(text)
    for fname, body in funcs.items():
        if fname in affected or STATIC_HEAD.match(body):
            continue
        text = text.replace(body, f"/* {fname}: the reference's (this mistake does not change it) */", 1)
    open(path, "w", encoding="utf-8").write(text)


def write_model(lab, sol_dir, models_dir, mut):
    """MODELS_DIR/NAME.src/ for grader.mk's model NAME.o: the mutated .c files
    that differ from the reference (in a lab of several files, a file left as
    the reference's is linked as its object compiled once, MODELS_DIR/base/),
    each holding only the functions the mutation may change (keep_affected),
    link.rsp (ld's response file: the objects of the model, in order) and
    redefine.syms and keep.syms (objcopy's: the adapter's table renamed to the
    model's symbol, the one global name left).  Returns the functions the
    mutation may change (affected_functions; None: all), for table.c."""
    name = os.path.basename(mut)[:-4]
    src = os.path.join(models_dir, name + ".src")
    shutil.rmtree(src, ignore_errors=True)
    os.makedirs(src)
    spec = parse_mutation(mut)
    missing = apply_mutation(sol_dir, spec, src)
    if missing:
        sys.exit(f"apply_mut.py: {mut}: not found in {sol_dir}: {missing[0]!r}")
    # None: a stub, or an edit outside any function: the whole file.
    affected = None if spec["stubs"] else affected_functions(sol_dir, src)
    files = sorted(n for n in os.listdir(src) if n.endswith(".c"))
    several = len([n for n in os.listdir(sol_dir) if n.endswith(".c")]) > 1
    objs = []
    for n in files:
        p = os.path.join(src, n)
        ref = os.path.join(sol_dir, n)
        if several and os.path.isfile(ref) and open(p, "rb").read() == open(ref, "rb").read():
            os.remove(p)
            objs.append(os.path.join(models_dir, "base", n[:-2] + ".o"))
        else:
            if affected is not None:
                keep_affected(p, set(affected))
            objs.append(p[:-2] + ".o")
    with open(os.path.join(src, "link.rsp"), "w", encoding="utf-8") as f:
        f.write("".join(re.sub(r"([\s'\"\\\\])", r"\\\1", o) + "\n" for o in objs))
    sym = model_symbol(lab, mut)
    with open(os.path.join(src, "redefine.syms"), "w", encoding="utf-8") as f:
        f.write(f"runner_functions {sym}\n")
    with open(os.path.join(src, "keep.syms"), "w", encoding="utf-8") as f:
        f.write(sym + "\n")
    return affected


def cache_keys(lab, models_dir, muts):
    """Under make test (grader.mk sets LORALAB_MODEL_KEY: the tools' versions
    and the flags; LORALAB_MODEL_KEY_FILES: the headers and the adapter's
    object), MODELS_DIR/NAME.src/cache.key: the key of model NAME's object in
    make test's build cache (LORALAB_BUILD_CACHE/model-labNN-KEY.o), a hash
    of all that goes into it (those, its sources as applied, ld's and
    objcopy's argument files, the reference's objects it links).  An object
    found there is marked used (its time set: make build-cache-prune keeps
    it).  One start for every model, not a shell and five tools a model."""
    cache, extra = os.environ.get("LORALAB_BUILD_CACHE"), os.environ.get("LORALAB_MODEL_KEY")
    if not cache or extra is None or not os.path.isdir(cache):
        return
    common = hashlib.sha256(extra.encode())
    for f in os.environ.get("LORALAB_MODEL_KEY_FILES", "").split():
        common.update(b"\0" + f.encode() + b"\0" + open(f, "rb").read())
    for m in muts:
        src = os.path.join(models_dir, os.path.basename(m)[:-4] + ".src")
        if not os.path.isfile(os.path.join(src, "link.rsp")):
            continue  # applied again by its own recipe: built, not looked up
        h = common.copy()
        rsp = open(os.path.join(src, "link.rsp"), encoding="utf-8").read()
        linked = [re.sub(r"\\(.)", r"\1", o) for o in rsp.splitlines()]
        parts = sorted(os.path.join(src, n) for n in os.listdir(src) if n.endswith(".c"))
        parts += [os.path.join(src, n) for n in ("link.rsp", "redefine.syms", "keep.syms")]
        parts += [o for o in linked if os.path.dirname(o) != src]  # the reference's objects
        for f in parts:
            h.update(b"\0" + os.path.basename(f).encode() + b"\0" + open(f, "rb").read())
        key = h.hexdigest()[:32]
        with open(os.path.join(src, "cache.key"), "w", encoding="utf-8") as f:
            f.write(key + "\n")
        kept = os.path.join(cache, f"model-lab{lab}-{key}.o")
        if os.path.exists(kept):
            os.utime(kept)


def main(argv):
    if len(argv) >= 4 and argv[0] == "models":
        with_table = argv[1] == "--table"
        lab, sol_dir, models_dir, *muts = argv[2:] if with_table else argv[1:]
        os.makedirs(models_dir, exist_ok=True)
        affected_of = {m: write_model(lab, sol_dir, models_dir, m) for m in muts}
        if with_table:
            tmp = os.path.join(models_dir, "table.c.tmp")
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(table(lab, muts, affected_of))
            os.replace(tmp, os.path.join(models_dir, "table.c"))
        return
    if len(argv) >= 3 and argv[0] == "keys":
        cache_keys(argv[1], argv[2], argv[3:])
        return
    if len(argv) == 4 and argv[0] == "apply":
        spec = parse_mutation(argv[1])
        os.makedirs(argv[3], exist_ok=True)
        missing = apply_mutation(argv[2], spec, argv[3])
        if missing:
            sys.exit(f"apply_mut.py: {argv[1]}: not found in {argv[2]}: {missing[0]!r}")
        return
    sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
