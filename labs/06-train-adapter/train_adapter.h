/*
 * train_adapter.h - Lab 06: train a LoRA adapter end to end on a linear
 * regression (the course's exercise "Train a LoRA adapter"), by hand: forward pass, hand-derived
 * gradients, a finite-difference gradient checker, plain SGD and Adam.
 * The contract of every function you write in train_adapter.c.  Do not edit
 * this file: the grader compiles your train_adapter.c against its own copy.
 *
 * THIS LAB'S CONVENTION (the exercise's, row-major; NOT the PEFT layout of Labs 02-03)
 *   x      (N, d_in)      inputs, one example per row
 *   y      (N, d_out)     regression targets
 *   w_base (d_in, d_out)  frozen base weight (no gradient, never written)
 *   a      (d_in, r)      trained
 *   b      (r, d_out)     trained
 *   effective weight W = w_base + a b (d_in, d_out), prediction Y_hat = x W.
 *   There is no alpha / r factor.  Lab 03's A (r, d_in) and B (d_out, r) map
 *   onto this lab's as a = A^T and b = s B^T (the scale s folded into b):
 *   then a b = s A^T B^T = (s B A)^T, the transpose of Lab 03's Delta W.
 *   An (m, n) matrix M keeps M[i][j] at m[i * n + j].
 *
 * MATRICES CARRY THEIR SHAPES.  The exercise passes numpy arrays, which know their
 * shapes, and names "mismatched shapes" as an error; so every matrix here is
 * a train_mat_t (data pointer, rows, cols) and the functions check that the
 * shapes fit together before anything else.
 *
 * THE TWO LOSSES (read this; the graded algorithm depends on it)
 *   MSE  = (1 / (N d_out)) sum_{n, i} (Y_hat[n][i] - y[n][i])^2
 *          the loss the exercise prints ("mean((y_hat - y)**2)"); train_forward
 *          returns it and the loss curves are in it.
 *   J    = (1 / N) sum_{n, i} (Y_hat[n][i] - y[n][i])^2 = d_out * MSE
 *          the loss the exercise's gradient belongs to.
 *   The exercise's step uses G = (2 / N) x^T (Y_hat - y)  (d_in, d_out), which is dJ/dW,
 *   not dMSE/dW = G / d_out.  This lab follows the exercise's algorithm exactly: its
 *   gradients and updates are those of J, and its gradient checker checks
 *   against J.  (For d_out = 1 the two coincide.)  README: "Two losses".
 *
 * RULES FOR EVERY FUNCTION HERE
 *   - Inputs are const: never write to them (the grader checks them bit for
 *     bit after each call).  Outputs never overlap inputs.
 *   - Arguments are checked first.  When one breaks the contract, call
 *     LAB_REQUIRE (lab.h) IN THE GRADED FUNCTION ITSELF, so the message reads
 *     "train_adapter.c: <function>: <what was wrong>", and return LAB_EARG
 *     before anything is written.  Otherwise return LAB_OK.
 *     Broken contract everywhere ("the shapes"): a NULL pointer (p, any data
 *     pointer, any output); N, d_in, d_out or r equal to 0; shapes that do
 *     not fit: x.cols != w_base.rows, y.rows != x.rows,
 *     y.cols != w_base.cols, a.rows != w_base.rows, b.cols != w_base.cols,
 *     a.cols != b.rows.  (N = x.rows, d_in = w_base.rows,
 *     d_out = w_base.cols, r = a.cols.)
 *   - Tolerance: the grader accepts |got - expected| <= 1e-9 * max(1, |expected|)
 *     per entry (your sums may run in another order), except where stated.
 *   - Helpers from matrix.h may be used; no other headers than the C library's.
 *   - Scratch memory: malloc it and free it before returning, on every
 *     path, a failed malloc's too: the grader counts the blocks a call
 *     leaves allocated, and a leak fails the out-of-memory test.
 */
