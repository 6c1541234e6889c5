/*
 * lab07.c - writes data/lab07/visible-expected.txt from the reference
 * (make visible-expected): every function of the two-task project on a
 * random small network (d = 3, d_ff = 5, r = 2, n = 7, scale 1.5).
 */
#include <string.h>

#include "gen.h"
#include "two_task.h"

enum { D = 3, DFF = 5, R = 2, N = 7, EPOCHS = 5 };
#define NF (2 * D * DFF + DFF + D)
#define NA (R * DFF + 3 * D * R + D + 1)
static const double SCALE = 1.5, LR = 0.1;

/* The gradient with dA1 (r, d_ff), at the start of grad, written in the
 * (d_ff, r) layout: entry (k, j) at [j * r + k]. */
static void put_da1_transposed(const char *name, const double *grad)
{
    double g[NA];
    memcpy(g, grad, sizeof g);
    for (size_t k = 0; k < R; k++)
        for (size_t j = 0; j < DFF; j++)
            g[j * R + k] = grad[k * DFF + j];
    put(name, g, 1, NA);
}

int main(void)
{
    rng_t g;
    start_file(&g, "07", 7707);
    printf("# d = %d, d_ff = %d, r = %d, n = %d, scale %g; training: lr %g, %d epochs\n", D, DFF, R, N,
           SCALE, LR, EPOCHS);
    double frozen[NF], adapter[NA], x[N * D], y[N], y_b[N];
    rng_fill_normal(&g, frozen, NF, 0.5);
    rng_fill_normal(&g, adapter, NA, 0.4);
    rng_fill_normal(&g, x, N * D, 1.0);
    for (size_t t = 0; t < N; t++)
        y[t] = (double)rng_below(&g, 2), y_b[t] = (double)rng_below(&g, 2);
    put("frozen", frozen, 1, NF), put("adapter", adapter, 1, NA), put("x", x, N, D);
    put("y", y, 1, N), put("y_b", y_b, 1, N);

    double out[N * D], probs[N], loss, grad[NA], trained[NA], losses[EPOCHS], merged[NF];
    MUST(base_forward(x, N, frozen, D, DFF, out));
    put("base.out", out, N, D);
    MUST(adapted_forward(x, N, frozen, adapter, D, DFF, R, SCALE, out));
    put("adapted.out", out, N, D);
    MUST(head_bce(out, y, N, adapter + TT_HEAD(D, DFF, R), D, probs, &loss));
    put("head.probs", probs, 1, N), put_scalar("head.loss", loss);
    MUST(adapter_gradient(x, y, N, frozen, adapter, D, DFF, R, SCALE, TT_BACKPROP_FULL, &loss, grad));
    put_scalar("grad_full.loss", loss), put("grad_full.grad", grad, 1, NA);
    put_da1_transposed("grad_full.grad~da1_transposed", grad);
    MUST(adapter_gradient(x, y, N, frozen, adapter, D, DFF, R, SCALE, TT_BACKPROP_SIMPLIFIED, &loss, grad));
    put("grad_full.grad~simplified", grad, 1, NA), put("grad_simplified.grad", grad, 1, NA);
    put_da1_transposed("grad_simplified.grad~da1_transposed", grad);
    MUST(adapter_gradient(x, y, N, frozen, adapter, D, DFF, R, SCALE, TT_BACKPROP_FULL, &loss, grad));
    put("grad_simplified.grad~full", grad, 1, NA);
    MUST(train_task(x, y, N, frozen, adapter, D, DFF, R, SCALE, LR, EPOCHS, TT_BACKPROP_FULL, trained,
                    losses));
    put("train.adapter", trained, 1, NA), put("train.losses", losses, 1, EPOCHS);
    MUST(merge_adapter(frozen, adapter, D, DFF, R, SCALE, merged));
    put("merge.merged", merged, 1, NF);

    /* lab07.7 on this network: both tasks start from the adapter with B1 = B2 = 0. */
    double init[NA], report[TT_REPORT_LEN], ada[NA], adb[NA];
    memcpy(init, adapter, sizeof init);
    memset(init + TT_B1(DFF, R), 0, D * R * sizeof(double));
    memset(init + TT_B2(D, DFF, R), 0, D * R * sizeof(double));
    put("init", init, 1, NA);
    MUST(project_checks(x, y, y_b, N, x, 3, frozen, init, init, D, DFF, R, SCALE, LR, 20, TT_BACKPROP_FULL,
                        report, ada, adb));
    put("checks.report", report, 1, TT_REPORT_LEN);
    return 0;
}
