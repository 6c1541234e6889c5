/*
 * lifecycle_example.h - the course's lifecycle example ("merging
 * and task switching"), shared by demo.c, the visible tests and the grader.
 *
 * Course numbers: W0 = I4, alpha = r = 2 (s = 1), Task A's B and A, the
 * merged W_A and W_A x for x = [1, 0, 0, 0].  The course gives no numbers for
 * Task B ("different LoRA matrices"); TASK_B_* are the kit's own choice, and
 * W_B = W0 + B_B A_B is whatever the reference computes from them.
 */
#ifndef LORALAB_LIFECYCLE_EXAMPLE_H
#define LORALAB_LIFECYCLE_EXAMPLE_H

#define LIFE_D 4     /* d_in = d_out = 4 */
#define LIFE_R 2
#define LIFE_ALPHA 2.0

static const double LIFE_W0[16] = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
static const double LIFE_B_A[8] = {0.1, 0.0, 0.0, 0.2, -0.1, 0.0, 0.0, -0.1};      /* (4, 2) */
static const double LIFE_A_A[8] = {0.3, 0.0, -0.1, 0.0, 0.0, 0.1, 0.0, -0.2};      /* (2, 4) */
/* The course's W_A = W0 + B_A A_A and W_A x, x = e1. */
static const double LIFE_W_A[16] = {1.03, 0.00, -0.01, 0.00, 0.00, 1.02, 0.00, -0.04,
                                    -0.03, 0.00, 1.01, 0.00, 0.00, -0.01, 0.00, 1.02};
static const double LIFE_X[4] = {1, 0, 0, 0};
static const double LIFE_W_A_X[4] = {1.03, 0.00, -0.03, 0.00};
/* The kit's Task B (not in the course). */
static const double LIFE_B_B[8] = {0.0, 0.1, 0.1, 0.0, 0.0, -0.2, 0.2, 0.0};        /* (4, 2) */
static const double LIFE_A_B[8] = {0.0, 0.2, 0.0, 0.1, 0.1, 0.0, 0.3, 0.0};         /* (2, 4) */
/* The course's count: 2 x (4 x 2 + 2 x 4) = 32 numbers moved by a swap, 16 by a reload. */
#define LIFE_SWAP 32.0
#define LIFE_RELOAD 16.0

#endif
