/*
 * lab01.c - writes data/lab01/visible-expected.txt from the reference
 * (make visible-expected): the product B A, storage counts, singular values,
 * the best rank-r approximation, its error and a subspace similarity, on
 * random non-square matrices (d = 3, r = 2, k = 5; m 5 x 3).
 */
#include "gen.h"
#include "lowrank.h"

enum { D = 3, R = 2, K = 5, M_ROWS = 5, M_COLS = 3 };

int main(void)
{
    rng_t g;
    start_file(&g, "01", 1101);
    printf("# product: d = %d, r = %d, k = %d; m: %d x %d\n", D, R, K, M_ROWS, M_COLS);
    double *b = random_matrix(&g, D, R), *a = random_matrix(&g, R, K), *p = mat_alloc(D, K);
    double *a_d = mat_alloc(R, K);
    put("product.b", b, D, R), put("product.a", a, R, K);
    MUST(lowrank_product(b, a, D, R, K, p));
    put("product.m", p, D, K);
    /* lab01.1: the rank of that (d, k) product, and of the same numbers read
     * as (k, d) (rows and columns swapped). */
    long long rank = lowrank_rank(p, D, K, LOWRANK_RTOL), swapped = lowrank_rank(p, K, D, LOWRANK_RTOL);
    if (rank < 0 || swapped < 0)
        return 1;
    put_scalar("rank.product_m", (double)rank);
    put_scalar("rank.product_m~shape_swapped", (double)swapped);
    for (size_t i = 0; i < R; i++) /* A's rows read with stride d */
        for (size_t j = 0; j < K; j++)
            a_d[i * K + j] = a[i * D + j];
    MUST(lowrank_product(b, a_d, D, R, K, p));
    put("product.m~a_stride_d", p, D, K);
    double *b_t = mat_alloc(D, R);
    for (size_t i = 0; i < D; i++) /* B (d, r) read as stored (r, d): B[i][t] at b[t*d + i] */
        for (size_t t = 0; t < R; t++)
            b_t[i * R + t] = b[t * D + i];
    MUST(lowrank_product(b_t, a, D, R, K, p));
    put("product.m~b_transposed", p, D, K);
    free(b_t);

    double out[4];
    MUST(lowrank_storage(D, K, R, out));
    put("storage.out", out, 1, 4);

    double *m = random_matrix(&g, M_ROWS, M_COLS), *u = mat_alloc(M_ROWS, M_COLS), s[M_COLS];
    double *v = mat_alloc(M_COLS, M_COLS), *best = mat_alloc(M_ROWS, M_COLS), err;
    put("m", m, M_ROWS, M_COLS);
    MUST(lowrank_svd(m, M_ROWS, M_COLS, u, s, v));
    put("svd.s", s, 1, M_COLS);
    MUST(lowrank_best_approx(m, M_ROWS, M_COLS, 1, best));
    put("best_approx_r1.m", best, M_ROWS, M_COLS);
    MUST(lowrank_best_approx(m, M_ROWS, M_COLS, 2, best));
    put("best_approx_r2.m", best, M_ROWS, M_COLS);
    put("best_approx_r1.m~r2", best, M_ROWS, M_COLS); /* one rank too many */
    MUST(lowrank_truncation_error(m, M_ROWS, M_COLS, 1, &err));
    put_scalar("truncation_error_r1", err);

    double *m2 = random_matrix(&g, M_ROWS, 2), phi;
    put("m2", m2, M_ROWS, 2);
    MUST(lowrank_subspace_similarity(m, M_COLS, m2, 2, M_ROWS, 2, 1, &phi));
    put_scalar("similarity_i2_j1", phi);
    free(b), free(a), free(p), free(a_d), free(m), free(u), free(v), free(best), free(m2);
    return 0;
}
