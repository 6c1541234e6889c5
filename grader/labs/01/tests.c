/*
 * tests.c - Lab 01's hidden tests: rank, factorizations, the SVD and what it
 * gives (best rank-r approximation, Eckart-Young error, subspace similarity).
 *
 * Expected values come from the reference solution (linked into this judge,
 * never into the runner), from properties that hold whatever the signs of the
 * singular vectors, or from data/lab01/worked-examples.txt (the course's
 * numbers).  Random cases draw from judge_rng(): seed printed, --seed N.
 */
#include "describe.h"
#include "test.h"
#include "lowrank.h"
#include "matrix.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TOL 1e-9
#define DATA "lab01/worked-examples.txt"

static size_t min_sz(size_t a, size_t b) { return a < b ? a : b; }

/* A random (m, n) matrix, entries uniform in [-1, 1). */
static double *rand_mat(judge_t *j, size_t m, size_t n)
{
    double *a = mat_alloc(m, n);
    rng_fill_uniform(judge_rng(j), a, m * n, -1, 1);
    return a;
}

/* A random (m, n) matrix of rank k (almost surely): (m, k) times (k, n). */
static double *rank_k(judge_t *j, size_t m, size_t n, size_t k)
{
    double *b = rand_mat(j, m, k), *a = rand_mat(j, k, n), *out = mat_alloc(m, n);
    mat_matmul(b, a, out, m, k, n);
    free(b), free(a);
    return out;
}

/* ---- lab01.1: rank ---- */

static call_t *student_rank(judge_t *j, const double *m, size_t rows, size_t cols, double rtol)
{
    return call_described(j, "lowrank_rank",
                          (fn_value_t[]){{.in = m}, {.z = rows}, {.z = cols}, {.d = rtol}});
}

/* The student's rank of m is want; `what` names the case in a failure. */
static int rank_is(judge_t *j, const double *m, size_t rows, size_t cols, double rtol,
                   long long want, const char *what)
{
    call_t *c = student_rank(j, m, rows, cols, rtol);
    int ok = call_run(c) && expect_return(j, c, want);
    return call_end(j, c, ok, "(the case was %s, %zu x %zu, rtol %g)", what, rows, cols, rtol);
}

TEST("lab01.1", 4, "identity, zero and the course's Delta W: ranks 5, 0, 2",
     "Count pivots: a column whose largest remaining |entry| is <= rtol * max|m| has none.")
{
    double eye[25] = {0}, zero[12] = {0};
    for (int i = 0; i < 5; i++)
        eye[i * 5 + i] = 1.0;
    const kit_file_t *f = judge_data(j, DATA);
    const double *dw = judge_tensor(j, f, "course.dw", 4, 4);
    if (!dw)
        return;
    (void)(rank_is(j, eye, 5, 5, LOWRANK_RTOL, 5, "the identity I5") &&
        rank_is(j, zero, 3, 4, LOWRANK_RTOL, 0, "the 3 x 4 zero matrix") &&
        rank_is(j, dw, 4, 4, LOWRANK_RTOL, 2, "the course's Delta W = B A with r = 2"));
}

TEST("lab01.1", 4, "tall, wide and full-rank matrices have their known rank",
     "Tall (rows > cols), wide and full-rank inputs: the elimination must work for every shape; rank <= min(rows, cols).")
{
    static const size_t cases[][3] = {{30, 12, 5}, {12, 30, 7}, {25, 25, 25}, {40, 9, 9}, {9, 40, 1}};
    for (size_t i = 0; i < 5 && !judge_failed(j); i++) {
        double *m = rank_k(j, cases[i][0], cases[i][1], cases[i][2]);
        rank_is(j, m, cases[i][0], cases[i][1], LOWRANK_RTOL, (long long)cases[i][2],
                "a random product (rows, k) (k, cols)");
        free(m);
    }
}

