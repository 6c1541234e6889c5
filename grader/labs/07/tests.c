/*
 * tests.c - Lab 07's hidden tests: the two-task project's forward passes,
 * head and loss, both backward passes, training, merging and the checks.
 *
 * Expected values come from the reference solution (linked into this judge,
 * never into the runner), from central finite differences of the reference
 * loss, from the header's worked examples (course-style numbers, stated in
 * two_task.h and recomputed by lab07-demo examples), or from the project's
 * data file data/lab07/two-task.txt (made by lab07-demo write-data).  Random
 * networks draw from judge_rng(): seed printed, --seed N repeats a run.
 * Shapes are non-square (d != d_ff != r) and the scale s is not 1, so a
 * transposed factor or a dropped s shows.
 */
#include "describe.h"
#include "test.h"
#include "matrix.h"
#include "two_task.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TOL 1e-9
#define DATA "lab07/two-task.txt"

/* ------------------------------------------------------------ problems */

typedef struct {
    size_t n, n_probe, d, d_ff, r, nf, na;
    double scale;
    double *x, *y_a, *y_b, *probe, *frozen, *init_a, *init_b;
} problem_t;

static void problem_alloc(problem_t *p, size_t n, size_t n_probe, size_t d, size_t d_ff, size_t r)
{
    p->n = n, p->n_probe = n_probe, p->d = d, p->d_ff = d_ff, p->r = r, p->scale = 1.0;
    p->nf = two_task_frozen_count(d, d_ff), p->na = two_task_adapter_count(d, d_ff, r);
    p->x = mat_alloc(n, d), p->y_a = mat_alloc(n, 1), p->y_b = mat_alloc(n, 1);
    p->probe = mat_alloc(n_probe, d), p->frozen = mat_alloc(1, p->nf);
    p->init_a = mat_alloc(1, p->na), p->init_b = mat_alloc(1, p->na);
}

/* A random network with random adapters (B's not zero unless lora_init). */
static void problem_random(judge_t *j, problem_t *p, size_t n, size_t d, size_t d_ff, size_t r,
                           int lora_init)
{
    rng_t *g = judge_rng(j);
    problem_alloc(p, n, 4, d, d_ff, r);
    p->scale = rng_uniform_range(g, 0.4, 2.5);
    rng_fill_normal(g, p->x, n * d, 1.0);
    rng_fill_normal(g, p->probe, 4 * d, 1.0);
    rng_fill_normal(g, p->frozen, p->nf, 0.5);
    rng_fill_normal(g, p->init_a, p->na, 0.3);
    rng_fill_normal(g, p->init_b, p->na, 0.3);
    for (size_t t = 0; t < n; t++) {
        p->y_a[t] = (double)rng_below(g, 2);
        p->y_b[t] = (double)rng_below(g, 2);
    }
    if (lora_init)
        for (int k = 0; k < 2; k++) {
            double *a = k ? p->init_b : p->init_a;
            memset(a + TT_B1(d_ff, r), 0, d * r * sizeof(double));
            memset(a + TT_B2(d, d_ff, r), 0, d * r * sizeof(double));
        }
}

/* The project's data file: d = 8, d_ff = 16, r = 4, 200 samples, 5 probe rows. */
static int problem_project(judge_t *j, problem_t *p)
{
    const kit_file_t *f = judge_data(j, DATA);
    const double *sizes = f ? judge_tensor(j, f, "sizes", 1, 6) : NULL;
    if (!sizes)
        return 0;
    const size_t d = 8, d_ff = 16, r = 4, n = 200;
    problem_alloc(p, n, 5, d, d_ff, r);
    p->scale = sizes[3] / (double)r;
    struct { const char *name; double *dst; size_t rows, cols; } parts[] = {
        {"W1", p->frozen, d_ff, d}, {"b1", p->frozen + d_ff * d, 1, d_ff},
        {"W2", p->frozen + TT_W2(d, d_ff), d, d_ff}, {"b2", p->frozen + TT_B2BIAS(d, d_ff), 1, d},
        {"X", p->x, n, d}, {"y_a", p->y_a, n, 1}, {"y_b", p->y_b, n, 1}, {"probe", p->probe, 5, d},
        {"a.A1", p->init_a, r, d_ff}, {"a.B1", p->init_a + TT_B1(d_ff, r), d, r},
        {"a.A2", p->init_a + TT_A2(d, d_ff, r), r, d}, {"a.B2", p->init_a + TT_B2(d, d_ff, r), d, r},
        {"a.w", p->init_a + TT_HEAD(d, d_ff, r), 1, d}, {"a.c", p->init_a + TT_HEAD(d, d_ff, r) + d, 1, 1},
        {"b.A1", p->init_b, r, d_ff}, {"b.B1", p->init_b + TT_B1(d_ff, r), d, r},
        {"b.A2", p->init_b + TT_A2(d, d_ff, r), r, d}, {"b.B2", p->init_b + TT_B2(d, d_ff, r), d, r},
        {"b.w", p->init_b + TT_HEAD(d, d_ff, r), 1, d}, {"b.c", p->init_b + TT_HEAD(d, d_ff, r) + d, 1, 1}};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        const double *v = judge_tensor(j, f, parts[i].name, parts[i].rows, parts[i].cols);
        if (!v)
            return 0;
        memcpy(parts[i].dst, v, parts[i].rows * parts[i].cols * sizeof(double));
    }
    return 1;
}

