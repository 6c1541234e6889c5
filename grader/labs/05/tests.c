/*
 * tests.c - Lab 05's hidden tests: merge, unmerge, switch, the plain layer,
 * the swap count, drift in float and its cure, and the safetensors adapter
 * file with PEFT's names and config.
 *
 * Expected values come from the reference solution linked into this judge
 * (never into the runner), except the course's lifecycle numbers (W_A, W_A x,
 * the swap of 32 against 16) and GPT-3's counts, which are course numbers
 * and are marked so.  Random cases draw from judge_rng(): seed printed,
 * --seed N.  The drift tests call the *_cycles entries of adapter.c, which
 * run the student's switch thousands of times inside one runner.
 */
#include "judge.h"
#include "lifecycle_example.h"
#include "matrix.h"
#include "merge_switch.h"
#include "safetensors.h"

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TOL 1e-9

/* call_in keeps the pointer until the call runs, so byte tensors built here
 * live in a pool freed by free_call (each test runs in its own process). */
static double *POOL[16];
static size_t N_POOL;

static double *pooled(size_t n)
{
    double *d = malloc((n ? n : 1) * sizeof(double));
    if (N_POOL < 16)
        POOL[N_POOL++] = d;
    return d;
}

static double *doubles_of_bytes(const unsigned char *u, size_t n)
{
    double *d = pooled(n);
    for (size_t i = 0; i < n; i++)
        d[i] = u[i];
    return d;
}

static void free_call(call_t *c)
{
    call_free(c);
    while (N_POOL)
        free(POOL[--N_POOL]);
}

/* ------------------------------------------------------------ helpers */

typedef struct {
    size_t d_in, d_out, r;
    double alpha;
    double *w0, *bias, *a1, *b1, *a2, *b2, *a3, *b3; /* three tasks */
} prob_t;

static void prob_random(judge_t *j, prob_t *p, size_t d_in, size_t d_out, size_t r)
{
    rng_t *g = judge_rng(j);
    p->d_in = d_in, p->d_out = d_out, p->r = r;
    p->alpha = rng_uniform_range(g, 0.5, 32.0);
    p->w0 = mat_alloc(d_out, d_in), p->bias = mat_alloc(1, d_out);
    p->a1 = mat_alloc(r, d_in), p->b1 = mat_alloc(d_out, r);
    p->a2 = mat_alloc(r, d_in), p->b2 = mat_alloc(d_out, r);
    rng_fill_uniform(g, p->w0, d_out * d_in, -1, 1);
    rng_fill_uniform(g, p->bias, d_out, -1, 1);
    rng_fill_uniform(g, p->a1, r * d_in, -0.5, 0.5);
    rng_fill_uniform(g, p->b1, d_out * r, -0.5, 0.5);
    rng_fill_uniform(g, p->a2, r * d_in, -0.5, 0.5);
    rng_fill_uniform(g, p->b2, d_out * r, -0.5, 0.5);
    p->a3 = mat_alloc(r, d_in), p->b3 = mat_alloc(d_out, r);
    rng_fill_uniform(g, p->a3, r * d_in, -0.5, 0.5);
    rng_fill_uniform(g, p->b3, d_out * r, -0.5, 0.5);
}

static void prob_free(prob_t *p)
{
    free(p->w0), free(p->bias), free(p->a1), free(p->b1), free(p->a2), free(p->b2);
    free(p->a3), free(p->b3);
}

static void lifecycle(prob_t *p)
{
    p->d_in = p->d_out = LIFE_D, p->r = LIFE_R, p->alpha = LIFE_ALPHA;
    p->w0 = mat_dup(LIFE_W0, 4, 4), p->bias = mat_alloc(1, 4);
    p->a1 = mat_dup(LIFE_A_A, 2, 4), p->b1 = mat_dup(LIFE_B_A, 4, 2);
    p->a2 = mat_dup(LIFE_A_B, 2, 4), p->b2 = mat_dup(LIFE_B_B, 4, 2);
    p->a3 = mat_dup(LIFE_A_A, 2, 4), p->b3 = mat_dup(LIFE_B_A, 4, 2);
}

static const size_t SHAPES[][3] = {{7, 5, 3}, {16, 24, 4}, {33, 9, 8}};

/* lora_merge / lora_unmerge: w comes in, w_out comes back. */
static call_t *student_inplace(judge_t *j, const char *fn, const double *w, const double *a,
                               const double *b, const prob_t *p)
{
    call_t *c = call_new(j, fn);
    call_in(c, "w", w, p->d_out * p->d_in);
    call_in(c, "a", a, p->r * p->d_in);
    call_in(c, "b", b, p->d_out * p->r);
    call_size(c, "d_in", p->d_in), call_size(c, "d_out", p->d_out), call_size(c, "r", p->r);
    call_real(c, "alpha", p->alpha);
    call_out(c, "w_out", p->d_out * p->d_in);
    return c;
}

static call_t *student_switch(judge_t *j, const char *fn, const double *w, const prob_t *p,
                              double alpha_or_scale, size_t n_switches)
{
    call_t *c = call_new(j, fn);
    call_in(c, "w", w, p->d_out * p->d_in);
    call_in(c, "a1", p->a1, p->r * p->d_in), call_in(c, "b1", p->b1, p->d_out * p->r);
    call_in(c, "a2", p->a2, p->r * p->d_in), call_in(c, "b2", p->b2, p->d_out * p->r);
    call_size(c, "d_in", p->d_in), call_size(c, "d_out", p->d_out), call_size(c, "r", p->r);
    call_real(c, "alpha", alpha_or_scale);
    if (n_switches)
        call_size(c, "n_switches", n_switches);
    call_out(c, "w_out", p->d_out * p->d_in);
    return c;
}

/* The *_cycles entries of adapter.c: n switches round tasks 1, 2 (, 3). */
static call_t *student_cycles(judge_t *j, const char *fn, const double *w, const prob_t *p,
                              size_t n_tasks, double alpha_or_scale, size_t n)
{
    const size_t na = p->r * p->d_in, nb = p->d_out * p->r;
    double *a_all = pooled(3 * na), *b_all = pooled(3 * nb);
    const double *as[3] = {p->a1, p->a2, p->a3}, *bs[3] = {p->b1, p->b2, p->b3};
    for (size_t t = 0; t < n_tasks; t++) {
        memcpy(a_all + t * na, as[t], na * sizeof(double));
        memcpy(b_all + t * nb, bs[t], nb * sizeof(double));
    }
    call_t *c = call_new(j, fn);
    call_in(c, "w", w, p->d_out * p->d_in);
    call_in(c, "a_all", a_all, n_tasks * na), call_in(c, "b_all", b_all, n_tasks * nb);
    call_size(c, "n_tasks", n_tasks);
    call_size(c, "d_in", p->d_in), call_size(c, "d_out", p->d_out), call_size(c, "r", p->r);
    call_real(c, "alpha", alpha_or_scale);
    call_size(c, "n_switches", n);
    call_out(c, "w_out", p->d_out * p->d_in);
    return c;
}

/* The reference's merge W0 + s B A into a new array. */
static double *ref_merged(const prob_t *p, const double *a, const double *b)
{
    double *w = mat_dup(p->w0, p->d_out, p->d_in);
    lora_merge(w, a, b, p->d_in, p->d_out, p->r, p->alpha);
    return w;
}

/* max |got - want| / max(1, |want|) */
static double rel_err(const double *got, const double *want, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++)
        m = fmax(m, fabs(got[i] - want[i]) / fmax(1.0, fabs(want[i])));
    return m;
}

/* Run c, expect LAB_EARG and the named output untouched; `what` describes the case. */
static void expect_rejected(judge_t *j, call_t *c, const char *out, const char *what)
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
static int needs_working(judge_t *j, const char *func)
{
    if (!judge_failed(j))
        return 1;
    judge_fail(j, "(a valid call, made first, must give the reference's result: this test's points "
                  "need a working %s)", func);
    return 0;
}

/* lora_merge or lora_unmerge on a small random problem, against the reference. */
static void inplace_matches(judge_t *j, const char *fn)
{
    prob_t p;
    prob_random(j, &p, 7, 5, 3);
    double *want = mat_dup(p.w0, p.d_out, p.d_in);
    if (strcmp(fn, "lora_merge") == 0)
        lora_merge(want, p.a1, p.b1, p.d_in, p.d_out, p.r, p.alpha);
    else
        lora_unmerge(want, p.a1, p.b1, p.d_in, p.d_out, p.r, p.alpha);
    call_t *c = student_inplace(j, fn, p.w0, p.a1, p.b1, &p);
    if (call_run(c) && expect_return(j, c, LAB_OK))
        expect_close(j, "w", call_output(c, "w_out"), want, p.d_out, p.d_in, TOL);
    free_call(c);
    free(want);
    prob_free(&p);
}

/* One lora_switch from task 1 to task 2, against the reference. */
static void switch_matches(judge_t *j)
{
    prob_t p;
    prob_random(j, &p, 8, 6, 2);
    double *w = ref_merged(&p, p.a1, p.b1), *want = ref_merged(&p, p.a2, p.b2);
    call_t *c = student_switch(j, "lora_switch", w, &p, p.alpha, 0);
    if (call_run(c) && expect_return(j, c, LAB_OK))
        expect_close(j, "w (switched from task 1 to task 2)", call_output(c, "w_out"), want,
                     p.d_out, p.d_in, TOL);
    free_call(c);
    free(w), free(want);
    prob_free(&p);
}

/* ---- lab05.1 merge ---- */

static void t_merge_lifecycle(judge_t *j)
{
    /* Course numbers: W_A and W_A e1 = [1.03, 0, -0.03, 0]. */
    prob_t p;
    lifecycle(&p);
    call_t *c = student_inplace(j, "lora_merge", p.w0, p.a1, p.b1, &p);
    if (call_run(c) && expect_return(j, c, LAB_OK)) {
        const double *w = call_output(c, "w_out");
        double wx[4];
        mat_matmul(w, LIFE_X, wx, 4, 4, 1);
        if (expect_close(j, "W_A (course)", w, LIFE_W_A, 4, 4, 1e-12))
            expect_close(j, "W_A x for x = e1 (course: 1.03, 0, -0.03, 0)", wx, LIFE_W_A_X, 1, 4, 1e-12);
    }
    free_call(c);
    prob_free(&p);
}

static void t_merge_random(judge_t *j)
{
    for (size_t s = 0; s < 3 && !judge_failed(j); s++) {
        prob_t p;
        prob_random(j, &p, SHAPES[s][0], SHAPES[s][1], SHAPES[s][2]);
        double *want = ref_merged(&p, p.a1, p.b1);
        call_t *c = student_inplace(j, "lora_merge", p.w0, p.a1, p.b1, &p);
        if (call_run(c) && expect_return(j, c, LAB_OK) && expect_inputs_unchanged(j, c) &&
            !expect_close(j, "w", call_output(c, "w_out"), want, p.d_out, p.d_in, TOL))
            judge_fail(j, "(d_in = %zu, d_out = %zu, r = %zu, alpha = %g)", p.d_in, p.d_out, p.r,
                       p.alpha);
        free_call(c);
        free(want);
        prob_free(&p);
    }
}

