/*
 * check_lora_forward.c - the visible tests of Lab 02 (run: make check LAB=02).
 *
 * One suite per task (lab02.1 .. lab02.6), a few tests each, built from the
 * worked examples in lora_forward.h.  The graded tests (make grade LAB=02)
 * are more numerous and stricter: passing these is a start, not the finish.
 *
 * Each test runs in its own child process.  A function you have not written
 * yet prints "not implemented: <function> (lab02.N)" and aborts, so its tests
 * show up as errors ("Received signal 6"), not as passes.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab.h"
#include "lora_forward.h"
#include "matrix.h"

#include "check_helpers.h"


/* The reference example of the course (lora_forward.h, lab02.1):
 * W0 = I2, A = [[1, 0]], B = [[1], [0]], alpha = 2, r = 1. */
static const double REF_W0[] = {1, 0, 0, 1};
static const double REF_A[] = {1, 0};
static const double REF_B[] = {1, 0};

/* The course's worked example ("the forward pass"): d = k = 4, r = 2, alpha = 2. */
static const double WX_W0[] = {
    0.5, -0.3, 0.1, 0.2,
    0.1, 0.4, -0.2, 0.3,
    -0.2, 0.1, 0.6, -0.1,
    0.3, -0.1, 0.2, 0.5,
};
static const double WX_X[] = {1.0, 0.5, -0.8, 0.3};
static const double WX_B[] = { /* (4, 2) */
    0.10, -0.05,
    0.03, 0.08,
    -0.07, 0.12,
    0.06, -0.02,
};
static const double WX_A[] = { /* (2, 4) */
    0.15, -0.20, 0.10, 0.05,
    -0.08, 0.12, 0.06, -0.15,
};
static const double WX_H[] = {0.33415, 0.54051, -0.67251, 0.24136};

/* Random non-square cases (d_in = 5, d_out = 3, r = 2, alpha = 3) and their
 * expected values, stored in data/lab02/visible-expected.txt (written once by
 * the reference; data/VISIBLE.md), with the results of typical mistakes. */

MISTAKES(KIT_LAYOUT_MISTAKES,
    {"b_transposed", "it equals the result with B read transposed: B is (d_out, r) row-major,"
                     " B[i][k] at b[i*r + k]"},
    {"a_transposed", "it equals the result with A read transposed: A is (r, d_in) row-major,"
                     " A[k][j] at a[k*d_in + j]"},
    {"w0_transposed", "it equals the result with W0 read transposed: W0 is (d_out, d_in) row-major,"
                      " W0[i][j] at w0[i*d_in + j]"},
    {"scale_alpha", "the update is scaled by alpha, not alpha / r"},
    {"scale_one_over_r", "the update is scaled by 1 / r, not alpha / r"},
    {"no_update", "the low-rank update (alpha/r) (x A^T) B^T is missing"},
    {"no_base", "the base term x W0^T is missing"},
    {"x_stride_d_out", "row t of x is read at x + t*d_out; x is (batch, d_in): row t starts at"
                       " x + t*d_in"},
    {"x_stride_off_by_one", "row t of x is read at x + t*(d_in - 1); x is (batch, d_in): row t"
                            " starts at x + t*d_in"});

MISTAKES(MERGED_MISTAKES,
    {"b_transposed", "it equals W0 + (alpha/r) B A with B read transposed: B is (d_out, r),"
                     " B[i][k] at b[i*r + k]"},
    {"a_transposed", "it equals W0 + (alpha/r) B A with A read transposed: A is (r, d_in),"
                     " A[k][j] at a[k*d_in + j]"},
    {"scale_alpha", "B A is scaled by alpha, not alpha / r"},
    {"scale_one_over_r", "B A is scaled by 1 / r, not alpha / r"},
    {"w0_transposed", "W0 was read transposed: W0 is (d_out, d_in) row-major, W0[i][j] at w0[i*d_in + j]"},
    {"a_stride_d_out", "A (r, d_in) was read with row stride d_out: A[k][j] is at a[k*d_in + j]"});

