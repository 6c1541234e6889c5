/*
 * tests.c - Lab 08's hidden tests: the Houlsby adapter layer, many adapters
 * in one batch (gather, grouping, segments), the LRU pool plan, and the
 * speed of the batched forward.
 *
 * Expected values come from the reference solution linked into this judge
 * (never into the runner) or from the worked examples stated in serve.h,
 * which `make demo LAB=08` recomputes.  Random problems draw from
 * judge_rng(): seed printed, --seed N.  Tolerance 1e-9 * max(1, |want|)
 * (serve.h); group_by_adapter and lru_pool_plan return integers: exact.
 *
 * The speed test (lab08.6) compares CPU times measured in this grading, so
 * the verdict does not depend on the machine: the student's call as the
 * kernel counts the runner process (call_cpu_seconds), the runner's start-up
 * left out (a first call starts the runner) and copying cancelled out, against the reference's in-process time on the same inputs
 * (call_reference_seconds) and a naive loop timed here.  Each is the best
 * of SPEED_RUNS runs, taken in turns, so a burst of load hits all three.
 */
#include "test.h"
#include "matrix.h"
#include "serve.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TOL 1e-9

/* ids, requests and the integer outputs are size_t in serve.h and doubles
 * on the wire (the runner converts them: functions.txt). */
static double *wire_of(const size_t *v, size_t n)
{
    double *w = mat_alloc(n ? n : 1, 1);
    for (size_t i = 0; i < n; i++)
        w[i] = (double)v[i];
    return w;
}

/* ------------------------------------------------------------ problems */

/* A batch served by n adapters: x (batch, d_in), w0, stacked a and b, ids. */
typedef struct {
    size_t batch, d_in, d_out, r, n;
    double alpha;
    double *x, *w0, *a, *b;
    size_t *ids;
    double *ids_wire; /* ids as the wire carries them */
} multi_t;

static void multi_alloc(multi_t *P, size_t batch, size_t d_in, size_t d_out, size_t r, size_t n)
{
    *P = (multi_t){batch, d_in, d_out, r, n, 2.5, NULL, NULL, NULL, NULL, NULL, NULL};
    P->x = mat_alloc(batch ? batch : 1, d_in);
    P->w0 = mat_alloc(d_out, d_in);
    P->a = mat_alloc(n * r, d_in);
    P->b = mat_alloc(n * d_out, r);
    P->ids = calloc(batch ? batch : 1, sizeof *P->ids);
    P->ids_wire = mat_alloc(batch ? batch : 1, 1);
}

static void multi_set_ids(multi_t *P, const size_t *ids)
{
    for (size_t t = 0; t < P->batch; t++)
        P->ids[t] = ids[t], P->ids_wire[t] = (double)ids[t];
}

/* Entries uniform in [-1, 1), ids uniform in 0..n-1. */
static void multi_random(judge_t *j, multi_t *P, size_t batch, size_t d_in, size_t d_out,
                         size_t r, size_t n)
{
    rng_t *g = judge_rng(j);
    multi_alloc(P, batch, d_in, d_out, r, n);
    rng_fill_uniform(g, P->x, batch * d_in, -1, 1);
    rng_fill_uniform(g, P->w0, d_out * d_in, -1, 1);
    rng_fill_uniform(g, P->a, n * r * d_in, -1, 1);
    rng_fill_uniform(g, P->b, n * d_out * r, -1, 1);
    for (size_t t = 0; t < batch; t++)
        P->ids[t] = rng_below(g, n);
    multi_set_ids(P, P->ids);
    P->alpha = 0.5 + 3.0 * rng_uniform(g);
}

static void multi_free(multi_t *P)
{
    free(P->x), free(P->w0), free(P->a), free(P->b), free(P->ids), free(P->ids_wire);
}

static call_t *student_multi(judge_t *j, const char *func, const multi_t *P)
{
    call_t *c = call_new(j, func);
    call_in(c, "x", P->x, P->batch * P->d_in);
    call_size(c, "batch", P->batch);
    call_in(c, "w0", P->w0, P->d_out * P->d_in);
    call_in(c, "a", P->a, P->n * P->r * P->d_in);
    call_in(c, "b", P->b, P->n * P->d_out * P->r);
    call_in(c, "ids", P->ids_wire, P->batch);
    call_size(c, "d_in", P->d_in);
    call_size(c, "d_out", P->d_out);
    call_size(c, "r", P->r);
    call_size(c, "n_adapters", P->n);
    call_real(c, "alpha", P->alpha);
    call_out(c, "y", P->batch * P->d_out);
    return c;
}

