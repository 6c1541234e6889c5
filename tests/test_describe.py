#!/usr/bin/env python3
"""test_describe.py - grader/engine/describe.py, the generator of a described
lab's adapter and contract tests (`make describe-test`; make test runs it).

  - every grader/labs/NN/functions.txt parses, and the adapter names each
    function once in runner_functions[], with a signature letter per wire
    argument;
  - descriptions that break the format are refused with the line and the
    reason: an unknown kind, a shape naming no size, an example below its
    range, a rule the function cannot have, a test name over 72 characters,
    a matrix argument with no `matrix` line;
  - `gives memory` (a function that hands allocations to its caller) parses
    and reaches the judge's table;
  - records: field ranges (FIELD:KIND:LO..HI, a nested record's on its
    entry 0), example records (example FUNCTION) and texts (example W|W)
    reach the judge's table and the range hint; derived tests without them,
    and ranges where none can be, are refused;
  - a description whose types disagree with the header does not compile
    (the adapter's _Static_assert), and one that agrees does.
Closing line: "N passed, M failed".  Stdlib only.
"""
import glob
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "grader", "engine"))
import describe  # noqa: E402

sys.path.insert(0, os.path.join(ROOT, "tests"))
import test_grader as tg  # noqa: E402
from test_grader import check  # noqa: E402 - one pass/fail counter for the kit's grader tests

BUFFERS = """include lab.h
function g lab09.2 returns status
    w   inout   n
    f   in32    n
    s   real32  example 1.5 reject nan
    u   bytes   n
    n   size    range 1.. example 3
    t   text    example ab reject ""|a-b
    o   text_out cap
    cap size    = 64
    len size_out 1
    bo  bytes_out n
    ix  index   n below cap
    tests null 1, range 1
"""


# Records (structs by pointer), string lists, int64_t in and out.
RECORDS = """include lab.h
record pt_t x:int64 tag:int n:size name:char[8]
record shape_t pts:pt_t[3] k:int64
function h lab09.3 returns count int64_t
    s   record     shape_t n
    n   size       range 1.. example 2
    o   record_out pt_t 1
    t   texts      nt
    nt  size       range 1.. example 2
    r   int64      example 8 reject 0
    out int64_out  n
"""
RECORDS_H = """#pragma once
#include <stddef.h>
#include <stdint.h>
typedef struct { int64_t x; int tag; size_t n; char name[8]; } pt_t;
typedef struct { pt_t pts[3]; int64_t k; } shape_t;
int64_t h(const shape_t *s, size_t n, pt_t *o, const char *const *t, size_t nt, int64_t r, int64_t *out);
"""


def parse_text(text):
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write(text)
    try:
        return describe.parse(f.name), None
    except describe.DescError as e:
        return None, str(e)
    finally:
        os.unlink(f.name)


GOOD = """include lab.h
function f lab09.1 returns status
    x   in   n*k
    n   size range 1.. example 3
    k   size range 1..min(n,4) example 2
    s   real example 1.5 reject nan
    y   out  n
    tests null 1, range 1, edges 1, inputs 1
"""