static void t_merge_scaling(judge_t *j)
{
    prob_t p;
    prob_random(j, &p, 6, 10, 4);
    p.alpha = 1.0; /* s = 1/4: alpha alone would be 4 times too large */
    double *want = ref_merged(&p, p.a1, p.b1);
    call_t *c = student_inplace(j, "lora_merge", p.w0, p.a1, p.b1, &p);
    if (call_run(c) && expect_return(j, c, LAB_OK) &&
        !expect_close(j, "w", call_output(c, "w_out"), want, p.d_out, p.d_in, TOL))
        judge_fail(j, "(alpha = 1, r = 4: the update is B A / 4)");
    free_call(c);
    free(want);
    prob_free(&p);
}

static void t_merge_b_zero(judge_t *j)
{
    inplace_matches(j, "lora_merge");
    if (!needs_working(j, "lora_merge"))
        return;
    prob_t p;
    prob_random(j, &p, 9, 4, 2);
    memset(p.b1, 0, p.d_out * p.r * sizeof(double));
    call_t *c = student_inplace(j, "lora_merge", p.w0, p.a1, p.b1, &p);
    if (call_run(c) && expect_return(j, c, LAB_OK))
        expect_exact(j, "w (B = 0)", call_output(c, "w_out"), p.w0, p.d_out, p.d_in);
    free_call(c);
    prob_free(&p);
}

static void bad_inplace(judge_t *j, const char *fn)
{
    inplace_matches(j, fn);
    if (!needs_working(j, fn))
        return;
    prob_t p;
    prob_random(j, &p, 3, 2, 1);
    static const struct { size_t d_in, r; double alpha; const char *what; } cases[] = {
        {3, 0, 1.0, "r = 0"}, {0, 1, 1.0, "d_in = 0"}, {3, 1, NAN, "alpha = NaN"},
        {3, 1, INFINITY, "alpha = inf"}};
    for (size_t k = 0; k < 4 && !judge_failed(j); k++) {
        prob_t q = p;
        q.d_in = cases[k].d_in, q.r = cases[k].r, q.alpha = cases[k].alpha;
        call_t *c = call_new(j, fn);
        call_in(c, "w", p.w0, 6), call_in(c, "a", p.a1, 3), call_in(c, "b", p.b1, 2);
        call_size(c, "d_in", q.d_in), call_size(c, "d_out", 2), call_size(c, "r", q.r);
        call_real(c, "alpha", q.alpha);
        call_out(c, "w_out", 6);
        if (call_run(c) && !(expect_return(j, c, LAB_EARG) &&
                             expect_exact(j, "w (unchanged)", call_output(c, "w_out"), p.w0, 2, 3)))
            judge_fail(j, "(the case was %s)", cases[k].what);
        free_call(c);
    }
    if (!judge_failed(j)) {
        call_t *c = call_new(j, fn);
        call_in(c, "w", p.w0, 6), call_null(c, "a"), call_in(c, "b", p.b1, 2);
        call_size(c, "d_in", 3), call_size(c, "d_out", 2), call_size(c, "r", 1);
        call_real(c, "alpha", 1.0);
        call_out(c, "w_out", 6);
        if (call_run(c) && !(expect_return(j, c, LAB_EARG) &&
                             expect_exact(j, "w (unchanged)", call_output(c, "w_out"), p.w0, 2, 3)))
            judge_fail(j, "(the case was a = NULL)");
        free_call(c);
    }
    prob_free(&p);
}

static void t_merge_bad(judge_t *j) { bad_inplace(j, "lora_merge"); }

/* ---- lab05.2 unmerge ---- */

static void t_unmerge_random(judge_t *j)
{
    for (size_t s = 0; s < 3 && !judge_failed(j); s++) {
        prob_t p;
        prob_random(j, &p, SHAPES[s][1], SHAPES[s][0], SHAPES[s][2]);
        double *want = mat_dup(p.w0, p.d_out, p.d_in);
        lora_unmerge(want, p.a1, p.b1, p.d_in, p.d_out, p.r, p.alpha);
        call_t *c = student_inplace(j, "lora_unmerge", p.w0, p.a1, p.b1, &p);
        if (call_run(c) && expect_return(j, c, LAB_OK) && expect_inputs_unchanged(j, c) &&
            !expect_close(j, "w", call_output(c, "w_out"), want, p.d_out, p.d_in, TOL))
            judge_fail(j, "(w - s B A with d_in = %zu, d_out = %zu, r = %zu)", p.d_in, p.d_out, p.r);
        free_call(c);
        free(want);
        prob_free(&p);
    }
}

static void t_unmerge_roundtrip(judge_t *j)
{
    prob_t p;
    prob_random(j, &p, 12, 20, 4);
    double *merged = ref_merged(&p, p.a1, p.b1);
    call_t *c = student_inplace(j, "lora_merge", p.w0, p.a1, p.b1, &p);
    if (call_run(c) && expect_return(j, c, LAB_OK) &&
        expect_close(j, "w after your merge", call_output(c, "w_out"), merged, p.d_out, p.d_in, TOL)) {
        call_t *u = student_inplace(j, "lora_unmerge", call_output(c, "w_out"), p.a1, p.b1, &p);
        if (call_run(u) && expect_return(j, u, LAB_OK) &&
            !expect_close(j, "W0 after merge then unmerge", call_output(u, "w_out"), p.w0, p.d_out,
                          p.d_in, 1e-12))
            judge_fail(j, "(your merge, then your unmerge, should give W0 back)");
        call_free(u);
    }
    free_call(c);
    free(merged);
    prob_free(&p);
}

static void t_unmerge_bad(judge_t *j) { bad_inplace(j, "lora_unmerge"); }

/* ---- lab05.3 switch ---- */

static void t_switch_lifecycle(judge_t *j)
{
    prob_t p;
    lifecycle(&p);
    double *w_a = ref_merged(&p, p.a1, p.b1), *w_b = ref_merged(&p, p.a2, p.b2);
    /* Start from the course's W_A itself. */
    call_t *c = student_switch(j, "lora_switch", LIFE_W_A, &p, p.alpha, 0);
    if (call_run(c) && expect_return(j, c, LAB_OK) &&
        !expect_close(j, "W_B", call_output(c, "w_out"), w_b, 4, 4, 1e-12))
        judge_fail(j, "(W_A - B_A A_A + B_B A_B = W0 + B_B A_B, the kit's Task B of the README)");
    free_call(c);
    free(w_a), free(w_b);
    prob_free(&p);
}

static void t_switch_random(judge_t *j)
{
    for (size_t s = 0; s < 3 && !judge_failed(j); s++) {
        prob_t p;
        prob_random(j, &p, SHAPES[s][0], SHAPES[s][1], SHAPES[s][2]);
        double *w = ref_merged(&p, p.a1, p.b1), *want = ref_merged(&p, p.a2, p.b2);
        call_t *c = student_switch(j, "lora_switch", w, &p, p.alpha, 0);
        if (call_run(c) && expect_return(j, c, LAB_OK) && expect_inputs_unchanged(j, c) &&
            !expect_close(j, "w", call_output(c, "w_out"), want, p.d_out, p.d_in, TOL))
            judge_fail(j, "(expected W0 + s B2 A2 from W0 + s B1 A1; d_in = %zu, d_out = %zu, r = %zu)",
                       p.d_in, p.d_out, p.r);
        free_call(c);
        free(w), free(want);
        prob_free(&p);
    }
}

static void t_switch_same_task(judge_t *j)
{
    switch_matches(j);
    if (!needs_working(j, "lora_switch"))
        return;
    prob_t p;
    prob_random(j, &p, 8, 5, 3);
    memcpy(p.a2, p.a1, p.r * p.d_in * sizeof(double));
    memcpy(p.b2, p.b1, p.d_out * p.r * sizeof(double));
    double *w = ref_merged(&p, p.a1, p.b1);
    call_t *c = student_switch(j, "lora_switch", w, &p, p.alpha, 0);
    if (call_run(c) && expect_return(j, c, LAB_OK) &&
        !expect_exact(j, "w", call_output(c, "w_out"), w, p.d_out, p.d_in))
        judge_fail(j, "(switching to the task already merged adds s (B A - B A) = 0)");
    free_call(c);
    free(w);
    prob_free(&p);
}

static void t_switch_there_and_back(judge_t *j)
{
    switch_matches(j);
    if (!needs_working(j, "lora_switch"))
        return;
    prob_t p;
    prob_random(j, &p, 10, 14, 2);
    double *w = ref_merged(&p, p.a1, p.b1);
    call_t *c = student_cycles(j, "lora_switch_cycles", w, &p, 2, p.alpha, 2);
    if (call_run(c) && expect_return(j, c, LAB_OK) &&
        !expect_close(j, "w after 1 -> 2 -> 1", call_output(c, "w_out"), w, p.d_out, p.d_in, 1e-12))
        judge_fail(j, "(two switches must come back to task 1)");
    free_call(c);
    free(w);
    prob_free(&p);
}

static void t_switch_many_bounded(judge_t *j)
{
    switch_matches(j);
    if (!needs_working(j, "lora_switch"))
        return;
    /* The naive switch drifts round three tasks, but in double 3000 switches stay small. */
    prob_t p;
    prob_random(j, &p, 16, 12, 4);
    double *w = ref_merged(&p, p.a1, p.b1);
    call_t *c = student_cycles(j, "lora_switch_cycles", w, &p, 3, p.alpha, 3000);
    if (call_run(c) && expect_return(j, c, LAB_OK)) {
        double e = rel_err(call_output(c, "w_out"), w, p.d_out * p.d_in);
        if (!(e <= 1e-9))
            judge_fail(j, "after 3000 switches round 3 tasks (back at task 1) w is %.3g away from "
                       "W0 + s B1 A1 (a right switch in double stays below 1e-9)", e);
    }
    free_call(c);
    free(w);
    prob_free(&p);
}

static void t_switch_bad(judge_t *j)
{
    switch_matches(j);
    if (!needs_working(j, "lora_switch"))
        return;
    prob_t p;
    prob_random(j, &p, 3, 2, 1);
    p.r = 0;
    expect_rejected(j, student_switch(j, "lora_switch", p.w0, &p, 1.0, 0), NULL, "r = 0");
    p.r = 1;
    if (!judge_failed(j)) {
        call_t *c = student_switch(j, "lora_switch", p.w0, &p, NAN, 0);
        if (call_run(c) && !(expect_return(j, c, LAB_EARG) &&
                             expect_exact(j, "w", call_output(c, "w_out"), p.w0, 2, 3)))
            judge_fail(j, "(the case was alpha = NaN)");
        free_call(c);
    }
    prob_free(&p);
}

/* ---- lab05.4 plain linear layer ---- */

static call_t *student_to_linear(judge_t *j, const prob_t *p)
{
    call_t *c = call_new(j, "lora_to_linear");
    call_in(c, "w0", p->w0, p->d_out * p->d_in), call_in(c, "bias", p->bias, p->d_out);
    call_in(c, "a", p->a1, p->r * p->d_in), call_in(c, "b", p->b1, p->d_out * p->r);
    call_size(c, "d_in", p->d_in), call_size(c, "d_out", p->d_out), call_size(c, "r", p->r);
    call_real(c, "alpha", p->alpha);
    call_out(c, "w_out", p->d_out * p->d_in), call_out(c, "bias_out", p->d_out);
    return c;
}