typedef int (*multi_fn)(const double *, size_t, const double *, const double *, const double *,
                        const size_t *, size_t, size_t, size_t, size_t, double, double *);

static multi_fn ref_of(const char *func)
{
    return strcmp(func, "multi_lora_gather") == 0 ? multi_lora_gather : multi_lora_segment;
}

static void describe_multi(judge_t *j, const multi_t *P)
{
    judge_fail(j, "(batch = %zu, d_in = %zu, d_out = %zu, r = %zu, n_adapters = %zu, alpha = %g)",
               P->batch, P->d_in, P->d_out, P->r, P->n, P->alpha);
}

/* The student's func on P against the reference's y. */
static int multi_matches(judge_t *j, const char *func, const multi_t *P)
{
    double *want = mat_alloc(P->batch ? P->batch : 1, P->d_out);
    ref_of(func)(P->x, P->batch, P->w0, P->a, P->b, P->ids, P->d_in, P->d_out, P->r, P->n,
                 P->alpha, want);
    call_t *c = student_multi(j, func, P);
    int ok = call_run(c) && expect_return(j, c, LAB_OK) && expect_inputs_unchanged(j, c) &&
             expect_close(j, "y", call_output(c, "y"), want, P->batch, P->d_out, TOL);
    if (!ok)
        describe_multi(j, P);
    call_free(c);
    free(want);
    return ok;
}

/* The worked example of serve.h (lab08.2). */
static void multi_example(multi_t *P)
{
    multi_alloc(P, 3, 2, 2, 1, 2);
    static const double x[] = {1, 0, 0, 1, 1, 1}, w0[] = {1, 0, 0, 1}, a[] = {1, 0, 0, 1},
                        b[] = {1, 0, 0, 1};
    static const size_t ids[] = {0, 1, 1};
    memcpy(P->x, x, sizeof x), memcpy(P->w0, w0, sizeof w0), memcpy(P->a, a, sizeof a);
    memcpy(P->b, b, sizeof b), multi_set_ids(P, ids);
    P->alpha = 2.0;
}

static void multi_example_test(judge_t *j, const char *func)
{
    multi_t P;
    multi_example(&P);
    static const double want[] = {3, 0, 0, 3, 1, 3};
    call_t *c = student_multi(j, func, &P);
    if (call_run(c) && expect_return(j, c, LAB_OK))
        expect_close(j, "y", call_output(c, "y"), want, 3, 2, TOL);
    call_free(c);
    multi_free(&P);
}

/* Random non-square problems: few and many adapters, adapters with no rows. */
static void multi_random_test(judge_t *j, const char *func)
{
    static const size_t shapes[][5] = {
        {9, 7, 5, 3, 4}, {13, 6, 11, 2, 1}, {40, 10, 9, 4, 32}, {5, 4, 3, 1, 12}};
    for (size_t k = 0; k < sizeof shapes / sizeof shapes[0] && !judge_failed(j); k++) {
        multi_t P;
        multi_random(j, &P, shapes[k][0], shapes[k][1], shapes[k][2], shapes[k][3], shapes[k][4]);
        multi_matches(j, func, &P);
        multi_free(&P);
    }
}

/* ------------------------------------------------------------ lab08.1 */

static call_t *student_houlsby(judge_t *j, const double *h, size_t batch, const double *wd,
                               const double *wu, size_t d, size_t m)
{
    call_t *c = call_new(j, "houlsby_adapter");
    call_in(c, "h", h, batch * d);
    call_size(c, "batch", batch);
    call_in(c, "w_down", wd, m * d);
    call_in(c, "w_up", wu, d * m);
    call_size(c, "d", d);
    call_size(c, "m", m);
    call_out(c, "out", batch * d);
    return c;
}

