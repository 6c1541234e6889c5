/*
 * tests_merge_switch.c - Lab 05's hidden tests of merge_switch.c: merge,
 * unmerge, switch, the plain layer, the swap count, drift in float and its
 * cure (lab05.1 to lab05.7).
 *
 * Expected values come from the reference solution linked into this judge
 * (never into the runner), except the course's lifecycle numbers (W_A, W_A x,
 * the swap of 32 against 16) and GPT-3's counts, which are course numbers
 * and are marked so.  Random cases draw from judge_rng(): seed printed,
 * --seed N.  The drift tests call the *_cycles entries of adapter.c, which
 * run the student's switch thousands of times inside one runner.
 */
#include "tests.h"
#include "lifecycle_example.h"
#include "matrix.h"
#include "merge_switch.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TOL 1e-9

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
    call_in(c, "w", w, p->d_out * p->d_in), call_out(c, "w_out", p->d_out * p->d_in);
    call_in(c, "a", a, p->r * p->d_in);
    call_in(c, "b", b, p->d_out * p->r);
    call_size(c, "d_in", p->d_in), call_size(c, "d_out", p->d_out), call_size(c, "r", p->r);
    call_real(c, "alpha", p->alpha);
    return c;
}

static call_t *student_switch(judge_t *j, const char *fn, const double *w, const prob_t *p,
                              double alpha_or_scale)
{
    call_t *c = call_new(j, fn);
    call_in(c, "w", w, p->d_out * p->d_in), call_out(c, "w_out", p->d_out * p->d_in);
    call_in(c, "a1", p->a1, p->r * p->d_in), call_in(c, "b1", p->b1, p->d_out * p->r);
    call_in(c, "a2", p->a2, p->r * p->d_in), call_in(c, "b2", p->b2, p->d_out * p->r);
    call_size(c, "d_in", p->d_in), call_size(c, "d_out", p->d_out), call_size(c, "r", p->r);
    call_real(c, "alpha", alpha_or_scale);
    return c;
}

/* The *_cycles drivers (runner_drivers.c): n switches round tasks 1, 2 (, 3). */
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
    call_in(c, "w", w, p->d_out * p->d_in), call_out(c, "w_out", p->d_out * p->d_in);
    call_in(c, "a_all", a_all, n_tasks * na), call_in(c, "b_all", b_all, n_tasks * nb);
    call_size(c, "n_tasks", n_tasks);
    call_size(c, "d_in", p->d_in), call_size(c, "d_out", p->d_out), call_size(c, "r", p->r);
    call_real(c, "alpha", alpha_or_scale);
    call_size(c, "n_switches", n);
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

static call_t *student_from_base(judge_t *j, const prob_t *p)
{
    call_t *c = call_new(j, "lora_switch_from_base");
    call_out(c, "w", p->d_out * p->d_in);
    call_in(c, "w0", p->w0, p->d_out * p->d_in);
    call_in(c, "a_new", p->a2, p->r * p->d_in), call_in(c, "b_new", p->b2, p->d_out * p->r);
    call_size(c, "d_in", p->d_in), call_size(c, "d_out", p->d_out), call_size(c, "r", p->r);
    call_real(c, "alpha", p->alpha);
    return c;
}

/* The student's call of fn on p (merge, unmerge: task 1 into W0; switch:
 * task 1 to task 2; from_base: task 2 from W0), the output's name and the
 * reference's w in *want (malloc'd).  w sent lives in the pool. */
static call_t *student_w(judge_t *j, const char *fn, const prob_t *p, double **want,
                         const char **out)
{
    size_t n = p->d_out * p->d_in;
    *out = "w_out";
    if (strcmp(fn, "lora_switch_from_base") == 0) {
        *want = ref_merged(p, p->a2, p->b2), *out = "w";
        return student_from_base(j, p);
    }
    if (strcmp(fn, "lora_switch") == 0) {
        double *w = pooled(n), *w1 = ref_merged(p, p->a1, p->b1);
        memcpy(w, w1, n * sizeof(double));
        free(w1);
        *want = ref_merged(p, p->a2, p->b2);
        return student_switch(j, fn, w, p, p->alpha);
    }
    *want = mat_dup(p->w0, p->d_out, p->d_in);
    if (strcmp(fn, "lora_merge") == 0)
        lora_merge(*want, p->a1, p->b1, p->d_in, p->d_out, p->r, p->alpha);
    else
        lora_unmerge(*want, p->a1, p->b1, p->d_in, p->d_out, p->r, p->alpha);
    return student_inplace(j, fn, p->w0, p->a1, p->b1, p);
}

/* fn on a random (d_in, d_out, r) problem against the reference within tol,
 * its inputs unchanged; 1 if it matches. */
