/*
 * demo.c - lab01-demo: Lab 01's worked examples, the data behind its figures
 * and the SVD benchmark, computed by the lab's own functions.
 *
 *   lab01-demo examples   every worked example and exercise of the course
 *                         material that Lab 01 uses, run through the kit's
 *                         functions, and a check of every number the course
 *                         prints for them (exit status 1 if one disagrees,
 *                         apart from the errata listed in the README)
 *   lab01-demo spectrum   singular values of a low-rank-plus-noise matrix and
 *                         of a full-rank one (data table for gnuplot)
 *   lab01-demo errors     relative Eckart-Young error against the rank r for
 *                         the same two matrices (data table for gnuplot)
 *   lab01-demo ratios     compression ratio d k / (r (d + k)) against r for a
 *                         few layer shapes (data table for gnuplot)
 *   lab01-demo bench      times lowrank_svd on a 256 x 256 matrix (bar: 1 s)
 *   lab01-demo span       the columns of Delta W = B A lie in the span of B
 *                         (and its rows in the span of A's rows): distances
 *                         after projecting on an orthonormal basis (lab01.4)
 *
 * It links the lab's lowrank.c (yours or the reference) and labs/common, so
 * what it prints is what your code computes.  A function you have not
 * written yet stops it with "not implemented: <function> (lab01.N)".
 * Random matrices come from the kit's RNG, seed LORALAB_SEED (default
 * 20261124).  Students do not need to edit this file.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "demo_main.h"
#include "lab.h"
#include "lowrank.h"
#include "matrix.h"
#include "rng.h"

#define PROG "lab01-demo"

/* "  label  [[a, b], [c, d]]" with %.*f (decimals >= 0) or %.10g; a matrix
 * with more than 2 columns gets one line per row. */
static void line(const char *label, const double *m, size_t rows, size_t cols, int decimals)
{
    printf("  %-34s [", label);
    for (size_t i = 0; i < rows; i++) {
        if (i && cols > 2)
            printf(",\n  %-34s  ", "");
        else if (i)
            printf(", ");
        demo_put_row(m + i * cols, cols, decimals);
    }
    printf("]\n");
}

/* Two (d, 8) and (d, 64) matrices whose columns are Gaussian noise (std
 * 0.1) plus one shared random direction: A_8^T and A_64^T (or B_8 and B_64)
 * of two "adapters" that learned the same single direction. */
static void shared_direction(uint64_t seed, size_t d, double *m8, double *m64)
{
    rng_t g;
    rng_seed(&g, seed);
    double *dir = mat_alloc(d, 1);
    rng_fill_normal(&g, m8, d * 8, 0.1);
    rng_fill_normal(&g, m64, d * 64, 0.1);
    rng_fill_normal(&g, dir, d, 1.0);
    for (size_t i = 0; i < d; i++) {
        for (size_t c = 0; c < 8; c++)
            m8[i * 8 + c] += dir[i];
        for (size_t c = 0; c < 64; c++)
            m64[i * 64 + c] += dir[i];
    }
    free(dir);
}

