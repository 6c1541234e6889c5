/*
 * tests.c - Lab 09's hidden tests: NF4 and the other 4-bit tables, blockwise
 * quantization packed two codes per byte, double quantization, and LoRA on
 * a 4-bit base (forward and the adapters' gradients).
 *
 * Expected values come from the reference solution linked into this judge
 * (never into the runner), from bitsandbytes' published NF4 table (the
 * float32 numbers below), from the worked examples of qlora.h, and from
 * central finite differences of the reference's loss.  Random inputs draw
 * from judge_rng(): seed printed, --seed N.  Codes and packed bytes travel
 * one double per byte (functions.txt: bytes, bytes_out) and are compared exactly.
 */
#include "describe.h"
#include "matrix.h"
#include "qlora.h"
#include "test.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TOL 1e-9

/* bitsandbytes' NF4 table (functional.py, get_4bit_type("nf4")), float32. */
static const double NF4_PUBLISHED[16] = {
    -1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453,
    -0.28444138169288635, -0.18477343022823334, -0.09105003625154495, 0.0,
    0.07958029955625534, 0.16093020141124725, 0.24611230194568634, 0.33791524171829224,
    0.44070982933044434, 0.5626170039176941, 0.7229568362236023, 1.0};

typedef int (*levels_fn)(double *);

static void ref_levels(int kind, double *lv)
{
    (void)(kind == 0 ? nf4_levels(lv) : kind == 1 ? int4_levels(lv) : fp4_levels(lv));
}

static size_t nblocks(size_t n, size_t block) { return (n + block - 1) / block; }

/* bytes as doubles, one per byte */
static double *bytes_d(const uint8_t *u, size_t n)
{
    double *d = mat_alloc(n ? n : 1, 1);
    for (size_t i = 0; i < n; i++)
        d[i] = u[i];
    return d;
}

/* ------------------------------------------------------------ lab09.1 */

static int ppf_one(judge_t *j, double p, double want, double tol)
{
    call_t *c = call_new(j, "norm_ppf");
    call_real(c, "p", p);
    call_out(c, "z", 1);
    int ok = call_ok(j, c);
    if (ok) {
        const double *z = call_output(c, "z");
        ok = z && fabs(*z - want) <= tol;
        if (!ok)
            judge_fail(j, "norm_ppf(%.17g) = %.17g, expected %.17g within %g", p, z ? *z : NAN,
                       want, tol);
    }
    call_free(c);
    return ok;
}

TEST("lab09.1", 3, "norm_ppf(0.975) is 1.959963984540054 and ppf(0.5) is 0",
     "Phi(z) = erfc(-z / sqrt(2)) / 2; refine an approximation (Acklam's) with a Halley or Newton step on erfc, or bisect.")
{
    (void)(ppf_one(j, 0.975, 1.959963984540054, 1e-12) && ppf_one(j, 0.5, 0.0, 1e-12));
}

TEST("lab09.1", 5, "norm_ppf is within 1e-12 from 1e-10 to 1 - 1e-10",
     "norm_ppf(p) must be within 1e-12 of the true quantile for every p from 1e-10 to 1 - 1e-10, both tails (p < 0.02425 and p > 0.97575) included: Acklam's approximation alone is good to about 1e-9, one Halley step on erfc() brings it to 1e-15.")
{
    rng_t *g = judge_rng(j);
    static const double fixed[] = {1e-10, 3e-7, 0.001, 0.02, 0.03, 0.3, 0.7, 0.97, 0.98, 0.999999, 1 - 1e-10};
    for (size_t k = 0; k < sizeof fixed / sizeof fixed[0] + 6 && !judge_failed(j); k++) {
        double p = k < sizeof fixed / sizeof fixed[0] ? fixed[k] : rng_uniform_range(g, 0.001, 0.999), want;
        norm_ppf(p, &want);
        ppf_one(j, p, want, 1e-12);
    }
}

/* ------------------------------------------------------------ lab09.2 */

/* The student's fn (nf4_levels, int4_levels, fp4_levels) writes want's 16
 * levels within tol; `what` names them in a failure. */
static int levels_are(judge_t *j, const char *fn, const char *what, const double *want, double tol)
{
    call_t *c = call_new(j, fn);
    call_out(c, "levels", 16);
    int ok = call_ok(j, c) &&
             expect_close(j, what, call_output(c, "levels"), want, 1, 16, tol);
    call_free(c);
    return ok;
}