TEST("lab08.1", 3, "worked example: relu closes the bottleneck, then opens it",
     "h = [[1, -2], [3, -2]], w_down = [[1, 1]], w_up = [[2], [0]]: h W_down^T is -1 then 1; "
     "relu gives 0 then 1; out = h + relu(...) W_up^T = [[1, -2], [5, -2]].")
{
    static const double h[] = {1, -2, 3, -2}, wd[] = {1, 1}, wu[] = {2, 0}, want[] = {1, -2, 5, -2};
    call_t *c = student_houlsby(j, h, 2, wd, wu, 2, 1);
    if (call_run(c) && expect_return(j, c, LAB_OK))
        expect_close(j, "out", call_output(c, "out"), want, 2, 2, TOL);
    call_free(c);
}

TEST("lab08.1", 5, "houlsby_adapter matches the reference on non-square shapes",
     "out[t] = h[t] + relu(h[t] W_down^T) W_up^T with w_down (m, d) and w_up (d, m): mind "
     "which index is the row of each, relu only on the m bottleneck values, and the residual h.")
{
    static const size_t shapes[][3] = {{7, 9, 3}, {4, 6, 6}, {11, 5, 8}, {1, 13, 2}};
    rng_t *g = judge_rng(j);
    for (size_t k = 0; k < 4 && !judge_failed(j); k++) {
        size_t bt = shapes[k][0], d = shapes[k][1], m = shapes[k][2];
        double *h = mat_alloc(bt, d), *wd = mat_alloc(m, d), *wu = mat_alloc(d, m);
        double *want = mat_alloc(bt, d);
        rng_fill_uniform(g, h, bt * d, -1, 1);
        rng_fill_uniform(g, wd, m * d, -1, 1);
        rng_fill_uniform(g, wu, d * m, -1, 1);
        houlsby_adapter(h, bt, wd, wu, d, m, want);
        call_t *c = student_houlsby(j, h, bt, wd, wu, d, m);
        if (call_run(c) && expect_return(j, c, LAB_OK) && expect_inputs_unchanged(j, c))
            expect_close(j, "out", call_output(c, "out"), want, bt, d, TOL);
        if (judge_failed(j))
            judge_fail(j, "(batch = %zu, d = %zu, m = %zu)", bt, d, m);
        call_free(c);
        free(h), free(wd), free(wu), free(want);
    }
}

/* ------------------------------------------------------------ lab08.2 */

TEST("lab08.2", 3, "worked example: two adapters, rows 1 and 2 share one",
     "W0 = I2, A_0 = [[1, 0]], B_0 = [[1], [0]], A_1 = [[0, 1]], B_1 = [[0], [1]], alpha = 2, r = 1, "
     "ids = [0, 1, 1]: y = [[3, 0], [0, 3], [1, 3]]. Adapter k's A starts at a + k r d_in, its B at "
     "b + k d_out r.")
{
    multi_example_test(j, "multi_lora_gather");
}

TEST("lab08.2", 6, "multi_lora_gather matches the reference, 1 to 32 adapters",
     "y[t] = x[t] W0^T + (alpha / r) (x[t] A_k^T) B_k^T with k = ids[t]: each row uses its own "
     "adapter's A and B (stride r d_in and d_out r between adapters), and alpha / r, not alpha.")
{
    multi_random_test(j, "multi_lora_gather");
}

/* func with batch = 0 and n_adapters = 0: rejected, y untouched (the range
 * test's n_adapters = 0 comes with a full batch, whose ids are rejected too). */
static void no_adapters_test(judge_t *j, const char *func)
{
    multi_t P;
    multi_alloc(&P, 0, 3, 2, 1, 0);
    call_t *c = student_multi(j, func, &P);
    if (!(call_run(c) && expect_return(j, c, LAB_EARG) && expect_untouched(j, c, "y")))
        describe_multi(j, &P);
    call_free(c);
    multi_free(&P);
}

TEST("lab08.2", 1, "multi_lora_gather rejects n_adapters = 0, even for an empty batch",
     "n_adapters must be >= 1 whatever the batch: check it before returning early on batch = 0 "
     "(an empty batch has no id to be out of range).")
{
    no_adapters_test(j, "multi_lora_gather");
}

/* ------------------------------------------------------------ lab08.3 */

