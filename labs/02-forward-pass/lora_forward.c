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


/* lab02.1 - y (d_out,) = x W0^T + (alpha / r) (x A^T) B^T for one row x. */
int lora_forward_row(const double *x, const double *w0, const double *a,
                     const double *b, size_t d_in, size_t d_out, size_t r,
                     double alpha, double *y)
{
    /* TODO lab02.1: write lora_forward_row (contract in lora_forward.h). */
    lab_todo("lab02.1", "lora_forward_row", x, w0, a, b, d_in, d_out, r, alpha, y);
}

/* lab02.2 - the same for a batch: x (batch, d_in) -> y (batch, d_out). */
int lora_forward(const double *x, size_t batch, const double *w0,
                 const double *a, const double *b, size_t d_in, size_t d_out,
                 size_t r, double alpha, double *y)
{
    /* TODO lab02.2: write lora_forward (contract in lora_forward.h). */
    lab_todo("lab02.2", "lora_forward", x, batch, w0, a, b, d_in, d_out, r, alpha, y);
}

/* lab02.3 - w_eff (d_out, d_in) = W0 + (alpha / r) B A. */
int lora_merged_weight(const double *w0, const double *a, const double *b,
                       size_t d_in, size_t d_out, size_t r, double alpha,
                       double *w_eff)
{
    /* TODO lab02.3: write lora_merged_weight (contract in lora_forward.h). */
    lab_todo("lab02.3", "lora_merged_weight", w0, a, b, d_in, d_out, r, alpha, w_eff);
}

/* lab02.4 - h (batch, d_out) = x w + (alpha / r) (x b_down) a_up, the "Low-rank adaptation forward" exercise layout. */
int lora_forward_in_out(const double *x, size_t batch, const double *w,
                        const double *b_down, const double *a_up, size_t d_in,
                        size_t d_out, size_t r, double alpha, double *h)
{
    /* TODO lab02.4: write lora_forward_in_out (contract in lora_forward.h). */
    lab_todo("lab02.4", "lora_forward_in_out", x, batch, w, b_down, a_up, d_in, d_out, r, alpha, h);
}

/* lab02.5 - (d_in, d_out)-layout weights -> the kit's layout. */
int lora_from_in_out(const double *w, const double *b_down, const double *a_up,
                     size_t d_in, size_t d_out, size_t r, double *w0,
                     double *a, double *b)
{
    /* TODO lab02.5: write lora_from_in_out (contract in lora_forward.h). */
    lab_todo("lab02.5", "lora_from_in_out", w, b_down, a_up, d_in, d_out, r, w0, a, b);
}

/* lab02.6 - the paper's column form: h_cols (d, n) = W0 X + (alpha / r) B A X. */
int lora_forward_columns(const double *w0, const double *b, const double *a,
                         const double *x_cols, size_t d, size_t k, size_t r,
                         size_t n, double alpha, double *h_cols)
{
    /* TODO lab02.6: write lora_forward_columns (contract in lora_forward.h). */
    lab_todo("lab02.6", "lora_forward_columns", w0, b, a, x_cols, d, k, r, n, alpha, h_cols);
}
