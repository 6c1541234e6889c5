#!/usr/bin/python3
"""mutation_test.py - mutation testing of a lab's hidden tests against its reference.

For lab NN it takes the reference files solutions/NN-*/*.c and, inside the
`BEGIN SOLUTION` / `END SOLUTION` regions only, makes single-operator mutants
(one small change each), grades every mutant with grader/bin/grade-NN and says
whether the hidden tests notice:

    does not build   the mutant does not compile (left out of the rate)
    equivalent       its object code is byte for byte the reference's
                     (compiled without debug info: text, data and relocations
                     compared), so no test can tell them apart (left out)
    killed           the grader gives it less than full marks
    survived         full marks: the tests missed this change
    timeout / error  the grading ran past --timeout, or the grader exited 2
                     (counted in the rate's denominator, not as killed)

    kill rate = killed / (built - equivalent)

Operators (the kind names used by --kinds and the reports):
    rel      < <= > >= == != swapped for one another
    arith    + - * / % swapped (binary only), += -= *= /= swapped or made =
    logical  && <-> ||
    const    integer literal n -> 0, 1, n+1, n-1; float literal -> 0.0, 1.0
    unary    `!` deleted, unary `-` deleted, an if/while condition negated
    stmt     a statement deleted (an expression statement, a whole
             LAB_REQUIRE(...);, a whole `if (...) return/goto ...;` guard)
    incdec   ++ <-> --
    return   return X -> return 0 (X is 0 or LAB_OK: -> return -1)

A deleted statement becomes `;` with its newlines kept, so line numbers (and
__LINE__-free objects) stay comparable.  Sampling is deterministic: the
candidates of each kind are shuffled with random.Random(seed) and the sample
takes them kind by kind in turn (stratified), N in all (--sample, default 60);
--all grades every candidate.

Usage:
    mutation_test.py --lab NN [--sample N | --all] [--seed S] [-j JOBS] [--kinds rel,stmt]
              [--list] [--keep] [--timeout SECONDS]

Writes build/mutants/labNN.txt (counts, then every survivor as a one-line diff
`file:line [kind] task function: before -> after`, then the equivalents) and
prints one summary line.  Survivors' folders stay in build/mutants/labNN/ (all
folders with --keep).  `make mutants LAB=NN [N=60] [SEED=...] [JOBS=2]` runs it.
"""
import argparse
import bisect
import concurrent.futures
import glob
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# How the grader compiles a submission (mk/common.inc STUDENT_CFLAGS), minus -g:
# equivalence is decided on objects without debug info.
OBJ_FLAGS = ["-std=c11", "-O2", "-Wall", "-Wextra", "-fno-common", "-g0"]
KINDS = ["rel", "arith", "logical", "const", "unary", "stmt", "incdec", "return"]

BEGIN = re.compile(r'^\s*/\* BEGIN SOLUTION(?: (lab\d\d\.\d+))? \*/\s*$')
END = re.compile(r'^\s*/\* END SOLUTION')

# ---------------------------------------------------------------- tokens
# (kind, text, start, end); comments and preprocessor lines are dropped.
TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<comment>/\*.*?\*/|//[^\n]*)
  | (?P<pp>^[ \t]*\#(?:\\\n|[^\n])*)
  | (?P<string>"(?:\\.|[^"\\\n])*")
  | (?P<char>'(?:\\.|[^'\\\n])*')
  | (?P<number>(?:0[xX][0-9a-fA-F]+|(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?)[uUlLfF]*)
  | (?P<ident>[A-Za-z_]\w*)
  | (?P<op>\.\.\.|<<=|>>=|->|\+\+|--|<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%&|^]=|[-+*/%<>=!~&|^?:;,.(){}\[\]])
""", re.S | re.M | re.X)

C_TYPES = {"void", "char", "short", "int", "long", "float", "double", "signed", "unsigned",
           "const", "volatile", "static", "struct", "enum", "union", "bool", "FILE", "register",
           "inline", "extern", "restrict"}
KEYWORDS = C_TYPES | {"if", "else", "for", "while", "do", "return", "goto", "break", "continue",
                      "switch", "case", "default", "sizeof", "typedef"}


def tokenize(text):
    toks, pos = [], 0
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m:
            raise SystemExit(f"mutation_test.py: cannot read C at offset {pos}: {text[pos:pos + 40]!r}")
        kind = m.lastgroup
        if kind not in ("ws", "comment", "pp"):
            toks.append((kind, m.group(), m.start(), m.end()))
        pos = m.end()
    return toks


def type_names(paths):
    """Typedef names of the lab's headers and sources (view_t, pc_module, ...)."""
    names = set()
    for p in paths:
        with open(p, encoding="utf-8") as f:
            src = f.read()
        names.update(re.findall(r'}\s*(\w+)\s*;', src))
        names.update(re.findall(r'typedef\s+[^;{}]*?\b(\w+)\s*;', src))
    return names