static call_t *student_group(judge_t *j, const double *ids, size_t batch, size_t n)
{
    call_t *c = call_new(j, "group_by_adapter"); /* ids: wire_of() */
    call_in(c, "ids", ids, batch);
    call_size(c, "batch", batch);
    call_size(c, "n_adapters", n);
    call_out(c, "perm", batch);
    call_out(c, "seg", n + 1);
    return c;
}

static int group_matches(judge_t *j, const size_t *ids, size_t batch, size_t n)
{
    size_t *sperm = calloc(batch ? batch : 1, sizeof *sperm), *sseg = calloc(n + 1, sizeof *sseg);
    group_by_adapter(ids, batch, n, sperm, sseg);
    double *perm = wire_of(sperm, batch), *seg = wire_of(sseg, n + 1), *w = wire_of(ids, batch);
    call_t *c = student_group(j, w, batch, n);
    int ok = call_run(c) && expect_return(j, c, LAB_OK) && expect_inputs_unchanged(j, c) &&
             expect_exact(j, "seg", call_output(c, "seg"), seg, 1, n + 1) &&
             expect_exact(j, "perm", call_output(c, "perm"), perm, 1, batch);
    if (!ok)
        judge_fail(j, "(batch = %zu, n_adapters = %zu)", batch, n);
    call_free(c);
    free(perm), free(seg), free(w), free(sperm), free(sseg);
    return ok;
}

TEST("lab08.3", 3, "worked example: ids [2, 0, 2, 1] give seg [0, 1, 2, 4]",
     "ids = [2, 0, 2, 1], n_adapters = 3: seg = [0, 1, 2, 4] (rows with a smaller id before "
     "adapter k), perm = [1, 3, 0, 2] (adapter 0's row, adapter 1's, then adapter 2's in batch order).")
{
    static const size_t ids[] = {2, 0, 2, 1};
    group_matches(j, ids, 4, 3);
}

TEST("lab08.3", 4, "group_by_adapter is a stable sort on random batches",
     "Count the rows of each adapter, seg = the running sums (seg[0] = 0, seg[n] = batch), then "
     "place each row at the next free place of its adapter, in batch order (stable).")
{
    static const size_t sizes[][2] = {{20, 4}, {33, 1}, {9, 16}, {64, 7}};
    rng_t *g = judge_rng(j);
    for (size_t k = 0; k < 4 && !judge_failed(j); k++) {
        size_t ids[64];
        for (size_t t = 0; t < sizes[k][0]; t++)
            ids[t] = rng_below(g, sizes[k][1]);
        group_matches(j, ids, sizes[k][0], sizes[k][1]);
    }
}

TEST("lab08.3", 1, "group_by_adapter rejects n_adapters = 0, even for an empty batch",
     "n_adapters must be >= 1 whatever the batch: an empty batch has no id to be out of range, so "
     "the id check alone lets n_adapters = 0 through.")
{
    double ids[1] = {0};
    call_t *c = student_group(j, ids, 0, 0);
    if (!(call_run(c) && expect_return(j, c, LAB_EARG) && expect_untouched(j, c, "seg")))
        judge_fail(j, "(batch = 0, n_adapters = 0)");
    call_free(c);
}

/* ------------------------------------------------------------ lab08.4 */

TEST("lab08.4", 9, "multi_lora_segment: the worked example, then 1 to 32 adapters",
     "The same y as the gather version ([[3, 0], [0, 3], [1, 3]] in the worked example): each "
     "segment k (rows perm[seg[k]] .. perm[seg[k+1] - 1]) uses adapter k; skip empty segments; the "
     "output row of batch row t goes to y[t], not to its place in the sorted order.")
{
    multi_example_test(j, "multi_lora_segment");
    if (!judge_failed(j))
        multi_random_test(j, "multi_lora_segment");
}

/* ------------------------------------------------------------ lab08.5 */

static call_t *student_lru(judge_t *j, const double *req, size_t n, size_t tasks, size_t slots)
{
    call_t *c = call_new(j, "lru_pool_plan");
    call_in(c, "requests", req, n);
    call_size(c, "n_requests", n);
    call_size(c, "n_tasks", tasks);
    call_size(c, "slots", slots);
    call_out(c, "slot_of", n);
    call_out(c, "counts", 3);
    return c;
}

