/*
 * tests.c - Lab 02's hidden tests: the forward pass in three layouts.
 *
 * Expected values come from the reference solution (linked into this judge,
 * never into the runner) or from data/lab02/worked-examples.txt (numbers the
 * course prints).  Random cases draw from judge_rng(): seed printed, --seed N.
 * The contract rules every function shares (NULL pointers, sizes out of
 * range, the smallest sizes, inputs unchanged, NaN) are tested by the tests
 * derived from functions.txt (grader/engine/contract.c); this file keeps
 * what only this lab knows.
 */
#include "test.h"
#include "lora_forward.h"
#include "matrix.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TOL 1e-9
#define DATA "lab02/worked-examples.txt"

/* One random adapter problem in the kit's layout. */
typedef struct {
    size_t batch, d_in, d_out, r;
    double alpha;
    double *x, *w0, *a, *b;
} problem_t;

static void problem_random(judge_t *j, problem_t *p, size_t batch, size_t d_in, size_t d_out,
                           size_t r)
{
    rng_t *g = judge_rng(j);
    p->batch = batch;
    p->d_in = d_in;
    p->d_out = d_out;
    p->r = r;
    p->alpha = rng_uniform_range(g, 0.5, 16.0);
    p->x = mat_alloc(batch, d_in);
    p->w0 = mat_alloc(d_out, d_in);
    p->a = mat_alloc(r, d_in);
    p->b = mat_alloc(d_out, r);
    rng_fill_uniform(g, p->x, batch * d_in, -1, 1);
    rng_fill_uniform(g, p->w0, d_out * d_in, -1, 1);
    rng_fill_uniform(g, p->a, r * d_in, -1, 1);
    rng_fill_uniform(g, p->b, d_out * r, -1, 1);
}

static void problem_free(problem_t *p)
{
    free(p->x);
    free(p->w0);
    free(p->a);
    free(p->b);
}

/* Multiples of 1/8 in [-2, 2]: every product and sum of a few hundred of
 * them is exact in double, in any order. */
static void fill_dyadic(rng_t *g, double *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        v[i] = ((double)rng_below(g, 33) - 16.0) / 8.0;
}

/* The student's lora_forward (batch) or lora_forward_row (batch must be 1). */
static call_t *student_forward(judge_t *j, const problem_t *p, int row)
{
    call_t *c = call_new(j, row ? "lora_forward_row" : "lora_forward");
    call_in(c, "x", p->x, p->batch * p->d_in);
    if (!row)
        call_size(c, "batch", p->batch);
    call_in(c, "w0", p->w0, p->d_out * p->d_in);
    call_in(c, "a", p->a, p->r * p->d_in);
    call_in(c, "b", p->b, p->d_out * p->r);
    call_size(c, "d_in", p->d_in);
    call_size(c, "d_out", p->d_out);
    call_size(c, "r", p->r);
    call_real(c, "alpha", p->alpha);
    call_out(c, "y", p->batch * p->d_out);
    return c;
}

/* Run the student's forward on p and compare with the reference. */
static int forward_matches(judge_t *j, const problem_t *p, int row)
{
    double *want = mat_alloc(p->batch, p->d_out);
    lora_forward(p->x, p->batch, p->w0, p->a, p->b, p->d_in, p->d_out, p->r, p->alpha, want);
    call_t *c = student_forward(j, p, row);
    int ok = call_run(c) && expect_return(j, c, LAB_OK) &&
             expect_close(j, "y", call_output(c, "y"), want, p->batch, p->d_out, TOL);
    call_free(c);
    free(want);
    return ok;
}

/* ---- lab02.1: one row ---- */