#ifndef LORALAB_TRAIN_ADAPTER_H
#define LORALAB_TRAIN_ADAPTER_H

#include <stddef.h>

#include "lab.h"

/* A matrix with its shape: rows * cols doubles at v, row-major. */
typedef struct {
    const double *v;
    size_t rows, cols;
} train_mat_t;

/* The data and the frozen base: the exercise's x, y and w_base. */
typedef struct {
    train_mat_t x;      /* (N, d_in) */
    train_mat_t y;      /* (N, d_out) */
    train_mat_t w_base; /* (d_in, d_out), frozen */
} train_problem_t;

/* The gradient checker's step and acceptance threshold (lab06.3). */
#define TRAIN_GRADCHECK_EPS 1e-5
#define TRAIN_GRADCHECK_TOL 1e-6

/* Adam's hyperparameters: PyTorch's torch.optim.Adam defaults (lab06.5). */
#define TRAIN_ADAM_BETA1 0.9
#define TRAIN_ADAM_BETA2 0.999
#define TRAIN_ADAM_EPS 1e-8

/*
 * lab06.1  train_forward: the prediction and the printed loss.   (15 points)
 *   y_hat (N, d_out) = x (w_base + a b)
 *   *loss = MSE = (1 / (N d_out)) sum_{n, i} (y_hat[n][i] - y[n][i])^2
 *   y_hat may be NULL (then only the loss is written); loss may not.
 *   Broken contract: the shapes (above).
 *   Example: x = [[1, 2]], y = [[3, 0]], w_base = [[1, 0], [0, 1]],
 *   a = [[1], [0]], b = [[1, 1]]  (d_in = d_out = 2, r = 1):
 *   W = [[2, 1], [0, 1]], y_hat = [[2, 3]], loss = ((-1)^2 + 3^2) / 2 = 5.
 */
int train_forward(const train_problem_t *p, train_mat_t a, train_mat_t b, double *y_hat,
                  double *loss);

/*
 * lab06.2  train_gradients: the exercise's hand-derived gradients.       (20 points)
 *   R = y_hat - y (N, d_out), G = (2 / N) x^T R (d_in, d_out)
 *   grad_a (d_in, r)  = G b^T
 *   grad_b (r, d_out) = a^T G
 *   These are dJ/da and dJ/db for J = d_out * MSE (see THE TWO LOSSES): the
 *   division is by N, not by N d_out.  w_base gets no gradient.
 *   Broken contract: the shapes.
 *   Example (lab06.1's): R = [[-1, 3]], G = 2 [[1], [2]] [[-1, 3]]
 *   = [[-2, 6], [-4, 12]], grad_a = [[4], [8]], grad_b = [[-2, 6]].
 *   With b = 0, grad_a is exactly 0; with a = 0, grad_b is exactly 0.
 */
int train_gradients(const train_problem_t *p, train_mat_t a, train_mat_t b, double *grad_a,
                    double *grad_b);

/*
 * lab06.3  train_grad_check: central finite differences.       (20 points)
 *   grad_a (d_in, r) and grad_b (r, d_out) are analytic gradients handed in
 *   (yours from lab06.2, or anybody's: the grader hands in wrong ones too).
 *   Compute the numeric gradient of J (not of MSE) yourself: for every entry
 *   theta of a, then of b,
 *       num = (J(theta + eps) - J(theta - eps)) / (2 eps)
 *   with every other entry unchanged (work on copies of a and b).  J is
 *   quadratic in each single entry, so central differences are exact up to
 *   rounding; forward differences are not (their error is eps / 2 times the
 *   second derivative, about 1e-6 here) and fail the grader.
 *   The error of one entry is
 *       |ana - num| / max(1, |ana|, |num|)
 *   (relative for large entries, absolute for small ones, like the kit's
 *   tolerance).  Outputs:
 *     *max_rel_err  the largest error over all entries of a and b (NaN if an
 *                   analytic entry is NaN)
 *     *accepted     1.0 if *max_rel_err <= TRAIN_GRADCHECK_TOL (1e-6), else
 *                   0.0 (a NaN error is not accepted)
 *   Call it with eps = TRAIN_GRADCHECK_EPS (1e-5): a right gradient then
 *   scores below 1e-8 on problems with entries of order 1, and a gradient
 *   transposed, twice or half as large, or wrong in one entry by 1e-4 of
 *   its size scores far above 1e-6.
 *   Broken contract: the shapes; grad_a or grad_b NULL; eps not finite or <= 0.
 *   Example: lab06.1's problem with lab06.2's gradient gives about 5e-11,
 *   accepted; grad_b = [[-1, 3]] (half of it) gives 3 / 6 = 0.5, rejected.
 */