TEST("lab01.1", 4, "zero diagonals need the row swap (partial pivoting)",
     "Matrices with zeros on the diagonal: each pivot is the largest |entry| of its column among the unused rows.")
{
    /* A cyclic shift: every diagonal entry is 0, the rank is full. */
    double p[49] = {0};
    for (int i = 0; i < 7; i++)
        p[i * 7 + (i + 1) % 7] = 1.0 + (double)i;
    double swap[4] = {0, 1, 1, 0};
    /* Zero leading block: rows 0-1 start with zeros, the pivot is below. */
    double z[12] = {0, 0, 1, 2, 0, 0, 3, 1, 4, 5, 6, 7};
    /* The same with row 1 = 2 row 0: rank 2, below min(rows, cols). */
    double zd[12] = {0, 0, 1, 2, 0, 0, 2, 4, 4, 5, 6, 7};
    /* A tiny entry below the largest one: a search that does not keep the
     * largest |entry| takes 1e-12 (below rtol), skips the column, and loses
     * a rank. */
    double tiny[6] = {0, 1, 1, 0, 1e-12, 0};
    (void)(rank_is(j, swap, 2, 2, LOWRANK_RTOL, 2, "[[0, 1], [1, 0]]") &&
        rank_is(j, tiny, 3, 2, LOWRANK_RTOL, 2, "[[0, 1], [1, 0], [1e-12, 0]]") &&
        rank_is(j, p, 7, 7, LOWRANK_RTOL, 7, "a 7 x 7 cyclic shift (zero diagonal)") &&
        rank_is(j, z, 3, 4, LOWRANK_RTOL, 3, "[[0,0,1,2],[0,0,3,1],[4,5,6,7]]") &&
        rank_is(j, zd, 3, 4, LOWRANK_RTOL, 2, "[[0,0,1,2],[0,0,2,4],[4,5,6,7]]"));
}

TEST("lab01.1", 4, "noise below rtol is ignored, noise above it is not",
     "Noise just below and just above the threshold: a pivot counts only when |pivot| > rtol * max|m| (LOWRANK_RTOL = 1e-10).")
{
    const size_t rows = 20, cols = 15;
    double *m = rank_k(j, rows, cols, 3), *noise = rand_mat(j, rows, cols);
    double *small = mat_dup(m, rows, cols), *big = mat_dup(m, rows, cols);
    for (size_t i = 0; i < rows * cols; i++) {
        small[i] += 1e-14 * noise[i];
        big[i] += 1e-6 * noise[i];
    }
    (void)(rank_is(j, small, rows, cols, LOWRANK_RTOL, 3, "rank 3 plus noise of size 1e-14 (below rtol)") &&
        rank_is(j, big, rows, cols, LOWRANK_RTOL, 15, "rank 3 plus noise of size 1e-6 (above rtol)"));
    free(m), free(noise), free(small), free(big);
}

TEST("lab01.1", 3, "the tolerance is relative: scaling m keeps its rank",
     "The same matrix scaled up and down must keep its rank: the threshold is rtol times the largest |entry| of the input.")
{
    const size_t rows = 18, cols = 24;
    double *m = rank_k(j, rows, cols, 6);
    double *up = mat_dup(m, rows, cols), *down = mat_dup(m, rows, cols);
    const double dg[9] = {1e8, 0, 0, 0, 3e7, 0, 0, 0, 1e5};
    for (size_t i = 0; i < rows * cols; i++) {
        up[i] *= 1e8;
        down[i] *= 1e-8;
    }
    (void)(rank_is(j, up, rows, cols, LOWRANK_RTOL, 6, "a rank-6 matrix times 1e8") &&
        rank_is(j, down, rows, cols, LOWRANK_RTOL, 6, "a rank-6 matrix times 1e-8") &&
        rank_is(j, dg, 3, 3, 0.5, 1, "diag(1e8, 3e7, 1e5) at rtol 0.5") &&
        rank_is(j, dg, 3, 3, 0.1, 2, "diag(1e8, 3e7, 1e5) at rtol 0.1"));
    free(m), free(up), free(down);
}

/* ---- lab01.2: the product B A ---- */

static call_t *student_product(judge_t *j, const double *b, const double *a, size_t d, size_t r,
                               size_t k)
{
    return call_described(j, "lowrank_product",
                          (fn_value_t[]){{.in = b}, {.in = a}, {.z = d}, {.z = r}, {.z = k}, {0}});
}