/* Thousands separators: 150994944 -> "150,994,944". */
static const char *commas(double v, char *buf, size_t cap)
{
    char raw[64];
    snprintf(raw, sizeof raw, "%.0f", v);
    size_t n = strlen(raw), o = 0;
    for (size_t i = 0; i < n && o + 2 < cap; i++) {
        if (i && (n - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = raw[i];
    }
    buf[o] = '\0';
    return buf;
}

/* ------------------------------------------------ the seeds' numbers */

/*
 * Each number the course prints, next to the kit's value rounded the same
 * way: it agrees when the kit's value is within half a unit of its last
 * printed decimal.  A known erratum (listed in the README) must DISAGREE and
 * the kit must give its correction; anything else that disagrees fails.
 */
static int errata_seen;

typedef struct {
    size_t index;     /* entry of the printed block */
    double corrected; /* what the kit must give there */
} erratum_t;

static void course_check(const char *what, const double *printed, const double *kit, size_t count,
                         int decimals, const erratum_t *errata, size_t n_errata)
{
    const double half = 0.5 * pow(10, -decimals) * (1.0 + 1e-9);
    int ok = 1, flagged = 0;
    for (size_t i = 0; i < count; i++) {
        int agrees = fabs(kit[i] - printed[i]) <= half;
        const erratum_t *e = NULL;
        for (size_t k = 0; k < n_errata; k++)
            if (errata[k].index == i)
                e = &errata[k];
        demo_checks.total++;
        if (e) {
            /* Known erratum: the print is wrong and the kit gives the fix. */
            if (agrees || !(fabs(kit[i] - e->corrected) <= half)) {
                demo_checks.bad++;
                ok = 0;
            } else {
                errata_seen++;
                flagged = 1;
            }
        } else if (!agrees) {
            demo_checks.bad++;
            ok = 0;
        }
    }
    printf("  %-40s %s%s\n", what, ok ? "ok" : "DIFFERS",
           ok && flagged ? " (apart from the known erratum)" : "");
}

/* ------------------------------------------------------------ examples */

static int cmd_examples(void)
{
    char b1[32], b2[32], b3[32];
    const uint64_t seed = demo_seed();
    printf(PROG " examples: the course's rank and factorization numbers through the kit's functions\n");

    /* the course: the 4 x 4 factorization. */
    static const double B[8] = {0.1, 0.3, 0.2, -0.1, -0.3, 0.2, 0.4, 0.1};
    static const double A[8] = {0.5, -0.2, 0.1, 0.3, -0.1, 0.4, 0.2, -0.3};
    static const double printed_dw[16] = {0.02, 0.10, 0.07, 0.00, 0.11, -0.08, 0.00, 0.09,
                                          -0.17, 0.14, 0.01, -0.15, 0.19, -0.04, 0.06, 0.09};
    double dw[16], st[4], u[16], s[4], v[16], err;
    printf("\n== the course, \"rank and factorization\": d = k = 4, r = 2 ==\n");
    line("B (d, r)", B, 4, 2, -1);
    line("A (r, k)", A, 2, 4, -1);
    CALL(lowrank_product(B, A, 4, 2, 4, dw));
    line("lowrank_product: Delta W = B A", dw, 4, 4, 2);
    line("the course prints", printed_dw, 4, 4, 2);
    printf("  %-34s %.17g   = (0.1)(0.3) + (0.3)(-0.3)\n", "Delta W[0][3] exactly", dw[3]);
    long long rk = lowrank_rank(dw, 4, 4, LOWRANK_RTOL);
    printf("  %-34s %lld\n", "lowrank_rank(Delta W)", rk);
    CALL(lowrank_storage(4, 4, 2, st));
    printf("  %-34s full %.0f, factored %.0f (B %d + A %d), ratio %g\n", "lowrank_storage(4, 4, 2)",
           st[0], st[1], 8, 8, st[2]);
    CALL(lowrank_svd(dw, 4, 4, u, s, v));
    printf("  %-34s [%.6f, %.6f, %.3g, %.3g]\n", "lowrank_svd: s", s[0], s[1], s[2], s[3]);
    CALL(lowrank_truncation_error(dw, 4, 4, 1, &err));
    printf("  %-34s %.6f   = s[1]: rank 1 cannot hold a rank-2 matrix\n", "Eckart-Young error at r = 1", err);

    /* the course: the compression ratio. */
    printf("\n== the course: compression ratio d k / (r (d + k)), square case d / (2 r) ==\n");
    CALL(lowrank_storage(12288, 12288, 4, st));
    printf("  %-34s full %s, factored %s, ratio %s (%.4f %% of the full matrix)\n",
           "GPT-3 12,288 x 12,288, r = 4", commas(st[0], b1, sizeof b1), commas(st[1], b2, sizeof b2),
           commas(st[2], b3, sizeof b3), st[3]);
    const double gpt_ratio = st[2], gpt_thousands = st[1] / 1000.0;

    /* The exercises. */
    printf("\n== the course's exercise (Recall): a 100 x 200 matrix of rank 3 ==\n");
    CALL(lowrank_storage(100, 200, 3, st));
    printf("  %-34s B (100, 3) and A (3, 200)\n", "factors");
    printf("  %-34s %.0f + %.0f = %.0f entries vs %s: %.1f %%, ratio %.2f\n", "entries",
           100.0 * 3, 3.0 * 200, st[1], commas(st[0], b1, sizeof b1), st[3], st[2]);
    {
        rng_t g;
        rng_seed(&g, seed);
        double *bb = mat_alloc(100, 3), *aa = mat_alloc(3, 200), *m = mat_alloc(100, 200);
        rng_fill_normal(&g, bb, 300, 1.0);
        rng_fill_normal(&g, aa, 600, 1.0);
        CALL(lowrank_product(bb, aa, 100, 3, 200, m));
        double e3, e0;
        CALL(lowrank_truncation_error(m, 100, 200, 3, &e3));
        CALL(lowrank_truncation_error(m, 100, 200, 0, &e0));
        printf("  %-34s rank %lld; Eckart-Young error at r = 3: %.1e of ||M||_F\n",
               "a random B A of that shape", lowrank_rank(m, 100, 200, LOWRANK_RTOL), e3 / e0);
        free(bb), free(aa), free(m);
    }

    printf("\n== the course's exercise (Apply): BERT-base W_q, 768 x 768 ==\n");
    CALL(lowrank_storage(768, 768, 4, st));
    printf("  %-34s %s parameters\n", "(a) full matrix", commas(st[0], b1, sizeof b1));
    printf("  %-34s %s parameters = %.2f %% of full (ratio %g)\n", "(b) rank 4: B (768,4) + A (4,768)",
           commas(st[1], b1, sizeof b1), st[3], st[2]);
    CALL(lowrank_storage(768, 768, 1, st));
    printf("  %-34s %s parameters = %.2f %% of full (ratio %g)\n", "(c) rank 1: B (768,1) + A (1,768)",
           commas(st[1], b1, sizeof b1), st[3], st[2]);

    /* Subspace similarity, the paper's rank-8 vs rank-64 comparison (its
     * section 7.2), in small.  The paper compares the RIGHT singular vectors
     * of A_8 (8, k) and A_64 (64, k), the input side; they are the left
     * singular vectors of A^T (k, r), so the lab's function gets A^T.  Its
     * footnote: the same with B (d, r) and left singular vectors, passed as
     * they are. */
    printf("\n== the course: subspace similarity of two \"adapters\" that share one input direction ==\n");
    {
        const size_t d = 128;
        double *a8t = mat_alloc(d, 8), *a64t = mat_alloc(d, 64), *b8 = mat_alloc(d, 8),
               *b64 = mat_alloc(d, 64);
        shared_direction(seed + 1, d, a8t, a64t);
        printf("  A_8 (8 x 128) and A_64 (64 x 128): noise plus one shared input direction;\n"
               "  phi compares their right singular vectors (the paper's choice), i.e. the\n"
               "  left singular vectors of A_8^T (128 x 8) and A_64^T (128 x 64)\n");
        printf("  %-12s", "phi(i, j)");
        static const size_t js[] = {1, 2, 8, 32, 64};
        for (size_t t = 0; t < 5; t++)
            printf("  j = %-5zu", js[t]);
        putchar('\n');
        static const size_t is[] = {1, 2, 8};
        for (size_t a = 0; a < 3; a++) {
            printf("  i = %-8zu", is[a]);
            for (size_t t = 0; t < 5; t++) {
                double phi;
                CALL(lowrank_subspace_similarity(a8t, 8, a64t, 64, d, is[a], js[t], &phi));
                printf("  %-9.4f", phi);
            }
            putchar('\n');
        }
        printf("  the top direction is shared (phi(1, 1) near 1); the others are noise\n");
        /* The footnote's side: B (d, r), left singular vectors, same construction. */
        double pb11, pb22;
        shared_direction(seed + 2, d, b8, b64);
        CALL(lowrank_subspace_similarity(b8, 8, b64, 64, d, 1, 1, &pb11));
        CALL(lowrank_subspace_similarity(b8, 8, b64, 64, d, 2, 2, &pb22));
        printf("  the other side (paper's footnote): B_8 (128 x 8), B_64 (128 x 64) sharing one\n"
               "  output direction, left singular vectors: phi(1, 1) = %.4f, phi(2, 2) = %.4f\n",
               pb11, pb22);
        free(a8t), free(a64t), free(b8), free(b64);
    }

    /* Every printed number of the course, against the kit. */
    printf("\n== the course's printed numbers against the kit ==\n");
    static const erratum_t dw_errata[] = {{3, -0.06}};
    course_check("course: Delta W = B A (2 decimals)", printed_dw, dw, 16, 2, dw_errata, 1);
    const double printed_ratio = 1536, printed_thousands = 98, printed_entries = 16;
    course_check("course: ratio 12,288 / (2 x 4) = 1,536", &printed_ratio, &gpt_ratio, 1, 0, NULL, 0);
    course_check("course: \"about 98 thousand\" entries", &printed_thousands, &gpt_thousands, 1, 0, NULL, 0);
    CALL(lowrank_storage(4, 4, 2, st));
    course_check("course: \"16 total\" for B and A (4 x 4)", &printed_entries, &st[1], 1, 0, NULL, 0);
    if (demo_checks.bad == 0)
        printf("  %d printed numbers checked: %d agree, %d known erratum (README, Errata)\n",
               demo_checks.total, demo_checks.total - errata_seen, errata_seen);
    else
        printf("  %d of %d printed numbers DIFFER from the kit\n", demo_checks.bad, demo_checks.total);
    return demo_checks.bad == 0 ? 0 : 1;
}

/* ------------------------------------------------------ figure data */

#define FIG_N 64
#define FIG_RANK 4
#define FIG_NOISE 0.01

/* The two matrices of the figures: a rank-4 matrix plus small noise, and a
 * full-rank Gaussian one, both 64 x 64. */
static void figure_matrices(double *lowp, double *full)
{
    rng_t g;
    rng_seed(&g, demo_seed());
    double *b = mat_alloc(FIG_N, FIG_RANK), *a = mat_alloc(FIG_RANK, FIG_N);
    rng_fill_normal(&g, b, FIG_N * FIG_RANK, 1.0);
    rng_fill_normal(&g, a, FIG_RANK * FIG_N, 1.0);
    CALL(lowrank_product(b, a, FIG_N, FIG_RANK, FIG_N, lowp));
    for (size_t i = 0; i < FIG_N * FIG_N; i++)
        lowp[i] += FIG_NOISE * rng_normal(&g);
    rng_fill_normal(&g, full, FIG_N * FIG_N, 1.0);
    free(b), free(a);
}

static int cmd_spectrum(void)
{
    double *lowp = mat_alloc(FIG_N, FIG_N), *full = mat_alloc(FIG_N, FIG_N);
    double *u = mat_alloc(FIG_N, FIG_N), *v = mat_alloc(FIG_N, FIG_N);
    double s1[FIG_N], s2[FIG_N];
    figure_matrices(lowp, full);
    CALL(lowrank_svd(lowp, FIG_N, FIG_N, u, s1, v));
    CALL(lowrank_svd(full, FIG_N, FIG_N, u, s2, v));
    printf("# " PROG " spectrum: singular values of two %d x %d matrices\n", FIG_N, FIG_N);
    printf("# low: rank-%d B A (Gaussian factors) plus Gaussian noise of std %g; full: Gaussian\n",
           FIG_RANK, FIG_NOISE);
    printf("# index  s_low  s_full  s_low/s_low[0]  s_full/s_full[0]\n");
    for (size_t i = 0; i < FIG_N; i++)
        printf("%zu %.10g %.10g %.10g %.10g\n", i + 1, s1[i], s2[i], s1[i] / s1[0], s2[i] / s2[0]);
    free(lowp), free(full), free(u), free(v);
    return 0;
}

static int cmd_errors(void)
{
    double *lowp = mat_alloc(FIG_N, FIG_N), *full = mat_alloc(FIG_N, FIG_N);
    double *approx = mat_alloc(FIG_N, FIG_N);
    figure_matrices(lowp, full);
    double n1, n2;
    CALL(lowrank_truncation_error(lowp, FIG_N, FIG_N, 0, &n1));
    CALL(lowrank_truncation_error(full, FIG_N, FIG_N, 0, &n2));
    printf("# " PROG " errors: ||M - M_r||_F / ||M||_F against r (Eckart-Young, lowrank_truncation_error)\n");
    printf("# r  low-rank-plus-noise  full-rank  measured(low, from lowrank_best_approx)\n");
    for (size_t r = 0; r <= FIG_N; r++) {
        double e1, e2, meas = n1;
        CALL(lowrank_truncation_error(lowp, FIG_N, FIG_N, r, &e1));
        CALL(lowrank_truncation_error(full, FIG_N, FIG_N, r, &e2));
        if (r > 0 && (r <= 8 || r % 8 == 0)) {
            CALL(lowrank_best_approx(lowp, FIG_N, FIG_N, r, approx));
            double sum = 0.0;
            for (size_t t = 0; t < FIG_N * FIG_N; t++)
                sum += (lowp[t] - approx[t]) * (lowp[t] - approx[t]);
            meas = sqrt(sum);
        } else if (r > 0) {
            meas = NAN;
        }
        if (isnan(meas))
            printf("%zu %.10g %.10g NaN\n", r, e1 / n1, e2 / n2);
        else
            printf("%zu %.10g %.10g %.10g\n", r, e1 / n1, e2 / n2, meas / n1);
    }
    free(lowp), free(full), free(approx);
    return 0;
}

static int cmd_ratios(void)
{
    static const size_t shapes[][2] = {{768, 768}, {4096, 4096}, {12288, 12288}, {4096, 11008}};
    printf("# " PROG " ratios: compression ratio d k / (r (d + k)) against r\n");
    printf("# one block per shape (gnuplot index 0..3): 768x768, 4096x4096, 12288x12288, 4096x11008\n");
    printf("# d k r full factored ratio percent\n");
    for (size_t i = 0; i < 4; i++) {
        if (i)
            printf("\n\n");
        for (size_t r = 1; r <= 1024; r *= 2) {
            double st[4];
            CALL(lowrank_storage(shapes[i][0], shapes[i][1], r, st));
            printf("%zu %zu %zu %.0f %.0f %.10g %.10g\n", shapes[i][0], shapes[i][1], r, st[0], st[1],
                   st[2], st[3]);
        }
    }
    return 0;
}

static int cmd_bench(void)
{
    const size_t n = 256;
    rng_t g;
    rng_seed(&g, demo_seed());
    double *m = mat_alloc(n, n), *u = mat_alloc(n, n), *s = mat_alloc(1, n), *v = mat_alloc(n, n);
    rng_fill_uniform(&g, m, n * n, -1, 1);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CALL(lowrank_svd(m, n, n, u, s, v));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    int ok = secs < 1.0;
    printf("lab 01: SVD of a 256 x 256 matrix (one-sided Jacobi): %.2f s (bar 1 s) %s\n", secs,
           ok ? "ok" : "MISSED");
    free(m), free(u), free(s), free(v);
    return ok ? 0 : 1;
}

/* ------------------------------------------------------------ span */

/*
 * Largest distance of a column of m (rows, cols) from the span of the
 * orthonormal columns of q (rows, p), relative to the largest column norm:
 * max_j ||m_j - Q Q^T m_j|| / max_j ||m_j||.
 */
static double span_residual(const double *m, size_t rows, size_t cols, const double *q, size_t p)
{
    double worst = 0, biggest = 0, *res = malloc(rows * sizeof(double));
    for (size_t j = 0; j < cols; j++) {
        double norm = 0, dist = 0;
        for (size_t i = 0; i < rows; i++)
            res[i] = m[i * cols + j], norm += res[i] * res[i];
        for (size_t t = 0; t < p; t++) {
            double c = 0;
            for (size_t i = 0; i < rows; i++)
                c += q[i * p + t] * m[i * cols + j];
            for (size_t i = 0; i < rows; i++)
                res[i] -= c * q[i * p + t];
        }
        for (size_t i = 0; i < rows; i++)
            dist += res[i] * res[i];
        worst = fmax(worst, sqrt(dist)), biggest = fmax(biggest, sqrt(norm));
    }
    free(res);
    return biggest > 0 ? worst / biggest : 0;
}

/* An orthonormal basis of the column space of m (rows, p), rows >= p, full
 * column rank: U of its SVD (lab01.4). */
static double *column_basis(const double *m, size_t rows, size_t p)
{
    double *u = malloc(rows * p * sizeof(double)), *s = malloc(p * sizeof(double)),
           *v = malloc(p * p * sizeof(double));
    CALL(lowrank_svd(m, rows, p, u, s, v));
    free(s), free(v);
    return u;
}

/* Transpose of m (rows, cols) into a new (cols, rows) array. */
static double *transposed(const double *m, size_t rows, size_t cols)
{
    double *t = malloc(rows * cols * sizeof(double));
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++)
            t[j * rows + i] = m[i * cols + j];
    return t;
}

/*
 * Delta W = B A: every column of Delta W is B times a column of A, so it lies
 * in the span of B's r columns; every row lies in the span of A's rows.
 * Measured by projecting on an orthonormal basis of each span.
 */
static int cmd_span(void)
{
    printf("lab01-demo span: the columns of Delta W = B A lie in the span of B\n\n");
    static const double b4[8] = {0.1, 0.3, 0.2, -0.1, -0.3, 0.2, 0.4, 0.1};
    static const double a4[8] = {0.5, -0.2, 0.1, 0.3, -0.1, 0.4, 0.2, -0.3};
    double dw4[16];
    CALL(lowrank_product(b4, a4, 4, 2, 4, dw4));
    printf("== the course's 4 x 4 example (lesson 2), r = 2 ==\n");
    printf("  column 0 of Delta W                [%.2f, %.2f, %.2f, %.2f]\n", demo_unneg(dw4[0]), demo_unneg(dw4[4]),
           demo_unneg(dw4[8]), demo_unneg(dw4[12]));
    printf("  = A[0][0] B[:,0] + A[1][0] B[:,1]  = %.1f B[:,0] %+.1f B[:,1]\n", a4[0], a4[4]);
    double *q4 = column_basis(b4, 4, 2);
    const double r4 = span_residual(dw4, 4, 4, q4, 2);
    printf("  max distance of a column from span(B), relative   %.1e\n", r4);
    free(q4);

    const uint64_t seed = demo_seed();
    enum { D = 64, K = 48, R = 4 };
    rng_t g;
    rng_seed(&g, seed);
    double *b = malloc(D * R * sizeof(double)), *a = malloc(R * K * sizeof(double)),
           *dw = malloc(D * K * sizeof(double)), *full = malloc(D * K * sizeof(double));
    rng_fill_normal(&g, b, D * R, 1.0);
    rng_fill_normal(&g, a, R * K, 1.0);
    rng_fill_normal(&g, full, D * K, 1.0);
    CALL(lowrank_product(b, a, D, R, K, dw));
    printf("\n== a random B (%d x %d) and A (%d x %d), seed %llu ==\n", D, R, R, K,
           (unsigned long long)seed);
    long long rank = lowrank_rank(dw, D, K, LOWRANK_RTOL);
    double *qb = column_basis(b, D, R), *at = transposed(a, R, K), *qa = column_basis(at, K, R),
           *dwt = transposed(dw, D, K), *fullt = transposed(full, D, K);
    const double cols_b = span_residual(dw, D, K, qb, R), rows_a = span_residual(dwt, K, D, qa, R),
                 rand_b = span_residual(full, D, K, qb, R), rand_a = span_residual(fullt, K, D, qa, R);
    printf("  rank of Delta W (lowrank_rank)                     %lld\n", rank);
    printf("  columns of Delta W: max distance from span(B)      %.1e\n", cols_b);
    printf("  rows of Delta W: max distance from span(rows of A) %.1e\n", rows_a);
    printf("  a random full %d x %d matrix, the same measures    %.2f and %.2f\n", D, K, rand_b,
           rand_a);
    const int ok = rank == R && r4 < 1e-12 && cols_b < 1e-12 && rows_a < 1e-12 && rand_b > 0.5 &&
                   rand_a > 0.5;
    printf("\n%s\n", ok ? "Delta W lives in span(B) x span(rows of A): checked"
                        : "DIFFERS: a residual is not at rounding level");
    free(b), free(a), free(dw), free(full), free(qb), free(at), free(qa), free(dwt), free(fullt);
    return ok ? 0 : 1;
}

/* ------------------------------------------------------------ main */

static const demo_command_t COMMANDS[] = {
    {.name = "examples", .help = "the course's worked numbers through the kit's functions", .run = cmd_examples},
    {.name = "spectrum", .help = "singular values: low rank plus noise vs full rank (gnuplot data)", .run = cmd_spectrum},
    {.name = "errors", .help = "relative Eckart-Young error vs r (gnuplot data)", .run = cmd_errors},
    {.name = "ratios", .help = "compression ratio vs r for four layer shapes (gnuplot data)", .run = cmd_ratios},
    {.name = "bench", .help = "time lowrank_svd on 256 x 256 (bar: 1 s)", .run = cmd_bench},
    {.name = "span", .help = "the columns of Delta W = B A lie in span(B), measured", .run = cmd_span},
    {.name = NULL},
};

DEMO_MAIN(.prog = PROG, .commands = COMMANDS, .seeded = DEMO_SEEDED)