MISTAKES(IN_OUT_MISTAKES,
    {"kit_layout", "it equals lora_forward on w, b_down, a_up as given: this layout is"
                   " w (d_in, d_out), b_down (d_in, r), a_up (r, d_out): h = x w + (alpha/r) (x b_down) a_up"},
    {"scale_alpha", "the update is scaled by alpha, not alpha / r"},
    {"scale_one_over_r", "the update is scaled by 1 / r, not alpha / r"},
    {"x_stride_off_by_one", "row t of x is read at x + t*(d_in - 1); x is (batch, d_in): row t"
                            " starts at x + t*d_in"});

MISTAKES(COPIED,
    {"copied", "it is the input copied as it is: each output is the transpose of an input"});

MISTAKES(COLUMN_MISTAKES,
    {"rows_in", "x_cols was read as rows: x_cols is (k, n), column t (an input) holds"
                " x_cols[j*n + t]"},
    {"rows_out", "h was written as rows: h_cols is (d, n), output t is column t, at h_cols[i*n + t]"},
    {"scale_alpha", "the update is scaled by alpha, not alpha / r"},
    {"w0_transposed", "W0 was read transposed: W0 is (d, k) row-major, W0[i][j] at w0[i*k + j]"},
    {"b_transposed", "B was read transposed: B is (d, r) row-major, B[i][l] at b[i*r + l]"},
    {"a_transposed", "A was read transposed: A is (r, k) row-major, A[l][j] at a[l*k + j]"});

/* The kit-layout forward pass on the stored case `name` ("row" or "batch"). */
static void check_stored_forward(const char *task, const char *name, size_t batch)
{
    char key[32], what[64];
#define KEY(t) (snprintf(key, sizeof key, "%s.%s", name, t), key)
    const double *x = stored(&VIS, KEY("x"), batch * 5), *w0 = stored(&VIS, KEY("w0"), 15);
    const double *a = stored(&VIS, KEY("a"), 10), *b = stored(&VIS, KEY("b"), 6);
    double y[4 * 3];
    fill(y, batch * 3, SENTINEL);
    if (batch == 1)
        CHECK_OK(task, lora_forward_row(x, w0, a, b, 5, 3, 2, 3.0, y));
    else
        CHECK_OK(task, lora_forward(x, batch, w0, a, b, 5, 3, 2, 3.0, y));
    snprintf(what, sizeof what, "y (%zu x 3; d_in = 5, d_out = 3, r = 2)", batch);
    CHECK_STORED(task, what, y, &VIS, KEY("y"), batch * 3, KIT_LAYOUT_MISTAKES);
#undef KEY
}

/* ---- lab02.1 lora_forward_row ---------------------------------------- */

START_TEST(test_row_random_non_square_matches_stored_y)
{
    check_stored_forward("lab02.1", "row", 1);
}
END_TEST

START_TEST(test_row_reference_example_gives_3_0)
{
    const double x[] = {1, 0}, expected[] = {3, 0};
    double y[2];
    CHECK_CALL_CLOSE("lab02.1", "y", lora_forward_row(x, REF_W0, REF_A, REF_B, 2, 2, 1, 2.0, y),
                     y, expected, 2);
}
END_TEST

START_TEST(test_row_with_zero_b_is_exactly_the_base_layer)
{
    /* Multiples of 1/8: x W0^T is exact in any order, so B = 0 must give it
     * bit for bit, whatever A and alpha are. */
    const double x[] = {0.125, -0.75, 2.5};
    const double w0[] = {0.375, -0.5, 1.75, -0.625, 0.125, -2.25}; /* (2, 3) */
    const double a[] = {1.5, -2, 3, 0.25, 7, -1};                  /* (2, 3) */
    const double b[] = {0, 0, 0, 0};                               /* (2, 2) */
    const double expected[] = {4.796875, -5.796875};
    double y[2];
    fill(y, 2, SENTINEL);
    CHECK_OK("lab02.1", lora_forward_row(x, w0, a, b, 3, 2, 2, 3.0, y));
    for (size_t i = 0; i < 2; i++)
        ck_assert_msg(y[i] == expected[i],
                      "lab02.1: with B = 0, y[%zu] must equal x W0^T exactly:"
                      " got %.17g, expected %.17g", i, y[i], expected[i]);
}
END_TEST