TEST("lab09.2", 5, "NF4 levels match bitsandbytes' published table within 2e-7",
     "8 positive quantiles from linspace(offset, 0.5, 9) minus its last point, 7 negative from linspace(offset, 0.5, 8) minus its last, an exact 0; sort; divide by the largest.")
{
    levels_are(j, "nf4_levels", "NF4 levels", NF4_PUBLISHED, 2e-7);
}

TEST("lab09.2", 4, "NF4 levels match the construction in double within 1e-12",
     "Use your norm_ppf for every quantile; the probabilities are offset + k (0.5 - offset) / 8 (k = 0..7) and / 7 (k = 0..6); normalize by Q(offset).")
{
    double want[16];
    nf4_levels(want);
    levels_are(j, "nf4_levels", "NF4 levels", want, 1e-12);
}

TEST("lab09.2", 3, "int4 and FP4 (E2M1) tables are exact",
     "int4: (c - 8) / 7 for c = 0..15. FP4: -+{0, 0.5, 1, 1.5, 2, 3, 4, 6} / 6 sorted ascending, -0 at code 7, +0 at code 8.")
{
    double want[16];
    int4_levels(want);
    if (levels_are(j, "int4_levels", "int4 levels", want, 1e-15)) {
        fp4_levels(want);
        levels_are(j, "fp4_levels", "FP4 levels", want, 1e-15);
    }
}

/* ------------------------------------------------------------ lab09.3, lab09.4 */

/* The student's q_quantize on (levels, w) against the reference: packed bytes and scales exactly. */
static int quantize_matches(judge_t *j, const double *lv, const double *w, size_t n, size_t block,
                            const char *what)
{
    const size_t nbytes = (n + 1) / 2, nb = nblocks(n, block);
    uint8_t *pk = malloc(nbytes);
    double *sc = mat_alloc(nb, 1);
    q_quantize(lv, w, n, block, pk, sc);
    double *want = bytes_d(pk, nbytes);
    call_t *c = call_new(j, "q_quantize");
    call_in(c, "levels", lv, 16);
    call_in(c, "w", w, n);
    call_size(c, "n", n);
    call_size(c, "block", block);
    call_out(c, "packed", nbytes);
    call_out(c, "scales", nb);
    int ok = call_ok(j, c) &&
             expect_exact(j, "scales", call_output(c, "scales"), sc, 1, nb) &&
             expect_exact(j, "packed (bytes)", call_output(c, "packed"), want, 1, nbytes);
    if (!ok)
        judge_fail(j, "(%s: n = %zu, block = %zu; entry 2i goes to the high nibble of byte i)", what, n, block);
    call_free(c);
    free(pk), free(sc), free(want);
    return ok;
}

TEST("lab09.3", 3, "worked example: NF4 of [1, -2, 0.5, 0], block 2, is C0 F7",
     "scales = absmax per block = [2, 0.5]; codes of [0.5, -1, 1, 0] are [12, 0, 15, 7]; entry 2i in the HIGH nibble: bytes 0xC0, 0xF7.")
{
    static const double w[4] = {1, -2, 0.5, 0};
    double lv[16];
    nf4_levels(lv);
    quantize_matches(j, lv, w, 4, 2, "the worked example");
}

TEST("lab09.3", 5, "NF4, int4 and FP4 codes bit-exact on normal weights",
     "Nearest level of w / absmax of its block; a tie goes to the lower code; two codes per byte, entry 2i in the high nibble.")
{
    rng_t *g = judge_rng(j);
    for (int kind = 0; kind < 3 && !judge_failed(j); kind++) {
        double lv[16];
        ref_levels(kind, lv);
        size_t n = 256 + 2 * rng_below(g, 40);
        double *w = mat_alloc(n, 1);
        rng_fill_normal(g, w, n, 0.02);
        quantize_matches(j, lv, w, n, QLORA_BLOCK, kind == 0 ? "NF4" : kind == 1 ? "int4" : "FP4");
        free(w);
    }
}

TEST("lab09.3", 4, "block edges that do not divide n, odd n",
     "The last block holds n mod block entries and has its own scale (ceil(n / block) scales); when n is odd the last byte's low nibble is 0.")
{
    rng_t *g = judge_rng(j);
    static const size_t sizes[][2] = {{65, 64}, {127, 64}, {129, 64}, {7, 3}, {1, 64}, {200, 33}};
    double lv[16];
    nf4_levels(lv);
    for (size_t k = 0; k < 6 && !judge_failed(j); k++) {
        size_t n = sizes[k][0];
        double *w = mat_alloc(n, 1);
        rng_fill_normal(g, w, n, 1.0);
        w[n - 1] = 3.5; /* the last block's absmax, alone in it when block divides n - 1 */
        quantize_matches(j, lv, w, n, sizes[k][1], "uneven blocks");
        free(w);
    }
}

