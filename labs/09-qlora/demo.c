/*
 * demo.c - lab09-demo: Lab 09's worked numbers, the NF4 table, the error of
 * each 4-bit data type, the memory table, and LoRA trained on a 4-bit base.
 *
 *   lab09-demo examples     the header's worked examples, checked (exit 1 if
 *                           one differs)
 *   lab09-demo nf4-table    NF4 built in double by the lab's functions, beside
 *                           bitsandbytes' published float32 table and the same
 *                           construction with float32 probabilities
 *   lab09-demo levels       the three tables (gnuplot data)
 *   lab09-demo errors [FILE...]   MSE and worst error of NF4, int4 and FP4
 *                           (blocks of 64) on normal weights, weights with
 *                           outliers, heavy tails, and every tensor of each kit
 *                           data FILE (make lab09-errors passes the trained
 *                           weights of Labs 06 and 07)
 *   lab09-demo memory       bits per weight and the memory table for LLaMA
 *                           7B, 33B and 65B (assumptions printed)
 *   lab09-demo train        LoRA on a full-precision base and on 4-bit bases,
 *                           several seeds: the loss quantizing costs and what
 *                           the adapters win back
 *   lab09-demo curves       the loss curves of `train`'s first seed (gnuplot data)
 *
 * It links the lab's qlora.c (yours, or the reference when the kit has it)
 * and labs/common, so what it prints is what that code computes.  Random
 * data take LORALAB_SEED (printed on stderr; the README's numbers use the
 * default).  Students do not need to edit it.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo_main.h"
#include "kitio.h"
#include "lab.h"
#include "matrix.h"
#include "qlora.h"
#include "rng.h"

#define PROG "lab09-demo"

/* bitsandbytes' NF4 table as published (float32 values). */
static const double NF4_PUBLISHED[16] = {
    -1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453,
    -0.28444138169288635, -0.18477343022823334, -0.09105003625154495, 0.0,
    0.07958029955625534, 0.16093020141124725, 0.24611230194568634, 0.33791524171829224,
    0.44070982933044434, 0.5626170039176941, 0.7229568362236023, 1.0};

static const char *const TYPE_NAMES[3] = {"NF4", "int4", "FP4"};

static void levels_of(int type, double *lv)
{
    CALL(type == 0 ? nf4_levels(lv) : type == 1 ? int4_levels(lv) : fp4_levels(lv));
}

/* ------------------------------------------------------------ examples */