TEST("lab01.2", 3, "the course's B A is Delta W (with the erratum corrected)",
     "m[i][j] = sum_t b[i*r + t] * a[t*k + j]: B is (d, r), A is (r, k).")
{
    const kit_file_t *f = judge_data(j, DATA);
    const double *b = judge_tensor(j, f, "course.b", 4, 2), *a = judge_tensor(j, f, "course.a", 2, 4),
                 *dw = judge_tensor(j, f, "course.dw", 4, 4);
    if (!b || !a || !dw)
        return;
    call_t *c = student_product(j, b, a, 4, 2, 4);
    if (call_run(c) && expect_return(j, c, LAB_OK))
        expect_close(j, "B A", call_output(c, "m"), dw, 4, 4, TOL);
    call_free(c);
}

TEST("lab01.2", 3, "random tall, wide and rank-1 products match the reference",
     "m = B A on tall, wide and rank-1 shapes: m[i][j] = sum_t b[i*r + t] * a[t*k + j], B (d, r), A (r, k).")
{
    static const size_t cases[][3] = {{37, 5, 19}, {8, 3, 61}, {50, 1, 50}, {12, 12, 12}};
    for (size_t i = 0; i < 4 && !judge_failed(j); i++) {
        size_t d = cases[i][0], r = cases[i][1], k = cases[i][2];
        double *b = rand_mat(j, d, r), *a = rand_mat(j, r, k), *want = mat_alloc(d, k);
        lowrank_product(b, a, d, r, k, want);
        call_t *c = student_product(j, b, a, d, r, k);
        if (!(call_run(c) && expect_return(j, c, LAB_OK) && expect_inputs_unchanged(j, c) &&
              expect_close(j, "B A", call_output(c, "m"), want, d, k, TOL)))
            judge_fail(j, "(d = %zu, r = %zu, k = %zu)", d, r, k);
        call_free(c);
        free(b), free(a), free(want);
    }
}

/* ---- lab01.3: storage ---- */

static call_t *student_storage(judge_t *j, size_t d, size_t k, size_t r)
{
    return call_described(j, "lowrank_storage", (fn_value_t[]){{.z = d}, {.z = k}, {.z = r}, {0}});
}

static int storage_is(judge_t *j, size_t d, size_t k, size_t r, const double want[4])
{
    call_t *c = student_storage(j, d, k, r);
    int ok = call_run(c) && expect_return(j, c, LAB_OK) &&
             expect_close(j, "[d k, r (d + k), ratio, percent]", call_output(c, "out"), want, 1, 4, TOL);
    return call_end(j, c, ok, "(d = %zu, k = %zu, r = %zu)", d, k, r);
}

TEST("lab01.3", 4, "course numbers: 12,288 at r = 4 is 1,536; 100x200; BERT",
     "out = [d k, r (d + k), d k / (r (d + k)), 100 r (d + k) / (d k)], all as doubles.")
{
    /* 003: GPT-3 12,288 x 12,288 at r = 4 -> 1,536; the exercises: 100 x 200
     * at rank 3; BERT-base 768 x 768 at r = 4 and r = 1. */
    const double gpt3[4] = {150994944, 98304, 1536, 100.0 / 1536};
    const double ex[4] = {20000, 900, 20000.0 / 900, 4.5};
    const double bert4[4] = {589824, 6144, 96, 100.0 / 96};
    const double bert1[4] = {589824, 1536, 384, 100.0 / 384};
    (void)(storage_is(j, 12288, 12288, 4, gpt3) && storage_is(j, 100, 200, 3, ex) &&
        storage_is(j, 768, 768, 4, bert4) && storage_is(j, 768, 768, 1, bert1));
}

TEST("lab01.3", 3, "non-square layers use d k / (r (d + k))",
     "Non-square layers (d != k), one with d k above 2^31: out = [d k, r (d + k), d k / (r (d + k)), 100 r (d + k) / (d k)] computed in double.")
{
    rng_t *g = judge_rng(j);
    for (int i = 0; i < 4 && !judge_failed(j); i++) {
        size_t d = 1 + (size_t)rng_below(g, 5000), k = 1 + (size_t)rng_below(g, 5000),
               r = 1 + (size_t)rng_below(g, 64);
        if (d == k)
            k++;
        double want[4];
        lowrank_storage(d, k, r, want);
        storage_is(j, d, k, r, want);
    }
    /* A layer of 70,000 x 50,000: d k = 3.5e9 passes a 32-bit int. */
    const double big[4] = {3.5e9, 16 * 120000.0, 3.5e9 / (16 * 120000.0), 100.0 * 16 * 120000.0 / 3.5e9};
    if (!judge_failed(j))
        storage_is(j, 70000, 50000, 16, big);
}

