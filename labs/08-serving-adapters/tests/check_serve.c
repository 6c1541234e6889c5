/*
 * check_serve.c - the visible tests of Lab 08 (run: make check LAB=08).
 *
 * One suite per task (lab08.1 .. lab08.5): the worked examples of serve.h
 * and one stored random non-square case per task (data/lab08/
 * visible-expected.txt, written once by the reference).  The graded tests
 * (make grade LAB=08) are more numerous and stricter: more shapes, 1 to 32
 * adapters, bad ids, NULL pointers, and the speed of multi_lora_gather
 * (lab08.6), which these tests do not measure (make bench LAB=08 does).
 *
 * Each test runs in its own child process: a function you have not written
 * yet prints "not implemented: <function> (lab08.N)" and aborts, so its tests
 * show up as errors ("Received signal 6"), not as passes.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check_helpers.h"
#include "serve.h"

/* ---- lab08.1 houlsby_adapter ------------------------------------------ */

START_TEST(test_houlsby_example_relu_closes_then_opens)
{
    static const double h[] = {1, -2, 3, -2}, wd[] = {1, 1}, wu[] = {2, 0}, want[] = {1, -2, 5, -2};
    double out[4];
    fill(out, 4, SENTINEL);
    CHECK_OK("lab08.1", houlsby_adapter(h, 2, wd, wu, 2, 1, out));
    CHECK_CLOSE("lab08.1", "out", out, want, 4);
}
END_TEST

START_TEST(test_houlsby_of_the_stored_case)
{
    double out[15];
    fill(out, 15, SENTINEL);
    CHECK_OK("lab08.1", houlsby_adapter(stored(&VIS, "houlsby.h", 15), 3, stored(&VIS, "houlsby.w_down", 10),
                                        stored(&VIS, "houlsby.w_up", 10), 5, 2, out));
    CHECK_STORED("lab08.1", "out (3 x 5)", out, &VIS, "houlsby.out", 15, NULL);
}
END_TEST

START_TEST(test_houlsby_rejects_m_zero)
{
    static const double h[] = {1, 2}, w[] = {1, 1};
    double out[2];
    CHECK_EARG("lab08.1", houlsby_adapter(h, 1, w, w, 2, 0, out));
}
END_TEST

/* ---- helpers: ids and the integer outputs are size_t ------------------- */

/* The stored values of `name` (count integers stored as doubles) as size_t. */
static const size_t *stored_indices(const char *name, size_t count)
{
    static size_t v[4][16];
    static int next;
    const double *d = stored(&VIS, name, count);
    size_t *out = v[next++ % 4];
    for (size_t i = 0; i < count && i < 16; i++)
        out[i] = (size_t)d[i];
    return out;
}

/* size_t outputs as doubles, for CHECK_CLOSE and CHECK_STORED. */
static const double *as_doubles(const size_t *v, size_t count, double *out)
{
    for (size_t i = 0; i < count; i++)
        out[i] = (double)v[i];
    return out;
}

/* ---- lab08.2 multi_lora_gather, lab08.4 multi_lora_segment ------------- */

/* serve.h's example: W0 = I2, A_0 = [[1, 0]], B_0 = [[1], [0]], A_1 = [[0, 1]], B_1 = [[0], [1]]. */
static const double EX_X[] = {1, 0, 0, 1, 1, 1}, EX_W0[] = {1, 0, 0, 1}, EX_A[] = {1, 0, 0, 1},
                    EX_B[] = {1, 0, 0, 1}, EX_Y[] = {3, 0, 0, 3, 1, 3};
static const size_t EX_IDS[] = {0, 1, 1};

static const mistake_t MULTI_MISTAKES[] = {
    {"adapter0", "every row used adapter 0: adapter k's A starts at a + k r d_in, its B at b + k d_out r"},
    {"alpha", "the low-rank term is scaled by alpha, not alpha / r"},
    {NULL, NULL},
};

typedef int multi_fn(const double *, size_t, const double *, const double *, const double *,
                     const size_t *, size_t, size_t, size_t, size_t, double, double *);

/* The worked example, then the stored batch (7 rows, 3 adapters), for the
 * gather (lab08.2) or the segment (lab08.4) version. */
static void check_multi(const char *task, multi_fn *fn)
{
    double y[28];
    fill(y, 28, SENTINEL);
    CHECK_OK(task, fn(EX_X, 3, EX_W0, EX_A, EX_B, EX_IDS, 2, 2, 1, 2, 2.0, y));
    CHECK_CLOSE(task, "y (worked example, in the batch's order)", y, EX_Y, 6);
    fill(y, 28, SENTINEL);
    CHECK_OK(task, fn(stored(&VIS, "multi.x", 35), 7, stored(&VIS, "multi.w0", 20),
                      stored(&VIS, "multi.a", 30), stored(&VIS, "multi.b", 24),
                      stored_indices("multi.ids", 7), 5, 4, 2, 3, 1.5, y));
    CHECK_STORED(task, "y (7 x 4)", y, &VIS, "multi.y", 28, MULTI_MISTAKES);
}