TEST("lab02.1", 4, "reference example gives [3, 0]",
     "y = x W0^T + (alpha/r) (x A^T) B^T; W0 is (d_out, d_in): y[i] sums w0[i*d_in + j] * x[j].")
{
    const kit_file_t *f = judge_data(j, DATA);
    const double *x = judge_tensor(j, f, "ex000.x", 1, 2), *w0 = judge_tensor(j, f, "ex000.w0", 2, 2),
                 *a = judge_tensor(j, f, "ex000.a", 1, 2), *b = judge_tensor(j, f, "ex000.b", 2, 1),
                 *alpha = judge_tensor(j, f, "ex000.alpha", 1, 1), *y = judge_tensor(j, f, "ex000.y", 1, 2);
    if (!x || !w0 || !a || !b || !alpha || !y)
        return;
    problem_t p = {1, 2, 2, 1, alpha[0], (double *)x, (double *)w0, (double *)a, (double *)b};
    call_t *c = student_forward(j, &p, 1);
    if (call_run(c) && expect_return(j, c, LAB_OK))
        expect_close(j, "y", call_output(c, "y"), y, 1, 2, TOL);
    call_free(c);
}

TEST("lab02.1", 4, "zero B gives exactly the base layer",
     "With B = 0, y must equal x W0^T bit for bit (W0 is (d_out, d_in)): the base term, plus an adapter term of exactly 0.")
{
    problem_t p;
    problem_random(j, &p, 1, 24, 16, 4);
    fill_dyadic(judge_rng(j), p.x, p.d_in);
    fill_dyadic(judge_rng(j), p.w0, p.d_out * p.d_in);
    memset(p.b, 0, p.d_out * p.r * sizeof(double));
    double *base = mat_alloc(1, p.d_out);
    mat_matmul_nt(p.x, p.w0, base, 1, p.d_in, p.d_out); /* exact: dyadic inputs */
    call_t *c = student_forward(j, &p, 1);
    if (call_run(c) && expect_return(j, c, LAB_OK))
        expect_exact(j, "y", call_output(c, "y"), base, 1, p.d_out);
    call_free(c);
    free(base);
    problem_free(&p);
}

TEST("lab02.1", 4, "scaling is alpha / r",
     "Cases where alpha and r differ: the adapter term is scaled by alpha / r, computed as a double (alpha / (double)r).")
{
    /* Several (alpha, r) pairs: alpha, alpha * r, 1 / r and alpha / r all differ. */
    static const struct { double alpha; size_t r; } cases[] = {{8, 4}, {3, 6}, {16, 2}, {1, 8}};
    for (size_t i = 0; i < 4 && !judge_failed(j); i++) {
        problem_t p;
        problem_random(j, &p, 1, 12, 10, cases[i].r);
        p.alpha = cases[i].alpha;
        if (!forward_matches(j, &p, 1))
            judge_fail(j, "(alpha = %g, r = %zu: the adapter term is scaled by alpha / r = %g)",
                       p.alpha, p.r, p.alpha / (double)p.r);
        problem_free(&p);
    }
}

TEST("lab02.1", 5, "random non-square shapes match the reference",
     "y = x W0^T + (alpha/r) (x A^T) B^T on non-square shapes: W0 is (d_out, d_in), A (r, d_in), B (d_out, r).")
{
    static const size_t shapes[][3] = {{37, 23, 5}, {23, 37, 5}, {64, 64, 8}, {129, 65, 3}};
    for (size_t i = 0; i < 4 && !judge_failed(j); i++) {
        problem_t p;
        problem_random(j, &p, 1, shapes[i][0], shapes[i][1], shapes[i][2]);
        if (!forward_matches(j, &p, 1))
            judge_fail(j, "(d_in = %zu, d_out = %zu, r = %zu)", p.d_in, p.d_out, p.r);
        problem_free(&p);
    }
}

