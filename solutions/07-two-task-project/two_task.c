/*
 * two_task.c - Lab 07: the two-task project, ported to C.
 *
 * Write the body of each function below where it says TODO.  The contract of
 * each function (the network, the packed layouts, the checks) is in
 * two_task.h: read it first.  Check your work with
 *     make check LAB=07      (the visible tests)
 *     make grade LAB=07      (the graded tests, with points)
 *     make demo LAB=07       (the project's report, from your code)
 * You may add static helper functions to this file; do not change the
 * signatures, and do not add other files: the grader compiles this one.
 */
#include "two_task.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* BEGIN SOLUTION */
/* The frozen pieces of frozen[] and the trained pieces of adapter[]. */
typedef struct {
    size_t d, d_ff, r;
    double s;
    const double *w1, *b1, *w2, *b2;           /* frozen */
    const double *a1, *bb1, *a2, *bb2, *head;  /* trained (head: w then c) */
} net_t;

static net_t net_of(const double *frozen, const double *adapter, size_t d, size_t d_ff, size_t r,
                    double s)
{
    net_t m = {d, d_ff, r, s, frozen, frozen + d_ff * d, frozen + TT_W2(d, d_ff),
               frozen + TT_B2BIAS(d, d_ff), NULL, NULL, NULL, NULL, NULL};
    if (adapter) {
        m.a1 = adapter;
        m.bb1 = adapter + TT_B1(d_ff, r);
        m.a2 = adapter + TT_A2(d, d_ff, r);
        m.bb2 = adapter + TT_B2(d, d_ff, r);
        m.head = adapter + TT_HEAD(d, d_ff, r);
    }
    return m;
}

/* What one sample's forward pass keeps for the backward pass. */
typedef struct {
    double *h1, *z1, *h2, *z2, *out; /* d_ff, r, d, r, d */
} keep_t;

/* One sample x (d) through the frozen layers, then (if m->a1) the adapters.
 * The base part of h2 is summed exactly as base_forward does.  (noinline
 * keeps the grader's compile of this file short.) */
__attribute__((noinline)) static void forward_one(const net_t *m, const double *x, keep_t *k)
{
    const size_t d = m->d, d_ff = m->d_ff, r = m->r;
    for (size_t q = 0; q < d_ff; q++) {
        double acc = 0.0;
        for (size_t j = 0; j < d; j++)
            acc += m->w1[q * d + j] * x[j];
        acc += m->b1[q];
        k->h1[q] = acc > 0.0 ? acc : 0.0;
    }
    for (size_t i = 0; i < d; i++) {
        double acc = 0.0;
        for (size_t q = 0; q < d_ff; q++)
            acc += m->w2[i * d_ff + q] * k->h1[q];
        k->h2[i] = acc + m->b2[i];
    }
    if (!m->a1) {
        memcpy(k->out, k->h2, d * sizeof(double));
        return;
    }
    for (size_t q = 0; q < r; q++) {
        double acc = 0.0;
        for (size_t j = 0; j < d_ff; j++)
            acc += m->a1[q * d_ff + j] * k->h1[j];
        k->z1[q] = acc;
    }
    for (size_t i = 0; i < d; i++) {
        double acc = 0.0;
        for (size_t q = 0; q < r; q++)
            acc += m->bb1[i * r + q] * k->z1[q];
        k->h2[i] += m->s * acc;
    }
    for (size_t q = 0; q < r; q++) {
        double acc = 0.0;
        for (size_t j = 0; j < d; j++)
            acc += m->a2[q * d + j] * k->h2[j];
        k->z2[q] = acc;
    }
    for (size_t i = 0; i < d; i++) {
        double acc = 0.0;
        for (size_t q = 0; q < r; q++)
            acc += m->bb2[i * r + q] * k->z2[q];
        k->out[i] = k->h2[i] + m->s * acc;
    }
}

/* Scratch of a call, one block that a public function allocates and
 * frees: for one sample h1 (d_ff), z1 (r), h2 (d), z2 (r), out (d) and the
 * backward pass's g_out (d), g_h2 (d), g_z (r); a gradient packed like an
 * adapter (training); `extra` more doubles for the caller. */
