/*
 * check_lowrank.c - the visible tests of Lab 01 (run: make check LAB=01).
 *
 * One suite per task (lab01.1 .. lab01.7), a few tests each, built from the
 * worked examples in lowrank.h.  The graded tests (make grade LAB=01)
 * are more numerous and stricter: passing these is a start, not the finish.
 *
 * Each test runs in its own child process.  A function you have not written
 * yet prints "not implemented: <function> (lab01.N)" and aborts, so its tests
 * show up as errors ("Received signal 6"), not as passes.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab.h"
#include "lowrank.h"
#include "matrix.h"

#include "check_helpers.h"

/* The course's factorization example ("rank and factorization"): B (4, 2), A (2, 4), and B A
 * with the erratum corrected (entry [0][3] is -0.06, not 0.00). */
static const double EX_B[] = {0.1, 0.3, 0.2, -0.1, -0.3, 0.2, 0.4, 0.1};
static const double EX_A[] = {0.5, -0.2, 0.1, 0.3, -0.1, 0.4, 0.2, -0.3};
static const double EX_DW[] = {
    0.02, 0.10, 0.07, -0.06,
    0.11, -0.08, 0.00, 0.09,
    -0.17, 0.14, 0.01, -0.15,
    0.19, -0.04, 0.06, 0.09,
};


/* A small deterministic matrix: entries in [-1, 1], no structure. */
static void fill_pattern(double *m, size_t count, unsigned seed)
{
    for (size_t i = 0; i < count; i++)
        m[i] = sin(1.7 * (double)(i + 1) + 0.3 * seed) * cos(0.9 * (double)(i * i % 17) + seed);
}

/* max |Q^T Q - I| over the p columns of q (n, p). */
static double orth_error(const double *q, size_t n, size_t p)
{
    double worst = 0.0;
    for (size_t a = 0; a < p; a++)
        for (size_t b = 0; b < p; b++) {
            double s = 0.0;
            for (size_t i = 0; i < n; i++)
                s += q[i * p + a] * q[i * p + b];
            worst = fmax(worst, fabs(s - (a == b)));
        }
    return worst;
}

/* ---- lab01.1 lowrank_rank -------------------------------------------- */

START_TEST(test_rank_of_identity_zero_and_course_delta_w)
{
    const double eye[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1}, zero[6] = {0};
    ck_assert_int_eq(lowrank_rank(eye, 3, 3, LOWRANK_RTOL), 3);
    ck_assert_int_eq(lowrank_rank(zero, 2, 3, LOWRANK_RTOL), 0);
    ck_assert_int_eq(lowrank_rank(EX_DW, 4, 4, LOWRANK_RTOL), 2);
}
END_TEST

START_TEST(test_rank_needs_the_row_swap)
{
    const double swap[4] = {0, 1, 1, 0}, dep[4] = {1, 2, 2, 4};
    ck_assert_msg(lowrank_rank(swap, 2, 2, LOWRANK_RTOL) == 2,
                  "lab01.1: [[0, 1], [1, 0]] has rank 2 (pivot on the larger entry below)");
    ck_assert_int_eq(lowrank_rank(dep, 2, 2, LOWRANK_RTOL), 1);
}
END_TEST

START_TEST(test_rank_tolerance_is_relative)
{
    /* rank 2 (row 2 = row 0 + row 1) times 1e9: the residual rounding is
     * about 1e-7, far above 1e-10 but far below 1e-10 * max|m|. */
    double m[12] = {1, 2, 3, 4, 0.5, -1, 2, 7, 1.5, 1, 5, 11};
    for (int i = 0; i < 12; i++)
        m[i] *= 1e9 / 3.0;
    double mt[12];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 4; j++)
            mt[j * 3 + i] = m[i * 4 + j];
    ck_assert_int_eq(lowrank_rank(m, 3, 4, LOWRANK_RTOL), 2);
    ck_assert_int_eq(lowrank_rank(mt, 4, 3, LOWRANK_RTOL), 2); /* the transpose: same rank */
}
END_TEST

START_TEST(test_rank_rejects_bad_arguments)
{
    const double m[2] = {1, NAN};
    ck_assert_int_eq(lowrank_rank(m, 0, 2, LOWRANK_RTOL), LAB_EARG);
    ck_assert_int_eq(lowrank_rank(m, 1, 2, LOWRANK_RTOL), LAB_EARG); /* NaN */
    ck_assert_int_eq(lowrank_rank(m, 1, 1, -1.0), LAB_EARG);
}
END_TEST

/* ---- lab01.2 lowrank_product ----------------------------------------- */

START_TEST(test_product_of_course_example_is_corrected_delta_w)
{
    double m[16];
    CHECK_CALL_CLOSE("lab01.2", "B A", lowrank_product(EX_B, EX_A, 4, 2, 4, m), m, EX_DW, 16);
}
END_TEST

