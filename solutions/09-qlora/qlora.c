/*
 * qlora.c - Lab 09: QLoRA in C (NF4 base, double quantization, LoRA on a
 * 4-bit base).
 *
 * Write the body of each function below where it says TODO.  The contract of
 * each function (the data types, the packing, double quantization, the
 * forward pass and the gradients) is in qlora.h: read it first.  Check your
 * work with
 *     make check LAB=09      (the visible tests)
 *     make grade LAB=09      (the graded tests, with points)
 * You may add static helper functions to this file; do not change the
 * signatures, and do not add other files: the grader compiles this one.
 */
#include "qlora.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* BEGIN SOLUTION */
/* Phi(z) - p and the normal density at z: Halley's step needs both. */
static double ppf_halley(double z, double p)
{
    const double e = 0.5 * erfc(-z / sqrt(2.0)) - p;
    const double u = e * 2.5066282746310002 * exp(z * z / 2.0);
    return z - u / (1.0 + z * u / 2.0);
}

/* Acklam's rational approximation of the inverse normal CDF (relative error 1.15e-9). */
static double acklam(double p)
{
    static const double a[6] = {-3.969683028665376e+01, 2.209460984245205e+02,
                                -2.759285104469687e+02, 1.383577518672690e+02,
                                -3.066479806614716e+01, 2.506628277459239e+00};
    static const double b[5] = {-5.447609879822406e+01, 1.615858368580409e+02,
                                -1.556989798598866e+02, 6.680131188771972e+01,
                                -1.328068155288572e+01};
    static const double c[6] = {-7.784894002430293e-03, -3.223964580411365e-01,
                                -2.400758277161838e+00, -2.549671010229320e+00,
                                4.374664141464968e+00, 2.938163982698783e+00};
    static const double d[4] = {7.784695709041462e-03, 3.224671290700398e-01,
                                2.445134137142996e+00, 3.754408661907416e+00};
    const double lo = 0.02425;
    if (p < lo || p > 1.0 - lo) {
        const double q = sqrt(-2.0 * log(p < lo ? p : 1.0 - p));
        const double z = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
                         ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
        return p < lo ? z : -z;
    }
    const double q = p - 0.5, t = q * q;
    return (((((a[0] * t + a[1]) * t + a[2]) * t + a[3]) * t + a[4]) * t + a[5]) * q /
           (((((b[0] * t + b[1]) * t + b[2]) * t + b[3]) * t + b[4]) * t + 1.0);
}

/* The index of the level nearest to v (ties: the lower index). */
static unsigned nearest_code(const double *levels, double v)
{
    unsigned best = 0;
    for (unsigned c = 1; c < QLORA_LEVELS; c++)
        if (fabs(v - levels[c]) < fabs(v - levels[best]))
            best = c;
    return best;
}

/* Code k of a packed buffer: entry 2i in the high nibble of byte i. */
static unsigned code_at(const uint8_t *packed, size_t k)
{
    return k % 2 == 0 ? packed[k / 2] >> 4 : packed[k / 2] & 0x0Fu;
}

static int all_finite(const double *v, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (!isfinite(v[k]))
            return 0;
    return 1;
}

/*
 * y (batch, d_out) = x W0q^T + s (x A^T) B^T, the base dequantized one block
 * at a time; xa (batch, r) = x A^T on the side (the gradient needs it).
 */
static int forward(const double *levels, const uint8_t *packed, const double *scales,
                   size_t block, const double *x, const double *a, const double *b,
                   size_t batch, size_t d_in, size_t d_out, size_t r, double s, double *y,
                   double *xa)
{
    double *wblk = malloc(block * sizeof(double));
    if (!wblk)
        return -1;
    memset(y, 0, batch * d_out * sizeof(double));
    const size_t n = d_out * d_in;
    for (size_t k0 = 0; k0 < n; k0 += block) {
        const size_t len = n - k0 < block ? n - k0 : block;
        for (size_t k = 0; k < len; k++)
            wblk[k] = levels[code_at(packed, k0 + k)] * scales[k0 / block];
        for (size_t k = 0; k < len; k++) {
            const size_t o = (k0 + k) / d_in, i = (k0 + k) % d_in;
            for (size_t t = 0; t < batch; t++)
                y[t * d_out + o] += x[t * d_in + i] * wblk[k];
        }
    }
    free(wblk);
    for (size_t t = 0; t < batch; t++) {
        for (size_t q = 0; q < r; q++) {
            double acc = 0.0;
            for (size_t i = 0; i < d_in; i++)
                acc += x[t * d_in + i] * a[q * d_in + i];
            xa[t * r + q] = acc;
        }
        for (size_t o = 0; o < d_out; o++) {
            double acc = 0.0;
            for (size_t q = 0; q < r; q++)
                acc += xa[t * r + q] * b[o * r + q];
            y[t * d_out + o] += s * acc;
        }
    }
    return 0;
}
/* END SOLUTION */

