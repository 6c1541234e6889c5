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

/* BEGIN SOLUTION */
/* The sizes every function of lab05.1 - lab05.4, lab05.6 and lab05.7 checks first. */
#define REQUIRE_SIZES(d_in, d_out, r)                                                       \
    LAB_REQUIRE((d_in) > 0 && (d_out) > 0 && (r) > 0,                                      \
                "d_in, d_out and r must be > 0 (got %zu, %zu, %zu)", (d_in), (d_out), (r))

/* (B A)[i][j] = sum_k b[i][k] a[k][j], k ascending. */
static double ba_entry(const double *a, const double *b, size_t d_in, size_t r, size_t i,
                       size_t j)
{
    double s = 0.0;
    for (size_t k = 0; k < r; k++)
        s += b[i * r + k] * a[k * d_in + j];
    return s;
}

/* w += sign * s B A, entry by entry (the product term first, then one add). */
static void add_scaled_ba(double *w, const double *a, const double *b, size_t d_in,
                          size_t d_out, size_t r, double scale)
{
    for (size_t i = 0; i < d_out; i++)
        for (size_t j = 0; j < d_in; j++)
            w[i * d_in + j] += scale * ba_entry(a, b, d_in, r, i, j);
}
/* END SOLUTION */

int lora_merge(double *w, const double *a, const double *b, size_t d_in, size_t d_out,
               size_t r, double alpha)
{
    /* BEGIN SOLUTION lab05.1 */
    LAB_REQUIRE(w && a && b, "w, a and b must not be NULL");
    REQUIRE_SIZES(d_in, d_out, r);
    LAB_REQUIRE(isfinite(alpha), "alpha must be finite (got %g)", alpha);
    add_scaled_ba(w, a, b, d_in, d_out, r, alpha / (double)r);
    return LAB_OK;
    /* END SOLUTION lab_todo("lab05.1", "lora_merge", w, a, b, d_in, d_out, r, alpha); */
}

int lora_unmerge(double *w, const double *a, const double *b, size_t d_in, size_t d_out,
                 size_t r, double alpha)
{
    /* BEGIN SOLUTION lab05.2 */
    LAB_REQUIRE(w && a && b, "w, a and b must not be NULL");
    REQUIRE_SIZES(d_in, d_out, r);
    LAB_REQUIRE(isfinite(alpha), "alpha must be finite (got %g)", alpha);
    add_scaled_ba(w, a, b, d_in, d_out, r, -(alpha / (double)r));
    return LAB_OK;
    /* END SOLUTION lab_todo("lab05.2", "lora_unmerge", w, a, b, d_in, d_out, r, alpha); */
}

int lora_switch(double *w, const double *a1, const double *b1, const double *a2,
                const double *b2, size_t d_in, size_t d_out, size_t r, double alpha)
{
    /* BEGIN SOLUTION lab05.3 */
    LAB_REQUIRE(w && a1 && b1 && a2 && b2, "w, a1, b1, a2 and b2 must not be NULL");
    REQUIRE_SIZES(d_in, d_out, r);
    LAB_REQUIRE(isfinite(alpha), "alpha must be finite (got %g)", alpha);
    const double s = alpha / (double)r;
    for (size_t i = 0; i < d_out; i++)
        for (size_t j = 0; j < d_in; j++)
            w[i * d_in + j] +=
                s * (ba_entry(a2, b2, d_in, r, i, j) - ba_entry(a1, b1, d_in, r, i, j));
    return LAB_OK;
    /* END SOLUTION lab_todo("lab05.3", "lora_switch", w, a1, b1, a2, b2, d_in, d_out, r, alpha); */
}

int lora_to_linear(const double *w0, const double *bias, const double *a, const double *b,
                   size_t d_in, size_t d_out, size_t r, double alpha, double *w_out,
                   double *bias_out)
{
    /* BEGIN SOLUTION lab05.4 */
    LAB_REQUIRE(w0 && bias && a && b && w_out && bias_out,
                "w0, bias, a, b, w_out and bias_out must not be NULL");
    REQUIRE_SIZES(d_in, d_out, r);
    LAB_REQUIRE(isfinite(alpha), "alpha must be finite (got %g)", alpha);
    for (size_t i = 0; i < d_out * d_in; i++)
        w_out[i] = w0[i];
    for (size_t i = 0; i < d_out; i++)
        bias_out[i] = bias[i];
    add_scaled_ba(w_out, a, b, d_in, d_out, r, alpha / (double)r);
    return LAB_OK;
    /* END SOLUTION lab_todo("lab05.4", "lora_to_linear", w0, bias, a, b, d_in, d_out, r, alpha, w_out, bias_out); */
}

int lora_swap_count(size_t d_in, size_t d_out, size_t r, size_t n_matrices, double *swap,
                    double *reload)
{
    /* BEGIN SOLUTION lab05.5 */
    LAB_REQUIRE(swap && reload, "swap and reload must not be NULL");
    LAB_REQUIRE(d_in > 0 && d_out > 0 && r > 0 && n_matrices > 0,
                "d_in, d_out, r and n_matrices must be > 0 (got %zu, %zu, %zu, %zu)", d_in, d_out,
                r, n_matrices);
    /* Long double keeps every product exact below 2^64, so the 2^53 test is honest. */
    const long double limit = 9007199254740992.0L; /* 2^53 */
    long double sw = (long double)n_matrices * 2.0L * (long double)r *
                     ((long double)d_in + (long double)d_out);
    long double re = (long double)n_matrices * (long double)d_out * (long double)d_in;
    LAB_REQUIRE(sw <= limit && re <= limit, "the counts pass 2^53 and would not be exact as doubles");
    *swap = (double)sw;
    *reload = (double)re;
    return LAB_OK;
    /* END SOLUTION lab_todo("lab05.5", "lora_swap_count", d_in, d_out, r, n_matrices, swap, reload); */
}

