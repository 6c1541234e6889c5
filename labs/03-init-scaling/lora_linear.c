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


/* lab03.1 - A Kaiming-uniform (bound 1/sqrt(d_in)) or Gaussian, B = 0, from a seed. */
int lora_init(double *a, double *b, size_t d_in, size_t d_out, size_t r,
              long long kind, double std, long long seed)
{
    /* TODO lab03.1: write lora_init (contract in lora_linear.h). */
    lab_todo("lab03.1", "lora_init", a, b, d_in, d_out, r, kind, std, seed);
}

/* lab03.2 - *scale = alpha / r, or alpha / sqrt(r) for rsLoRA. */
int lora_scaling(double alpha, size_t r, long long kind, double *scale)
{
    /* TODO lab03.2: write lora_scaling (contract in lora_linear.h). */
    lab_todo("lab03.2", "lora_scaling", alpha, r, kind, scale);
}

/* lab03.3 - y (batch, d_out) = x W0^T + bias + scale (x A^T) B^T. */
int lora_linear_forward(const double *x, size_t batch, const double *w0,
                        const double *bias, const double *a, const double *b,
                        size_t d_in, size_t d_out, size_t r, double scale,
                        double *y)
{
    /* TODO lab03.3: write lora_linear_forward (contract in lora_linear.h). */
    lab_todo("lab03.3", "lora_linear_forward", x, batch, w0, bias, a, b, d_in, d_out, r, scale, y);
}

/* lab03.4 - L = (1/batch) sum (y - t)^2, dL/dA (r, d_in) and dL/dB (d_out, r). */
int lora_grad(const double *x, const double *t, size_t batch, const double *w0,
              const double *bias, const double *a, const double *b, size_t d_in,
              size_t d_out, size_t r, double scale, double *loss, double *grad_a,
              double *grad_b)
{
    /* TODO lab03.4: write lora_grad (contract in lora_linear.h). */
    lab_todo("lab03.4", "lora_grad", x, t, batch, w0, bias, a, b, d_in, d_out, r, scale, loss, grad_a, grad_b);
}

/* lab03.5 - one gradient step on A and B only; W0 and bias stay frozen. */
int lora_sgd_step(const double *x, const double *t, size_t batch,
                  const double *w0, const double *bias, const double *a,
                  const double *b, size_t d_in, size_t d_out, size_t r,
                  double scale, double lr, double *loss, double *a_new,
                  double *b_new)
{
    /* TODO lab03.5: write lora_sgd_step (contract in lora_linear.h). */
    lab_todo("lab03.5", "lora_sgd_step", x, t, batch, w0, bias, a, b, d_in, d_out, r, scale, lr, loss, a_new, b_new);
}

/* lab03.6 - PEFT's "gaussian" init: A ~ normal(0, (1/r)^2), B = 0. */
int lora_init_peft_gaussian(double *a, double *b, size_t d_in, size_t d_out, size_t r,
                            long long seed)
{
    /* TODO lab03.6: write lora_init_peft_gaussian (contract in lora_linear.h). */
    lab_todo("lab03.6", "lora_init_peft_gaussian", a, b, d_in, d_out, r, seed);
}
