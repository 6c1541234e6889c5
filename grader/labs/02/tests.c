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
#include "describe.h"
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
    *p = (problem_t){.batch = batch, .d_in = d_in, .d_out = d_out, .r = r,
                     .alpha = rng_uniform_range(judge_rng(j), 0.5, 16.0)};
    p->x = judge_random(j, batch * d_in);
    p->w0 = judge_random(j, d_out * d_in);
    p->a = judge_random(j, r * d_in);
    p->b = judge_random(j, d_out * r);
}

static void problem_free(problem_t *p) { free(p->x), free(p->w0), free(p->a), free(p->b); }

/* The values of lora_forward (batch) or lora_forward_row (batch must be 1) on p, in v. */
static fn_value_t *forward_values(const problem_t *p, int row, fn_value_t v[10])
{
    int k = 0;
    v[k++].in = p->x;
    if (!row)
        v[k++].z = p->batch;
    v[k++].in = p->w0, v[k++].in = p->a, v[k++].in = p->b;
    v[k++].z = p->d_in, v[k++].z = p->d_out, v[k++].z = p->r;
    v[k].d = p->alpha;
    return v;
}

/* The student's lora_forward (batch) or lora_forward_row (batch must be 1). */
static call_t *student_forward(judge_t *j, const problem_t *p, int row)
{
    fn_value_t v[10] = {{0}};
    return call_described(j, row ? "lora_forward_row" : "lora_forward", forward_values(p, row, v));
}

/* Run the student's forward on p and compare with the reference. */
static int forward_matches(judge_t *j, const problem_t *p, int row)
{
    fn_value_t v[10] = {{0}};
    return expect_as_reference(j, row ? "lora_forward_row" : "lora_forward", forward_values(p, row, v), 0,
                               TOL);
}

/* forward_matches on a random problem of each shape {batch, d_in, d_out, r}
 * in turn, until one fails; the failure names the shape (with min_rank: a
 * rank other than 1 is min(d_in, d_out)). */
static void shapes_match(judge_t *j, const size_t (*shapes)[4], size_t n, int row, int min_rank)
{
    for (size_t i = 0; i < n && !judge_failed(j); i++) {
        problem_t p;
        problem_random(j, &p, shapes[i][0], shapes[i][1], shapes[i][2], shapes[i][3]);
        const char *note = min_rank && p.r != 1 ? " = min(d_in, d_out)" : "";
        if (forward_matches(j, &p, row))
            ;
        else if (row)
            judge_fail(j, "(d_in = %zu, d_out = %zu, r = %zu%s)", p.d_in, p.d_out, p.r, note);
        else
            judge_fail(j, "(batch = %zu, d_in = %zu, d_out = %zu, r = %zu%s)", p.batch, p.d_in,
                       p.d_out, p.r, note);
        problem_free(&p);
    }
}

/* The course's reference example (fwd.* of DATA): one row x (1, 2), W0 (2, 2),
 * A (1, 2), B (2, 1), alpha and its y (1, 2).  0 when a tensor is missing
 * (judge_tensor has made the run a grader error). */
typedef struct {
    const double *x, *w0, *a, *b, *alpha, *y;
} example_t;

static int example(judge_t *j, example_t *e)
{
    const kit_file_t *f = judge_data(j, DATA);
    e->x = judge_tensor(j, f, "fwd.x", 1, 2);
    e->w0 = judge_tensor(j, f, "fwd.w0", 2, 2);
    e->a = judge_tensor(j, f, "fwd.a", 1, 2);
    e->b = judge_tensor(j, f, "fwd.b", 2, 1);
    e->alpha = judge_tensor(j, f, "fwd.alpha", 1, 1);
    e->y = judge_tensor(j, f, "fwd.y", 1, 2);
    return e->x && e->w0 && e->a && e->b && e->alpha && e->y;
}

/* ---- lab02.1: one row ---- */

TEST("lab02.1", 4, "reference example gives [3, 0]",
     "y = x W0^T + (alpha/r) (x A^T) B^T; W0 is (d_out, d_in): y[i] sums w0[i*d_in + j] * x[j].")
{
    example_t e;
    if (!example(j, &e))
        return;
    problem_t p = {1, 2, 2, 1, e.alpha[0], (double *)e.x, (double *)e.w0, (double *)e.a, (double *)e.b};
    expect_call(j, student_forward(j, &p, 1), 0, "y", e.y, 1, 2, TOL);
}

