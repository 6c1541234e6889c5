/*
 * merge_switch.c - Lab 05: merge, unmerge, switch tasks, and switch without
 * drift.
 *
 * Write the body of each function below where it says TODO.  The contract of
 * each function (shapes, the order of operations, argument checks) is in
 * merge_switch.h: read it first.  Check your work with
 *     make check LAB=05      (the visible tests)
 *     make grade LAB=05      (the graded tests, with points)
 * You may add static helper functions to this file; do not change the
 * signatures, and do not add other files: the grader compiles this one.
 */
#include "merge_switch.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>


int lora_merge(double *w, const double *a, const double *b, size_t d_in, size_t d_out,
               size_t r, double alpha)
{
    /* TODO lab05.1: write lora_merge (contract in merge_switch.h). */
    lab_todo("lab05.1", "lora_merge", w, a, b, d_in, d_out, r, alpha);
}

int lora_unmerge(double *w, const double *a, const double *b, size_t d_in, size_t d_out,
                 size_t r, double alpha)
{
    /* TODO lab05.2: write lora_unmerge (contract in merge_switch.h). */
    lab_todo("lab05.2", "lora_unmerge", w, a, b, d_in, d_out, r, alpha);
}

int lora_switch(double *w, const double *a1, const double *b1, const double *a2,
                const double *b2, size_t d_in, size_t d_out, size_t r, double alpha)
{
    /* TODO lab05.3: write lora_switch (contract in merge_switch.h). */
    lab_todo("lab05.3", "lora_switch", w, a1, b1, a2, b2, d_in, d_out, r, alpha);
}

int lora_to_linear(const double *w0, const double *bias, const double *a, const double *b,
                   size_t d_in, size_t d_out, size_t r, double alpha, double *w_out,
                   double *bias_out)
{
    /* TODO lab05.4: write lora_to_linear (contract in merge_switch.h). */
    lab_todo("lab05.4", "lora_to_linear", w0, bias, a, b, d_in, d_out, r, alpha, w_out, bias_out);
}

int lora_swap_count(size_t d_in, size_t d_out, size_t r, size_t n_matrices, double *swap,
                    double *reload)
{
    /* TODO lab05.5: write lora_swap_count (contract in merge_switch.h). */
    lab_todo("lab05.5", "lora_swap_count", d_in, d_out, r, n_matrices, swap, reload);
}

int lora_switch_f32(float *w, const float *a1, const float *b1, const float *a2,
                    const float *b2, size_t d_in, size_t d_out, size_t r, float scale)
{
    /* TODO lab05.6: write lora_switch_f32 (contract in merge_switch.h). */
    lab_todo("lab05.6", "lora_switch_f32", w, a1, b1, a2, b2, d_in, d_out, r, scale);
}

int lora_switch_from_base(double *w, const double *w0, const double *a_new,
                          const double *b_new, size_t d_in, size_t d_out, size_t r,
                          double alpha)
{
    /* TODO lab05.7: write lora_switch_from_base (contract in merge_switch.h). */
    lab_todo("lab05.7", "lora_switch_from_base", w, w0, a_new, b_new, d_in, d_out, r, alpha);
}


int adapter_overhead_gpu_seconds_per_hour(double ms_with, double ms_without,
                                          double requests_per_s, double *gpu_seconds)
{
    /* TODO lab05.11: write adapter_overhead_gpu_seconds_per_hour (contract in merge_switch.h). */
    lab_todo("lab05.11", "adapter_overhead_gpu_seconds_per_hour", ms_with, ms_without, requests_per_s, gpu_seconds);
}

int extra_gpus_needed(double ms_with, double ms_without, double requests_per_s, double *gpus)
{
    /* TODO lab05.12: write extra_gpus_needed (contract in merge_switch.h). */
    lab_todo("lab05.12", "extra_gpus_needed", ms_with, ms_without, requests_per_s, gpus);
}