static void t_linear_forward(judge_t *j)
{
    for (size_t s = 0; s < 3 && !judge_failed(j); s++) {
        prob_t p;
        prob_random(j, &p, SHAPES[s][0], SHAPES[s][1], SHAPES[s][2]);
        call_t *c = student_to_linear(j, &p);
        if (call_run(c) && expect_return(j, c, LAB_OK)) {
            const double *w = call_output(c, "w_out"), *bo = call_output(c, "bias_out");
            const size_t batch = 5, di = p.d_in, dn = p.d_out;
            double *x = mat_alloc(batch, di), *y = mat_alloc(batch, dn), *yu = mat_alloc(batch, dn);
            double *ba = mat_alloc(dn, di), *z = mat_alloc(batch, p.r);
            rng_fill_uniform(judge_rng(j), x, batch * di, -2, 2);
            mat_matmul(p.b1, p.a1, ba, dn, p.r, di);
            const double sc = p.alpha / (double)p.r;
            mat_matmul_nt(x, w, y, batch, di, dn); /* the plain layer */
            mat_matmul_nt(x, p.a1, z, batch, di, p.r); /* the unmerged forward */
            mat_matmul_nt(z, p.b1, yu, batch, p.r, dn);
            for (size_t t = 0; t < batch && !judge_failed(j); t++)
                for (size_t i = 0; i < dn && !judge_failed(j); i++) {
                    double base = 0, bound = 1;
                    for (size_t q = 0; q < di; q++) {
                        base += p.w0[i * di + q] * x[t * di + q];
                        bound += fabs(x[t * di + q]) * (fabs(p.w0[i * di + q]) + fabs(sc * ba[i * di + q]));
                    }
                    double plain = y[t * dn + i] + bo[i];
                    double unmerged = base + p.bias[i] + sc * yu[t * dn + i];
                    if (!(fabs(plain - unmerged) <= 1e-12 * bound))
                        judge_fail(j, "row %zu, output %zu: plain layer %.17g, unmerged %.17g "
                                   "(allowed %.3g; d_in = %zu, d_out = %zu, r = %zu)", t, i, plain,
                                   unmerged, 1e-12 * bound, di, dn, p.r);
                }
            free(x), free(y), free(yu), free(ba), free(z);
        }
        free_call(c);
        prob_free(&p);
    }
}

static void t_linear_weights(judge_t *j)
{
    prob_t p;
    prob_random(j, &p, 11, 6, 3);
    double *want = ref_merged(&p, p.a1, p.b1);
    call_t *c = student_to_linear(j, &p);
    if (call_run(c) && expect_return(j, c, LAB_OK) &&
        expect_close(j, "w_out", call_output(c, "w_out"), want, p.d_out, p.d_in, TOL))
        expect_exact(j, "bias_out", call_output(c, "bias_out"), p.bias, 1, p.d_out);
    free_call(c);
    free(want);
    prob_free(&p);
}

static void t_linear_inputs_and_bad(judge_t *j)
{
    prob_t p;
    prob_random(j, &p, 5, 7, 2);
    double *want = ref_merged(&p, p.a1, p.b1);
    call_t *c = student_to_linear(j, &p);
    if (call_run(c) && expect_return(j, c, LAB_OK) && expect_inputs_unchanged(j, c) &&
        expect_close(j, "w_out", call_output(c, "w_out"), want, p.d_out, p.d_in, TOL))
        expect_exact(j, "bias_out", call_output(c, "bias_out"), p.bias, 1, p.d_out);
    free_call(c);
    free(want);
    p.alpha = NAN;
    if (!judge_failed(j))
        expect_rejected(j, student_to_linear(j, &p), "w_out", "alpha = NaN");
    prob_free(&p);
}

/* ---- lab05.5 swap count ---- */

static int swap_is(judge_t *j, size_t di, size_t dn, size_t r, size_t m, double sw, double re)
{
    call_t *c = call_new(j, "lora_swap_count");
    call_size(c, "d_in", di), call_size(c, "d_out", dn), call_size(c, "r", r);
    call_size(c, "n_matrices", m);
    call_out(c, "swap", 1), call_out(c, "reload", 1);
    int ok = call_run(c) && expect_return(j, c, LAB_OK) &&
             expect_exact(j, "swap", call_output(c, "swap"), &sw, 1, 1) &&
             expect_exact(j, "reload", call_output(c, "reload"), &re, 1, 1);
    if (!ok)
        judge_fail(j, "(d_in = %zu, d_out = %zu, r = %zu, n_matrices = %zu)", di, dn, r, m);
    free_call(c);
    return ok;
}

static void t_swap_course(judge_t *j) { swap_is(j, 4, 4, 2, 1, LIFE_SWAP, LIFE_RELOAD); }

static void t_swap_gpt3(judge_t *j)
{
    /* Course numbers: d = 12288, r = 4, W_q and W_v in 96 layers. */
    swap_is(j, 12288, 12288, 4, 192, 37748736.0, 28991029248.0);
}

static void t_swap_random(judge_t *j)
{
    rng_t *g = judge_rng(j);
    for (int k = 0; k < 4 && !judge_failed(j); k++) {
        size_t di = 1 + rng_below(g, 5000), dn = 1 + rng_below(g, 5000), r = 1 + rng_below(g, 64),
               m = 1 + rng_below(g, 100);
        double sw, re;
        lora_swap_count(di, dn, r, m, &sw, &re);
        swap_is(j, di, dn, r, m, sw, re);
    }
}

static void t_swap_bad(judge_t *j)
{
    static const size_t cases[][4] = {{4, 4, 2, 0}, {0, 4, 2, 1}, {1u << 30, 1u << 30, 1, 1u << 24}};
    static const char *what[] = {"n_matrices = 0", "d_in = 0", "a reload count of 2^84"};
    double sw, re;
    lora_swap_count(8, 6, 2, 3, &sw, &re);
    swap_is(j, 8, 6, 2, 3, sw, re);
    if (!needs_working(j, "lora_swap_count"))
        return;
    for (int k = 0; k < 3 && !judge_failed(j); k++) {
        call_t *c = call_new(j, "lora_swap_count");
        call_size(c, "d_in", cases[k][0]), call_size(c, "d_out", cases[k][1]);
        call_size(c, "r", cases[k][2]), call_size(c, "n_matrices", cases[k][3]);
        call_out(c, "swap", 1), call_out(c, "reload", 1);
        expect_rejected(j, c, "swap", what[k]);
    }
}

/* ---- lab05.6 float switch ---- */

/* The reference's float run: n switches round n_tasks tasks from float(w). */
static void ref_f32(const prob_t *p, const double *w_in, float scale, size_t n_tasks, size_t n,
                    double *out)
{
    size_t nw = p->d_out * p->d_in, na = p->r * p->d_in, nb = p->d_out * p->r;
    const double *as[3] = {p->a1, p->a2, p->a3}, *bs[3] = {p->b1, p->b2, p->b3};
    float *w = malloc(nw * sizeof(float)), *fa = malloc(3 * na * sizeof(float)),
          *fb = malloc(3 * nb * sizeof(float));
    for (size_t i = 0; i < nw; i++) w[i] = (float)w_in[i];
    for (size_t t = 0; t < 3; t++) {
        for (size_t i = 0; i < na; i++) fa[t * na + i] = (float)as[t][i];
        for (size_t i = 0; i < nb; i++) fb[t * nb + i] = (float)bs[t][i];
    }
    for (size_t s = 0; s < n; s++) {
        size_t from = s % n_tasks, to = (s + 1) % n_tasks;
        lora_switch_f32(w, fa + from * na, fb + from * nb, fa + to * na, fb + to * nb, p->d_in,
                        p->d_out, p->r, scale);
    }
    for (size_t i = 0; i < nw; i++) out[i] = (double)w[i];
    free(w), free(fa), free(fb);
}

static void t_f32_one(judge_t *j)
{
    prob_t p;
    prob_random(j, &p, 13, 9, 4);
    float scale = (float)(p.alpha / (double)p.r);
    double *w = ref_merged(&p, p.a1, p.b1), *want = mat_alloc(p.d_out, p.d_in);
    ref_f32(&p, w, scale, 2, 1, want);
    call_t *c = student_switch(j, "lora_switch_f32", w, &p, scale, 0);
    if (call_run(c) && expect_return(j, c, LAB_OK) &&
        !expect_close(j, "w (float)", call_output(c, "w_out"), want, p.d_out, p.d_in, 1e-5))
        judge_fail(j, "(one switch in float: w += scale (p2 - p1))");
    free_call(c);
    free(w), free(want);
    prob_free(&p);
}

/* Drift of w after n switches (n even: back at task 1) from the exact W0 + s B1 A1. */
static double drift_of(const double *w, const prob_t *p, double scale_f)
{
    double m = 0;
    for (size_t i = 0; i < p->d_out; i++)
        for (size_t q = 0; q < p->d_in; q++) {
            long double s = 0;
            for (size_t k = 0; k < p->r; k++)
                s += (long double)(float)p->b1[i * p->r + k] * (long double)(float)p->a1[k * p->d_in + q];
            long double exact = (long double)(float)p->w0[i * p->d_in + q] + (long double)scale_f * s;
            m = fmax(m, (double)fabsl((long double)w[i * p->d_in + q] - exact));
        }
    return m;
}

static void t_f32_drift(judge_t *j)
{
    prob_t p;
    prob_random(j, &p, 16, 16, 4);
    float scale = (float)(p.alpha / (double)p.r);
    /* Start from the float merge of task 1 (computed in long double, rounded once). */
    double *w = mat_alloc(p.d_out, p.d_in), *ref = mat_alloc(p.d_out, p.d_in);
    for (size_t i = 0; i < p.d_out; i++)
        for (size_t q = 0; q < p.d_in; q++) {
            long double s = 0;
            for (size_t k = 0; k < p.r; k++)
                s += (long double)(float)p.b1[i * p.r + k] * (long double)(float)p.a1[k * p.d_in + q];
            w[i * p.d_in + q] = (double)(float)((long double)(float)p.w0[i * p.d_in + q] + (long double)scale * s);
        }
    ref_f32(&p, w, scale, 3, 3000, ref);
    double want = drift_of(ref, &p, scale);
    call_t *c = student_cycles(j, "lora_switch_f32_cycles", w, &p, 3, scale, 3000);
    if (call_run(c) && expect_return(j, c, LAB_OK)) {
        double got = drift_of(call_output(c, "w_out"), &p, scale);
        if (!(got >= 1e-5 && got >= want / 8 && got <= want * 8))
            judge_fail(j, "after 3000 float switches round 3 tasks the drift is %.3g; float "
                       "rounding gives %.3g (the reference) - allowed: at least 1e-5 and within a "
                       "factor of 8. Compute in float, not double.", got, want);
    }
    free_call(c);
    free(w), free(ref);
    prob_free(&p);
}

static void t_f32_bad(judge_t *j)
{
    t_f32_one(j);
    if (!needs_working(j, "lora_switch_f32"))
        return;
    prob_t p;
    prob_random(j, &p, 3, 2, 1);
    call_t *c = student_switch(j, "lora_switch_f32", p.w0, &p, INFINITY, 0);
    if (call_run(c) && !expect_return(j, c, LAB_EARG))
        judge_fail(j, "(the case was scale = inf)");
    free_call(c);
    prob_free(&p);
}

/* ---- lab05.7 drift-free switch ---- */

