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


/* lab07.1 - out (n, d) = W2 relu(W1 x + b1) + b2, the frozen network. */
int base_forward(const double *x, size_t n, const double *frozen, size_t d, size_t d_ff,
                 double *out)
{
    /* TODO lab07.1: write base_forward (contract in two_task.h). */
    lab_todo("lab07.1", "base_forward", x, n, frozen, d, d_ff, out);
}

/* lab07.2 - out (n, d): the frozen network plus one task's two LoRA branches. */
int adapted_forward(const double *x, size_t n, const double *frozen, const double *adapter,
                    size_t d, size_t d_ff, size_t r, double scale, double *out)
{
    /* TODO lab07.2: write adapted_forward (contract in two_task.h). */
    lab_todo("lab07.2", "adapted_forward", x, n, frozen, adapter, d, d_ff, r, scale, out);
}

/* lab07.3 - probs (n) = sigmoid(out w + c), loss = mean binary cross-entropy. */
int head_bce(const double *out, const double *y, size_t n, const double *head, size_t d,
             double *probs, double *loss)
{
    /* TODO lab07.3: write head_bce (contract in two_task.h). */
    lab_todo("lab07.3", "head_bce", out, y, n, head, d, probs, loss);
}

/* lab07.4 - loss and d loss / d adapter, full or the project's simplified backprop. */
int adapter_gradient(const double *x, const double *y, size_t n, const double *frozen,
                     const double *adapter, size_t d, size_t d_ff, size_t r, double scale,
                     enum two_task_backprop mode, double *loss, double *grad)
{
    /* TODO lab07.4: write adapter_gradient (contract in two_task.h). */
    lab_todo("lab07.4", "adapter_gradient", x, y, n, frozen, adapter, d, d_ff, r, scale, mode, loss, grad);
}

/* lab07.5 - `epochs` steps of full-batch gradient descent on the adapter only. */
int train_task(const double *x, const double *y, size_t n, const double *frozen,
               const double *adapter_init, size_t d, size_t d_ff, size_t r, double scale,
               double lr, size_t epochs, enum two_task_backprop mode, double *adapter,
               double *losses)
{
    /* TODO lab07.5: write train_task (contract in two_task.h). */
    lab_todo("lab07.5", "train_task", x, y, n, frozen, adapter_init, d, d_ff, r, scale, lr, epochs, mode, adapter, losses);
}

/* lab07.6 - merged = frozen with W2' = (I + s B2 A2)(W2 + s B1 A1), b2' = (I + s B2 A2) b2. */
int merge_adapter(const double *frozen, const double *adapter, size_t d, size_t d_ff, size_t r,
                  double scale, double *merged)
{
    /* TODO lab07.6: write merge_adapter (contract in two_task.h). */
    lab_todo("lab07.6", "merge_adapter", frozen, adapter, d, d_ff, r, scale, merged);
}

/* lab07.7 - train both tasks and fill the report of the project's five checks. */
int project_checks(const double *x, const double *y_a, const double *y_b, size_t n,
                   const double *probe, size_t n_probe, const double *frozen,
                   const double *init_a, const double *init_b, size_t d, size_t d_ff, size_t r,
                   double scale, double lr, size_t epochs, enum two_task_backprop mode,
                   double *report, double *adapter_a, double *adapter_b)
{
    /* TODO lab07.7: write project_checks (contract in two_task.h). */
    lab_todo("lab07.7", "project_checks", x, y_a, y_b, n, probe, n_probe, frozen, init_a, init_b, d, d_ff, r, scale, lr, epochs, mode, report, adapter_a, adapter_b);
}
