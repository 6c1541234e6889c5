/*
 * two_task.h - Lab 07: the two-task project of the course, ported to C.
 * The contract of every function you write in two_task.c.  Do not edit this
 * file: the grader compiles your two_task.c against its own copy of it.
 *
 * THE NETWORK (what the course's numpy project really builds)
 *   A frozen 2-layer network of width d (d = 8) and hidden width d_ff (16):
 *     h1  = relu(W1 x + b1)                         (d_ff)   frozen layer 1
 *     h2  = W2 h1 + b2  +  s B1 (A1 h1)             (d)      LoRA 1 on W2
 *     out = h2          +  s B2 (A2 h2)             (d)      LoRA 2 on a frozen
 *                                                            identity (the
 *                                                            project's "second
 *                                                            adaptation point")
 *     p   = sigmoid(w . out + c)                    (1)      the task's head
 *   Per task, only A1, B1, A2, B2 and the head (w, c) train; W1, b1, W2, b2
 *   are shared by every task and never change.  s is the LoRA scaling
 *   alpha / r (the project uses alpha = r, so s = 1; the grader also uses
 *   other values, so do not drop it).
 *
 * THE KIT'S CONVENTION (row-major, PEFT layout; Lab 02 maps the others)
 *   A weight maps d_in -> d_out and is stored (d_out, d_in): M[i][j] at
 *   m[i * d_in + j].  A batch is X (n, d), one sample per row.  The numpy
 *   project stores W1 as (d, d_ff) and multiplies x @ W1, so the kit's W1 is
 *   the project's W1 transposed (same for W2); A and B are the same layout
 *   as the project's LoRA class (A (r, d_in), B (d_out, r)).
 *
 *   frozen[]  (two_task_frozen_count(d, d_ff) = 2 d d_ff + d_ff + d numbers)
 *     W1 (d_ff, d) | b1 (d_ff) | W2 (d, d_ff) | b2 (d)
 *   adapter[] (two_task_adapter_count(d, d_ff, r) numbers, one task's
 *              trainable part: LoRA 1, LoRA 2 and the head)
 *     A1 (r, d_ff) | B1 (d, r) | A2 (r, d) | B2 (d, r) | w (d) | c (1)
 *   The offsets are the TT_* functions below; use them.
 *   d = 8, d_ff = 16, r = 4: 280 frozen numbers, 169 per task.
 *
 * RULES FOR EVERY FUNCTION HERE
 *   - Inputs are const: never write to them (the grader checks them bit for
 *     bit after each call), in particular never to frozen[].  Outputs never
 *     overlap inputs.
 *   - Arguments are checked first; a broken contract calls LAB_REQUIRE
 *     (lab.h), which prints "two_task.c: <function>: <what was wrong>" and
 *     returns LAB_EARG before any output is written.  Otherwise LAB_OK.
 *     Broken everywhere: a NULL pointer, d == 0, d_ff == 0, r == 0, n == 0
 *     (every function that takes n), scale NaN or Inf.
 *   - Tolerance: |got - expected| <= 1e-9 * max(1, |expected|) per entry,
 *     except where it says "exactly" or "bit for bit".
 *   - Only the C library and the kit's matrix.h / rng.h; scratch memory with
 *     malloc (free it); no files, no globals that survive a call.
 *   - Free every block you malloc before the function returns, on every
 *     path, a failed malloc's too: the grader counts the blocks a call
 *     leaves allocated, and a leak fails the out-of-memory test.
 */
#ifndef LORALAB_TWO_TASK_H
#define LORALAB_TWO_TASK_H

#include <stddef.h>

#include "lab.h"

/* Which backward pass lab07.4 computes. */
enum two_task_backprop {
    TT_BACKPROP_FULL = 0,      /* the exact gradient of the loss */
    TT_BACKPROP_SIMPLIFIED = 1 /* the numpy project's shortcut (see lab07.4) */
};