typedef struct {
    double *mem;
    keep_t k;
    double *g_out, *g_h2, *g_z, *grad, *extra;
} scratch_t;

/* The block (sc->mem), or NULL when memory ran out. */
static double *scratch_new(scratch_t *sc, size_t d, size_t d_ff, size_t r, size_t extra)
{
    const size_t count = two_task_adapter_count(d, d_ff, r);
    sc->mem = malloc((d_ff + 3 * r + 5 * d + count + extra) * sizeof(double));
    if (!sc->mem)
        return NULL;
    double *p = sc->mem;
    sc->k.h1 = p, p += d_ff;
    sc->k.z1 = p, p += r;
    sc->k.h2 = p, p += d;
    sc->k.z2 = p, p += r;
    sc->k.out = p, p += d;
    sc->g_out = p, p += d;
    sc->g_h2 = p, p += d;
    sc->g_z = p, p += r;
    sc->grad = p, p += count;
    sc->extra = p;
    return sc->mem;
}

static void batch_forward(const double *x, size_t n, const net_t *m, const scratch_t *scp,
                          double *out)
{
    scratch_t sc = *scp;
    for (size_t t = 0; t < n; t++) {
        forward_one(m, x + t * m->d, &sc.k);
        memcpy(out + t * m->d, sc.k.out, m->d * sizeof(double));
    }
}

static double sigmoid(double z)
{
    if (z >= 0)
        return 1.0 / (1.0 + exp(-z));
    double e = exp(z);
    return e / (1.0 + e);
}

/* Logit of one output row. */
static double logit_of(const double *out, const double *head, size_t d)
{
    double z = 0.0;
    for (size_t i = 0; i < d; i++)
        z += head[i] * out[i];
    return z + head[d];
}

/* BCE of one sample from its logit, stable for any finite z. */
static double bce_of(double z, double y) { return fmax(z, 0.0) - z * y + log1p(exp(-fabs(z))); }

static int labels_ok(const double *y, size_t n)
{
    for (size_t t = 0; t < n; t++)
        if (!(y[t] == 0.0 || y[t] == 1.0))
            return 0;
    return 1;
}

/* Loss and gradient (lab07.4); grad packed like the adapter. */
__attribute__((noinline)) static void gradient(const double *x, const double *y, size_t n,
                                               const net_t *m, enum two_task_backprop mode,
                                               const scratch_t *scp, double *loss, double *grad)
{
    const size_t d = m->d, d_ff = m->d_ff, r = m->r;
    scratch_t sc = *scp;
    memset(grad, 0, two_task_adapter_count(d, d_ff, r) * sizeof(double));
    double *ga1 = grad, *gb1 = grad + TT_B1(d_ff, r), *ga2 = grad + TT_A2(d, d_ff, r),
           *gb2 = grad + TT_B2(d, d_ff, r), *ghead = grad + TT_HEAD(d, d_ff, r);
    double l = 0.0;
    for (size_t t = 0; t < n; t++) {
        keep_t *k = &sc.k;
        forward_one(m, x + t * d, k);
        double z = logit_of(k->out, m->head, d);
        l += bce_of(z, y[t]);
        double g = (sigmoid(z) - y[t]) / (double)n;
        for (size_t i = 0; i < d; i++) {
            ghead[i] += g * k->out[i];
            sc.g_out[i] = g * m->head[i];
        }
        ghead[d] += g;
        /* LoRA 2: out = h2 + s B2 (A2 h2). */
        for (size_t q = 0; q < r; q++) {
            double acc = 0.0;
            for (size_t i = 0; i < d; i++) {
                gb2[i * r + q] += m->s * sc.g_out[i] * k->z2[q];
                acc += m->bb2[i * r + q] * sc.g_out[i];
            }
            sc.g_z[q] = m->s * acc;
        }
        for (size_t q = 0; q < r; q++)
            for (size_t j = 0; j < d; j++)
                ga2[q * d + j] += sc.g_z[q] * k->h2[j];
        for (size_t j = 0; j < d; j++) {
            double acc = sc.g_out[j];
            if (mode == TT_BACKPROP_FULL)
                for (size_t q = 0; q < r; q++)
                    acc += m->a2[q * d + j] * sc.g_z[q];
            sc.g_h2[j] = acc;
        }
        /* LoRA 1: h2 = W2 h1 + b2 + s B1 (A1 h1). */
        for (size_t q = 0; q < r; q++) {
            double acc = 0.0;
            for (size_t i = 0; i < d; i++) {
                gb1[i * r + q] += m->s * sc.g_h2[i] * k->z1[q];
                acc += m->bb1[i * r + q] * sc.g_h2[i];
            }
            sc.g_z[q] = m->s * acc;
        }
        for (size_t q = 0; q < r; q++)
            for (size_t j = 0; j < d_ff; j++)
                ga1[q * d_ff + j] += sc.g_z[q] * k->h1[j];
    }
    *loss = l / (double)n;
}

