/*
 * lab02.c - writes data/lab02/visible-expected.txt from the reference
 * (make visible-expected).  Shapes are never square (d_in = 5, d_out = 3,
 * r = 2, batch 4), so a transposed matrix or a wrong stride changes the result.
 */
#include <string.h>

#include "gen.h"
#include "lora_forward.h"

enum { DI = 5, DO = 3, R = 2, N = 4 };
static const double ALPHA = 3.0; /* alpha / r = 1.5 */

/* m viewed as (rows, cols), transposed: what code that reads the (cols, rows)
 * matrix of the contract in the other order sees. */
static double *seen_transposed(const double *m, size_t rows, size_t cols)
{
    double *t = mat_alloc(cols, rows);
    mat_transpose(m, t, rows, cols);
    return t;
}

/* The kit-layout row and batch cases: y and the y of each typical mistake. */
static void kit_layout_case(rng_t *g, const char *name, size_t batch)
{
    char key[64];
    double *x = random_matrix(g, batch, DI), *w0 = random_matrix(g, DO, DI);
    double *a = random_matrix(g, R, DI), *b = random_matrix(g, DO, R);
    double *y = mat_alloc(batch, DO), *zero_b = mat_alloc(DO, R), *zero_w0 = mat_alloc(DO, DI);
    double *bt = seen_transposed(b, R, DO), *at = seen_transposed(a, DI, R);
    double *w0t = seen_transposed(w0, DI, DO);
#define PUT(what, m, rows, cols) (snprintf(key, sizeof key, "%s.%s", name, what), put(key, m, rows, cols))
    PUT("x", x, batch, DI), PUT("w0", w0, DO, DI), PUT("a", a, R, DI), PUT("b", b, DO, R);
    MUST(lora_forward(x, batch, w0, a, b, DI, DO, R, ALPHA, y)); PUT("y", y, batch, DO);
    MUST(lora_forward(x, batch, w0, a, bt, DI, DO, R, ALPHA, y)); PUT("y~b_transposed", y, batch, DO);
    MUST(lora_forward(x, batch, w0, at, b, DI, DO, R, ALPHA, y)); PUT("y~a_transposed", y, batch, DO);
    MUST(lora_forward(x, batch, w0t, a, b, DI, DO, R, ALPHA, y)); PUT("y~w0_transposed", y, batch, DO);
    MUST(lora_forward(x, batch, w0, a, b, DI, DO, R, ALPHA * R, y)); PUT("y~scale_alpha", y, batch, DO);
    MUST(lora_forward(x, batch, w0, a, b, DI, DO, R, 1.0, y)); PUT("y~scale_one_over_r", y, batch, DO);
    MUST(lora_forward(x, batch, w0, a, zero_b, DI, DO, R, ALPHA, y)); PUT("y~no_update", y, batch, DO);
    MUST(lora_forward(x, batch, zero_w0, a, b, DI, DO, R, ALPHA, y)); PUT("y~no_base", y, batch, DO);
    if (batch > 1) { /* row t of x read at x + t * d_out */
        double *xs = mat_alloc(batch, DI);
        for (size_t t = 0; t < batch; t++)
            memcpy(xs + t * DI, x + t * DO, DI * sizeof *xs);
        MUST(lora_forward(xs, batch, w0, a, b, DI, DO, R, ALPHA, y)); PUT("y~x_stride_d_out", y, batch, DO);
        for (size_t t = 0; t < batch; t++) /* row t of x read at x + t * (d_in - 1) */
            memcpy(xs + t * DI, x + t * (DI - 1), DI * sizeof *xs);
        MUST(lora_forward(xs, batch, w0, a, b, DI, DO, R, ALPHA, y));
        PUT("y~x_stride_off_by_one", y, batch, DO);
        free(xs);
    }
#undef PUT
    free(x), free(w0), free(a), free(b), free(y), free(zero_b), free(zero_w0), free(bt), free(at), free(w0t);
}

static void merged_case(rng_t *g)
{
    double *w0 = random_matrix(g, DO, DI), *a = random_matrix(g, R, DI), *b = random_matrix(g, DO, R);
    double *w = mat_alloc(DO, DI), *bt = seen_transposed(b, R, DO), *at = seen_transposed(a, DI, R);
    double *w0t = seen_transposed(w0, DI, DO), *a_s = mat_alloc(R, DI);
    for (size_t k = 0; k < R; k++) /* A's rows read with stride d_out: A[k][j] at a[k * d_out + j] */
        memcpy(a_s + k * DI, a + k * DO, DI * sizeof *a_s);
    put("merged.w0", w0, DO, DI), put("merged.a", a, R, DI), put("merged.b", b, DO, R);
    MUST(lora_merged_weight(w0, a, b, DI, DO, R, ALPHA, w)); put("merged.w_eff", w, DO, DI);
    MUST(lora_merged_weight(w0, a, bt, DI, DO, R, ALPHA, w)); put("merged.w_eff~b_transposed", w, DO, DI);
    MUST(lora_merged_weight(w0, at, b, DI, DO, R, ALPHA, w)); put("merged.w_eff~a_transposed", w, DO, DI);
    MUST(lora_merged_weight(w0, a, b, DI, DO, R, ALPHA * R, w)); put("merged.w_eff~scale_alpha", w, DO, DI);
    MUST(lora_merged_weight(w0, a, b, DI, DO, R, 1.0, w)); put("merged.w_eff~scale_one_over_r", w, DO, DI);
    MUST(lora_merged_weight(w0t, a, b, DI, DO, R, ALPHA, w)); put("merged.w_eff~w0_transposed", w, DO, DI);
    MUST(lora_merged_weight(w0, a_s, b, DI, DO, R, ALPHA, w)); put("merged.w_eff~a_stride_d_out", w, DO, DI);
    free(w0), free(a), free(b), free(w), free(bt), free(at), free(w0t), free(a_s);
}

