/*
 * adapter.c - Lab 06's functions as the runner calls them (see runner.h).
 *
 * The wire carries only tensors and numbers, so every call sends the five
 * matrices x, y, w_base, a, b as plain tensors plus one tensor "shapes" of
 * ten numbers (rows, cols of x, y, w_base, a, b) and builds the
 * train_problem_t and train_mat_t structs here, inside the runner.
 */
#include "runner.h"
#include "train_adapter.h"

#pragma weak train_forward
#pragma weak train_gradients
#pragma weak train_grad_check
#pragma weak train_sgd
#pragma weak train_adam

/* Arguments 0..4 are x, y, w_base, a, b; argument 5 is shapes (10 doubles). */
static void unpack(const runner_arg_t *a, train_problem_t *p, train_mat_t *ma, train_mat_t *mb)
{
    const double *sh = RP(5);
    train_mat_t m[5];
    for (int i = 0; i < 5; i++)
        m[i] = (train_mat_t){RP(i), (size_t)sh[2 * i], (size_t)sh[2 * i + 1]};
    *p = (train_problem_t){m[0], m[1], m[2]};
    *ma = m[3], *mb = m[4];
}

static int64_t call_forward(const runner_arg_t *a)
{
    train_problem_t p;
    train_mat_t ma, mb;
    unpack(a, &p, &ma, &mb);
    return train_forward(&p, ma, mb, RP(6), RP(7));
}

static int64_t call_gradients(const runner_arg_t *a)
{
    train_problem_t p;
    train_mat_t ma, mb;
    unpack(a, &p, &ma, &mb);
    return train_gradients(&p, ma, mb, RP(6), RP(7));
}

static int64_t call_grad_check(const runner_arg_t *a)
{
    train_problem_t p;
    train_mat_t ma, mb;
    unpack(a, &p, &ma, &mb);
    return train_grad_check(&p, ma, mb, RP(6), RP(7), RD(8), RP(9), RP(10));
}

static int64_t call_sgd(const runner_arg_t *a)
{
    train_problem_t p;
    train_mat_t ma, mb;
    unpack(a, &p, &ma, &mb);
    return train_sgd(&p, ma, mb, RD(6), RL(7), RP(8), RZ(9), RP(10), RZ(11));
}

static int64_t call_adam(const runner_arg_t *a)
{
    train_problem_t p;
    train_mat_t ma, mb;
    unpack(a, &p, &ma, &mb);
    return train_adam(&p, ma, mb, RD(6), RL(7), RP(8), RZ(9), RP(10), RZ(11));
}

const runner_fn_t runner_functions[] = {
    {"train_forward", "pppppppp", (runner_addr_t)train_forward, call_forward},
    {"train_gradients", "pppppppp", (runner_addr_t)train_gradients, call_gradients},
    {"train_grad_check", "ppppppppdpp", (runner_addr_t)train_grad_check, call_grad_check},
    {"train_sgd", "ppppppdlpzpz", (runner_addr_t)train_sgd, call_sgd},
    {"train_adam", "ppppppdlpzpz", (runner_addr_t)train_adam, call_adam},
    {0, 0, 0, 0},
};