TEST("lab02.1", 3, "rank 1 and rank min(d_in, d_out) work",
     "The smallest and largest ranks: y = x W0^T + (alpha/r) (x A^T) B^T, the adapter term summed over k = 0 .. r - 1.")
{
    static const size_t shapes[][3] = {{31, 17, 1}, {31, 17, 17}, {9, 40, 9}, {40, 40, 40}};
    for (size_t i = 0; i < 4 && !judge_failed(j); i++) {
        problem_t p;
        problem_random(j, &p, 1, shapes[i][0], shapes[i][1], shapes[i][2]);
        if (!forward_matches(j, &p, 1))
            judge_fail(j, "(d_in = %zu, d_out = %zu, r = %zu%s)", p.d_in, p.d_out, p.r,
                       p.r == 1 ? "" : " = min(d_in, d_out)");
        problem_free(&p);
    }
}



/* ---- lab02.2: a batch ---- */

TEST("lab02.2", 4, "batched input matches row by row",
     "Row t of x starts at x + t*d_in; row t of y at y + t*d_out.")
{
    const kit_file_t *f = judge_data(j, DATA);
    const double *w0 = judge_tensor(j, f, "ex000.w0", 2, 2), *a = judge_tensor(j, f, "ex000.a", 1, 2),
                 *b = judge_tensor(j, f, "ex000.b", 2, 1);
    if (!w0 || !a || !b)
        return;
    double x[4] = {1, 0, 0, 1}, want[4];
    problem_t p = {2, 2, 2, 1, 2.0, x, (double *)w0, (double *)a, (double *)b};
    lora_forward(x, 2, w0, a, b, 2, 2, 1, 2.0, want);
    call_t *c = student_forward(j, &p, 0);
    if (call_run(c) && expect_return(j, c, LAB_OK))
        expect_close(j, "y", call_output(c, "y"), want, 2, 2, TOL);
    call_free(c);
}

TEST("lab02.2", 4, "large non-square batches (strides) match the reference",
     "Large batches with d_in != d_out: each row is y_t = x_t W0^T + (alpha/r) (x_t A^T) B^T, x_t at x + t*d_in, y_t at y + t*d_out.")
{
    static const size_t shapes[][4] = {{17, 129, 65, 8}, {5, 65, 129, 7}, {33, 16, 48, 48}};
    for (size_t i = 0; i < 3 && !judge_failed(j); i++) {
        problem_t p;
        problem_random(j, &p, shapes[i][0], shapes[i][1], shapes[i][2], shapes[i][3]);
        if (!forward_matches(j, &p, 0))
            judge_fail(j, "(batch = %zu, d_in = %zu, d_out = %zu, r = %zu)", p.batch, p.d_in,
                       p.d_out, p.r);
        problem_free(&p);
    }
}

TEST("lab02.2", 3, "a batch of one matches the reference",
     "batch = 1: y must be the reference's y = x W0^T + (alpha/r) (x A^T) B^T for that one row.")
{
    problem_t p;
    problem_random(j, &p, 1, 40, 24, 4);
    forward_matches(j, &p, 0);
    problem_free(&p);
}

TEST("lab02.2", 3, "NaN and Inf propagate as IEEE arithmetic says",
     "Inputs with NaN and Inf: each y must be what the sums of products give in IEEE arithmetic, and each row of y depends only on its row of x.")
{
    problem_t p;
    problem_random(j, &p, 4, 10, 6, 2);
    p.x[1 * p.d_in + 3] = NAN;      /* row 1 becomes all NaN */
    p.x[2 * p.d_in + 0] = INFINITY; /* row 2: +-Inf or NaN where signs meet */
    forward_matches(j, &p, 0);
    /* A zero factor must not hide a NaN: column 3 of W0 and all of B are 0. */
    for (size_t i = 0; i < p.d_out; i++)
        p.w0[i * p.d_in + 3] = 0.0;
    memset(p.b, 0, p.d_out * p.r * sizeof(double));
    if (!judge_failed(j) && !forward_matches(j, &p, 0))
        judge_fail(j, "(x[1][3] is NaN, W0[:, 3] = 0 and B = 0: 0 * NaN is NaN)");
    problem_free(&p);
}



/* ---- lab02.3: the merged weight ---- */