def main():
    for path in sorted(glob.glob(os.path.join(ROOT, "grader", "labs", "*", "functions.txt"))):
        lab = describe.parse(path)
        adapter = describe.adapter_c(lab, path)
        entries = re.findall(r'\{"(\w+)", "(\w*)", \(runner_addr_t\)', adapter)
        names = [fn["name"] for fn in lab["functions"]] + [d[0] for d in lab["driver_entries"]]
        check([n for n, _ in entries] == names and
              all(len(sig) == fn["n_wire"] for (_, sig), fn in zip(entries, lab["functions"])),
              f"{os.path.relpath(path, ROOT)}: {len(names)} functions, one wrapper each")

    lab, err = parse_text(GOOD)
    check(lab is not None and "DESC_MIN(v[1].z,(uint64_t)4)" in lab["functions"][0]["wire"][2]["hi_c"],
          "a good description parses; min(n,4) becomes C", err or "")
    bad = {
        "an unknown kind": GOOD.replace("s   real", "s   float"),
        "a shape naming no size": GOOD.replace("x   in   n*k", "x   in   n*m"),
        "an example below its range": GOOD.replace("example 3", "example 0"),
        "nan without 'nan propagates'": GOOD.replace("inputs 1", "inputs 1, nan 1"),
        "a rule twice": GOOD.replace("inputs 1", "inputs 1, null 2"),
        "a rule with 0 points": GOOD.replace("inputs 1", "inputs 0"),
        "a test name over 72 characters": GOOD.replace("function f ", "function " + "f" * 60 + " "),
        "a matrix with no matrix line": GOOD.replace("    y   out  n\n", "    y   out  n\n    m   mat  n k\n"),
        "a void function with null tests": GOOD.replace("returns status", "returns void"),
        "no include line": GOOD.replace("include lab.h\n", ""),
        "a count of an unknown C type": GOOD.replace("returns status", "returns count float"),
        "notunique on an input": GOOD.replace("x   in   n*k", "x   in   n*k notunique"),
    }
    for what, text in bad.items():
        lab, err = parse_text(text)
        check(lab is None and err and re.search(r":\d+:|functions|no ", err), f"refused: {what}", err or "parsed")

    # An enum argument travels as an int, never wrapped onto a valid value; an
    # input with listed values (labels) is drawn from them in the derived tests.
    enum_text = GOOD.replace("    y   out  n\n", "    m   enum mode_t example 0 reject -1,2\n    y   out  n\n").replace(
        "x   in   n*k", "x   in   n*k values 0,1")
    lab, err = parse_text(enum_text)
    adapter = describe.adapter_c(lab, "test") if lab else ""
    functions = describe.functions_c(lab, "test") if lab else ""
    check(lab is not None and "(enum mode_t)desc_enum_(RL(" in adapter and "INT_MAX" in adapter and
          '"x", ARG_IN, "n*k", 0, 0, 0, 0, 0, {}, 0, 0, .buffer = 0, .n_values = 2, .values = {0, 1}' in functions and
          '"m", ARG_INT' in functions, "an enum argument and an input's listed values", err or adapter[-600:])
    for what, text in {"an enum without its type": enum_text.replace("enum mode_t", "enum"),
                       "values on an output": enum_text.replace("y   out  n", "y   out  n values 0,1")}.items():
        lab, err = parse_text(text)
        check(lab is None and err and re.search(r":\d+:", err), f"refused: {what}", err or "parsed")

    # "gives memory": the function hands what it allocates to its caller, so the
    # oom test does not count it as a leak; without it, the oom test's name says
    # the function frees its memory.
    given = GOOD.replace("inputs 1", "inputs 1, oom 1")
    plain, err1 = parse_text(given)
    gives, err2 = parse_text(given.replace("returns status", "returns status gives memory"))
    check(plain is not None and gives is not None and not plain["functions"][0]["gives_memory"] and
          gives["functions"][0]["gives_memory"] and
          '"f survives out of memory, frees its memory"' in describe.functions_c(plain, "test") and
          '"f survives out of memory, writes nothing"' in describe.functions_c(gives, "test") and
          "}, 0, 0, 1}," in describe.functions_c(gives, "test") and
          "}, 0, 0, 0}," in describe.functions_c(plain, "test"),
          "'gives memory' parses, is passed to the judge and keeps the leak out of the oom test's name",
          (err1 or "") + (err2 or ""))
    lab, err = parse_text(given.replace("returns status", "returns status gives"))
    check(lab is None and err, "refused: 'gives' without 'memory'", err or "parsed")

    # The description against a header: the adapter compiles only when they agree.
    with tempfile.TemporaryDirectory() as tmp:
        header = os.path.join(tmp, "lab.h")
        for proto, want in (("int f(const double *x, size_t n, size_t k, double s, double *y);", True),
                            ("int f(const double *x, size_t n, size_t k, double s, const double *y);", False),
                            ("int f(double *x, size_t n, size_t k, double s, double *y);", False)):
            with open(header, "w") as f:
                f.write("#include <stddef.h>\n" + proto + "\n")
            lab, _ = parse_text(GOOD)
            src = os.path.join(tmp, "adapter.c")
            with open(src, "w") as f:
                f.write(describe.adapter_c(lab, "test"))
            p = subprocess.run(["cc", "-std=c11", "-Wall", "-Wextra", "-Werror", "-I", tmp,
                                "-I", os.path.join(ROOT, "grader", "engine"), "-c", src, "-o",
                                os.path.join(tmp, "adapter.o")], capture_output=True, text=True)
            check((p.returncode == 0) == want and (want or "does not match" in p.stderr),
                  f"{'compiles' if want else 'refused by the compiler'}: {proto}", p.stderr[-400:])
    # The buffer kinds (runner_buffers.h) against a header with those C types.
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "lab.h"), "w") as f:
            f.write("#include <stddef.h>\nint g(double *w, const float *f, float s, const unsigned char *u, "
                    "size_t n, const char *t, char *o, size_t cap, size_t *len, unsigned char *bo, "
                    "const size_t *ix);\n")
        lab, err = parse_text(BUFFERS)
        src = os.path.join(tmp, "adapter.c")
        if lab:
            with open(src, "w") as f:
                f.write(describe.adapter_c(lab, "test"))
        p = subprocess.run(["cc", "-std=c11", "-Wall", "-Wextra", "-Werror", "-D_POSIX_C_SOURCE=200809L",
                            "-I", tmp, "-I", os.path.join(ROOT, "grader", "engine"), "-c", src, "-o",
                            os.path.join(tmp, "adapter.o")], capture_output=True, text=True) if lab else None
        check(lab is not None and p.returncode == 0 and "ARG_out" not in (err or "") and
              [a["name"] for a in lab["functions"][0]["wire"]][:2] == ["w", "w_out"],
              "buffer kinds (inout, in32, real32, bytes, text, text_out, size_out, bytes_out, index) compile",
              (err or "") + (p.stderr[-400:] if p else ""))
    with tempfile.TemporaryDirectory() as tmp:
        for header, want in ((RECORDS_H, True), (RECORDS_H.replace("name[8]", "name[9]"), False)):
            with open(os.path.join(tmp, "lab.h"), "w") as f:
                f.write(header)
            lab, err = parse_text(RECORDS)
            p = None
            if lab:
                for name, text in (("adapter.c", describe.adapter_c(lab, "test")),
                                   ("records.h", describe.records_h(lab, "test"))):
                    with open(os.path.join(tmp, name), "w") as f:
                        f.write(text)
                p = subprocess.run(["cc", "-std=c11", "-Wall", "-Wextra", "-Werror", "-D_POSIX_C_SOURCE=200809L",
                                    "-I", tmp, "-I", os.path.join(ROOT, "grader", "engine"), "-c",
                                    os.path.join(tmp, "adapter.c"), "-o", os.path.join(tmp, "adapter.o")],
                                   capture_output=True, text=True)
            wire = [(a["name"], a["shape"]) for a in lab["functions"][0]["wire"]] if lab else []
            check(lab is not None and (p.returncode == 0) == want and
                  (want or "length is not the header's" in p.stderr) and
                  ("s", "(n)*34") in wire and ("o", "(1)*11") in wire,
                  "record, record_out, texts, int64, int64_out " +
                  ("compile (34 and 11 doubles a record)" if want else "refused: a char[N] of another length"),
                  (err or "") + (p.stderr[-400:] if p else ""))
    # Record fields with ranges, example records and texts: the derived tests' input.
    ranged = RECORDS.replace("x:int64 tag:int n:size", "x:int64:1.. tag:int:0..2 n:size:0..5")
    derived = ranged.replace("shape_t n\n", "shape_t n example fill_shape\n").replace(
        "texts      nt\n", "texts      nt example a.b|c\n") + "    tests null 1, range 1, edges 1, inputs 1\n"
    for what, text in {"a record of an undeclared type": RECORDS.replace("record_out pt_t", "record_out pq_t"),
                       "a field of an unknown kind": RECORDS.replace("tag:int", "tag:float"),
                       "char without a length": RECORDS.replace("name:char[8]", "name:char"),
                       "an index without its bound": BUFFERS.replace("index   n below cap", "index   n"),
                       "derived tests with no example records": derived.replace(" example fill_shape", ""),
                       "derived tests with no example texts": derived.replace(" example a.b|c", ""),
                       "a range on a char field": ranged.replace("name:char[8]", "name:char[8]:0..1"),
                       "an empty field range": ranged.replace("tag:int:0..2", "tag:int:3..2")}.items():
        lab, err = parse_text(text)
        check(lab is None and err and re.search(r":\d+:", err), f"refused: {what}", err or "parsed")
    lab, err = parse_text(derived)
    functions = describe.functions_c(lab, "test") if lab else ""
    s_arg = lab["functions"][0]["wire"][0] if lab else {}
    check(lab is not None and s_arg.get("ranges") == [("pts[0].x", 0, 1, None), ("pts[0].tag", 1, 0, 2),
                                                     ("pts[0].n", 2, None, 5)] and
          "fn_fill_t fill_shape;" in functions and ".fill = fill_shape" in functions and
          '.words = {"a.b", "c"}' in functions and "the fields of s: pts[].x >= 1; pts[].tag in 0..2; "
          "pts[].n <= 5" in describe.test_hint(lab["functions"][0], "range"),
          "record field ranges, example records and texts reach the judge's table and the hints",
          err or functions[-1200:])
    # An index argument: const size_t *, its bound in shapes()' max[], a range test.
    lab, err = parse_text(BUFFERS)
    functions = describe.functions_c(lab, "test") if lab else ""
    ix = [(i, a) for i, a in enumerate(lab["functions"][0]["wire"]) if a["name"] == "ix"] if lab else []
    check(ix and ix[0][1]["buffer"] == "x" and f"max[{ix[0][0]}] = v[" in functions and ".index = 1" in functions and
          "every entry of ix below cap" in describe.test_hint(lab["functions"][0], "range"),
          "an index argument: drawn below its bound, rejected at it (range)", err or functions[-800:])
    print(f"{tg.PASSED} passed, {tg.FAILED} failed")
    return 1 if tg.FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