/* lab09.1 - z with Phi(z) = p, within 1e-12. */
int norm_ppf(double p, double *z)
{
    /* BEGIN SOLUTION lab09.1 */
    LAB_REQUIRE(z, "z is NULL");
    LAB_REQUIRE(p > 0.0 && p < 1.0, "p must be in (0, 1) (got %g)", p);
    double v = acklam(p);
    v = ppf_halley(v, p);
    *z = v;
    return LAB_OK;
    /* END SOLUTION lab_todo("lab09.1", "norm_ppf", p, z); */
}

/* lab09.2 - the 16 NF4 levels: normal quantiles with QLoRA's offset, normalized to [-1, 1]. */
int nf4_levels(double *levels)
{
    /* BEGIN SOLUTION lab09.2 */
    LAB_REQUIRE(levels, "levels is NULL");
    const double off = QLORA_NF4_OFFSET;
    /* Every p here lies inside (0, 1), so norm_ppf cannot refuse it. */
    for (int k = 0; k < 7; k++) {
        norm_ppf(off + k * (0.5 - off) / 7.0, &levels[k]);
        levels[k] = -levels[k]; /* ascending: the most negative first */
    }
    levels[7] = 0.0;
    for (int k = 0; k < 8; k++)
        norm_ppf(off + k * (0.5 - off) / 8.0, &levels[15 - k]);
    const double top = levels[15];
    for (int c = 0; c < QLORA_LEVELS; c++)
        levels[c] /= top;
    return LAB_OK;
    /* END SOLUTION lab_todo("lab09.2", "nf4_levels", levels); */
}

/* lab09.2 - int4: (c - 8) / 7 for c = 0..15. */
int int4_levels(double *levels)
{
    /* BEGIN SOLUTION lab09.2 */
    LAB_REQUIRE(levels, "levels is NULL");
    for (int c = 0; c < QLORA_LEVELS; c++)
        levels[c] = (c - 8) / 7.0;
    return LAB_OK;
    /* END SOLUTION lab_todo("lab09.2", "int4_levels", levels); */
}

/* lab09.2 - FP4 (E2M1): +-{0, 0.5, 1, 1.5, 2, 3, 4, 6} / 6, ascending. */
int fp4_levels(double *levels)
{
    /* BEGIN SOLUTION lab09.2 */
    LAB_REQUIRE(levels, "levels is NULL");
    static const double mag[8] = {0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0};
    for (int k = 0; k < 8; k++) {
        levels[7 - k] = -mag[k] / 6.0;
        levels[8 + k] = mag[k] / 6.0;
    }
    return LAB_OK;
    /* END SOLUTION lab_todo("lab09.2", "fp4_levels", levels); */
}

