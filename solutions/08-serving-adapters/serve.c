/*
 * serve.c - Lab 08: serving adapters.
 *
 * Write the body of each function below where it says TODO.  The contract of
 * each function (shapes, argument checks, examples) is in serve.h: read it
 * first.  Check your work with
 *     make check LAB=08      (the visible tests)
 *     make grade LAB=08      (the graded tests, with points; speed included)
 * You may add static helper functions to this file; do not change the
 * signatures, and do not add other files: the grader compiles this one.
 */
#include "serve.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* BEGIN SOLUTION */
/* 1 when every v[i] is below n. */
static int all_below(const size_t *v, size_t count, size_t n)
{
    for (size_t i = 0; i < count; i++)
        if (v[i] >= n)
            return 0;
    return 1;
}

/*
 * y (n, m), row stride ldy, = scale * x w^T with x (n, k) (row stride ldx)
 * and w (m, k) row-major; add != 0 adds to y instead of overwriting it.
 * Blocks of 4 rows of x by 4 rows of w keep 16 sums in registers: each
 * element loaded from memory feeds four multiplications, and a 4 x k strip
 * of w is reused by every block of rows while it is in cache.
 */
static void gemm_nt(const double *x, size_t ldx, const double *w, size_t n, size_t m, size_t k,
                    double scale, int add, double *y, size_t ldy)
{
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const double *x0 = x + i * ldx, *x1 = x0 + ldx, *x2 = x1 + ldx, *x3 = x2 + ldx;
        size_t o = 0;
        for (; o + 4 <= m; o += 4) {
            const double *w0 = w + o * k, *w1 = w0 + k, *w2 = w1 + k, *w3 = w2 + k;
            double s[4][4] = {{0}};
            for (size_t p = 0; p < k; p++) {
                double a0 = x0[p], a1 = x1[p], a2 = x2[p], a3 = x3[p];
                double b0 = w0[p], b1 = w1[p], b2 = w2[p], b3 = w3[p];
                s[0][0] += a0 * b0, s[0][1] += a0 * b1, s[0][2] += a0 * b2, s[0][3] += a0 * b3;
                s[1][0] += a1 * b0, s[1][1] += a1 * b1, s[1][2] += a1 * b2, s[1][3] += a1 * b3;
                s[2][0] += a2 * b0, s[2][1] += a2 * b1, s[2][2] += a2 * b2, s[2][3] += a2 * b3;
                s[3][0] += a3 * b0, s[3][1] += a3 * b1, s[3][2] += a3 * b2, s[3][3] += a3 * b3;
            }
            for (size_t u = 0; u < 4; u++)
                for (size_t v = 0; v < 4; v++) {
                    double *dst = y + (i + u) * ldy + o + v;
                    *dst = add ? *dst + scale * s[u][v] : scale * s[u][v];
                }
        }
        for (; o < m; o++)
            for (size_t u = 0; u < 4; u++) {
                const double *xr = x + (i + u) * ldx, *wr = w + o * k;
                double s = 0.0;
                for (size_t p = 0; p < k; p++)
                    s += xr[p] * wr[p];
                double *dst = y + (i + u) * ldy + o;
                *dst = add ? *dst + scale * s : scale * s;
            }
    }
    for (; i < n; i++)
        for (size_t o = 0; o < m; o++) {
            const double *xr = x + i * ldx, *wr = w + o * k;
            double s = 0.0;
            for (size_t p = 0; p < k; p++)
                s += xr[p] * wr[p];
            double *dst = y + i * ldy + o;
            *dst = add ? *dst + scale * s : scale * s;
        }
}

/* The checks lab08.2 and lab08.4 share, then an empty batch's LAB_OK. */
#define CHECK_MULTI(x, w0, a, b, ids, y)                                                        \
    do {                                                                                        \
        LAB_REQUIRE(x && w0 && a && b && ids && y, "a NULL pointer");                           \
        LAB_REQUIRE(d_in > 0 && d_out > 0 && r > 0, "d_in, d_out and r must be >= 1");          \
        LAB_REQUIRE(n_adapters > 0, "n_adapters must be >= 1");                                 \
        LAB_REQUIRE(all_below(ids, batch, n_adapters),                                          \
                    "every id must be below n_adapters (%zu adapters)", n_adapters);             \
        if (batch == 0)                                                                         \
            return LAB_OK;                                                                      \
    } while (0)
