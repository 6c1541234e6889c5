/*
 * judge.h - the grading engine as a lab's test table sees it.
 *
 * A lab's grader (the .c files of grader/labs/NN/) is a set of named,
 * weighted tests, each written with TEST() (test.h), and a main() in tests.c
 * that hands the lab to judge_main_registered(), which calls judge_main().
 * A test builds calls to the student's functions, runs each in a fresh
 * sandboxed runner process, and checks what comes back against the reference
 * solution, which is linked into the judge and never into the runner.
 */
#ifndef LORALAB_JUDGE_H
#define LORALAB_JUDGE_H

#include <stddef.h>
#include <stdint.h>

#include "kitio.h"
#include "rng.h"

typedef struct judge judge_t;
typedef struct call call_t;

/* Longest test name: the text report keeps one line per test. */
#define JUDGE_MAX_NAME 72

typedef struct {
    const char *task;   /* "lab02.1": the TODO, README and stub carry it too */
    const char *name;   /* reads as a sentence: "zero B gives exactly the base layer" */
    int points;
    const char *hint;   /* what must hold: shown for a wrong value of its own checks (JUDGE_WHY_RESULT) */
    void (*run)(judge_t *j);
} judge_test_t;

typedef struct {
    const char *id;                 /* "02" */
    const char *title;              /* "the LoRA forward pass" */
    const char *dir;                /* "02-forward-pass" (under labs/) */
    const char *const *sources;     /* files the student submits, NULL-terminated */
    const char *header;             /* the contract, force-included when compiling */
    const judge_test_t *tests;
    size_t n_tests;
} judge_lab_t;

int judge_main(int argc, char **argv, const judge_lab_t *lab);

/* This test's random stream: seeded from --seed and the test's name, so a
 * test draws the same numbers whatever runs before it. */
rng_t *judge_rng(judge_t *j);

/* The reference's messages about rejected arguments (stderr) kept off the
 * terminal while the judge runs it: a test that calls the reference itself
 * on arguments it must reject wraps the call in these (call.c).
 * stderr_silence returns what stderr_restore needs. */
int stderr_silence(void);
void stderr_restore(int saved);

/* Mark the running test failed and add a line to its report (printf-style).
 * The line is a failure of the test's own checks (a wrong value, a wrong
 * return value: JUDGE_WHY_RESULT), whose hint is the test's own, unless it
 * starts with '(': then it is the context of the failure above it (the case's
 * sizes, say) and gives no reason of its own.  The engine records its own
 * reasons (a crash, a changed input, ...) with theirs (judge_why below). */