/* lab09.3 - absmax per block, nearest level (ties low), two codes per byte, high nibble first. */
int q_quantize(const double *levels, const double *w, size_t n, size_t block, uint8_t *packed,
               double *scales)
{
    /* BEGIN SOLUTION lab09.3 */
    LAB_REQUIRE(levels && w && packed && scales, "a pointer is NULL");
    LAB_REQUIRE(n > 0 && block > 0, "n and block must be >= 1 (got n = %zu, block = %zu)", n,
                block);
    LAB_REQUIRE(all_finite(w, n), "w holds a NaN or an Inf");
    memset(packed, 0, (n + 1) / 2);
    for (size_t k0 = 0; k0 < n; k0 += block) {
        const size_t end = n - k0 < block ? n : k0 + block;
        double m = 0.0;
        for (size_t k = k0; k < end; k++)
            m = fmax(m, fabs(w[k]));
        scales[k0 / block] = m;
        for (size_t k = k0; k < end; k++) {
            const unsigned c = nearest_code(levels, m > 0.0 ? w[k] / m : 0.0);
            packed[k / 2] |= (uint8_t)(k % 2 == 0 ? c << 4 : c);
        }
    }
    return LAB_OK;
    /* END SOLUTION lab_todo("lab09.3", "q_quantize", levels, w, n, block, packed, scales); */
}

/* lab09.4 - w[k] = levels[code k] * scales[k / block]. */
int q_dequantize(const double *levels, const uint8_t *packed, const double *scales, size_t n,
                 size_t block, double *w)
{
    /* BEGIN SOLUTION lab09.4 */
    LAB_REQUIRE(levels && packed && scales && w, "a pointer is NULL");
    LAB_REQUIRE(n > 0 && block > 0, "n and block must be >= 1 (got n = %zu, block = %zu)", n,
                block);
    for (size_t k = 0; k < n; k++)
        w[k] = levels[code_at(packed, k)] * scales[k / block];
    return LAB_OK;
    /* END SOLUTION lab_todo("lab09.4", "q_dequantize", levels, packed, scales, n, block, w); */
}

/* lab09.5 - scales minus their mean, int8 absmax in groups. */
int dq_quantize(const double *scales, size_t nb, size_t group, uint8_t *codes, double *gscales,
                double *mean)
{
    /* BEGIN SOLUTION lab09.5 */
    LAB_REQUIRE(scales && codes && gscales && mean, "a pointer is NULL");
    LAB_REQUIRE(nb > 0 && group > 0, "nb and group must be >= 1 (got nb = %zu, group = %zu)",
                nb, group);
    LAB_REQUIRE(all_finite(scales, nb), "scales holds a NaN or an Inf");
    double sum = 0.0;
    for (size_t k = 0; k < nb; k++)
        sum += scales[k];
    const double mu = sum / (double)nb;
    for (size_t k0 = 0; k0 < nb; k0 += group) {
        const size_t end = nb - k0 < group ? nb : k0 + group;
        double m = 0.0;
        for (size_t k = k0; k < end; k++)
            m = fmax(m, fabs(scales[k] - mu));
        gscales[k0 / group] = m;
        for (size_t k = k0; k < end; k++) {
            const long q = m > 0.0 ? lround(127.0 * (scales[k] - mu) / m) : 0;
            codes[k] = (uint8_t)(int8_t)q;
        }
    }
    *mean = mu;
    return LAB_OK;
    /* END SOLUTION lab_todo("lab09.5", "dq_quantize", scales, nb, group, codes, gscales, mean); */
}

/* lab09.5 - scales[k] = mean + gscales[k / group] q_k / 127. */
int dq_dequantize(const uint8_t *codes, const double *gscales, double mean, size_t nb,
                  size_t group, double *scales)
{
    /* BEGIN SOLUTION lab09.5 */
    LAB_REQUIRE(codes && gscales && scales, "a pointer is NULL");
    LAB_REQUIRE(nb > 0 && group > 0, "nb and group must be >= 1 (got nb = %zu, group = %zu)",
                nb, group);
    for (size_t k = 0; k < nb; k++)
        scales[k] = mean + gscales[k / group] * (int8_t)codes[k] / 127.0;
    return LAB_OK;
    /* END SOLUTION lab_todo("lab09.5", "dq_dequantize", codes, gscales, mean, nb, group, scales); */
}

/* lab09.5 - bits per weight: 4 + 32 / block, and 4 + 8 / block + 32 / (block group). */
int q_bits_per_param(size_t block, size_t group, double *bits)
{
    /* BEGIN SOLUTION lab09.5 */
    LAB_REQUIRE(bits, "bits is NULL");
    LAB_REQUIRE(block > 0 && group > 0, "block and group must be >= 1 (got %zu, %zu)", block,
                group);
    bits[0] = 4.0 + 32.0 / (double)block;
    bits[1] = 4.0 + 8.0 / (double)block + 32.0 / ((double)block * (double)group);
    return LAB_OK;
    /* END SOLUTION lab_todo("lab09.5", "q_bits_per_param", block, group, bits); */
}

