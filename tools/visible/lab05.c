/*
 * lab05.c - writes data/lab05/visible-expected.txt from the reference
 * (make visible-expected): merging, unmerging and switching on a random
 * non-square layer (d_in = 5, d_out = 3, r = 2, alpha = 3), so a test never
 * needs the student's own lora_merge to know what a switch should give; and
 * two safetensors files the reference encodes (one byte per entry), so the
 * decoder's tests never need the student's own encoder.
 */
#include <string.h>

#include "gen.h"
#include "merge_switch.h"
#include "safetensors.h"

enum { DI = 5, DO = 3, R = 2 };
static const double ALPHA = 3.0; /* alpha / r = 1.5 */

static double *seen_transposed(const double *m, size_t rows, size_t cols)
{
    double *t = mat_alloc(cols, rows);
    mat_transpose(m, t, rows, cols);
    return t;
}

static double *copy_of(const double *m, size_t count)
{
    return mat_dup(m, count, 1);
}

/* lora_merge or lora_unmerge: W (d_out, d_in) += or -= (alpha/r) B A. */
typedef int (*merge_op_t)(double *w, const double *a, const double *b, size_t d_in, size_t d_out,
                          size_t r, double alpha);

/* Tensor NAME: op with a, b and alpha applied to a copy of base (DO, DI);
 * returns that result (the caller frees it). */
static double *put_applied(const char *name, merge_op_t op, const double *base, const double *a,
                           const double *b, double alpha)
{
    double *w = copy_of(base, DO * DI);
    MUST(op(w, a, b, DI, DO, R, alpha));
    put(name, w, DO, DI);
    return w;
}

/* Tensor NAME: the reference's safetensors file of the visible tests'
 * example module (A (2, 3), B (4, 2): d_in 3, d_out 4, r 2), one byte per entry. */
static void put_file(const char *name, const char *module, long long dtype)
{
    static const double a23[6] = {0.5, -1.25, 3.0, 0.1, 1.0 / 3.0, -2.0};
    static const double b42[8] = {1, 2, 3, 4, 5, 6, 7, 8.5};
    unsigned char buf[512];
    double bytes[512];
    size_t len = 0;
    MUST(st_encode_lora(module, a23, b42, 3, 4, 2, dtype, buf, sizeof buf, &len));
    for (size_t i = 0; i < len; i++)
        bytes[i] = buf[i];
    put(name, bytes, 1, len);
}

