/*
 * qlora.c - Lab 09: QLoRA in C (NF4 base, double quantization, LoRA on a
 * 4-bit base).
 *
 * Write the body of each function below where it says TODO.  The contract of
 * each function (the data types, the packing, double quantization, the
 * forward pass and the gradients) is in qlora.h: read it first.  Check your
 * work with
 *     make check LAB=09      (the visible tests)
 *     make grade LAB=09      (the graded tests, with points)
 * You may add static helper functions to this file; do not change the
 * signatures, and do not add other files: the grader compiles this one.
 */
#include "qlora.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>


/* lab09.1 - z with Phi(z) = p, within 1e-12. */
int norm_ppf(double p, double *z)
{
    /* TODO lab09.1: write norm_ppf (contract in qlora.h). */
    lab_todo("lab09.1", "norm_ppf", p, z);
}

/* lab09.2 - the 16 NF4 levels: normal quantiles with QLoRA's offset, normalized to [-1, 1]. */
int nf4_levels(double *levels)
{
    /* TODO lab09.2: write nf4_levels (contract in qlora.h). */
    lab_todo("lab09.2", "nf4_levels", levels);
}

/* lab09.2 - int4: (c - 8) / 7 for c = 0..15. */
int int4_levels(double *levels)
{
    /* TODO lab09.2: write int4_levels (contract in qlora.h). */
    lab_todo("lab09.2", "int4_levels", levels);
}

/* lab09.2 - FP4 (E2M1): +-{0, 0.5, 1, 1.5, 2, 3, 4, 6} / 6, ascending. */
int fp4_levels(double *levels)
{
    /* TODO lab09.2: write fp4_levels (contract in qlora.h). */
    lab_todo("lab09.2", "fp4_levels", levels);
}

/* lab09.3 - absmax per block, nearest level (ties low), two codes per byte, high nibble first. */
int q_quantize(const double *levels, const double *w, size_t n, size_t block, uint8_t *packed,
               double *scales)
{
    /* TODO lab09.3: write q_quantize (contract in qlora.h). */
    lab_todo("lab09.3", "q_quantize", levels, w, n, block, packed, scales);
}

/* lab09.4 - w[k] = levels[code k] * scales[k / block]. */
int q_dequantize(const double *levels, const uint8_t *packed, const double *scales, size_t n,
                 size_t block, double *w)
{
    /* TODO lab09.4: write q_dequantize (contract in qlora.h). */
    lab_todo("lab09.4", "q_dequantize", levels, packed, scales, n, block, w);
}

/* lab09.5 - scales minus their mean, int8 absmax in groups. */
int dq_quantize(const double *scales, size_t nb, size_t group, uint8_t *codes, double *gscales,
                double *mean)
{
    /* TODO lab09.5: write dq_quantize (contract in qlora.h). */
    lab_todo("lab09.5", "dq_quantize", scales, nb, group, codes, gscales, mean);
}

/* lab09.5 - scales[k] = mean + gscales[k / group] q_k / 127. */
int dq_dequantize(const uint8_t *codes, const double *gscales, double mean, size_t nb,
                  size_t group, double *scales)
{
    /* TODO lab09.5: write dq_dequantize (contract in qlora.h). */
    lab_todo("lab09.5", "dq_dequantize", codes, gscales, mean, nb, group, scales);
}

/* lab09.5 - bits per weight: 4 + 32 / block, and 4 + 8 / block + 32 / (block group). */
int q_bits_per_param(size_t block, size_t group, double *bits)
{
    /* TODO lab09.5: write q_bits_per_param (contract in qlora.h). */
    lab_todo("lab09.5", "q_bits_per_param", block, group, bits);
}

/* lab09.6 - y = x W0q^T + (alpha / r) (x A^T) B^T, the base dequantized block by block. */
int qlora_forward(const double *levels, const uint8_t *packed, const double *scales,
                  size_t block, const double *x, const double *a, const double *b, size_t batch,
                  size_t d_in, size_t d_out, size_t r, double alpha, double *y)
{
    /* TODO lab09.6: write qlora_forward (contract in qlora.h). */
    lab_todo("lab09.6", "qlora_forward", levels, packed, scales, block, x, a, b, batch, d_in, d_out, r, alpha, y);
}

/* lab09.7 - MSE against t, and its gradients for A and B only. */
int qlora_grad(const double *levels, const uint8_t *packed, const double *scales, size_t block,
               const double *x, const double *t, const double *a, const double *b, size_t batch,
               size_t d_in, size_t d_out, size_t r, double alpha, double *loss, double *grad_a,
               double *grad_b)
{
    /* TODO lab09.7: write qlora_grad (contract in qlora.h). */
    lab_todo("lab09.7", "qlora_grad", levels, packed, scales, block, x, t, a, b, batch, d_in, d_out, r, alpha, loss, grad_a, grad_b);
}