START_TEST(test_gather_example_and_stored_batch)
{
    check_multi("lab08.2", multi_lora_gather);
}
END_TEST

START_TEST(test_gather_rejects_an_id_out_of_range)
{
    static const size_t ids[] = {0, 2, 1};
    double y[6];
    CHECK_EARG("lab08.2", multi_lora_gather(EX_X, 3, EX_W0, EX_A, EX_B, ids, 2, 2, 1, 2, 2.0, y));
}
END_TEST

START_TEST(test_segment_example_and_stored_batch)
{
    check_multi("lab08.4", multi_lora_segment);
}
END_TEST

/* ---- lab08.3 group_by_adapter ----------------------------------------- */

START_TEST(test_group_example)
{
    static const size_t ids[] = {2, 0, 2, 1};
    static const double want_seg[] = {0, 1, 2, 4}, want_perm[] = {1, 3, 0, 2};
    size_t perm[4], seg[4];
    double d[4];
    memset(perm, 0xff, sizeof perm), memset(seg, 0xff, sizeof seg); /* SIZE_MAX: unwritten */
    CHECK_OK("lab08.3", group_by_adapter(ids, 4, 3, perm, seg));
    CHECK_CLOSE("lab08.3", "seg", as_doubles(seg, 4, d), want_seg, 4);
    CHECK_CLOSE("lab08.3", "perm", as_doubles(perm, 4, d), want_perm, 4);
}
END_TEST

START_TEST(test_group_of_the_stored_batch)
{
    size_t perm[7], seg[4];
    double d[7];
    memset(perm, 0xff, sizeof perm), memset(seg, 0xff, sizeof seg);
    CHECK_OK("lab08.3", group_by_adapter(stored_indices("multi.ids", 7), 7, 3, perm, seg));
    CHECK_STORED("lab08.3", "seg", as_doubles(seg, 4, d), &VIS, "group.seg", 4, NULL);
    CHECK_STORED("lab08.3", "perm (stable)", as_doubles(perm, 7, d), &VIS, "group.perm", 7, NULL);
}
END_TEST

/* ---- lab08.5 lru_pool_plan -------------------------------------------- */

START_TEST(test_lru_example_two_slots)
{
    static const size_t req[] = {0, 1, 0, 2, 1};
    static const double want_slot[] = {0, 1, 0, 1, 0}, want_counts[] = {1, 4, 2};
    size_t slot_of[5], counts[3];
    double d[5];
    memset(slot_of, 0xff, sizeof slot_of), memset(counts, 0xff, sizeof counts);
    CHECK_OK("lab08.5", lru_pool_plan(req, 5, 3, 2, slot_of, counts));
    CHECK_CLOSE("lab08.5", "counts (hits, misses, evictions)", as_doubles(counts, 3, d), want_counts, 3);
    CHECK_CLOSE("lab08.5", "slot_of", as_doubles(slot_of, 5, d), want_slot, 5);
}
END_TEST

START_TEST(test_lru_of_the_stored_stream)
{
    size_t slot_of[16], counts[3];
    double d[16];
    memset(slot_of, 0xff, sizeof slot_of), memset(counts, 0xff, sizeof counts);
    CHECK_OK("lab08.5", lru_pool_plan(stored_indices("lru.requests", 16), 16, 5, 3, slot_of, counts));
    CHECK_STORED("lab08.5", "counts (hits, misses, evictions)", as_doubles(counts, 3, d), &VIS,
                 "lru.counts", 3, NULL);
    CHECK_STORED("lab08.5", "slot_of", as_doubles(slot_of, 16, d), &VIS, "lru.slot_of", 16, NULL);
}
END_TEST

int main(void)
{
    const visible_task_t tasks[] = {
        {"lab08.1", NULL, {
            test_houlsby_example_relu_closes_then_opens,
            test_houlsby_of_the_stored_case,
            test_houlsby_rejects_m_zero,
        }},
        {"lab08.2", NULL, {
            test_gather_example_and_stored_batch,
            test_gather_rejects_an_id_out_of_range,
        }},
        {"lab08.3", NULL, {
            test_group_example,
            test_group_of_the_stored_batch,
        }},
        {"lab08.4", NULL, {
            test_segment_example_and_stored_batch,
        }},
        {"lab08.5", NULL, {
            test_lru_example_two_slots,
            test_lru_of_the_stored_stream,
        }},
    };
    return visible_main("08", tasks, sizeof tasks / sizeof tasks[0], 0);
}