static void problem_free(problem_t *p)
{
    free(p->x), free(p->y_a), free(p->y_b), free(p->probe), free(p->frozen), free(p->init_a),
        free(p->init_b);
}

/* Multiples of 1/8 in [-2, 2]: every sum here is exact, in any order. */
static void fill_dyadic(rng_t *g, double *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        v[i] = ((double)rng_below(g, 33) - 16.0) / 8.0;
}

/* ------------------------------------------------------------ student calls */

static call_t *s_base(judge_t *j, const double *x, size_t n, const double *frozen, size_t d,
                      size_t d_ff)
{
    call_t *c = call_new(j, "base_forward");
    call_in(c, "x", x, n ? n * d : 1);
    call_size(c, "n", n);
    call_in(c, "frozen", frozen, two_task_frozen_count(d ? d : 1, d_ff ? d_ff : 1));
    call_size(c, "d", d), call_size(c, "d_ff", d_ff);
    call_out(c, "out", n && d ? n * d : 1);
    return c;
}

static call_t *s_adapted(judge_t *j, const problem_t *p, const double *x, size_t n,
                         const double *adapter)
{
    call_t *c = call_new(j, "adapted_forward");
    call_in(c, "x", x, n ? n * p->d : 1);
    call_size(c, "n", n);
    call_in(c, "frozen", p->frozen, p->nf);
    call_in(c, "adapter", adapter, p->na);
    call_size(c, "d", p->d), call_size(c, "d_ff", p->d_ff), call_size(c, "r", p->r);
    call_real(c, "scale", p->scale);
    call_out(c, "out", n ? n * p->d : 1);
    return c;
}

static call_t *s_head(judge_t *j, const double *out, const double *y, size_t n, const double *head,
                      size_t d)
{
    call_t *c = call_new(j, "head_bce");
    call_in(c, "out", out, n * d);
    call_in(c, "y", y, n);
    call_size(c, "n", n);
    call_in(c, "head", head, d + 1);
    call_size(c, "d", d);
    call_out(c, "probs", n);
    call_out(c, "loss", 1);
    return c;
}

static call_t *s_gradient(judge_t *j, const problem_t *p, const double *y, const double *adapter,
                          enum two_task_backprop mode)
{
    call_t *c = call_new(j, "adapter_gradient");
    call_in(c, "x", p->x, p->n * p->d);
    call_in(c, "y", y, p->n);
    call_size(c, "n", p->n);
    call_in(c, "frozen", p->frozen, p->nf);
    call_in(c, "adapter", adapter, p->na);
    call_size(c, "d", p->d), call_size(c, "d_ff", p->d_ff), call_size(c, "r", p->r);
    call_real(c, "scale", p->scale);
    call_int(c, "mode", mode);
    call_out(c, "loss", 1);
    call_out(c, "grad", p->na);
    return c;
}

static call_t *s_train(judge_t *j, const problem_t *p, const double *y, const double *init,
                       double lr, size_t epochs, enum two_task_backprop mode)
{
    call_t *c = call_new(j, "train_task");
    call_in(c, "x", p->x, p->n * p->d);
    call_in(c, "y", y, p->n);
    call_size(c, "n", p->n);
    call_in(c, "frozen", p->frozen, p->nf);
    call_in(c, "adapter_init", init, p->na);
    call_size(c, "d", p->d), call_size(c, "d_ff", p->d_ff), call_size(c, "r", p->r);
    call_real(c, "scale", p->scale);
    call_real(c, "lr", lr);
    call_size(c, "epochs", epochs);
    call_int(c, "mode", mode);
    call_out(c, "adapter", p->na);
    call_out(c, "losses", epochs ? epochs : 1);
    return c;
}

static call_t *s_merge(judge_t *j, const problem_t *p, const double *adapter)
{
    call_t *c = call_new(j, "merge_adapter");
    call_in(c, "frozen", p->frozen, p->nf);
    call_in(c, "adapter", adapter, p->na);
    call_size(c, "d", p->d), call_size(c, "d_ff", p->d_ff), call_size(c, "r", p->r);
    call_real(c, "scale", p->scale);
    call_out(c, "merged", p->nf);
    return c;
}

static call_t *s_checks(judge_t *j, const problem_t *p, double lr, size_t epochs,
                        enum two_task_backprop mode)
{
    call_t *c = call_new(j, "project_checks");
    call_in(c, "x", p->x, p->n * p->d);
    call_in(c, "y_a", p->y_a, p->n);
    call_in(c, "y_b", p->y_b, p->n);
    call_size(c, "n", p->n);
    call_in(c, "probe", p->probe, p->n_probe * p->d);
    call_size(c, "n_probe", p->n_probe);
    call_in(c, "frozen", p->frozen, p->nf);
    call_in(c, "init_a", p->init_a, p->na);
    call_in(c, "init_b", p->init_b, p->na);
    call_size(c, "d", p->d), call_size(c, "d_ff", p->d_ff), call_size(c, "r", p->r);
    call_real(c, "scale", p->scale);
    call_real(c, "lr", lr);
    call_size(c, "epochs", epochs);
    call_int(c, "mode", mode);
    call_out(c, "report", TT_REPORT_LEN);
    call_out(c, "adapter_a", p->na);
    call_out(c, "adapter_b", p->na);
    return c;
}

