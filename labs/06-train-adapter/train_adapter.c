/*
 * train_adapter.c - Lab 06: train a LoRA adapter end to end (the exercise's problem).
 *
 * Write the body of each function below where it says TODO.  The contract of
 * each function (shapes, the two losses, the checker's error, Adam's exact
 * update, the edge cases) is in train_adapter.h: read it first.  Check your
 * work with
 *     make check LAB=06      (the visible tests)
 *     make grade LAB=06      (the graded tests, with points)
 * You may add static helper functions to this file; do not change the
 * signatures, and do not add other files: the grader compiles this one.
 */
#include "train_adapter.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* lab06.1 - y_hat = x (w_base + a b), *loss = mean over N d_out of squared errors. */
int train_forward(const train_problem_t *p, train_mat_t a, train_mat_t b, double *y_hat,
                  double *loss)
{
    /* TODO lab06.1: write train_forward (contract in train_adapter.h). */
    lab_todo("lab06.1", "train_forward", p, a, b, y_hat, loss);
}

/* lab06.2 - grad_a = G b^T, grad_b = a^T G, G = (2/N) x^T (y_hat - y). */
int train_gradients(const train_problem_t *p, train_mat_t a, train_mat_t b, double *grad_a,
                    double *grad_b)
{
    /* TODO lab06.2: write train_gradients (contract in train_adapter.h). */
    lab_todo("lab06.2", "train_gradients", p, a, b, grad_a, grad_b);
}

/* lab06.3 - max over entries of |ana - num| / max(1, |ana|, |num|), num by central differences of J. */
int train_grad_check(const train_problem_t *p, train_mat_t a, train_mat_t b,
                     const double *grad_a, const double *grad_b, double eps,
                     double *max_rel_err, double *accepted)
{
    /* TODO lab06.3: write train_grad_check (contract in train_adapter.h). */
    lab_todo("lab06.3", "train_grad_check", p, a, b, grad_a, grad_b, eps, max_rel_err, accepted);
}

/* lab06.4 - n_steps of SGD from (a0, b0); out = [a | b], losses[k] = MSE after k steps. */
int train_sgd(const train_problem_t *p, train_mat_t a0, train_mat_t b0, double lr,
              long long n_steps, double *out, size_t out_len, double *losses, size_t losses_len)
{
    /* TODO lab06.4: write train_sgd (contract in train_adapter.h). */
    lab_todo("lab06.4", "train_sgd", p, a0, b0, lr, n_steps, out, out_len, losses, losses_len);
}

/* lab06.5 - n_steps of Adam (PyTorch's defaults) from (a0, b0); outputs as lab06.4. */
int train_adam(const train_problem_t *p, train_mat_t a0, train_mat_t b0, double lr,
               long long n_steps, double *out, size_t out_len, double *losses, size_t losses_len)
{
    /* TODO lab06.5: write train_adam (contract in train_adapter.h). */
    lab_todo("lab06.5", "train_adam", p, a0, b0, lr, n_steps, out, out_len, losses, losses_len);
}
