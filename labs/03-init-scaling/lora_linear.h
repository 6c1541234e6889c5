/*
 * lora_linear.h - Lab 03: initialization and scaling of a LoRA layer.  The
 * contract of every function you write in lora_linear.c.  Do not edit this
 * file: the grader compiles your lora_linear.c against its own copy of it.
 *
 * THE KIT'S CONVENTION (row-major, PEFT layout)
 *   W0 (d_out, d_in)  frozen base weight      bias (d_out,)  frozen base bias
 *   A  (r, d_in)      down-projection, trained  ("lora_A" in PEFT)
 *   B  (d_out, r)     up-projection, trained    ("lora_B" in PEFT)
 *   a batch X (batch, d_in) -> Y = X W0^T + bias + s (X A^T) B^T  (batch, d_out)
 *   where s is the scaling (lab03.2).  An (m, n) matrix M keeps M[i][j] at
 *   m[i * n + j].
 *
 * RULES FOR EVERY FUNCTION HERE
 *   - Inputs are const: never write to them (the grader checks them bit for
 *     bit after each call).  Write only the outputs' own elements.  The
 *     frozen base (w0, bias) is an input of every function: no function may
 *     change it, and lab03.5 returns NEW A and B instead of updating in place.
 *   - Arguments: each function checks them first and, when one breaks the
 *     contract, calls LAB_REQUIRE (lab.h), which prints
 *     "lora_linear.c: <function>: <what was wrong>" and returns LAB_EARG
 *     before anything is written.  Otherwise it returns LAB_OK.
 *     Broken contract everywhere: a NULL pointer, d_in == 0, d_out == 0 or
 *     r == 0; more cases are listed per function.
 *   - Outputs never overlap inputs (the caller guarantees it).
 *   - Tolerance: the grader accepts |got - expected| <= 1e-9 * max(1, |expected|)
 *     per entry (your sums may run in another order), except where a
 *     contract below says "exactly" or "bit for bit".
 *   - Helpers from matrix.h and rng.h may be used; no other headers than the
 *     C library's.
 *   - Scratch memory: malloc it, return LAB_EARG when a malloc fails, and
 *     free every block before the function returns, on every path, a failed
 *     malloc's too: the grader counts the blocks a call leaves allocated,
 *     and a leak fails the out-of-memory test.
 */
#ifndef LORALAB_LORA_LINEAR_H
#define LORALAB_LORA_LINEAR_H

#include <stddef.h>

#include "lab.h"

/* How A is drawn (lab03.1). */
enum lora_init_kind {
    LORA_INIT_KAIMING_UNIFORM = 0, /* PEFT: kaiming_uniform_(a = sqrt(5)) */
    LORA_INIT_GAUSSIAN = 1         /* the LoRA paper: normal(0, std^2) */
};

/* Which scaling (lab03.2). */
enum lora_scaling_kind {
    LORA_SCALING_STANDARD = 0, /* alpha / r          (the paper, PEFT's default) */
    LORA_SCALING_RSLORA = 1    /* alpha / sqrt(r)    (rank-stabilized LoRA) */
};

/*
 * For your convenience only (the graded functions take flat arrays): one
 * layer's arrays and sizes in one place.  demo.c uses it.
 */
typedef struct {
    size_t d_in, d_out, r;
    const double *w0, *bias; /* frozen */
    double *a, *b;           /* trained */
    double scale;            /* from lora_scaling */
} lora_linear_t;

/*
 * lab03.1  lora_init: A random, B zero.
 *   a (r, d_in), b (d_out, r) are outputs.  Make one generator
 *       rng_t g; rng_seed(&g, (uint64_t)seed);
 *   and fill a[0], a[1], ..., a[r*d_in - 1] IN THAT ORDER, one draw each:
 *     kind == LORA_INIT_KAIMING_UNIFORM:
 *       a[i] = rng_uniform_range(&g, -bound, bound), bound = 1.0 / sqrt((double)d_in)
 *       This is PyTorch's kaiming_uniform_ with a = sqrt(5), which PEFT uses:
 *       gain = sqrt(2 / (1 + a^2)) = sqrt(1/3), bound = gain * sqrt(3 / fan_in)
 *       = 1 / sqrt(fan_in), and fan_in = d_in (A's number of columns).
 *       The argument std is ignored (any value is fine).
 *     kind == LORA_INIT_GAUSSIAN:
 *       a[i] = std * rng_normal(&g)          (std > 0 and finite)
 *   Then every entry of b is exactly 0.0.  The same seed gives the same A,
 *   bit for bit; the grader compares with the reference for that reason,
 *   and separately checks the distribution (range, spread) of a large A.
 *   Broken contract: kind not 0 or 1; kind == GAUSSIAN with std <= 0, NaN
 *   or Inf.  Any seed is legal (negative ones are converted to uint64_t).
 *   Example: d_in = 4 gives bound 0.5: every a[i] lies in [-0.5, 0.5).
 */
int lora_init(double *a, double *b, size_t d_in, size_t d_out, size_t r,
              long long kind, double std, long long seed);