int main(void)
{
    rng_t g;
    start_file(&g, "05", 5505);
    printf("# d_in = %d, d_out = %d, r = %d, alpha = %g\n", DI, DO, R, ALPHA);
    double *w0 = random_matrix(&g, DO, DI), *bias = random_matrix(&g, 1, DO);
    double *a1 = random_matrix(&g, R, DI), *b1 = random_matrix(&g, DO, R);
    double *a2 = random_matrix(&g, R, DI), *b2 = random_matrix(&g, DO, R);
    put("w0", w0, DO, DI), put("bias", bias, 1, DO), put("a1", a1, R, DI), put("b1", b1, DO, R);
    put("a2", a2, R, DI), put("b2", b2, DO, R);

    /* lab05.1: W1 = W0 + (alpha/r) B1 A1, and what typical mistakes give. */
    double *a1t = seen_transposed(a1, DI, R), *b1t = seen_transposed(b1, R, DO);
    double *w1 = put_applied("merge.w", lora_merge, w0, a1, b1, ALPHA);
    free(put_applied("merge.w~a_transposed", lora_merge, w0, a1t, b1, ALPHA));
    free(put_applied("merge.w~b_transposed", lora_merge, w0, a1, b1t, ALPHA));
    free(put_applied("merge.w~scale_alpha", lora_merge, w0, a1, b1, ALPHA * R));
    free(put_applied("merge.w~subtracts", lora_unmerge, w0, a1, b1, ALPHA));

    /* lab05.2: unmerging from W1 gives W0 (stored as w0); adding again gives this. */
    free(put_applied("w0~adds", lora_merge, w1, a1, b1, ALPHA));
    free(put_applied("w0~a_transposed", lora_unmerge, w1, a1t, b1, ALPHA));
    free(put_applied("w0~b_transposed", lora_unmerge, w1, a1, b1t, ALPHA));

    /* lab05.3 and lab05.7: from W1 to W2 = W0 + (alpha/r) B2 A2. */
    double *w = copy_of(w1, DO * DI);
    MUST(lora_switch(w, a1, b1, a2, b2, DI, DO, R, ALPHA));
    put("switch.w", w, DO, DI);
    free(put_applied("switch.w~keeps_old", lora_merge, w1, a2, b2, ALPHA));
    double *a2t = seen_transposed(a2, DI, R), *b2t = seen_transposed(b2, R, DO), *wm = copy_of(w1, DO * DI);
    MUST(lora_switch(wm, a1t, b1, a2t, b2, DI, DO, R, ALPHA));
    put("switch.w~a_transposed", wm, DO, DI);
    memcpy(wm, w1, DO * DI * sizeof *wm);
    MUST(lora_switch(wm, a1, b1t, a2, b2t, DI, DO, R, ALPHA));
    put("switch.w~b_transposed", wm, DO, DI);
    /* lab05.7: the same W2 re-derived from W0, starting from w = W1. */
    put("from_base.w", w, DO, DI);
    free(put_applied("from_base.w~adds_to_w", lora_merge, w1, a2, b2, ALPHA));
    free(put_applied("from_base.w~a_transposed", lora_merge, w0, a2t, b2, ALPHA));
    free(put_applied("from_base.w~b_transposed", lora_merge, w0, a2, b2t, ALPHA));

    /* lab05.4: the plain layer. */
    double *w_out = mat_alloc(DO, DI), *bias_out = mat_alloc(1, DO);
    MUST(lora_to_linear(w0, bias, a1, b1, DI, DO, R, ALPHA, w_out, bias_out));
    put("to_linear.w", w_out, DO, DI), put("to_linear.bias", bias_out, 1, DO);
    MUST(lora_to_linear(w0, bias, a1t, b1, DI, DO, R, ALPHA, w_out, bias_out));
    put("to_linear.w~a_transposed", w_out, DO, DI);
    MUST(lora_to_linear(w0, bias, a1, b1t, DI, DO, R, ALPHA, w_out, bias_out));
    put("to_linear.w~b_transposed", w_out, DO, DI);

    /* lab05.5: d_in = 5, d_out = 3, r = 2, 7 matrices. */
    double swap = 0, reload = 0;
    MUST(lora_swap_count(DI, DO, R, 7, &swap, &reload));
    put_scalar("swap_count.swap", swap), put_scalar("swap_count.reload", reload);

    /* lab05.6: the float switch from float(W1), scale 1.5f, as doubles. */
    float fw[DO * DI], fa1[R * DI], fb1[DO * R], fa2[R * DI], fb2[DO * R];
    mat_to_float(w1, fw, DO * DI);
    mat_to_float(a1, fa1, R * DI), mat_to_float(a2, fa2, R * DI);
    mat_to_float(b1, fb1, DO * R), mat_to_float(b2, fb2, DO * R);
    MUST(lora_switch_f32(fw, fa1, fb1, fa2, fb2, DI, DO, R, 1.5f));
    for (size_t i = 0; i < DO * DI; i++)
        w[i] = fw[i];
    put("switch_f32.w", w, DO, DI);

    /* lab05.8 and lab05.9: the example module's files. */
    put_file("st_f64.bytes", "model.layers.0.self_attn.q_proj", ST_F64);
    put_file("st_f32.bytes", "q_proj", ST_F32);

    free(w0), free(bias), free(a1), free(b1), free(a2), free(b2), free(w), free(w1);
    free(a1t), free(b1t), free(w_out), free(bias_out), free(a2t), free(b2t), free(wm);
    return 0;
}
