/*
 * lora_linear.c - Lab 03: initialization and scaling of a LoRA layer.
 *
 * Write the body of each function below where it says TODO.  The contract of
 * each function (shapes, draw order, the loss, argument checks) is in
 * lora_linear.h: read it first.  Check your work with
 *     make check LAB=03      (the visible tests)
 *     make grade LAB=03      (the graded tests, with points)
 * You may add static helper functions to this file; do not change the
 * signatures, and do not add other files: the grader compiles this one.
 */
#include "lora_linear.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "rng.h"

/* BEGIN SOLUTION */
/*
 * The reference's one kernel: the forward pass of lab03.3, optionally keeping
 * z = X A^T (batch, r) for the backward pass.  Base part first (W0 x, then
 * + bias), then the adapter term is added, so B = 0 leaves the base bitwise.
 */
static void forward(const double *x, size_t batch, const double *w0, const double *bias,
                    const double *a, const double *b, size_t d_in, size_t d_out, size_t r,
                    double scale, double *y, double *z_keep)
{
    for (size_t t = 0; t < batch; t++) {
        const double *xt = x + t * d_in;
        double *yt = y + t * d_out;
        double *zt = z_keep ? z_keep + t * r : NULL;
        for (size_t i = 0; i < d_out; i++) {
            double s = 0.0;
            for (size_t j = 0; j < d_in; j++)
                s += w0[i * d_in + j] * xt[j];
            yt[i] = s + bias[i];
        }
        for (size_t k = 0; k < r; k++) {
            double s = 0.0;
            for (size_t j = 0; j < d_in; j++)
                s += a[k * d_in + j] * xt[j];
            if (zt)
                zt[k] = s;
            for (size_t i = 0; i < d_out; i++)
                yt[i] += scale * (b[i * r + k] * s);
        }
    }
}

/* The scratch memory of backward: Y (batch, d_out), Z (batch, r), g_z (r);
 * NULL if memory ran out. */
static double *backward_scratch(size_t batch, size_t d_out, size_t r)
{
    return malloc((batch * (d_out + r) + r) * sizeof(double));
}

/*
 * Loss and gradients (lab03.4), arguments checked, in scratch from
 * backward_scratch.  G = (2 / batch)(Y - T); dB = s G^T Z; dA = s (G B)^T X.
 */
static void backward(const double *x, const double *t, size_t batch, const double *w0,
                     const double *bias, const double *a, const double *b, size_t d_in,
                     size_t d_out, size_t r, double scale, double *loss, double *ga, double *gb,
                     double *scratch)
{
    double *y = scratch, *z = scratch + batch * d_out, *gz = z + batch * r;
    forward(x, batch, w0, bias, a, b, d_in, d_out, r, scale, y, z);
    for (size_t i = 0; i < r * d_in; i++)
        ga[i] = 0.0;
    for (size_t i = 0; i < d_out * r; i++)
        gb[i] = 0.0;
    double l = 0.0;
    const double two_over_n = 2.0 / (double)batch;
    for (size_t n = 0; n < batch; n++) {
        double *yn = y + n * d_out; /* becomes G's row n */
        const double *zn = z + n * r, *xn = x + n * d_in;
        for (size_t i = 0; i < d_out; i++) {
            double e = yn[i] - t[n * d_out + i];
            l += e * e;
            yn[i] = two_over_n * e;
        }
        for (size_t k = 0; k < r; k++)
            gz[k] = 0.0;
        for (size_t i = 0; i < d_out; i++)
            for (size_t k = 0; k < r; k++) {
                gb[i * r + k] += scale * yn[i] * zn[k];
                gz[k] += scale * yn[i] * b[i * r + k];
            }
        for (size_t k = 0; k < r; k++)
            for (size_t j = 0; j < d_in; j++)
                ga[k * d_in + j] += gz[k] * xn[j];
    }
    *loss = l / (double)batch;
}
/* END SOLUTION */

/* lab03.1 - A Kaiming-uniform (bound 1/sqrt(d_in)) or Gaussian, B = 0, from a seed. */
int lora_init(double *a, double *b, size_t d_in, size_t d_out, size_t r,
              long long kind, double std, long long seed)
{
    /* BEGIN SOLUTION lab03.1 */
    LAB_REQUIRE(a && b, "a pointer argument is NULL");
    LAB_REQUIRE(d_in > 0 && d_out > 0, "d_in and d_out must be >= 1 (got %zu, %zu)", d_in, d_out);
    LAB_REQUIRE(r > 0, "rank r must be >= 1 (got 0)");
    LAB_REQUIRE(kind == LORA_INIT_KAIMING_UNIFORM || kind == LORA_INIT_GAUSSIAN,
                "kind must be LORA_INIT_KAIMING_UNIFORM (0) or LORA_INIT_GAUSSIAN (1), got %lld", kind);
    LAB_REQUIRE(kind != LORA_INIT_GAUSSIAN || (isfinite(std) && std > 0),
                "a Gaussian init needs a finite std > 0 (got %g)", std);
    rng_t g;
    rng_seed(&g, (uint64_t)seed);
    const double bound = 1.0 / sqrt((double)d_in); /* fan_in = d_in */
    for (size_t i = 0; i < r * d_in; i++)
        a[i] = kind == LORA_INIT_GAUSSIAN ? std * rng_normal(&g)
                                          : rng_uniform_range(&g, -bound, bound);
    for (size_t i = 0; i < d_out * r; i++)
        b[i] = 0.0;
    return LAB_OK;
    /* END SOLUTION lab_todo("lab03.1", "lora_init", a, b, d_in, d_out, r, kind, std, seed); */
}