/* c breaks the contract (what says how): LAB_EARG with output `out`
 * untouched.  Frees c; 1 if it was rejected. */
static int rejects(judge_t *j, call_t *c, const char *out, const char *what)
{
    int ok = call_run(c) && expect_return(j, c, LAB_EARG) && expect_untouched(j, c, out);
    return call_end(j, c, ok, "(the case was %s)", what);
}

/* ---- lab07.1 base_forward ---- */

TEST("lab07.1", 3, "header example of the frozen network gives 6.5",
     "h1 = max(0, W1 x + b1), out = W2 h1 + b2; W1 is (d_ff, d), W2 is (d, d_ff).")
{
    /* two_task.h: d = 1, d_ff = 2, W1 = [[1], [-1]], b1 = 0, W2 = [[2, 3]], b2 = 0.5, x = -2. */
    static const double frozen[] = {1, -1, 0, 0, 2, 3, 0.5}, x[] = {-2}, want[] = {6.5};
    call_t *c = s_base(j, x, 1, frozen, 1, 2);
    if (call_run(c) && expect_return(j, c, LAB_OK))
        expect_close(j, "out", call_output(c, "out"), want, 1, 1, TOL);
    call_free(c);
}

TEST("lab07.1", 4, "frozen network matches the reference on non-square shapes",
     "frozen[] = W1 (d_ff, d) | b1 (d_ff) | W2 (d, d_ff) | b2 (d); row t of x starts at t*d.")
{
    static const size_t shapes[][3] = {{9, 5, 11}, {20, 8, 16}, {3, 13, 4}};
    for (size_t s = 0; s < 3 && !judge_failed(j); s++) {
        problem_t p;
        problem_random(j, &p, shapes[s][0], shapes[s][1], shapes[s][2], 3, 0);
        if (!expect_as_reference(j, "base_forward",
                                 (fn_value_t[]){{.in = p.x}, {.z = p.n}, {.in = p.frozen}, {.z = p.d},
                                                {.z = p.d_ff}, {0}},
                                 0, TOL))
            judge_fail(j, "(n = %zu, d = %zu, d_ff = %zu)", p.n, p.d, p.d_ff);
        problem_free(&p);
    }
}

/* ---- lab07.2 adapted_forward ---- */

TEST("lab07.2", 2, "header example of the adapted network gives 21",
     "h2 = W2 h1 + b2 + s B1 (A1 h1), out = h2 + s B2 (A2 h2).")
{
    problem_t p;
    problem_alloc(&p, 1, 1, 1, 2, 1);
    static const double frozen[] = {1, -1, 0, 0, 2, 3, 0.5}, ad[] = {1, 1, 1, 1, 0.5, 0, 0},
                        x[] = {-2}, want[] = {21};
    memcpy(p.frozen, frozen, sizeof frozen);
    p.scale = 2.0;
    call_t *c = s_adapted(j, &p, x, 1, ad);
    if (call_run(c) && expect_return(j, c, LAB_OK))
        expect_close(j, "out", call_output(c, "out"), want, 1, 1, TOL);
    call_free(c);
    problem_free(&p);
}

TEST("lab07.2", 4, "zero B1 and B2 give the frozen output bit for bit",
     "Compute the base part exactly as base_forward, then add s B1 z1 and s B2 z2 (exactly 0 at init).")
{
    problem_t p;
    problem_random(j, &p, 12, 6, 10, 3, 1);
    rng_t *g = judge_rng(j);
    fill_dyadic(g, p.x, p.n * p.d);
    fill_dyadic(g, p.frozen, p.nf);
    fill_dyadic(g, p.init_a, TT_B1(p.d_ff, p.r));                       /* A1 */
    fill_dyadic(g, p.init_a + TT_A2(p.d, p.d_ff, p.r), p.r * p.d);      /* A2 */
    double *want = mat_alloc(p.n, p.d);
    base_forward(p.x, p.n, p.frozen, p.d, p.d_ff, want);
    call_t *c = s_adapted(j, &p, p.x, p.n, p.init_a);
    if (call_run(c) && expect_return(j, c, LAB_OK) &&
        !expect_exact(j, "out with B1 = B2 = 0", call_output(c, "out"), want, p.n, p.d))
        judge_fail(j, "(the frozen network's output, bit for bit: the base part as base_forward "
                   "sums it, then + s B1 z1 and + s B2 z2, which are exactly 0)");
    call_free(c);
    free(want);
    problem_free(&p);
}

TEST("lab07.2", 3, "adapted network matches the reference with scale != 1",
     "h2 = W2 h1 + b2 + s B1 (A1 h1), out = h2 + s B2 (A2 h2), with A1 (r, d_ff), B1 (d, r), A2 (r, d), B2 (d, r): both branches are multiplied by s.")
{
    static const size_t shapes[][4] = {{9, 5, 11, 3}, {20, 8, 16, 4}, {4, 7, 3, 2}};
    for (size_t s = 0; s < 3 && !judge_failed(j); s++) {
        problem_t p;
        problem_random(j, &p, shapes[s][0], shapes[s][1], shapes[s][2], shapes[s][3], 0);
        fn_value_t v[] = {{.in = p.x},  {.z = p.n},    {.in = p.frozen}, {.in = p.init_a},
                          {.z = p.d},   {.z = p.d_ff}, {.z = p.r},       {.d = p.scale}, {0}};
        if (!expect_as_reference(j, "adapted_forward", v, 0, TOL))
            judge_fail(j, "(n = %zu, d = %zu, d_ff = %zu, r = %zu, s = %.4g)", p.n, p.d, p.d_ff,
                       p.r, p.scale);
        problem_free(&p);
    }
}