TEST("lab02.1", 4, "zero B gives exactly the base layer",
     "With B = 0, y must equal x W0^T bit for bit (W0 is (d_out, d_in)): the base term, plus an adapter term of exactly 0.")
{
    problem_t p;
    problem_random(j, &p, 1, 24, 16, 4);
    judge_fill_dyadic(judge_rng(j), p.x, p.d_in);
    judge_fill_dyadic(judge_rng(j), p.w0, p.d_out * p.d_in);
    memset(p.b, 0, p.d_out * p.r * sizeof(double));
    double *base = mat_alloc(1, p.d_out);
    mat_matmul_nt(p.x, p.w0, base, 1, p.d_in, p.d_out); /* exact: dyadic inputs */
    expect_call(j, student_forward(j, &p, 1), EXPECT_EXACT, "y", base, 1, p.d_out, 0);
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
    static const size_t shapes[][4] = {{1, 37, 23, 5}, {1, 23, 37, 5}, {1, 64, 64, 8}, {1, 129, 65, 3}};
    shapes_match(j, shapes, 4, 1, 0);
}

TEST("lab02.1", 3, "rank 1 and rank min(d_in, d_out) work",
     "The smallest and largest ranks: y = x W0^T + (alpha/r) (x A^T) B^T, the adapter term summed over k = 0 .. r - 1.")
{
    static const size_t shapes[][4] = {{1, 31, 17, 1}, {1, 31, 17, 17}, {1, 9, 40, 9}, {1, 40, 40, 40}};
    shapes_match(j, shapes, 4, 1, 1);
}



/* ---- lab02.2: a batch ---- */

TEST("lab02.2", 4, "batched input matches row by row",
     "Each row t is one forward pass: y_t = x_t W0^T + (alpha/r) (x_t A^T) B^T, with x_t at x + t*d_in and y_t at y + t*d_out.")
{
    example_t e;
    if (!example(j, &e))
        return;
    double x[4] = {1, 0, 0, 1}, want[4];
    problem_t p = {2, 2, 2, 1, 2.0, x, (double *)e.w0, (double *)e.a, (double *)e.b};
    lora_forward(x, 2, e.w0, e.a, e.b, 2, 2, 1, 2.0, want);
    expect_call(j, student_forward(j, &p, 0), 0, "y", want, 2, 2, TOL);
}

TEST("lab02.2", 4, "large non-square batches (strides) match the reference",
     "Large batches with d_in != d_out: each row is y_t = x_t W0^T + (alpha/r) (x_t A^T) B^T, x_t at x + t*d_in, y_t at y + t*d_out.")
{
    static const size_t shapes[][4] = {{17, 129, 65, 8}, {5, 65, 129, 7}, {33, 16, 48, 48}};
    shapes_match(j, shapes, 3, 0, 0);
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

/* lora_merged_weight's values on p. */
#define MERGED_VALUES(p)                                                                          \
    ((fn_value_t[]){{.in = (p)->w0}, {.in = (p)->a}, {.in = (p)->b}, {.z = (p)->d_in},             \
                    {.z = (p)->d_out}, {.z = (p)->r}, {.d = (p)->alpha}, {0}})

static call_t *student_merged(judge_t *j, const problem_t *p)
{
    return call_described(j, "lora_merged_weight", MERGED_VALUES(p));
}

TEST("lab02.3", 3, "merged weight of the reference example is [[3, 0], [0, 1]]",
     "w_eff[i][j] = w0[i][j] + (alpha/r) * sum_k b[i*r + k] * a[k*d_in + j].")
{
    example_t e;
    if (!example(j, &e))
        return;
    double want[4];
    lora_merged_weight(e.w0, e.a, e.b, 2, 2, 1, 2.0, want); /* [[3, 0], [0, 1]] */
    problem_t p = {1, 2, 2, 1, 2.0, NULL, (double *)e.w0, (double *)e.a, (double *)e.b};
    expect_call(j, student_merged(j, &p), 0, "w_eff", want, 2, 2, TOL);
}

TEST("lab02.3", 4, "random merged weights match W0 + (alpha/r) B A",
     "w_eff = W0 + (alpha/r) B A on random shapes: B A is (d_out, r) times (r, d_in), w_eff[i][j] = w0[i][j] + (alpha/r) sum_k b[i*r + k] a[k*d_in + j].")
{
    problem_t p;
    problem_random(j, &p, 1, 45, 27, 6);
    expect_as_reference(j, "lora_merged_weight", MERGED_VALUES(&p), EXPECT_INPUTS, TOL);
    problem_free(&p);
}

/* The "LoRA forward pass" exercise's test "matches explicit W0 + scaling*BA": the student's forward
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
    if (call_ok(j, m) && call_run(f)) {
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

/* ---- lab02.4: the (d_in, d_out) layout of "Low-rank adaptation forward" ---- */

static call_t *student_in_out(judge_t *j, const double *x, size_t batch, const double *w,
                              const double *bd, const double *au, size_t d_in, size_t d_out,
                              size_t r, double alpha)
{
    return call_described(j, "lora_forward_in_out",
                          (fn_value_t[]){{.in = x}, {.z = batch}, {.in = w}, {.in = bd}, {.in = au},
                                         {.z = d_in}, {.z = d_out}, {.z = r}, {.d = alpha}, {0}});
}

/* A random problem in that layout is a problem_t (the same counts, drawn
 * in the same order) whose arrays are read as x (batch, d_in), w (d_in, d_out)
 * in w0's place, b_down (d_in, r) in a's and a_up (r, d_out) in b's. */
typedef problem_t in_out_t;

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
    expect_call(j, student_in_out(j, x, batch, w, bd, au, d_in, d_out, r, alpha[0]), 0, "h", h,
                batch, d_out, TOL);
}