TEST("lab09.3", 2, "an all-zero block has scale 0 and the code of 0, no NaN",
     "absmax 0: write scale 0 and the code nearest 0 (NF4: 7) for every entry; do not divide by 0.")
{
    double lv[16], w[10] = {0, 0, 0, 0, 0.5, -0.25, 0, 0, 0, 0};
    nf4_levels(lv);
    quantize_matches(j, lv, w, 10, 4, "blocks [0 0 0 0] [0.5 -0.25 0 0] [0 0]");
}

TEST("lab09.3", 2, "q_quantize rejects a NaN or an Inf in w, writes nothing",
     "Check every entry of w with isfinite() before you write anything; return LAB_EARG.")
{
    double lv[16], w[9] = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9};
    nf4_levels(lv);
    static const double bad[3] = {NAN, INFINITY, -INFINITY};
    for (int k = 0; k < 3 && !judge_failed(j); k++) {
        double v[9];
        memcpy(v, w, sizeof v);
        v[k == 0 ? 8 : k * 3] = bad[k];
        call_t *c = call_new(j, "q_quantize");
        call_in(c, "levels", lv, 16);
        call_in(c, "w", v, 9);
        call_size(c, "n", 9);
        call_size(c, "block", 4);
        call_out(c, "packed", 5);
        call_out(c, "scales", 3);
        (void)(call_run(c) && expect_return(j, c, LAB_EARG) && expect_untouched(j, c, "packed") &&
               expect_untouched(j, c, "scales"));
        call_free(c);
    }
}

static int dequant_matches(judge_t *j, const double *lv, const uint8_t *pk, const double *sc,
                           size_t n, size_t block)
{
    double *want = mat_alloc(n, 1), *pd = bytes_d(pk, (n + 1) / 2);
    q_dequantize(lv, pk, sc, n, block, want);
    call_t *c = call_new(j, "q_dequantize");
    call_in(c, "levels", lv, 16);
    call_in(c, "packed", pd, (n + 1) / 2);
    call_in(c, "scales", sc, nblocks(n, block));
    call_size(c, "n", n);
    call_size(c, "block", block);
    call_out(c, "w", n);
    int ok = call_ok(j, c) &&
             expect_close(j, "w", call_output(c, "w"), want, 1, n, 1e-15);
    if (!ok)
        judge_fail(j, "(n = %zu, block = %zu; code k is the high nibble of byte k / 2 when k is even)", n, block);
    call_free(c);
    free(want), free(pd);
    return ok;
}

TEST("lab09.4", 3, "dequantize: random bytes and scales, uneven blocks",
     "w[k] = levels[code k] * scales[k / block]; code k is the high nibble of packed[k / 2] for even k, the low nibble for odd k.")
{
    rng_t *g = judge_rng(j);
    static const size_t sizes[][2] = {{130, 64}, {7, 3}, {1, 1}, {301, 64}};
    double lv[16];
    nf4_levels(lv);
    for (size_t k = 0; k < 4 && !judge_failed(j); k++) {
        size_t n = sizes[k][0], block = sizes[k][1], nbytes = (n + 1) / 2;
        uint8_t *pk = malloc(nbytes);
        for (size_t i = 0; i < nbytes; i++)
            pk[i] = (uint8_t)rng_below(g, 256);
        if (n % 2)
            pk[nbytes - 1] &= 0xF0;
        double *sc = mat_alloc(nblocks(n, block), 1);
        rng_fill_uniform(g, sc, nblocks(n, block), 0.1, 2.0);
        dequant_matches(j, lv, pk, sc, n, block);
        free(pk), free(sc);
    }
}

TEST("lab09.4", 2, "round trip: every level times its scale comes back exactly",
     "Quantize the 16 levels themselves (block 16): each must get its own code back, and dequantizing gives them again.")
{
    double lv[16];
    nf4_levels(lv);
    uint8_t pk[8];
    double sc[1];
    q_quantize(lv, lv, 16, 16, pk, sc);
    dequant_matches(j, lv, pk, sc, 16, 16);
}