/* ---- lab07.3 head_bce ---- */

static void head_matches(judge_t *j, const double *out, const double *y, size_t n,
                         const double *head, size_t d)
{
    double *p = mat_alloc(n, 1), loss;
    head_bce(out, y, n, head, d, p, &loss);
    call_t *c = s_head(j, out, y, n, head, d);
    if (call_run(c) && expect_return(j, c, LAB_OK) && expect_inputs_unchanged(j, c) &&
        expect_close(j, "probs", call_output(c, "probs"), p, 1, n, TOL))
        expect_close(j, "loss", call_output(c, "loss"), &loss, 1, 1, TOL);
    call_free(c);
    free(p);
}

TEST("lab07.3", 1, "header example gives p = 0.8808, 0.1192 and loss 1.12693",
     "p = 1 / (1 + exp(-z)), z = w . out + c; loss = mean of -(y log p + (1 - y) log(1 - p)).")
{
    static const double out[] = {1, -1}, y[] = {1, 1}, head[] = {2, 0},
                        p[] = {0.880797077977882, 0.119202922022118}, loss = 1.1269280110429725;
    call_t *c = s_head(j, out, y, 2, head, 1);
    if (call_run(c) && expect_return(j, c, LAB_OK) &&
        expect_close(j, "probs", call_output(c, "probs"), p, 1, 2, 1e-14))
        expect_close(j, "loss", call_output(c, "loss"), &loss, 1, 1, 1e-14);
    call_free(c);
}

TEST("lab07.3", 2, "random heads match the reference probabilities and loss",
     "The head is w (d) then c; the loss is the mean over n samples, without eps.")
{
    rng_t *g = judge_rng(j);
    const size_t n = 17, d = 6;
    double out[17 * 6], y[17], head[7];
    rng_fill_normal(g, out, n * d, 1.5);
    rng_fill_normal(g, head, d + 1, 1.0);
    for (size_t t = 0; t < n; t++)
        y[t] = (double)rng_below(g, 2);
    head_matches(j, out, y, n, head, d);
}

TEST("lab07.3", 2, "logits of +-700 still give a finite loss",
     "With logits of +-700 the loss must stay finite: per sample, max(z, 0) - z y + log1p(exp(-|z|)).")
{
    static const double out[] = {700, -700, 40, -40}, y[] = {0, 1, 1, 0}, head[] = {1, 0};
    double p[4], loss;
    head_bce(out, y, 4, head, 1, p, &loss);
    call_t *c = s_head(j, out, y, 4, head, 1);
    if (call_run(c) && expect_return(j, c, LAB_OK)) {
        const double *got = call_output(c, "loss");
        if (got && !isfinite(got[0]))
            judge_fail(j, "loss is %g for logits +-700: -log(sigmoid(-700)) overflows; use "
                       "max(z, 0) - z y + log1p(exp(-|z|))", got[0]);
        else
            expect_close(j, "loss (logits 700, -700, 40, -40)", got, &loss, 1, 1, TOL);
    }
    call_free(c);
}

TEST("lab07.3", 1, "labels 0 and 1 give the right loss; any other is rejected",
     "Valid labels must give the reference's probabilities and loss; check every y[t] is 0.0 or 1.0 (NaN too) before writing.")
{
    static const double out[] = {1, 2}, head[] = {1, 0};
    static const double labels[][2] = {{0, 2}, {0.5, 1}, {NAN, 0}, {-1, 1}};
    static const double good[] = {1, 0};
    head_matches(j, out, good, 2, head, 1);
    if (!judge_needs_working(j, "head_bce"))
        return;
    for (size_t k = 0; k < 4 && !judge_failed(j); k++) {
        char what[64];
        snprintf(what, sizeof what, "labels %g, %g", labels[k][0], labels[k][1]);
        rejects(j, s_head(j, out, labels[k], 2, head, 1), "loss", what);
    }
}

/* ---- lab07.4 adapter_gradient ---- */

static int gradient_matches(judge_t *j, const problem_t *p, const double *adapter,
                            enum two_task_backprop mode)
{
    double loss, *grad = mat_alloc(1, p->na);
    adapter_gradient(p->x, p->y_a, p->n, p->frozen, adapter, p->d, p->d_ff, p->r, p->scale, mode,
                     &loss, grad);
    call_t *c = s_gradient(j, p, p->y_a, adapter, mode);
    int ok = call_run(c) && expect_return(j, c, LAB_OK) &&
             expect_close(j, "loss", call_output(c, "loss"), &loss, 1, 1, TOL) &&
             expect_close(j, "grad (packed A1 | B1 | A2 | B2 | w | c)", call_output(c, "grad"), grad,
                          1, p->na, TOL);
    if (!ok)
        judge_fail(j, "(n = %zu, d = %zu, d_ff = %zu, r = %zu, s = %.4g, mode = %s)", p->n, p->d,
                   p->d_ff, p->r, p->scale, mode ? "simplified" : "full");
    call_free(c);
    free(grad);
    return ok;
}