/* Sizes and offsets of the packed arrays (not tasks: given). */
static inline size_t two_task_frozen_count(size_t d, size_t d_ff) { return 2 * d * d_ff + d_ff + d; }
static inline size_t two_task_lora_count(size_t d, size_t d_ff, size_t r) { return r * d_ff + 3 * d * r; }
static inline size_t two_task_adapter_count(size_t d, size_t d_ff, size_t r)
{
    return two_task_lora_count(d, d_ff, r) + d + 1;
}
static inline size_t TT_B1(size_t d_ff, size_t r) { return r * d_ff; }
static inline size_t TT_A2(size_t d, size_t d_ff, size_t r) { return r * d_ff + d * r; }
static inline size_t TT_B2(size_t d, size_t d_ff, size_t r) { return r * d_ff + 2 * d * r; }
static inline size_t TT_HEAD(size_t d, size_t d_ff, size_t r) { return r * d_ff + 3 * d * r; }
static inline size_t TT_W2(size_t d, size_t d_ff) { return d_ff * d + d_ff; }
static inline size_t TT_B2BIAS(size_t d, size_t d_ff) { return 2 * d_ff * d + d_ff; }

/* The report of lab07.7: one number per entry, in this order. */
enum two_task_report {
    TT_INIT_DIFF = 0,      /* max |adapted(probe; init_a) - base(probe)|: exactly 0 */
    TT_FROZEN_CHANGED,     /* 1 if frozen[] differs bit for bit after training, else 0 */
    TT_MERGE_DIFF,         /* max |base(probe; merged A) - adapted(probe; A)| */
    TT_ACC_A,              /* accuracy of task A right after training A */
    TT_ACC_A_AFTER_B,      /* accuracy of task A after task B was trained */
    TT_ACC_B,              /* accuracy of task B after training B */
    TT_SWITCH_DIFF,        /* max |p_B served merged - p_B served with the adapter| over X */
    TT_SWITCH_ACC_B,       /* accuracy of task B served merged after the switch */
    TT_LOSS_A,             /* final training loss of A (losses[epochs - 1]) */
    TT_LOSS_B,             /* final training loss of B */
    TT_REPORT_LEN
};

/*
 * lab07.1  base_forward: the frozen network alone (no adapter, no head).
 *   x (n, d), frozen as above, out (n, d):
 *     h1[k]  = max(0, sum_j W1[k][j] x[j] + b1[k])          k < d_ff
 *     out[i] = sum_k W2[i][k] h1[k] + b2[i]                  i < d
 *   Sum the products in increasing j (k), then add the bias: lab07.2 must
 *   reproduce these numbers bit for bit when the adapters are zero.
 *   Example: d = 1, d_ff = 2, W1 = [[1], [-1]], b1 = [0, 0], W2 = [[2, 3]],
 *   b2 = [0.5], x = [[-2]] -> h1 = [0, 2], out = [[6.5]].
 *   Points: 12.
 */
int base_forward(const double *x, size_t n, const double *frozen, size_t d, size_t d_ff,
                 double *out);

/*
 * lab07.2  adapted_forward: the network with one task's adapters (no head).
 *   As base_forward, then (z1 = A1 h1 (r), z2 = A2 h2 (r)):
 *     h2[i]  = (sum_k W2[i][k] h1[k] + b2[i])  +  s * sum_q B1[i][q] z1[q]
 *     out[i] = h2[i]                           +  s * sum_q B2[i][q] z2[q]
 *   The bracket first, exactly as base_forward computes it, then ADD the
 *   adapter terms: with B1 = B2 = 0 (the LoRA init) out equals base_forward's
 *   out bit for bit (the first of the project's five checks).
 *   The head part of adapter[] is not used here.
 *   Example: the lab07.1 example with r = 1, A1 = [[1, 1]], B1 = [[1]],
 *   A2 = [[1]], B2 = [[0.5]], s = 2 -> z1 = 2, h2 = 6.5 + 4 = 10.5,
 *   out = 10.5 + 2 * 0.5 * 10.5 = [[21]].
 *   Points: 14.
 */