/* ------------------------------------------------------------ lab09.5 */

static int dq_matches(judge_t *j, const double *s, size_t nb, size_t group)
{
    const size_t ng = nblocks(nb, group);
    uint8_t *codes = malloc(nb);
    double *gs = mat_alloc(ng, 1), mean;
    dq_quantize(s, nb, group, codes, gs, &mean);
    double *cd = bytes_d(codes, nb);
    call_t *c = call_new(j, "dq_quantize");
    call_in(c, "scales", s, nb);
    call_size(c, "nb", nb);
    call_size(c, "group", group);
    call_out(c, "codes", nb);
    call_out(c, "gscales", ng);
    call_out(c, "mean", 1);
    int ok = call_ok(j, c) &&
             expect_close(j, "mean", call_output(c, "mean"), &mean, 1, 1, TOL) &&
             expect_close(j, "gscales", call_output(c, "gscales"), gs, 1, ng, TOL) &&
             expect_exact(j, "codes (bytes: two's complement int8)", call_output(c, "codes"), cd, 1, nb);
    if (!ok)
        judge_fail(j, "(nb = %zu, group = %zu)", nb, group);
    call_free(c);
    free(codes), free(gs), free(cd);
    return ok;
}

TEST("lab09.5", 2, "DQ worked example: scales [1, 2, 3, 6], group 2",
     "mean 3; c = [-2, -1, 0, 3]; gscales [2, 3]; q = round(127 c / gscale) = [-127, -64, 0, 127]; bytes 0x81 0xC0 0x00 0x7F.")
{
    static const double s[4] = {1, 2, 3, 6};
    dq_matches(j, s, 4, 2);
}

TEST("lab09.5", 2, "DQ of random block scales, groups of 256 and uneven",
     "Subtract the mean of ALL scales first; absmax per group of the centred values; round() halves away from 0; the last group is shorter.")
{
    rng_t *g = judge_rng(j);
    static const size_t sizes[][2] = {{600, 256}, {257, 256}, {10, 3}};
    for (size_t k = 0; k < 3 && !judge_failed(j); k++) {
        double *s = mat_alloc(sizes[k][0], 1);
        for (size_t i = 0; i < sizes[k][0]; i++)
            s[i] = 0.05 + fabs(rng_normal(g)) * 0.02;
        dq_matches(j, s, sizes[k][0], sizes[k][1]);
        free(s);
    }
}

TEST("lab09.5", 1, "DQ restores the scales; equal scales give codes 0",
     "scales[k] = mean + gscales[k / group] * (int8_t)codes[k] / 127; when every scale is the mean, gscale is 0 and every code 0.")
{
    rng_t *g = judge_rng(j);
    const size_t nb = 37, group = 8, ng = nblocks(nb, group);
    uint8_t codes[37];
    for (size_t i = 0; i < nb; i++)
        codes[i] = (uint8_t)rng_below(g, 256);
    double gs[5], want[37], *cd = bytes_d(codes, nb);
    rng_fill_uniform(g, gs, ng, 0.0, 0.1);
    dq_dequantize(codes, gs, 0.07, nb, group, want);
    call_t *c = call_new(j, "dq_dequantize");
    call_in(c, "codes", cd, nb);
    call_in(c, "gscales", gs, ng);
    call_real(c, "mean", 0.07);
    call_size(c, "nb", nb);
    call_size(c, "group", group);
    call_out(c, "scales", nb);
    if (call_ok(j, c) &&
        expect_close(j, "scales", call_output(c, "scales"), want, 1, nb, TOL)) {
        double same[5] = {0.25, 0.25, 0.25, 0.25, 0.25};
        dq_matches(j, same, 5, 2);
    }
    call_free(c);
    free(cd);
}

TEST("lab09.5", 1, "bits per parameter: 4.5 plain, 4.126953125 with DQ",
     "bits[0] = 4 + 32 / block; bits[1] = 4 + 8 / block + 32 / (block group), in double.")
{
    static const size_t cases[][2] = {{64, 256}, {32, 3}};
    for (int k = 0; k < 2 && !judge_failed(j); k++) {
        double want[2];
        q_bits_per_param(cases[k][0], cases[k][1], want);
        call_t *c = call_new(j, "q_bits_per_param");
        call_size(c, "block", cases[k][0]);
        call_size(c, "group", cases[k][1]);
        call_out(c, "bits", 2);
        (void)(call_ok(j, c) &&
               expect_close(j, "bits", call_output(c, "bits"), want, 1, 2, 1e-12));
        call_free(c);
    }
}