/* ---- lab01.4: the SVD ---- */

typedef struct {
    size_t rows, cols, p;
    double *u, *s, *v; /* copies of the student's outputs */
} svd_t;

/* Run the student's SVD on m; on success fill *out (free with svd_free). */
static int student_svd(judge_t *j, const double *m, size_t rows, size_t cols, svd_t *out,
                       int check_inputs)
{
    const size_t p = min_sz(rows, cols);
    call_t *c = call_described(j, "lowrank_svd",
                               (fn_value_t[]){{.in = m}, {.z = rows}, {.z = cols}, {0}, {0}, {0}});
    int ok = call_run(c) && expect_return(j, c, LAB_OK) && (!check_inputs || expect_inputs_unchanged(j, c));
    if (ok) {
        *out = (svd_t){rows, cols, p, mat_dup(call_output(c, "u"), rows, p),
                       mat_dup(call_output(c, "s"), 1, p), mat_dup(call_output(c, "v"), cols, p)};
    }
    call_free(c);
    return ok;
}

static void svd_free(svd_t *x) { free(x->u), free(x->s), free(x->v); }

/* U diag(s) V^T equals m. */
static int svd_reconstructs(judge_t *j, const svd_t *x, const double *m)
{
    double *r = mat_alloc(x->rows, x->cols);
    for (size_t i = 0; i < x->rows; i++)
        for (size_t c = 0; c < x->cols; c++) {
            double acc = 0.0;
            for (size_t t = 0; t < x->p; t++)
                acc += x->u[i * x->p + t] * x->s[t] * x->v[c * x->p + t];
            r[i * x->cols + c] = acc;
        }
    int ok = expect_close(j, "U diag(s) V^T", r, m, x->rows, x->cols, TOL);
    free(r);
    return ok;
}

/* The columns of q (n, p) are orthonormal: q^T q = I. */
static int orthonormal(judge_t *j, const char *what, const double *q, size_t n, size_t p)
{
    double *qt = mat_alloc(p, n), *g = mat_alloc(p, p), *eye = mat_alloc(p, p);
    mat_transpose(q, qt, n, p);
    mat_matmul(qt, q, g, p, n, p);
    for (size_t i = 0; i < p; i++)
        eye[i * p + i] = 1.0;
    int ok = expect_close(j, what, g, eye, p, p, TOL);
    free(qt), free(g), free(eye);
    return ok;
}

/* The reference's singular values of m (p values). */
static double *ref_s(const double *m, size_t rows, size_t cols)
{
    size_t p = min_sz(rows, cols);
    double *u = mat_alloc(rows, p), *s = mat_alloc(1, p), *v = mat_alloc(cols, p);
    lowrank_svd(m, rows, cols, u, s, v);
    free(u), free(v);
    return s;
}

static const size_t svd_shapes[][3] = {{30, 12, 12}, {12, 30, 12}, {24, 24, 24}, {40, 25, 4}, {17, 33, 3}};