int adapted_forward(const double *x, size_t n, const double *frozen, const double *adapter,
                    size_t d, size_t d_ff, size_t r, double scale, double *out);

/*
 * lab07.3  head_bce: a task's logistic head and the binary cross-entropy.
 *   out (n, d) (from lab07.2), y (n) labels, each exactly 0.0 or 1.0,
 *   head (d + 1) = w (d) then c; outputs probs (n) and loss (1):
 *     z[t] = sum_i w[i] out[t][i] + c
 *     probs[t] = sigmoid(z[t]) = 1 / (1 + exp(-z[t]))
 *     loss = (1/n) sum_t -(y[t] log p[t] + (1 - y[t]) log(1 - p[t]))
 *          = (1/n) sum_t (max(z, 0) - z y + log1p(exp(-|z|)))   (stable form)
 *   Use a form that stays finite for |z| up to 700 (the grader tries it).
 *   The numpy project adds eps = 1e-7 inside the logs; the kit does not
 *   (README errata): its gradient p - y is the gradient of THIS loss.
 *   Broken contract (extra): a label other than 0.0 or 1.0.
 *   Example: d = 1, out = [[1], [-1]], w = [2], c = 0, y = [1, 1] ->
 *   p = [0.880797077977882, 0.119202922022118], loss = 1.1269280110429725.
 *   Points: 10.
 */
int head_bce(const double *out, const double *y, size_t n, const double *head, size_t d,
             double *probs, double *loss);

/*
 * lab07.4  adapter_gradient: the loss of one task and its gradient with
 *   respect to that task's adapter (all of it: A1, B1, A2, B2, w, c).
 *   x (n, d), y (n), frozen, adapter; outputs loss (1) as lab07.3 and grad
 *   (two_task_adapter_count) packed exactly like adapter[].
 *   With g[t] = (p[t] - y[t]) / n, g_out = g w (d), z1, z2, h1, h2 of lab07.2:
 *     dw = sum_t g[t] out[t]          dc = sum_t g[t]
 *     dB2 = s sum_t g_out z2^T  (d, r)    g_z2 = s B2^T g_out  (r)
 *     dA2 = sum_t g_z2 h2^T     (r, d)
 *     g_h2 = g_out + A2^T g_z2     mode TT_BACKPROP_FULL: through the
 *                                  second adaptation point (its frozen
 *                                  identity AND its LoRA branch)
 *     g_h2 = g_out                 mode TT_BACKPROP_SIMPLIFIED: the numpy
 *                                  project's shortcut, the branch is skipped
 *     dB1 = s sum_t g_h2 z1^T  (d, r)     g_z1 = s B1^T g_h2  (r)
 *     dA1 = sum_t g_z1 h1^T    (r, d_ff)
 *   W1, b1, W2, b2 get no gradient (frozen).  Only FULL is the derivative of
 *   the loss (the grader checks it against finite differences); SIMPLIFIED
 *   differs from it only in dA1, dB1, and only when B2 and A2 are not zero.
 *   Broken contract (extra): mode neither TT_BACKPROP_FULL nor
 *   TT_BACKPROP_SIMPLIFIED (an enum variable can hold other values, e.g. 2); a
 *   label other than 0 or 1.
 *   Points: 20.
 */
int adapter_gradient(const double *x, const double *y, size_t n, const double *frozen,
                     const double *adapter, size_t d, size_t d_ff, size_t r, double scale,
                     enum two_task_backprop mode, double *loss, double *grad);

/*
 * lab07.5  train_task: full-batch gradient descent on one task's adapter.
 *   Start from adapter_init; for e = 0 .. epochs - 1:
 *     losses[e] = loss at the current adapter (lab07.4, same mode)
 *     adapter  <- adapter - lr * grad       (every entry, all at once)
 *   Outputs adapter (the trained one, after `epochs` steps) and losses
 *   (epochs).  frozen[] stays bit for bit as it was.  One call with
 *   epochs = E equals E calls with epochs = 1, each starting where the last
 *   stopped.  The project's settings: epochs = 300, lr = 0.1.
 *   Broken contract (extra): epochs == 0; lr NaN, Inf or negative; mode as
 *   in lab07.4.
 *   Points: 14.
 */
