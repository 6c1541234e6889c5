/*
 * train_adapter.c - Lab 06: train a LoRA adapter end to end (the exercise's problem).
 *
 * Write the body of each function below where it says TODO.  The contract of
 * each function (shapes, the two losses, the checker's error, Adam's exact
 * update, the edge cases) is in train_adapter.h: read it first.  Check your
 * work with
 *     make check LAB=06      (the visible tests)
 *     make grade LAB=06      (the graded tests, with points)
 * You may add static helper functions to this file; do not change the
 * signatures, and do not add other files: the grader compiles this one.
 */
#include "train_adapter.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* BEGIN SOLUTION */
/*
 * Why the shapes do not fit (a message for LAB_REQUIRE), or NULL when they
 * do.  The caller reports it, so the message names the graded function,
 * not this helper.
 */
static const char *shape_problem(const train_problem_t *p, train_mat_t a, train_mat_t b)
{
    if (!p || !p->x.v || !p->y.v || !p->w_base.v || !a.v || !b.v)
        return "a data pointer (p, x, y, w_base, a or b) is NULL";
    const size_t N = p->x.rows, d_in = p->w_base.rows, d_out = p->w_base.cols, r = a.cols;
    if (N == 0 || d_in == 0 || d_out == 0 || r == 0)
        return "N, d_in, d_out and r must be >= 1";
    if (p->x.cols != d_in)
        return "x is (N, d_in) and w_base (d_in, d_out): x.cols must equal w_base.rows";
    if (p->y.rows != N || p->y.cols != d_out)
        return "y must be (N, d_out): as many rows as x, as many columns as w_base";
    if (a.rows != d_in)
        return "a must be (d_in, r): as many rows as w_base";
    if (b.rows != r || b.cols != d_out)
        return "b must be (r, d_out): as many rows as a has columns, as many columns as w_base";
    return NULL;
}

/* w (d_in, d_out) = w_base + a b. */
static void effective_weight(const train_problem_t *p, const double *a, const double *b,
                             size_t r, double *w)
{
    const size_t d_in = p->w_base.rows, d_out = p->w_base.cols;
    for (size_t i = 0; i < d_in; i++)
        for (size_t o = 0; o < d_out; o++) {
            double s = 0.0;
            for (size_t k = 0; k < r; k++)
                s += a[i * r + k] * b[k * d_out + o];
            w[i * d_out + o] = p->w_base.v[i * d_out + o] + s;
        }
}

/*
 * The residual R = x W - y (N, d_out) for W = w_base + a b, and the sum of
 * its squares.  w (d_in, d_out) and res are scratch the caller owns.
 */
static double residual(const train_problem_t *p, const double *a, const double *b, size_t r,
                       double *w, double *res)
{
    const size_t N = p->x.rows, d_in = p->w_base.rows, d_out = p->w_base.cols;
    double sq = 0.0;
    effective_weight(p, a, b, r, w);
    for (size_t n = 0; n < N; n++)
        for (size_t o = 0; o < d_out; o++) {
            double s = 0.0;
            for (size_t i = 0; i < d_in; i++)
                s += p->x.v[n * d_in + i] * w[i * d_out + o];
            double e = s - p->y.v[n * d_out + o];
            res[n * d_out + o] = e;
            sq += e * e;
        }
    return sq;
}

/* Scratch for one problem, one zeroed block: W, R, G, the two gradients, and
 * Adam's moments m and v for the d_in r + r d_out parameters. */
typedef struct {
    double *w, *res, *g, *ga, *gb, *m, *v;
} scratch_t;

static void scratch_free(scratch_t *s) { free(s->w); }

/* The block (s->w), or NULL when memory ran out. */
static double *scratch_new(scratch_t *s, const train_problem_t *p, size_t r)
{
    const size_t N = p->x.rows, d_in = p->w_base.rows, d_out = p->w_base.cols;
    const size_t np = d_in * r + r * d_out;
    s->w = calloc(2 * d_in * d_out + N * d_out + 3 * np, sizeof(double));
    if (!s->w)
        return NULL;
    s->res = s->w + d_in * d_out;
    s->g = s->res + N * d_out;
    s->ga = s->g + d_in * d_out;
    s->gb = s->ga + d_in * r;
    s->m = s->gb + r * d_out;
    s->v = s->m + np;
    return s->w;
}