TEST("lab02.4", 3, "the exercise's example 1 gives [[4, 5]]",
     "In this layout w is (d_in, d_out), b_down is (d_in, r), a_up is (r, d_out): h = x w + (alpha/r) (x b_down) a_up.")
{
    in_out_example(j, "inout_1", 1, 2, 2, 1);
}
TEST("lab02.4", 3, "the exercise's example 2 (a batch) gives [[2.25, 1.25], [1.25, 2.25]]",
     "A batch of two rows, r = 2, w (d_in, d_out), b_down (d_in, r), a_up (r, d_out): h = x w + (alpha/r) (x b_down) a_up, row by row.")
{
    in_out_example(j, "inout_2", 2, 2, 2, 2);
}
TEST("lab02.4", 2, "the exercise's example 3 gives [[14]]",
     "1 x 1 matrices, r = 1: h = x w + (alpha/r) x b a.")
{
    in_out_example(j, "inout_3", 1, 1, 1, 1);
}

TEST("lab02.4", 3, "random (d_in, d_out)-layout problems match the reference",
     "h = x w + (alpha/r) (x b_down) a_up on random shapes, with w[i*d_out + j] (row i is input i), b_down[i*r + k], a_up[k*d_out + j].")
{
    in_out_t q;
    problem_random(j, &q, 9, 37, 19, 5);
    fn_value_t v[10] = {{0}};
    /* lora_forward_in_out takes its arguments in lora_forward's order. */
    expect_as_reference(j, "lora_forward_in_out", forward_values(&q, 0, v), EXPECT_INPUTS, TOL);
    problem_free(&q);
}

/* ---- lab02.5: converting layouts ---- */

/* lora_from_in_out's values on q. */
#define CONVERT_VALUES(q)                                                                         \
    ((fn_value_t[]){{.in = (q)->w0}, {.in = (q)->a}, {.in = (q)->b}, {.z = (q)->d_in},            \
                    {.z = (q)->d_out}, {.z = (q)->r}, {0}, {0}, {0}})

static call_t *student_convert(judge_t *j, const in_out_t *q)
{
    return call_described(j, "lora_from_in_out", CONVERT_VALUES(q));
}

TEST("lab02.5", 4, "conversion transposes each matrix",
     "w0 = w^T, a = b_down^T, b = a_up^T: the letters swap roles between the layouts.")
{
    in_out_t q;
    problem_random(j, &q, 1, 13, 7, 3);
    expect_as_reference(j, "lora_from_in_out", CONVERT_VALUES(&q), EXPECT_INPUTS, 0.0); /* exact */
    problem_free(&q);
}

