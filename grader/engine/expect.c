/*
 * expect.c - the checks a test makes on a call's results (expect_*), and
 * the guard zones every call_run checks around each tensor.  Each records
 * a readable failure and returns 1 on success.
 */
#define _GNU_SOURCE
#include "close.h"
#include "matrix.h"
#include "engine.h"
#include "mistakes.h"
#include "protocol.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Did the function write into the guard zones around a tensor? */
int guards_intact(call_t *c)
{
    int ok = 1;
    for (int i = 0; i < c->nargs; i++) {
        const call_arg_t *a = &c->args[i];
        if (!a->back)
            continue;
        long first = 0, last = 0;
        int hit = 0;
        for (long g = 0; g < 2 * GUARD; g++) {
            long idx = g < GUARD ? g - GUARD : (long)a->count + (g - GUARD);
            const double *cell = a->back + GUARD + idx;
            uint64_t bits;
            memcpy(&bits, cell, 8);
            if (bits != GUARD_BITS) {
                if (!hit)
                    first = idx;
                last = idx;
                hit = 1;
            }
        }
        if (hit) {
            if (first == last)
                judge_fail_why(c->j, JUDGE_WHY_OUTSIDE, "%s wrote outside %s (%zu elements): at index %ld. Check the "
                           "loop bounds and the row strides.", c->func, a->name, a->count, first);
            else
                judge_fail_why(c->j, JUDGE_WHY_OUTSIDE, "%s wrote outside %s (%zu elements): at indices %ld .. %ld. "
                           "Check the loop bounds and the row strides.", c->func, a->name,
                           a->count, first, last);
            ok = 0;
        }
    }
    return ok;
}

static const char *fmt_num(char *buf, size_t n, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, 8);
    if (bits == POISON_BITS)
        snprintf(buf, n, "(never written)");
    else
        snprintf(buf, n, "%.17g", v);
    return buf;
}

static void where(char *buf, size_t n, const char *what, size_t idx, size_t rows, size_t cols)
{
    if (rows > 1 && cols > 1)
        snprintf(buf, n, "%s[%zu][%zu]", what, idx / cols, idx % cols);
    else
        snprintf(buf, n, "%s[%zu]", what, idx);
}

static int compare(judge_t *j, const char *what, const double *got, const double *want,
                   size_t rows, size_t cols, double tol, int exact)
{
    if (!got)
        return 0;
    size_t count = rows * cols, bad = 0;
    double worst = 0.0;
    for (size_t i = 0; i < count; i++) {
        double g = got[i], w = want[i];
        int ok = values_close(g, w, exact ? 0.0 : tol); /* labs/common/close.h */
        if (isfinite(g) && isfinite(w) && fabs(g - w) > worst)
            worst = fabs(g - w);
        if (!ok) {
            if (bad < 4) {
                char at[64], gs[40], ws[40];
                where(at, sizeof at, what, i, rows, cols);
                judge_fail_why(j, JUDGE_WHY_RESULT, "%s: got %s, expected %s", at, fmt_num(gs, sizeof gs, g),
                           fmt_num(ws, sizeof ws, w));
            }
            bad++;
        }
    }
    if (bad) {
        mistakes_note_tolerance(exact ? 0.0 : tol); /* the tolerance a model must match within */
        judge_fail_why(j, JUDGE_WHY_RESULT, "%zu of %zu entries of %s (%zu x %zu) wrong; max |difference| %.3g; "
                   "tolerance %s", bad, count, what, rows, cols, worst,
                   exact ? "exact" : (tol == 1e-9 ? "1e-9 * max(1, |expected|)" : "see lab README"));
        return 0;
    }
    return 1;
}

int expect_close(judge_t *j, const char *what, const double *got, const double *want,
                 size_t rows, size_t cols, double tol)
{
    return compare(j, what, got, want, rows, cols, tol, 0);
}

int expect_exact(judge_t *j, const char *what, const double *got, const double *want,
                 size_t rows, size_t cols)
{
    return compare(j, what, got, want, rows, cols, 0.0, 1);
}