static int lru_matches(judge_t *j, const size_t *req, size_t n, size_t tasks, size_t slots)
{
    size_t *sslot = calloc(n ? n : 1, sizeof *sslot), scounts[3];
    lru_pool_plan(req, n, tasks, slots, sslot, scounts);
    double *slot_of = wire_of(sslot, n), *counts = wire_of(scounts, 3), *w = wire_of(req, n);
    call_t *c = student_lru(j, w, n, tasks, slots);
    int ok = call_run(c) && expect_return(j, c, LAB_OK) && expect_inputs_unchanged(j, c) &&
             expect_exact(j, "counts (hits, misses, evictions)", call_output(c, "counts"), counts, 1, 3) &&
             expect_exact(j, "slot_of", call_output(c, "slot_of"), slot_of, 1, n);
    if (!ok)
        judge_fail(j, "(n_requests = %zu, n_tasks = %zu, slots = %zu)", n, tasks, slots);
    call_free(c);
    free(slot_of), free(counts), free(w), free(sslot);
    return ok;
}

/* A skewed stream: task k with probability proportional to 1 / (k + 1). */
static void zipf_stream(rng_t *g, size_t *req, size_t n, size_t tasks)
{
    double total = 0.0;
    for (size_t k = 0; k < tasks; k++)
        total += 1.0 / (double)(k + 1);
    for (size_t q = 0; q < n; q++) {
        double u = rng_uniform(g) * total, acc = 0.0;
        size_t k = 0;
        while (k + 1 < tasks && (acc += 1.0 / (double)(k + 1)) < u)
            k++;
        req[q] = k;
    }
}

TEST("lab08.5", 3, "worked example: 2 slots, requests [0, 1, 0, 2, 1]",
     "slots = 2, requests [0, 1, 0, 2, 1]: miss (slot 0), miss (slot 1), hit (slot 0), miss evicting "
     "task 1 (slot 1: its last use is older), miss evicting task 0: slot_of [0, 1, 0, 1, 0], "
     "counts [1, 4, 2].")
{
    static const size_t req[] = {0, 1, 0, 2, 1};
    lru_matches(j, req, 5, 3, 2);
}

TEST("lab08.5", 4, "lru_pool_plan matches the reference on skewed streams",
     "A hit also makes its task the most recently used; on a miss with a full pool evict the slot "
     "whose last request (load or hit) is the oldest; empty slots fill from slot 0 up.")
{
    static const size_t sizes[][3] = {{200, 20, 4}, {150, 8, 1}, {300, 50, 12}, {64, 10, 7}};
    rng_t *g = judge_rng(j);
    for (size_t k = 0; k < 4 && !judge_failed(j); k++) {
        size_t req[300];
        zipf_stream(g, req, sizes[k][0], sizes[k][1]);
        lru_matches(j, req, sizes[k][0], sizes[k][1], sizes[k][2]);
    }
}

TEST("lab08.5", 3, "a pool with a slot for every task never evicts",
     "With slots >= n_tasks each task misses once (its first request) and hits after: misses = "
     "the number of distinct tasks requested, evictions = 0, and the extra slots stay unused.")
{
    size_t req[100];
    zipf_stream(judge_rng(j), req, 100, 6);
    if (lru_matches(j, req, 100, 6, 6))
        lru_matches(j, req, 100, 6, 9);
}

TEST("lab08.5", 1, "lru_pool_plan rejects n_tasks = 0, even with no requests",
     "n_tasks must be >= 1 whatever n_requests: with no requests no task id is out of range, so "
     "the request check alone lets n_tasks = 0 through.")
{
    double req[1] = {0};
    call_t *c = student_lru(j, req, 0, 0, 2);
    if (!(call_run(c) && expect_return(j, c, LAB_EARG) && expect_untouched(j, c, "counts")))
        judge_fail(j, "(n_requests = 0, n_tasks = 0, slots = 2)");
    call_free(c);
}

/* ------------------------------------------------------------ lab08.6: speed */

/* The speed problem (serve.h says it): one call of the reference takes
 * about a millisecond; the runner repeats it SP_REPEAT times so that the
 * work is measured well above the clock's resolution. */