/* lab03.2 - *scale = alpha / r, or alpha / sqrt(r) for rsLoRA. */
int lora_scaling(double alpha, size_t r, long long kind, double *scale)
{
    /* BEGIN SOLUTION lab03.2 */
    LAB_REQUIRE(scale, "scale is NULL");
    LAB_REQUIRE(r > 0, "rank r must be >= 1 (got 0): alpha / r is undefined");
    LAB_REQUIRE(isfinite(alpha), "alpha must be finite (got %g)", alpha);
    LAB_REQUIRE(kind == LORA_SCALING_STANDARD || kind == LORA_SCALING_RSLORA,
                "kind must be LORA_SCALING_STANDARD (0) or LORA_SCALING_RSLORA (1), got %lld", kind);
    *scale = kind == LORA_SCALING_RSLORA ? alpha / sqrt((double)r) : alpha / (double)r;
    return LAB_OK;
    /* END SOLUTION lab_todo("lab03.2", "lora_scaling", alpha, r, kind, scale); */
}

/* lab03.3 - y (batch, d_out) = x W0^T + bias + scale (x A^T) B^T. */
int lora_linear_forward(const double *x, size_t batch, const double *w0,
                        const double *bias, const double *a, const double *b,
                        size_t d_in, size_t d_out, size_t r, double scale,
                        double *y)
{
    /* BEGIN SOLUTION lab03.3 */
    LAB_REQUIRE(x && w0 && bias && a && b && y, "a pointer argument is NULL");
    LAB_REQUIRE(d_in > 0 && d_out > 0, "d_in and d_out must be >= 1 (got %zu, %zu)", d_in, d_out);
    LAB_REQUIRE(r > 0, "rank r must be >= 1 (got 0)");
    forward(x, batch, w0, bias, a, b, d_in, d_out, r, scale, y, NULL);
    return LAB_OK;
    /* END SOLUTION lab_todo("lab03.3", "lora_linear_forward", x, batch, w0, bias, a, b, d_in, d_out, r, scale, y); */
}

/* lab03.4 - L = (1/batch) sum (y - t)^2, dL/dA (r, d_in) and dL/dB (d_out, r). */
int lora_grad(const double *x, const double *t, size_t batch, const double *w0,
              const double *bias, const double *a, const double *b, size_t d_in,
              size_t d_out, size_t r, double scale, double *loss, double *grad_a,
              double *grad_b)
{
    /* BEGIN SOLUTION lab03.4 */
    LAB_REQUIRE(x && t && w0 && bias && a && b && loss && grad_a && grad_b,
                "a pointer argument is NULL");
    LAB_REQUIRE(d_in > 0 && d_out > 0, "d_in and d_out must be >= 1 (got %zu, %zu)", d_in, d_out);
    LAB_REQUIRE(r > 0, "rank r must be >= 1 (got 0)");
    LAB_REQUIRE(batch > 0, "batch must be >= 1: the loss is a mean over the batch");
    double *scratch = backward_scratch(batch, d_out, r);
    LAB_REQUIRE(scratch, "out of memory");
    backward(x, t, batch, w0, bias, a, b, d_in, d_out, r, scale, loss, grad_a, grad_b, scratch);
    free(scratch);
    return LAB_OK;
    /* END SOLUTION lab_todo("lab03.4", "lora_grad", x, t, batch, w0, bias, a, b, d_in, d_out, r, scale, loss, grad_a, grad_b); */
}

/* lab03.5 - one gradient step on A and B only; W0 and bias stay frozen. */
int lora_sgd_step(const double *x, const double *t, size_t batch,
                  const double *w0, const double *bias, const double *a,
                  const double *b, size_t d_in, size_t d_out, size_t r,
                  double scale, double lr, double *loss, double *a_new,
                  double *b_new)
{
    /* BEGIN SOLUTION lab03.5 */
    LAB_REQUIRE(x && t && w0 && bias && a && b && loss && a_new && b_new,
                "a pointer argument is NULL");
    LAB_REQUIRE(d_in > 0 && d_out > 0, "d_in and d_out must be >= 1 (got %zu, %zu)", d_in, d_out);
    LAB_REQUIRE(r > 0, "rank r must be >= 1 (got 0)");
    LAB_REQUIRE(batch > 0, "batch must be >= 1: the loss is a mean over the batch");
    LAB_REQUIRE(isfinite(lr) && lr >= 0, "lr must be finite and >= 0 (got %g)", lr);
    /* The gradients land in the outputs, then become the new weights. */
    double *scratch = backward_scratch(batch, d_out, r);
    LAB_REQUIRE(scratch, "out of memory");
    backward(x, t, batch, w0, bias, a, b, d_in, d_out, r, scale, loss, a_new, b_new, scratch);
    free(scratch);
    for (size_t i = 0; i < r * d_in; i++)
        a_new[i] = a[i] - lr * a_new[i];
    for (size_t i = 0; i < d_out * r; i++)
        b_new[i] = b[i] - lr * b_new[i];
    return LAB_OK;
    /* END SOLUTION lab_todo("lab03.5", "lora_sgd_step", x, t, batch, w0, bias, a, b, d_in, d_out, r, scale, lr, loss, a_new, b_new); */
}

/* lab03.6 - PEFT's "gaussian" init: A ~ normal(0, (1/r)^2), B = 0. */
int lora_init_peft_gaussian(double *a, double *b, size_t d_in, size_t d_out, size_t r,
                            long long seed)
{
    /* BEGIN SOLUTION lab03.6 */
    LAB_REQUIRE(r > 0, "rank r must be >= 1 (got 0): the standard deviation is 1 / r");
    return lora_init(a, b, d_in, d_out, r, LORA_INIT_GAUSSIAN, 1.0 / (double)r, seed);
    /* END SOLUTION lab_todo("lab03.6", "lora_init_peft_gaussian", a, b, d_in, d_out, r, seed); */
}
