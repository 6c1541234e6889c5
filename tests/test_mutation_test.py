#!/usr/bin/python3
"""test_mutation_test.py - tools/mutation_test.py makes the mutants it says, only inside the
solution regions, and its equivalence check tells a changed constant apart.

Usage: tests/test_mutation_test.py   (exit 0: passed)
"""
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
import mutation_test as mutate  # noqa: E402

SRC = r'''#include "lab.h"
static int outside(int n) { return n < 3; }
int f(const double *x, size_t r, double *y)
{
    /* BEGIN SOLUTION lab99.1 */
    LAB_REQUIRE(x && y, "a pointer argument is NULL (n < 1)");
    LAB_REQUIRE(r > 0,
                "r must be >= 1");
    for (size_t i = 0; i < r; i++)
        y[i] = -x[i] * 0.5;   /* i <= r in a comment */
    if (!y) return 1;
    return LAB_OK;
    /* END SOLUTION lab_todo("lab99.1", "f", x, r, y); */
}
'''

failures = []


def check(what, ok):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def mutants_of(src):
    regions = mutate.solution_regions(src)
    out = mutate.candidates("f.c", src, [(a, b) for a, b, _ in regions], set())
    for m in out:
        mutate.describe(m, src, regions)
    return out


def main():
    ms = mutants_of(SRC)
    after = {(m.kind, mutate.one_line(m, SRC)[1]) for m in ms}
    check("r > 0 becomes r >= 0", ("rel", 'LAB_REQUIRE(r >= 0,') in after)
    check("&& becomes ||", ("logical", 'LAB_REQUIRE(x || y, "a pointer argument is NULL (n < 1)");') in after)
    check("i++ becomes i--", ("incdec", "for (size_t i = 0; i < r; i--)") in after)
    check("unary minus deleted", ("unary", "y[i] = x[i] * 0.5; /* i <= r in a comment */") in after)
    check("0.5 becomes 0.0", ("const", "y[i] = -x[i] * 0.0; /* i <= r in a comment */") in after)
    check("* becomes /", ("arith", "y[i] = -x[i] / 0.5; /* i <= r in a comment */") in after)
    check("! deleted", ("unary", "if (y) return 1;") in after)
    check("return LAB_OK becomes return -1", ("return", "return -1;") in after)
    dels = [m for m in ms if m.kind == "stmt"]
    check("a two-line LAB_REQUIRE is deleted whole, its newline kept",
          any(m.new == ";\n" and SRC[m.start:m.end].startswith("LAB_REQUIRE(r > 0,") for m in dels))
    check("the guard `if (!y) return 1;` is deleted whole",
          any(SRC[m.start:m.end] == "if (!y) return 1;" for m in dels))
    check("the assignment in the loop body is deleted", any(SRC[m.start:m.end].startswith("y[i] =") for m in dels))
    check("every mutant is inside the solution region",
          all(SRC.index("BEGIN SOLUTION") < m.start and m.end < SRC.index("END SOLUTION") for m in ms))
    skipped = [(SRC.index(t), SRC.index(t) + len(t)) for t in ('"a pointer argument is NULL (n < 1)"',
                                                              "/* i <= r in a comment */")]
    check("nothing inside a comment or a string is mutated",
          not any(a <= m.start < b for m in ms if m.kind != "stmt" for a, b in skipped))
    check("nothing outside the region is mutated (outside()'s n < 3)",
          not any(m.start < SRC.index("BEGIN SOLUTION") for m in ms))
    check("the task and function are named", all(m.task == "lab99.1" and m.func == "f" for m in ms))
    picked = mutate.sample(ms, 8, 7, mutate.KINDS)
    check("a sample is stratified: 8 mutants of 8 kinds", sorted({m.kind for m in picked}) == sorted(mutate.KINDS))
    check("a sample repeats for the same seed",
          [m.key() for m in picked] == [m.key() for m in mutate.sample(mutants_of(SRC), 8, 7, mutate.KINDS)])

    # Equivalence: the same source gives the same dump; a constant that lives
    # in .rodata (the code only loads it) still makes the dumps differ.
    tmp = tempfile.mkdtemp(prefix="test-mutate-")
    try:
        dumps = []
        for i, body in enumerate(["x * 0.5", "x * 0.5", "x * 0.25"]):
            d = os.path.join(tmp, str(i))
            os.makedirs(d)
            with open(os.path.join(d, "g.c"), "w") as f:
                f.write("double g(double x) { return %s; }\n" % body)
            dumps.append(mutate.object_dump(os.environ.get("CC", "cc"), d, "g.c", []))
        check("the same source compiles to the same dump", dumps[0] is not None and dumps[0] == dumps[1])
        check("0.5 -> 0.25 (a .rodata constant) is not equivalent", dumps[0] != dumps[2])
    finally:
        shutil.rmtree(tmp)
    print("test_mutation_test: %s" % ("passed" if not failures else "%d failed" % len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