/*
 * The exercise's gradients at (a, b) into s->ga (d_in, r) and s->gb (r, d_out);
 * returns the sum of squared residuals at (a, b).
 * G = (2/N) x^T R, grad_a = G b^T, grad_b = a^T G.
 */
static double gradients(const train_problem_t *p, const double *a, const double *b, size_t r,
                        scratch_t *s)
{
    const size_t N = p->x.rows, d_in = p->w_base.rows, d_out = p->w_base.cols;
    const double sq = residual(p, a, b, r, s->w, s->res);
    const double two_over_n = 2.0 / (double)N;
    for (size_t i = 0; i < d_in; i++)
        for (size_t o = 0; o < d_out; o++) {
            double t = 0.0;
            for (size_t n = 0; n < N; n++)
                t += p->x.v[n * d_in + i] * s->res[n * d_out + o];
            s->g[i * d_out + o] = two_over_n * t;
        }
    for (size_t i = 0; i < d_in; i++)
        for (size_t k = 0; k < r; k++) {
            double t = 0.0;
            for (size_t o = 0; o < d_out; o++)
                t += s->g[i * d_out + o] * b[k * d_out + o];
            s->ga[i * r + k] = t;
        }
    for (size_t k = 0; k < r; k++)
        for (size_t o = 0; o < d_out; o++) {
            double t = 0.0;
            for (size_t i = 0; i < d_in; i++)
                t += a[i * r + k] * s->g[i * d_out + o];
            s->gb[k * d_out + o] = t;
        }
    return sq;
}

/* J = (1/N) sum of squares at (a, b) (lab06.3's objective). */
static double objective(const train_problem_t *p, const double *a, const double *b, size_t r,
                        scratch_t *s)
{
    return residual(p, a, b, r, s->w, s->res) / (double)p->x.rows;
}

/* MSE from a sum of squares. */
static double mse(const train_problem_t *p, double sq)
{
    return sq / ((double)p->x.rows * (double)p->w_base.cols);
}

enum optimizer { OPT_SGD, OPT_ADAM };

/*
 * Why the arguments of lab06.4 and lab06.5 break the contract, or NULL.
 */
static const char *training_problem(const train_problem_t *p, train_mat_t a0, train_mat_t b0,
                                    double lr, long long n_steps, const double *out,
                                    size_t out_len, const double *losses, size_t losses_len)
{
    const char *bad = shape_problem(p, a0, b0);
    if (bad)
        return bad;
    if (n_steps < 0)
        return "n_steps must be >= 0";
    if (!(isfinite(lr) && lr >= 0))
        return "lr must be finite and >= 0";
    if (!out)
        return "out is NULL";
    if (out_len != a0.rows * a0.cols + b0.rows * b0.cols)
        return "out_len must be d_in r + r d_out, the entries of a then b";
    if (losses && losses_len != (size_t)n_steps + 1)
        return "losses_len must be n_steps + 1";
    return NULL;
}

/*
 * The training loop of lab06.4 (SGD) and lab06.5 (Adam), arguments already
 * checked, scratch s made for them.  theta = [a | b] lives in out; both
 * gradients of a step are taken before either matrix moves.
 */