int train_task(const double *x, const double *y, size_t n, const double *frozen,
               const double *adapter_init, size_t d, size_t d_ff, size_t r, double scale,
               double lr, size_t epochs, enum two_task_backprop mode, double *adapter,
               double *losses);

/*
 * lab07.6  merge_adapter: fold one task's two LoRA branches into the frozen
 *   weights, so the task runs on base_forward at no extra cost.
 *   merged (two_task_frozen_count) has frozen's layout:
 *     W1, b1 copied bit for bit
 *     M   = I + s B2 A2                    (d, d)
 *     W2' = M (W2 + s B1 A1)               (d, d_ff)
 *     b2' = M b2                           (d)
 *   so that base_forward(x, merged) = adapted_forward(x, frozen, adapter)
 *   within the tolerance (other summation order).  LoRA 1 merges as the
 *   usual W2 + s B1 A1; LoRA 2 sits after W2 on a frozen identity, so it
 *   merges as a product.  Both need the scale s.  The head is not merged.
 *   Example: d = d_ff = r = 1, W2 = [[2]], b2 = [1], A1 = B1 = [[1]],
 *   A2 = [[1]], B2 = [[0.5]], s = 2 -> M = 2, W2' = 2 * (2 + 2) = 8, b2' = 2.
 *   Points: 12.
 */
int merge_adapter(const double *frozen, const double *adapter, size_t d, size_t d_ff, size_t r,
                  double scale, double *merged);

/*
 * lab07.7  project_checks: the whole project and its five checks.
 *   x (n, d), y_a, y_b (n) the labels of task A and B, probe (n_probe, d)
 *   the held-aside inputs of the checks, frozen, and each task's starting
 *   adapter init_a, init_b.  In this order:
 *     1. report[TT_INIT_DIFF] = max |adapted(probe; init_a) - base(probe)|
 *     2. train A (lab07.5, lr, epochs, mode) from init_a -> adapter_a
 *        report[TT_ACC_A] = accuracy of A on (x, y_a) with adapter_a
 *     3. merged_a = merge(adapter_a); report[TT_MERGE_DIFF] =
 *        max |base(probe; merged_a) - adapted(probe; frozen, adapter_a)|
 *     4. train B from init_b with ITS OWN head -> adapter_b;
 *        report[TT_ACC_B]; then report[TT_ACC_A_AFTER_B] = accuracy of A
 *        recomputed with adapter_a and A's head (must equal TT_ACC_A)
 *     5. switch the served task to B by merging B into the frozen weights:
 *        report[TT_SWITCH_DIFF] = max over x of |p_B(base(x; merged_b))
 *        - p_B(adapted(x; adapter_b))|, report[TT_SWITCH_ACC_B] = accuracy
 *        of B served merged
 *     report[TT_FROZEN_CHANGED] = 1 if frozen[] differs bit for bit from a
 *     copy taken on entry, else 0; report[TT_LOSS_A], [TT_LOSS_B] = the last
 *     training losses.
 *   Accuracy = (number of t with (p[t] > 0.5) == (y[t] == 1)) / n.
 *   Outputs report (TT_REPORT_LEN), adapter_a, adapter_b (adapter_count).
 *   Broken contract: as lab07.5, and n_probe == 0.
 *   Points: 18.
 */
int project_checks(const double *x, const double *y_a, const double *y_b, size_t n,
                   const double *probe, size_t n_probe, const double *frozen,
                   const double *init_a, const double *init_b, size_t d, size_t d_ff, size_t r,
                   double scale, double lr, size_t epochs, enum two_task_backprop mode,
                   double *report, double *adapter_a, double *adapter_b);

#endif