/* The (d_in, d_out) layout: w (d_in, d_out), b_down (d_in, r), a_up (r, d_out). */
static void in_out_case(rng_t *g)
{
    double *x = random_matrix(g, N, DI), *w = random_matrix(g, DI, DO);
    double *bd = random_matrix(g, DI, R), *au = random_matrix(g, R, DO), *h = mat_alloc(N, DO);
    double *w0 = mat_alloc(DO, DI), *a = mat_alloc(R, DI), *b = mat_alloc(DO, R);
    put("in_out.x", x, N, DI), put("in_out.w", w, DI, DO), put("in_out.b_down", bd, DI, R);
    put("in_out.a_up", au, R, DO);
    MUST(lora_forward_in_out(x, N, w, bd, au, DI, DO, R, ALPHA, h)); put("in_out.h", h, N, DO);
    MUST(lora_forward(x, N, w, bd, au, DI, DO, R, ALPHA, h)); put("in_out.h~kit_layout", h, N, DO);
    MUST(lora_forward_in_out(x, N, w, bd, au, DI, DO, R, ALPHA * R, h)); put("in_out.h~scale_alpha", h, N, DO);
    MUST(lora_forward_in_out(x, N, w, bd, au, DI, DO, R, 1.0, h)); put("in_out.h~scale_one_over_r", h, N, DO);
    double *xs = mat_alloc(N, DI);
    for (size_t t = 0; t < N; t++) /* row t of x read at x + t * (d_in - 1) */
        memcpy(xs + t * DI, x + t * (DI - 1), DI * sizeof *xs);
    MUST(lora_forward_in_out(xs, N, w, bd, au, DI, DO, R, ALPHA, h));
    put("in_out.h~x_stride_off_by_one", h, N, DO);
    free(xs);
    MUST(lora_from_in_out(w, bd, au, DI, DO, R, w0, a, b));
    put("from_in_out.w0", w0, DO, DI), put("from_in_out.a", a, R, DI), put("from_in_out.b", b, DO, R);
    put("from_in_out.w0~copied", w, DO, DI), put("from_in_out.a~copied", bd, R, DI);
    put("from_in_out.b~copied", au, DO, R);
    free(x), free(w), free(bd), free(au), free(h), free(w0), free(a), free(b);
}

/* The paper's column form: w0 (d, k), b (d, r), a (r, k), x_cols (k, n). */
static void columns_case(rng_t *g)
{
    double *w0 = random_matrix(g, DO, DI), *b = random_matrix(g, DO, R), *a = random_matrix(g, R, DI);
    double *xc = random_matrix(g, DI, N), *h = mat_alloc(DO, N), *hr = mat_alloc(N, DO);
    double *xr = seen_transposed(xc, N, DI), *w0t = seen_transposed(w0, DI, DO);
    double *bt = seen_transposed(b, R, DO), *at = seen_transposed(a, DI, R);
    put("columns.w0", w0, DO, DI), put("columns.b", b, DO, R), put("columns.a", a, R, DI);
    put("columns.x_cols", xc, DI, N);
    MUST(lora_forward_columns(w0, b, a, xc, DO, DI, R, N, ALPHA, h)); put("columns.h_cols", h, DO, N);
    mat_transpose(h, hr, DO, N); put("columns.h_cols~rows_out", hr, N, DO);
    MUST(lora_forward_columns(w0, b, a, xr, DO, DI, R, N, ALPHA, h)); put("columns.h_cols~rows_in", h, DO, N);
    MUST(lora_forward_columns(w0, b, a, xc, DO, DI, R, N, ALPHA * R, h));
    put("columns.h_cols~scale_alpha", h, DO, N);
    MUST(lora_forward_columns(w0t, b, a, xc, DO, DI, R, N, ALPHA, h));
    put("columns.h_cols~w0_transposed", h, DO, N);
    MUST(lora_forward_columns(w0, bt, a, xc, DO, DI, R, N, ALPHA, h));
    put("columns.h_cols~b_transposed", h, DO, N);
    MUST(lora_forward_columns(w0, b, at, xc, DO, DI, R, N, ALPHA, h));
    put("columns.h_cols~a_transposed", h, DO, N);
    free(w0), free(b), free(a), free(xc), free(h), free(hr), free(xr), free(w0t), free(bt), free(at);
}

int main(void)
{
    rng_t g;
    start_file(&g, "02", 2202);
    printf("# d_in = %d, d_out = %d, r = %d, alpha = %g, batch %d (in_out, columns: n = %d)\n", DI, DO,
           R, ALPHA, N, N);
    kit_layout_case(&g, "row", 1);
    kit_layout_case(&g, "batch", N);
    merged_case(&g);
    in_out_case(&g);
    columns_case(&g);
    return 0;
}
