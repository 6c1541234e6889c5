/*
 * lora_forward.c - Lab 02: the LoRA forward pass.
 *
 * Write the body of each function below where it says TODO.  The contract of
 * each function (shapes, argument checks, NaN handling, examples) is in
 * lora_forward.h: read it first.  Check your work with
 *     make check LAB=02      (the visible tests)
 *     make grade LAB=02      (the graded tests, with points)
 * You may add static helper functions to this file; do not change the
 * signatures, and do not add other files: the grader compiles this one.
 */
#include "lora_forward.h"

#include <stddef.h>

/* BEGIN SOLUTION */
/*
 * The reference writes one strided kernel and calls it from every layout.
 * A view reads element (i, j) of a matrix at p[i * rs + j * cs]: a row-major
 * (m, n) matrix is {p, n, 1}; its transpose is {p, 1, n}.
 */
typedef struct {
    const double *p;
    size_t rs, cs;
} view_t;

static double at(view_t v, size_t i, size_t j) { return v.p[i * v.rs + j * v.cs]; }

static view_t view(const double *p, size_t rs, size_t cs)
{
    view_t v = {p, rs, cs};
    return v;
}

/*
 * Y = X W0^T + scale (X A^T) B^T, with X (batch, d_in), W0 (d_out, d_in),
 * A (r, d_in), B (d_out, r) given as views, and Y[t][i] stored at
 * y[t * y_rs + i * y_cs].  z = A x is formed CHUNK ranks at a time, so the
 * cost is batch * (d_out d_in + r (d_in + d_out)) multiplications and the
 * d_out x d_in product B A is never built.
 */
static void forward_strided(view_t x, size_t batch, view_t w0, view_t a, view_t b,
                            size_t d_in, size_t d_out, size_t r, double scale,
                            double *y, size_t y_rs, size_t y_cs)
{
    enum { CHUNK = 32 };
    double z[CHUNK];

    for (size_t t = 0; t < batch; t++) {
        double *yt = y + t * y_rs;
        for (size_t i = 0; i < d_out; i++) {
            double base = 0.0;
            for (size_t j = 0; j < d_in; j++)
                base += at(w0, i, j) * at(x, t, j);
            yt[i * y_cs] = base;
        }
        for (size_t k0 = 0; k0 < r; k0 += CHUNK) {
            size_t kn = r - k0 < CHUNK ? r - k0 : CHUNK;
            for (size_t k = 0; k < kn; k++) {
                double s = 0.0;
                for (size_t j = 0; j < d_in; j++)
                    s += at(a, k0 + k, j) * at(x, t, j);
                z[k] = s;
            }
            for (size_t i = 0; i < d_out; i++) {
                double s = 0.0;
                for (size_t k = 0; k < kn; k++)
                    s += at(b, i, k0 + k) * z[k];
                yt[i * y_cs] += scale * s;
            }
        }
    }
}
/* END SOLUTION */

/* lab02.1 - y (d_out,) = x W0^T + (alpha / r) (x A^T) B^T for one row x. */
int lora_forward_row(const double *x, const double *w0, const double *a,
                     const double *b, size_t d_in, size_t d_out, size_t r,
                     double alpha, double *y)
{
    /* BEGIN SOLUTION lab02.1 */
    LAB_REQUIRE(x && w0 && a && b && y, "a pointer argument is NULL");
    LAB_REQUIRE(d_in > 0 && d_out > 0, "d_in and d_out must be >= 1 (got %zu, %zu)", d_in, d_out);
    LAB_REQUIRE(r > 0, "rank r must be >= 1 (got 0): alpha / r is undefined");
    forward_strided(view(x, d_in, 1), 1, view(w0, d_in, 1), view(a, d_in, 1),
                    view(b, r, 1), d_in, d_out, r, alpha / (double)r, y, d_out, 1);
    return LAB_OK;
    /* END SOLUTION lab_todo("lab02.1", "lora_forward_row", x, w0, a, b, d_in, d_out, r, alpha, y); */
}

/* lab02.2 - the same for a batch: x (batch, d_in) -> y (batch, d_out). */
int lora_forward(const double *x, size_t batch, const double *w0,
                 const double *a, const double *b, size_t d_in, size_t d_out,
                 size_t r, double alpha, double *y)
{
    /* BEGIN SOLUTION lab02.2 */
    LAB_REQUIRE(x && w0 && a && b && y, "a pointer argument is NULL");
    LAB_REQUIRE(d_in > 0 && d_out > 0, "d_in and d_out must be >= 1 (got %zu, %zu)", d_in, d_out);
    LAB_REQUIRE(r > 0, "rank r must be >= 1 (got 0): alpha / r is undefined");
    forward_strided(view(x, d_in, 1), batch, view(w0, d_in, 1), view(a, d_in, 1),
                    view(b, r, 1), d_in, d_out, r, alpha / (double)r, y, d_out, 1);
    return LAB_OK;
    /* END SOLUTION lab_todo("lab02.2", "lora_forward", x, batch, w0, a, b, d_in, d_out, r, alpha, y); */
}

