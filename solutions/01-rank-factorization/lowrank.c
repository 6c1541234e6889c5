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

/* BEGIN SOLUTION */
/*
 * The reference's SVD works on vectors stored contiguously: g holds p
 * vectors of length len (the columns of m, or of m^T when m is wide), and vt
 * holds p vectors of length p (the columns of V).  One-sided Jacobi rotates
 * pairs of g's vectors until all are mutually orthogonal; the same rotations
 * applied to vt (starting from I) give V.
 */
static double dot(const double *x, const double *y, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += x[i] * y[i];
    return s;
}

static void rotate(double *x, double *y, size_t n, double c, double s)
{
    for (size_t i = 0; i < n; i++) {
        double xi = x[i], yi = y[i];
        x[i] = c * xi - s * yi;
        y[i] = s * xi + c * yi;
    }
}

/* Jacobi sweeps on g (p vectors of length len); vt (p x p) accumulates V.
 * nrm (p) caches the squared norms, refreshed exactly at each sweep. */
static void jacobi(double *g, double *vt, double *nrm, size_t p, size_t len)
{
    const double tol = 1e-15;
    for (size_t i = 0; i < p; i++)
        for (size_t k = 0; k < p; k++)
            vt[i * p + k] = i == k ? 1.0 : 0.0;
    for (int sweep = 0; sweep < 80; sweep++) {
        int rotated = 0;
        for (size_t i = 0; i < p; i++)
            nrm[i] = dot(g + i * len, g + i * len, len);
        for (size_t i = 0; i + 1 < p; i++) {
            double *gi = g + i * len;
            for (size_t k = i + 1; k < p; k++) {
                double *gk = g + k * len;
                const double alpha = nrm[i], beta = nrm[k];
                const double gamma = dot(gi, gk, len);
                if (alpha == 0.0 || beta == 0.0 || fabs(gamma) <= tol * sqrt(alpha * beta))
                    continue;
                rotated = 1;
                /* The rotation that zeroes gamma (Rutishauser's formulas). */
                double zeta = (beta - alpha) / (2.0 * gamma);
                double t = (zeta >= 0 ? 1.0 : -1.0) / (fabs(zeta) + sqrt(1.0 + zeta * zeta));
                double c = 1.0 / sqrt(1.0 + t * t), s = c * t;
                rotate(gi, gk, len, c, s);
                rotate(vt + i * p, vt + k * p, p, c, s);
                nrm[i] = alpha - t * gamma;
                nrm[k] = beta + t * gamma;
            }
        }
        if (!rotated)
            break;
    }
}

/*
 * SVD of the matrix whose p columns are g's vectors (length len): on return
 * s (p) descending, left (len, p) orthonormal columns, right (p, p).
 * left[a * p + j] and right[b * p + j] are row-major (len, p) and (p, p).
 * Scratch: vt (p, p), norm (p), order (p).
 */
static void svd_core(double *g, size_t p, size_t len, double *left, double *s, double *right,
                     double *vt, double *norm, size_t *order)
{
    jacobi(g, vt, norm, p, len);
    for (size_t j = 0; j < p; j++) {
        norm[j] = sqrt(dot(g + j * len, g + j * len, len));
        order[j] = j;
    }
    /* Sort indices by norm, descending (insertion sort: p is small). */
    for (size_t j = 1; j < p; j++) {
        size_t o = order[j];
        size_t q = j;
        while (q > 0 && norm[order[q - 1]] < norm[o]) {
            order[q] = order[q - 1];
            q--;
        }
        order[q] = o;
    }
    const double s_max = norm[order[0]];
    const double negligible = s_max * (double)len * DBL_EPSILON;
    for (size_t j = 0; j < p; j++) {
        size_t o = order[j];
        s[j] = norm[o];
        for (size_t b = 0; b < p; b++)
            right[b * p + j] = vt[o * p + b];
        if (s[j] > negligible) {
            for (size_t a = 0; a < len; a++)
                left[a * p + j] = g[o * len + a] / s[j];
            continue;
        }
        /* Negligible singular value: complete U with a unit vector
         * orthogonal to the columns before it (Gram-Schmidt on e_0, e_1...). */
        for (size_t e = 0; e < len; e++) {
            for (size_t a = 0; a < len; a++)
                left[a * p + j] = a == e ? 1.0 : 0.0;
            for (int twice = 0; twice < 2; twice++)
                for (size_t q = 0; q < j; q++) {
                    double c = 0.0;
                    for (size_t a = 0; a < len; a++)
                        c += left[a * p + q] * left[a * p + j];
                    for (size_t a = 0; a < len; a++)
                        left[a * p + j] -= c * left[a * p + q];
                }
            double nn = 0.0;
            for (size_t a = 0; a < len; a++)
                nn += left[a * p + j] * left[a * p + j];
            if (nn > 0.25) {
                nn = sqrt(nn);
                for (size_t a = 0; a < len; a++)
                    left[a * p + j] /= nn;
                break;
            }
        }
    }
}