TEST("lab09.5", 1, "dq_quantize rejects a NaN or an Inf in the scales",
     "Check every scale with isfinite() before you write anything; return LAB_EARG.")
{
    double s[5] = {0.1, 0.2, NAN, 0.3, 0.4};
    for (int k = 0; k < 2 && !judge_failed(j); k++) {
        s[2] = k ? -INFINITY : NAN;
        call_t *c = call_new(j, "dq_quantize");
        call_in(c, "scales", s, 5);
        call_size(c, "nb", 5);
        call_size(c, "group", 2);
        call_out(c, "codes", 5);
        call_out(c, "gscales", 3);
        call_out(c, "mean", 1);
        (void)(call_run(c) && expect_return(j, c, LAB_EARG) && expect_untouched(j, c, "codes") &&
               expect_untouched(j, c, "gscales") && expect_untouched(j, c, "mean"));
        call_free(c);
    }
}

/* ------------------------------------------------------------ lab09.6, lab09.7 */

typedef struct {
    size_t batch, d_in, d_out, r, block, n;
    double lv[16], *w, *x, *t, *a, *b, *sc, *pd, alpha;
    uint8_t *pk;
} qprob_t;

static void qprob_random(judge_t *j, qprob_t *P, size_t batch, size_t d_in, size_t d_out, size_t r,
                         size_t block)
{
    rng_t *g = judge_rng(j);
    *P = (qprob_t){batch, d_in, d_out, r, block, d_in * d_out, {0}, 0, 0, 0, 0, 0, 0, 0, 2.0 * r, 0};
    nf4_levels(P->lv);
    P->w = mat_alloc(P->n, 1), P->x = mat_alloc(batch, d_in), P->t = mat_alloc(batch, d_out);
    P->a = mat_alloc(r, d_in), P->b = mat_alloc(d_out, r);
    P->sc = mat_alloc(nblocks(P->n, block), 1), P->pk = malloc((P->n + 1) / 2);
    rng_fill_normal(g, P->w, P->n, 0.3);
    rng_fill_uniform(g, P->x, batch * d_in, -1, 1);
    rng_fill_uniform(g, P->t, batch * d_out, -1, 1);
    rng_fill_uniform(g, P->a, r * d_in, -0.5, 0.5);
    rng_fill_uniform(g, P->b, d_out * r, -0.5, 0.5);
    q_quantize(P->lv, P->w, P->n, block, P->pk, P->sc);
    P->pd = bytes_d(P->pk, (P->n + 1) / 2);
}

static void qprob_free(qprob_t *P)
{
    free(P->w), free(P->x), free(P->t), free(P->a), free(P->b), free(P->sc), free(P->pk), free(P->pd);
}

static call_t *qcall(judge_t *j, const char *fn, qprob_t *P)
{
    call_t *c = call_new(j, fn);
    call_in(c, "levels", P->lv, 16);
    call_in(c, "packed", P->pd, (P->n + 1) / 2);
    call_in(c, "scales", P->sc, nblocks(P->n, P->block));
    call_size(c, "block", P->block);
    call_in(c, "x", P->x, P->batch * P->d_in);
    if (fn[6] == 'g')
        call_in(c, "t", P->t, P->batch * P->d_out);
    call_in(c, "a", P->a, P->r * P->d_in);
    call_in(c, "b", P->b, P->d_out * P->r);
    call_size(c, "batch", P->batch);
    call_size(c, "d_in", P->d_in);
    call_size(c, "d_out", P->d_out);
    call_size(c, "r", P->r);
    call_real(c, "alpha", P->alpha);
    return c;
}

/* The student's fn (qlora_forward or qlora_grad) on P against the
 * reference's, P's sizes named when they differ. */
static int matches_on(judge_t *j, const char *fn, qprob_t *P)
{
    int grad = !strcmp(fn, "qlora_grad");
    fn_value_t v[20] = {{.in = P->lv}, {.in = P->pd}, {.in = P->sc}, {.z = P->block}, {.in = P->x}};
    int k = 5;
    if (grad)
        v[k++].in = P->t;
    v[k++].in = P->a, v[k++].in = P->b;
    v[k++].z = P->batch, v[k++].z = P->d_in, v[k++].z = P->d_out, v[k++].z = P->r;
    v[k].d = P->alpha;
    int ok = expect_as_reference(j, fn, v, 0, TOL);
    if (!ok)
        judge_fail(j, "(batch = %zu, d_in = %zu, d_out = %zu, r = %zu, block = %zu, alpha = %g)", P->batch,
                   P->d_in, P->d_out, P->r, P->block, P->alpha);
    return ok;
}

