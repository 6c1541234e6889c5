/*
 * tests.c - Lab 05: what the lab is (its sources and contract) and the
 * helpers its test files share (tests.h).  The tests sit beside the student's
 * file they grade:
 *   tests_merge_switch.c  merge_switch.c: merge, unmerge, switch, the plain
 *                         layer, the swap count, drift in float and its cure
 *                         (lab05.1 to lab05.7)
 *   tests_safetensors.c   safetensors.c: the adapter file with PEFT's names
 *                         and config (lab05.8 to lab05.10)
 *   questions_tests.c     merge_switch.c: the course's serving questions
 *                         (lab05.11, lab05.12)
 */
#include "tests.h"
#include "lab.h"

#include <stdlib.h>

/* call_in keeps the pointer until the call runs, so byte tensors built here
 * live in a pool freed by free_call (at the latest when the test's call is freed). */
static double *POOL[16];
static size_t N_POOL;

double *pooled(size_t n)
{
    double *d = malloc((n ? n : 1) * sizeof(double));
    if (N_POOL < 16)
        POOL[N_POOL++] = d;
    return d;
}

double *doubles_of_bytes(const unsigned char *u, size_t n)
{
    double *d = pooled(n);
    for (size_t i = 0; i < n; i++)
        d[i] = u[i];
    return d;
}

void free_call(call_t *c)
{
    call_free(c);
    while (N_POOL)
        free(POOL[--N_POOL]);
}

/* Run c, expect LAB_EARG and the named output untouched; `what` describes the case. */
void expect_rejected(judge_t *j, call_t *c, const char *out, const char *what)
{
    if (call_run(c) && !(expect_return(j, c, LAB_EARG) && (!out || expect_untouched(j, c, out))))
        judge_fail(j, "(the case was %s)", what);
    free_call(c);
}

/* A guard test (bad arguments rejected, inputs kept, a zero B, a round trip)
 * gives its points only together with a correct result, so a stub that
 * returns a constant, leaves w alone or writes zeros earns nothing: the test
 * first makes a valid call that must match the reference (the *_matches
 * helpers) and stops here if it does not. */
int needs_working(judge_t *j, const char *func)
{
    return judge_needs_working(j, func);
}

/* ------------------------------------------------------------ the lab */

JUDGE_LAB_MAIN("05", "merging, unmerging and task switching", "05-merge-switch", "merge_switch.h",
               "merge_switch.c", "safetensors.c")
