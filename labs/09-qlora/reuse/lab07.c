/*
 * lab07.c - Lab 07's demo compiled in (main renamed), for lab09-reuse: its
 * project (problem_generate, project_checks with its epochs and lr) on a
 * frozen network whose W1 and W2 Lab 09 quantizes.
 */
#define main lab07_demo_main
#include "../../07-two-task-project/demo.c"
#undef main

#include "reuse.h"

void lab07_on_base(uint64_t seed, quantize_fn q, int type, double acc[2], double loss[2])
{
    problem_t P;
    problem_generate(&P, seed, RANK);
    q(type, P.frozen, D_FF * D);                  /* W1 */
    q(type, P.frozen + TT_W2(D, D_FF), D * D_FF); /* W2 */
    run_t R;
    run_project(&P, TT_BACKPROP_FULL, &R);
    acc[0] = R.report[TT_ACC_A], acc[1] = R.report[TT_ACC_B];
    loss[0] = R.report[TT_LOSS_A], loss[1] = R.report[TT_LOSS_B];
    free(R.adapter_a), free(R.adapter_b);
    problem_free(&P);
}

void lab07_write_weights(uint64_t seed)
{
    problem_t P;
    problem_generate(&P, seed, RANK);
    run_t R;
    run_project(&P, TT_BACKPROP_FULL, &R);
    if (kit_write_tensor(stdout, "lab07.W1", P.frozen, D_FF, D) ||
        kit_write_tensor(stdout, "lab07.W2", P.frozen + TT_W2(D, D_FF), D, D_FF) ||
        kit_write_tensor(stdout, "lab07.A1", R.adapter_a, RANK, D_FF) ||
        kit_write_tensor(stdout, "lab07.B1", R.adapter_a + TT_B1(D_FF, RANK), D, RANK))
        exit(1);
    free(R.adapter_a), free(R.adapter_b);
    problem_free(&P);
}