int expect_rounded(judge_t *j, const char *what, const double *got, const double *want,
                   size_t count, int decimals)
{
    if (!got)
        return 0;
    int ok = 1;
    double scale = pow(10.0, decimals);
    for (size_t i = 0; i < count; i++) {
        if (!isfinite(got[i]) || round(got[i] * scale) != round(want[i] * scale)) {
            char gs[40];
            judge_fail_why(j, JUDGE_WHY_RESULT, "%s[%zu]: got %s, the course prints %.*f", what, i,
                       fmt_num(gs, sizeof gs, got[i]), decimals, want[i]);
            mistakes_note_tolerance(0.5 * pow(10.0, -decimals));
            ok = 0;
        }
    }
    return ok;
}

int expect_inputs_unchanged(judge_t *j, const call_t *c)
{
    int ok = 1;
    for (int i = 0; i < c->nargs; i++) {
        const call_arg_t *a = &c->args[i];
        if (a->kind != ARG_IN || !a->back)
            continue;
        for (size_t k = 0; k < a->count; k++) {
            if (memcmp(&a->back[GUARD + k], &a->in[k], 8) != 0) {
                char gs[40], ws[40];
                judge_fail_why(j, JUDGE_WHY_INPUT, "%s changed its input %s: %s[%zu] was %s, is %s after the call "
                           "(inputs are const)", c->func, a->name, a->name, k,
                           fmt_num(ws, sizeof ws, a->in[k]),
                           fmt_num(gs, sizeof gs, a->back[GUARD + k]));
                ok = 0;
                break;
            }
        }
    }
    return ok;
}

int expect_return(judge_t *j, const call_t *c, long long want)
{
    if (c->ret == want)
        return 1;
    /* LAB_EARG for a call the test expects accepted: not a wrong value but a
     * rejection (the test's own hint is about the value it expected). */
    judge_fail_why(j, c->ret == LAB_EARG && want != LAB_EARG ? JUDGE_WHY_REJECTED : JUDGE_WHY_RESULT,
                   "%s returned %lld, expected %lld%s", c->func, c->ret, want,
               want == 0 ? " (LAB_OK)" : want == -1 ? " (LAB_EARG)" : "");
    return 0;
}

int expect_untouched(judge_t *j, call_t *c, const char *name)
{
    for (int i = 0; i < c->nargs; i++) {
        const call_arg_t *a = &c->args[i];
        if (strcmp(a->name, name) != 0 || !a->back)
            continue;
        for (size_t k = 0; k < a->count; k++) {
            uint64_t bits;
            memcpy(&bits, &a->back[GUARD + k], 8);
            if (bits != POISON_BITS) {
                judge_fail_why(j, JUDGE_WHY_RESULT, "%s wrote %s[%zu] although it had to reject its arguments first",
                           c->func, name, k);
                return 0;
            }
        }
        return 1;
    }
    judge_fail_why(j, JUDGE_WHY_GRADER, "grader bug: no tensor called %s in this call", name);
    return 0;
}

int call_ok(judge_t *j, call_t *c)
{
    return call_run(c) && expect_return(j, c, LAB_OK);
}

int expect_call(judge_t *j, call_t *c, int flags, const char *out, const double *want,
                size_t rows, size_t cols, double tol)
{
    int ok = call_ok(j, c) && (!(flags & EXPECT_INPUTS) || expect_inputs_unchanged(j, c)) &&
             ((flags & EXPECT_EXACT) ? expect_exact(j, out, call_output(c, out), want, rows, cols)
                                     : expect_close(j, out, call_output(c, out), want, rows, cols, tol));
    call_free(c);
    return ok;
}

void judge_fill_dyadic(rng_t *g, double *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        v[i] = ((double)rng_below(g, 33) - 16.0) / 8.0;
}

double *judge_random(judge_t *j, size_t count)
{
    double *v = mat_alloc(1, count);
    if (v)
        rng_fill_uniform(judge_rng(j), v, count, -1, 1);
    return v;
}