static void train(const train_problem_t *p, train_mat_t a0, train_mat_t b0, double lr,
                  long long n_steps, enum optimizer opt, scratch_t *sp, double *out,
                  double *losses)
{
    const size_t d_in = p->w_base.rows, d_out = p->w_base.cols, r = a0.cols;
    const size_t na = d_in * r, nb = r * d_out, np = na + nb;
    scratch_t s = *sp;
    double *m = s.m, *v = s.v;
    memcpy(out, a0.v, na * sizeof(double));
    memcpy(out + na, b0.v, nb * sizeof(double));
    double *a = out, *b = out + na;
    double beta1_t = 1.0, beta2_t = 1.0; /* beta1^t, beta2^t */
    for (long long t = 1; t <= n_steps; t++) {
        const double sq = gradients(p, a, b, r, &s);
        if (losses)
            losses[t - 1] = mse(p, sq);
        if (opt == OPT_SGD) {
            for (size_t q = 0; q < na; q++)
                a[q] -= lr * s.ga[q];
            for (size_t q = 0; q < nb; q++)
                b[q] -= lr * s.gb[q];
            continue;
        }
        /* torch.optim.Adam: step_size = lr / bc1, denom = sqrt(v) / sqrt(bc2) + eps. */
        beta1_t *= TRAIN_ADAM_BETA1, beta2_t *= TRAIN_ADAM_BETA2;
        const double step_size = lr / (1.0 - beta1_t), bc2_sqrt = sqrt(1.0 - beta2_t);
        for (size_t q = 0; q < np; q++) {
            const double g = q < na ? s.ga[q] : s.gb[q - na];
            m[q] = TRAIN_ADAM_BETA1 * m[q] + (1.0 - TRAIN_ADAM_BETA1) * g;
            v[q] = TRAIN_ADAM_BETA2 * v[q] + (1.0 - TRAIN_ADAM_BETA2) * g * g;
            out[q] -= step_size * m[q] / (sqrt(v[q]) / bc2_sqrt + TRAIN_ADAM_EPS);
        }
    }
    if (losses)
        losses[n_steps] = mse(p, residual(p, a, b, r, s.w, s.res));
}

/*
 * lab06.4 and lab06.5: the arguments checked, then n_steps of opt.  NULL, or
 * why the call failed (a message for LAB_REQUIRE in the graded function, so
 * that it names that function).
 */
static const char *train_checked(enum optimizer opt, const train_problem_t *p, train_mat_t a0,
                                 train_mat_t b0, double lr, long long n_steps, double *out,
                                 size_t out_len, double *losses, size_t losses_len)
{
    const char *bad = training_problem(p, a0, b0, lr, n_steps, out, out_len, losses, losses_len);
    if (bad)
        return bad;
    scratch_t s;
    if (!scratch_new(&s, p, a0.cols))
        return "out of memory";
    train(p, a0, b0, lr, n_steps, opt, &s, out, losses);
    scratch_free(&s);
    return NULL;
}
/* END SOLUTION */

/* lab06.1 - y_hat = x (w_base + a b), *loss = mean over N d_out of squared errors. */
int train_forward(const train_problem_t *p, train_mat_t a, train_mat_t b, double *y_hat,
                  double *loss)
{
    /* BEGIN SOLUTION lab06.1 */
    const char *bad = shape_problem(p, a, b);
    LAB_REQUIRE(!bad, "%s", bad);
    LAB_REQUIRE(loss, "loss is NULL");
    const size_t N = p->x.rows, d_out = p->w_base.cols;
    scratch_t s;
    LAB_REQUIRE(scratch_new(&s, p, a.cols), "out of memory");
    *loss = mse(p, residual(p, a.v, b.v, a.cols, s.w, s.res));
    if (y_hat)
        for (size_t q = 0; q < N * d_out; q++)
            y_hat[q] = s.res[q] + p->y.v[q];
    scratch_free(&s);
    return LAB_OK;
    /* END SOLUTION lab_todo("lab06.1", "train_forward", p, a, b, y_hat, loss); */
}

/* lab06.2 - grad_a = G b^T, grad_b = a^T G, G = (2/N) x^T (y_hat - y). */
int train_gradients(const train_problem_t *p, train_mat_t a, train_mat_t b, double *grad_a,
                    double *grad_b)
{
    /* BEGIN SOLUTION lab06.2 */
    const char *bad = shape_problem(p, a, b);
    LAB_REQUIRE(!bad, "%s", bad);
    LAB_REQUIRE(grad_a && grad_b, "grad_a or grad_b is NULL");
    scratch_t s;
    LAB_REQUIRE(scratch_new(&s, p, a.cols), "out of memory");
    gradients(p, a.v, b.v, a.cols, &s);
    memcpy(grad_a, s.ga, a.rows * a.cols * sizeof(double));
    memcpy(grad_b, s.gb, b.rows * b.cols * sizeof(double));
    scratch_free(&s);
    return LAB_OK;
    /* END SOLUTION lab_todo("lab06.2", "train_gradients", p, a, b, grad_a, grad_b); */
}

