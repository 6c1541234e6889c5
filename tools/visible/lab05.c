/*
 * lab05.c - writes data/lab05/visible-expected.txt from the reference
 * (make visible-expected): merging, unmerging and switching on a random
 * non-square layer (d_in = 5, d_out = 3, r = 2, alpha = 3), so a test never
 * needs the student's own lora_merge to know what a switch should give.
 */
#include "gen.h"
#include "merge_switch.h"

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
    double *w = copy_of(w0, DO * DI), *a1t = seen_transposed(a1, DI, R), *b1t = seen_transposed(b1, R, DO);
    MUST(lora_merge(w, a1, b1, DI, DO, R, ALPHA));
    put("merge.w", w, DO, DI);
    double *w1 = copy_of(w, DO * DI);
    free(w), w = copy_of(w0, DO * DI);
    MUST(lora_merge(w, a1t, b1, DI, DO, R, ALPHA));
    put("merge.w~a_transposed", w, DO, DI);
    free(w), w = copy_of(w0, DO * DI);
    MUST(lora_merge(w, a1, b1t, DI, DO, R, ALPHA));
    put("merge.w~b_transposed", w, DO, DI);
    free(w), w = copy_of(w0, DO * DI);
    MUST(lora_merge(w, a1, b1, DI, DO, R, ALPHA * R));
    put("merge.w~scale_alpha", w, DO, DI);
    free(w), w = copy_of(w0, DO * DI);
    MUST(lora_unmerge(w, a1, b1, DI, DO, R, ALPHA));
    put("merge.w~subtracts", w, DO, DI);

    /* lab05.2: unmerging from W1 gives W0 (stored as w0); adding again gives this. */
    free(w), w = copy_of(w1, DO * DI);
    MUST(lora_merge(w, a1, b1, DI, DO, R, ALPHA));
    put("w0~adds", w, DO, DI);

    /* lab05.3 and lab05.7: from W1 to W2 = W0 + (alpha/r) B2 A2. */
    free(w), w = copy_of(w1, DO * DI);
    MUST(lora_switch(w, a1, b1, a2, b2, DI, DO, R, ALPHA));
    put("switch.w", w, DO, DI);
    free(w), w = copy_of(w1, DO * DI);
    MUST(lora_merge(w, a2, b2, DI, DO, R, ALPHA));
    put("switch.w~keeps_old", w, DO, DI);

    /* lab05.4: the plain layer. */
    double *w_out = mat_alloc(DO, DI), *bias_out = mat_alloc(1, DO);
    MUST(lora_to_linear(w0, bias, a1, b1, DI, DO, R, ALPHA, w_out, bias_out));
    put("to_linear.w", w_out, DO, DI), put("to_linear.bias", bias_out, 1, DO);

    /* lab05.5: d_in = 5, d_out = 3, r = 2, 7 matrices. */
    double swap = 0, reload = 0;
    MUST(lora_swap_count(DI, DO, R, 7, &swap, &reload));
    put_scalar("swap_count.swap", swap), put_scalar("swap_count.reload", reload);

    /* lab05.6: the float switch from float(W1), scale 1.5f, as doubles. */
    float fw[DO * DI], fa1[R * DI], fb1[DO * R], fa2[R * DI], fb2[DO * R];
    for (size_t i = 0; i < DO * DI; i++)
        fw[i] = (float)w1[i];
    for (size_t i = 0; i < R * DI; i++)
        fa1[i] = (float)a1[i], fa2[i] = (float)a2[i];
    for (size_t i = 0; i < DO * R; i++)
        fb1[i] = (float)b1[i], fb2[i] = (float)b2[i];
    MUST(lora_switch_f32(fw, fa1, fb1, fa2, fb2, DI, DO, R, 1.5f));
    for (size_t i = 0; i < DO * DI; i++)
        w[i] = fw[i];
    put("switch_f32.w", w, DO, DI);

    free(w0), free(bias), free(a1), free(b1), free(a2), free(b2), free(w), free(w1);
    free(a1t), free(b1t), free(w_out), free(bias_out);
    return 0;
}