TEST("lab01.4", 5, "singular values match the reference (any shape, low rank)",
     "s[j] is the norm of column j after the Jacobi sweeps have made all columns orthogonal.")
{
    for (size_t i = 0; i < 5 && !judge_failed(j); i++) {
        size_t rows = svd_shapes[i][0], cols = svd_shapes[i][1];
        double *m = rank_k(j, rows, cols, svd_shapes[i][2]), *want = ref_s(m, rows, cols);
        svd_t x;
        if (student_svd(j, m, rows, cols, &x, 0)) {
            /* Tolerance relative to the largest singular value. */
            double scale = fmax(1.0, want[0]);
            for (size_t t = 0; t < x.p; t++)
                x.s[t] /= scale, want[t] /= scale;
            if (!expect_close(j, "s / max(1, s[0])", x.s, want, 1, x.p, TOL))
                judge_fail(j, "(a %zu x %zu matrix of rank %zu)", rows, cols, svd_shapes[i][2]);
            svd_free(&x);
        }
        free(m), free(want);
    }
    /* Known values: orthogonal columns of equal norm (nothing to rotate; the
     * rotation's formula would divide 0 by 0) and a shear whose first column
     * has norm 1 (s = the golden ratio and its inverse). */
    static const double had[4] = {1, 1, 1, -1}, shear[4] = {1, 1, 0, 1};
    const double gold = (1.0 + sqrt(5.0)) / 2.0;
    const double s_had[2] = {sqrt(2.0), sqrt(2.0)}, s_shear[2] = {gold, 1.0 / gold};
    const double *ms[2] = {had, shear}, *ws[2] = {s_had, s_shear};
    const char *names[2] = {"[[1, 1], [1, -1]]", "[[1, 1], [0, 1]]"};
    for (int i = 0; i < 2 && !judge_failed(j); i++) {
        svd_t x;
        if (student_svd(j, ms[i], 2, 2, &x, 0)) {
            if (!expect_close(j, "s", x.s, ws[i], 1, 2, TOL))
                judge_fail(j, "(m = %s)", names[i]);
            svd_free(&x);
        }
    }
}

TEST("lab01.4", 5, "U diag(s) V^T reconstructs the matrix",
     "U diag(s) V^T must equal m for tall and wide m: V holds every rotation applied, u_j = (column j) / s[j].")
{
    for (size_t i = 0; i < 5 && !judge_failed(j); i++) {
        size_t rows = svd_shapes[i][0], cols = svd_shapes[i][1];
        double *m = i < 3 ? rand_mat(j, rows, cols) : rank_k(j, rows, cols, svd_shapes[i][2]);
        svd_t x;
        if (student_svd(j, m, rows, cols, &x, 0)) {
            if (!svd_reconstructs(j, &x, m))
                judge_fail(j, "(a %zu x %zu matrix)", rows, cols);
            svd_free(&x);
        }
        free(m);
    }
}

TEST("lab01.4", 5, "U and V have orthonormal columns, even at low rank",
     "U^T U and V^T V must be the identity, also at low rank: U's columns where s[j] is (nearly) 0 must be completed too.")
{
    /* The reference's shapes, then square rank-deficient ones: U must be
     * completed from e_0 on ([[0, 0], [0, 1]] needs e_0 itself). */
    static const size_t extra[][3] = {{5, 5, 2}, {2, 2, 1}};
    for (size_t i = 0; i < 7 && !judge_failed(j); i++) {
        const size_t *shape = i < 5 ? svd_shapes[i] : extra[i - 5];
        size_t rows = shape[0], cols = shape[1], k = shape[2];
        double *m = rank_k(j, rows, cols, k);
        if (i == 6)
            m[0] = m[1] = m[2] = 0.0, m[3] = 1.0;
        svd_t x;
        if (student_svd(j, m, rows, cols, &x, 0)) {
            if (!(orthonormal(j, "U^T U", x.u, rows, x.p) && orthonormal(j, "V^T V", x.v, cols, x.p)))
                judge_fail(j, "(a %zu x %zu matrix of rank %zu)", rows, cols, k);
            svd_free(&x);
        }
        free(m);
    }
}

TEST("lab01.4", 3, "singular values are nonnegative and sorted descending",
     "Every s[j] must be >= 0 and s sorted largest first, each u_j and v_j moving with its s[j].")
{
    /* diag(-1, 2, -3, 4, 0.5) padded to 7 x 5: s = [4, 3, 2, 1, 0.5]. */
    double m[35] = {0}, want[5] = {4, 3, 2, 1, 0.5};
    const double d[5] = {-1, 2, -3, 4, 0.5};
    for (int i = 0; i < 5; i++)
        m[i * 5 + i] = d[i];
    svd_t x;
    if (student_svd(j, m, 7, 5, &x, 0)) {
        if (expect_close(j, "s", x.s, want, 1, 5, TOL))
            svd_reconstructs(j, &x, m);
        svd_free(&x);
    }
    double *r = rand_mat(j, 20, 14);
    if (!judge_failed(j) && student_svd(j, r, 20, 14, &x, 0)) {
        for (size_t t = 0; t < x.p; t++)
            if (!(x.s[t] >= 0.0) || (t && !(x.s[t] <= x.s[t - 1]))) {
                judge_fail(j, "s[%zu] = %.17g after s[%zu] = %.17g: s must be >= 0 and descending", t,
                           x.s[t], t ? t - 1 : 0, t ? x.s[t - 1] : 0.0);
                break;
            }
        svd_free(&x);
    }
    free(r);
}