/* On a random problem of shape n, d, d_ff, r: the gradient in mode matches the reference's. */
static void gradient_test(judge_t *j, const size_t shape[4], enum two_task_backprop mode)
{
    problem_t p;
    problem_random(j, &p, shape[0], shape[1], shape[2], shape[3], 0);
    gradient_matches(j, &p, p.init_a, mode);
    problem_free(&p);
}

TEST("lab07.4", 5, "full gradient matches the reference on non-square shapes",
     "dB = s sum g z^T (d, r) and dA = sum (s B^T g) h^T (r, d_in): check both layouts and s.")
{
    static const size_t shape[4] = {15, 5, 9, 3};
    gradient_test(j, shape, TT_BACKPROP_FULL);
}

TEST("lab07.4", 4, "full gradient matches central finite differences",
     "The full gradient is the loss's derivative in every adapter entry: g_h2 = g_out + A2^T g_z2 with g_z2 = s B2^T g_out (the gradient also flows through LoRA 2's branch), then dB1, dA1 from g_h2.")
{
    problem_t p;
    problem_random(j, &p, 10, 4, 7, 3, 0);
    double *ad = mat_dup(p.init_a, 1, p.na), *fd = mat_alloc(1, p.na), *g = mat_alloc(1, p.na);
    const double h = 1e-5;
    for (size_t i = 0; i < p.na; i++) {
        double lp, lm, keep = ad[i];
        ad[i] = keep + h;
        adapter_gradient(p.x, p.y_a, p.n, p.frozen, ad, p.d, p.d_ff, p.r, p.scale, 0, &lp, g);
        ad[i] = keep - h;
        adapter_gradient(p.x, p.y_a, p.n, p.frozen, ad, p.d, p.d_ff, p.r, p.scale, 0, &lm, g);
        ad[i] = keep;
        fd[i] = (lp - lm) / (2 * h);
    }
    call_t *c = s_gradient(j, &p, p.y_a, p.init_a, TT_BACKPROP_FULL);
    if (call_run(c) && expect_return(j, c, LAB_OK) &&
        !expect_close(j, "grad vs central differences (h = 1e-5)", call_output(c, "grad"), fd, 1,
                      p.na, 1e-7))
        judge_fail(j, "(mode TT_BACKPROP_FULL must be the exact derivative of the loss)");
    call_free(c);
    free(ad), free(fd), free(g);
    problem_free(&p);
}

TEST("lab07.4", 4, "simplified gradient is the numpy project's shortcut",
     "Simplified mode is full mode with g_h2 = g_out: LoRA 1 sees the output gradient directly; everything else as in full mode.")
{
    static const size_t shape[4] = {15, 6, 11, 2};
    gradient_test(j, shape, TT_BACKPROP_SIMPLIFIED);
}

TEST("lab07.4", 1, "at the LoRA init only B1, B2 and the head get a gradient",
     "At the init B1 = B2 = 0, so dA1 and dA2 (each s B^T g h^T) are exactly 0; the gradients of B1, B2 and the head must match the reference.")
{
    problem_t p;
    problem_random(j, &p, 12, 5, 8, 3, 1);
    if (gradient_matches(j, &p, p.init_a, TT_BACKPROP_FULL)) {
        call_t *c = s_gradient(j, &p, p.y_a, p.init_a, TT_BACKPROP_FULL);
        if (call_run(c)) {
            const double *g = call_output(c, "grad");
            double a1 = 0, a2 = 0;
            for (size_t i = 0; g && i < TT_B1(p.d_ff, p.r); i++)
                a1 = fmax(a1, fabs(g[i]));
            for (size_t i = 0; g && i < p.r * p.d; i++)
                a2 = fmax(a2, fabs(g[TT_A2(p.d, p.d_ff, p.r) + i]));
            if (g && (a1 != 0 || a2 != 0))
                judge_fail(j, "with B1 = B2 = 0, dA1 and dA2 must be exactly 0 (got max %g, %g)",
                           a1, a2);
        }
        call_free(c);
    }
    problem_free(&p);
}

TEST("lab07.4", 1, "a valid gradient is right; a label other than 0 or 1 is rejected",
     "A valid call must match the reference; every label must be 0.0 or 1.0: LAB_REQUIRE before writing.")
{
    problem_t p;
    problem_random(j, &p, 4, 3, 5, 2, 0);
    gradient_matches(j, &p, p.init_a, TT_BACKPROP_FULL);
    if (judge_needs_working(j, "adapter_gradient")) {
        p.y_a[1] = 0.5;
        rejects(j, s_gradient(j, &p, p.y_a, p.init_a, TT_BACKPROP_FULL), "grad", "a label of 0.5");
    }
    problem_free(&p);
}

/* ---- lab07.5 train_task ---- */