/* Gradient descent from init for `epochs` steps, in scratch sc. */
static void train(const double *x, const double *y, size_t n, const double *frozen,
                  const double *init, size_t d, size_t d_ff, size_t r, double s, double lr,
                  size_t epochs, enum two_task_backprop mode, const scratch_t *sc,
                  double *adapter, double *losses)
{
    const size_t count = two_task_adapter_count(d, d_ff, r);
    double *grad = sc->grad;
    memcpy(adapter, init, count * sizeof(double));
    for (size_t e = 0; e < epochs; e++) {
        net_t m = net_of(frozen, adapter, d, d_ff, r, s);
        gradient(x, y, n, &m, mode, sc, &losses[e], grad);
        for (size_t i = 0; i < count; i++)
            adapter[i] -= lr * grad[i];
    }
}

/* Probabilities of the head on out (n, d). */
static void probs_of(const double *out, size_t n, const double *head, size_t d, double *p)
{
    for (size_t t = 0; t < n; t++)
        p[t] = sigmoid(logit_of(out + t * d, head, d));
}

static double accuracy_of(const double *p, const double *y, size_t n)
{
    size_t right = 0;
    for (size_t t = 0; t < n; t++)
        right += (p[t] > 0.5) == (y[t] == 1.0);
    return (double)right / (double)n;
}

static double max_diff(const double *a, const double *b, size_t count)
{
    double m = 0.0;
    for (size_t i = 0; i < count; i++)
        m = fmax(m, fabs(a[i] - b[i]));
    return m;
}

#define COMMON_ARGS_OK(d, d_ff, r, scale)                                                     \
    do {                                                                                      \
        LAB_REQUIRE((d) > 0 && (d_ff) > 0, "d and d_ff must be >= 1 (got %zu, %zu)", (d), (d_ff)); \
        LAB_REQUIRE((r) > 0, "rank r must be >= 1 (got 0)");                                  \
        LAB_REQUIRE(isfinite(scale), "scale must be finite (got %g)", (scale));               \
    } while (0)
/* END SOLUTION */

/* lab07.1 - out (n, d) = W2 relu(W1 x + b1) + b2, the frozen network. */
int base_forward(const double *x, size_t n, const double *frozen, size_t d, size_t d_ff,
                 double *out)
{
    /* BEGIN SOLUTION lab07.1 */
    LAB_REQUIRE(x && frozen && out, "a pointer argument is NULL");
    LAB_REQUIRE(n > 0, "n must be >= 1 (got 0)");
    LAB_REQUIRE(d > 0 && d_ff > 0, "d and d_ff must be >= 1 (got %zu, %zu)", d, d_ff);
    net_t m = net_of(frozen, NULL, d, d_ff, 1, 1.0);
    scratch_t sc;
    LAB_REQUIRE(scratch_new(&sc, d, d_ff, 1, 0), "out of memory");
    batch_forward(x, n, &m, &sc, out);
    free(sc.mem);
    return LAB_OK;
    /* END SOLUTION lab_todo("lab07.1", "base_forward", x, n, frozen, d, d_ff, out); */
}