static call_t *student_from_base(judge_t *j, const prob_t *p)
{
    call_t *c = call_new(j, "lora_switch_from_base");
    call_in(c, "w0", p->w0, p->d_out * p->d_in);
    call_in(c, "a2", p->a2, p->r * p->d_in), call_in(c, "b2", p->b2, p->d_out * p->r);
    call_size(c, "d_in", p->d_in), call_size(c, "d_out", p->d_out), call_size(c, "r", p->r);
    call_real(c, "alpha", p->alpha);
    call_out(c, "w_out", p->d_out * p->d_in);
    return c;
}

static void t_base_one(judge_t *j)
{
    for (size_t s = 0; s < 3 && !judge_failed(j); s++) {
        prob_t p;
        prob_random(j, &p, SHAPES[s][0], SHAPES[s][1], SHAPES[s][2]);
        double *want = ref_merged(&p, p.a2, p.b2);
        call_t *c = student_from_base(j, &p);
        if (call_run(c) && expect_return(j, c, LAB_OK) && expect_inputs_unchanged(j, c) &&
            !expect_close(j, "w", call_output(c, "w_out"), want, p.d_out, p.d_in, 1e-15))
            judge_fail(j, "(w = W0 + s B_new A_new, every entry overwritten)");
        free_call(c);
        free(want);
        prob_free(&p);
    }
}

static void t_base_many(judge_t *j)
{
    prob_t p;
    prob_random(j, &p, 16, 12, 4);
    double *want = ref_merged(&p, p.a1, p.b1);
    call_t *c = student_cycles(j, "lora_switch_from_base_cycles", p.w0, &p, 3, p.alpha, 3000);
    if (call_run(c) && expect_return(j, c, LAB_OK)) {
        double e = rel_err(call_output(c, "w_out"), want, p.d_out * p.d_in);
        if (!(e <= 1e-15))
            judge_fail(j, "after 3000 re-derived switches round 3 tasks w is %.3g from W0 + s B1 A1 "
                       "(allowed 1e-15): derive from W0 every time, never add to the old w", e);
    }
    free_call(c);
    free(want);
    prob_free(&p);
}

static void t_base_bad(judge_t *j)
{
    prob_t p;
    prob_random(j, &p, 3, 2, 1);
    double *want = ref_merged(&p, p.a2, p.b2);
    call_t *good = student_from_base(j, &p);
    if (call_run(good) && expect_return(j, good, LAB_OK))
        expect_close(j, "w", call_output(good, "w_out"), want, p.d_out, p.d_in, TOL);
    free_call(good);
    free(want);
    if (!needs_working(j, "lora_switch_from_base")) {
        prob_free(&p);
        return;
    }
    p.r = 0;
    expect_rejected(j, student_from_base(j, &p), "w_out", "r = 0");
    p.r = 1, p.alpha = NAN;
    if (!judge_failed(j))
        expect_rejected(j, student_from_base(j, &p), "w_out", "alpha = NaN");
    prob_free(&p);
}

/* ---- lab05.8 encode ---- */

typedef struct {
    const char *module;
    size_t d_in, d_out, r;
    long long dtype;
    double *a, *b;
} adapter_t;

static void adapter_random(judge_t *j, adapter_t *ad, const char *module, size_t di, size_t dn,
                           size_t r, long long dtype)
{
    rng_t *g = judge_rng(j);
    ad->module = module, ad->d_in = di, ad->d_out = dn, ad->r = r, ad->dtype = dtype;
    ad->a = mat_alloc(r, di), ad->b = mat_alloc(dn, r);
    rng_fill_normal(g, ad->a, r * di, 0.3);
    rng_fill_normal(g, ad->b, dn * r, 0.3);
}

static void adapter_free(adapter_t *ad) { free(ad->a), free(ad->b); }


static call_t *student_encode(judge_t *j, const adapter_t *ad, size_t cap)
{
    size_t ml = strlen(ad->module);
    double *m = doubles_of_bytes((const unsigned char *)ad->module, ml);
    call_t *c = call_new(j, "st_encode_lora");
    call_in(c, "module", m, ml);
    call_in(c, "a", ad->a, ad->r * ad->d_in), call_in(c, "b", ad->b, ad->d_out * ad->r);
    call_size(c, "d_in", ad->d_in), call_size(c, "d_out", ad->d_out), call_size(c, "r", ad->r);
    call_int(c, "dtype", ad->dtype);
    call_size(c, "cap", cap);
    call_out(c, "buf", cap), call_out(c, "len", 1);
    return c;
}

/* The reference's file for ad (malloc'd, *len bytes). */
static unsigned char *ref_encode(const adapter_t *ad, size_t *len)
{
    size_t cap = 1024 + 8 * ad->r * (ad->d_in + ad->d_out);
    unsigned char *u = malloc(cap);
    st_encode_lora(ad->module, ad->a, ad->b, ad->d_in, ad->d_out, ad->r, ad->dtype, u, cap, len);
    return u;
}

/* The student's file as bytes (malloc'd), or NULL after a recorded failure. */
static unsigned char *student_file(judge_t *j, const adapter_t *ad, size_t *len)
{
    size_t cap = 1024 + 8 * ad->r * (ad->d_in + ad->d_out);
    call_t *c = student_encode(j, ad, cap);
    unsigned char *u = NULL;
    if (call_run(c) && !expect_return(j, c, LAB_OK))
        judge_fail(j, "(your function printed: %.300s)", call_printed(c));
    else if (!judge_failed(j)) {
        const double *d = call_output(c, "buf");
        double l = call_output(c, "len")[0];
        if (!(l >= 16 && l <= (double)cap)) {
            judge_fail(j, "len = %g is not a plausible file length (buffer %zu)", l, cap);
        } else {
            *len = (size_t)l;
            u = malloc(*len);
            for (size_t i = 0; i < *len; i++)
                u[i] = (unsigned char)d[i];
        }
    }
    free_call(c);
    return u;
}

/* The first occurrence of needle (k bytes) in hay (n bytes), or NULL. */
static const char *find_bytes(const void *hay, size_t n, const char *needle, size_t k)
{
    const char *h = hay;
    for (size_t i = 0; k <= n && i <= n - k; i++)
        if (!memcmp(h + i, needle, k))
            return h + i;
    return NULL;
}

static uint64_t le64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static void t_encode_bytes(judge_t *j)
{
    static const struct { const char *m; size_t di, dn, r; long long dt; } cases[] = {
        {"model.layers.0.self_attn.q_proj", 12, 8, 4, ST_F32}, {"v_proj", 5, 9, 2, ST_F64},
        {"encoder.block.11.layer.0.SelfAttention.o", 3, 3, 1, ST_F32}};
    for (int k = 0; k < 3 && !judge_failed(j); k++) {
        adapter_t ad;
        adapter_random(j, &ad, cases[k].m, cases[k].di, cases[k].dn, cases[k].r, cases[k].dt);
        size_t n_ref, n_got = 0;
        unsigned char *ref = ref_encode(&ad, &n_ref), *got = student_file(j, &ad, &n_got);
        if (got) {
            size_t first = 0;
            while (first < n_ref && first < n_got && ref[first] == got[first])
                first++;
            if (n_got != n_ref || first != n_ref) {
                char want_ctx[48] = "", got_ctx[48] = "";
                size_t from = first > 16 ? first - 16 : 0;
                for (size_t i = from, o = 0; i < first + 16 && o < 40; i++, o++) {
                    want_ctx[o] = i < n_ref ? (ref[i] >= 32 && ref[i] < 127 ? (char)ref[i] : '?') : '$';
                    got_ctx[o] = i < n_got ? (got[i] >= 32 && got[i] < 127 ? (char)got[i] : '?') : '$';
                    want_ctx[o + 1] = got_ctx[o + 1] = '\0';
                }
                judge_fail(j, "module %s (%s): your file (%zu bytes) first differs from the "
                           "reference (%zu bytes) at byte %zu: yours \"%s\", expected \"%s\" "
                           "('?' = not printable)", ad.module, ad.dtype ? "F64" : "F32", n_got,
                           n_ref, first, got_ctx, want_ctx);
            }
        }
        free(ref), free(got);
        adapter_free(&ad);
    }
}

static void t_encode_length(judge_t *j)
{
    adapter_t ad;
    adapter_random(j, &ad, "model.layers.3.mlp.up_proj", 10, 6, 2, ST_F32);
    size_t n = 0;
    unsigned char *u = student_file(j, &ad, &n);
    if (u) {
        uint64_t le = le64(u), be = 0;
        for (int i = 0; i < 8; i++)
            be = be << 8 | u[i];
        size_t data = 4 * ad.r * (ad.d_in + ad.d_out);
        if (le != n - 8 - data)
            judge_fail(j, "the first 8 bytes read as little-endian give N = %llu, but the file "
                       "(%zu bytes) minus 8 minus the data (%zu) is %zu%s", (unsigned long long)le,
                       n, data, n - 8 - data, be == n - 8 - data ? " (big-endian: write the low byte first)" : "");
        else if (le % 8 != 0)
            judge_fail(j, "N = %llu is not a multiple of 8: pad the header with spaces",
                       (unsigned long long)le);
    }
    free(u);
    adapter_free(&ad);
}

static void t_encode_padding(judge_t *j)
{
    /* Module lengths 1..8 give every padding length 0..7 once. */
    static const char *mods[] = {"q", "qq", "q_p", "q_pr", "q_pro", "q_proj", "a.q_pro", "a.q_proj"};
    for (int k = 0; k < 8 && !judge_failed(j); k++) {
        adapter_t ad;
        adapter_random(j, &ad, mods[k], 3, 2, 1, ST_F64);
        size_t n = 0;
        unsigned char *u = student_file(j, &ad, &n);
        if (u && n >= 8) {
            uint64_t hl = le64(u);
            if (hl % 8 != 0 || hl > n - 8)
                judge_fail(j, "module \"%s\": header length %llu is not a multiple of 8 inside the file",
                           mods[k], (unsigned long long)hl);
            else {
                size_t end = 8 + (size_t)hl;
                while (end > 8 && u[end - 1] == ' ')
                    end--;
                if (u[end - 1] != '}')
                    judge_fail(j, "module \"%s\": the header's last non-space byte is 0x%02x, not "
                               "'}': pad with spaces (0x20), not NUL", mods[k], u[end - 1]);
            }
        }
        free(u);
        adapter_free(&ad);
    }
}

/* The reference decoder, its complaints sent to /dev/null. */
static int quiet_decode(const unsigned char *u, size_t n, char *mod, double *a, size_t ca,
                        double *b, size_t cb, size_t *dims)
{
    fflush(stderr);
    int saved = dup(2), devnull = open("/dev/null", O_WRONLY);
    if (devnull >= 0)
        dup2(devnull, 2);
    int rc = st_decode_lora(u, n, mod, 256, a, ca, b, cb, dims);
    fflush(stderr);
    if (saved >= 0)
        dup2(saved, 2), close(saved);
    if (devnull >= 0)
        close(devnull);
    return rc;
}