static int train_matches(judge_t *j, const problem_t *p, const double *y, const double *init,
                         double lr, size_t epochs, enum two_task_backprop mode)
{
    double *ad = mat_alloc(1, p->na), *losses = mat_alloc(epochs, 1);
    train_task(p->x, y, p->n, p->frozen, init, p->d, p->d_ff, p->r, p->scale, lr, epochs, mode, ad,
               losses);
    call_t *c = s_train(j, p, y, init, lr, epochs, mode);
    int ok = call_run(c) && expect_return(j, c, LAB_OK) && expect_inputs_unchanged(j, c) &&
             expect_close(j, "losses", call_output(c, "losses"), losses, 1, epochs, TOL) &&
             expect_close(j, "adapter", call_output(c, "adapter"), ad, 1, p->na, TOL);
    if (!ok)
        judge_fail(j, "(epochs = %zu, lr = %g, mode = %s)", epochs, lr, mode ? "simplified" : "full");
    call_free(c);
    free(ad), free(losses);
    return ok;
}

TEST("lab07.5", 3, "one training step is adapter minus lr times gradient",
     "losses[0] is the loss before the step; adapter = init - lr * grad, every entry.")
{
    problem_t p;
    problem_random(j, &p, 14, 5, 9, 3, 0);
    train_matches(j, &p, p.y_a, p.init_a, 0.3, 1, TT_BACKPROP_FULL);
    problem_free(&p);
}

TEST("lab07.5", 2, "150 epochs of both backprops match the reference",
     "Exactly `epochs` steps, each from the adapter the last one left; the mode is passed on.")
{
    problem_t p;
    problem_random(j, &p, 30, 6, 10, 2, 1);
    /* A small lr keeps the run smooth, so a right answer summed in another
     * order stays within the tolerance after 150 steps. */
    if (train_matches(j, &p, p.y_b, p.init_b, 0.05, 150, TT_BACKPROP_FULL))
        train_matches(j, &p, p.y_b, p.init_b, 0.05, 150, TT_BACKPROP_SIMPLIFIED);
    problem_free(&p);
}

TEST("lab07.5", 2, "300 epochs train right and keep the frozen weights bit for bit",
     "The adapter must match the reference's after 300 epochs; train only the adapter copy; frozen[] is const.")
{
    problem_t p;
    if (!problem_project(j, &p))
        return;
    call_t *c = s_train(j, &p, p.y_a, p.init_a, 0.1, 300, TT_BACKPROP_FULL);
    if (call_run(c) && expect_return(j, c, LAB_OK) && !expect_inputs_unchanged(j, c))
        judge_fail(j, "(frozen[] and the other inputs must stay bit for bit through 300 epochs)");
    else if (!judge_failed(j)) { /* kept, and trained: a function that does nothing keeps them too */
        double *ad = mat_alloc(1, p.na), *losses = mat_alloc(300, 1);
        train_task(p.x, p.y_a, p.n, p.frozen, p.init_a, p.d, p.d_ff, p.r, p.scale, 0.1, 300,
                   TT_BACKPROP_FULL, ad, losses);
        expect_close(j, "adapter after 300 epochs", call_output(c, "adapter"), ad, 1, p.na, TOL);
        free(ad), free(losses);
    }
    call_free(c);
    problem_free(&p);
}

TEST("lab07.5", 1, "the project's task A trains to the reference losses",
     "Task A's losses over 300 epochs at lr 0.1 must match the reference's: each epoch, adapter -= lr * grad.")
{
    /* The project's task A, 300 epochs, lr 0.1: the course's settings. */
    problem_t p;
    if (!problem_project(j, &p))
        return;
    double *ad = mat_alloc(1, p.na), *losses = mat_alloc(300, 1);
    train_task(p.x, p.y_a, p.n, p.frozen, p.init_a, p.d, p.d_ff, p.r, p.scale, 0.1, 300,
               TT_BACKPROP_FULL, ad, losses);
    if (!(losses[299] < losses[0]))
        judge_fail(j, "grader error: the reference's loss did not go down (%g -> %g)", losses[0],
                   losses[299]);
    else
        train_matches(j, &p, p.y_a, p.init_a, 0.1, 300, TT_BACKPROP_FULL);
    free(ad), free(losses);
    problem_free(&p);
}

TEST("lab07.5", 1, "one step is right; a label other than 0 or 1 is rejected",
     "One training step must match the reference; every label must be 0.0 or 1.0: LAB_REQUIRE before writing.")
{
    problem_t p;
    problem_random(j, &p, 5, 3, 4, 2, 0);
    train_matches(j, &p, p.y_a, p.init_a, 0.3, 1, TT_BACKPROP_FULL);
    if (judge_needs_working(j, "train_task")) {
        p.y_a[2] = -1.0;
        rejects(j, s_train(j, &p, p.y_a, p.init_a, 0.3, 2, TT_BACKPROP_FULL), "adapter",
                "a label of -1");
    }
    problem_free(&p);
}

/* ---- lab07.6 merge_adapter ---- */

TEST("lab07.6", 2, "header example merges to W2' = 8 and b2' = 2",
     "M = I + s B2 A2, W2' = M (W2 + s B1 A1), b2' = M b2.")
{
    problem_t p;
    problem_alloc(&p, 1, 1, 1, 1, 1);
    static const double frozen[] = {1, 0, 2, 1}, ad[] = {1, 1, 1, 0.5, 0, 0}, want[] = {1, 0, 8, 2};
    memcpy(p.frozen, frozen, sizeof frozen);
    p.scale = 2.0;
    call_t *c = s_merge(j, &p, ad);
    if (call_run(c) && expect_return(j, c, LAB_OK))
        expect_close(j, "merged (W1, b1, W2', b2')", call_output(c, "merged"), want, 1, 4, TOL);
    call_free(c);
    problem_free(&p);
}