/* END SOLUTION */

/* lab08.1 - out (batch, d) = h + relu(h W_down^T) W_up^T. */
int houlsby_adapter(const double *h, size_t batch, const double *w_down, const double *w_up,
                    size_t d, size_t m, double *out)
{
    /* BEGIN SOLUTION lab08.1 */
    LAB_REQUIRE(h && w_down && w_up && out, "a NULL pointer");
    LAB_REQUIRE(d > 0 && m > 0, "d and m must be >= 1");
    if (batch == 0)
        return LAB_OK;
    double *z = malloc(batch * m * sizeof *z);
    LAB_REQUIRE(z, "out of memory");
    gemm_nt(h, d, w_down, batch, m, d, 1.0, 0, z, m);
    for (size_t i = 0; i < batch * m; i++)
        z[i] = z[i] > 0.0 ? z[i] : 0.0;
    memcpy(out, h, batch * d * sizeof *out);
    gemm_nt(z, m, w_up, batch, d, m, 1.0, 1, out, d);
    free(z);
    return LAB_OK;
    /* END SOLUTION lab_todo("lab08.1", "houlsby_adapter", h, batch, w_down, w_up, d, m, out); */
}

/* lab08.2 - each row with its own adapter: shared x W0^T, then each row's low-rank term. */
int multi_lora_gather(const double *x, size_t batch, const double *w0, const double *a,
                      const double *b, const size_t *ids, size_t d_in, size_t d_out, size_t r,
                      size_t n_adapters, double alpha, double *y)
{
    /* BEGIN SOLUTION lab08.2 */
    CHECK_MULTI(x, w0, a, b, ids, y);
    double *z = malloc(r * sizeof *z);
    LAB_REQUIRE(z, "out of memory");
    const double scale = alpha / (double)r;
    gemm_nt(x, d_in, w0, batch, d_out, d_in, 1.0, 0, y, d_out);
    for (size_t t = 0; t < batch; t++) {
        size_t id = ids[t];
        const double *ak = a + id * r * d_in, *bk = b + id * d_out * r, *xt = x + t * d_in;
        for (size_t q = 0; q < r; q++) {
            double s = 0.0;
            for (size_t p = 0; p < d_in; p++)
                s += ak[q * d_in + p] * xt[p];
            z[q] = s;
        }
        double *yt = y + t * d_out;
        for (size_t o = 0; o < d_out; o++) {
            double s = 0.0;
            for (size_t q = 0; q < r; q++)
                s += bk[o * r + q] * z[q];
            yt[o] += scale * s;
        }
    }
    free(z);
    return LAB_OK;
    /* END SOLUTION lab_todo("lab08.2", "multi_lora_gather", x, batch, w0, a, b, ids, d_in, d_out, r, n_adapters, alpha, y); */
}

/* lab08.3 - a stable counting sort of the rows by adapter. */
int group_by_adapter(const size_t *ids, size_t batch, size_t n_adapters, size_t *perm,
                     size_t *seg)
{
    /* BEGIN SOLUTION lab08.3 */
    LAB_REQUIRE(ids && perm && seg, "a NULL pointer");
    LAB_REQUIRE(n_adapters > 0, "n_adapters must be >= 1");
    LAB_REQUIRE(all_below(ids, batch, n_adapters), "every id must be below n_adapters (%zu adapters)",
                n_adapters);
    size_t *next = calloc(n_adapters + 1, sizeof *next);
    LAB_REQUIRE(next, "out of memory");
    for (size_t t = 0; t < batch; t++)
        next[ids[t] + 1]++;
    for (size_t k = 0; k < n_adapters; k++)
        next[k + 1] += next[k];
    memcpy(seg, next, (n_adapters + 1) * sizeof *seg);
    for (size_t t = 0; t < batch; t++)
        perm[next[ids[t]]++] = t;
    free(next);
    return LAB_OK;
    /* END SOLUTION lab_todo("lab08.3", "group_by_adapter", ids, batch, n_adapters, perm, seg); */
}

