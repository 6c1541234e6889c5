/* matrix.c - row-major helpers (see matrix.h for shapes). */
#include "matrix.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

double *mat_alloc(size_t m, size_t n)
{
    if (n != 0 && m > SIZE_MAX / sizeof(double) / n) {
        fprintf(stderr, "matrix.c: mat_alloc: %zu x %zu doubles overflow size_t\n", m, n);
        return NULL;
    }
    double *p = calloc((m * n) > 0 ? m * n : 1, sizeof(double));
    if (!p)
        fprintf(stderr, "matrix.c: mat_alloc: out of memory for %zu x %zu doubles\n", m, n);
    return p;
}

double *mat_dup(const double *a, size_t m, size_t n)
{
    double *p = mat_alloc(m, n);
    if (p && (m * n) > 0)
        memcpy(p, a, m * n * sizeof(double));
    return p;
}

void mat_to_float(const double *a, float *out, size_t count)
{
    for (size_t i = 0; i < count; i++)
        out[i] = (float)a[i];
}

/* c (m, n) = a (m, k) @ B, where B[p][j] is b[p * b_row + j * b_col]. */
static void matmul_strided(const double *a, const double *b, double *c, size_t m, size_t k,
                           size_t n, size_t b_row, size_t b_col)
{
    for (size_t i = 0; i < m; i++) {
        for (size_t j = 0; j < n; j++) {
            double s = 0.0;
            for (size_t p = 0; p < k; p++)
                s += a[i * k + p] * b[p * b_row + j * b_col];
            c[i * n + j] = s;
        }
    }
}

void mat_matmul(const double *a, const double *b, double *c,
                size_t m, size_t k, size_t n)
{
    matmul_strided(a, b, c, m, k, n, n, 1);
}

void mat_matmul_nt(const double *a, const double *b, double *c,
                   size_t m, size_t k, size_t n)
{
    matmul_strided(a, b, c, m, k, n, 1, k);
}

void mat_transpose(const double *a, double *t, size_t m, size_t n)
{
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++)
            t[j * m + i] = a[i * n + j];
}

double mat_max_abs_diff(const double *a, const double *b, size_t count)
{
    double worst = 0.0;
    for (size_t i = 0; i < count; i++) {
        if (isnan(a[i]) != isnan(b[i]))
            return NAN;
        if (isnan(a[i]))
            continue;
        double d = (a[i] == b[i]) ? 0.0 : fabs(a[i] - b[i]);
        if (!(d <= worst))
            worst = d;
    }
    return worst;
}

void mat_print(FILE *f, const char *name, const double *a,
               size_t m, size_t n, int digits)
{
    fprintf(f, "%s (%zu x %zu):\n", name, m, n);
    for (size_t i = 0; i < m; i++) {
        fputs("  [", f);
        for (size_t j = 0; j < n; j++)
            fprintf(f, "%s%.*g", j ? ", " : "", digits, a[i * n + j]);
        fputs("]\n", f);
    }
}

/* Sum over i of m[i][a] * m[i][b], m (rows, k). */
static double col_dot(const double *m, size_t rows, size_t k, size_t a, size_t b)
{
    double dot = 0;
    for (size_t i = 0; i < rows; i++)
        dot += m[i * k + a] * m[i * k + b];
    return dot;
}

void mat_orthonormalize(double *m, size_t rows, size_t k)
{
    for (size_t c = 0; c < k; c++) {
        for (size_t q = 0; q < c; q++) {
            const double dot = col_dot(m, rows, k, q, c);
            for (size_t i = 0; i < rows; i++)
                m[i * k + c] -= dot * m[i * k + q];
        }
        const double norm = sqrt(col_dot(m, rows, k, c, c));
        for (size_t i = 0; i < rows; i++)
            m[i * k + c] = norm > 0 ? m[i * k + c] / norm : 0;
    }
}
