/* adapter.c - Lab 02's functions as the runner calls them (see runner.h). */
#include "lora_forward.h"
#include "runner.h"

#pragma weak lora_forward_row
#pragma weak lora_forward
#pragma weak lora_merged_weight
#pragma weak lora_forward_in_out
#pragma weak lora_from_in_out
#pragma weak lora_forward_columns

static int64_t call_row(const runner_arg_t *a)
{
    return lora_forward_row(RP(0), RP(1), RP(2), RP(3), RZ(4), RZ(5), RZ(6), RD(7), RP(8));
}

static int64_t call_batch(const runner_arg_t *a)
{
    return lora_forward(RP(0), RZ(1), RP(2), RP(3), RP(4), RZ(5), RZ(6), RZ(7), RD(8), RP(9));
}

static int64_t call_merged(const runner_arg_t *a)
{
    return lora_merged_weight(RP(0), RP(1), RP(2), RZ(3), RZ(4), RZ(5), RD(6), RP(7));
}

static int64_t call_in_out(const runner_arg_t *a)
{
    return lora_forward_in_out(RP(0), RZ(1), RP(2), RP(3), RP(4), RZ(5), RZ(6), RZ(7), RD(8), RP(9));
}

static int64_t call_from_in_out(const runner_arg_t *a)
{
    return lora_from_in_out(RP(0), RP(1), RP(2), RZ(3), RZ(4), RZ(5), RP(6), RP(7), RP(8));
}

static int64_t call_columns(const runner_arg_t *a)
{
    return lora_forward_columns(RP(0), RP(1), RP(2), RP(3), RZ(4), RZ(5), RZ(6), RZ(7), RD(8), RP(9));
}

const runner_fn_t runner_functions[] = {
    {"lora_forward_row", "ppppzzzdp", (runner_addr_t)lora_forward_row, call_row},
    {"lora_forward", "pzpppzzzdp", (runner_addr_t)lora_forward, call_batch},
    {"lora_merged_weight", "pppzzzdp", (runner_addr_t)lora_merged_weight, call_merged},
    {"lora_forward_in_out", "pzpppzzzdp", (runner_addr_t)lora_forward_in_out, call_in_out},
    {"lora_from_in_out", "pppzzzppp", (runner_addr_t)lora_from_in_out, call_from_in_out},
    {"lora_forward_columns", "ppppzzzzdp", (runner_addr_t)lora_forward_columns, call_columns},
    {0, 0, 0, 0},
};