TEST("lab07.6", 2, "merged weights match the reference with scale != 1",
     "B1 A1 is (d, d_ff) like W2, B2 A2 is (d, d); both are scaled by s.")
{
    problem_t p;
    problem_random(j, &p, 3, 5, 9, 3, 0);
    double *want = mat_alloc(1, p.nf);
    merge_adapter(p.frozen, p.init_a, p.d, p.d_ff, p.r, p.scale, want);
    call_t *c = s_merge(j, &p, p.init_a);
    if (call_run(c) && expect_return(j, c, LAB_OK) && expect_inputs_unchanged(j, c) &&
        !expect_close(j, "merged", call_output(c, "merged"), want, 1, p.nf, TOL))
        judge_fail(j, "(d = %zu, d_ff = %zu, r = %zu, s = %.4g)", p.d, p.d_ff, p.r, p.scale);
    call_free(c);
    free(want);
    problem_free(&p);
}

TEST("lab07.6", 2, "frozen network on merged weights gives the adapted output",
     "LoRA 2 acts after W2 and b2, so it multiplies both: M W2' and M b2.")
{
    problem_t p;
    problem_random(j, &p, 11, 6, 10, 4, 0);
    double *want = mat_alloc(p.n, p.d), *got = mat_alloc(p.n, p.d);
    adapted_forward(p.x, p.n, p.frozen, p.init_a, p.d, p.d_ff, p.r, p.scale, want);
    call_t *c = s_merge(j, &p, p.init_a);
    if (call_run(c) && expect_return(j, c, LAB_OK)) {
        const double *m = call_output(c, "merged");
        if (m) {
            base_forward(p.x, p.n, m, p.d, p.d_ff, got);
            if (!expect_close(j, "base_forward(x, merged)", got, want, p.n, p.d, TOL))
                judge_fail(j, "(must equal the adapted network's output; s = %.4g)", p.scale);
        }
    }
    call_free(c);
    free(want), free(got);
    problem_free(&p);
}

TEST("lab07.6", 1, "merge is right and copies W1 and b1 bit for bit",
     "The output merged must match the reference; merged[] starts with W1 and b1 unchanged, bit for bit.")
{
    problem_t p;
    problem_random(j, &p, 2, 4, 7, 2, 0);
    double *want = mat_alloc(1, p.nf);
    merge_adapter(p.frozen, p.init_a, p.d, p.d_ff, p.r, p.scale, want);
    call_t *c = s_merge(j, &p, p.init_a);
    if (call_run(c) && expect_return(j, c, LAB_OK) &&
        expect_exact(j, "W1 and b1 of merged", call_output(c, "merged"), p.frozen, 1,
                     TT_W2(p.d, p.d_ff)))
        expect_close(j, "merged", call_output(c, "merged"), want, 1, p.nf, TOL);
    call_free(c);
    free(want);
    problem_free(&p);
}

/* ---- lab07.7 project_checks ---- */

static int checks_match(judge_t *j, const problem_t *p, double lr, size_t epochs,
                        enum two_task_backprop mode)
{
    double rep[TT_REPORT_LEN], *aa = mat_alloc(1, p->na), *ab = mat_alloc(1, p->na);
    project_checks(p->x, p->y_a, p->y_b, p->n, p->probe, p->n_probe, p->frozen, p->init_a,
                   p->init_b, p->d, p->d_ff, p->r, p->scale, lr, epochs, mode, rep, aa, ab);
    call_t *c = s_checks(j, p, lr, epochs, mode);
    int ok = call_run(c) && expect_return(j, c, LAB_OK) && expect_inputs_unchanged(j, c) &&
             expect_close(j, "adapter_a", call_output(c, "adapter_a"), aa, 1, p->na, TOL) &&
             expect_close(j, "adapter_b", call_output(c, "adapter_b"), ab, 1, p->na, TOL);
    const double *got = ok ? call_output(c, "report") : NULL;
    if (got) {
        /* Accuracies, flags and losses must match; the tiny differences
         * (merge, switch) need only be tiny. */
        static const int exact_or_close[] = {TT_FROZEN_CHANGED, TT_ACC_A, TT_ACC_A_AFTER_B,
                                             TT_ACC_B, TT_SWITCH_ACC_B, TT_LOSS_A, TT_LOSS_B};
        static const char *names[] = {"init_diff", "frozen_changed", "merge_diff", "acc_a",
                                      "acc_a_after_b", "acc_b", "switch_diff", "switch_acc_b",
                                      "loss_a", "loss_b"};
        for (size_t k = 0; k < sizeof exact_or_close / sizeof exact_or_close[0] && ok; k++) {
            int i = exact_or_close[k];
            char what[64];
            snprintf(what, sizeof what, "report[%s]", names[i]);
            ok = expect_close(j, what, got + i, rep + i, 1, 1, TOL);
        }
        if (ok && !(got[TT_INIT_DIFF] == rep[TT_INIT_DIFF]))
            ok = 0, judge_fail(j, "report[init_diff] = %g, expected %g", got[TT_INIT_DIFF],
                               rep[TT_INIT_DIFF]);
        if (ok && !(got[TT_MERGE_DIFF] <= 1e-9 && got[TT_SWITCH_DIFF] <= 1e-9))
            ok = 0, judge_fail(j, "report[merge_diff] = %g, report[switch_diff] = %g: both are "
                               "max |differences| of equal networks, <= 1e-9",
                               got[TT_MERGE_DIFF], got[TT_SWITCH_DIFF]);
    }
    if (!ok)
        judge_fail(j, "(n = %zu, d = %zu, d_ff = %zu, r = %zu, s = %.4g, lr = %g, epochs = %zu)",
                   p->n, p->d, p->d_ff, p->r, p->scale, lr, epochs);
    call_free(c);
    free(aa), free(ab);
    return ok;
}