START_TEST(test_row_scales_the_update_by_alpha_over_r)
{
    /* r = 2, alpha = 1: the update is x / 2, not x (alpha) or 2x (alpha * r). */
    const double x[] = {1, 2}, a[] = {1, 0, 0, 1}, b[] = {1, 0, 0, 1};
    const double expected[] = {1.5, 3};
    double y[2];
    CHECK_CALL_CLOSE("lab02.1", "y", lora_forward_row(x, REF_W0, a, b, 2, 2, 2, 1.0, y),
                     y, expected, 2);
}
END_TEST

START_TEST(test_row_rank_40_uses_every_rank)
{
    /* d_in = r = 40, d_out = 1: A = I, B = all ones, W0 = 0, x = e_39 (its
     * last entry 1), alpha = 40: y = (40/40) * 1 = 1, from the last rank alone. */
    static double x[40], w0[40], a[40 * 40], b[40];
    for (int k = 0; k < 40; k++)
        a[k * 40 + k] = 1, b[k] = 1;
    x[39] = 1;
    double y = SENTINEL, want = 1;
    CHECK_OK("lab02.1", lora_forward_row(x, w0, a, b, 40, 1, 40, 40.0, &y));
    CHECK_CLOSE("lab02.1", "y with r = 40 (the update comes from rank 40 alone)", &y, &want, 1);
}
END_TEST

START_TEST(test_row_nan_input_gives_nan_even_times_zero_weight)
{
    /* x[0] = NaN meets only zero weights: 0 * NaN is NaN, so y is NaN. */
    const double x[] = {NAN, 1}, w0[] = {0, 1}, a[] = {0, 1}, b[] = {0};
    double y = SENTINEL;
    CHECK_OK("lab02.1", lora_forward_row(x, w0, a, b, 2, 1, 1, 1.0, &y));
    ck_assert_msg(isnan(y), "lab02.1: x[0] = NaN must give y = NaN (0 * NaN is NaN; do not skip zero"
                            " weights), got %.17g", y);
}
END_TEST

START_TEST(test_row_rank_zero_is_rejected_and_y_untouched)
{
    const double x[] = {1, 0};
    double y[2];
    fill(y, 2, SENTINEL);
    int rc = lora_forward_row(x, REF_W0, REF_A, REF_B, 2, 2, 0, 2.0, y);
    ck_assert_msg(rc == LAB_EARG,
                  "lab02.1: r == 0 must return LAB_EARG (%d) via LAB_REQUIRE, got %d",
                  LAB_EARG, rc);
    ck_assert_msg(y[0] == SENTINEL && y[1] == SENTINEL,
                  "lab02.1: r == 0 was rejected but y was written (y = [%g, %g]);"
                  " check the arguments before writing anything", y[0], y[1]);
}
END_TEST

/* ---- lab02.2 lora_forward -------------------------------------------- */

START_TEST(test_batch_of_identity_rows_gives_3_0_and_0_1)
{
    const double x[] = {1, 0, 0, 1}, expected[] = {3, 0, 0, 1};
    double y[4];
    CHECK_CALL_CLOSE("lab02.2", "y (2 x 2)", lora_forward(x, 2, REF_W0, REF_A, REF_B, 2, 2, 1, 2.0, y),
                     y, expected, 4);
}
END_TEST

START_TEST(test_batch_of_three_rows_uses_both_strides)
{
    /* d_in = 3 differs from d_out = 2, so mixing up the strides shows. */
    const double x[] = {1, 2, 3, 0, -1, 1, 2, 0, 0}; /* (3, 3) */
    const double w0[] = {1, 0, 2, 0, 1, -1};         /* (2, 3) */
    const double a[] = {1, 1, 0, 0, 1, 1};           /* (2, 3) */
    const double b[] = {1, 0, 1, -1};                /* (2, 2) */
    const double expected[] = {8.5, -2, 1.5, -2.5, 3, 1};
    double y[6];
    CHECK_CALL_CLOSE("lab02.2", "y (3 x 2)", lora_forward(x, 3, w0, a, b, 3, 2, 2, 1.0, y),
                     y, expected, 6);
}
END_TEST

