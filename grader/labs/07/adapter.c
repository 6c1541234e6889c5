/* adapter.c - Lab 07's functions as the runner calls them (see runner.h).
 * project_checks has more parameters than the wire carries (16), so its
 * sizes travel as one tensor "dims" = {n, n_probe, d, d_ff, r, epochs, mode}
 * and are converted back here. */
#include "runner.h"
#include "two_task.h"

#pragma weak base_forward
#pragma weak adapted_forward
#pragma weak head_bce
#pragma weak adapter_gradient
#pragma weak train_task
#pragma weak merge_adapter
#pragma weak project_checks

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
    return adapter_gradient(RP(0), RP(1), RZ(2), RP(3), RP(4), RZ(5), RZ(6), RZ(7), RD(8), RL(9),
                            RP(10), RP(11));
}

static int64_t call_train(const runner_arg_t *a)
{
    return train_task(RP(0), RP(1), RZ(2), RP(3), RP(4), RZ(5), RZ(6), RZ(7), RD(8), RD(9), RZ(10),
                      RL(11), RP(12), RP(13));
}

static int64_t call_merge(const runner_arg_t *a)
{
    return merge_adapter(RP(0), RP(1), RZ(2), RZ(3), RZ(4), RD(5), RP(6));
}

static int64_t call_checks(const runner_arg_t *a)
{
    const double *dims = RP(7); /* n, n_probe, d, d_ff, r, epochs, mode: whole numbers >= 0 */
    size_t z[6];
    for (int i = 0; i < 6; i++)
        z[i] = dims[i] >= 0 && dims[i] < 1e15 ? (size_t)dims[i] : 0;
    return project_checks(RP(0), RP(1), RP(2), z[0], RP(3), z[1], RP(4), RP(5), RP(6), z[2], z[3],
                          z[4], RD(8), RD(9), z[5], (long long)dims[6], RP(10), RP(11), RP(12));
}

const runner_fn_t runner_functions[] = {
    {"base_forward", "pzpzzp", (runner_addr_t)base_forward, call_base},
    {"adapted_forward", "pzppzzzdp", (runner_addr_t)adapted_forward, call_adapted},
    {"head_bce", "ppzpzpp", (runner_addr_t)head_bce, call_head},
    {"adapter_gradient", "ppzppzzzdlpp", (runner_addr_t)adapter_gradient, call_gradient},
    {"train_task", "ppzppzzzddzlpp", (runner_addr_t)train_task, call_train},
    {"merge_adapter", "ppzzzdp", (runner_addr_t)merge_adapter, call_merge},
    {"project_checks", "ppppppppddppp", (runner_addr_t)project_checks, call_checks},
    {0, 0, 0, 0},
};