/* The full SVD of m (rows, cols) with the shapes of lowrank.h. */
static int svd_any(const double *m, size_t rows, size_t cols, double *u, double *s, double *v)
{
    const int wide = rows < cols;
    const size_t p = wide ? rows : cols, len = wide ? cols : rows;
    /* One block: g (p, len), then svd_core's scratch. */
    double *g = malloc((p * len + p * p + p) * sizeof *g + p * sizeof(size_t));
    if (!g)
        return -1;
    double *vt = g + p * len, *norm = vt + p * p;
    size_t *order = (size_t *)(norm + p);
    /* Vector j of g: column j of m, or row j of m when m is wide. */
    for (size_t j = 0; j < p; j++)
        for (size_t a = 0; a < len; a++)
            g[j * len + a] = wide ? m[j * cols + a] : m[a * cols + j];
    if (wide)
        svd_core(g, p, len, v, s, u, vt, norm, order);
    else
        svd_core(g, p, len, u, s, v, vt, norm, order);
    free(g);
    return 0;
}

static int all_finite(const double *m, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(m[i]))
            return 0;
    return 1;
}
/* END SOLUTION */

/* lab01.1 - the rank of m (rows, cols), elimination with partial pivoting. */
long long lowrank_rank(const double *m, size_t rows, size_t cols, double rtol)
{
    /* BEGIN SOLUTION lab01.1 */
    LAB_REQUIRE(m, "m is NULL");
    LAB_REQUIRE(rows > 0 && cols > 0, "rows and cols must be >= 1 (got %zu, %zu)", rows, cols);
    LAB_REQUIRE(rtol >= 0.0 && rtol < 1.0, "rtol must be in [0, 1) (got %g)", rtol);
    LAB_REQUIRE(all_finite(m, rows * cols), "m holds NaN or Inf: its rank is undefined");
    double *w = mat_dup(m, rows, cols);
    LAB_REQUIRE(w, "out of memory for a %zu x %zu work copy", rows, cols);
    double scale = 0.0;
    for (size_t i = 0; i < rows * cols; i++)
        scale = fmax(scale, fabs(w[i]));
    const double thresh = rtol * scale;
    long long rank = 0;
    size_t row = 0;
    for (size_t c = 0; c < cols && row < rows && scale > 0.0; c++) {
        size_t piv = row;
        for (size_t i = row + 1; i < rows; i++)
            if (fabs(w[i * cols + c]) > fabs(w[piv * cols + c]))
                piv = i;
        if (fabs(w[piv * cols + c]) <= thresh)
            continue;
        if (piv != row)
            for (size_t j = c; j < cols; j++) {
                double t = w[row * cols + j];
                w[row * cols + j] = w[piv * cols + j];
                w[piv * cols + j] = t;
            }
        for (size_t i = row + 1; i < rows; i++) {
            double f = w[i * cols + c] / w[row * cols + c];
            w[i * cols + c] = 0.0;
            for (size_t j = c + 1; j < cols; j++)
                w[i * cols + j] -= f * w[row * cols + j];
        }
        row++;
        rank++;
    }
    free(w);
    return rank;
    /* END SOLUTION lab_todo("lab01.1", "lowrank_rank", m, rows, cols, rtol); */
}

/* lab01.2 - m (d, k) = B A with b (d, r) and a (r, k). */
int lowrank_product(const double *b, const double *a, size_t d, size_t r, size_t k,
                    double *m)
{
    /* BEGIN SOLUTION lab01.2 */
    LAB_REQUIRE(b && a && m, "a pointer argument is NULL");
    LAB_REQUIRE(d > 0 && r > 0 && k > 0, "d, r and k must be >= 1 (got %zu, %zu, %zu)", d, r, k);
    mat_matmul(b, a, m, d, r, k);
    return LAB_OK;
    /* END SOLUTION lab_todo("lab01.2", "lowrank_product", b, a, d, r, k, m); */
}

/* lab01.3 - full and factored entry counts, compression ratio, percent. */
int lowrank_storage(size_t d, size_t k, size_t r, double *out)
{
    /* BEGIN SOLUTION lab01.3 */
    LAB_REQUIRE(out, "out is NULL");
    LAB_REQUIRE(d > 0 && k > 0 && r > 0, "d, k and r must be >= 1 (got %zu, %zu, %zu)", d, k, r);
    const double full = (double)d * (double)k, factored = (double)r * ((double)d + (double)k);
    out[0] = full;
    out[1] = factored;
    out[2] = full / factored;
    out[3] = 100.0 * factored / full;
    return LAB_OK;
    /* END SOLUTION lab_todo("lab01.3", "lowrank_storage", d, k, r, out); */
}

/* lab01.4 - thin SVD by one-sided Jacobi: m = U diag(s) V^T. */
int lowrank_svd(const double *m, size_t rows, size_t cols, double *u, double *s,
                double *v)
{
    /* BEGIN SOLUTION lab01.4 */
    LAB_REQUIRE(m && u && s && v, "a pointer argument is NULL");
    LAB_REQUIRE(rows > 0 && cols > 0, "rows and cols must be >= 1 (got %zu, %zu)", rows, cols);
    LAB_REQUIRE(svd_any(m, rows, cols, u, s, v) == 0, "out of memory for a %zu x %zu SVD", rows, cols);
    return LAB_OK;
    /* END SOLUTION lab_todo("lab01.4", "lowrank_svd", m, rows, cols, u, s, v); */
}