/* lab07.2 - out (n, d): the frozen network plus one task's two LoRA branches. */
int adapted_forward(const double *x, size_t n, const double *frozen, const double *adapter,
                    size_t d, size_t d_ff, size_t r, double scale, double *out)
{
    /* BEGIN SOLUTION lab07.2 */
    LAB_REQUIRE(x && frozen && adapter && out, "a pointer argument is NULL");
    LAB_REQUIRE(n > 0, "n must be >= 1 (got 0)");
    COMMON_ARGS_OK(d, d_ff, r, scale);
    net_t m = net_of(frozen, adapter, d, d_ff, r, scale);
    scratch_t sc;
    LAB_REQUIRE(scratch_new(&sc, d, d_ff, r, 0), "out of memory");
    batch_forward(x, n, &m, &sc, out);
    free(sc.mem);
    return LAB_OK;
    /* END SOLUTION lab_todo("lab07.2", "adapted_forward", x, n, frozen, adapter, d, d_ff, r, scale, out); */
}

/* lab07.3 - probs (n) = sigmoid(out w + c), loss = mean binary cross-entropy. */
int head_bce(const double *out, const double *y, size_t n, const double *head, size_t d,
             double *probs, double *loss)
{
    /* BEGIN SOLUTION lab07.3 */
    LAB_REQUIRE(out && y && head && probs && loss, "a pointer argument is NULL");
    LAB_REQUIRE(n > 0, "n must be >= 1 (got 0): the loss is a mean");
    LAB_REQUIRE(d > 0, "d must be >= 1 (got 0)");
    LAB_REQUIRE(labels_ok(y, n), "every label must be 0.0 or 1.0");
    double l = 0.0;
    for (size_t t = 0; t < n; t++) {
        double z = logit_of(out + t * d, head, d);
        probs[t] = sigmoid(z);
        l += bce_of(z, y[t]);
    }
    *loss = l / (double)n;
    return LAB_OK;
    /* END SOLUTION lab_todo("lab07.3", "head_bce", out, y, n, head, d, probs, loss); */
}

/* lab07.4 - loss and d loss / d adapter, full or the project's simplified backprop. */
int adapter_gradient(const double *x, const double *y, size_t n, const double *frozen,
                     const double *adapter, size_t d, size_t d_ff, size_t r, double scale,
                     enum two_task_backprop mode, double *loss, double *grad)
{
    /* BEGIN SOLUTION lab07.4 */
    LAB_REQUIRE(x && y && frozen && adapter && loss && grad, "a pointer argument is NULL");
    LAB_REQUIRE(n > 0, "n must be >= 1 (got 0): the loss is a mean");
    COMMON_ARGS_OK(d, d_ff, r, scale);
    LAB_REQUIRE(mode == TT_BACKPROP_FULL || mode == TT_BACKPROP_SIMPLIFIED,
                "mode must be TT_BACKPROP_FULL (0) or TT_BACKPROP_SIMPLIFIED (1), got %d",
                (int)mode);
    LAB_REQUIRE(labels_ok(y, n), "every label must be 0.0 or 1.0");
    net_t m = net_of(frozen, adapter, d, d_ff, r, scale);
    scratch_t sc;
    LAB_REQUIRE(scratch_new(&sc, d, d_ff, r, 0), "out of memory");
    gradient(x, y, n, &m, mode, &sc, loss, grad);
    free(sc.mem);
    return LAB_OK;
    /* END SOLUTION lab_todo("lab07.4", "adapter_gradient", x, y, n, frozen, adapter, d, d_ff, r, scale, mode, loss, grad); */
}