START_TEST(test_product_non_square_shapes)
{
    const double b[3] = {1, 2, 3}, a[2] = {4, -1}, want[6] = {4, -1, 8, -2, 12, -3};
    double m[6];
    CHECK_CALL_CLOSE("lab01.2", "B A (3 x 1)(1 x 2)", lowrank_product(b, a, 3, 1, 2, m),
                     m, want, 6);
}
END_TEST

/* ---- lab01.3 lowrank_storage ----------------------------------------- */

START_TEST(test_storage_gpt3_layer_at_r4_compresses_1536_times)
{
    const double want[4] = {150994944, 98304, 1536, 100.0 / 1536};
    double out[4];
    CHECK_CALL_CLOSE("lab01.3", "[d k, r (d + k), ratio, percent]", lowrank_storage(12288, 12288, 4, out),
                     out, want, 4);
}
END_TEST

START_TEST(test_storage_100_by_200_at_rank_3)
{
    const double want[4] = {20000, 900, 20000.0 / 900, 4.5};
    double out[4];
    CHECK_OK("lab01.3", lowrank_storage(100, 200, 3, out));
    CHECK_CLOSE("lab01.3", "[d k, r (d + k), ratio, percent]", out, want, 4);
}
END_TEST

/* ---- lab01.4 lowrank_svd --------------------------------------------- */

START_TEST(test_svd_of_diagonal_sorts_and_drops_signs)
{
    const double m[4] = {2, 0, 0, -3}, want[2] = {3, 2};
    double u[4], s[2], v[4];
    CHECK_OK("lab01.4", lowrank_svd(m, 2, 2, u, s, v));
    CHECK_CLOSE("lab01.4", "s of [[2, 0], [0, -3]]", s, want, 2);
}
END_TEST

START_TEST(test_svd_reconstructs_tall_and_wide_matrices)
{
    static const size_t shapes[2][2] = {{7, 4}, {4, 7}};
    for (int q = 0; q < 2; q++) {
        size_t rows = shapes[q][0], cols = shapes[q][1], p = 4;
        double m[28], u[28], s[4], v[28], back[28];
        fill_pattern(m, rows * cols, (unsigned)q);
        CHECK_OK("lab01.4", lowrank_svd(m, rows, cols, u, s, v));
        for (size_t i = 0; i < rows; i++)
            for (size_t j = 0; j < cols; j++) {
                double acc = 0.0;
                for (size_t t = 0; t < p; t++)
                    acc += u[i * p + t] * s[t] * v[j * p + t];
                back[i * cols + j] = acc;
            }
        CHECK_CLOSE("lab01.4", "U diag(s) V^T", back, m, rows * cols);
        ck_assert_msg(orth_error(u, rows, p) < 1e-9 && orth_error(v, cols, p) < 1e-9,
                      "lab01.4: U or V does not have orthonormal columns (%zu x %zu)", rows, cols);
        for (size_t t = 1; t < p; t++)
            ck_assert_msg(s[t] <= s[t - 1] && s[t] >= 0, "lab01.4: s is not sorted descending");
    }
}
END_TEST

/* ---- lab01.5 lowrank_best_approx ------------------------------------- */

START_TEST(test_best_rank_2_of_diag_3_2_1_drops_the_1)
{
    const double m[9] = {3, 0, 0, 0, 2, 0, 0, 0, 1}, want[9] = {3, 0, 0, 0, 2, 0, 0, 0, 0};
    double out[9];
    CHECK_CALL_CLOSE("lab01.5", "best rank-2 approximation", lowrank_best_approx(m, 3, 3, 2, out),
                     out, want, 9);
}
END_TEST

START_TEST(test_best_approx_of_rank_2_matrix_at_r2_is_itself)
{
    double out[16];
    CHECK_OK("lab01.5", lowrank_best_approx(EX_DW, 4, 4, 2, out));
    CHECK_CLOSE("lab01.5", "best rank-2 approximation of B A", out, EX_DW, 16);
}
END_TEST

/* ---- lab01.6 lowrank_truncation_error -------------------------------- */

START_TEST(test_error_of_diag_3_2_1_at_r1_is_sqrt_5)
{
    const double m[9] = {3, 0, 0, 0, 2, 0, 0, 0, 1}, want = sqrt(5.0);
    double err = SENTINEL;
    CHECK_OK("lab01.6", lowrank_truncation_error(m, 3, 3, 1, &err));
    CHECK_CLOSE("lab01.6", "error", &err, &want, 1);
    ck_assert_int_eq(lowrank_truncation_error(m, 3, 3, 4, &err), LAB_EARG);
}
END_TEST

/* ---- lab01.7 lowrank_subspace_similarity ----------------------------- */

