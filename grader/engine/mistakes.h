/*
 * mistakes.h - naming the mistake behind a failed test.
 *
 * Every deliberately broken solution of the kit that computes a wrong result
 * (a grader/broken/NN/NAME.mut with a `mistake:` line) is compiled into the lab's
 * judge as a mistake model: the mutated solution and the lab's adapter, its
 * runner_functions[] table renamed (grader/engine/grader.mk, tools/apply_mut.py).  The
 * judge never runs student code in its own process, and models are the kit's
 * code, not the student's; they still run only in a forked child with time
 * and memory limits, because a model of a mistake may crash or loop.
 *
 * While a test runs, call.c records each call that ran to completion (its
 * arguments, the input tensors before the call, and everything the student's
 * code gave back).  When the test fails, mistakes_diagnose() replays those
 * calls on every model and on the reference.  A model is named, in a line
 * "diagnosis: <its mistake>", only when its outputs match the student's on
 * every recorded call within the failing check's tolerance and differ from
 * the reference's on at least one: a diagnosis is an output match, never a
 * guess.
 */
#ifndef LORALAB_MISTAKES_H
#define LORALAB_MISTAKES_H

#include <stddef.h>
#include <stdint.h>

#include "judge.h"
#include "runner.h"

typedef struct {
    const char *name;             /* "wrong-scaling": grader/broken/NN/wrong-scaling.mut */
    const char *mistake;          /* "the adapter term is scaled by alpha instead of alpha / r" */
    const char *hint;             /* what to change */
    const runner_fn_t *functions; /* the mutant's runner_functions[] */
    int generic;                  /* a stub ("returns without computing anything"): named
                                     only when no specific mistake matches */
    const char *affects;          /* " f g ": the functions the mutation may change (edited
                                     ones and their callers); NULL: any of them */
} mistake_model_t;

/* Generated per lab (build/labNN/models/table.c); absent (weak) in a judge
 * built without models, which then never diagnoses. */
extern const mistake_model_t mistake_models[] __attribute__((weak));
extern const size_t mistake_model_count __attribute__((weak));

/* One argument of a completed call, as call.c hands it over; pointers are
 * only read during mistakes_record(), which copies what it keeps. */
typedef struct {
    char kind;            /* enum arg_kind */
    size_t count;         /* tensors: doubles */
    const double *before; /* ARG_IN: the values sent */
    const double *after;  /* ARG_IN, ARG_OUT: what came back (no guards) */
    uint64_t z;
    double d;
    int64_t l;
} mistake_arg_t;

/* Caps on what one test records and on what replaying costs.  Calls past
 * the caps are not recorded: a diagnosis then rests on the calls that were
 * (still an output match, on fewer calls).  The wall-clock caps grow with
 * the machine's load (machine_load_factor), as the runner's limits do. */
#define MISTAKES_MAX_CALLS 48
#define MISTAKES_MAX_BYTES ((size_t)48 << 20)   /* copies of tensors kept per test */
#define MISTAKES_MAX_SHOWN 3                    /* diagnoses printed per test */
#define MISTAKES_TEST_SECONDS 3.0               /* all models of one test, wall clock */
#define MISTAKES_MODEL_FLOOR 0.25               /* seconds per model + 20 x the reference's time */
#define MISTAKES_MEMORY ((size_t)512 << 20)     /* data a model may add */

/* Hook, call.c: a call that ran to completion (ret: its return value;
 * ref_seconds: the reference's CPU time on it, or < 0 if unknown). */
void mistakes_record(const char *func, const mistake_arg_t *args, int nargs, long long ret,
                     double ref_seconds);
/* Hook, call.c: a check failed; tol is its tolerance (0 for exact). */
void mistakes_note_tolerance(double tol);
/* The calls recorded forgotten (their copies freed): before each test. */
void mistakes_reset(void);
/* Hook, judge.c: the test failed; add its diagnosis lines (if any) to j. */
void mistakes_diagnose(judge_t *j);

#endif