/* lab07.5 - `epochs` steps of full-batch gradient descent on the adapter only. */
int train_task(const double *x, const double *y, size_t n, const double *frozen,
               const double *adapter_init, size_t d, size_t d_ff, size_t r, double scale,
               double lr, size_t epochs, enum two_task_backprop mode, double *adapter,
               double *losses)
{
    /* BEGIN SOLUTION lab07.5 */
    LAB_REQUIRE(x && y && frozen && adapter_init && adapter && losses, "a pointer argument is NULL");
    LAB_REQUIRE(n > 0, "n must be >= 1 (got 0): the loss is a mean");
    COMMON_ARGS_OK(d, d_ff, r, scale);
    LAB_REQUIRE(epochs > 0, "epochs must be >= 1 (got 0)");
    LAB_REQUIRE(isfinite(lr) && lr >= 0, "lr must be finite and >= 0 (got %g)", lr);
    LAB_REQUIRE(mode == TT_BACKPROP_FULL || mode == TT_BACKPROP_SIMPLIFIED,
                "mode must be TT_BACKPROP_FULL (0) or TT_BACKPROP_SIMPLIFIED (1), got %d",
                (int)mode);
    LAB_REQUIRE(labels_ok(y, n), "every label must be 0.0 or 1.0");
    scratch_t sc;
    LAB_REQUIRE(scratch_new(&sc, d, d_ff, r, 0), "out of memory");
    train(x, y, n, frozen, adapter_init, d, d_ff, r, scale, lr, epochs, mode, &sc, adapter, losses);
    free(sc.mem);
    return LAB_OK;
    /* END SOLUTION lab_todo("lab07.5", "train_task", x, y, n, frozen, adapter_init, d, d_ff, r, scale, lr, epochs, mode, adapter, losses); */
}

/* lab07.6 - merged = frozen with W2' = (I + s B2 A2)(W2 + s B1 A1), b2' = (I + s B2 A2) b2. */
int merge_adapter(const double *frozen, const double *adapter, size_t d, size_t d_ff, size_t r,
                  double scale, double *merged)
{
    /* BEGIN SOLUTION lab07.6 */
    LAB_REQUIRE(frozen && adapter && merged, "a pointer argument is NULL");
    COMMON_ARGS_OK(d, d_ff, r, scale);
    net_t m = net_of(frozen, adapter, d, d_ff, r, scale);
    double *w2a = malloc((d * d_ff + d * d) * sizeof *w2a);
    LAB_REQUIRE(w2a, "out of memory");
    double *mm = w2a + d * d_ff;
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d_ff; j++) {
            double acc = 0.0;
            for (size_t q = 0; q < r; q++)
                acc += m.bb1[i * r + q] * m.a1[q * d_ff + j];
            w2a[i * d_ff + j] = m.w2[i * d_ff + j] + scale * acc;
        }
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++) {
            double acc = 0.0;
            for (size_t q = 0; q < r; q++)
                acc += m.bb2[i * r + q] * m.a2[q * d + j];
            mm[i * d + j] = (i == j ? 1.0 : 0.0) + scale * acc;
        }
    memcpy(merged, frozen, TT_W2(d, d_ff) * sizeof(double)); /* W1, b1 */
    double *w2m = merged + TT_W2(d, d_ff), *b2m = merged + TT_B2BIAS(d, d_ff);
    for (size_t i = 0; i < d; i++) {
        for (size_t j = 0; j < d_ff; j++) {
            double acc = 0.0;
            for (size_t q = 0; q < d; q++)
                acc += mm[i * d + q] * w2a[q * d_ff + j];
            w2m[i * d_ff + j] = acc;
        }
        double acc = 0.0;
        for (size_t q = 0; q < d; q++)
            acc += mm[i * d + q] * m.b2[q];
        b2m[i] = acc;
    }
    free(w2a);
    return LAB_OK;
    /* END SOLUTION lab_todo("lab07.6", "merge_adapter", frozen, adapter, d, d_ff, r, scale, merged); */
}

