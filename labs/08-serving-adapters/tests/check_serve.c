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

/* ---- lab08.2 multi_lora_gather ---------------------------------------- */

/* serve.h's example: W0 = I2, A_0 = [[1, 0]], B_0 = [[1], [0]], A_1 = [[0, 1]], B_1 = [[0], [1]]. */
static const double EX_X[] = {1, 0, 0, 1, 1, 1}, EX_W0[] = {1, 0, 0, 1}, EX_A[] = {1, 0, 0, 1},
                    EX_B[] = {1, 0, 0, 1}, EX_IDS[] = {0, 1, 1}, EX_Y[] = {3, 0, 0, 3, 1, 3};

static const mistake_t MULTI_MISTAKES[] = {
    {"adapter0", "every row used adapter 0: adapter k's A starts at a + k r d_in, its B at b + k d_out r"},
    {"alpha", "the low-rank term is scaled by alpha, not alpha / r"},
    {NULL, NULL},
};

#define STORED_MULTI(fn, y)                                                                    \
    fn(stored(&VIS, "multi.x", 35), 7, stored(&VIS, "multi.w0", 20), stored(&VIS, "multi.a", 30), \
       stored(&VIS, "multi.b", 24), stored(&VIS, "multi.ids", 7), 5, 4, 2, 3, 1.5, y)

START_TEST(test_gather_example_two_adapters)
{
    double y[6];
    fill(y, 6, SENTINEL);
    CHECK_OK("lab08.2", multi_lora_gather(EX_X, 3, EX_W0, EX_A, EX_B, EX_IDS, 2, 2, 1, 2, 2.0, y));
    CHECK_CLOSE("lab08.2", "y", y, EX_Y, 6);
}
END_TEST

START_TEST(test_gather_of_the_stored_batch)
{
    double y[28];
    fill(y, 28, SENTINEL);
    CHECK_OK("lab08.2", STORED_MULTI(multi_lora_gather, y));
    CHECK_STORED("lab08.2", "y (7 x 4)", y, &VIS, "multi.y", 28, MULTI_MISTAKES);
}
END_TEST

START_TEST(test_gather_rejects_an_id_out_of_range)
{
    static const double ids[] = {0, 2, 1};
    double y[6];
    CHECK_EARG("lab08.2", multi_lora_gather(EX_X, 3, EX_W0, EX_A, EX_B, ids, 2, 2, 1, 2, 2.0, y));
}
END_TEST

/* ---- lab08.3 group_by_adapter ----------------------------------------- */

START_TEST(test_group_example)
{
    static const double ids[] = {2, 0, 2, 1}, want_seg[] = {0, 1, 2, 4}, want_perm[] = {1, 3, 0, 2};
    double perm[4], seg[4];
    fill(perm, 4, SENTINEL), fill(seg, 4, SENTINEL);
    CHECK_OK("lab08.3", group_by_adapter(ids, 4, 3, perm, seg));
    CHECK_CLOSE("lab08.3", "seg", seg, want_seg, 4);
    CHECK_CLOSE("lab08.3", "perm", perm, want_perm, 4);
}
END_TEST

START_TEST(test_group_of_the_stored_batch)
{
    double perm[7], seg[4];
    fill(perm, 7, SENTINEL), fill(seg, 4, SENTINEL);
    CHECK_OK("lab08.3", group_by_adapter(stored(&VIS, "multi.ids", 7), 7, 3, perm, seg));
    CHECK_STORED("lab08.3", "seg", seg, &VIS, "group.seg", 4, NULL);
    CHECK_STORED("lab08.3", "perm (stable)", perm, &VIS, "group.perm", 7, NULL);
}
END_TEST

/* ---- lab08.4 multi_lora_segment --------------------------------------- */

START_TEST(test_segment_example_two_adapters)
{
    double y[6];
    fill(y, 6, SENTINEL);
    CHECK_OK("lab08.4", multi_lora_segment(EX_X, 3, EX_W0, EX_A, EX_B, EX_IDS, 2, 2, 1, 2, 2.0, y));
    CHECK_CLOSE("lab08.4", "y (in the batch's order)", y, EX_Y, 6);
}
END_TEST

START_TEST(test_segment_of_the_stored_batch)
{
    double y[28];
    fill(y, 28, SENTINEL);
    CHECK_OK("lab08.4", STORED_MULTI(multi_lora_segment, y));
    CHECK_STORED("lab08.4", "y (7 x 4)", y, &VIS, "multi.y", 28, MULTI_MISTAKES);
}
END_TEST

/* ---- lab08.5 lru_pool_plan -------------------------------------------- */

START_TEST(test_lru_example_two_slots)
{
    static const double req[] = {0, 1, 0, 2, 1}, want_slot[] = {0, 1, 0, 1, 0}, want_counts[] = {1, 4, 2};
    double slot_of[5], counts[3];
    fill(slot_of, 5, SENTINEL), fill(counts, 3, SENTINEL);
    CHECK_OK("lab08.5", lru_pool_plan(req, 5, 3, 2, slot_of, counts));
    CHECK_CLOSE("lab08.5", "counts (hits, misses, evictions)", counts, want_counts, 3);
    CHECK_CLOSE("lab08.5", "slot_of", slot_of, want_slot, 5);
}
END_TEST

START_TEST(test_lru_of_the_stored_stream)
{
    double slot_of[16], counts[3];
    fill(slot_of, 16, SENTINEL), fill(counts, 3, SENTINEL);
    CHECK_OK("lab08.5", lru_pool_plan(stored(&VIS, "lru.requests", 16), 16, 5, 3, slot_of, counts));
    CHECK_STORED("lab08.5", "counts (hits, misses, evictions)", counts, &VIS, "lru.counts", 3, NULL);
    CHECK_STORED("lab08.5", "slot_of", slot_of, &VIS, "lru.slot_of", 16, NULL);
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
            test_gather_example_two_adapters,
            test_gather_of_the_stored_batch,
            test_gather_rejects_an_id_out_of_range,
        }},
        {"lab08.3", NULL, {
            test_group_example,
            test_group_of_the_stored_batch,
        }},
        {"lab08.4", NULL, {
            test_segment_example_two_adapters,
            test_segment_of_the_stored_batch,
        }},
        {"lab08.5", NULL, {
            test_lru_example_two_slots,
            test_lru_of_the_stored_stream,
        }},
    };
    return visible_main("08", tasks, sizeof tasks / sizeof tasks[0], 0);
}