def is_type(tok, types):
    return tok[0] == "ident" and (tok[1] in C_TYPES or tok[1] in types or tok[1].endswith("_t"))


# ---------------------------------------------------------------- candidates
class Mutant:
    def __init__(self, path, kind, start, end, new, note=""):
        self.path, self.kind, self.start, self.end, self.new, self.note = path, kind, start, end, new, note
        self.id = None
        self.task = self.func = ""
        self.line = 0
        self.status = ""
        self.score = ""

    def key(self):
        return (self.path, self.start, self.end, self.new)


def match_paren(toks, i):
    """Index of the token closing the bracket at toks[i]."""
    pairs = {"(": ")", "{": "}", "[": "]"}
    open_, close, depth = toks[i][1], pairs[toks[i][1]], 0
    for j in range(i, len(toks)):
        if toks[j][1] == open_:
            depth += 1
        elif toks[j][1] == close:
            depth -= 1
            if depth == 0:
                return j
    return None


def statement_end(toks, i):
    """Index of the `;` ending the simple statement (or the `}` ending the block) at toks[i]."""
    if toks[i][1] == "{":
        return match_paren(toks, i)
    depth = 0
    for j in range(i, len(toks)):
        t = toks[j][1]
        if t in "([{":
            depth += 1
        elif t in ")]}":
            depth -= 1
            if depth < 0:
                return None
        elif t == ";" and depth == 0:
            return j
    return None


def deleted(text, start, end):
    """A statement replaced by `;`, its newlines kept so no line moves."""
    return ";" + "\n" * text.count("\n", start, end)


def candidates(path, text, regions, types):
    toks = tokenize(text)
    inside = lambda t: any(a <= t[2] and t[3] <= b for a, b in regions)
    out = []
    add = lambda kind, a, b, new, note="": out.append(Mutant(path, kind, a, b, new, note))
    # A statement starts after ; { } at paren depth 0, after `else`, or after
    # the `)` closing an if/for/while header.
    header_close = set()
    for i, t in enumerate(toks):
        if t[1] in ("if", "for", "while") and i + 1 < len(toks) and toks[i + 1][1] == "(":
            j = match_paren(toks, i + 1)
            if j is not None:
                header_close.add(j)
    paren = 0
    for i, t in enumerate(toks):
        kind, s, a, b = t
        prev = toks[i - 1] if i else ("op", ";", 0, 0)
        starts_stmt = paren == 0 and (prev[1] in (";", "{", "}", "else") or (i - 1) in header_close)
        if s == "(":
            paren += 1
        elif s == ")":
            paren -= 1
        if not inside(t):
            continue
        binary = prev[0] in ("ident", "number", "string") and prev[1] not in KEYWORDS \
            or prev[1] in (")", "]")
        if kind == "op":
            if s in ("<", "<=", ">", ">=", "==", "!="):
                for r in ("<", "<=", ">", ">=", "==", "!="):
                    if r != s:
                        add("rel", a, b, r)
            elif s in ("+", "-", "*", "/", "%") and binary and not (s == "*" and is_type(prev, types)):
                for r in ("+", "-", "*", "/") if s != "%" else ("*", "/"):
                    if r != s:
                        add("arith", a, b, r)
            elif s in ("+=", "-=", "*=", "/="):
                for r in ("+=", "-=", "*=", "/=", "="):
                    if r != s:
                        add("arith", a, b, r)
            elif s in ("&&", "||"):
                add("logical", a, b, "||" if s == "&&" else "&&")
            elif s in ("++", "--"):
                add("incdec", a, b, "--" if s == "++" else "++")
            elif s == "!":
                add("unary", a, b, "")
            elif s == "-" and not binary:
                add("unary", a, b, "")
        elif kind == "number":
            body = s.rstrip("uUlLfF")
            if re.fullmatch(r'0[xX][0-9a-fA-F]+|\d+', body):
                v = int(body, 0)
                for r in sorted({0, 1, v + 1, max(v - 1, 0)} - {v}):
                    add("const", a, b, str(r))
            else:
                v = float(body)
                for r in ("0.0", "1.0"):
                    if float(r) != v:
                        add("const", a, b, r)
        elif s in ("if", "while") and i + 1 < len(toks) and toks[i + 1][1] == "(":
            j = match_paren(toks, i + 1)
            if j is not None and inside(toks[j]):
                add("unary", toks[i + 1][2], toks[j][3], "(!" + text[toks[i + 1][2]:toks[j][3]] + ")",
                    "condition negated")
        if s == "return" and i + 1 < len(toks) and toks[i + 1][1] != ";":
            j = statement_end(toks, i + 1)
            if j is not None:
                value = text[toks[i + 1][2]:toks[j - 1][3]]
                new = "-1" if value.strip() in ("0", "LAB_OK", "0.0", "NULL") else "0"
                add("return", toks[i + 1][2], toks[j - 1][3], new)
        if starts_stmt and kind == "ident":
            if s == "if" and toks[i + 1][1] == "(":
                h = match_paren(toks, i + 1)
                if h is None:
                    continue
                body = h + 1
                e = statement_end(toks, body)
                if e is None or (e + 1 < len(toks) and toks[e + 1][1] == "else"):
                    continue
                body_words = {x[1] for x in toks[body:e + 1]}
                if body_words & {"return", "goto", "break", "continue"} and inside(toks[e]):
                    add("stmt", a, toks[e][3], deleted(text, a, toks[e][3]), "guard deleted")
            elif s not in KEYWORDS and not is_type(t, types) and i + 1 < len(toks) \
                    and not (toks[i + 1][0] == "ident" or toks[i + 1][1] == "*" and toks[i + 2][0] == "ident"
                             and toks[i + 3][1] in ("=", ";", ",", "[")):
                e = statement_end(toks, i)
                if e is not None and inside(toks[e]):
                    add("stmt", a, toks[e][3], deleted(text, a, toks[e][3]),
                        "LAB_REQUIRE deleted" if s == "LAB_REQUIRE" else "statement deleted")
    return out


