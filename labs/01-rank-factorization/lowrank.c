/*
 * lowrank.c - Lab 01: rank and low-rank factorization.
 *
 * Write the body of each function below where it says TODO.  The contract of
 * each function (shapes, argument checks, tolerances, examples) is in
 * lowrank.h: read it first.  Check your work with
 *     make check LAB=01      (the visible tests)
 *     make grade LAB=01      (the graded tests, with points)
 * You may add static helper functions to this file; do not change the
 * signatures, and do not add other files: the grader compiles this one.
 */
#include "lowrank.h"
#include "matrix.h"

#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* lab01.1 - the rank of m (rows, cols), elimination with partial pivoting. */
long long lowrank_rank(const double *m, size_t rows, size_t cols, double rtol)
{
    /* TODO lab01.1: write lowrank_rank (contract in lowrank.h). */
    lab_todo("lab01.1", "lowrank_rank", m, rows, cols, rtol);
}

/* lab01.2 - m (d, k) = B A with b (d, r) and a (r, k). */
int lowrank_product(const double *b, const double *a, size_t d, size_t r, size_t k,
                    double *m)
{
    /* TODO lab01.2: write lowrank_product (contract in lowrank.h). */
    lab_todo("lab01.2", "lowrank_product", b, a, d, r, k, m);
}

/* lab01.3 - full and factored entry counts, compression ratio, percent. */
int lowrank_storage(size_t d, size_t k, size_t r, double *out)
{
    /* TODO lab01.3: write lowrank_storage (contract in lowrank.h). */
    lab_todo("lab01.3", "lowrank_storage", d, k, r, out);
}

/* lab01.4 - thin SVD by one-sided Jacobi: m = U diag(s) V^T. */
int lowrank_svd(const double *m, size_t rows, size_t cols, double *u, double *s,
                double *v)
{
    /* TODO lab01.4: write lowrank_svd (contract in lowrank.h). */
    lab_todo("lab01.4", "lowrank_svd", m, rows, cols, u, s, v);
}

/* lab01.5 - out (rows, cols) = the best rank-r approximation of m. */
int lowrank_best_approx(const double *m, size_t rows, size_t cols, size_t r,
                        double *out)
{
    /* TODO lab01.5: write lowrank_best_approx (contract in lowrank.h). */
    lab_todo("lab01.5", "lowrank_best_approx", m, rows, cols, r, out);
}

/* lab01.6 - err[0] = sqrt(sum of the discarded squared singular values). */
int lowrank_truncation_error(const double *m, size_t rows, size_t cols, size_t r,
                             double *err)
{
    /* TODO lab01.6: write lowrank_truncation_error (contract in lowrank.h). */
    lab_todo("lab01.6", "lowrank_truncation_error", m, rows, cols, r, err);
}

/* lab01.7 - phi[0] = ||U1_i^T U2_j||_F^2 / min(i, j). */
int lowrank_subspace_similarity(const double *m1, size_t cols1, const double *m2,
                                size_t cols2, size_t rows, size_t i, size_t j,
                                double *phi)
{
    /* TODO lab01.7: write lowrank_subspace_similarity (contract in lowrank.h). */
    lab_todo("lab01.7", "lowrank_subspace_similarity", m1, cols1, m2, cols2, rows, i, j, phi);
}