TEST("lab01.4", 2, "a single row, a single column and the zero matrix",
     "p = min(rows, cols) may be 1; a zero matrix has s = 0 and still orthonormal U and V.")
{
    static const size_t shapes[][2] = {{1, 9}, {9, 1}, {6, 4}};
    for (size_t i = 0; i < 3 && !judge_failed(j); i++) {
        size_t rows = shapes[i][0], cols = shapes[i][1];
        double *m = i < 2 ? rand_mat(j, rows, cols) : mat_alloc(rows, cols); /* last: zero */
        svd_t x;
        if (student_svd(j, m, rows, cols, &x, 0)) {
            if (!(svd_reconstructs(j, &x, m) && orthonormal(j, "U^T U", x.u, rows, x.p) &&
                  orthonormal(j, "V^T V", x.v, cols, x.p)))
                judge_fail(j, "(%s, %zu x %zu)", i < 2 ? "a single row or column" : "the zero matrix",
                           rows, cols);
            svd_free(&x);
        }
        free(m);
    }
}

/* ---- lab01.5: best rank-r approximation ---- */

static call_t *student_best(judge_t *j, const double *m, size_t rows, size_t cols, size_t r)
{
    return call_described(j, "lowrank_best_approx",
                          (fn_value_t[]){{.in = m}, {.z = rows}, {.z = cols}, {.z = r}, {0}});
}

static int best_is(judge_t *j, const double *m, size_t rows, size_t cols, size_t r,
                   const double *want, int check_inputs)
{
    call_t *c = student_best(j, m, rows, cols, r);
    int ok = call_run(c) && expect_return(j, c, LAB_OK) && (!check_inputs || expect_inputs_unchanged(j, c)) &&
             expect_close(j, "best rank-r approximation", call_output(c, "out"), want, rows, cols, TOL);
    return call_end(j, c, ok, "(%zu x %zu, r = %zu)", rows, cols, r);
}

TEST("lab01.5", 2, "diag(3, 2, 1) at r = 2 keeps 3 and 2",
     "out = sum over t < r of s[t] u_t v_t^T with s sorted largest first: here 3 e1 e1^T + 2 e2 e2^T.")
{
    double m[9] = {3, 0, 0, 0, 2, 0, 0, 0, 1}, want[9] = {3, 0, 0, 0, 2, 0, 0, 0, 0};
    double m2[9] = {0, 0, 0, 0, -5, 0, 0, 0, 1}, want2[9] = {0, 0, 0, 0, -5, 0, 0, 0, 0};
    (void)(best_is(j, m, 3, 3, 2, want, 0) && best_is(j, m2, 3, 3, 1, want2, 0));
}

TEST("lab01.5", 2, "random matrices match the reference at random r",
     "out = sum over t < r of s[t] u_t v_t^T.")
{
    static const size_t shapes[][2] = {{22, 14}, {14, 22}, {16, 16}};
    rng_t *g = judge_rng(j);
    for (size_t i = 0; i < 3 && !judge_failed(j); i++) {
        size_t rows = shapes[i][0], cols = shapes[i][1], p = min_sz(rows, cols);
        size_t r = 1 + (size_t)rng_below(g, p - 1); /* 1 .. p - 1 */
        double *m = rand_mat(j, rows, cols), *want = mat_alloc(rows, cols);
        lowrank_best_approx(m, rows, cols, r, want);
        best_is(j, m, rows, cols, r, want, 0);
        if (!judge_failed(j)) {
            lowrank_best_approx(m, rows, cols, 1, want);
            best_is(j, m, rows, cols, 1, want, 0);
        }
        free(m), free(want);
    }
}