/* lab07.7 - train both tasks and fill the report of the project's five checks. */
int project_checks(const double *x, const double *y_a, const double *y_b, size_t n,
                   const double *probe, size_t n_probe, const double *frozen,
                   const double *init_a, const double *init_b, size_t d, size_t d_ff, size_t r,
                   double scale, double lr, size_t epochs, enum two_task_backprop mode,
                   double *report, double *adapter_a, double *adapter_b)
{
    /* BEGIN SOLUTION lab07.7 */
    LAB_REQUIRE(x && y_a && y_b && probe && frozen && init_a && init_b && report && adapter_a &&
                adapter_b, "a pointer argument is NULL");
    LAB_REQUIRE(n > 0 && n_probe > 0, "n and n_probe must be >= 1 (got %zu, %zu)", n, n_probe);
    COMMON_ARGS_OK(d, d_ff, r, scale);
    LAB_REQUIRE(epochs > 0, "epochs must be >= 1 (got 0)");
    LAB_REQUIRE(isfinite(lr) && lr >= 0, "lr must be finite and >= 0 (got %g)", lr);
    LAB_REQUIRE(mode == TT_BACKPROP_FULL || mode == TT_BACKPROP_SIMPLIFIED,
                "mode must be TT_BACKPROP_FULL (0) or TT_BACKPROP_SIMPLIFIED (1), got %d",
                (int)mode);
    LAB_REQUIRE(labels_ok(y_a, n) && labels_ok(y_b, n), "every label must be 0.0 or 1.0");
    const size_t nf = two_task_frozen_count(d, d_ff);
    const size_t big = (n > n_probe ? n : n_probe) * d;
    scratch_t sc;
    LAB_REQUIRE(scratch_new(&sc, d, d_ff, r, 2 * nf + 2 * big + 2 * n + epochs), "out of memory");
    double *copy = sc.extra, *merged = copy + nf, *u = merged + nf, *v = u + big, *p = v + big;
    double *q = p + n, *losses = q + n;
    memcpy(copy, frozen, nf * sizeof(double));
    const net_t base = net_of(frozen, NULL, d, d_ff, r, scale);
    const double *head_a = adapter_a + TT_HEAD(d, d_ff, r), *head_b = adapter_b + TT_HEAD(d, d_ff, r);
    /* 1. zero init: the adapted network is the frozen one. */
    net_t m = net_of(frozen, init_a, d, d_ff, r, scale);
    batch_forward(probe, n_probe, &m, &sc, u);
    batch_forward(probe, n_probe, &base, &sc, v);
    report[TT_INIT_DIFF] = max_diff(u, v, n_probe * d);
    /* 2. train A. */
    train(x, y_a, n, frozen, init_a, d, d_ff, r, scale, lr, epochs, mode, &sc, adapter_a, losses);
    report[TT_LOSS_A] = losses[epochs - 1];
    m = net_of(frozen, adapter_a, d, d_ff, r, scale);
    batch_forward(x, n, &m, &sc, u);
    probs_of(u, n, head_a, d, p);
    report[TT_ACC_A] = accuracy_of(p, y_a, n);
    /* 3. merge A: the base network on merged weights gives A's outputs. */
    merge_adapter(frozen, adapter_a, d, d_ff, r, scale, merged);
    const net_t merged_net = net_of(merged, NULL, d, d_ff, r, scale);
    batch_forward(probe, n_probe, &merged_net, &sc, u);
    batch_forward(probe, n_probe, &m, &sc, v);
    report[TT_MERGE_DIFF] = max_diff(u, v, n_probe * d);
    /* 4. train B with its own adapter and head; A is untouched. */
    train(x, y_b, n, frozen, init_b, d, d_ff, r, scale, lr, epochs, mode, &sc, adapter_b, losses);
    report[TT_LOSS_B] = losses[epochs - 1];
    const net_t mb = net_of(frozen, adapter_b, d, d_ff, r, scale);
    batch_forward(x, n, &mb, &sc, u);
    probs_of(u, n, head_b, d, q);
    report[TT_ACC_B] = accuracy_of(q, y_b, n);
    batch_forward(x, n, &m, &sc, v);
    probs_of(v, n, head_a, d, p);
    report[TT_ACC_A_AFTER_B] = accuracy_of(p, y_a, n);
    /* 5. switch the served weights from A to B: merge B into the frozen base. */
    merge_adapter(frozen, adapter_b, d, d_ff, r, scale, merged);
    batch_forward(x, n, &merged_net, &sc, v);
    probs_of(v, n, head_b, d, p);
    report[TT_SWITCH_DIFF] = max_diff(p, q, n);
    report[TT_SWITCH_ACC_B] = accuracy_of(p, y_b, n);
    report[TT_FROZEN_CHANGED] = memcmp(copy, frozen, nf * sizeof(double)) != 0;
    free(sc.mem);
    return LAB_OK;
    /* END SOLUTION lab_todo("lab07.7", "project_checks", x, y_a, y_b, n, probe, n_probe, frozen, init_a, init_b, d, d_ff, r, scale, lr, epochs, mode, report, adapter_a, adapter_b); */
}