START_TEST(test_similarity_of_a_matrix_with_itself_is_1)
{
    double m[30], phi = SENTINEL;
    const double one = 1.0;
    fill_pattern(m, 30, 5);
    CHECK_OK("lab01.7", lowrank_subspace_similarity(m, 5, m, 5, 6, 2, 4, &phi));
    CHECK_CLOSE("lab01.7", "phi(m, m)", &phi, &one, 1);
}
END_TEST

START_TEST(test_similarity_of_orthogonal_directions_is_0)
{
    const double e0[9] = {1, 0, 0, 0, 0, 0, 0, 0, 0}, e2[9] = {0, 0, 0, 0, 0, 0, 0, 0, 4};
    const double zero = 0.0;
    double phi = SENTINEL;
    CHECK_OK("lab01.7", lowrank_subspace_similarity(e0, 3, e2, 3, 3, 1, 1, &phi));
    CHECK_CLOSE("lab01.7", "phi(e0 e0^T, e2 e2^T)", &phi, &zero, 1);
}
END_TEST

/* ---- suites ---------------------------------------------------------- */

/* ---- stored random non-square cases (data/lab01/visible-expected.txt,
 * written once by the reference; data/VISIBLE.md) ---- */

MISTAKES(PRODUCT_MISTAKES,
    {"a_stride_d", "A (r, k) was read with row stride d: A[l][j] is at a[l*k + j]"},
    {"b_transposed", "B (d, r) was read transposed, as if stored (r, d): B[i][l] is at b[i*r + l]"});
MISTAKES(RANK_MISTAKES,
    {"shape_swapped", "it is the rank of the same numbers read as (cols, rows): m is (rows, cols)"
                      " row-major, m[i][j] at m[i*cols + j]"});
MISTAKES(BEST_MISTAKES,
    {"r2", "it is the best rank-2 approximation: keep exactly r singular values"});

START_TEST(test_rank_random_non_square_matches_stored)
{
    /* The stored B A (3 x 5) of a random B (3 x 2) and A (2 x 5): rank 2. */
    double rank = (double)lowrank_rank(stored(&VIS, "product.m", 15), 3, 5, LOWRANK_RTOL);
    CHECK_STORED("lab01.1", "the rank of the stored B A (3 x 5)", &rank, &VIS, "rank.product_m", 1,
                 RANK_MISTAKES);
}
END_TEST

START_TEST(test_product_random_non_square_matches_stored)
{
    double m[15];
    CHECK_OK("lab01.2", lowrank_product(stored(&VIS, "product.b", 6), stored(&VIS, "product.a", 10), 3, 2,
                                        5, m));
    CHECK_STORED("lab01.2", "B A (3 x 5; d = 3, r = 2, k = 5)", m, &VIS, "product.m", 15, PRODUCT_MISTAKES);
    ck_assert_msg(lowrank_product(stored(&VIS, "product.b", 6), stored(&VIS, "product.a", 10), 3, 0, 5,
                                  m) == LAB_EARG,
                  "lab01.2: r = 0 must return LAB_EARG");
}
END_TEST

START_TEST(test_storage_non_square_matches_stored)
{
    double out[4];
    CHECK_OK("lab01.3", lowrank_storage(3, 5, 2, out));
    CHECK_STORED("lab01.3", "out (d = 3, k = 5, r = 2)", out, &VIS, "storage.out", 4, NULL);
    ck_assert_msg(lowrank_storage(3, 5, 0, out) == LAB_EARG, "lab01.3: r = 0 must return LAB_EARG");
}
END_TEST

START_TEST(test_svd_random_non_square_singular_values_match_stored)
{
    double u[15], s[3], v[9];
    CHECK_OK("lab01.4", lowrank_svd(stored(&VIS, "m", 15), 5, 3, u, s, v));
    CHECK_STORED("lab01.4", "s of the stored 5 x 3 matrix", s, &VIS, "svd.s", 3, NULL);
}
END_TEST

/* utu (3, 3) = U^T U for U (5, 3). */
static void gram_5x3(const double *u, double *utu)
{
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            double d = 0;
            for (int t = 0; t < 5; t++)
                d += u[t * 3 + i] * u[t * 3 + j];
            utu[i * 3 + j] = d;
        }
}