def solution_regions(text):
    """[(start, end, task)] offsets of the code between the markers (marker lines excluded)."""
    regions, open_at, task, off = [], None, None, 0
    for line in text.splitlines(keepends=True):
        if BEGIN.match(line):
            open_at, task = off + len(line), BEGIN.match(line).group(1) or "helper"
        elif END.match(line) and open_at is not None:
            regions.append((open_at, off, task))
            open_at = None
        off += len(line)
    return regions


FUNC = re.compile(r'^(?:__attribute__\(\([\w, ]+\)\)\s*)?(?:static\s+)?(?:const\s+)?[A-Za-z_][\w\s\*]*?\b(\w+)\s*\([^;]*$', re.M)


def describe(m, text, regions):
    lines = text.count("\n", 0, m.start) + 1
    m.line = lines
    m.task = next(t for a, b, t in regions if a <= m.start < b)
    funcs = [f for f in FUNC.finditer(text, 0, m.start) if not f.group(1) in KEYWORDS]
    m.func = funcs[-1].group(1) if funcs else "?"


def one_line(m, text):
    """`before -> after` of the lines the mutant touches, whitespace collapsed."""
    a = text.rfind("\n", 0, m.start) + 1
    b = text.find("\n", m.end)
    b = len(text) if b < 0 else b
    before = " ".join(text[a:b].split())
    after_text = text[a:m.start] + m.new + text[m.end:b]
    after = " ".join(after_text.split())
    return before, after


# ---------------------------------------------------------------- running
def run(cmd, timeout, cwd=None):
    try:
        p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout, start_new_session=True)
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired:
        return None, b"", b""


def object_dump(cc, src_dir, name, includes):
    """objdump -s -r of NAME compiled in SRC_DIR (cwd there so __FILE__ is the bare name), or None."""
    obj = os.path.join(src_dir, name[:-2] + ".mut.o")
    rc, _, _ = run([cc] + OBJ_FLAGS + includes + ["-c", name, "-o", obj], 60, cwd=src_dir)
    if rc != 0:
        return None
    rc, out, _ = run(["objdump", "-s", "-r", obj], 60)
    os.unlink(obj)
    # The first lines name the object file; the rest is sections and relocations.
    return b"\n".join(out.splitlines()[2:]) if rc == 0 else None