static int w_matches(judge_t *j, const char *fn, size_t d_in, size_t d_out, size_t r, double tol)
{
    prob_t p;
    prob_random(j, &p, d_in, d_out, r);
    double *want;
    const char *out;
    call_t *c = student_w(j, fn, &p, &want, &out);
    int ok = call_run(c) && expect_return(j, c, LAB_OK) && expect_inputs_unchanged(j, c) &&
             expect_close(j, "w", call_output(c, out), want, p.d_out, p.d_in, tol);
    if (!ok)
        judge_fail(j, "(%s with d_in = %zu, d_out = %zu, r = %zu, alpha = %g)", fn, p.d_in, p.d_out,
                   p.r, p.alpha);
    free_call(c);
    free(want);
    prob_free(&p);
    return ok;
}

/* fn on the three non-square SHAPES (d_in and d_out swapped if `swap`). */
static void shapes_match(judge_t *j, const char *fn, int swap, double tol)
{
    for (size_t s = 0; s < 3 && !judge_failed(j); s++)
        w_matches(j, fn, SHAPES[s][swap], SHAPES[s][1 - swap], SHAPES[s][2], tol);
}

/* ---- lab05.1 merge ---- */

TEST("lab05.1", 2, "course lifecycle: merging Task A gives W_A, W_A x = [1.03, 0, -0.03, 0]",
     "W = W0 + (alpha / r) B A with alpha = r = 2: W_A[0][0] = 1 + 0.1 * 0.3.")
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

TEST("lab05.1", 2, "merge matches the reference on non-square shapes",
     "w[i][j] += s sum_k b[i][k] a[k][j]; B is (d_out, r), A is (r, d_in).")
{
    shapes_match(j, "lora_merge", 0, TOL);
}

TEST("lab05.1", 2, "merge scales by alpha / r, not by alpha",
     "s = alpha / r (lab03.2).")
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