START_TEST(test_batch_of_zero_rows_returns_ok_and_writes_nothing)
{
    const double x[] = {1, 0};
    double y[2];
    fill(y, 2, SENTINEL);
    CHECK_OK("lab02.2", lora_forward(x, 0, REF_W0, REF_A, REF_B, 2, 2, 1, 2.0, y));
    ck_assert_msg(y[0] == SENTINEL && y[1] == SENTINEL,
                  "lab02.2: batch == 0 has no rows, but y was written (y = [%g, %g])",
                  y[0], y[1]);
}
END_TEST

START_TEST(test_batch_random_non_square_matches_stored_y)
{
    check_stored_forward("lab02.2", "batch", 4);
    /* A batch of one row is the row case: the same y, scaled once. */
    double y[3];
    CHECK_OK("lab02.2", lora_forward(stored(&VIS, "row.x", 5), 1, stored(&VIS, "row.w0", 15),
                                     stored(&VIS, "row.a", 10), stored(&VIS, "row.b", 6), 5, 3, 2, 3.0, y));
    CHECK_STORED("lab02.2", "y of a batch of one row (1 x 3)", y, &VIS, "row.y", 3, KIT_LAYOUT_MISTAKES);
}
END_TEST

/* ---- lab02.3 lora_merged_weight -------------------------------------- */

START_TEST(test_merged_random_non_square_matches_stored_w_eff)
{
    double w_eff[15];
    fill(w_eff, 15, SENTINEL);
    CHECK_OK("lab02.3", lora_merged_weight(stored(&VIS, "merged.w0", 15), stored(&VIS, "merged.a", 10),
                                           stored(&VIS, "merged.b", 6), 5, 3, 2, 3.0, w_eff));
    CHECK_STORED("lab02.3", "w_eff (3 x 5; d_in = 5, d_out = 3, r = 2)", w_eff, &VIS, "merged.w_eff",
                 15, MERGED_MISTAKES);
}
END_TEST

START_TEST(test_merged_reference_weights_give_3_0_0_1)
{
    const double expected[] = {3, 0, 0, 1};
    double w_eff[4];
    CHECK_CALL_CLOSE("lab02.3", "w_eff (2 x 2)", lora_merged_weight(REF_W0, REF_A, REF_B, 2, 2, 1, 2.0, w_eff),
                     w_eff, expected, 4);
}
END_TEST

START_TEST(test_merged_weight_times_x_gives_worked_example_h)
{
    double w_eff[16], h[4];
    fill(w_eff, 16, SENTINEL);
    CHECK_OK("lab02.3", lora_merged_weight(WX_W0, WX_A, WX_B, 4, 4, 2, 2.0, w_eff));
    mat_matmul_nt(WX_X, w_eff, h, 1, 4, 4); /* h = x w_eff^T */
    CHECK_CLOSE("lab02.3", "x w_eff^T (the worked example's h)", h, WX_H, 4);
}
END_TEST

/* ---- lab02.4 lora_forward_in_out (w (d_in, d_out), as in "Low-rank adaptation forward") */

START_TEST(test_in_out_example_x_1_2_gives_4_5)
{
    const double x[] = {1, 2}, w[] = {1, 0, 0, 1};
    const double b_down[] = {1, 1}, a_up[] = {0.5, 0.5}; /* (2, 1), (1, 2) */
    const double expected[] = {4, 5};
    double h[2];
    CHECK_CALL_CLOSE("lab02.4", "h (1 x 2)", lora_forward_in_out(x, 1, w, b_down, a_up, 2, 2, 1, 2.0, h),
                     h, expected, 2);
}
END_TEST