void judge_fail(judge_t *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int judge_failed(const judge_t *j);

/* Why a test failed, a bit each (judge_why: every reason its lines gave).
 * The report shows the test's own hint only for JUDGE_WHY_RESULT (or when no
 * line gave a reason); every other reason has a hint of its own, true for
 * that reason whatever the test (report.c). */
enum {
    JUDGE_WHY_RESULT = 1u << 0,   /* a check of the test: a wrong value or return value */
    JUDGE_WHY_REJECTED = 1u << 1, /* LAB_EARG returned for a call the test expects accepted */
    JUDGE_WHY_WORKING = 1u << 2,  /* the valid call a guard test makes first failed (judge_needs_working) */
    JUDGE_WHY_STUB = 1u << 3,     /* the skeleton's stub is still there */
    JUDGE_WHY_MISSING = 1u << 4,  /* the function is not defined */
    JUDGE_WHY_CRASH = 1u << 5,    /* a signal, or no answer */
    JUDGE_WHY_OUTSIDE = 1u << 6,  /* read or wrote outside a tensor (guard zone or guard page) */
    JUDGE_WHY_INPUT = 1u << 7,    /* changed an input tensor */
    JUDGE_WHY_TIME = 1u << 8,     /* a call's time limit, the CPU limit or the submission's budget */
    JUDGE_WHY_EXIT = 1u << 9,     /* exit() instead of returning */
    JUDGE_WHY_SYSCALL = 1u << 10, /* a forbidden system call */
    JUDGE_WHY_FLOOD = 1u << 11,   /* printed too much */
    JUDGE_WHY_CHANNEL = 1u << 12, /* the grader's channel (stdin, fd 3, fd 4) used or broken */
    JUDGE_WHY_LEAK = 1u << 13,    /* memory still allocated when the call returned */
    JUDGE_WHY_GRADER = 1u << 14,  /* the grader's own error (the run exits 2) */
    JUDGE_WHY_BUILD = 1u << 15,   /* not run: the submission did not build */
};
unsigned judge_why(const judge_t *j);

/* A guard test (bad arguments rejected, inputs kept, ...) gives its points
 * only together with a correct result, so a stub that returns a constant or
 * writes zeros earns nothing: it first makes a valid call that must match the
 * reference, then calls this.  1 if no check has failed so far; else a line
 * saying this test's points need a working func, and 0 (stop the test).  The
 * failures so far were the valid call's: their wrong values count as
 * JUDGE_WHY_WORKING, not as this test's own (its hint is about its guard). */
int judge_needs_working(judge_t *j, const char *func);

/* A data file under the kit's data/ folder (for example "lab02/worked-examples.txt"),
 * read once per test; NULL (and the run exits 2) if it cannot be read. */
const kit_file_t *judge_data(judge_t *j, const char *relpath);
/* The kit's root folder (data/, labs/), for data files in a lab's own format. */
const char *judge_root(void);
/* The grader itself went wrong (a data file missing, say): the test fails and
 * the run exits 2, so nobody mistakes it for the student's score. */
void judge_internal_error(void);

/* The data of tensor `name` in f if it is (rows, cols), else NULL (grader error). */
const double *judge_tensor(judge_t *j, const kit_file_t *f, const char *name,
                           size_t rows, size_t cols);

/* --- calls into student code --- */
call_t *call_new(judge_t *j, const char *func);
/* call_in keeps the pointer, not a copy: data must stay valid until call_free(c). */
void call_in(call_t *c, const char *name, const double *data, size_t count);
void call_null(call_t *c, const char *name);
void call_out(call_t *c, const char *name, size_t count);
void call_size(call_t *c, const char *name, size_t v);
void call_real(call_t *c, const char *name, double v);
void call_int(call_t *c, const char *name, long long v); /* int, long long, uint64_t seeds */
/* Run it.  Returns 1 when the function returned normally and wrote nothing
 * outside its tensors; otherwise records why the test failed and returns 0. */
int call_run(call_t *c);
const double *call_output(call_t *c, const char *name);
long long call_return(const call_t *c);
/* The student code's captured stdout+stderr (NUL-terminated, maybe cut). */
const char *call_printed(const call_t *c);
/* For speed tests.  call_repeat (before call_run): the runner calls the
 * function n times in a row (at most 1000, protocol.h's REPEAT_MAX; the answer is the last
 * call's; its time limit grows n-fold, and with the machine's load).  call_cpu_seconds (after call_run):
 * the CPU time, user + system in seconds, the sandboxed runner process spent
 * on the call, as the kernel counts it (the runner's CPU clock before and
 * after; wait4 if the call ended it): the copying of the tensors is in it,
 * and the runner's start-up when the call is the first of its runner (the
 * test's first call, or the first after a call that ended the runner);
 * student code cannot forge it, and a busy machine changes it far less than
 * wall time.  Two calls after the first, with n + 1 and with 1 repetitions,
 * differ by n calls' work and nothing else (grader/labs/08/tests.c measures
 * so, after a call that starts the runner). */
void call_repeat(call_t *c, unsigned n);
double call_cpu_seconds(const call_t *c);
void call_free(call_t *c);
/* The end of a checked call: when ok is 0, the case's context (fmt, as
 * judge_fail) goes under the failure; then c is freed.  Returns ok:
 *     return call_end(j, c, ok, "(d = %zu, r = %zu)", d, r); */
int call_end(judge_t *j, call_t *c, int ok, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* --- checks: each records a readable failure and returns 1 on success --- */
/* |got - want| <= tol * max(1, |want|) everywhere; NaN matches NaN, an
 * infinity matches the same infinity.  Prints the first mismatches, the
 * largest difference and the tolerance. */
int expect_close(judge_t *j, const char *what, const double *got, const double *want,
                 size_t rows, size_t cols, double tol);
/* Rounded to `decimals` places, got equals want (for numbers a text prints). */
int expect_rounded(judge_t *j, const char *what, const double *got, const double *want,
                   size_t count, int decimals);
/* Bit-for-bit equality (up to the sign of zero). */
int expect_exact(judge_t *j, const char *what, const double *got, const double *want,
                 size_t rows, size_t cols);
/* Every tensor passed with call_in() is unchanged after the call. */
int expect_inputs_unchanged(judge_t *j, const call_t *c);
int expect_return(judge_t *j, const call_t *c, long long want);
/* Output tensor `name` was not written at all (every entry still poisoned). */
int expect_untouched(judge_t *j, call_t *c, const char *name);

/* --- the usual check of a call (build one from values: call_described, describe.h) ---
 * call_ok: run c and expect it to return LAB_OK.
 * expect_call: call_ok, then (flags) the inputs unchanged, then output `out`
 * within tol of want (rows, cols), or bit for bit with EXPECT_EXACT; frees c
 * either way.  1 when all held. */
int call_ok(judge_t *j, call_t *c);
#define EXPECT_INPUTS 1 /* every input tensor unchanged (expect_inputs_unchanged) */
#define EXPECT_EXACT 2  /* expect_exact instead of expect_close (tol is ignored) */
int expect_call(judge_t *j, call_t *c, int flags, const char *out, const double *want,
                size_t rows, size_t cols, double tol);
/* Multiples of 1/8 in [-2, 2]: every product and sum of a few hundred of
 * them is exact in double, in any order (tests that want bit-for-bit results). */
void judge_fill_dyadic(rng_t *g, double *v, size_t n);
/* A new tensor of count doubles drawn uniform in [-1, 1) from judge_rng(j),
 * in order (rng_fill_uniform); free() it.  NULL if memory runs out. */
double *judge_random(judge_t *j, size_t count);

#endif