static void t_encode_offsets(judge_t *j)
{
    adapter_t ad;
    adapter_random(j, &ad, "model.layers.7.self_attn.k_proj", 6, 10, 3, ST_F32);
    size_t n = 0;
    unsigned char *u = student_file(j, &ad, &n);
    if (u) {
        char mod[256];
        size_t dims[3];
        double *a = mat_alloc(ad.r, ad.d_in), *b = mat_alloc(ad.d_out, ad.r);
        if (quiet_decode(u, n, mod, a, ad.r * ad.d_in, b, ad.d_out * ad.r, dims) != LAB_OK) {
            /* Say which rule: find data_offsets of A. */
            const char *hdr = (const char *)u + 8;
            size_t hl = n >= 8 ? (size_t)le64(u) : 0;
            const char *o = hl <= n - 8 ? find_bytes(hdr, hl, "\"data_offsets\":[", 16) : NULL;
            judge_fail(j, "the reference cannot read your file back (%s)",
                       o && strncmp(o + 16, "0,", 2) ? "A's data_offsets do not start at 0: they "
                                                        "count from the data section, not the file"
                                                      : "offsets must count from the start of the "
                                                        "data section, A at [0, SA], B right after");
        } else {
            for (size_t i = 0; i < ad.r * ad.d_in; i++)
                ad.a[i] = (double)(float)ad.a[i];
            for (size_t i = 0; i < ad.d_out * ad.r; i++)
                ad.b[i] = (double)(float)ad.b[i];
            if (expect_exact(j, "A read back (F32)", a, ad.a, ad.r, ad.d_in))
                expect_exact(j, "B read back (F32)", b, ad.b, ad.d_out, ad.r);
        }
        free(a), free(b);
    }
    free(u);
    adapter_free(&ad);
}

static void t_encode_peft_shapes(judge_t *j)
{
    adapter_t ad;
    adapter_random(j, &ad, "transformer.h.2.attn.c_attn", 7, 11, 2, ST_F64);
    size_t n = 0;
    unsigned char *u = student_file(j, &ad, &n);
    if (u) {
        char want_a[160], want_b[160];
        snprintf(want_a, sizeof want_a, "\"base_model.model.%s.lora_A.weight\":{\"dtype\":\"F64\","
                 "\"shape\":[%zu,%zu]", ad.module, ad.r, ad.d_in);
        snprintf(want_b, sizeof want_b, "\"base_model.model.%s.lora_B.weight\":{\"dtype\":\"F64\","
                 "\"shape\":[%zu,%zu]", ad.module, ad.d_out, ad.r);
        if (!find_bytes(u, n, want_a, strlen(want_a)))
            judge_fail(j, "the header lacks %s (A is [r, d_in] = [2, 7] under PEFT's name)", want_a);
        else if (!find_bytes(u, n, want_b, strlen(want_b)))
            judge_fail(j, "the header lacks %s (B is [d_out, r] = [11, 2])", want_b);
    }
    free(u);
    adapter_free(&ad);
}

static void t_encode_roundtrip(judge_t *j)
{
    adapter_t ad;
    adapter_random(j, &ad, "model.decoder.layers.1.fc1", 9, 4, 3, ST_F64);
    ad.a[0] = 1.0 / 3.0, ad.a[1] = -0.0, ad.a[2] = 1e-310, ad.b[0] = 6.02214076e23;
    size_t n = 0;
    unsigned char *u = student_file(j, &ad, &n);
    if (u) {
        char mod[256];
        size_t dims[3];
        double *a = mat_alloc(ad.r, ad.d_in), *b = mat_alloc(ad.d_out, ad.r);
        if (quiet_decode(u, n, mod, a, ad.r * ad.d_in, b, ad.d_out * ad.r, dims) != LAB_OK)
            judge_fail(j, "the reference decoder rejects your F64 file");
        else if (memcmp(a, ad.a, ad.r * ad.d_in * 8) || memcmp(b, ad.b, ad.d_out * ad.r * 8))
            judge_fail(j, "F64 values do not come back bit for bit (write the 8 bytes of each "
                       "double, low byte first)");
        free(a), free(b);
    }
    free(u);
    adapter_free(&ad);
}

/* The student's file of a small random adapter equals the reference's. */
static void encode_matches(judge_t *j)
{
    adapter_t ad;
    adapter_random(j, &ad, "model.layers.0.self_attn.v_proj", 6, 4, 2, ST_F32);
    size_t n_ref, n_got = 0;
    unsigned char *ref = ref_encode(&ad, &n_ref), *got = student_file(j, &ad, &n_got);
    if (got && (n_got != n_ref || memcmp(got, ref, n_ref) != 0))
        judge_fail(j, "your file of a valid adapter (%zu bytes) differs from the reference's "
                   "(%zu bytes)", n_got, n_ref);
    free(ref), free(got);
    adapter_free(&ad);
}

static void t_encode_small_buffer(judge_t *j)
{
    encode_matches(j);
    if (!needs_working(j, "st_encode_lora"))
        return;
    adapter_t ad;
    adapter_random(j, &ad, "q_proj", 4, 4, 2, ST_F32);
    size_t n_ref;
    free(ref_encode(&ad, &n_ref));
    call_t *c = student_encode(j, &ad, n_ref - 1);
    if (call_run(c) && !(expect_return(j, c, LAB_EARG) && expect_untouched(j, c, "buf")))
        judge_fail(j, "(the buffer was one byte short of the %zu-byte file)", n_ref);
    free_call(c);
    adapter_free(&ad);
}

static void t_encode_bad(judge_t *j)
{
    static const struct { const char *m; long long dt; size_t r; const char *what; } cases[] = {
        {"q proj", ST_F32, 2, "a space in the module path"}, {"", ST_F32, 2, "an empty module path"},
        {"q\"x", ST_F32, 2, "a quote in the module path"}, {"q_proj", 7, 2, "dtype 7"},
        {"q_proj", ST_F64, 0, "r = 0"}};
    encode_matches(j);
    if (!needs_working(j, "st_encode_lora"))
        return;
    for (int k = 0; k < 5 && !judge_failed(j); k++) {
        adapter_t ad;
        adapter_random(j, &ad, cases[k].m, 3, 3, 2, cases[k].dt);
        ad.r = cases[k].r;
        expect_rejected(j, student_encode(j, &ad, 2048), "buf", cases[k].what);
        adapter_free(&ad);
    }
}

/* ---- lab05.9 decode ---- */

typedef struct {
    int rc;
    char module[256];
    size_t dims[3];
    double *a, *b;
} decoded_t;

#define CAP_A 256
#define CAP_B 256

static call_t *student_decode(judge_t *j, const unsigned char *u, size_t n, size_t mcap,
                              size_t ca, size_t cb)
{
    double *d = doubles_of_bytes(u, n);
    call_t *c = call_new(j, "st_decode_lora");
    call_in(c, "buf", d, n);
    call_size(c, "module_cap", mcap), call_size(c, "cap_a", ca), call_size(c, "cap_b", cb);
    call_out(c, "module", mcap), call_out(c, "a", ca), call_out(c, "b", cb), call_out(c, "dims", 3);
    return c;
}

/* Run the student's decoder on u and compare everything with the reference.
 * Returns 1 when they agree (same status; same outputs when LAB_OK). */
static int decode_agrees(judge_t *j, const unsigned char *u, size_t n, const char *what)
{
    char mod[256];
    size_t dims[3];
    double *a = mat_alloc(1, CAP_A), *b = mat_alloc(1, CAP_B);
    int want = quiet_decode(u, n, mod, a, CAP_A, b, CAP_B, dims);
    call_t *c = student_decode(j, u, n, 256, CAP_A, CAP_B);
    int ok = call_run(c);
    if (ok && call_return(c) != want) {
        judge_fail(j, "%s: returned %lld, expected %s%s%.300s", what, call_return(c),
                   want == LAB_OK ? "LAB_OK (the file is valid)" : "LAB_EARG (the file is malformed)",
                   want == LAB_OK ? "; your function printed: " : "",
                   want == LAB_OK ? call_printed(c) : "");
        ok = 0;
    } else if (ok && want != LAB_OK) {
        ok = expect_untouched(j, c, "a") && expect_untouched(j, c, "b") &&
             expect_untouched(j, c, "dims");
        if (!ok)
            judge_fail(j, "(%s: nothing may be written when the file is rejected)", what);
    } else if (ok) {
        double wd[3] = {(double)dims[0], (double)dims[1], (double)dims[2]};
        const double *gm = call_output(c, "module");
        size_t ml = strlen(mod);
        int mod_ok = 1;
        for (size_t i = 0; i <= ml; i++)
            mod_ok &= gm[i] == (double)(unsigned char)mod[i];
        ok = expect_exact(j, "dims (d_in, d_out, r)", call_output(c, "dims"), wd, 1, 3) &&
             expect_exact(j, "a", call_output(c, "a"), a, 1, dims[0] * dims[2]) &&
             expect_exact(j, "b", call_output(c, "b"), b, 1, dims[1] * dims[2]);
        if (ok && !mod_ok) {
            judge_fail(j, "module path: expected \"%s\" with its NUL", mod);
            ok = 0;
        }
        if (!ok)
            judge_fail(j, "(%s)", what);
    }
    free_call(c);
    free(a), free(b);
    return ok && !judge_failed(j);
}

/* A file from header text (padded with `pad` spaces) and data bytes. */
static unsigned char *make_file(const char *hdr, size_t pad, const unsigned char *data,
                                size_t data_len, size_t *n)
{
    size_t hl = strlen(hdr) + pad;
    *n = 8 + hl + data_len;
    unsigned char *u = malloc(*n);
    for (int i = 0; i < 8; i++)
        u[i] = (unsigned char)((uint64_t)hl >> (8 * i));
    memcpy(u + 8, hdr, strlen(hdr));
    memset(u + 8 + strlen(hdr), ' ', pad);
    if (data_len)
        memcpy(u + 8 + hl, data, data_len);
    return u;
}

/* Random data bytes (valid floats whatever they are: decoders never check values). */
static unsigned char *random_data(judge_t *j, size_t n)
{
    unsigned char *d = malloc(n ? n : 1);
    rng_t *g = judge_rng(j);
    for (size_t i = 0; i < n; i++)
        d[i] = (unsigned char)rng_below(g, 256);
    return d;
}

/* Check one hand-written header: the student must agree with the reference,
 * and (expect_ok) the reference must accept it, which guards the test itself. */
static void header_case(judge_t *j, const char *hdr, size_t data_len, int expect_ok, const char *what)
{
    if (judge_failed(j))
        return;
    size_t n;
    unsigned char *data = random_data(j, data_len), *u = make_file(hdr, 3, data, data_len, &n);
    char mod[256];
    size_t dims[3];
    double a[CAP_A], b[CAP_B];
    if ((quiet_decode(u, n, mod, a, CAP_A, b, CAP_B, dims) == LAB_OK) != expect_ok)
        judge_fail(j, "grader error: the reference %s the case %s", expect_ok ? "rejects" : "accepts", what);
    else
        decode_agrees(j, u, n, what);
    free(data), free(u);
}

/* A valid file of the reference's encoder decodes as the reference reads it. */
static int decode_works(judge_t *j)
{
    adapter_t ad;
    adapter_random(j, &ad, "model.layers.2.self_attn.o_proj", 7, 5, 3, ST_F32);
    size_t n;
    unsigned char *u = ref_encode(&ad, &n);
    decode_agrees(j, u, n, "a valid file, decoded first");
    free(u);
    adapter_free(&ad);
    return needs_working(j, "st_decode_lora");
}