/* matches_on(fn) on a random problem of shape {batch, d_in, d_out, r, block}. */
static void on_shape(judge_t *j, const char *fn, const size_t shape[5])
{
    qprob_t P;
    qprob_random(j, &P, shape[0], shape[1], shape[2], shape[3], shape[4]);
    matches_on(j, fn, &P);
    qprob_free(&P);
}

/* on_shape with d_in != d_out (d_in 5 .. 24, d_out 3 .. 12, batch 4 .. 8,
 * r 1 .. 3) and the given block size. */
static void on_non_square(judge_t *j, const char *fn, size_t block)
{
    rng_t *g = judge_rng(j);
    size_t di = 5 + rng_below(g, 20), dn = 3 + rng_below(g, 9);
    const size_t shape[5] = {4 + rng_below(g, 5), di, di == dn ? dn + 1 : dn, 1 + rng_below(g, 3), block};
    on_shape(j, fn, shape);
}

TEST("lab09.6", 5, "forward on a 4-bit base matches the reference, non-square",
     "y = x W0q^T + (alpha / r) (x A^T) B^T; W0q (d_out, d_in) is the dequantized base, entry (o, i) at flat index o d_in + i.")
{
    on_non_square(j, "qlora_forward", 64);
}

TEST("lab09.6", 4, "forward with blocks that cross rows and do not divide d_out d_in",
     "Blocks run over the flattened base: block k0 / block covers entries k0 .. k0 + block - 1, across row ends; the last block is shorter.")
{
    static const size_t shapes[][5] = {{3, 7, 5, 2, 4}, {2, 9, 11, 3, 64}, {1, 13, 1, 1, 5}};
    for (int k = 0; k < 3 && !judge_failed(j); k++)
        on_shape(j, "qlora_forward", shapes[k]);
}

TEST("lab09.7", 6, "adapter gradients match the reference, non-square",
     "dY = 2 (y - t) / (batch d_out); grad_b = s dY^T (x A^T) (d_out, r); grad_a = s (dY B)^T x (r, d_in); s = alpha / r.")
{
    on_non_square(j, "qlora_grad", 16);
}

TEST("lab09.7", 4, "adapter gradients match central differences of the loss",
     "The gradients must be those of the loss, the MSE over the batch d_out entries of y - t with y on the dequantized base: dY = 2 (y - t) / (batch d_out).")
{
    qprob_t P;
    qprob_random(j, &P, 4, 6, 5, 2, 8);
    double loss, ga[12], gb[10], num[22];
    qlora_grad(P.lv, P.pk, P.sc, 8, P.x, P.t, P.a, P.b, 4, 6, 5, 2, P.alpha, &loss, ga, gb);
    const double eps = 1e-6;
    for (int k = 0; k < 22; k++) {
        double *th = k < 12 ? &P.a[k] : &P.b[k - 12], keep = *th, lp, lm;
        double g1[12], g2[10];
        *th = keep + eps;
        qlora_grad(P.lv, P.pk, P.sc, 8, P.x, P.t, P.a, P.b, 4, 6, 5, 2, P.alpha, &lp, g1, g2);
        *th = keep - eps;
        qlora_grad(P.lv, P.pk, P.sc, 8, P.x, P.t, P.a, P.b, 4, 6, 5, 2, P.alpha, &lm, g1, g2);
        *th = keep;
        num[k] = (lp - lm) / (2 * eps);
    }
    call_t *c = qcall(j, "qlora_grad", &P);
    call_out(c, "loss", 1);
    call_out(c, "grad_a", 12);
    call_out(c, "grad_b", 10);
    (void)(call_ok(j, c) &&
           expect_close(j, "grad_a (central differences)", call_output(c, "grad_a"), num, 2, 6, 1e-6) &&
           expect_close(j, "grad_b (central differences)", call_output(c, "grad_b"), num + 12, 5, 2, 1e-6));
    call_free(c);
    qprob_free(&P);
}

JUDGE_LAB_MAIN("09", "QLoRA: NF4 base, double quantization, LoRA on 4 bits", "09-qlora", "qlora.h",
               "qlora.c")
