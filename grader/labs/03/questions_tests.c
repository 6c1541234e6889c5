/*
 * questions_tests.c - Lab 03's hidden tests of PEFT's other init option,
 * init_lora_weights="gaussian" (lab03.6): A from a normal law with standard
 * deviation 1 / r, B = 0.  tests.c holds the rest of the lab; these come
 * last in the report (the highest task number).
 *
 * Expected values: the reference (linked into this judge) for the same seed,
 * bit for bit, since the draw order is part of the contract; and the law on
 * a large A (16,384 draws): sample variance within 5% of 1 / r^2 (its
 * relative standard deviation at this size is 1.1%, so a right solution
 * passes for every seed, while 1 / sqrt(r), 1 / r^2 or PEFT's default
 * Kaiming-uniform law fails at r = 2 and r = 8), |mean| <= 0.05 / r.
 */
#include "tests.h"
#include "lora_linear.h"
#include "matrix.h"

#include <math.h>
#include <stdlib.h>

static call_t *student_peft_gaussian(judge_t *j, size_t d_in, size_t d_out, size_t r,
                                     long long seed)
{
    call_t *c = call_new(j, "lora_init_peft_gaussian");
    call_out(c, "a", r ? r * d_in : 1);
    call_out(c, "b", r ? d_out * r : 1);
    call_size(c, "d_in", d_in);
    call_size(c, "d_out", d_out);
    call_size(c, "r", r);
    call_int(c, "seed", seed);
    return c;
}

TEST("lab03.6", 1, "PEFT gaussian A equals the reference for the same seed, B = 0",
     "lora_init with kind LORA_INIT_GAUSSIAN and std = 1.0 / (double)r: same seed, same draws.")
{
    /* The course's 6 x 6 layer at r = 3, then random non-square shapes. */
    rng_t *g = judge_rng(j);
    size_t shapes[3][3] = {{6, 6, 3}, {0, 0, 0}, {0, 0, 0}};
    for (int k = 1; k < 3; k++) {
        shapes[k][0] = 2 + (size_t)rng_below(g, 60);
        shapes[k][1] = 2 + (size_t)rng_below(g, 60);
        shapes[k][2] = 1 + (size_t)rng_below(g, 12);
    }
    for (int k = 0; k < 3 && !judge_failed(j); k++) {
        size_t d_in = shapes[k][0], d_out = shapes[k][1], r = shapes[k][2];
        long long seed = (long long)(rng_next_u64(g) >> 1);
        double *a = mat_alloc(r, d_in), *b = mat_alloc(d_out, r);
        if (lora_init_peft_gaussian(a, b, d_in, d_out, r, seed) != LAB_OK) {
            judge_fail(j, "the reference rejected a valid shape (grader error)");
            judge_internal_error();
        } else {
            call_t *c = student_peft_gaussian(j, d_in, d_out, r, seed);
            if (!(call_run(c) && expect_return(j, c, LAB_OK) &&
                  expect_exact(j, "a", call_output(c, "a"), a, r, d_in) &&
                  expect_exact(j, "b", call_output(c, "b"), b, d_out, r)))
                judge_fail(j, "(d_in = %zu, d_out = %zu, r = %zu, seed = %lld: std 1/r = %.6g)",
                           d_in, d_out, r, seed, 1.0 / (double)r);
            call_free(c);
        }
        free(a), free(b);
    }
}

TEST("lab03.6", 2, "a large PEFT gaussian A has standard deviation 1/r",
     "A's sample standard deviation over many draws must be 1 / r (PEFT's gaussian option) and its mean near 0.")
{
    static const size_t ranks[] = {2, 8};
    for (int k = 0; k < 2 && !judge_failed(j); k++) {
        size_t r = ranks[k], d_in = 16384 / r;
        call_t *c = student_peft_gaussian(j, d_in, 3, r, (long long)(rng_next_u64(judge_rng(j)) >> 1));
        if (call_run(c) && expect_return(j, c, LAB_OK)) {
            const double *a = call_output(c, "a");
            size_t n = r * d_in;
            double s = 0.0, s2 = 0.0;
            for (size_t i = 0; i < n; i++)
                s += a[i];
            double mean = s / (double)n;
            for (size_t i = 0; i < n; i++)
                s2 += (a[i] - mean) * (a[i] - mean);
            double var = s2 / (double)(n - 1), want = 1.0 / ((double)r * (double)r);
            if (!(fabs(var - want) <= 0.05 * want))
                judge_fail(j, "r = %zu, d_in = %zu: sample standard deviation %.6g, expected 1/r = %.6g "
                           "(variance within 5%%)", r, d_in, sqrt(var), 1.0 / (double)r);
            if (!(fabs(mean) <= 0.05 / (double)r))
                judge_fail(j, "r = %zu: sample mean %.6g is not near 0", r, mean);
        }
        call_free(c);
    }
}