/* lab06.3 - max over entries of |ana - num| / max(1, |ana|, |num|), num by central differences of J. */
int train_grad_check(const train_problem_t *p, train_mat_t a, train_mat_t b,
                     const double *grad_a, const double *grad_b, double eps,
                     double *max_rel_err, double *accepted)
{
    /* BEGIN SOLUTION lab06.3 */
    const char *bad = shape_problem(p, a, b);
    LAB_REQUIRE(!bad, "%s", bad);
    LAB_REQUIRE(grad_a && grad_b, "grad_a or grad_b is NULL");
    LAB_REQUIRE(max_rel_err && accepted, "max_rel_err or accepted is NULL");
    LAB_REQUIRE(isfinite(eps) && eps > 0, "eps must be finite and > 0 (got %g)", eps);
    const size_t na = a.rows * a.cols, nb = b.rows * b.cols, r = a.cols;
    scratch_t s;
    LAB_REQUIRE(scratch_new(&s, p, r), "out of memory");
    double *ac = s.m, *bc = s.v; /* copies of a and b, in the space of Adam's moments */
    memcpy(ac, a.v, na * sizeof(double));
    memcpy(bc, b.v, nb * sizeof(double));
    double worst = 0.0;
    for (size_t q = 0; q < na + nb; q++) {
        double *theta = q < na ? ac + q : bc + (q - na);
        const double ana = q < na ? grad_a[q] : grad_b[q - na], keep = *theta;
        *theta = keep + eps;
        const double up = objective(p, ac, bc, r, &s);
        *theta = keep - eps;
        const double down = objective(p, ac, bc, r, &s);
        *theta = keep;
        const double num = (up - down) / (2.0 * eps);
        const double err = fabs(ana - num) / fmax(1.0, fmax(fabs(ana), fabs(num)));
        if (isnan(err) || err > worst)
            worst = err;
        if (isnan(worst))
            break;
    }
    *max_rel_err = worst;
    *accepted = worst <= TRAIN_GRADCHECK_TOL ? 1.0 : 0.0;
    scratch_free(&s);
    return LAB_OK;
    /* END SOLUTION lab_todo("lab06.3", "train_grad_check", p, a, b, grad_a, grad_b, eps, max_rel_err, accepted); */
}

/* lab06.4 - n_steps of SGD from (a0, b0); out = [a | b], losses[k] = MSE after k steps. */
int train_sgd(const train_problem_t *p, train_mat_t a0, train_mat_t b0, double lr,
              long long n_steps, double *out, size_t out_len, double *losses, size_t losses_len)
{
    /* BEGIN SOLUTION lab06.4 */
    const char *bad = train_checked(OPT_SGD, p, a0, b0, lr, n_steps, out, out_len, losses,
                                    losses_len);
    LAB_REQUIRE(!bad, "%s", bad);
    return LAB_OK;
    /* END SOLUTION lab_todo("lab06.4", "train_sgd", p, a0, b0, lr, n_steps, out, out_len, losses, losses_len); */
}

/* lab06.5 - n_steps of Adam (PyTorch's defaults) from (a0, b0); outputs as lab06.4. */
int train_adam(const train_problem_t *p, train_mat_t a0, train_mat_t b0, double lr,
               long long n_steps, double *out, size_t out_len, double *losses, size_t losses_len)
{
    /* BEGIN SOLUTION lab06.5 */
    const char *bad = train_checked(OPT_ADAM, p, a0, b0, lr, n_steps, out, out_len, losses,
                                    losses_len);
    LAB_REQUIRE(!bad, "%s", bad);
    return LAB_OK;
    /* END SOLUTION lab_todo("lab06.5", "train_adam", p, a0, b0, lr, n_steps, out, out_len, losses, losses_len); */
}