class Lab:
    def __init__(self, args):
        self.id = args.lab
        sol = glob.glob(os.path.join(ROOT, "solutions", self.id + "-*"))
        if len(sol) != 1:
            raise SystemExit(f"mutation_test.py: no solutions/{self.id}-*/ folder")
        self.sol = sol[0]
        self.labdir = os.path.join(ROOT, "labs", os.path.basename(self.sol))
        self.grader = os.path.join(ROOT, "grader", "bin", "grade-" + self.id)
        self.out = os.path.join(ROOT, "build", "mutants", "lab" + self.id)
        self.includes = ["-I" + os.path.join(ROOT, "labs", "common"), "-I" + self.labdir]
        self.files = {}
        headers = glob.glob(os.path.join(self.labdir, "*.h")) + glob.glob(os.path.join(ROOT, "labs", "common", "*.h"))
        for p in sorted(glob.glob(os.path.join(self.sol, "*.c"))):
            with open(p, encoding="utf-8") as f:
                self.files[os.path.basename(p)] = f.read()
        self.types = type_names(headers + [os.path.join(self.sol, n) for n in self.files])


def all_candidates(lab):
    seen, out = set(), []
    for name, text in lab.files.items():
        regions = solution_regions(text)
        for m in candidates(name, text, [(a, b) for a, b, _ in regions], lab.types):
            if m.key() not in seen:
                seen.add(m.key())
                describe(m, text, regions)
                out.append(m)
    return out


def sample(cands, n, seed, kinds):
    """Up to n candidates, taken kind by kind in turn from per-kind shuffles."""
    rng = random.Random(seed)
    pools = []
    for k in kinds:
        pool = [m for m in cands if m.kind == k]
        rng.shuffle(pool)
        pools.append(pool)
    chosen = []
    while len(chosen) < n and any(pools):
        for pool in pools:
            if pool and len(chosen) < n:
                chosen.append(pool.pop())
    return sorted(chosen, key=lambda m: (m.path, m.start, m.new))