/* lab01.5 - out (rows, cols) = the best rank-r approximation of m. */
int lowrank_best_approx(const double *m, size_t rows, size_t cols, size_t r,
                        double *out)
{
    /* BEGIN SOLUTION lab01.5 */
    LAB_REQUIRE(m && out, "a pointer argument is NULL");
    const size_t p = rows < cols ? rows : cols; /* r in 1..p: rows and cols are >= 1 too */
    LAB_REQUIRE(r >= 1 && r <= p, "r must be in 1..min(rows, cols) = 1..%zu (got %zu)", p, r);
    /* u (rows, p), s (p) and v (cols, p) in one block. */
    double *u = mat_alloc(rows + 1 + cols, p), *s = u + rows * p, *v = s + p;
    int ok = u && svd_any(m, rows, cols, u, s, v) == 0;
    if (ok) {
        for (size_t i = 0; i < rows; i++)
            for (size_t j = 0; j < cols; j++) {
                double acc = 0.0;
                for (size_t t = 0; t < r; t++)
                    acc += u[i * p + t] * s[t] * v[j * p + t];
                out[i * cols + j] = acc;
            }
    }
    free(u);
    LAB_REQUIRE(ok, "out of memory for a %zu x %zu SVD", rows, cols);
    return LAB_OK;
    /* END SOLUTION lab_todo("lab01.5", "lowrank_best_approx", m, rows, cols, r, out); */
}

/* lab01.6 - err[0] = sqrt(sum of the discarded squared singular values). */
int lowrank_truncation_error(const double *m, size_t rows, size_t cols, size_t r,
                             double *err)
{
    /* BEGIN SOLUTION lab01.6 */
    LAB_REQUIRE(m && err, "a pointer argument is NULL");
    LAB_REQUIRE(rows > 0 && cols > 0, "rows and cols must be >= 1 (got %zu, %zu)", rows, cols);
    const size_t p = rows < cols ? rows : cols;
    LAB_REQUIRE(r <= p, "r must be in 0..min(rows, cols) = 0..%zu (got %zu)", p, r);
    double *u = mat_alloc(rows + 1 + cols, p), *s = u + rows * p, *v = s + p;
    int ok = u && svd_any(m, rows, cols, u, s, v) == 0;
    double sum = 0.0;
    /* Smallest first: the small terms are not lost against the large ones. */
    for (size_t t = p; ok && t > r; t--)
        sum += s[t - 1] * s[t - 1];
    free(u);
    LAB_REQUIRE(ok, "out of memory for a %zu x %zu SVD", rows, cols);
    err[0] = sqrt(sum);
    return LAB_OK;
    /* END SOLUTION lab_todo("lab01.6", "lowrank_truncation_error", m, rows, cols, r, err); */
}

/* lab01.7 - phi[0] = ||U1_i^T U2_j||_F^2 / min(i, j). */
int lowrank_subspace_similarity(const double *m1, size_t cols1, const double *m2,
                                size_t cols2, size_t rows, size_t i, size_t j,
                                double *phi)
{
    /* BEGIN SOLUTION lab01.7 */
    LAB_REQUIRE(m1 && m2 && phi, "a pointer argument is NULL");
    /* i in 1..p1 and j in 1..p2: rows, cols1 and cols2 are >= 1 too. */
    const size_t p1 = rows < cols1 ? rows : cols1, p2 = rows < cols2 ? rows : cols2;
    LAB_REQUIRE(i >= 1 && i <= p1, "i must be in 1..min(rows, cols1) = 1..%zu (got %zu)", p1, i);
    LAB_REQUIRE(j >= 1 && j <= p2, "j must be in 1..min(rows, cols2) = 1..%zu (got %zu)", p2, j);
    /* Both SVDs' u, s and v in one block. */
    double *u1 = mat_alloc((rows + 1 + cols1) * p1 + (rows + 1 + cols2) * p2, 1);
    double *s1 = u1 + rows * p1, *v1 = s1 + p1, *u2 = v1 + cols1 * p1, *s2 = u2 + rows * p2,
           *v2 = s2 + p2;
    int ok = u1 && svd_any(m1, rows, cols1, u1, s1, v1) == 0 && svd_any(m2, rows, cols2, u2, s2, v2) == 0;
    double sum = 0.0;
    for (size_t a = 0; ok && a < i; a++)
        for (size_t b = 0; b < j; b++) {
            double c = 0.0;
            for (size_t t = 0; t < rows; t++)
                c += u1[t * p1 + a] * u2[t * p2 + b];
            sum += c * c;
        }
    free(u1);
    LAB_REQUIRE(ok, "out of memory for the SVDs");
    phi[0] = sum / (double)(i < j ? i : j);
    return LAB_OK;
    /* END SOLUTION lab_todo("lab01.7", "lowrank_subspace_similarity", m1, cols1, m2, cols2, rows, i, j, phi); */
}