#define KA "\"base_model.model.m.q.lora_A.weight\""
#define KB "\"base_model.model.m.q.lora_B.weight\""
#define GOOD_A KA ":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}"
#define GOOD_B KB ":{\"dtype\":\"F32\",\"shape\":[4,2],\"data_offsets\":[24,56]}"

static void t_decode_roundtrip(judge_t *j)
{
    static const struct { const char *m; size_t di, dn, r; long long dt; } cases[] = {
        {"model.layers.0.self_attn.q_proj", 12, 8, 4, ST_F64}, {"v", 1, 1, 1, ST_F64},
        {"a.b_c.D9", 20, 3, 5, ST_F32}};
    for (int k = 0; k < 3 && !judge_failed(j); k++) {
        adapter_t ad;
        adapter_random(j, &ad, cases[k].m, cases[k].di, cases[k].dn, cases[k].r, cases[k].dt);
        size_t n;
        unsigned char *u = ref_encode(&ad, &n);
        char what[128];
        snprintf(what, sizeof what, "the reference's %s file of module %s",
                 ad.dtype ? "F64" : "F32", ad.module);
        decode_agrees(j, u, n, what);
        free(u);
        adapter_free(&ad);
    }
}

static void t_decode_dtypes(judge_t *j)
{
    /* A is F16 [1, 4], B is BF16 [2, 1]: format facts, values exact. */
    static const unsigned char data[] = {
        0x00, 0x3E, /* F16 1.5 */ 0x00, 0xC0, /* -2 */ 0x00, 0x04, /* 2^-14 */ 0x01, 0x00, /* 2^-24 */
        0x80, 0x3F, /* BF16 1.0 */ 0x00, 0xBF /* -0.5 */};
    const char *hdr = "{" KA ":{\"dtype\":\"F16\",\"shape\":[1,4],\"data_offsets\":[0,8]},"
                      KB ":{\"dtype\":\"BF16\",\"shape\":[2,1],\"data_offsets\":[8,12]}}";
    size_t n;
    unsigned char *u = make_file(hdr, 0, data, sizeof data, &n);
    decode_agrees(j, u, n, "A in F16 and B in BF16");
    /* and a course-number check on the reference itself */
    double a[4], b[2];
    char mod[256];
    size_t dims[3];
    if (!judge_failed(j) && (quiet_decode(u, n, mod, a, 4, b, 2, dims) != LAB_OK || a[0] != 1.5 ||
                             a[1] != -2 || a[2] != ldexp(1, -14) || a[3] != ldexp(1, -24) ||
                             b[0] != 1.0 || b[1] != -0.5))
        judge_fail(j, "grader error: the reference misreads F16/BF16");
    free(u);
}

static void t_decode_python_style(judge_t *j)
{
    /* What json.dumps writes: ", " and ": ", metadata last, B before A. */
    header_case(j, "{\"base_model.model.m.q.lora_B.weight\": {\"shape\": [4, 2], \"dtype\": \"F32\", "
                   "\"data_offsets\": [24, 56]}, \"base_model.model.m.q.lora_A.weight\": {\"data_offsets\": "
                   "[0, 24], \"dtype\": \"F32\", \"shape\": [2, 3]}, \"__metadata__\": {\"format\": \"pt\"}}",
                56, 1, "a header as Python's json.dumps writes it (spaces, another key order)");
    header_case(j, "{\n  " GOOD_B ",\n\t" GOOD_A "\r\n}", 56, 1, "newlines and tabs between tokens");
    header_case(j, "{\"__metadata__\":{},\"base_model.model.m.q.lora_B.weight\":{\"dtype\":\"F32\","
                   "\"shape\":[4,2],\"data_offsets\":[0,32]}," KA ":{\"dtype\":\"F32\",\"shape\":[2,3],"
                   "\"data_offsets\":[32,56]}}", 56, 1, "B's bytes stored before A's");
}

static void t_decode_extra(judge_t *j)
{
    header_case(j, "{" GOOD_A ",\"lm_head.bias\":{\"dtype\":\"F64\",\"shape\":[],\"data_offsets\":[56,64]},"
                   GOOD_B ",\"empty\":{\"dtype\":\"F16\",\"shape\":[0,5],\"data_offsets\":[64,64]}}",
                64, 1, "a scalar and an empty tensor besides the pair");
    header_case(j, "{\"base_model.model.m\\u002eq.lora_A.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],"
                   "\"data_offsets\":[0,24]}," GOOD_B ",\"__metadata__\":{\"note\":\"tab\\there \\\"q\\\" \\u00e9\"}}",
                56, 1, "\\u escapes in a name and in metadata");
}

static void t_decode_truncated(judge_t *j)
{
    if (!decode_works(j))
        return;
    adapter_t ad;
    adapter_random(j, &ad, "model.layers.0.mlp.down_proj", 6, 5, 2, ST_F32);
    size_t n;
    unsigned char *u = ref_encode(&ad, &n);
    size_t hl = (size_t)le64(u);
    const size_t cuts[] = {0, 3, 7, 8, 9, 8 + hl / 2, 8 + hl - 1, 8 + hl, n - 5, n - 1};
    for (int k = 0; k < 10 && !judge_failed(j); k++) {
        char what[96];
        snprintf(what, sizeof what, "the file cut to %zu of its %zu bytes", cuts[k], n);
        decode_agrees(j, u, cuts[k], what);
    }
    free(u);
    adapter_free(&ad);
}

static void t_decode_header_length(judge_t *j)
{
    if (!decode_works(j))
        return;
    adapter_t ad;
    adapter_random(j, &ad, "q", 2, 2, 1, ST_F32);
    size_t n;
    unsigned char *u = ref_encode(&ad, &n);
    static const uint64_t lens[] = {0, 1u << 20, UINT64_MAX, UINT64_MAX - 7, 0x0100000000000000ull};
    for (int k = 0; k < 5 && !judge_failed(j); k++) {
        for (int i = 0; i < 8; i++)
            u[i] = (unsigned char)(lens[k] >> (8 * i));
        char what[96];
        snprintf(what, sizeof what, "a header length of %llu in a %zu-byte file",
                 (unsigned long long)lens[k], n);
        decode_agrees(j, u, n, what);
    }
    free(u);
    adapter_free(&ad);
    /* A valid header whose data bytes are all spaces: a parser that believes
     * N skips them as JSON whitespace and walks off the end of the file. */
    if (!judge_failed(j)) {
        unsigned char spaces[56];
        memset(spaces, ' ', sizeof spaces);
        size_t m;
        unsigned char *f = make_file("{" GOOD_A "," GOOD_B "}", 5, spaces, sizeof spaces, &m);
        uint64_t claim = (uint64_t)(m - 8) + 16;
        for (int i = 0; i < 8; i++)
            f[i] = (unsigned char)(claim >> (8 * i));
        decode_agrees(j, f, m, "a header length 16 bytes past the end, data bytes all spaces");
        free(f);
    }
}

static void t_decode_bad_json(judge_t *j)
{
    if (!decode_works(j))
        return;
    static const char *cases[] = {
        "{" GOOD_A "," GOOD_B,                        /* no closing brace */
        "{" GOOD_A "," GOOD_B ",}",                   /* trailing comma */
        "[" GOOD_A "," GOOD_B "]",                    /* not an object */
        "{" GOOD_A "," GOOD_B "}}",                   /* bytes after the object */
        "{'base_model.model.m.q.lora_A.weight':{}}",  /* single quotes */
        "{\"base_model.model.m.q.lora_A.weight:{\"dtype\":\"F32\"}}", /* broken string */
        "{" GOOD_A "," KB ":{\"dtype\":\"F32\",\"shape\":[4,2],\"data_offsets\":[24,56.0]}}",
        "{" GOOD_A "," KB ":{\"dtype\":\"F32\",\"shape\":[4,-2],\"data_offsets\":[24,56]}}",
        "{" GOOD_A "," KB ":{\"dtype\":F32,\"shape\":[4,2],\"data_offsets\":[24,56]}}",
        "{\"__metadata__\":{\"format\":1}," GOOD_A "," GOOD_B "}", /* non-string metadata */
        "{" GOOD_A "," KB ":{\"dtype\":\"F32\",\"shape\":[4,2],\"data_offsets\":[24,56],\"x\":1}}",
        "{" GOOD_A "," KB ":{\"dtype\":\"F32\",\"data_offsets\":[24,56]}}", /* no shape */
        "{" GOOD_A "," GOOD_A "," GOOD_B "}",        /* a name twice */
        "{\"base_model.model.m.q.lora_A.weight\\q\":{}}", /* bad escape */
        "{[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0] && !judge_failed(j); k++) {
        char what[80];
        snprintf(what, sizeof what, "malformed header number %zu", k + 1);
        header_case(j, cases[k], 56, 0, what);
    }
    /* NUL padding instead of spaces */
    if (!judge_failed(j)) {
        size_t n;
        unsigned char *data = random_data(j, 56), *u = make_file("{" GOOD_A "," GOOD_B "}", 4, data, 56, &n);
        memset(u + n - 56 - 4, 0, 4);
        decode_agrees(j, u, n, "a header padded with NUL bytes");
        free(data), free(u);
    }
}

static void t_decode_shape_size(judge_t *j)
{
    if (!decode_works(j))
        return;
    header_case(j, "{" KA ":{\"dtype\":\"F32\",\"shape\":[2,4],\"data_offsets\":[0,24]}," GOOD_B "}", 56, 0,
                "A's shape [2, 4] with 24 bytes");
    header_case(j, "{" KA ":{\"dtype\":\"F64\",\"shape\":[2,3],\"data_offsets\":[0,24]}," GOOD_B "}", 56, 0,
                "A as F64 [2, 3] in 24 bytes");
    header_case(j, "{" GOOD_A "," KB ":{\"dtype\":\"F32\",\"shape\":[4,4294967296,4294967296],"
                   "\"data_offsets\":[24,56]}}", 56, 0, "a shape whose product overflows 64 bits");
}

static void t_decode_dtype(judge_t *j)
{
    if (!decode_works(j))
        return;
    header_case(j, "{" KA ":{\"dtype\":\"F8\",\"shape\":[2,3],\"data_offsets\":[0,24]}," GOOD_B "}", 56, 0,
                "dtype F8");
    header_case(j, "{" KA ":{\"dtype\":\"f32\",\"shape\":[2,3],\"data_offsets\":[0,24]}," GOOD_B "}", 56, 0,
                "dtype f32 (names are upper case)");
    header_case(j, "{" KA ":{\"dtype\":\"I32\",\"shape\":[2,3],\"data_offsets\":[0,24]}," GOOD_B "}", 56, 0,
                "dtype I32");
}

static void t_decode_offsets(judge_t *j)
{
    if (!decode_works(j))
        return;
    header_case(j, "{" GOOD_A "," KB ":{\"dtype\":\"F32\",\"shape\":[4,2],\"data_offsets\":[24,56]}}", 40, 0,
                "B ends at 56 but the data section has 40 bytes");
    header_case(j, "{" GOOD_A "," KB ":{\"dtype\":\"F32\",\"shape\":[4,2],\"data_offsets\":[1000000,1000032]}}",
                56, 0, "B's offsets far past the end");
    header_case(j, "{" GOOD_A "," KB ":{\"dtype\":\"F32\",\"shape\":[4,2],\"data_offsets\":[16,48]}}", 48, 0,
                "A [0, 24] and B [16, 48] overlap");
    header_case(j, "{" GOOD_A "," KB ":{\"dtype\":\"F32\",\"shape\":[4,2],\"data_offsets\":[32,64]}}", 64, 0,
                "a hole between A and B");
    header_case(j, "{" GOOD_A "," GOOD_B "}", 60, 0, "4 bytes after the last tensor");
    header_case(j, "{" GOOD_A "," KB ":{\"dtype\":\"F32\",\"shape\":[4,2],\"data_offsets\":[56,24]}}", 56, 0,
                "begin > end");
    header_case(j, "{" GOOD_A "," KB ":{\"dtype\":\"F32\",\"shape\":[4,2],\"data_offsets\":[24]}}", 56, 0,
                "one offset only");
}