/* lab08.4 - the same y as lab08.2, one small product per adapter segment. */
int multi_lora_segment(const double *x, size_t batch, const double *w0, const double *a,
                       const double *b, const size_t *ids, size_t d_in, size_t d_out, size_t r,
                       size_t n_adapters, double alpha, double *y)
{
    /* BEGIN SOLUTION lab08.4 */
    CHECK_MULTI(x, w0, a, b, ids, y);
    size_t *perm = malloc(batch * sizeof *perm), *seg = malloc((n_adapters + 1) * sizeof *seg);
    double *xs = malloc(batch * d_in * sizeof *xs), *zs = malloc(batch * r * sizeof *zs);
    double *ts = calloc(batch * d_out, sizeof *ts); /* zeros: rows of no segment add nothing */
    /* group_by_adapter allocates too: its failure is this call's failure. */
    int ok = perm && seg && xs && zs && ts &&
             group_by_adapter(ids, batch, n_adapters, perm, seg) == LAB_OK;
    if (ok) {
        for (size_t q = 0; q < batch; q++)
            memcpy(xs + q * d_in, x + perm[q] * d_in, d_in * sizeof *xs);
        for (size_t k = 0; k < n_adapters; k++) {
            size_t lo = seg[k], n = seg[k + 1] - lo;
            if (n == 0)
                continue;
            gemm_nt(xs + lo * d_in, d_in, a + k * r * d_in, n, r, d_in, 1.0, 0, zs + lo * r, r);
            gemm_nt(zs + lo * r, r, b + k * d_out * r, n, d_out, r, alpha / (double)r, 0,
                    ts + lo * d_out, d_out);
        }
        gemm_nt(x, d_in, w0, batch, d_out, d_in, 1.0, 0, y, d_out);
        for (size_t q = 0; q < batch; q++) {
            double *yt = y + perm[q] * d_out;
            for (size_t o = 0; o < d_out; o++)
                yt[o] += ts[q * d_out + o];
        }
    }
    free(perm), free(seg), free(xs), free(zs), free(ts);
    LAB_REQUIRE(ok, "out of memory");
    return LAB_OK;
    /* END SOLUTION lab_todo("lab08.4", "multi_lora_segment", x, batch, w0, a, b, ids, d_in, d_out, r, n_adapters, alpha, y); */
}

/* lab08.5 - which pool slot serves each request, least recently used evicted. */
int lru_pool_plan(const size_t *requests, size_t n_requests, size_t n_tasks, size_t slots,
                  size_t *slot_of, size_t *counts)
{
    /* BEGIN SOLUTION lab08.5 */
    LAB_REQUIRE(requests && slot_of && counts, "a NULL pointer");
    LAB_REQUIRE(n_tasks > 0 && slots > 0, "n_tasks and slots must be >= 1");
    LAB_REQUIRE(all_below(requests, n_requests, n_tasks),
                "every request must be a task id below n_tasks (%zu tasks)", n_tasks);
    size_t *task = malloc(slots * sizeof *task), *used = malloc(slots * sizeof *used);
    size_t *where = malloc(n_tasks * sizeof *where);
    if (!task || !used || !where) {
        free(task), free(used), free(where);
        LAB_REQUIRE(0, "out of memory");
    }
    const size_t EMPTY = (size_t)-1;
    for (size_t s = 0; s < slots; s++)
        task[s] = EMPTY, used[s] = 0;
    for (size_t k = 0; k < n_tasks; k++)
        where[k] = EMPTY;
    size_t hits = 0, misses = 0, evictions = 0, filled = 0;
    for (size_t q = 0; q < n_requests; q++) {
        size_t k = requests[q], s = where[k];
        if (s != EMPTY) {
            hits++;
        } else {
            misses++;
            if (filled < slots) {
                s = filled++;
            } else {
                s = 0;
                for (size_t u = 1; u < slots; u++)
                    if (used[u] < used[s])
                        s = u;
                where[task[s]] = EMPTY;
                evictions++;
            }
            task[s] = k;
            where[k] = s;
        }
        used[s] = q + 1;
        slot_of[q] = s;
    }
    counts[0] = hits, counts[1] = misses, counts[2] = evictions;
    free(task), free(used), free(where);
    return LAB_OK;
    /* END SOLUTION lab_todo("lab08.5", "lru_pool_plan", requests, n_requests, n_tasks, slots, slot_of, counts); */
}