TEST("lab07.7", 4, "the project's data gives the reference report",
     "Follow the order of two_task.h lab07.7: init check, train A, merge A, train B, recheck A, switch.")
{
    problem_t p;
    if (!problem_project(j, &p))
        return;
    checks_match(j, &p, 0.1, 300, TT_BACKPROP_FULL);
    problem_free(&p);
}

TEST("lab07.7", 3, "a random problem gives the reference report and adapters",
     "Pass lr, epochs and mode on to train_task; accuracy counts (p > 0.5) == (y == 1).")
{
    problem_t p;
    problem_random(j, &p, 40, 5, 9, 3, 1);
    checks_match(j, &p, 0.1, 60, TT_BACKPROP_SIMPLIFIED);
    problem_free(&p);
}

TEST("lab07.7", 3, "the report is the reference's and its five checks pass",
     "The report and adapters must match the reference; init diff exactly 0, frozen unchanged, merge and switch within 1e-9, A's accuracy unchanged.")
{
    problem_t p;
    problem_random(j, &p, 30, 6, 7, 2, 1);
    /* Checks that pass on a report of zeros prove nothing: the report and
     * the adapters must be the reference's too. */
    if (!checks_match(j, &p, 0.1, 40, TT_BACKPROP_FULL)) {
        problem_free(&p);
        return;
    }
    double rep[TT_REPORT_LEN];
    call_t *c = s_checks(j, &p, 0.1, 40, TT_BACKPROP_FULL);
    if (call_run(c) && expect_return(j, c, LAB_OK)) {
        const double *g = call_output(c, "report");
        if (g) {
            memcpy(rep, g, sizeof rep);
            if (rep[TT_INIT_DIFF] != 0)
                judge_fail(j, "check 1: init diff %g, expected exactly 0", rep[TT_INIT_DIFF]);
            if (rep[TT_FROZEN_CHANGED] != 0)
                judge_fail(j, "check 2: frozen_changed = %g", rep[TT_FROZEN_CHANGED]);
            if (!(rep[TT_MERGE_DIFF] <= 1e-9))
                judge_fail(j, "check 3: merge diff %g", rep[TT_MERGE_DIFF]);
            if (rep[TT_ACC_A_AFTER_B] != rep[TT_ACC_A])
                judge_fail(j, "check 4: accuracy of A %g after B, %g before", rep[TT_ACC_A_AFTER_B],
                           rep[TT_ACC_A]);
            if (!(rep[TT_SWITCH_DIFF] <= 1e-9) || rep[TT_SWITCH_ACC_B] != rep[TT_ACC_B])
                judge_fail(j, "check 5: switch diff %g, accuracy %g vs %g", rep[TT_SWITCH_DIFF],
                           rep[TT_SWITCH_ACC_B], rep[TT_ACC_B]);
        }
    }
    call_free(c);
    problem_free(&p);
}

TEST("lab07.7", 2, "each task trains and uses its own head",
     "Task B starts from init_b, head included; A is evaluated with adapter_a's head.")
{
    /* B's head starts far from A's: a shared head cannot give B's adapter. */
    problem_t p;
    problem_random(j, &p, 25, 4, 6, 2, 1);
    double *hb = p.init_b + TT_HEAD(p.d, p.d_ff, p.r);
    for (size_t i = 0; i <= p.d; i++)
        hb[i] = -2.0 * p.init_a[TT_HEAD(p.d, p.d_ff, p.r) + i] + 0.5;
    if (!checks_match(j, &p, 0.1, 30, TT_BACKPROP_FULL))
        judge_fail(j, "(each task trains its own head from its own init: init_b's head for B)");
    problem_free(&p);
}


TEST("lab07.7", 1, "project checks work; a label other than 0 or 1 is rejected",
     "A valid call must give the reference's report; every label of y_a and of y_b must be 0.0 or 1.0: LAB_REQUIRE before writing.")
{
    problem_t p;
    problem_random(j, &p, 6, 3, 4, 2, 1);
    checks_match(j, &p, 0.1, 3, TT_BACKPROP_FULL);
    if (judge_needs_working(j, "project_checks")) {
        p.y_b[4] = 0.5;
        if (rejects(j, s_checks(j, &p, 0.1, 3, TT_BACKPROP_FULL), "report", "a label of 0.5 in y_b")) {
            p.y_b[4] = 1.0, p.y_a[0] = NAN;
            rejects(j, s_checks(j, &p, 0.1, 3, TT_BACKPROP_FULL), "report", "a label NaN in y_a");
        }
    }
    problem_free(&p);
}

JUDGE_LAB_MAIN("07", "the two-task project", "07-two-task-project", "two_task.h",
               "two_task.c")