def grade(lab, m, ref_dumps, args):
    d = os.path.join(lab.out, m.id)
    shutil.rmtree(d, ignore_errors=True)
    shutil.copytree(lab.sol, d)
    text = lab.files[m.path]
    with open(os.path.join(d, m.path), "w", encoding="utf-8") as f:
        f.write(text[:m.start] + m.new + text[m.end:])
    dump = object_dump(args.cc, d, m.path, lab.includes)
    if dump is None:
        m.status = "does not build"
    elif dump == ref_dumps[m.path]:
        m.status = "equivalent"
    else:
        cmd = ["nice", "-n", str(args.nice), lab.grader, "--format", "verdict", "--jobs", "1", d]
        rc, out, err = run(cmd, args.timeout)
        if rc is None:
            m.status = "timeout"
        elif rc not in (0, 1):
            m.status = "error"
            m.score = (err.decode(errors="replace").strip().splitlines() or [f"exit {rc}"])[-1]
        else:
            v = json.loads(out)
            m.score = f"{v['score']}/{v['max_score']}"
            m.status = ("survived" if v["score"] == v["max_score"] else "killed") if v["built"] \
                else "does not build"
    if m.status != "survived" and not args.keep:
        shutil.rmtree(d, ignore_errors=True)
    return m


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lab", required=True, help="lab id, e.g. 02")
    ap.add_argument("--sample", type=int, default=60, help="mutants per lab (default 60)")
    ap.add_argument("--all", action="store_true", help="every candidate, no sampling")
    ap.add_argument("--seed", type=int, default=1, help="sampling seed (default 1)")
    ap.add_argument("-j", "--jobs", type=int, default=2, help="gradings at a time (default 2)")
    ap.add_argument("--nice", type=int, default=10, help="nice level of the gradings (default 10)")
    ap.add_argument("--kinds", default=",".join(KINDS), help="operator kinds (default all)")
    ap.add_argument("--timeout", type=float, default=300, help="seconds per grading (default 300)")
    ap.add_argument("--list", action="store_true", help="print the sampled mutants, grade nothing")
    ap.add_argument("--keep", action="store_true", help="keep every mutant's folder")
    ap.add_argument("--cc", default=os.environ.get("CC", "cc"))
    args = ap.parse_args()
    args.lab = "%02d" % int(args.lab)
    kinds = args.kinds.split(",")
    if set(kinds) - set(KINDS):
        ap.error("--kinds: one of " + ",".join(KINDS))
    lab = Lab(args)
    cands = all_candidates(lab)
    chosen = sample(cands, len(cands) if args.all else args.sample, args.seed, kinds)
    for i, m in enumerate(chosen):
        m.id = "m%03d" % (i + 1)
    what = "all %d" % len(chosen) if args.all else "%d of %d" % (len(chosen), len(cands))
    print(f"lab{lab.id}: {what} candidate mutants, seed {args.seed}, {args.jobs} at a time", flush=True)
    if args.list:
        for m in chosen:
            b, a = one_line(m, lab.files[m.path])
            print(f"{m.id} {m.path}:{m.line} [{m.kind}] {m.task} {m.func}: {b} -> {a}")
        return 0
    if not os.access(lab.grader, os.X_OK):
        raise SystemExit(f"mutation_test.py: no {lab.grader}: run make grader first")
    start = time.monotonic()
    shutil.rmtree(lab.out, ignore_errors=True)
    os.makedirs(lab.out)
    ref_dir = os.path.join(lab.out, "reference")
    shutil.copytree(lab.sol, ref_dir)
    ref_dumps = {n: object_dump(args.cc, ref_dir, n, lab.includes) for n in lab.files}
    if any(v is None for v in ref_dumps.values()):
        raise SystemExit("mutation_test.py: the reference does not compile")
    rc, out, _ = run([lab.grader, "--format", "verdict", "--jobs", "1", ref_dir], args.timeout)
    v = json.loads(out) if rc in (0, 1) else {}
    if rc != 0 or v.get("score") != v.get("max_score"):
        raise SystemExit(f"mutation_test.py: the reference does not get full marks (exit {rc})")
    shutil.rmtree(ref_dir)
    done = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for m in pool.map(lambda m: grade(lab, m, ref_dumps, args), chosen):
            done += 1
            if done % 10 == 0 or done == len(chosen):
                print(f"  {done}/{len(chosen)} graded", flush=True)
    secs = time.monotonic() - start
    report(lab, chosen, args, what, secs)
    return 0


def report(lab, chosen, args, what, secs):
    count = lambda st, ms=chosen: sum(1 for m in ms if m.status == st)
    built = len(chosen) - count("does not build")
    equiv, killed, surv = count("equivalent"), count("killed"), count("survived")
    odd = count("timeout") + count("error")
    denom = built - equiv
    rate = 100.0 * killed / denom if denom else 0.0
    cmd = f"tools/mutation_test.py --lab {lab.id} " + ("--all" if args.all else f"--sample {args.sample}") \
        + f" --seed {args.seed}"
    summary = (f"lab{lab.id}: {len(chosen)} mutants, {built} build, {equiv} equivalent, "
               f"{killed} killed, {surv} survived, {odd} timeout/error: "
               f"kill rate {rate:.0f}% ({killed}/{denom}) in {secs:.0f} s")
    lines = [f"# {cmd}", f"# {what} candidates; kill rate = killed / (built - equivalent)",
             summary, "", "by kind:           total  no-build  equiv  killed  survived  other"]
    for k in KINDS:
        ms = [m for m in chosen if m.kind == k]
        if ms:
            lines.append(f"  {k:<16} {len(ms):6} {count('does not build', ms):9} {count('equivalent', ms):6}"
                         f" {count('killed', ms):7} {count('survived', ms):9}"
                         f" {count('timeout', ms) + count('error', ms):6}")
    for title, st in (("survived (full marks)", "survived"), ("timeout or grader error", "timeout"),
                      ("", "error"), ("equivalent (same object code as the reference)", "equivalent")):
        ms = [m for m in chosen if m.status == st]
        if not ms:
            continue
        if title:
            lines += ["", title + ":"]
        for m in ms:
            b, a = one_line(m, lab.files[m.path])
            why = f"  ({m.status}: {m.score})" if st == "error" else ""
            lines.append(f"{m.id} {m.path}:{m.line} [{m.kind}] {m.task} {m.func}: {b}  ->  {a}{why}")
    with open(lab.out + ".txt", "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    print(summary)
    print(f"  details: {os.path.relpath(lab.out + '.txt', ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
