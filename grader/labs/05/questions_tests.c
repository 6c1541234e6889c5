/*
 * questions_tests.c - Lab 05's hidden tests of the course's lesson-1 "Apply"
 * question: what adapter layers in series cost a server (lab05.11, lab05.12).
 * They come last in the report (the highest task numbers).
 *
 * Expected values: the course's numbers (6 ms x 500 requests/s = 3 GPU-seconds
 * per second = 10,800 per hour, 3 more GPUs), hand-made cases whose answer is
 * written next to them, and the reference solution (linked into this judge)
 * on random inputs drawn from judge_rng().  Tolerance: 1e-9 relative for the
 * GPU-seconds (the order of the operations is free); the GPU counts are whole
 * numbers and must be exact.
 */
#include "tests.h"
#include "merge_switch.h"

#include <math.h>
#include <string.h>

/* The output's name in the description (functions.txt): the header's. */
#define OUT(func) (strcmp(func, "extra_gpus_needed") == 0 ? "gpus" : "gpu_seconds")

static call_t *student_serving(judge_t *j, const char *func, double ms_with, double ms_without,
                               double rate)
{
    call_t *c = call_new(j, func);
    call_real(c, "ms_with", ms_with);
    call_real(c, "ms_without", ms_without);
    call_real(c, "requests_per_s", rate);
    call_out(c, OUT(func), 1);
    return c;
}

/* One call; 1 when it returns LAB_OK and *out is want within tol (0: exact). */
static int serving_is(judge_t *j, const char *func, double ms_with, double ms_without,
                      double rate, double want, double tol)
{
    call_t *c = student_serving(j, func, ms_with, ms_without, rate);
    int ok = call_run(c) && expect_return(j, c, LAB_OK) &&
             (tol > 0 ? expect_close(j, OUT(func), call_output(c, OUT(func)), &want, 1, 1, tol)
                      : expect_exact(j, OUT(func), call_output(c, OUT(func)), &want, 1, 1));
    if (!ok)
        judge_fail(j, "(ms_with = %.17g, ms_without = %.17g, requests_per_s = %.17g: expected %.17g)",
                   ms_with, ms_without, rate, want);
    call_free(c);
    return ok;
}

/* Random latencies (0.5 .. 200 ms, with <= without + overhead) and rates. */
static void serving_random(judge_t *j, const char *func, int exact)
{
    rng_t *g = judge_rng(j);
    for (int i = 0; i < 12 && !judge_failed(j); i++) {
        double wo = rng_uniform_range(g, 0.5, 200.0);
        double w = wo + (i % 4 == 1 ? 0.0 : rng_uniform_range(g, 0.0, 60.0));
        double rate = i % 6 == 5 ? 0.0 : rng_uniform_range(g, 1.0, 20000.0);
        double want;
        int rc = exact ? extra_gpus_needed(w, wo, rate, &want)
                       : adapter_overhead_gpu_seconds_per_hour(w, wo, rate, &want);
        if (rc != LAB_OK) {
            judge_fail(j, "the reference rejected a valid case (grader error)");
            judge_internal_error();
            return;
        }
        serving_is(j, func, w, wo, rate, want, exact ? 0.0 : 1e-9);
    }
}

/* ---- lab05.11 ---- */

TEST("lab05.11", 1, "course: 6 ms x 500 requests/s is 10,800 GPU-seconds per hour",
     "(ms_with - ms_without) / 1000 s times requests_per_s is GPU-seconds per second; times 3600.")
{
    /* Houlsby adapters on GPT-2 medium, batch 1: 25.8 ms against 19.8 ms. */
    if (serving_is(j, "adapter_overhead_gpu_seconds_per_hour", 25.8, 19.8, 500, 10800, 1e-9))
        serving_is(j, "adapter_overhead_gpu_seconds_per_hour", 23.9, 19.8, 500, 7380, 1e-9);
}

TEST("lab05.11", 1, "random cases: GPU-seconds match the reference",
     "Milliseconds to seconds (/ 1000), per second to per hour (* 3600).")
{
    serving_random(j, "adapter_overhead_gpu_seconds_per_hour", 0);
}

/* ---- lab05.12 ---- */

TEST("lab05.12", 1, "course: Houlsby adapters at 500 requests/s need 3 more GPUs",
     "Fleet with adapters (13 for 12.9 busy) minus fleet without (10 for 9.9 busy).")
{
    /* 12.9 GPUs busy with adapters (13), 9.9 without (10): 3 more. */
    serving_is(j, "extra_gpus_needed", 25.8, 19.8, 500, 3, 0);
}

TEST("lab05.12", 1, "the fleet difference, not the overhead rounded up, in every case",
     "whole(g_with) - whole(g_without) with g = ms * requests_per_s / 1000 for each latency: 11 GPUs for 10.1 busy, 13 for 12.9, so 2 more.")
{
    /* 10.1 busy -> 11 GPUs, 12.9 -> 13: 2 more, though the overhead is 2.8.
     * The same latency twice needs nothing more; no traffic needs nothing. */
    if (serving_is(j, "extra_gpus_needed", 25.8, 20.2, 500, 2, 0) &&
        serving_is(j, "extra_gpus_needed", 19.8, 19.8, 500, 0, 0))
        serving_is(j, "extra_gpus_needed", 25.8, 19.8, 0, 0, 0);
    if (!judge_failed(j))
        serving_random(j, "extra_gpus_needed", 1);
}

TEST("lab05.12", 1, "a load of exactly 21 GPUs needs 21, not 22",
     "Round up with whole(x) = ceil(x - 1e-9 * max(1, x)): a float product may overshoot.")
{
    /* 16.8 ms x 1250/s is 21 GPUs exactly; 10 ms x 1250/s is 12.5 -> 13.
     * Computed as 16.8 / 1000 * 1250 it is 21.000000000000004: rounding up
     * without the tolerance gives 22 and 9 instead of 8. */
    if (serving_is(j, "extra_gpus_needed", 16.8, 10.0, 1250, 8, 0))
        serving_is(j, "extra_gpus_needed", 8.75, 2.5, 800, 5, 0); /* 7 - 2 */
}