START_TEST(test_in_out_identity_batch_gives_2_25_and_1_25)
{
    const double x[] = {1, 0, 0, 1}, w[] = {2, 1, 1, 2};
    const double b_down[] = {0.5, 0.5, 0.5, 0.5}, a_up[] = {1, 0, 0, 1};
    const double expected[] = {2.25, 1.25, 1.25, 2.25};
    double h[4];
    CHECK_CALL_CLOSE("lab02.4", "h (2 x 2)", lora_forward_in_out(x, 2, w, b_down, a_up, 2, 2, 2, 1.0, h),
                     h, expected, 4);
}
END_TEST

START_TEST(test_in_out_scalar_with_alpha_4_gives_14)
{
    const double x[] = {2}, w[] = {3}, b_down[] = {1}, a_up[] = {1}, expected[] = {14};
    double h[1] = {SENTINEL};
    CHECK_OK("lab02.4", lora_forward_in_out(x, 1, w, b_down, a_up, 1, 1, 1, 4.0, h));
    CHECK_CLOSE("lab02.4", "h (1 x 1)", h, expected, 1);
}
END_TEST

START_TEST(test_in_out_random_non_square_matches_stored_h)
{
    double h[12];
    fill(h, 12, SENTINEL);
    CHECK_OK("lab02.4", lora_forward_in_out(stored(&VIS, "in_out.x", 20), 4, stored(&VIS, "in_out.w", 15),
                                            stored(&VIS, "in_out.b_down", 10),
                                            stored(&VIS, "in_out.a_up", 6), 5, 3, 2, 3.0, h));
    CHECK_STORED("lab02.4", "h (4 x 3; d_in = 5, d_out = 3, r = 2)", h, &VIS, "in_out.h", 12,
                 IN_OUT_MISTAKES);
}
END_TEST

/* ---- lab02.5 lora_from_in_out ---------------------------------------- */

START_TEST(test_from_in_out_random_non_square_matches_stored)
{
    double w0[15], a[10], b[6];
    fill(w0, 15, SENTINEL), fill(a, 10, SENTINEL), fill(b, 6, SENTINEL);
    CHECK_OK("lab02.5", lora_from_in_out(stored(&VIS, "in_out.w", 15), stored(&VIS, "in_out.b_down", 10),
                                         stored(&VIS, "in_out.a_up", 6), 5, 3, 2, w0, a, b));
    CHECK_STORED("lab02.5", "w0 (3 x 5)", w0, &VIS, "from_in_out.w0", 15, COPIED);
    CHECK_STORED("lab02.5", "a (2 x 5)", a, &VIS, "from_in_out.a", 10, COPIED);
    CHECK_STORED("lab02.5", "b (3 x 2)", b, &VIS, "from_in_out.b", 6, COPIED);
}
END_TEST

START_TEST(test_from_in_out_transposes_all_three_matrices)
{
    /* d_in = 3, d_out = 4, r = 2: no matrix is square, so each transpose
     * must use the right shape. */
    const double w[] = {      /* (3, 4) */
        11, 12, 13, 14,
        21, 22, 23, 24,
        31, 32, 33, 34,
    };
    const double b_down[] = { /* (3, 2) */
        -1, -2,
        -3, -4,
        -5, -6,
    };
    const double a_up[] = {   /* (2, 4) */
        0.5, 1.5, 2.5, 3.5,
        4.5, 5.5, 6.5, 7.5,
    };
    const double exp_w0[] = {11, 21, 31, 12, 22, 32, 13, 23, 33, 14, 24, 34}; /* (4, 3) */
    const double exp_a[] = {-1, -3, -5, -2, -4, -6};                          /* (2, 3) */
    const double exp_b[] = {0.5, 4.5, 1.5, 5.5, 2.5, 6.5, 3.5, 7.5};          /* (4, 2) */
    double w0[12], a[6], b[8];
    fill(w0, 12, SENTINEL);
    fill(a, 6, SENTINEL);
    fill(b, 8, SENTINEL);
    CHECK_OK("lab02.5", lora_from_in_out(w, b_down, a_up, 3, 4, 2, w0, a, b));
    CHECK_CLOSE("lab02.5", "w0 = w^T (4 x 3)", w0, exp_w0, 12);
    CHECK_CLOSE("lab02.5", "a = b_down^T (2 x 3)", a, exp_a, 6);
    CHECK_CLOSE("lab02.5", "b = a_up^T (4 x 2)", b, exp_b, 8);
}
END_TEST