TEST("lab05.1", 1, "merge is right, and merging a zero B leaves w bit for bit",
     "A valid merge must match the reference, and with B = 0 w must come back bit for bit unchanged.")
{
    w_matches(j, "lora_merge", 7, 5, 3, TOL);
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

/* ---- lab05.2 unmerge ---- */

TEST("lab05.2", 2, "unmerge matches the reference",
     "unmerge: w -= s B A with s = alpha / r, B (d_out, r), A (r, d_in).")
{
    shapes_match(j, "lora_unmerge", 1, TOL);
}

TEST("lab05.2", 1, "a right merge, then unmerge, gives W0 back",
     "Your merge must match the reference; unmerge must undo merge: same s, same B A, opposite sign.")
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

/* ---- lab05.3 switch ---- */

TEST("lab05.3", 2, "course lifecycle: switching W_A to Task B gives W0 + B_B A_B",
     "W' = W + s (B2 A2 - B1 A1): subtract Task A's product, add Task B's.")
{
    prob_t p;
    lifecycle(&p);
    double *w_a = ref_merged(&p, p.a1, p.b1), *w_b = ref_merged(&p, p.a2, p.b2);
    /* Start from the course's W_A itself. */
    call_t *c = student_switch(j, "lora_switch", LIFE_W_A, &p, p.alpha);
    if (call_run(c) && expect_return(j, c, LAB_OK) &&
        !expect_close(j, "W_B", call_output(c, "w_out"), w_b, 4, 4, 1e-12))
        judge_fail(j, "(W_A - B_A A_A + B_B A_B = W0 + B_B A_B, the kit's Task B of the README)");
    free_call(c);
    free(w_a), free(w_b);
    prob_free(&p);
}

TEST("lab05.3", 2, "switch matches the reference on non-square shapes",
     "W' = W + s (B2 A2 - B1 A1) with s = alpha / r; both products are (d_out, d_in): b[i][k] a[k][j] summed over k.")
{
    shapes_match(j, "lora_switch", 0, TOL);
}

TEST("lab05.3", 1, "switch is right; to the task already merged it changes nothing",
     "A valid switch must match the reference; B A - B A is exactly 0 when both adapters are the same.")
{
    w_matches(j, "lora_switch", 8, 6, 2, TOL);
    if (!needs_working(j, "lora_switch"))
        return;
    prob_t p;
    prob_random(j, &p, 8, 5, 3);
    memcpy(p.a2, p.a1, p.r * p.d_in * sizeof(double));
    memcpy(p.b2, p.b1, p.d_out * p.r * sizeof(double));
    double *w = ref_merged(&p, p.a1, p.b1);
    call_t *c = student_switch(j, "lora_switch", w, &p, p.alpha);
    if (call_run(c) && expect_return(j, c, LAB_OK) &&
        !expect_exact(j, "w", call_output(c, "w_out"), w, p.d_out, p.d_in))
        judge_fail(j, "(switching to the task already merged adds s (B A - B A) = 0)");
    free_call(c);
    free(w);
    prob_free(&p);
}

TEST("lab05.3", 1, "switch is right; there and back returns to the first task",
     "A valid switch must match the reference; 1 -> 2 -> 1 must give W0 + s B1 A1 again.")
{
    w_matches(j, "lora_switch", 8, 6, 2, TOL);
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

TEST("lab05.3", 1, "switch is right; 3000 round three tasks stay within 1e-9",
     "A valid switch must match the reference; each switch adds s (B2 A2 - B1 A1) computed fresh from A and B.")
{
    w_matches(j, "lora_switch", 8, 6, 2, TOL);
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

TEST("lab05.4", 3, "the plain layer gives the unmerged layer's outputs",
     "w_out = W0 + s B A and bias_out = bias; then x w_out^T + bias is the LoRA layer.")
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

TEST("lab05.4", 1, "plain layer weights are W0 + s B A and the bias copied exactly",
     "Copy W0, add s B A; copy the bias unchanged.")
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

TEST("lab05.5", 1, "course: toy 32 against 16, GPT-3 37,748,736 against 28,991,029,248",
     "2 r (d_in + d_out) per matrix (old B, A out and new B, A in), d_out d_in per matrix reloaded, times n_matrices.")
{
    /* Course numbers: the toy (d = 4, r = 2, one matrix), and GPT-3
     * (d = 12288, r = 4, W_q and W_v in 96 layers). */
    if (swap_is(j, 4, 4, 2, 1, LIFE_SWAP, LIFE_RELOAD))
        swap_is(j, 12288, 12288, 4, 192, 37748736.0, 28991029248.0);
}

TEST("lab05.5", 1, "random shapes are right; 2^53 is exact, a count past it rejected",
     "swap = 2 r (d_in + d_out) and reload = d_in d_out per matrix, times n_matrices; compare with 2^53 in integers before converting to double.")
{
    rng_t *g = judge_rng(j);
    for (int k = 0; k < 4 && !judge_failed(j); k++) {
        size_t di = 1 + rng_below(g, 5000), dn = 1 + rng_below(g, 5000), r = 1 + rng_below(g, 64),
               m = 1 + rng_below(g, 100);
        double sw, re;
        lora_swap_count(di, dn, r, m, &sw, &re);
        swap_is(j, di, dn, r, m, sw, re);
    }
    /* 2^26 x 2^26 x 2 = 2^53 numbers reloaded: still exact, so accepted. */
    if (!judge_failed(j))
        swap_is(j, (size_t)1 << 26, (size_t)1 << 26, 1, 2, 536870912.0, 9007199254740992.0);
    static const size_t cases[][4] = {{1u << 30, 1u << 30, 1, 1u << 24}, {(size_t)1 << 26, (size_t)1 << 26, 1, 3},
                                      {1, 1, (size_t)1 << 52, 2}};
    static const char *what[] = {"a reload count of 2^84", "a reload count of 3 x 2^52",
                                 "a swap count of 2^55"};
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

/* One float switch against the reference (lab05.6's guard test runs it too). */
static void f32_one_switch(judge_t *j)
{
    prob_t p;
    prob_random(j, &p, 13, 9, 4);
    float scale = (float)(p.alpha / (double)p.r);
    double *w = ref_merged(&p, p.a1, p.b1), *want = mat_alloc(p.d_out, p.d_in);
    ref_f32(&p, w, scale, 2, 1, want);
    call_t *c = student_switch(j, "lora_switch_f32", w, &p, scale);
    if (call_run(c) && expect_return(j, c, LAB_OK) &&
        !expect_close(j, "w (float)", call_output(c, "w_out"), want, p.d_out, p.d_in, 1e-5))
        judge_fail(j, "(one switch in float: w += scale (p2 - p1))");
    free_call(c);
    free(w), free(want);
    prob_free(&p);
}

TEST("lab05.6", 1, "one float switch matches the reference",
     "p2 and p1 summed in float, then w += scale (p2 - p1).")
{
    f32_one_switch(j);
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

TEST("lab05.6", 3, "3000 float switches round three tasks drift as float rounding does",
     "The drift after 3000 float switches must be float rounding's (within a factor of 8 of the reference's): each switch in float, as in one switch.")
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

/* ---- lab05.7 drift-free switch ---- */

TEST("lab05.7", 2, "a re-derived switch equals one merge into W0",
     "w = W0 + s B_new A_new in every entry, whatever w held before.")
{
    shapes_match(j, "lora_switch_from_base", 0, 1e-15);
}

TEST("lab05.7", 2, "3000 re-derived switches round three tasks stay within 1e-15",
     "After 3000 re-derived switches w must be W0 + s B A of the last task within 1e-15: each switch computes w from W0.")
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