static int examples(void)
{
    printf(PROG " examples: the worked examples of qlora.h, recomputed by the lab's functions\n\n");
    double z, lv[16];
    CALL(norm_ppf(0.975, &z));
    printf("norm_ppf(0.975) = %.15f\n", z);
    demo_check("norm_ppf(0.975) = 1.959963984540054 (to 1e-12)", fabs(z - 1.959963984540054) <= 1e-12);
    CALL(nf4_levels(lv));
    double worst = 0;
    for (int c = 0; c < 16; c++)
        worst = fmax(worst, fabs(lv[c] - NF4_PUBLISHED[c]));
    printf("NF4 in double against bitsandbytes' table: largest difference %.3g\n", worst);
    demo_check("NF4 matches the published table within 2e-7", worst <= 2e-7);
    demo_check("NF4 code 7 is 0.0, code 15 is 1.0", lv[7] == 0.0 && lv[15] == 1.0);

    static const double w[4] = {1, -2, 0.5, 0};
    uint8_t pk[2];
    double sc[2];
    CALL(q_quantize(lv, w, 4, 2, pk, sc));
    printf("q_quantize(NF4, [1, -2, 0.5, 0], block 2): scales [%g, %g], packed [0x%02X, 0x%02X]\n",
           sc[0], sc[1], pk[0], pk[1]);
    demo_check("scales [2, 0.5], packed [0xC0, 0xF7]", sc[0] == 2 && sc[1] == 0.5 && pk[0] == 0xC0 && pk[1] == 0xF7);
    double back[4];
    CALL(q_dequantize(lv, pk, sc, 4, 2, back));
    printf("  dequantized: [%.6f, %.6f, %.6f, %.6f]\n", back[0], back[1], back[2], back[3]);

    static const double s[4] = {1, 2, 3, 6};
    uint8_t codes[4];
    double gs[2], mean, rs[4];
    CALL(dq_quantize(s, 4, 2, codes, gs, &mean));
    printf("dq_quantize([1, 2, 3, 6], group 2): mean %g, gscales [%g, %g], codes %02X %02X %02X %02X\n",
           mean, gs[0], gs[1], codes[0], codes[1], codes[2], codes[3]);
    demo_check("mean 3, gscales [2, 3], codes 81 C0 00 7F",
               mean == 3 && gs[0] == 2 && gs[1] == 3 && codes[0] == 0x81 && codes[1] == 0xC0 &&
                   codes[2] == 0 && codes[3] == 0x7F);
    CALL(dq_dequantize(codes, gs, mean, 4, 2, rs));
    printf("  restored: [%.6f, %.6f, %.6f, %.6f]\n", rs[0], rs[1], rs[2], rs[3]);

    double bits[2];
    CALL(q_bits_per_param(QLORA_BLOCK, QLORA_DQ_GROUP, bits));
    printf("bits per weight, block 64: %.4f plain (4 + 32/64), %.6f with DQ (4 + 8/64 + 32/(64*256))\n",
           bits[0], bits[1]);
    demo_check("4.5 and 4.126953125 bits", bits[0] == 4.5 && bits[1] == 4.126953125);
    printf("\n");
    if (demo_checks.bad) {
        printf("%d of %d checks DIFFER\n", demo_checks.bad, demo_checks.total);
        return 1;
    }
    printf("all %d checks agree with the lab's stated numbers\n", demo_checks.total);
    return 0;
}

/* ------------------------------------------------------------ nf4-table */

/* torch.linspace(start, end, steps) in float32: the first half from start, the rest from end. */
static void linspace_f32(double start, double end, int steps, double *out)
{
    const float a = (float)start, b = (float)end, step = (float)((b - a) / (float)(steps - 1));
    for (int i = 0; i < steps; i++)
        out[i] = i < steps / 2 ? (float)(a + step * (float)i) : (float)(b - step * (float)(steps - 1 - i));
}

static int nf4_table(void)
{
    double lv[16], p9[9], p8[8], v[16];
    CALL(nf4_levels(lv));
    linspace_f32(QLORA_NF4_OFFSET, 0.5, 9, p9);
    linspace_f32(QLORA_NF4_OFFSET, 0.5, 8, p8);
    for (int k = 0; k < 7; k++) {
        CALL(norm_ppf(p8[k], &v[k]));
        v[k] = -v[k];
    }
    v[7] = 0.0;
    for (int k = 0; k < 8; k++)
        CALL(norm_ppf(p9[k], &v[15 - k]));
    const float top = (float)v[15];
    int same = 0;
    printf("code  NF4 in double          bitsandbytes (float32)  float32 probabilities  diff (double - published)\n");
    for (int c = 0; c < 16; c++) {
        const float f = (float)((float)v[c] / top);
        same += (double)f == NF4_PUBLISHED[c];
        printf("%4d  %+.17f  %+.17f  %+.17f  %+.2e\n", c, lv[c], NF4_PUBLISHED[c], (double)f,
               lv[c] - NF4_PUBLISHED[c]);
    }
    printf("with the probabilities rounded to float32 (torch.linspace) and the division in float32, "
           "%d of 16 levels equal the published table bit for bit\n", same);
    return 0;
}

static int levels_cmd(void)
{
    double lv[3][16], q;
    for (int t = 0; t < 3; t++)
        levels_of(t, lv[t]);
    CALL(norm_ppf(QLORA_NF4_OFFSET, &q));
    printf("# code NF4 int4 FP4 NF4_in_sigmas (NF4 level * Q(offset) = %.6f)\n", q);
    for (int c = 0; c < 16; c++)
        printf("%d %.9f %.9f %.9f %.9f\n", c, lv[0][c], lv[1][c], lv[2][c], lv[0][c] * q);
    return 0;
}