static void t_decode_pair(judge_t *j)
{
    if (!decode_works(j))
        return;
    header_case(j, "{" GOOD_A "}", 24, 0, "no lora_B");
    header_case(j, "{\"x\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}," GOOD_B "}", 56, 0,
                "no lora_A");
    header_case(j, "{\"base_model.model.m.k.lora_A.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],"
                   "\"data_offsets\":[0,24]}," GOOD_B "}", 56, 0, "A and B of different modules");
    header_case(j, "{" GOOD_A "," GOOD_B ",\"base_model.model.m.k.lora_A.weight\":{\"dtype\":\"F32\","
                   "\"shape\":[2,3],\"data_offsets\":[56,80]},\"base_model.model.m.k.lora_B.weight\":"
                   "{\"dtype\":\"F32\",\"shape\":[4,2],\"data_offsets\":[80,112]}}", 112, 0, "two modules");
}

static void t_decode_swapped(judge_t *j)
{
    if (!decode_works(j))
        return;
    header_case(j, "{" KA ":{\"dtype\":\"F32\",\"shape\":[3,2],\"data_offsets\":[0,24]}," KB
                   ":{\"dtype\":\"F32\",\"shape\":[2,4],\"data_offsets\":[24,56]}}", 56, 0,
                "A stored as [d_in, r] and B as [r, d_out] (the transposed layout)");
    header_case(j, "{" KA ":{\"dtype\":\"F32\",\"shape\":[6],\"data_offsets\":[0,24]}," GOOD_B "}", 56, 0,
                "A as a 1-D tensor");
}

static void t_decode_capacity(judge_t *j)
{
    if (!decode_works(j))
        return;
    adapter_t ad;
    adapter_random(j, &ad, "model.q_proj", 8, 6, 2, ST_F64);
    size_t n;
    unsigned char *u = ref_encode(&ad, &n);
    static const size_t caps[][3] = {{12, 256, 256}, {256, 15, 256}, {256, 256, 11}};
    static const char *what[] = {"module_cap 12 for a 12-byte path (no room for the NUL)",
                                 "cap_a 15 for A with 16 values", "cap_b 11 for B with 12 values"};
    for (int k = 0; k < 3 && !judge_failed(j); k++) {
        call_t *c = student_decode(j, u, n, caps[k][0], caps[k][1], caps[k][2]);
        if (call_run(c) && !(expect_return(j, c, LAB_EARG) && expect_untouched(j, c, "a") &&
                             expect_untouched(j, c, "b")))
            judge_fail(j, "(the case was %s)", what[k]);
        free_call(c);
    }
    free(u);
    adapter_free(&ad);
}

static void t_decode_fuzz(judge_t *j)
{
    /* 300 corruptions of a valid file, decoded in one runner: random
     * truncations, random bytes of the length field, and header bytes
     * replaced by random printable ASCII (so the reference's verdict is fixed
     * by the format alone).  Same status as the reference; same dims, A and B
     * when the file is still valid. */
    enum { CASES = 300, CAP = 64 };
    adapter_t ad;
    adapter_random(j, &ad, "model.layers.1.attn.q", 5, 4, 2, ST_F32);
    size_t n;
    unsigned char *u = ref_encode(&ad, &n);
    const size_t hl = (size_t)le64(u);
    rng_t *g = judge_rng(j);
    double *all = pooled(CASES * n), *lens = pooled(CASES);
    unsigned char *v = malloc(n);
    char what[CASES][96];
    int want_rc[CASES];
    size_t want_dims[CASES][3], at = 0;
    double *want_a = mat_alloc(CASES, CAP), *want_b = mat_alloc(CASES, CAP);
    for (int k = 0; k < CASES; k++) {
        memcpy(v, u, n);
        size_t m = n;
        if (k % 3 == 0) {
            m = rng_below(g, n);
            snprintf(what[k], sizeof what[k], "the file cut to %zu of %zu bytes", m, n);
        } else if (k % 3 == 1) {
            size_t p = rng_below(g, 8);
            v[p] = (unsigned char)rng_below(g, 256);
            snprintf(what[k], sizeof what[k], "byte %zu of the length set to 0x%02x", p, v[p]);
        } else {
            size_t p = 8 + rng_below(g, hl);
            v[p] = (unsigned char)(32 + rng_below(g, 95));
            snprintf(what[k], sizeof what[k], "header byte %zu set to '%c'", p, v[p]);
        }
        char mod[256];
        want_rc[k] = quiet_decode(v, m, mod, want_a + k * CAP, CAP, want_b + k * CAP, CAP, want_dims[k]);
        for (size_t i = 0; i < m; i++)
            all[at + i] = v[i];
        at += m;
        lens[k] = (double)m;
    }
    call_t *c = call_new(j, "st_decode_lora_batch");
    call_in(c, "bytes_all", all, at), call_in(c, "lens", lens, CASES);
    call_size(c, "n_cases", CASES), call_size(c, "cap", CAP);
    call_out(c, "rcs", CASES), call_out(c, "dims", 3 * CASES);
    call_out(c, "a", CASES * CAP), call_out(c, "b", CASES * CAP);
    if (call_run(c) && expect_return(j, c, LAB_OK)) {
        const double *rcs = call_output(c, "rcs"), *dims = call_output(c, "dims"),
                     *ga = call_output(c, "a"), *gb = call_output(c, "b");
        for (int k = 0; k < CASES && !judge_failed(j); k++) {
            if (rcs[k] != want_rc[k]) {
                judge_fail(j, "fuzz case %d (%s): returned %g, expected %s", k, what[k], rcs[k],
                           want_rc[k] == LAB_OK ? "LAB_OK (still a valid file)" : "LAB_EARG");
            } else if (want_rc[k] == LAB_OK) {
                const size_t *d = want_dims[k];
                if (dims[3 * k] != (double)d[0] || dims[3 * k + 1] != (double)d[1] ||
                    dims[3 * k + 2] != (double)d[2] ||
                    memcmp(ga + k * CAP, want_a + k * CAP, d[2] * d[0] * sizeof(double)) ||
                    memcmp(gb + k * CAP, want_b + k * CAP, d[1] * d[2] * sizeof(double)))
                    judge_fail(j, "fuzz case %d (%s): still valid, but dims, A or B differ from "
                               "the reference's", k, what[k]);
            }
        }
    }
    free_call(c);
    free(u), free(v), free(want_a), free(want_b);
    adapter_free(&ad);
}

/* ---- lab05.10 config ---- */

static call_t *student_config(judge_t *j, size_t r, double alpha, const char *targets, size_t cap)
{
    size_t tl = strlen(targets);
    double *t = doubles_of_bytes((const unsigned char *)targets, tl);
    call_t *c = call_new(j, "peft_config_json");
    call_size(c, "r", r), call_real(c, "alpha", alpha);
    call_in(c, "targets", t, tl);
    call_size(c, "cap", cap);
    call_out(c, "out", cap), call_out(c, "len", 1);
    return c;
}

static int config_is(judge_t *j, size_t r, double alpha, const char *targets)
{
    char want[2048];
    size_t wl = 0;
    peft_config_json(r, alpha, targets, want, sizeof want, &wl);
    call_t *c = student_config(j, r, alpha, targets, 1024);
    int ok = call_run(c) && expect_return(j, c, LAB_OK);
    if (!ok && !call_printed(c)[0] == 0)
        judge_fail(j, "(your function printed: %.300s)", call_printed(c));
    if (ok) {
        const double *o = call_output(c, "out");
        double l = call_output(c, "len")[0];
        char got[1025];
        size_t i = 0;
        for (; i < 1024 && o[i] >= 1 && o[i] <= 255; i++)
            got[i] = (char)o[i];
        got[i] = '\0';
        if (strcmp(got, want) != 0 || l != (double)wl) {
            judge_fail(j, "config text (len %g) is \"%s\"; expected (len %zu) \"%s\"", l, got, wl, want);
            ok = 0;
        }
    }
    free_call(c);
    return ok;
}

static void t_config_course(judge_t *j) { config_is(j, 8, 16, "q_proj,v_proj"); }

static void t_config_random(judge_t *j)
{
    static const char *lists[] = {"c_attn", "q_proj,k_proj,v_proj,o_proj", "query,value",
                                  "fc1,fc2,lm_head"};
    rng_t *g = judge_rng(j);
    for (int k = 0; k < 4 && !judge_failed(j); k++)
        config_is(j, 1 + rng_below(g, 256), k % 2 ? 0.5 + (double)rng_below(g, 64) : rng_uniform_range(g, 0.1, 100),
                  lists[k]);
}

static void t_config_bad(judge_t *j)
{
    static const struct { size_t r; double alpha; const char *t; size_t cap; const char *what; } cases[] = {
        {8, 16, "q_proj,,v_proj", 256, "an empty name"}, {8, 16, "", 256, "no targets"},
        {8, 0, "q_proj", 256, "alpha = 0"}, {0, 16, "q_proj", 256, "r = 0"},
        {8, 16, "q_proj,v_proj", 40, "cap 40 for an 88-byte text"}};
    config_is(j, 4, 8, "q_proj,v_proj");
    if (!needs_working(j, "peft_config_json"))
        return;
    for (int k = 0; k < 5 && !judge_failed(j); k++)
        expect_rejected(j, student_config(j, cases[k].r, cases[k].alpha, cases[k].t, cases[k].cap), "out",
                        cases[k].what);
}

/* ------------------------------------------------------------ the table */

#include "questions_tests.c" /* lab05.11, lab05.12: the course's questions */

