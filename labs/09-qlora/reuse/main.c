/*
 * main.c - lab09-reuse: Labs 06 and 07 trained on a 4-bit base, and their
 * trained weights for lab09-demo errors.  Built by labs/09-qlora/lab.mk
 * from this folder, Lab 09's qlora.c (the quantizer), and Labs 06 and 07's
 * demo.c (compiled into lab06.c and lab07.c) and their lab code.
 *
 *   lab09-reuse weights   Lab 06's w_base and trained a, b; Lab 07's W1, W2
 *                         and trained A1, B1 (a kit data file on stdout)
 *   lab09-reuse lab06     Lab 06's task on full-precision, NF4, int4 and FP4
 *                         bases, seeds 1 .. 5: loss before and after LoRA
 *   lab09-reuse lab07     Lab 07's project on the four bases, data seeds
 *                         1 .. 10: accuracy and final loss of both tasks
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo_main.h"
#include "qlora.h"
#include "reuse.h"

static const char *const BASES[4] = {"full precision", "NF4", "int4", "FP4"};

static void round_trip(int type, double *w, size_t n)
{
    if (type < 0)
        return;
    double lv[16];
    CALL(type == 0 ? nf4_levels(lv) : type == 1 ? int4_levels(lv) : fp4_levels(lv));
    uint8_t *pk = malloc((n + 1) / 2);
    double *sc = malloc((n + QLORA_BLOCK - 1) / QLORA_BLOCK * sizeof(double));
    if (!pk || !sc)
        exit(1);
    CALL(q_quantize(lv, w, n, QLORA_BLOCK, pk, sc));
    CALL(q_dequantize(lv, pk, sc, n, QLORA_BLOCK, w));
    free(pk), free(sc);
}

static int weights(void)
{
    printf("# lab09-reuse weights: trained weights of Labs 06 and 07 (their own code, default seeds)\n");
    lab06_write_weights(20261124);
    lab07_write_weights(20261124);
    return 0;
}

enum { SEEDS06 = 5, SEEDS07 = 10 };

static int lab06(void)
{
    printf("Lab 06's figure task (N = 160, d_in = 24, d_out = 16, a rank-4 update, noise 0.1), LoRA r = 4\n"
           "with Adam (Lab 06's train_adam, lr 0.01, 600 steps), its w_base replaced by the base's 4-bit\n"
           "round trip (blocks of 64); the targets stay those of the full-precision base.  Seeds 1 .. %d.\n\n", SEEDS06);
    printf("| base | loss before training (mean) | loss after (mean) | after (min .. max) | after - full precision |\n");
    printf("|---|---|---|---|---|\n");
    double ref = 0;
    for (int t = -1; t < 3; t++) {
        double mb = 0, ma = 0, lo = INFINITY, hi = 0;
        for (int s = 1; s <= SEEDS06; s++) {
            double b, a;
            lab06_on_base((uint64_t)s, 4, round_trip, t, &b, &a);
            mb += b / SEEDS06, ma += a / SEEDS06, lo = fmin(lo, a), hi = fmax(hi, a);
        }
        if (t < 0)
            ref = ma;
        printf("| %s | %.6f | %.6f | %.6f .. %.6f | %+.6f |\n", BASES[t + 1], mb, ma, lo, hi, ma - ref);
    }
    return 0;
}

static int lab07(void)
{
    printf("Lab 07's two-task project (r = 4, 300 epochs, lr 0.1, full backprop: its project_checks), W1 and W2\n"
           "of the frozen network replaced by their 4-bit round trip (blocks of 64), data seeds 1 .. %d.\n\n", SEEDS07);
    printf("| base | task A accuracy (mean) | task B accuracy (mean) | task A final loss | task B final loss |\n");
    printf("|---|---|---|---|---|\n");
    for (int t = -1; t < 3; t++) {
        double acc[2], loss[2], m[4] = {0};
        for (int s = 1; s <= SEEDS07; s++) {
            lab07_on_base((uint64_t)s, round_trip, t, acc, loss);
            m[0] += acc[0] / SEEDS07, m[1] += acc[1] / SEEDS07, m[2] += loss[0] / SEEDS07, m[3] += loss[1] / SEEDS07;
        }
        printf("| %s | %.4f | %.4f | %.5f | %.5f |\n", BASES[t + 1], m[0], m[1], m[2], m[3]);
    }
    return 0;
}

static const demo_command_t COMMANDS[] = {
    {.name = "weights", .help = "trained weights of Labs 06 and 07 as a kit data file", .run = weights},
    {.name = "lab06", .help = "Lab 06's task on full-precision and 4-bit bases, seeds 1 .. 5", .run = lab06},
    {.name = "lab07", .help = "Lab 07's project on full-precision and 4-bit bases, seeds 1 .. 10", .run = lab07},
    {.name = NULL},
};

DEMO_MAIN(.prog = "lab09-reuse", .commands = COMMANDS, .seeded = 0, .check_width = 40)