static call_t *student_merged(judge_t *j, const problem_t *p)
{
    call_t *c = call_new(j, "lora_merged_weight");
    call_in(c, "w0", p->w0, p->d_out * p->d_in);
    call_in(c, "a", p->a, p->r * p->d_in);
    call_in(c, "b", p->b, p->d_out * p->r);
    call_size(c, "d_in", p->d_in);
    call_size(c, "d_out", p->d_out);
    call_size(c, "r", p->r);
    call_real(c, "alpha", p->alpha);
    call_out(c, "w_eff", p->d_out * p->d_in);
    return c;
}

TEST("lab02.3", 3, "merged weight of the reference example is [[3, 0], [0, 1]]",
     "w_eff[i][j] = w0[i][j] + (alpha/r) * sum_k b[i*r + k] * a[k*d_in + j].")
{
    const kit_file_t *f = judge_data(j, DATA);
    const double *w0 = judge_tensor(j, f, "ex000.w0", 2, 2), *a = judge_tensor(j, f, "ex000.a", 1, 2),
                 *b = judge_tensor(j, f, "ex000.b", 2, 1);
    if (!w0 || !a || !b)
        return;
    double want[4];
    lora_merged_weight(w0, a, b, 2, 2, 1, 2.0, want); /* [[3, 0], [0, 1]] */
    problem_t p = {1, 2, 2, 1, 2.0, NULL, (double *)w0, (double *)a, (double *)b};
    call_t *c = student_merged(j, &p);
    if (call_run(c) && expect_return(j, c, LAB_OK))
        expect_close(j, "w_eff", call_output(c, "w_eff"), want, 2, 2, TOL);
    call_free(c);
}

TEST("lab02.3", 4, "random merged weights match W0 + (alpha/r) B A",
     "B A is (d_out, r) times (r, d_in); keep the inputs unchanged.")
{
    problem_t p;
    problem_random(j, &p, 1, 45, 27, 6);
    double *want = mat_alloc(p.d_out, p.d_in);
    lora_merged_weight(p.w0, p.a, p.b, p.d_in, p.d_out, p.r, p.alpha, want);
    call_t *c = student_merged(j, &p);
    if (call_run(c) && expect_return(j, c, LAB_OK) && expect_inputs_unchanged(j, c))
        expect_close(j, "w_eff", call_output(c, "w_eff"), want, p.d_out, p.d_in, TOL);
    call_free(c);
    free(want);
    problem_free(&p);
}

/* The 000 test "matches explicit W0 + scaling*BA": the student's forward
 * equals x times the student's own merged weight, and is right (two
 * functions that both write zeros agree, and earn nothing). */
TEST("lab02.3", 4, "forward is right and equals x times the merged weight",
     "lora_forward must match the reference, and lora_merged_weight must agree with it: the merge is exact up to rounding.")
{
    problem_t p;
    problem_random(j, &p, 7, 33, 21, 4);
    if (!forward_matches(j, &p, 0)) {
        judge_fail(j, "(lora_forward must give the reference's y before it is compared with "
                      "the merged weight)");
        problem_free(&p);
        return;
    }
    call_t *m = student_merged(j, &p), *f = student_forward(j, &p, 0);
    if (call_run(m) && expect_return(j, m, LAB_OK) && call_run(f)) {
        double *via = mat_alloc(p.batch, p.d_out);
        const double *w_eff = call_output(m, "w_eff");
        if (w_eff) {
            mat_matmul_nt(p.x, w_eff, via, p.batch, p.d_in, p.d_out);
            expect_close(j, "lora_forward y vs x w_eff^T", call_output(f, "y"), via, p.batch,
                         p.d_out, TOL);
        }
        free(via);
    }
    call_free(m);
    call_free(f);
    problem_free(&p);
}

/* ---- lab02.4: the (d_in, d_out) layout of 002 ---- */