static const judge_test_t tests[] = {
    {"lab05.1", "course lifecycle: merging Task A gives W_A, W_A x = [1.03, 0, -0.03, 0]", 3,
     "W = W0 + (alpha / r) B A with alpha = r = 2: W_A[0][0] = 1 + 0.1 * 0.3.", t_merge_lifecycle},
    {"lab05.1", "merge matches the reference on non-square shapes", 3,
     "w[i][j] += s sum_k b[i][k] a[k][j]; B is (d_out, r), A is (r, d_in).", t_merge_random},
    {"lab05.1", "merge scales by alpha / r, not by alpha", 2, "s = alpha / r (lab03.2).",
     t_merge_scaling},
    {"lab05.1", "merge is right, and merging a zero B leaves w bit for bit", 1, "A valid merge must match the reference; add s * 0 = 0: nothing else.",
     t_merge_b_zero},
    {"lab05.1", "merge works, and rejects bad arguments leaving w alone", 1,
     "A valid merge must match the reference; LAB_REQUIRE before the first write: NULL, zero sizes, non-finite alpha.", t_merge_bad},
    {"lab05.2", "unmerge matches the reference", 3, "Subtract s B A: the sign is minus.",
     t_unmerge_random},
    {"lab05.2", "a right merge, then unmerge, gives W0 back", 2,
     "Your merge must match the reference; unmerge must undo merge: same s, same B A, opposite sign.", t_unmerge_roundtrip},
    {"lab05.2", "unmerge works, and rejects bad arguments leaving w alone", 1,
     "A valid unmerge must match the reference; same checks as lora_merge.", t_unmerge_bad},
    {"lab05.3", "course lifecycle: switching W_A to Task B gives W0 + B_B A_B", 3,
     "W' = W + s (B2 A2 - B1 A1): subtract Task A's product, add Task B's.", t_switch_lifecycle},
    {"lab05.3", "switch matches the reference on non-square shapes", 2,
     "Both products are (d_out, d_in): b[i][k] a[k][j] summed over k.", t_switch_random},
    {"lab05.3", "switch is right; to the task already merged it changes nothing", 1,
     "A valid switch must match the reference; B A - B A is exactly 0 when both adapters are the same.", t_switch_same_task},
    {"lab05.3", "switch is right; there and back returns to the first task", 1,
     "A valid switch must match the reference; 1 -> 2 -> 1 must give W0 + s B1 A1 again.", t_switch_there_and_back},
    {"lab05.3", "switch is right; 3000 round three tasks stay within 1e-9", 2,
     "A valid switch must match the reference; each switch adds s (B2 A2 - B1 A1) computed fresh from A and B.", t_switch_many_bounded},
    {"lab05.3", "switch works, and rejects bad arguments leaving w alone", 1, "A valid switch must match the reference; check r and alpha first.",
     t_switch_bad},
    {"lab05.4", "the plain layer gives the unmerged layer's outputs", 4,
     "w_out = W0 + s B A and bias_out = bias; then x w_out^T + bias is the LoRA layer.",
     t_linear_forward},
    {"lab05.4", "plain layer weights are W0 + s B A and the bias copied exactly", 3,
     "Copy W0, add s B A; copy the bias unchanged.", t_linear_weights},
    {"lab05.4", "to_linear is right, keeps its inputs and rejects a NaN alpha", 1,
     "w_out = W0 + s B A and bias_out = bias; write only w_out and bias_out; check alpha first.", t_linear_inputs_and_bad},
    {"lab05.5", "course toy: a swap moves 32 numbers, a reload 16", 2,
     "2 r (d_in + d_out) per matrix: old B, A out and new B, A in.", t_swap_course},
    {"lab05.5", "GPT-3 q and v in 96 layers: 37,748,736 against 28,991,029,248", 1,
     "Multiply by n_matrices = 192; the reload is d_out d_in per matrix.", t_swap_gpt3},
    {"lab05.5", "random shapes give 2 r (d_in + d_out) and d_in d_out per matrix", 1,
     "Count in floating point or 64-bit integers: the numbers are large.", t_swap_random},
    {"lab05.5", "valid counts are right; zero sizes and counts past 2^53 rejected", 1,
     "Valid sizes must give the reference's counts; compare against 2^53 before converting to double.", t_swap_bad},
    {"lab05.6", "one float switch matches the reference", 3,
     "p2 and p1 summed in float, then w += scale (p2 - p1).", t_f32_one},
    {"lab05.6", "3000 float switches round three tasks drift as float rounding does", 3,
     "Compute in float only: a double computation hides the drift this test measures.",
     t_f32_drift},
    {"lab05.6", "float switch works, and rejects a non-finite scale", 1, "One float switch must match the reference; isfinite(scale) first.", t_f32_bad},
    {"lab05.7", "a re-derived switch equals one merge into W0", 3,
     "w = W0 + s B_new A_new: overwrite every entry, ignore the old w.", t_base_one},
    {"lab05.7", "3000 re-derived switches round three tasks stay within 1e-15", 3,
     "Never add to the served w: derive it from the kept W0 each time.", t_base_many},
    {"lab05.7", "re-derived switch works; bad arguments rejected, nothing written", 2,
     "w = W0 + s B_new A_new must match the reference; LAB_REQUIRE on r and alpha before touching w.", t_base_bad},
    {"lab05.8", "encoded files equal the reference byte for byte", 4,
     "The header text of safetensors.h exactly, spaces to a multiple of 8, A's then B's bytes.",
     t_encode_bytes},
    {"lab05.8", "header length is 8 bytes little-endian and a multiple of 8", 2,
     "Low byte first; N counts the padded header.", t_encode_length},
    {"lab05.8", "the header is padded with spaces for every module length", 2,
     "Pad with ' ' (0x20) up to a multiple of 8.", t_encode_padding},
    {"lab05.8", "data offsets count from the data section, A then B", 2,
     "A at [0, SA], B at [SA, SA + SB]; 0 is the first byte after the header.", t_encode_offsets},
    {"lab05.8", "A is [r, d_in] and B is [d_out, r] under PEFT's names", 2,
     "base_model.model.<module>.lora_A.weight is (r, d_in); lora_B is (d_out, r).",
     t_encode_peft_shapes},
    {"lab05.8", "an F64 file reads back bit for bit", 2,
     "Write all 8 bytes of each double, little-endian.", t_encode_roundtrip},
    {"lab05.8", "a valid file is right; a buffer one byte short is rejected, unwritten", 1,
     "A valid adapter's file must equal the reference's; compute the total size first, compare with cap, then write.", t_encode_small_buffer},
    {"lab05.8", "a valid file is right; bad paths, dtypes and r = 0 are rejected", 1,
     "A valid adapter's file must equal the reference's; module: letters, digits, '.', '_'; dtype 0 or 1.", t_encode_bad},
    {"lab05.9", "reference files decode to the same module, shapes and values", 3,
     "N little-endian, offsets from the data section, A (r, d_in), B (d_out, r).",
     t_decode_roundtrip},
    {"lab05.9", "F16 and BF16 tensors are converted exactly", 2,
     "F16: 1 sign, 5 exponent (bias 15), 10 mantissa bits; BF16 is an F32's top half.",
     t_decode_dtypes},
    {"lab05.9", "headers as Python writes them decode (spaces, any key order)", 2,
     "Skip JSON whitespace; find keys by name, not by position.", t_decode_python_style},
    {"lab05.9", "extra tensors and escaped strings are read correctly", 1,
     "Other tensors are checked, then ignored; decode \\uXXXX in strings.", t_decode_extra},
    {"lab05.9", "a valid file decodes; truncated ones are rejected without a crash", 2,
     "A valid file must decode as the reference reads it; check n >= 8, then N <= n - 8, before reading.", t_decode_truncated},
    {"lab05.9", "a valid file decodes; header lengths past its end are rejected", 1,
     "A valid file must decode as the reference reads it; N can be anything up to 2^64 - 1: compare with n - 8, never add first.",
     t_decode_header_length},
    {"lab05.9", "a valid file decodes; invalid JSON headers are rejected", 2,
     "A valid file must decode as the reference reads it; one JSON object, then only spaces; strings, integers and arrays as in JSON.",
     t_decode_bad_json},
    {"lab05.9", "a valid file decodes; shapes disagreeing with the bytes are rejected", 1,
     "A valid file must decode as the reference reads it; end - begin must equal product(shape) * dtype size (watch for overflow).",
     t_decode_shape_size},
    {"lab05.9", "a valid file decodes; unknown dtypes are rejected", 1, "A valid file must decode as the reference reads it; only F32, F64, F16 and BF16.", t_decode_dtype},
    {"lab05.9", "a valid file decodes; offsets past the end, overlapping, holes rejected", 2,
     "A valid file must decode as the reference reads it; never trust data_offsets: check end <= data size, then sort and tile the data exactly.",
     t_decode_offsets},
    {"lab05.9", "a valid file decodes; a missing lora_A or lora_B, two modules rejected", 1,
     "A valid file must decode as the reference reads it; exactly one pair base_model.model.P.lora_A/B.weight with the same P.", t_decode_pair},
    {"lab05.9", "a valid file decodes; A and B in the transposed layout are rejected", 1,
     "A valid file must decode as the reference reads it; PEFT stores A as [r, d_in] and B as [d_out, r]: their r must agree.", t_decode_swapped},
    {"lab05.9", "a valid file decodes; small capacities are rejected, nothing written", 1,
     "A valid file must decode as the reference reads it; check module_cap, cap_a and cap_b before writing.", t_decode_capacity},
    {"lab05.9", "300 fuzzed files: same verdict as the reference, no crash", 2,
     "Every length and offset from the file must be checked before use.", t_decode_fuzz},
    {"lab05.10", "config for r = 8, alpha = 16, q_proj and v_proj is exact", 3,
     "Keys peft_type, r, lora_alpha, target_modules in that order, ', ' and ': ' between.",
     t_config_course},
    {"lab05.10", "config matches the reference for random r, alpha and targets", 3,
     "lora_alpha with %.17g; one quoted name per comma-separated target.", t_config_random},
    {"lab05.10", "a valid config is right; empty names, bad r or alpha, short buffers fail", 2,
     "A valid config must equal the reference's; check everything, and the length + 1 <= cap, before writing.", t_config_bad},
    /* The course's questions (questions_tests.c). */
    {"lab05.11", "course: 6 ms x 500 requests/s is 10,800 GPU-seconds per hour", 2,
     "(ms_with - ms_without) / 1000 s times requests_per_s is GPU-seconds per second; times 3600.",
     t_overhead_course},
    {"lab05.11", "random cases: GPU-seconds match the reference", 1,
     "Milliseconds to seconds (/ 1000), per second to per hour (* 3600).", t_overhead_random},
    {"lab05.11", "GPU-seconds: the course case is right; bad latencies and rates fail", 1,
     "The course case must come out right; finite, 0 <= ms_without <= ms_with, requests_per_s >= 0, load <= 1e15: else LAB_EARG.",
     t_overhead_bad},
    {"lab05.12", "course: Houlsby adapters at 500 requests/s need 3 more GPUs", 1,
     "Fleet with adapters (13 for 12.9 busy) minus fleet without (10 for 9.9 busy).",
     t_gpus_course},
    {"lab05.12", "the fleet difference, not the overhead rounded up", 1,
     "whole(g_with) - whole(g_without): 11 GPUs for 10.1 busy, 13 for 12.9, so 2 more.",
     t_gpus_fleet},
    {"lab05.12", "a load of exactly 21 GPUs needs 21, not 22", 1,
     "Round up with whole(x) = ceil(x - 1e-9 * max(1, x)): a float product may overshoot.",
     t_gpus_whole_load},
    {"lab05.12", "random cases: GPU counts match the reference", 1,
     "g = ms * requests_per_s / 1000 GPUs busy for each latency; round each up to whole GPUs.",
     t_gpus_random},
    {"lab05.12", "GPU count: the course case is right; bad latencies and rates fail", 1,
     "The course case must come out right; finite, 0 <= ms_without <= ms_with, requests_per_s >= 0, load <= 1e15: else LAB_EARG.",
     t_gpus_bad},
};

static const char *const sources[] = {"merge_switch.c", "safetensors.c", NULL};

int main(int argc, char **argv)
{
    static const judge_lab_t lab = {"05", "merging, unmerging and task switching", "05-merge-switch",
                                    sources, "merge_switch.h", tests, sizeof tests / sizeof tests[0]};
    return judge_main(argc, argv, &lab);
}