/* ------------------------------------------------------------ errors */

/* MSE and worst |error| of type t on w (n), blocks of 64; relative to the mean square of w. */
static void quant_error(int t, const double *w, size_t n, double *mse, double *worst)
{
    double lv[16];
    levels_of(t, lv);
    uint8_t *pk = malloc((n + 1) / 2);
    double *sc = malloc(((n + QLORA_BLOCK - 1) / QLORA_BLOCK) * sizeof(double)), *back = mat_alloc(n, 1);
    if (!pk || !sc) {
        fprintf(stderr, PROG ": out of memory\n");
        exit(1);
    }
    CALL(q_quantize(lv, w, n, QLORA_BLOCK, pk, sc));
    CALL(q_dequantize(lv, pk, sc, n, QLORA_BLOCK, back));
    double se = 0, wmax = 0;
    for (size_t k = 0; k < n; k++) {
        const double e = back[k] - w[k];
        se += e * e;
        wmax = fmax(wmax, fabs(e));
    }
    *mse = se / (double)n, *worst = wmax;
    free(pk), free(sc), free(back);
}

static void error_row(const char *what, const double *w, size_t n)
{
    double ms = 0;
    for (size_t k = 0; k < n; k++)
        ms += w[k] * w[k];
    ms /= (double)n;
    double mse[3], worst[3];
    int best = 0;
    for (int t = 0; t < 3; t++) {
        quant_error(t, w, n, &mse[t], &worst[t]);
        if (mse[t] < mse[best])
            best = t;
    }
    printf("| %-34s | %7zu |", what, n);
    for (int t = 0; t < 3; t++)
        printf(" %.3e | %.3e |", ms > 0 ? mse[t] / ms : 0.0, worst[t]);
    printf(" %s |\n", TYPE_NAMES[best]);
}

static int errors(int argc, char **argv)
{
    const uint64_t seed = demo_seed();
    rng_t g;
    rng_seed(&g, seed);
    enum { N = 1 << 16 };
    double *w = mat_alloc(N, 1);
    printf("Quantization error, blocks of 64 with absmax: MSE / mean square of the weights "
           "(relative MSE) and the worst |error|.\n\n");
    printf("| weights | n | NF4 rel. MSE | NF4 worst | int4 rel. MSE | int4 worst | FP4 rel. MSE | FP4 worst | lowest MSE |\n");
    printf("|---|---|---|---|---|---|---|---|---|\n");
    rng_fill_normal(&g, w, N, 1.0);
    error_row("normal N(0, 1)", w, N);
    for (size_t k = 0; k < N; k++) /* one weight in 256 ten times as large */
        if (rng_below(&g, 256) == 0)
            w[k] *= 10.0;
    error_row("normal, 1 in 256 scaled by 10", w, N);
    for (size_t k = 0; k < N; k++)
        w[k] = rng_uniform_range(&g, -1, 1);
    error_row("uniform U(-1, 1)", w, N);
    for (size_t k = 0; k < N; k++) { /* Laplace: heavier tails than the normal */
        const double u = rng_uniform_range(&g, -0.5, 0.5);
        w[k] = (u < 0 ? 1 : -1) * log(1 - 2 * fabs(u));
    }
    error_row("Laplace (heavy tails)", w, N);
    for (int f = 2; f < argc; f++) {
        kit_file_t kf;
        if (kit_read(argv[f], &kf) != 0)
            return 1;
        for (size_t t = 0; t < kf.count; t++) {
            char what[80];
            snprintf(what, sizeof what, "%s", kf.tensors[t].name);
            error_row(what, kf.tensors[t].data, kf.tensors[t].rows * kf.tensors[t].cols);
        }
        kit_free(&kf);
    }
    free(w);
    return 0;
}

