/*
 * reuse.h - Lab 09's runs of Labs 06 and 07 on a 4-bit base (the program
 * lab09-reuse, built by labs/09-qlora/lab.mk).  lab06.c and lab07.c each
 * compile that lab's demo.c in (its main renamed), so the tasks, the
 * training loops and the settings are those labs' own code, not copies;
 * the lab code they call (train_adam, project_checks) is linked from the
 * lab's reference when the kit has it (else the lab's student file).
 */
#ifndef LORALAB_LAB09_REUSE_H
#define LORALAB_LAB09_REUSE_H

#include <stddef.h>
#include <stdint.h>

/* Replaces w (n weights) by its 4-bit round trip (lab09.3 then lab09.4) in
 * the data type `type` (0 NF4, 1 int4, 2 FP4), blocks of 64; -1 leaves it. */
typedef void (*quantize_fn)(int type, double *w, size_t n);

/* Lab 06's figure task (seed), its w_base passed through q(type), then its
 * LoRA run with Adam at rank r: the final loss on the task, and the loss
 * before training (a0, b0 = 0: the base alone). */
void lab06_on_base(uint64_t seed, size_t r, quantize_fn q, int type, double *loss_before,
                   double *loss_after);

/* Lab 07's project on data seed `seed` (r = 4, its epochs and lr) with W1
 * and W2 of the frozen network passed through q(type): both tasks' accuracy
 * and last training loss. */
void lab07_on_base(uint64_t seed, quantize_fn q, int type, double acc[2], double loss[2]);

/* The trained weights of both labs, as kit data file tensors on stdout:
 * Lab 06's w_base and its trained a, b (r = 4) and Lab 07's frozen W1, W2
 * and task A's trained A1, B1. */
void lab06_write_weights(uint64_t seed);
void lab07_write_weights(uint64_t seed);

#endif