enum { SP_BATCH = 64, SP_D = 192, SP_R = 8, SP_N = 16, SP_REPEAT = 20, SPEED_RUNS = 5, NAIVE_ROWS = 8 };
#define SPEED_FACTOR 2.0 /* within this factor of the reference */
#define NAIVE_FACTOR 5.0 /* and this much faster than merging per request */

static double thread_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* The naive server: for every row, W = W0 + (alpha/r) B_k A_k, then y = W x.
 * Times NAIVE_ROWS rows and scales to the batch (each row costs the same). */
static double naive_seconds(const multi_t *P, double *w, double *y)
{
    /* Sizes and pointers in locals: writing w must not make the compiler
     * reload them (it is the plain loop a student would write). */
    const size_t d_in = P->d_in, d_out = P->d_out, r = P->r;
    const double *x = P->x, *w0 = P->w0, *a = P->a, *b = P->b;
    double t0 = thread_cpu(), s = P->alpha / (double)r;
    for (size_t t = 0; t < NAIVE_ROWS; t++) {
        size_t k = P->ids[t];
        const double *ak = a + k * r * d_in, *bk = b + k * d_out * r;
        for (size_t o = 0; o < d_out; o++)
            for (size_t i = 0; i < d_in; i++) {
                double acc = 0.0;
                for (size_t q = 0; q < r; q++)
                    acc += bk[o * r + q] * ak[q * d_in + i];
                w[o * d_in + i] = w0[o * d_in + i] + s * acc;
            }
        for (size_t o = 0; o < d_out; o++) {
            double acc = 0.0;
            for (size_t i = 0; i < d_in; i++)
                acc += w[o * d_in + i] * x[t * d_in + i];
            y[t * d_out + o] = acc;
        }
    }
    return (thread_cpu() - t0) * (double)P->batch / NAIVE_ROWS;
}

/* The reference's time for one call: SP_REPEAT calls in a row, as the runner makes them. */
static double reference_seconds(const multi_t *P, double *y)
{
    double t0 = thread_cpu();
    for (int k = 0; k < SP_REPEAT; k++)
        multi_lora_gather(P->x, P->batch, P->w0, P->a, P->b, P->ids, P->d_in, P->d_out, P->r, P->n,
                          P->alpha, y);
    return (thread_cpu() - t0) / SP_REPEAT;
}

typedef struct {
    double student;             /* one call's work, seconds (the best run's) */
    double once, many;          /* that run's runner CPU time with 1 and 1 + repeat calls */
    int repeat;
    double ref, naive;          /* one call's work, seconds */
    int ok;
} speed_t;

/* The student's call on P made `times` times in one request: its CPU time, or -1. */
static double student_seconds(judge_t *j, const multi_t *P, unsigned times, const double *want)
{
    call_t *c = student_multi(j, "multi_lora_gather", P);
    call_repeat(c, times);
    int ok = call_run(c) && expect_return(j, c, LAB_OK) &&
             expect_close(j, "y", call_output(c, "y"), want, P->batch, P->d_out, TOL);
    double t = ok ? call_cpu_seconds(c) : -1.0;
    call_free(c);
    return t;
}

/* The bar of a speed test: the student's time for one call must be at most this. */
static double speed_bar(const speed_t *sp, int against_naive)
{
    return against_naive ? sp->naive / NAIVE_FACTOR : SPEED_FACTOR * sp->ref;
}

/* One call's work, each time the best of up to SPEED_RUNS runs taken in
 * turns: the student's is the difference between a request that calls it
 * 1 + repeat times and one that calls it once, over repeat (the copying
 * cancels out; a call before them starts the runner).  Runs stop once the student's best is
 * under the test's bar (a pass cannot be undone by more runs), after the
 * first run when it is over 4 x the bar, or after two when it is over
 * twice the bar; and a slow function is repeated fewer times (a slow
 * solution does not spend the submission's time budget on a clear
 * verdict). */