/* ------------------------------------------------------------ memory */

typedef struct {
    const char *name;
    double d, ff, layers, vocab;
} model_t;

/* LLaMA's shapes (Touvron et al., 2023). */
static const model_t MODELS[] = {{"LLaMA 7B", 4096, 11008, 32, 32000},
                                 {"LLaMA 33B", 6656, 17920, 60, 32000},
                                 {"LLaMA 65B", 8192, 22016, 80, 32000}};

static int memory(void)
{
    double bits[2];
    CALL(q_bits_per_param(QLORA_BLOCK, QLORA_DQ_GROUP, bits));
    const double r = 64, GB = 1e9;
    printf("Bits per base weight: NF4 with a 32-bit scale per block of 64: %.4f; with double quantization\n"
           "(8-bit scales, one 32-bit scale per 256 of them): %.6f = 4 + 8/64 + 32/(64*256); DQ saves %.6f bits per weight.\n\n",
           bits[0], bits[1], bits[0] - bits[1]);
    printf("Assumptions: the linear layers of every block (q, k, v, o: d x d; gate, up: d x ff; down: ff x d)\n"
           "are quantized; embeddings, output layer and norms stay in 16 bits.  LoRA on all 7 linear layers,\n"
           "r = %.0f (QLoRA's setting): adapters in 16 bits, their gradients in 16 bits, Adam's m and v in\n"
           "32 bits (12 bytes per adapter weight).  Full fine-tuning with Adam in mixed precision: 16 bytes\n"
           "per weight (16-bit weights and gradients, 32-bit master copy, m and v).  Activations, the KV cache\n"
           "and framework overhead are NOT counted.  GB = 1e9 bytes.\n\n", r);
    printf("| model | params | linear | LoRA params | fp16 weights | full FT, Adam | LoRA, fp16 base | QLoRA, NF4 base | QLoRA, NF4 + DQ |\n");
    printf("|---|---|---|---|---|---|---|---|---|\n");
    for (size_t m = 0; m < sizeof MODELS / sizeof MODELS[0]; m++) {
        const model_t *M = &MODELS[m];
        const double lin = M->layers * (4 * M->d * M->d + 3 * M->d * M->ff);
        const double other = 2 * M->vocab * M->d + M->layers * 2 * M->d + M->d;
        const double total = lin + other;
        const double lora = M->layers * r * (4 * 2 * M->d + 3 * (M->d + M->ff));
        const double adapters = lora * 12;
        const double fp16 = total * 2, full = total * 16;
        const double nf4 = lin * bits[0] / 8 + other * 2, dq = lin * bits[1] / 8 + other * 2;
        printf("| %s | %.2fB | %.2fB | %.0fM | %.1f GB | %.0f GB | %.1f GB | %.1f GB | %.1f GB |\n", M->name,
               total / 1e9, lin / 1e9, lora / 1e6, fp16 / GB, full / GB, (fp16 + adapters) / GB,
               (nf4 + adapters) / GB, (dq + adapters) / GB);
        if (m == 2)
            printf("\n65B with QLoRA (NF4 + DQ base, r = 64 adapters and their Adam state): %.1f GB, %s 48 GB,\n"
                   "leaving %.1f GB for activations (QLoRA's paper adds gradient checkpointing and paged optimizers).\n",
                   (dq + adapters) / GB, (dq + adapters) / GB < 48 ? "under" : "OVER", 48 - (dq + adapters) / GB);
    }
    return 0;
}

/* ------------------------------------------------------------ train */

/*
 * The task: a frozen base W0 (d_out, d_in), entries N(0, 1/d_in) (a
 * "pretrained" layer), and targets from W0 + a rank-4 update plus noise:
 * t = x (W0 + U V)^T + 0.01 noise.  LoRA (r = 4, alpha = 8) is trained with
 * Adam (lr 0.01, 300 steps, PyTorch's defaults) from A ~ U(+-1/sqrt(d_in)),
 * B = 0, on the base in full precision (the base dequantized from block size
 * 1, whose scale is the weight itself, is exact) and on NF4, int4 and FP4
 * bases (blocks of 64).  The loss is measured on the full-precision task.
 */