START_TEST(test_svd_of_rank_deficient_matrix_has_orthonormal_u)
{
    /* Column 2 = column 0 + column 1: s[2] = 0, and U's third column must
     * still be a unit vector orthogonal to the first two (no 0 / 0). */
    double m[15], u[15], s[3], v[9], utu[9];
    const double *m0 = stored(&VIS, "m", 15);
    for (int i = 0; i < 5; i++)
        m[i * 3] = m0[i * 3], m[i * 3 + 1] = m0[i * 3 + 1], m[i * 3 + 2] = m0[i * 3] + m0[i * 3 + 1];
    CHECK_OK("lab01.4", lowrank_svd(m, 5, 3, u, s, v));
    gram_5x3(u, utu);
    const double eye[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
    CHECK_CLOSE("lab01.4", "U^T U of a rank-2 5 x 3 matrix (complete U where s[i] = 0)", utu, eye, 9);
    /* Column 2 exactly zero: s[2] = 0 exactly, and column 2 of U must not be 0 / 0. */
    for (int i = 0; i < 5; i++)
        m[i * 3 + 2] = 0;
    CHECK_OK("lab01.4", lowrank_svd(m, 5, 3, u, s, v));
    gram_5x3(u, utu);
    CHECK_CLOSE("lab01.4", "U^T U of a 5 x 3 matrix with a zero column (s[2] = 0 exactly)", utu, eye, 9);
}
END_TEST

START_TEST(test_best_approx_random_non_square_matches_stored)
{
    double out[15];
    CHECK_OK("lab01.5", lowrank_best_approx(stored(&VIS, "m", 15), 5, 3, 1, out));
    CHECK_STORED("lab01.5", "best rank-1 approximation of the stored 5 x 3 matrix", out, &VIS,
                 "best_approx_r1.m", 15, BEST_MISTAKES);
    CHECK_OK("lab01.5", lowrank_best_approx(stored(&VIS, "m", 15), 5, 3, 2, out));
    CHECK_STORED("lab01.5", "best rank-2 approximation of the stored 5 x 3 matrix", out, &VIS,
                 "best_approx_r2.m", 15, NULL);
}
END_TEST

START_TEST(test_error_random_non_square_matches_stored)
{
    double err = -1;
    CHECK_OK("lab01.6", lowrank_truncation_error(stored(&VIS, "m", 15), 5, 3, 1, &err));
    CHECK_STORED("lab01.6", "error at r = 1 of the stored 5 x 3 matrix", &err, &VIS, "truncation_error_r1",
                 1, NULL);
}
END_TEST

START_TEST(test_similarity_random_non_square_matches_stored)
{
    double phi = -1;
    CHECK_OK("lab01.7", lowrank_subspace_similarity(stored(&VIS, "m", 15), 3, stored(&VIS, "m2", 10), 2, 5,
                                                    2, 1, &phi));
    CHECK_STORED("lab01.7", "phi (m 5 x 3, m2 5 x 2, i = 2, j = 1)", &phi, &VIS, "similarity_i2_j1", 1,
                 NULL);
    ck_assert_msg(lowrank_subspace_similarity(stored(&VIS, "m", 15), 3, stored(&VIS, "m2", 10), 2, 5, 2, 0,
                                              &phi) == LAB_EARG,
                  "lab01.7: j = 0 must return LAB_EARG");
}
END_TEST

/* The test case carries the task ID too, so even a crash ("Received signal
 * 6") names the task in Check's output line. */
int main(void)
{
    const visible_task_t tasks[] = {
        {"lab01.1", NULL, {
            test_rank_of_identity_zero_and_course_delta_w,
            test_rank_needs_the_row_swap,
            test_rank_tolerance_is_relative,
            test_rank_rejects_bad_arguments,
            test_rank_random_non_square_matches_stored,
        }},
        {"lab01.2", NULL, {
            test_product_of_course_example_is_corrected_delta_w,
            test_product_non_square_shapes,
            test_product_random_non_square_matches_stored,
        }},
        {"lab01.3", NULL, {
            test_storage_gpt3_layer_at_r4_compresses_1536_times,
            test_storage_100_by_200_at_rank_3,
            test_storage_non_square_matches_stored,
        }},
        {"lab01.4", NULL, {
            test_svd_of_diagonal_sorts_and_drops_signs,
            test_svd_reconstructs_tall_and_wide_matrices,
            test_svd_random_non_square_singular_values_match_stored,
            test_svd_of_rank_deficient_matrix_has_orthonormal_u,
        }},
        {"lab01.5", NULL, {
            test_best_rank_2_of_diag_3_2_1_drops_the_1,
            test_best_approx_of_rank_2_matrix_at_r2_is_itself,
            test_best_approx_random_non_square_matches_stored,
        }},
        {"lab01.6", NULL, {
            test_error_of_diag_3_2_1_at_r1_is_sqrt_5,
            test_error_random_non_square_matches_stored,
        }},
        {"lab01.7", NULL, {
            test_similarity_of_a_matrix_with_itself_is_1,
            test_similarity_of_orthogonal_directions_is_0,
            test_similarity_random_non_square_matches_stored,
        }},
    };
    return visible_main("01", tasks, sizeof tasks / sizeof tasks[0], 0);
}