static speed_t measure_speed(judge_t *j, int against_naive)
{
    speed_t sp = {INFINITY, INFINITY, INFINITY, 0, INFINITY, INFINITY, 0};
    multi_t P;
    multi_random(j, &P, SP_BATCH, SP_D, SP_D, SP_R, SP_N);
    double *want = mat_alloc(SP_BATCH, SP_D), *w = mat_alloc(SP_D, SP_D), *yn = mat_alloc(SP_BATCH, SP_D);
    multi_lora_gather(P.x, P.batch, P.w0, P.a, P.b, P.ids, P.d_in, P.d_out, P.r, P.n, P.alpha, want);
    /* The test's runner starts with its first call: that call's CPU time
     * holds the start-up, which the measured calls must not. */
    int ok = student_seconds(j, &P, 1, want) >= 0, repeat = SP_REPEAT;
    for (int run = 0; run < SPEED_RUNS && ok; run++) {
        double once = student_seconds(j, &P, 1, want);
        double many = once >= 0 ? student_seconds(j, &P, 1 + (unsigned)repeat, want) : -1.0;
        ok = once >= 0 && many >= 0;
        double tr = reference_seconds(&P, yn), tn = naive_seconds(&P, w, yn);
        sp.ref = tr < sp.ref ? tr : sp.ref;
        sp.naive = tn < sp.naive ? tn : sp.naive;
        double work = (many - once) / repeat;
        if (ok && work < sp.student)
            sp.student = work, sp.once = once, sp.many = many, sp.repeat = repeat;
        double bar = speed_bar(&sp, against_naive);
        if (sp.student <= bar || (run >= 1 && sp.student > 2 * bar) || sp.student > 4 * bar)
            break;
        /* A slow function needs fewer calls for as much work to measure:
         * about SP_REPEAT reference calls' worth, at least 3. */
        repeat = (int)fmin(SP_REPEAT, fmax(3.0, SP_REPEAT * sp.ref / sp.student));
    }
    if (!ok)
        describe_multi(j, &P);
    sp.ok = ok;
    free(want), free(w), free(yn);
    multi_free(&P);
    return sp;
}

static void speed_report(judge_t *j, const speed_t *sp)
{
    judge_fail(j, "(CPU time of one call, best of up to %d runs: your multi_lora_gather %.3f ms (a request "
               "calling it %d times took %.1f ms, calling it once %.1f ms), the reference %.3f ms, "
               "merging per request %.3f ms; batch %d, d_in = d_out = %d, r = %d, %d adapters)",
               SPEED_RUNS, sp->student * 1e3, 1 + sp->repeat, sp->many * 1e3, sp->once * 1e3,
               sp->ref * 1e3, sp->naive * 1e3, SP_BATCH, SP_D, SP_R, SP_N);
}

TEST("lab08.6", 12, "multi_lora_gather within 2x of the reference's CPU time",
     "Compute x W0^T for the whole batch as one blocked matrix product (several rows of x against "
     "several rows of W0 at once, sums kept in local variables), then each row's low-rank term "
     "(r (d_in + d_out) multiplications per row); never form B_k A_k. build/demo/lab08 bench times yours against a blocked matrix product.")
{
    speed_t sp = measure_speed(j, 0);
    if (getenv("LORALAB_SPEED")) /* the README's numbers: CPU seconds of one call */
        fprintf(stderr, "speed08 student %.6f reference %.6f naive %.6f\n", sp.student, sp.ref,
                sp.naive);
    if (sp.ok && !(sp.student <= speed_bar(&sp, 0))) {
        judge_fail(j, "multi_lora_gather took %.1f x the reference's CPU time; at most %.0f x earns "
                   "this test", sp.student / sp.ref, SPEED_FACTOR);
        speed_report(j, &sp);
    }
}

TEST("lab08.6", 9, "multi_lora_gather beats merging per request by 5x",
     "Merging W0 + (alpha/r) B_k A_k for every request costs r d_out d_in extra multiplications per "
     "row; the gather form costs r (d_in + d_out). Keep W0 and each adapter apart.")
{
    speed_t sp = measure_speed(j, 1);
    if (sp.ok && !(sp.student <= speed_bar(&sp, 1))) {
        judge_fail(j, "multi_lora_gather was only %.1f x faster than merging per request; %.0f x "
                   "earns this test", sp.naive / sp.student, NAIVE_FACTOR);
        speed_report(j, &sp);
    }
}

static const char *const sources[] = {"serve.c", NULL};

int main(int argc, char **argv)
{
    static const judge_lab_t lab = {"08", "serving adapters", "08-serving-adapters", sources,
                                    "serve.h", NULL, 0};
    return judge_main_registered(argc, argv, &lab);
}