/*
 * lab03.2  lora_scaling: the factor s in front of the adapter.
 *   kind == LORA_SCALING_STANDARD: *scale = alpha / r
 *   kind == LORA_SCALING_RSLORA:   *scale = alpha / sqrt(r)
 *   scale points to one double (the output).
 *   Broken contract: scale NULL, r == 0, alpha NaN or Inf, kind not 0 or 1.
 *   Examples (the course's exercise): alpha = 6, r = 3 -> 2 (rsLoRA 3.4641...);
 *   alpha = 6, r = 1 -> 6 (rsLoRA 6).
 */
int lora_scaling(double alpha, size_t r, long long kind, double *scale);

/*
 * lab03.3  lora_linear_forward: the wrapped layer on a batch.
 *   x (batch, d_in), w0 (d_out, d_in), bias (d_out), a (r, d_in), b (d_out, r)
 *   y (batch, d_out):
 *     y[t][i] = (sum_j w0[i][j] x[t][j] + bias[i]) + scale * sum_k b[i][k] z[t][k],
 *     z[t][k] = sum_j a[k][j] x[t][j]
 *   Compute the base part (the bracket) first and then ADD the adapter term:
 *   with b all zero the adapter term is exactly 0, so y equals the base layer
 *   bit for bit (tested on inputs whose sums are exact in any order).
 *   batch == 0 is legal: nothing to write, return LAB_OK.
 *   Example: x = [[1, 2]], W0 = I2, bias = [0.5, -1], A = [[1, 1]],
 *   B = [[1], [0]], scale = 2 -> y = [[7.5, 1]].
 */
int lora_linear_forward(const double *x, size_t batch, const double *w0,
                        const double *bias, const double *a, const double *b,
                        size_t d_in, size_t d_out, size_t r, double scale,
                        double *y);

/*
 * lab03.4  lora_grad: the loss and its gradients with respect to A and B.
 *   x (batch, d_in), t (batch, d_out) targets, the layer as in lab03.3.
 *   Loss (exactly this; note: divided by batch, not by batch * d_out):
 *     L = (1 / batch) sum_{n < batch} sum_{i < d_out} (y[n][i] - t[n][i])^2
 *   Outputs: loss (1 double) = L, grad_a (r, d_in) = dL/dA,
 *   grad_b (d_out, r) = dL/dB.  With G = (2 / batch) (Y - T)  (batch, d_out)
 *   and Z = X A^T (batch, r):
 *     dL/dB = scale * G^T Z              (d_out, r)
 *     dL/dA = scale * (G B)^T X          (r, d_in)
 *   W0 and bias get no gradient: they are frozen.
 *   Broken contract: batch == 0 (the mean is undefined).
 *   Consequences worth seeing (lab03-demo examples prints them):
 *   B = 0 gives dL/dA = 0 exactly, while dL/dB = scale G^T Z is not 0 when
 *   A != 0; A = B = 0 gives both gradients 0, so gradient descent never moves.
 */
int lora_grad(const double *x, const double *t, size_t batch, const double *w0,
              const double *bias, const double *a, const double *b, size_t d_in,
              size_t d_out, size_t r, double scale, double *loss, double *grad_a,
              double *grad_b);

/*
 * lab03.5  lora_sgd_step: one step of plain gradient descent on A and B only.
 *   Inputs as lab03.4, and the learning rate lr.  Outputs:
 *     loss (1 double)        L before the step (as lora_grad)
 *     a_new (r, d_in)        a - lr * dL/dA
 *     b_new (d_out, r)       b - lr * dL/dB
 *   Both gradients are taken at the OLD a and b (a simultaneous update).
 *   w0 and bias stay bit for bit what they were, however many steps you
 *   chain (feed a_new, b_new back in as a, b).
 *   Broken contract: batch == 0; lr NaN, Inf or negative (lr == 0 is legal:
 *   a_new = a, b_new = b).
 */
int lora_sgd_step(const double *x, const double *t, size_t batch,
                  const double *w0, const double *bias, const double *a,
                  const double *b, size_t d_in, size_t d_out, size_t r,
                  double scale, double lr, double *loss, double *a_new,
                  double *b_new);

/*
 * lab03.6  lora_init_peft_gaussian: PEFT's init_lora_weights="gaussian".
 *   (6 points)  The same as lora_init(a, b, d_in, d_out, r,
 *   LORA_INIT_GAUSSIAN, 1.0 / r, seed): one generator seeded with seed, a[0],
 *   a[1], ... in order, a[i] = (1.0 / (double)r) * rng_normal(&g), then b = 0.
 *   The standard deviation is 1 / r, whatever d_in is: at d_in = 4096, r = 8
 *   it is 0.125, about 14 times PEFT's default (Kaiming-uniform, standard
 *   deviation 1 / sqrt(3 d_in) = 0.00902); `lab03-demo peft-gaussian`
 *   measures both.  Calling your lora_init is the simplest way.
 *   Broken contract: as lora_init (NULL, zero sizes or rank).
 *   Example: r = 4 -> A drawn with standard deviation 0.25, B = 0.
 */
int lora_init_peft_gaussian(double *a, double *b, size_t d_in, size_t d_out, size_t r,
                            long long seed);

#endif