enum { TN = 256, TDI = 32, TDO = 24, TR = 4, TSTEPS = 300, NSEEDS = 5 };

typedef struct {
    double x[TN * TDI], t[TN * TDO], w0[TDO * TDI];
} task_t;

static void task_make(task_t *T, uint64_t seed)
{
    rng_t g;
    rng_seed(&g, seed);
    double u[TDO * TR], v[TR * TDI];
    rng_fill_normal(&g, T->w0, TDO * TDI, 1.0 / sqrt(TDI));
    rng_fill_normal(&g, u, TDO * TR, 0.5);
    rng_fill_normal(&g, v, TR * TDI, 1.0 / sqrt(TDI));
    rng_fill_uniform(&g, T->x, TN * TDI, -1, 1);
    for (size_t n = 0; n < TN; n++)
        for (size_t o = 0; o < TDO; o++) {
            double s = 0;
            for (size_t i = 0; i < TDI; i++) {
                double w = T->w0[o * TDI + i];
                for (size_t q = 0; q < TR; q++)
                    w += u[o * TR + q] * v[q * TDI + i];
                s += T->x[n * TDI + i] * w;
            }
            T->t[n * TDO + o] = s + 0.01 * rng_normal(&g);
        }
}

/* Loss curve (TSTEPS + 1 values) of LoRA on the base quantized as type (-1: full precision). */
static void train_run(const task_t *T, int type, uint64_t seed, double *losses)
{
    const size_t n = TDO * TDI;
    const size_t block = type < 0 ? 1 : QLORA_BLOCK;
    double lv[16];
    if (type < 0) { /* block 1: scale = |w|, and +-1 are exact levels of NF4 */
        CALL(nf4_levels(lv));
    } else {
        levels_of(type, lv);
    }
    uint8_t pk[(TDO * TDI + 1) / 2];
    double sc[TDO * TDI];
    CALL(q_quantize(lv, T->w0, n, block, pk, sc));
    rng_t g;
    rng_seed(&g, seed);
    double th[TR * TDI + TDO * TR], m[TR * TDI + TDO * TR] = {0}, v[TR * TDI + TDO * TR] = {0}, gr[TR * TDI + TDO * TR];
    const size_t np = TR * TDI + TDO * TR;
    rng_fill_uniform(&g, th, TR * TDI, -1 / sqrt(TDI), 1 / sqrt(TDI));
    memset(th + TR * TDI, 0, TDO * TR * sizeof(double));
    const double lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8;
    for (int s = 0; s <= TSTEPS; s++) {
        CALL(qlora_grad(lv, pk, sc, block, T->x, T->t, th, th + TR * TDI, TN, TDI, TDO, TR, 8.0, &losses[s], gr,
                        gr + TR * TDI));
        if (s == TSTEPS)
            break;
        for (size_t k = 0; k < np; k++) {
            m[k] = b1 * m[k] + (1 - b1) * gr[k];
            v[k] = b2 * v[k] + (1 - b2) * gr[k] * gr[k];
            th[k] -= lr / (1 - pow(b1, s + 1)) * m[k] / (sqrt(v[k]) / sqrt(1 - pow(b2, s + 1)) + eps);
        }
    }
}