static call_t *student_in_out(judge_t *j, const double *x, size_t batch, const double *w,
                              const double *bd, const double *au, size_t d_in, size_t d_out,
                              size_t r, double alpha)
{
    call_t *c = call_new(j, "lora_forward_in_out");
    call_in(c, "x", x, batch * d_in);
    call_size(c, "batch", batch);
    call_in(c, "w", w, d_in * d_out);
    call_in(c, "b_down", bd, d_in * r);
    call_in(c, "a_up", au, r * d_out);
    call_size(c, "d_in", d_in);
    call_size(c, "d_out", d_out);
    call_size(c, "r", r);
    call_real(c, "alpha", alpha);
    call_out(c, "h", batch * d_out);
    return c;
}

/* A random problem in 002's layout: x (batch, d_in), w (d_in, d_out),
 * b_down (d_in, r), a_up (r, d_out). */
typedef struct {
    size_t batch, d_in, d_out, r;
    double alpha;
    double *x, *w, *bd, *au;
} in_out_t;

static void in_out_random(judge_t *j, in_out_t *q, size_t batch, size_t d_in, size_t d_out,
                          size_t r)
{
    rng_t *g = judge_rng(j);
    *q = (in_out_t){batch, d_in, d_out, r, rng_uniform_range(g, 0.5, 16), mat_alloc(batch, d_in),
                    mat_alloc(d_in, d_out), mat_alloc(d_in, r), mat_alloc(r, d_out)};
    rng_fill_uniform(g, q->x, batch * d_in, -1, 1);
    rng_fill_uniform(g, q->w, d_in * d_out, -1, 1);
    rng_fill_uniform(g, q->bd, d_in * r, -1, 1);
    rng_fill_uniform(g, q->au, r * d_out, -1, 1);
}

static void in_out_free(in_out_t *q)
{
    free(q->x);
    free(q->w);
    free(q->bd);
    free(q->au);
}

static void in_out_example(judge_t *j, const char *ex, size_t batch, size_t d_in, size_t d_out,
                           size_t r)
{
    const kit_file_t *f = judge_data(j, DATA);
    char name[64];
#define T(field, rows, cols) (snprintf(name, sizeof name, "%s.%s", ex, field), \
                              judge_tensor(j, f, name, rows, cols))
    const double *x = T("x", batch, d_in), *w = T("w", d_in, d_out), *bd = T("b_down", d_in, r),
                 *au = T("a_up", r, d_out), *alpha = T("alpha", 1, 1), *h = T("h", batch, d_out);
#undef T
    if (!x || !w || !bd || !au || !alpha || !h)
        return;
    call_t *c = student_in_out(j, x, batch, w, bd, au, d_in, d_out, r, alpha[0]);
    if (call_run(c) && expect_return(j, c, LAB_OK))
        expect_close(j, "h", call_output(c, "h"), h, batch, d_out, TOL);
    call_free(c);
}

TEST("lab02.4", 3, "002 example 1 gives [[4, 5]]",
     "In 002's layout w is (d_in, d_out), b_down is (d_in, r), a_up is (r, d_out): h = x w + (alpha/r) (x b_down) a_up.")
{
    in_out_example(j, "ex002_1", 1, 2, 2, 1);
}
TEST("lab02.4", 3, "002 example 2 (a batch) gives [[2.25, 1.25], [1.25, 2.25]]",
     "A batch of two rows, r = 2, in 002's layout: h = x w + (alpha/r) (x b_down) a_up, row by row.")
{
    in_out_example(j, "ex002_2", 2, 2, 2, 2);
}
TEST("lab02.4", 2, "002 example 3 gives [[14]]",
     "1 x 1 matrices, r = 1: h = x w + (alpha/r) x b a.")
{
    in_out_example(j, "ex002_3", 1, 1, 1, 1);
}