/* lab09.6 - y = x W0q^T + (alpha / r) (x A^T) B^T, the base dequantized block by block. */
int qlora_forward(const double *levels, const uint8_t *packed, const double *scales,
                  size_t block, const double *x, const double *a, const double *b, size_t batch,
                  size_t d_in, size_t d_out, size_t r, double alpha, double *y)
{
    /* BEGIN SOLUTION lab09.6 */
    LAB_REQUIRE(levels && packed && scales && x && a && b && y, "a pointer is NULL");
    LAB_REQUIRE(block > 0 && batch > 0 && d_in > 0 && d_out > 0 && r > 0,
                "block, batch, d_in, d_out and r must be >= 1");
    double *xa = malloc(batch * r * sizeof(double)), *yy = malloc(batch * d_out * sizeof(double));
    int ok = xa && yy &&
             forward(levels, packed, scales, block, x, a, b, batch, d_in, d_out, r,
                     alpha / (double)r, yy, xa) == 0;
    if (ok)
        memcpy(y, yy, batch * d_out * sizeof(double));
    free(xa), free(yy);
    LAB_REQUIRE(ok, "out of memory");
    return LAB_OK;
    /* END SOLUTION lab_todo("lab09.6", "qlora_forward", levels, packed, scales, block, x, a, b, batch, d_in, d_out, r, alpha, y); */
}

/* lab09.7 - MSE against t, and its gradients for A and B only. */
int qlora_grad(const double *levels, const uint8_t *packed, const double *scales, size_t block,
               const double *x, const double *t, const double *a, const double *b, size_t batch,
               size_t d_in, size_t d_out, size_t r, double alpha, double *loss, double *grad_a,
               double *grad_b)
{
    /* BEGIN SOLUTION lab09.7 */
    LAB_REQUIRE(levels && packed && scales && x && t && a && b && loss && grad_a && grad_b,
                "a pointer is NULL");
    LAB_REQUIRE(block > 0 && batch > 0 && d_in > 0 && d_out > 0 && r > 0,
                "block, batch, d_in, d_out and r must be >= 1");
    const double s = alpha / (double)r, nn = (double)(batch * d_out);
    double *xa = malloc(batch * r * sizeof(double)), *y = malloc(batch * d_out * sizeof(double));
    double *gb = calloc(d_out * r, sizeof(double)), *ga = calloc(r * d_in, sizeof(double));
    double *db = malloc(r * sizeof(double));
    int ok = xa && y && gb && ga && db &&
             forward(levels, packed, scales, block, x, a, b, batch, d_in, d_out, r, s, y, xa) == 0;
    double sq = 0.0;
    for (size_t n = 0; ok && n < batch; n++) {
        for (size_t q = 0; q < r; q++)
            db[q] = 0.0;
        for (size_t o = 0; o < d_out; o++) {
            const double e = y[n * d_out + o] - t[n * d_out + o], dy = 2.0 * e / nn;
            sq += e * e;
            for (size_t q = 0; q < r; q++) {
                gb[o * r + q] += s * dy * xa[n * r + q];
                db[q] += dy * b[o * r + q];
            }
        }
        for (size_t q = 0; q < r; q++)
            for (size_t i = 0; i < d_in; i++)
                ga[q * d_in + i] += s * db[q] * x[n * d_in + i];
    }
    if (ok) {
        *loss = sq / nn;
        memcpy(grad_a, ga, r * d_in * sizeof(double));
        memcpy(grad_b, gb, d_out * r * sizeof(double));
    }
    free(xa), free(y), free(gb), free(ga), free(db);
    LAB_REQUIRE(ok, "out of memory");
    return LAB_OK;
    /* END SOLUTION lab_todo("lab09.7", "qlora_grad", levels, packed, scales, block, x, t, a, b, batch, d_in, d_out, r, alpha, loss, grad_a, grad_b); */
}