static int train(void)
{
    const uint64_t seed = demo_seed();
    printf("LoRA (r = %d, alpha = 8, Adam lr 0.01, %d steps) on a %d x %d base, %d examples, seeds %llu .. %llu.\n"
           "Loss = MSE against targets from the full-precision base plus a rank-4 update (noise 0.01).\n"
           "'base only' is the loss before training (B = 0): what quantizing alone costs.\n\n",
           TR, TSTEPS, TDO, TDI, TN, (unsigned long long)seed, (unsigned long long)seed + NSEEDS - 1);
    printf("| base | base only (mean) | trained (mean) | trained (min .. max) | extra loss vs full precision |\n");
    printf("|---|---|---|---|---|\n");
    static task_t T;
    double before[4][NSEEDS], after[4][NSEEDS];
    double *curve = mat_alloc(TSTEPS + 1, 1);
    for (int s = 0; s < NSEEDS; s++) {
        task_make(&T, seed + (uint64_t)s);
        for (int type = -1; type < 3; type++) {
            train_run(&T, type, seed + 100 + (uint64_t)s, curve);
            before[type + 1][s] = curve[0], after[type + 1][s] = curve[TSTEPS];
        }
    }
    double full_after = 0;
    for (int s = 0; s < NSEEDS; s++)
        full_after += after[0][s] / NSEEDS;
    for (int k = 0; k < 4; k++) {
        double mb = 0, ma = 0, lo = INFINITY, hi = 0;
        for (int s = 0; s < NSEEDS; s++) {
            mb += before[k][s] / NSEEDS, ma += after[k][s] / NSEEDS;
            lo = fmin(lo, after[k][s]), hi = fmax(hi, after[k][s]);
        }
        printf("| %s | %.5f | %.6f | %.6f .. %.6f | %+.6f |\n", k == 0 ? "full precision" : TYPE_NAMES[k - 1],
               mb, ma, lo, hi, ma - full_after);
    }
    double qb = 0, fb = 0, qa = 0;
    for (int s = 0; s < NSEEDS; s++)
        qb += before[1][s] / NSEEDS, fb += before[0][s] / NSEEDS, qa += after[1][s] / NSEEDS;
    printf("\nNF4: quantizing the base raises the untrained loss by %.5f (%.5f -> %.5f); after training the\n"
           "NF4 run ends %.6f above the full-precision run: the adapters win back %.0f%% of what quantizing\n"
           "cost (a full-rank error, and rank-%d adapters).\n", qb - fb, fb, qb, qa - full_after,
           100 * (1 - (qa - full_after) / (qb - fb)), TR);
    free(curve);
    return 0;
}

static int curves(void)
{
    static task_t T;
    const uint64_t seed = demo_seed();
    task_make(&T, seed);
    double *c[4];
    for (int type = -1; type < 3; type++) {
        c[type + 1] = mat_alloc(TSTEPS + 1, 1);
        train_run(&T, type, seed + 100, c[type + 1]);
    }
    printf("# step full_precision NF4 int4 FP4 (MSE of LoRA r = %d on each base, seed %llu)\n", TR,
           (unsigned long long)seed);
    for (int s = 0; s <= TSTEPS; s++)
        printf("%d %.9g %.9g %.9g %.9g\n", s, c[0][s], c[1][s], c[2][s], c[3][s]);
    for (int k = 0; k < 4; k++)
        free(c[k]);
    return 0;
}

/* ------------------------------------------------------------ main */

static const demo_command_t COMMANDS[] = {
    {.name = "examples", .help = "the header's worked examples, checked (exit 1 if one differs)", .run = examples},
    {.name = "nf4-table", .help = "NF4 in double beside bitsandbytes' published float32 table", .run = nf4_table},
    {.name = "levels", .help = "the NF4, int4 and FP4 levels (gnuplot data)", .run = levels_cmd},
    {.name = "errors", .args = "[FILE...]", .help = "quantization error of NF4, int4, FP4 on weights of several kinds",
     .run_args = errors, .min_args = 0, .max_args = -1},
    {.name = "memory", .help = "bits per weight and the memory table for 7B, 33B, 65B", .run = memory},
    {.name = "train", .help = "LoRA on full-precision and 4-bit bases over several seeds", .run = train},
    {.name = "curves", .help = "loss curves of train's first seed (gnuplot data)", .run = curves},
    {.name = NULL},
};

DEMO_MAIN(.prog = PROG, .commands = COMMANDS, .seeded = DEMO_SEEDED, .check_width = 52)