TEST("lab01.5", 1, "full r gives the matrix back unchanged; r = 3 matches too",
     "All p terms rebuild m; r = 3 keeps only the three largest singular values.")
{
    double *m = rand_mat(j, 13, 9), *want = mat_alloc(13, 9);
    lowrank_best_approx(m, 13, 9, 3, want);
    (void)(best_is(j, m, 13, 9, 9, m, 1) && best_is(j, m, 13, 9, 3, want, 1));
    free(m), free(want);
}

/* ---- lab01.6: the Eckart-Young error ---- */

static int student_error(judge_t *j, const double *m, size_t rows, size_t cols, size_t r,
                         double *err)
{
    call_t *c = call_described(j, "lowrank_truncation_error",
                               (fn_value_t[]){{.in = m}, {.z = rows}, {.z = cols}, {.z = r}, {0}});
    int ok = call_run(c) && expect_return(j, c, LAB_OK) && expect_inputs_unchanged(j, c);
    if (ok)
        *err = call_output(c, "err")[0];
    call_free(c);
    return ok;
}

TEST("lab01.6", 2, "the Eckart-Young error equals the measured ||M - M_r||_F",
     "err = sqrt(sum of s[t]^2 for t >= r): the singular values the rank-r approximation discards.")
{
    static const size_t shapes[][3] = {{20, 12, 3}, {12, 20, 7}, {15, 15, 1}};
    for (size_t i = 0; i < 3 && !judge_failed(j); i++) {
        size_t rows = shapes[i][0], cols = shapes[i][1], r = shapes[i][2];
        double *m = rand_mat(j, rows, cols), *approx = mat_alloc(rows, cols), err;
        /* The measured error of the best approximation (the student's own). */
        call_t *c = student_best(j, m, rows, cols, r);
        if (call_run(c) && expect_return(j, c, LAB_OK) && student_error(j, m, rows, cols, r, &err)) {
            const double *got = call_output(c, "out");
            double sum = 0.0;
            for (size_t t = 0; t < rows * cols; t++)
                sum += (m[t] - got[t]) * (m[t] - got[t]);
            double measured = sqrt(sum), want;
            lowrank_truncation_error(m, rows, cols, r, &want);
            if (!(expect_close(j, "Eckart-Young error", &err, &want, 1, 1, TOL) &&
                  expect_close(j, "Eckart-Young error vs measured ||M - M_r||_F", &err, &measured, 1, 1, TOL)))
                judge_fail(j, "(%zu x %zu, r = %zu)", rows, cols, r);
        }
        call_free(c);
        free(m), free(approx);
    }
}

TEST("lab01.6", 2, "r = 0 gives ||M||_F; full r and an exact low rank give 0",
     "err = sqrt(sum of s[t]^2 for t >= r): r = 0 gives ||M||_F, r = min(rows, cols) or an exact rank-r M gives 0.")
{
    double *m = rand_mat(j, 10, 7), *low = rank_k(j, 12, 9, 4), err, zero = 0.0, fro = 0.0;
    for (size_t t = 0; t < 70; t++)
        fro += m[t] * m[t];
    fro = sqrt(fro);
    if (student_error(j, m, 10, 7, 0, &err) && expect_close(j, "error at r = 0 (||M||_F)", &err, &fro, 1, 1, TOL) &&
        student_error(j, m, 10, 7, 7, &err) && expect_close(j, "error at r = min(rows, cols)", &err, &zero, 1, 1, TOL) &&
        student_error(j, low, 12, 9, 4, &err))
        expect_close(j, "error of a rank-4 matrix at r = 4", &err, &zero, 1, 1, TOL);
    free(m), free(low);
}