/* lab02.3 - w_eff (d_out, d_in) = W0 + (alpha / r) B A. */
int lora_merged_weight(const double *w0, const double *a, const double *b,
                       size_t d_in, size_t d_out, size_t r, double alpha,
                       double *w_eff)
{
    /* BEGIN SOLUTION lab02.3 */
    LAB_REQUIRE(w0 && a && b && w_eff, "a pointer argument is NULL");
    LAB_REQUIRE(d_in > 0 && d_out > 0, "d_in and d_out must be >= 1 (got %zu, %zu)", d_in, d_out);
    LAB_REQUIRE(r > 0, "rank r must be >= 1 (got 0): alpha / r is undefined");
    const double scale = alpha / (double)r;
    for (size_t i = 0; i < d_out; i++) {
        for (size_t j = 0; j < d_in; j++) {
            double s = 0.0;
            for (size_t k = 0; k < r; k++)
                s += b[i * r + k] * a[k * d_in + j];
            w_eff[i * d_in + j] = w0[i * d_in + j] + scale * s;
        }
    }
    return LAB_OK;
    /* END SOLUTION lab_todo("lab02.3", "lora_merged_weight", w0, a, b, d_in, d_out, r, alpha, w_eff); */
}

/* lab02.4 - h (batch, d_out) = x w + (alpha / r) (x b_down) a_up, the "Low-rank adaptation forward" exercise layout. */
int lora_forward_in_out(const double *x, size_t batch, const double *w,
                        const double *b_down, const double *a_up, size_t d_in,
                        size_t d_out, size_t r, double alpha, double *h)
{
    /* BEGIN SOLUTION lab02.4 */
    LAB_REQUIRE(x && w && b_down && a_up && h, "a pointer argument is NULL");
    LAB_REQUIRE(d_in > 0 && d_out > 0, "d_in and d_out must be >= 1 (got %zu, %zu)", d_in, d_out);
    LAB_REQUIRE(r > 0, "rank r must be >= 1 (got 0): alpha / r is undefined");
    /* Read w as W0 = w^T, b_down as A = b_down^T, a_up as B = a_up^T. */
    forward_strided(view(x, d_in, 1), batch, view(w, 1, d_out), view(b_down, 1, r),
                    view(a_up, 1, d_out), d_in, d_out, r, alpha / (double)r, h, d_out, 1);
    return LAB_OK;
    /* END SOLUTION lab_todo("lab02.4", "lora_forward_in_out", x, batch, w, b_down, a_up, d_in, d_out, r, alpha, h); */
}

/* lab02.5 - (d_in, d_out)-layout weights -> the kit's layout. */
int lora_from_in_out(const double *w, const double *b_down, const double *a_up,
                     size_t d_in, size_t d_out, size_t r, double *w0,
                     double *a, double *b)
{
    /* BEGIN SOLUTION lab02.5 */
    LAB_REQUIRE(w && b_down && a_up && w0 && a && b, "a pointer argument is NULL");
    LAB_REQUIRE(d_in > 0 && d_out > 0, "d_in and d_out must be >= 1 (got %zu, %zu)", d_in, d_out);
    LAB_REQUIRE(r > 0, "rank r must be >= 1 (got 0)");
    for (size_t i = 0; i < d_in; i++)
        for (size_t j = 0; j < d_out; j++)
            w0[j * d_in + i] = w[i * d_out + j];
    for (size_t i = 0; i < d_in; i++)
        for (size_t k = 0; k < r; k++)
            a[k * d_in + i] = b_down[i * r + k];
    for (size_t k = 0; k < r; k++)
        for (size_t j = 0; j < d_out; j++)
            b[j * r + k] = a_up[k * d_out + j];
    return LAB_OK;
    /* END SOLUTION lab_todo("lab02.5", "lora_from_in_out", w, b_down, a_up, d_in, d_out, r, w0, a, b); */
}

/* lab02.6 - the paper's column form: h_cols (d, n) = W0 X + (alpha / r) B A X. */
int lora_forward_columns(const double *w0, const double *b, const double *a,
                         const double *x_cols, size_t d, size_t k, size_t r,
                         size_t n, double alpha, double *h_cols)
{
    /* BEGIN SOLUTION lab02.6 */
    LAB_REQUIRE(w0 && b && a && x_cols && h_cols, "a pointer argument is NULL");
    LAB_REQUIRE(d > 0 && k > 0, "d and k must be >= 1 (got %zu, %zu)", d, k);
    LAB_REQUIRE(r > 0, "rank r must be >= 1 (got 0): alpha / r is undefined");
    /* Input t is column t of x_cols (stride n); output t is column t of h. */
    forward_strided(view(x_cols, 1, n), n, view(w0, k, 1), view(a, k, 1), view(b, r, 1),
                    k, d, r, alpha / (double)r, h_cols, 1, n);
    return LAB_OK;
    /* END SOLUTION lab_todo("lab02.6", "lora_forward_columns", w0, b, a, x_cols, d, k, r, n, alpha, h_cols); */
}
