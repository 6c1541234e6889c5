/*
 * lab06.c - Lab 06's demo compiled in (main renamed), for lab09-reuse:
 * its figure task (task_make) and its LoRA run (lora_run, Adam) on a base
 * that Lab 09 quantizes.
 */
#define main lab06_demo_main
#include "../../06-train-adapter/demo.c"
#undef main

#include "kitio.h"
#include "reuse.h"

void lab06_on_base(uint64_t seed, size_t r, quantize_fn q, int type, double *loss_before,
                   double *loss_after)
{
    static task_t T;
    task_make(&T, seed);
    double losses[CSTEPS + 1];
    q(type, T.w, CDI * CDO); /* the targets stay those of the full-precision base */
    lora_run(&T, r, 1, seed, losses);
    *loss_before = losses[0], *loss_after = losses[CSTEPS];
}

void lab06_write_weights(uint64_t seed)
{
    static task_t T;
    task_make(&T, seed);
    const size_t r = 4;
    rng_t g;
    rng_seed(&g, seed + r);
    double *a = mat_alloc(CDI, r), *b = mat_alloc(r, CDO), *out = mat_alloc(CDI * r + r * CDO, 1);
    rng_fill_uniform(&g, a, CDI * r, -1.0 / sqrt(CDI), 1.0 / sqrt(CDI));
    const train_problem_t p = {{T.x, CN, CDI}, {T.y, CN, CDO}, {T.w, CDI, CDO}};
    CALL(train_adam(&p, (train_mat_t){a, CDI, r}, (train_mat_t){b, r, CDO}, C_ADAM_LR, CSTEPS, out,
                    CDI * r + r * CDO, NULL, 0));
    if (kit_write_tensor(stdout, "lab06.w_base", T.w, CDI, CDO) || kit_write_tensor(stdout, "lab06.a", out, CDI, r) ||
        kit_write_tensor(stdout, "lab06.b", out + CDI * r, r, CDO))
        exit(1);
    free(a), free(b), free(out);
}