TEST("lab02.4", 3, "random (d_in, d_out)-layout problems match the reference",
     "Index w as w[i*d_out + j] (row i is input i), b_down[i*r + k], a_up[k*d_out + j].")
{
    in_out_t q;
    in_out_random(j, &q, 9, 37, 19, 5);
    double *want = mat_alloc(q.batch, q.d_out);
    lora_forward_in_out(q.x, q.batch, q.w, q.bd, q.au, q.d_in, q.d_out, q.r, q.alpha, want);
    call_t *c = student_in_out(j, q.x, q.batch, q.w, q.bd, q.au, q.d_in, q.d_out, q.r, q.alpha);
    if (call_run(c) && expect_return(j, c, LAB_OK) && expect_inputs_unchanged(j, c))
        expect_close(j, "h", call_output(c, "h"), want, q.batch, q.d_out, TOL);
    call_free(c);
    free(want);
    in_out_free(&q);
}

/* ---- lab02.5: converting layouts ---- */

static call_t *student_convert(judge_t *j, const in_out_t *q)
{
    call_t *c = call_new(j, "lora_from_in_out");
    call_in(c, "w", q->w, q->d_in * q->d_out);
    call_in(c, "b_down", q->bd, q->d_in * q->r);
    call_in(c, "a_up", q->au, q->r * q->d_out);
    call_size(c, "d_in", q->d_in);
    call_size(c, "d_out", q->d_out);
    call_size(c, "r", q->r);
    call_out(c, "w0", q->d_out * q->d_in);
    call_out(c, "a", q->r * q->d_in);
    call_out(c, "b", q->d_out * q->r);
    return c;
}

TEST("lab02.5", 4, "conversion transposes each matrix",
     "w0 = w^T, a = b_down^T, b = a_up^T: the letters swap roles between the layouts.")
{
    in_out_t q;
    in_out_random(j, &q, 1, 13, 7, 3);
    double *w0 = mat_alloc(q.d_out, q.d_in), *a = mat_alloc(q.r, q.d_in), *b = mat_alloc(q.d_out, q.r);
    lora_from_in_out(q.w, q.bd, q.au, q.d_in, q.d_out, q.r, w0, a, b);
    call_t *c = student_convert(j, &q);
    if (call_run(c) && expect_return(j, c, LAB_OK) && expect_inputs_unchanged(j, c)) {
        expect_exact(j, "w0", call_output(c, "w0"), w0, q.d_out, q.d_in);
        expect_exact(j, "a", call_output(c, "a"), a, q.r, q.d_in);
        expect_exact(j, "b", call_output(c, "b"), b, q.d_out, q.r);
    }
    call_free(c);
    free(w0), free(a), free(b);
    in_out_free(&q);
}

TEST("lab02.5", 3, "converted weights give the same forward output",
     "After conversion lora_forward must equal lora_forward_in_out.")
{
    in_out_t q;
    in_out_random(j, &q, 4, 10, 26, 2);
    double *want = mat_alloc(q.batch, q.d_out), *y = mat_alloc(q.batch, q.d_out);
    lora_forward_in_out(q.x, q.batch, q.w, q.bd, q.au, q.d_in, q.d_out, q.r, q.alpha, want);
    call_t *c = student_convert(j, &q);
    if (call_run(c) && expect_return(j, c, LAB_OK)) {
        /* Feed the student's converted weights to the reference forward. */
        const double *w0 = call_output(c, "w0"), *a = call_output(c, "a"), *b = call_output(c, "b");
        if (w0 && a && b) {
            lora_forward(q.x, q.batch, w0, a, b, q.d_in, q.d_out, q.r, q.alpha, y);
            expect_close(j, "lora_forward(converted weights)", y, want, q.batch, q.d_out, TOL);
        }
    }
    call_free(c);
    free(want), free(y);
    in_out_free(&q);
}

/* ---- lab02.6: the paper's column form ---- */

static call_t *student_columns(judge_t *j, const double *w0, const double *b, const double *a,
                               const double *xc, size_t d, size_t k, size_t r, size_t n,
                               double alpha)
{
    call_t *c = call_new(j, "lora_forward_columns");
    call_in(c, "w0", w0, d * k);
    call_in(c, "b", b, d * r);
    call_in(c, "a", a, r * k);
    call_in(c, "x_cols", xc, k * n);
    call_size(c, "d", d);
    call_size(c, "k", k);
    call_size(c, "r", r);
    call_size(c, "n", n);
    call_real(c, "alpha", alpha);
    call_out(c, "h_cols", d * n);
    return c;
}

