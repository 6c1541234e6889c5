/* adapter.c - Lab 07's functions as the runner calls them (see runner.h).
 * Every argument travels as itself; mode travels as the wire's integer kind
 * (signature letter l) and becomes an enum two_task_backprop here. */
#include <limits.h>

#include "runner.h"
#include "two_task.h"

#pragma weak base_forward
#pragma weak adapted_forward
#pragma weak head_bce
#pragma weak adapter_gradient
#pragma weak train_task
#pragma weak merge_adapter
#pragma weak project_checks

/* The wire's integer as a mode.  A value outside int's range becomes
 * INT_MAX, so a bad mode stays bad instead of wrapping onto 0 or 1. */
static enum two_task_backprop mode_of(int64_t wire)
{
    return (enum two_task_backprop)(wire >= INT_MIN && wire <= INT_MAX ? (int)wire : INT_MAX);
}

static int64_t call_base(const runner_arg_t *a)
{
    return base_forward(RP(0), RZ(1), RP(2), RZ(3), RZ(4), RP(5));
}

static int64_t call_adapted(const runner_arg_t *a)
{
    return adapted_forward(RP(0), RZ(1), RP(2), RP(3), RZ(4), RZ(5), RZ(6), RD(7), RP(8));
}

static int64_t call_head(const runner_arg_t *a)
{
    return head_bce(RP(0), RP(1), RZ(2), RP(3), RZ(4), RP(5), RP(6));
}

static int64_t call_gradient(const runner_arg_t *a)
{
    return adapter_gradient(RP(0), RP(1), RZ(2), RP(3), RP(4), RZ(5), RZ(6), RZ(7), RD(8),
                            mode_of(RL(9)), RP(10), RP(11));
}

static int64_t call_train(const runner_arg_t *a)
{
    return train_task(RP(0), RP(1), RZ(2), RP(3), RP(4), RZ(5), RZ(6), RZ(7), RD(8), RD(9), RZ(10),
                      mode_of(RL(11)), RP(12), RP(13));
}

static int64_t call_merge(const runner_arg_t *a)
{
    return merge_adapter(RP(0), RP(1), RZ(2), RZ(3), RZ(4), RD(5), RP(6));
}

static int64_t call_checks(const runner_arg_t *a)
{
    return project_checks(RP(0), RP(1), RP(2), RZ(3), RP(4), RZ(5), RP(6), RP(7), RP(8), RZ(9),
                          RZ(10), RZ(11), RD(12), RD(13), RZ(14), mode_of(RL(15)), RP(16), RP(17),
                          RP(18));
}

const runner_fn_t runner_functions[] = {
    {"base_forward", "pzpzzp", (runner_addr_t)base_forward, call_base},
    {"adapted_forward", "pzppzzzdp", (runner_addr_t)adapted_forward, call_adapted},
    {"head_bce", "ppzpzpp", (runner_addr_t)head_bce, call_head},
    {"adapter_gradient", "ppzppzzzdlpp", (runner_addr_t)adapter_gradient, call_gradient},
    {"train_task", "ppzppzzzddzlpp", (runner_addr_t)train_task, call_train},
    {"merge_adapter", "ppzzzdp", (runner_addr_t)merge_adapter, call_merge},
    {"project_checks", "pppzpzpppzzzddzlppp", (runner_addr_t)project_checks, call_checks},
    {0, 0, 0, 0},
};