TEST("lab01.6", 1, "rows = 0 or cols = 0 is rejected also at r = 0",
     "A valid call first must match the reference; then rows = 0 or cols = 0 with r = 0 must return LAB_EARG and write nothing: rows and cols must be >= 1 whatever r is.")
{
    static const size_t shapes[][2] = {{0, 4}, {5, 0}, {0, 0}};
    double m[1] = {0}, *valid = rand_mat(j, 5, 4), err, want;
    /* A valid call first: the points need a working function. */
    lowrank_truncation_error(valid, 5, 4, 0, &want);
    if (student_error(j, valid, 5, 4, 0, &err))
        expect_close(j, "error at r = 0 (||M||_F)", &err, &want, 1, 1, TOL);
    free(valid);
    for (size_t i = 0; i < 3 && !judge_failed(j); i++) {
        call_t *c = call_new(j, "lowrank_truncation_error");
        call_in(c, "m", m, 0);
        call_size(c, "rows", shapes[i][0]);
        call_size(c, "cols", shapes[i][1]);
        call_size(c, "r", 0);
        call_out(c, "err", 1);
        if (!(call_run(c) && expect_return(j, c, LAB_EARG) && expect_untouched(j, c, "err")))
            judge_fail(j, "(rows = %zu, cols = %zu, r = 0)", shapes[i][0], shapes[i][1]);
        call_free(c);
    }
}

/* ---- lab01.7: subspace similarity ---- */

static call_t *student_similarity(judge_t *j, const double *m1, size_t cols1, const double *m2,
                                  size_t cols2, size_t rows, size_t i, size_t k)
{
    return call_described(j, "lowrank_subspace_similarity",
                          (fn_value_t[]){{.in = m1}, {.z = cols1}, {.in = m2}, {.z = cols2}, {.z = rows},
                                         {.z = i}, {.z = k}, {0}});
}

static int similarity_is(judge_t *j, const double *m1, size_t cols1, const double *m2, size_t cols2,
                         size_t rows, size_t i, size_t k, double want)
{
    call_t *c = student_similarity(j, m1, cols1, m2, cols2, rows, i, k);
    int ok = call_run(c) && expect_return(j, c, LAB_OK) && expect_inputs_unchanged(j, c) &&
             expect_close(j, "phi", call_output(c, "phi"), &want, 1, 1, TOL);
    return call_end(j, c, ok, "(rows = %zu, cols1 = %zu, cols2 = %zu, i = %zu, j = %zu)", rows, cols1, cols2, i, k);
}

TEST("lab01.7", 3, "a matrix against itself gives 1, orthogonal ranges 0",
     "phi = ||U1_i^T U2_j||_F^2 / min(i, j), with the first i and j columns of each U.")
{
    double *m = rand_mat(j, 12, 8);
    double e0[9] = {1, 0, 0, 0, 0, 0, 0, 0, 0}, e1[9] = {0, 0, 0, 0, 2, 0, 0, 0, 0};
    (void)(similarity_is(j, m, 8, m, 8, 12, 3, 5, 1.0) && similarity_is(j, m, 8, m, 8, 12, 8, 2, 1.0) &&
        similarity_is(j, e0, 3, e1, 3, 3, 1, 1, 0.0));
    free(m);
}

TEST("lab01.7", 2, "two adapters sharing a direction match the reference",
     "phi uses the LEFT singular vectors (length rows) of each matrix: the top i of the first, the top j of the second.")
{
    /* Two "adapters" of ranks 8 and 16 that share one strong direction, the
     * situation the paper measures. */
    const size_t rows = 30;
    double *m1 = rand_mat(j, rows, 8), *m2 = rand_mat(j, rows, 16), *dir = rand_mat(j, rows, 1);
    for (size_t i = 0; i < rows; i++) {
        for (size_t c = 0; c < 8; c++)
            m1[i * 8 + c] += 5.0 * dir[i];
        for (size_t c = 0; c < 16; c++)
            m2[i * 16 + c] += 5.0 * dir[i];
    }
    static const size_t ij[][2] = {{1, 1}, {1, 16}, {8, 16}, {4, 2}};
    for (size_t t = 0; t < 4 && !judge_failed(j); t++) {
        double want;
        lowrank_subspace_similarity(m1, 8, m2, 16, rows, ij[t][0], ij[t][1], &want);
        similarity_is(j, m1, 8, m2, 16, rows, ij[t][0], ij[t][1], want);
    }
    free(m1), free(m2), free(dir);
}

JUDGE_LAB_MAIN("01", "rank and low-rank factorization", "01-rank-factorization", "lowrank.h",
               "lowrank.c")