/* ---- lab02.6 lora_forward_columns ------------------------------------ */

START_TEST(test_columns_worked_example_gives_0_33415_first)
{
    double h[4];
    CHECK_CALL_CLOSE("lab02.6", "h (4 x 1)", lora_forward_columns(WX_W0, WX_B, WX_A, WX_X, 4, 4, 2, 1, 2.0, h),
                     h, WX_H, 4);
}
END_TEST

START_TEST(test_columns_two_inputs_are_columns_not_rows)
{
    /* Column 0 of x_cols is the worked example's x, column 1 is 2x; the
     * forward pass is linear, so column 1 of h must be 2h. */
    double x_cols[8], h[8], expected[8];
    for (size_t j = 0; j < 4; j++) {
        x_cols[j * 2 + 0] = WX_X[j];
        x_cols[j * 2 + 1] = 2.0 * WX_X[j];
        expected[j * 2 + 0] = WX_H[j];
        expected[j * 2 + 1] = 2.0 * WX_H[j];
    }
    CHECK_CALL_CLOSE("lab02.6", "h_cols (4 x 2)", lora_forward_columns(WX_W0, WX_B, WX_A, x_cols, 4, 4, 2, 2, 2.0, h),
                     h, expected, 8);
}
END_TEST

START_TEST(test_columns_random_non_square_matches_stored_h)
{
    double h[12];
    fill(h, 12, SENTINEL);
    CHECK_OK("lab02.6", lora_forward_columns(stored(&VIS, "columns.w0", 15), stored(&VIS, "columns.b", 6),
                                             stored(&VIS, "columns.a", 10),
                                             stored(&VIS, "columns.x_cols", 20), 3, 5, 2, 4, 3.0, h));
    CHECK_STORED("lab02.6", "h_cols (3 x 4; d = 3, k = 5, r = 2, n = 4)", h, &VIS, "columns.h_cols", 12,
                 COLUMN_MISTAKES);
}
END_TEST

/* ---- suites ---------------------------------------------------------- */

/* The test case carries the task ID too, so even a crash ("Received signal
 * 6") names the task in Check's output line. */
int main(void)
{
    const visible_task_t tasks[] = {
        {"lab02.1", NULL, {
            test_row_reference_example_gives_3_0,
            test_row_random_non_square_matches_stored_y,
            test_row_with_zero_b_is_exactly_the_base_layer,
            test_row_scales_the_update_by_alpha_over_r,
            test_row_rank_zero_is_rejected_and_y_untouched,
            test_row_rank_40_uses_every_rank,
            test_row_nan_input_gives_nan_even_times_zero_weight,
        }},
        {"lab02.2", NULL, {
            test_batch_of_identity_rows_gives_3_0_and_0_1,
            test_batch_of_three_rows_uses_both_strides,
            test_batch_random_non_square_matches_stored_y,
            test_batch_of_zero_rows_returns_ok_and_writes_nothing,
        }},
        {"lab02.3", NULL, {
            test_merged_reference_weights_give_3_0_0_1,
            test_merged_weight_times_x_gives_worked_example_h,
            test_merged_random_non_square_matches_stored_w_eff,
        }},
        {"lab02.4", NULL, {
            test_in_out_example_x_1_2_gives_4_5,
            test_in_out_identity_batch_gives_2_25_and_1_25,
            test_in_out_scalar_with_alpha_4_gives_14,
            test_in_out_random_non_square_matches_stored_h,
        }},
        {"lab02.5", NULL, {
            test_from_in_out_transposes_all_three_matrices,
            test_from_in_out_random_non_square_matches_stored,
        }},
        {"lab02.6", NULL, {
            test_columns_worked_example_gives_0_33415_first,
            test_columns_two_inputs_are_columns_not_rows,
            test_columns_random_non_square_matches_stored_h,
        }},
    };
    return visible_main("02", tasks, sizeof tasks / sizeof tasks[0], 0);
}