int lora_switch_f32(float *w, const float *a1, const float *b1, const float *a2,
                    const float *b2, size_t d_in, size_t d_out, size_t r, float scale)
{
    /* BEGIN SOLUTION lab05.6 */
    LAB_REQUIRE(w && a1 && b1 && a2 && b2, "w, a1, b1, a2 and b2 must not be NULL");
    REQUIRE_SIZES(d_in, d_out, r);
    LAB_REQUIRE(isfinite(scale), "scale must be finite (got %g)", (double)scale);
    for (size_t i = 0; i < d_out; i++)
        for (size_t j = 0; j < d_in; j++) {
            float p2 = 0.0f, p1 = 0.0f;
            for (size_t k = 0; k < r; k++)
                p2 += b2[i * r + k] * a2[k * d_in + j];
            for (size_t k = 0; k < r; k++)
                p1 += b1[i * r + k] * a1[k * d_in + j];
            w[i * d_in + j] += scale * (p2 - p1);
        }
    return LAB_OK;
    /* END SOLUTION lab_todo("lab05.6", "lora_switch_f32", w, a1, b1, a2, b2, d_in, d_out, r, scale); */
}

int lora_switch_from_base(double *w, const double *w0, const double *a_new,
                          const double *b_new, size_t d_in, size_t d_out, size_t r,
                          double alpha)
{
    /* BEGIN SOLUTION lab05.7 */
    LAB_REQUIRE(w && w0 && a_new && b_new, "w, w0, a_new and b_new must not be NULL");
    REQUIRE_SIZES(d_in, d_out, r);
    LAB_REQUIRE(isfinite(alpha), "alpha must be finite (got %g)", alpha);
    const double s = alpha / (double)r;
    for (size_t i = 0; i < d_out; i++)
        for (size_t j = 0; j < d_in; j++)
            w[i * d_in + j] = w0[i * d_in + j] + s * ba_entry(a_new, b_new, d_in, r, i, j);
    return LAB_OK;
    /* END SOLUTION lab_todo("lab05.7", "lora_switch_from_base", w, w0, a_new, b_new, d_in, d_out, r, alpha); */
}

/* BEGIN SOLUTION */
/* The argument checks lab05.11 and lab05.12 share (a macro, so that each
 * LAB_REQUIRE returns from the function that uses it and names it). */
#define SERVING_ARGS_OK(ms_with, ms_without, requests_per_s, out)                              \
    LAB_REQUIRE(out, "the output pointer is NULL");                                            \
    LAB_REQUIRE(isfinite(ms_with) && isfinite(ms_without) && isfinite(requests_per_s),        \
                "latencies and rate must be finite (got %g, %g, %g)", ms_with, ms_without,     \
                requests_per_s);                                                               \
    LAB_REQUIRE(ms_without >= 0.0 && ms_with >= ms_without && requests_per_s >= 0.0,          \
                "need 0 <= ms_without <= ms_with and requests_per_s >= 0 (got %g, %g, %g)",    \
                ms_with, ms_without, requests_per_s);                                          \
    LAB_REQUIRE(ms_with * requests_per_s / 1000.0 <= 1e15,                                     \
                "the load (%g GPUs busy) is past 1e15", ms_with * requests_per_s / 1000.0)

/* Whole GPUs for a load x, forgiving a relative rounding error of 1e-9. */
static double whole_gpus(double x)
{
    return ceil(x - 1e-9 * (x > 1.0 ? x : 1.0));
}
/* END SOLUTION */

int adapter_overhead_gpu_seconds_per_hour(double ms_with, double ms_without,
                                          double requests_per_s, double *gpu_seconds)
{
    /* BEGIN SOLUTION lab05.11 */
    SERVING_ARGS_OK(ms_with, ms_without, requests_per_s, gpu_seconds);
    *gpu_seconds = (ms_with - ms_without) * requests_per_s / 1000.0 * 3600.0;
    return LAB_OK;
    /* END SOLUTION lab_todo("lab05.11", "adapter_overhead_gpu_seconds_per_hour", ms_with, ms_without, requests_per_s, gpu_seconds); */
}

int extra_gpus_needed(double ms_with, double ms_without, double requests_per_s, double *gpus)
{
    /* BEGIN SOLUTION lab05.12 */
    SERVING_ARGS_OK(ms_with, ms_without, requests_per_s, gpus);
    const double busy_with = ms_with * requests_per_s / 1000.0;
    const double busy_without = ms_without * requests_per_s / 1000.0;
    *gpus = whole_gpus(busy_with) - whole_gpus(busy_without);
    return LAB_OK;
    /* END SOLUTION lab_todo("lab05.12", "extra_gpus_needed", ms_with, ms_without, requests_per_s, gpus); */
}
