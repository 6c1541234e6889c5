/* adapter.c - Lab 03's functions as the runner calls them (see runner.h). */
#include "lora_linear.h"
#include "runner.h"

#pragma weak lora_init
#pragma weak lora_scaling
#pragma weak lora_linear_forward
#pragma weak lora_grad
#pragma weak lora_sgd_step
#pragma weak lora_init_peft_gaussian

static int64_t call_init(const runner_arg_t *a)
{
    return lora_init(RP(0), RP(1), RZ(2), RZ(3), RZ(4), RL(5), RD(6), RL(7));
}

static int64_t call_scaling(const runner_arg_t *a)
{
    return lora_scaling(RD(0), RZ(1), RL(2), RP(3));
}

static int64_t call_forward(const runner_arg_t *a)
{
    return lora_linear_forward(RP(0), RZ(1), RP(2), RP(3), RP(4), RP(5), RZ(6), RZ(7), RZ(8),
                               RD(9), RP(10));
}

static int64_t call_grad(const runner_arg_t *a)
{
    return lora_grad(RP(0), RP(1), RZ(2), RP(3), RP(4), RP(5), RP(6), RZ(7), RZ(8), RZ(9), RD(10),
                     RP(11), RP(12), RP(13));
}

static int64_t call_step(const runner_arg_t *a)
{
    return lora_sgd_step(RP(0), RP(1), RZ(2), RP(3), RP(4), RP(5), RP(6), RZ(7), RZ(8), RZ(9),
                         RD(10), RD(11), RP(12), RP(13), RP(14));
}

static int64_t call_init_peft_gaussian(const runner_arg_t *a)
{
    return lora_init_peft_gaussian(RP(0), RP(1), RZ(2), RZ(3), RZ(4), RL(5));
}

const runner_fn_t runner_functions[] = {
    {"lora_init", "ppzzzldl", (runner_addr_t)lora_init, call_init},
    {"lora_scaling", "dzlp", (runner_addr_t)lora_scaling, call_scaling},
    {"lora_linear_forward", "pzppppzzzdp", (runner_addr_t)lora_linear_forward, call_forward},
    {"lora_grad", "ppzppppzzzdppp", (runner_addr_t)lora_grad, call_grad},
    {"lora_sgd_step", "ppzppppzzzddppp", (runner_addr_t)lora_sgd_step, call_step},
    {"lora_init_peft_gaussian", "ppzzzl", (runner_addr_t)lora_init_peft_gaussian,
     call_init_peft_gaussian},
    {0, 0, 0, 0},
};
