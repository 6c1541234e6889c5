/* adapter.c - Lab 01's functions as the runner calls them (see runner.h). */
#include "lowrank.h"
#include "runner.h"

#pragma weak lowrank_rank
#pragma weak lowrank_product
#pragma weak lowrank_storage
#pragma weak lowrank_svd
#pragma weak lowrank_best_approx
#pragma weak lowrank_truncation_error
#pragma weak lowrank_subspace_similarity

static int64_t call_rank(const runner_arg_t *a)
{
    return lowrank_rank(RP(0), RZ(1), RZ(2), RD(3));
}

static int64_t call_product(const runner_arg_t *a)
{
    return lowrank_product(RP(0), RP(1), RZ(2), RZ(3), RZ(4), RP(5));
}

static int64_t call_storage(const runner_arg_t *a)
{
    return lowrank_storage(RZ(0), RZ(1), RZ(2), RP(3));
}

static int64_t call_svd(const runner_arg_t *a)
{
    return lowrank_svd(RP(0), RZ(1), RZ(2), RP(3), RP(4), RP(5));
}

static int64_t call_best(const runner_arg_t *a)
{
    return lowrank_best_approx(RP(0), RZ(1), RZ(2), RZ(3), RP(4));
}

static int64_t call_error(const runner_arg_t *a)
{
    return lowrank_truncation_error(RP(0), RZ(1), RZ(2), RZ(3), RP(4));
}

static int64_t call_similarity(const runner_arg_t *a)
{
    return lowrank_subspace_similarity(RP(0), RZ(1), RP(2), RZ(3), RZ(4), RZ(5), RZ(6), RP(7));
}

const runner_fn_t runner_functions[] = {
    {"lowrank_rank", "pzzd", (runner_addr_t)lowrank_rank, call_rank},
    {"lowrank_product", "ppzzzp", (runner_addr_t)lowrank_product, call_product},
    {"lowrank_storage", "zzzp", (runner_addr_t)lowrank_storage, call_storage},
    {"lowrank_svd", "pzzppp", (runner_addr_t)lowrank_svd, call_svd},
    {"lowrank_best_approx", "pzzzp", (runner_addr_t)lowrank_best_approx, call_best},
    {"lowrank_truncation_error", "pzzzp", (runner_addr_t)lowrank_truncation_error, call_error},
    {"lowrank_subspace_similarity", "pzpzzzzp", (runner_addr_t)lowrank_subspace_similarity,
     call_similarity},
    {0, 0, 0, 0},
};