int train_grad_check(const train_problem_t *p, train_mat_t a, train_mat_t b,
                     const double *grad_a, const double *grad_b, double eps,
                     double *max_rel_err, double *accepted);

/*
 * lab06.4  train_sgd: the exercise's training loop.                      (25 points)
 *   a, b = a0, b0
 *   repeat n_steps times:
 *       grad_a, grad_b = lab06.2 at (a, b)      both from the SAME a and b
 *       a = a - lr grad_a
 *       b = b - lr grad_b
 *   out (out_len = d_in r + r d_out): final a, flattened row-major, THEN final
 *   b, flattened row-major (the exercise's concat(a.flatten(), b.flatten())).
 *   losses: NULL, or losses_len = n_steps + 1 doubles: losses[k] = MSE
 *   (lab06.1) after k steps, k = 0 .. n_steps (losses[0] at a0, b0).
 *   Edge cases (graded): n_steps = 0 writes a0 then b0, unchanged (and
 *   losses[0]); lr = 0 leaves a and b unchanged bit for bit.
 *   Broken contract: the shapes; out NULL; out_len wrong; n_steps < 0;
 *   lr negative, NaN or Inf; losses != NULL with losses_len != n_steps + 1.
 *   Example: lab06.1's problem, lr = 0.05, one step: a = [[0.8], [-0.4]],
 *   b = [[1.1, 0.7]]: out = [0.8, -0.4, 1.1, 0.7], losses = [5, 4].
 *   Tolerance: 1e-9 relative (as above) after 1 and 10 steps; 1e-8 after
 *   200 steps (README: "Tolerances"; `lab06-demo drift` measures why).
 */
int train_sgd(const train_problem_t *p, train_mat_t a0, train_mat_t b0, double lr,
              long long n_steps, double *out, size_t out_len, double *losses, size_t losses_len);

/*
 * lab06.5  train_adam: the same loop with Adam instead of SGD.  (20 points)
 *   PyTorch's torch.optim.Adam with its defaults (beta1 = 0.9,
 *   beta2 = 0.999, eps = 1e-8, no weight decay, no amsgrad), over all
 *   entries of a and b, with the exercise's gradients (lab06.2).  m = v = 0 at the
 *   start; at step t = 1, 2, ..., n_steps, for every entry with gradient g
 *   (all gradients of a step taken at the same a and b):
 *       m = beta1 m + (1 - beta1) g
 *       v = beta2 v + (1 - beta2) g^2
 *       theta = theta - (lr / (1 - beta1^t)) m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
 *   (eps is added OUTSIDE the square root, after the bias correction.)
 *   Outputs, edge cases and broken contract as lab06.4.  Tolerance: 1e-9
 *   relative after 1 step, 1e-8 after 100 steps.
 *   Example: the first step moves every entry by lr g / (|g| + eps), about
 *   lr in the direction of -g: lab06.1's problem, lr = 0.1, one step gives
 *   a = [[0.9], [-0.1]], b = [[1.1, 0.9]] (to 1e-8).
 */
int train_adam(const train_problem_t *p, train_mat_t a0, train_mat_t b0, double lr,
               long long n_steps, double *out, size_t out_len, double *losses, size_t losses_len);

#endif