TEST("lab02.6", 4, "course example prints h = [0.334, 0.541, -0.673, 0.241]",
     "Column form: h = W0 x + (alpha/r) B (A x) with W0 (d, k), B (d, r), A (r, k).")
{
    const kit_file_t *f = judge_data(j, DATA);
    const double *w0 = judge_tensor(j, f, "ex003.w0", 4, 4), *x = judge_tensor(j, f, "ex003.x", 4, 1),
                 *b = judge_tensor(j, f, "ex003.b", 4, 2), *a = judge_tensor(j, f, "ex003.a", 2, 4),
                 *alpha = judge_tensor(j, f, "ex003.alpha", 1, 1),
                 *printed = judge_tensor(j, f, "ex003.h_printed", 4, 1);
    if (!w0 || !x || !b || !a || !alpha || !printed)
        return;
    double want[4];
    lora_forward_columns(w0, b, a, x, 4, 4, 2, 1, alpha[0], want);
    call_t *c = student_columns(j, w0, b, a, x, 4, 4, 2, 1, alpha[0]);
    if (call_run(c) && expect_return(j, c, LAB_OK) &&
        expect_rounded(j, "h", call_output(c, "h_cols"), printed, 4, 3))
        expect_close(j, "h", call_output(c, "h_cols"), want, 4, 1, TOL);
    call_free(c);
}

TEST("lab02.6", 4, "random column batches equal the row form transposed",
     "Input t is column t: x_cols[j*n + t]; write output t into h_cols[i*n + t].")
{
    /* The paper's d is d_out, k is d_in: compare with the row form transposed. */
    problem_t p;
    problem_random(j, &p, 6, 29, 15, 4);
    double *xc = mat_alloc(p.d_in, p.batch), *y = mat_alloc(p.batch, p.d_out),
           *want = mat_alloc(p.d_out, p.batch);
    mat_transpose(p.x, xc, p.batch, p.d_in);
    lora_forward(p.x, p.batch, p.w0, p.a, p.b, p.d_in, p.d_out, p.r, p.alpha, y);
    mat_transpose(y, want, p.batch, p.d_out);
    call_t *c = student_columns(j, p.w0, p.b, p.a, xc, p.d_out, p.d_in, p.r, p.batch, p.alpha);
    if (call_run(c) && expect_return(j, c, LAB_OK) && expect_inputs_unchanged(j, c))
        expect_close(j, "h_cols", call_output(c, "h_cols"), want, p.d_out, p.batch, TOL);
    call_free(c);
    free(xc), free(y), free(want);
    problem_free(&p);
}

TEST("lab02.6", 3, "one column with full rank matches the reference",
     "n = 1 and r = min(d, k) = 50.")
{
    problem_t p;
    problem_random(j, &p, 1, 50, 70, 50);
    double *want = mat_alloc(p.d_out, 1);
    lora_forward(p.x, 1, p.w0, p.a, p.b, p.d_in, p.d_out, p.r, p.alpha, want);
    call_t *c = student_columns(j, p.w0, p.b, p.a, p.x, p.d_out, p.d_in, p.r, 1, p.alpha);
    if (call_run(c) && expect_return(j, c, LAB_OK))
        expect_close(j, "h_cols", call_output(c, "h_cols"), want, p.d_out, 1, TOL);
    call_free(c);
    free(want);
    problem_free(&p);
}


static const char *const sources[] = {"lora_forward.c", NULL};

int main(int argc, char **argv)
{
    static const judge_lab_t lab = {"02", "the LoRA forward pass", "02-forward-pass", sources,
                                    "lora_forward.h", NULL, 0};
    return judge_main_registered(argc, argv, &lab);
}