TEST("lab02.5", 3, "converted weights give the same forward output",
     "After conversion lora_forward must equal lora_forward_in_out.")
{
    in_out_t q;
    problem_random(j, &q, 4, 10, 26, 2);
    double *want = mat_alloc(q.batch, q.d_out), *y = mat_alloc(q.batch, q.d_out);
    lora_forward_in_out(q.x, q.batch, q.w0, q.a, q.b, q.d_in, q.d_out, q.r, q.alpha, want);
    call_t *c = student_convert(j, &q);
    if (call_ok(j, c)) {
        /* Feed the student's converted weights to the reference forward. */
        const double *w0 = call_output(c, "w0"), *a = call_output(c, "a"), *b = call_output(c, "b");
        if (w0 && a && b) {
            lora_forward(q.x, q.batch, w0, a, b, q.d_in, q.d_out, q.r, q.alpha, y);
            expect_close(j, "lora_forward(converted weights)", y, want, q.batch, q.d_out, TOL);
        }
    }
    call_free(c);
    free(want), free(y);
    problem_free(&q);
}

/* ---- lab02.6: the paper's column form ---- */

static call_t *student_columns(judge_t *j, const double *w0, const double *b, const double *a,
                               const double *xc, size_t d, size_t k, size_t r, size_t n,
                               double alpha)
{
    return call_described(j, "lora_forward_columns",
                          (fn_value_t[]){{.in = w0}, {.in = b}, {.in = a}, {.in = xc}, {.z = d},
                                         {.z = k}, {.z = r}, {.z = n}, {.d = alpha}, {0}});
}

TEST("lab02.6", 4, "course example prints h = [0.334, 0.541, -0.673, 0.241]",
     "Column form: h = W0 x + (alpha/r) B (A x) with W0 (d, k), B (d, r), A (r, k).")
{
    const kit_file_t *f = judge_data(j, DATA);
    const double *w0 = judge_tensor(j, f, "course.w0", 4, 4), *x = judge_tensor(j, f, "course.x", 4, 1),
                 *b = judge_tensor(j, f, "course.b", 4, 2), *a = judge_tensor(j, f, "course.a", 2, 4),
                 *alpha = judge_tensor(j, f, "course.alpha", 1, 1),
                 *printed = judge_tensor(j, f, "course.h_printed", 4, 1);
    if (!w0 || !x || !b || !a || !alpha || !printed)
        return;
    double want[4];
    lora_forward_columns(w0, b, a, x, 4, 4, 2, 1, alpha[0], want);
    call_t *c = student_columns(j, w0, b, a, x, 4, 4, 2, 1, alpha[0]);
    if (call_ok(j, c) && expect_rounded(j, "h", call_output(c, "h_cols"), printed, 4, 3))
        expect_close(j, "h", call_output(c, "h_cols"), want, 4, 1, TOL);
    call_free(c);
}

TEST("lab02.6", 4, "random column batches equal the row form transposed",
     "Each column t is one forward pass h_t = W0 x_t + (alpha/r) B (A x_t): x_t is x_cols[j*n + t], h_t goes to h_cols[i*n + t].")
{
    /* The paper's d is d_out, k is d_in: compare with the row form transposed. */
    problem_t p;
    problem_random(j, &p, 6, 29, 15, 4);
    double *xc = mat_alloc(p.d_in, p.batch), *y = mat_alloc(p.batch, p.d_out),
           *want = mat_alloc(p.d_out, p.batch);
    mat_transpose(p.x, xc, p.batch, p.d_in);
    lora_forward(p.x, p.batch, p.w0, p.a, p.b, p.d_in, p.d_out, p.r, p.alpha, y);
    mat_transpose(y, want, p.batch, p.d_out);
    expect_call(j, student_columns(j, p.w0, p.b, p.a, xc, p.d_out, p.d_in, p.r, p.batch, p.alpha),
                EXPECT_INPUTS, "h_cols", want, p.d_out, p.batch, TOL);
    free(xc), free(y), free(want);
    problem_free(&p);
}

TEST("lab02.6", 3, "one column with full rank matches the reference",
     "One column (n = 1) at full rank r = min(d, k) = 50: h = W0 x + (alpha/r) B (A x), the rank term summed over all r.")
{
    problem_t p;
    problem_random(j, &p, 1, 50, 70, 50);
    expect_as_reference(j, "lora_forward_columns",
                        (fn_value_t[]){{.in = p.w0}, {.in = p.b}, {.in = p.a}, {.in = p.x}, {.z = p.d_out},
                                       {.z = p.d_in}, {.z = p.r}, {.z = 1}, {.d = p.alpha}, {0}},
                        0, TOL);
    problem_free(&p);
}

JUDGE_LAB_MAIN("02", "the LoRA forward pass", "02-forward-pass", "lora_forward.h",
               "lora_forward.c")
