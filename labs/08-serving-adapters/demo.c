/*
 * demo.c - lab08-demo: Lab 08's worked numbers and its measurements.
 *
 *   lab08-demo examples     serve.h's worked examples through your functions,
 *                           checked (exit 1 if one differs)
 *   lab08-demo latency      the four variants of a small transformer-shaped
 *                           stack (base, LoRA unmerged, LoRA merged, Houlsby
 *                           adapters) timed at batch 1, 2, 4, 16, 64 and
 *                           sequence lengths 1, 8, 32 (at most 512 tokens): overhead in percent
 *                           beside the course's GPU table, operation counts
 *                           and the sizes that decide what stays in cache
 *   lab08-demo throughput   many adapters in one batch: gather, segment,
 *                           merge per task, pre-merged copies, row by row,
 *                           merge per request, against the number of
 *                           distinct adapters (1 .. 64) and the batch size
 *   lab08-demo pool [DIR]   an LRU pool of adapter slots loading Lab 05's
 *                           safetensors files (written into DIR, default
 *                           build/lab08-pool) on a miss, on a skewed request
 *                           stream: hit rate and bytes read against pool size
 *   lab08-demo bench        the batched kernel's floating-point rate against
 *                           a blocked plain C matrix product, same run
 *   lab08-demo write FILE / read FILE   one adapter file (Lab 05's layout),
 *                           for the cross-check with Lab 05's decoder
 *
 * It links the lab's serve.c (yours, or the reference when the kit has it)
 * and labs/common.  Times are CPU time of this process (clock_gettime
 * CLOCK_PROCESS_CPUTIME_ID): best and median of several runs.  They vary
 * from machine to machine and run to run; the README says which numbers
 * it quotes and from which run.  Random data use the seed printed on stderr
 * (LORALAB_SEED=N changes it).  Students do not need to edit it.
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "demo_main.h"
#include "lab.h"
#include "lora_file.h"
#include "matrix.h"
#include "rng.h"
#include "serve.h"

#define PROG "lab08-demo"

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Best and median CPU seconds of n functions, run in turns (round k runs
 * each once), so that a burst of load on the machine hits them all alike:
 * at least 5 rounds and at most 15, until 0.3 s are spent (a small
 * configuration gets more rounds).  prepare(ctx[i]), if set, runs before
 * each timed run, untimed. */
typedef struct {
    double best, median;
    int runs;
} timing_t;

enum { ROUNDS_MIN = 5, ROUNDS_MAX = 15 };

static void time_turns(int n, void (*const fn[])(void *), void *const ctx[], void (*prepare)(void *),
                       timing_t out[])
{
    double t[8][ROUNDS_MAX], spent = 0.0;
    int rounds = 0;
    while (rounds < ROUNDS_MAX && (rounds < ROUNDS_MIN || spent < 0.3)) {
        for (int i = 0; i < n; i++) {
            if (prepare)
                prepare(ctx[i]);
            double t0 = cpu_now();
            fn[i](ctx[i]);
            t[i][rounds] = cpu_now() - t0;
            spent += t[i][rounds];
        }
        rounds++;
    }
    for (int i = 0; i < n; i++) {
        qsort(t[i], (size_t)rounds, sizeof t[i][0], cmp_double);
        out[i] = (timing_t){t[i][0], rounds % 2 ? t[i][rounds / 2]
                                                : 0.5 * (t[i][rounds / 2 - 1] + t[i][rounds / 2]), rounds};
    }
}

static double *random_alloc(rng_t *g, size_t count, double scale)
{
    double *p = mat_alloc(count ? count : 1, 1);
    if (!p)
        exit(1);
    rng_fill_uniform(g, p, count, -scale, scale);
    return p;
}


/* size_t results (perm, seg, slot_of, counts): printed, and compared exactly. */
static int print_sizes(const char *name, const size_t *v, const size_t *want, size_t n)
{
    int same = 1;
    printf("  %-10s [", name);
    for (size_t i = 0; i < n; i++) {
        printf("%s%zu", i ? ", " : "", v[i]);
        same &= v[i] == want[i];
    }
    printf("]\n");
    return same;
}

/* ------------------------------------------------------------ examples */

static int examples(void)
{
    printf("lab08.1 houlsby_adapter: h = [[1, -2], [3, -2]], w_down = [[1, 1]], w_up = [[2], [0]]\n");
    static const double h[] = {1, -2, 3, -2}, wd[] = {1, 1}, wu[] = {2, 0}, h_want[] = {1, -2, 5, -2};
    double out[4];
    CALL(houlsby_adapter(h, 2, wd, wu, 2, 1, out));
    demo_print_vec("out", 10, out, 4);
    demo_check("out = [[1, -2], [5, -2]]", demo_all_near(out, h_want, 4, 1e-9));

    printf("lab08.2 multi_lora_gather: W0 = I2, A_0 = [[1, 0]], B_0 = [[1], [0]], A_1 = [[0, 1]],\n"
           "  B_1 = [[0], [1]], alpha = 2, r = 1, x = [[1, 0], [0, 1], [1, 1]], ids = [0, 1, 1]\n");
    static const double x[] = {1, 0, 0, 1, 1, 1}, w0[] = {1, 0, 0, 1}, a[] = {1, 0, 0, 1},
                        b[] = {1, 0, 0, 1}, y_want[] = {3, 0, 0, 3, 1, 3};
    static const size_t ids[] = {0, 1, 1};
    double y[6];
    CALL(multi_lora_gather(x, 3, w0, a, b, ids, 2, 2, 1, 2, 2.0, y));
    demo_print_vec("y", 10, y, 6);
    demo_check("gather: y = [[3, 0], [0, 3], [1, 3]]", demo_all_near(y, y_want, 6, 1e-9));
    CALL(multi_lora_segment(x, 3, w0, a, b, ids, 2, 2, 1, 2, 2.0, y));
    demo_check("lab08.4 segment: the same y", demo_all_near(y, y_want, 6, 1e-9));

    printf("lab08.3 group_by_adapter: ids = [2, 0, 2, 1], 3 adapters\n");
    static const size_t gids[] = {2, 0, 2, 1}, seg_want[] = {0, 1, 2, 4}, perm_want[] = {1, 3, 0, 2};
    size_t perm[4], seg[4];
    CALL(group_by_adapter(gids, 4, 3, perm, seg));
    int same = print_sizes("seg", seg, seg_want, 4);
    same &= print_sizes("perm", perm, perm_want, 4);
    demo_check("seg = [0, 1, 2, 4], perm = [1, 3, 0, 2]", same);

    printf("lab08.5 lru_pool_plan: 2 slots, requests [0, 1, 0, 2, 1]\n");
    static const size_t req[] = {0, 1, 0, 2, 1}, slot_want[] = {0, 1, 0, 1, 0}, counts_want[] = {1, 4, 2};
    size_t slot_of[5], counts[3];
    CALL(lru_pool_plan(req, 5, 3, 2, slot_of, counts));
    same = print_sizes("slot_of", slot_of, slot_want, 5);
    same &= print_sizes("counts", counts, counts_want, 3);
    demo_check("slot_of = [0, 1, 0, 1, 0], counts = [1, 4, 2]", same);
    printf("%d of %d checks agree\n", demo_checks.total - demo_checks.bad, demo_checks.total);
    return demo_checks.bad ? 1 : 0;
}

/* ------------------------------------------------------------ latency */

/* The stack: L layers of width D, each a transformer layer's linear maps
 * (no softmax, which is the same in every variant):
 *   q, k, v = X Wq^T, X Wk^T, X Wv^T;  H = X + ((q + k + v) / 3) Wo^T
 *   X' = H + relu(H W1^T) W2^T,  W1 (FF, D), W2 (D, FF)
 * LoRA (rank R, alpha = 2 R) on Wq and Wv; Houlsby adapters (bottleneck M)
 * after the attention output and after the MLP, M chosen so both add the
 * same number of parameters.  Every product is labs/common's mat_matmul_nt,
 * in every variant: the differences are the variants' work, not the kernel. */
enum { L = 2, D = 64, FF = 256, LR = 8, HM = 8, MAX_TOKENS = 512 };
enum { V_BASE, V_UNMERGED, V_MERGED, V_ADAPTER, N_VARIANTS };
static const char *const VARIANT_NAMES[N_VARIANTS] = {"base", "lora-unmerged", "lora-merged", "adapter-H"};

typedef struct {
    double *wq, *wk, *wv, *wo, *w1, *w2;   /* base */
    double *aq, *bq, *av, *bv;             /* LoRA on q and v */
    double *wq_m, *wv_m;                   /* merged */
    double *d1, *u1, *d2, *u2;             /* Houlsby: down (HM, D), up (D, HM), two per layer */
} layer_t;

typedef struct {
    layer_t layer[L];
    size_t tokens;
    int variant;
    double *x, *q, *k, *v, *h, *f, *z, *t;
} stack_t;

static void merge_into(double *w_m, const double *w, const double *b, const double *a, double s)
{
    mat_matmul(b, a, w_m, D, LR, D);
    for (size_t i = 0; i < (size_t)D * D; i++)
        w_m[i] = w[i] + s * w_m[i];
}

static void stack_init(stack_t *S, rng_t *g, size_t max_tokens)
{
    const double sc = 1.0 / sqrt((double)D);
    for (int l = 0; l < L; l++) {
        layer_t *y = &S->layer[l];
        y->wq = random_alloc(g, D * D, sc), y->wk = random_alloc(g, D * D, sc);
        y->wv = random_alloc(g, D * D, sc), y->wo = random_alloc(g, D * D, sc);
        y->w1 = random_alloc(g, FF * D, sc), y->w2 = random_alloc(g, D * FF, sc);
        y->aq = random_alloc(g, LR * D, sc), y->bq = random_alloc(g, D * LR, sc);
        y->av = random_alloc(g, LR * D, sc), y->bv = random_alloc(g, D * LR, sc);
        y->wq_m = mat_alloc(D, D), y->wv_m = mat_alloc(D, D);
        merge_into(y->wq_m, y->wq, y->bq, y->aq, 2.0);
        merge_into(y->wv_m, y->wv, y->bv, y->av, 2.0);
        y->d1 = random_alloc(g, HM * D, sc), y->u1 = random_alloc(g, D * HM, sc);
        y->d2 = random_alloc(g, HM * D, sc), y->u2 = random_alloc(g, D * HM, sc);
    }
    size_t n = max_tokens;
    S->x = random_alloc(g, n * D, 1.0);
    S->q = mat_alloc(n, D), S->k = mat_alloc(n, D), S->v = mat_alloc(n, D), S->h = mat_alloc(n, D);
    S->f = mat_alloc(n, FF), S->z = mat_alloc(n, HM > LR ? HM : LR), S->t = mat_alloc(n, D);
}

static void stack_free(stack_t *S)
{
    for (int l = 0; l < L; l++) {
        layer_t *y = &S->layer[l];
        double *all[] = {y->wq, y->wk, y->wv, y->wo, y->w1, y->w2, y->aq, y->bq, y->av, y->bv,
                         y->wq_m, y->wv_m, y->d1, y->u1, y->d2, y->u2};
        for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
            free(all[i]);
    }
    free(S->x), free(S->q), free(S->k), free(S->v), free(S->h), free(S->f), free(S->z), free(S->t);
}

/* out += 2 (in A^T) B^T: the unmerged LoRA term (alpha / r = 2). */
static void lora_add(stack_t *S, const double *in, const double *a, const double *b, double *out)
{
    size_t n = S->tokens;
    mat_matmul_nt(in, a, S->z, n, D, LR);
    mat_matmul_nt(S->z, b, S->t, n, LR, D);
    for (size_t i = 0; i < n * D; i++)
        out[i] += 2.0 * S->t[i];
}

/* io += relu(io Wd^T) Wu^T: a Houlsby adapter on a sub-layer's output. */
static void adapter_add(stack_t *S, double *io, const double *wd, const double *wu)
{
    size_t n = S->tokens;
    mat_matmul_nt(io, wd, S->z, n, D, HM);
    for (size_t i = 0; i < n * HM; i++)
        S->z[i] = S->z[i] > 0 ? S->z[i] : 0.0;
    mat_matmul_nt(S->z, wu, S->t, n, HM, D);
    for (size_t i = 0; i < n * D; i++)
        io[i] += S->t[i];
}

/* One forward pass of the stack on S->x (tokens x D), in place. */
static void stack_forward(void *ctx)
{
    stack_t *S = ctx;
    size_t n = S->tokens;
    int var = S->variant;
    for (int l = 0; l < L; l++) {
        layer_t *y = &S->layer[l];
        mat_matmul_nt(S->x, var == V_MERGED ? y->wq_m : y->wq, S->q, n, D, D);
        mat_matmul_nt(S->x, y->wk, S->k, n, D, D);
        mat_matmul_nt(S->x, var == V_MERGED ? y->wv_m : y->wv, S->v, n, D, D);
        if (var == V_UNMERGED) {
            lora_add(S, S->x, y->aq, y->bq, S->q);
            lora_add(S, S->x, y->av, y->bv, S->v);
        }
        for (size_t i = 0; i < n * D; i++)
            S->q[i] = (S->q[i] + S->k[i] + S->v[i]) / 3.0;
        mat_matmul_nt(S->q, y->wo, S->h, n, D, D);
        if (var == V_ADAPTER)
            adapter_add(S, S->h, y->d1, y->u1);
        for (size_t i = 0; i < n * D; i++)
            S->h[i] += S->x[i];
        mat_matmul_nt(S->h, y->w1, S->f, n, D, FF);
        for (size_t i = 0; i < n * FF; i++)
            S->f[i] = S->f[i] > 0 ? S->f[i] : 0.0;
        mat_matmul_nt(S->f, y->w2, S->x, n, FF, D);
        if (var == V_ADAPTER)
            adapter_add(S, S->x, y->d2, y->u2);
        for (size_t i = 0; i < n * D; i++)
            S->x[i] = (S->x[i] + S->h[i]) * 0.5; /* residual, halved: values stay bounded */
    }
}

/* Multiplications per token and layer of each variant. */
static long mults_per_token(int var)
{
    long base = 4L * D * D + 2L * D * FF;
    return var == V_UNMERGED ? base + 2L * LR * (D + D) : var == V_ADAPTER ? base + 2L * 2 * D * HM : base;
}

static void cache_line(void)
{
    long l1 = sysconf(_SC_LEVEL1_DCACHE_SIZE), l2 = sysconf(_SC_LEVEL2_CACHE_SIZE);
    long w = (long)L * (4L * D * D + 2L * D * FF) * 8;
    printf("# sizes: weights of the stack %ld KiB (per layer %ld KiB); this CPU's L1d %ld KiB, "
           "L2 %ld KiB (sysconf; 0 = not reported)\n",
           w / 1024, w / 1024 / L, l1 > 0 ? l1 / 1024 : 0, l2 > 0 ? l2 / 1024 : 0);
}

/* Every timed pass starts from the same input. */
static const double *latency_x0;
static void reset_x(void *ctx)
{
    stack_t *S = ctx;
    memcpy(S->x, latency_x0, S->tokens * D * sizeof(double));
}

static int latency(void)
{
    static const size_t batches[] = {1, 2, 4, 16, 64}, seqs[] = {1, 8, 32};
    rng_t g;
    rng_seed(&g, demo_seed());
    stack_t S;
    stack_init(&S, &g, MAX_TOKENS);
    double *x0 = mat_dup(S.x, MAX_TOKENS, D);
    printf("# lab08-demo latency: a %d-layer stack, width %d, MLP %d; LoRA r = %d on Wq and Wv; "
           "Houlsby adapters, bottleneck %d, two per layer\n", L, D, FF, LR, HM);
    printf("# multiplications per token and layer: base %ld, LoRA unmerged %ld (+%.1f%%), merged "
           "%ld (+0%%), adapter-H %ld (+%.1f%%)\n", mults_per_token(V_BASE), mults_per_token(V_UNMERGED),
           100.0 * (mults_per_token(V_UNMERGED) - mults_per_token(V_BASE)) / mults_per_token(V_BASE),
           mults_per_token(V_MERGED), mults_per_token(V_ADAPTER),
           100.0 * (mults_per_token(V_ADAPTER) - mults_per_token(V_BASE)) / mults_per_token(V_BASE));
    cache_line();
    printf("# CPU ms per forward pass, best (median) of 5..15 runs, the variants in turns; overhead = best / base best - 1;"
           " variants:");
    for (int var = 0; var < N_VARIANTS; var++)
        printf(" %s", VARIANT_NAMES[var]);
    printf("\n");
    printf("# batch seq tokens base_ms unmerged_ms merged_ms adapter_ms base_med unmerged_med merged_med "
           "adapter_med unmerged_pct merged_pct adapter_pct\n");
    for (size_t si = 0; si < sizeof seqs / sizeof seqs[0]; si++) {
        if (si)
            printf("\n\n"); /* one gnuplot block (index) per sequence length */
        for (size_t bi = 0; bi < sizeof batches / sizeof batches[0]; bi++) {
            if (batches[bi] * seqs[si] > MAX_TOKENS)
                continue;
            stack_t V[N_VARIANTS];
            void *ctx[N_VARIANTS];
            void (*fns[N_VARIANTS])(void *);
            for (int var = 0; var < N_VARIANTS; var++) {
                V[var] = S; /* the same weights and buffers, another variant */
                V[var].tokens = batches[bi] * seqs[si];
                V[var].variant = var;
                ctx[var] = &V[var];
                fns[var] = stack_forward;
            }
            S.tokens = V[0].tokens;
            timing_t t[N_VARIANTS];
            latency_x0 = x0;
            time_turns(N_VARIANTS, fns, ctx, reset_x, t);
            printf("%zu %zu %zu", batches[bi], seqs[si], S.tokens);
            for (int var = 0; var < N_VARIANTS; var++)
                printf(" %.4f", t[var].best * 1e3);
            for (int var = 0; var < N_VARIANTS; var++)
                printf(" %.4f", t[var].median * 1e3);
            for (int var = 1; var < N_VARIANTS; var++)
                printf(" %.1f", 100.0 * (t[var].best / t[V_BASE].best - 1.0));
            printf("\n");
        }
    }
    printf("# the course's GPU table (GPT-2 medium, one forward pass): batch 32 x 512 tokens: "
           "adapter-H +3.0%%; 16 x 256: +8.4%%; 1 x 128: +30.3%%; LoRA merged +0%%\n");
    free(x0);
    stack_free(&S);
    return 0;
}

/* ------------------------------------------------------------ throughput */

enum { TD = 128, TR = 8, TN = 64 }; /* width, rank, adapters held in memory */

typedef struct {
    size_t batch, distinct;
    const double *x, *w0, *a, *b, *merged;
    size_t *ids;
    double *y, *w, *zero_a, *zero_b, *xs, *ys;
    double alpha;
} tput_t;

static void run_gather(void *ctx)
{
    tput_t *T = ctx;
    CALL(multi_lora_gather(T->x, T->batch, T->w0, T->a, T->b, T->ids, TD, TD, TR, TN, T->alpha, T->y));
}

static void run_segment(void *ctx)
{
    tput_t *T = ctx;
    CALL(multi_lora_segment(T->x, T->batch, T->w0, T->a, T->b, T->ids, TD, TD, TR, TN, T->alpha, T->y));
}

static void run_row_by_row(void *ctx)
{
    tput_t *T = ctx;
    for (size_t t = 0; t < T->batch; t++)
        CALL(multi_lora_gather(T->x + t * TD, 1, T->w0, T->a, T->b, T->ids + t, TD, TD, TR, TN,
                               T->alpha, T->y + t * TD));
}

/* W = W0 + (alpha / r) B_k A_k into T->w. */
static void merge_task(tput_t *T, size_t k)
{
    mat_matmul(T->b + k * TD * TR, T->a + k * TR * TD, T->w, TD, TR, TD);
    for (size_t i = 0; i < (size_t)TD * TD; i++)
        T->w[i] = T->w0[i] + T->alpha / TR * T->w[i];
}

/* The rows of task k through weight w, with the same kernel as gather (a
 * rank-1 zero adapter: 2 TD extra multiplications per row, under 1%). */
static void rows_through(tput_t *T, size_t k, const double *w)
{
    size_t n = 0;
    for (size_t t = 0; t < T->batch; t++)
        if (T->ids[t] == k)
            memcpy(T->xs + n++ * TD, T->x + t * TD, TD * sizeof(double));
    if (!n)
        return;
    size_t *ids = calloc(n, sizeof *ids); /* every row: the one (zero) adapter 0 */
    CALL(multi_lora_gather(T->xs, n, w, T->zero_a, T->zero_b, ids, TD, TD, 1, 1, 1.0, T->ys));
    free(ids);
    n = 0;
    for (size_t t = 0; t < T->batch; t++)
        if (T->ids[t] == k)
            memcpy(T->y + t * TD, T->ys + n++ * TD, TD * sizeof(double));
}

static void run_merge_per_task(void *ctx)
{
    tput_t *T = ctx;
    for (size_t k = 0; k < T->distinct; k++) {
        merge_task(T, k);
        rows_through(T, k, T->w);
    }
}

static void run_premerged(void *ctx)
{
    tput_t *T = ctx;
    for (size_t k = 0; k < T->distinct; k++)
        rows_through(T, k, T->merged + k * TD * TD);
}

static void run_merge_per_request(void *ctx)
{
    tput_t *T = ctx;
    for (size_t t = 0; t < T->batch; t++) {
        merge_task(T, T->ids[t]);
        mat_matmul_nt(T->x + t * TD, T->w, T->y + t * TD, 1, TD, TD);
    }
}

enum { M_GATHER, M_SEGMENT, M_MERGE_TASK, M_PREMERGED, M_ROW, M_MERGE_REQ, N_METHODS };
static const char *const METHOD_NAMES[N_METHODS] = {"gather", "segment", "merge-per-task",
                                                    "pre-merged", "row-by-row", "merge-per-request"};
static void (*const METHODS[N_METHODS])(void *) = {run_gather, run_segment, run_merge_per_task,
                                                   run_premerged, run_row_by_row, run_merge_per_request};

static int throughput(void)
{
    rng_t g;
    rng_seed(&g, demo_seed());
    const double sc = 1.0 / sqrt((double)TD);
    enum { MAXB = 256 };
    double *x = random_alloc(&g, MAXB * TD, 1.0), *w0 = random_alloc(&g, TD * TD, sc);
    double *a = random_alloc(&g, TN * TR * TD, sc), *b = random_alloc(&g, TN * TD * TR, sc);
    double *merged = mat_alloc((size_t)TN * TD, TD);
    size_t ids[MAXB];
    tput_t T = {0, 0, x, w0, a, b, merged, ids, mat_alloc(MAXB, TD), mat_alloc(TD, TD),
                mat_alloc(1, TD), mat_alloc(TD, 1), mat_alloc(MAXB, TD), mat_alloc(MAXB, TD), 16.0};
    for (size_t k = 0; k < TN; k++) {
        merge_task(&T, k);
        memcpy(merged + k * TD * TD, T.w, TD * TD * sizeof(double));
    }
    printf("# lab08-demo throughput: d_in = d_out = %d, r = %d, alpha = 16, %d adapters held; "
           "row t of a batch asks for adapter t mod n (n distinct adapters)\n", TD, TR, TN);
    printf("# multiplications per row: base %d; gather adds r (d_in + d_out) = %d; merging one "
           "task costs r d_in d_out = %d; pre-merged copies hold n x %d KiB\n", TD * TD, TR * 2 * TD,
           TR * TD * TD, TD * TD * 8 / 1024);
    printf("# rows per second of CPU (best of 5..15 runs, the methods in turns)\n# batch distinct");
    for (int m = 0; m < N_METHODS; m++)
        printf(" %s", METHOD_NAMES[m]);
    printf("\n");
    static const size_t batches[] = {4, 16, 64, 256}, distincts[] = {1, 2, 4, 8, 16, 32, 64};
    size_t cross[4] = {0}; /* per batch: the most distinct adapters at which merging per task still wins */
    for (size_t bi = 0; bi < 4; bi++) {
        if (bi)
            printf("\n\n"); /* one gnuplot block (index) per batch size */
        for (size_t di = 0; di < 7; di++) {
            T.batch = batches[bi];
            T.distinct = distincts[di] < T.batch ? distincts[di] : T.batch;
            if (distincts[di] > T.batch)
                continue;
            for (size_t t = 0; t < T.batch; t++)
                ids[t] = t % T.distinct;
            printf("%zu %zu", T.batch, T.distinct);
            void *ctx[N_METHODS];
            timing_t tm[N_METHODS];
            for (int m = 0; m < N_METHODS; m++)
                ctx[m] = &T;
            time_turns(N_METHODS, METHODS, ctx, NULL, tm);
            for (int m = 0; m < N_METHODS; m++)
                printf(" %.0f", (double)T.batch / tm[m].best);
            printf("\n");
            if (tm[M_MERGE_TASK].best < tm[M_GATHER].best)
                cross[bi] = T.distinct;
        }
    }
    printf("# crossover: merging per task (W0 + (alpha/r) B_k A_k, then one product per task) beats gather\n");
    for (size_t bi = 0; bi < 4; bi++)
        if (cross[bi])
            printf("#   batch %zu: up to %zu distinct adapters (%zu rows per task or more)\n", batches[bi],
                   cross[bi], batches[bi] / cross[bi]);
        else
            printf("#   batch %zu: never (gather wins from 1 adapter on)\n", batches[bi]);
    free(x), free(w0), free(a), free(b), free(merged), free(T.y), free(T.w), free(T.zero_a);
    free(T.zero_b), free(T.xs), free(T.ys);
    return 0;
}

/* ------------------------------------------------------------ pool */

enum { PT = 48, PD = 64, PR = 8, PQ = 4000 }; /* tasks, width, rank, requests */

static int pool_dir(const char *dir)
{
    if (mkdir(dir, 0755) != 0) {
        struct stat st;
        if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
            fprintf(stderr, PROG ": cannot make the folder %s\n", dir);
            return 1;
        }
    }
    rng_t g;
    rng_seed(&g, demo_seed());
    double a[PR * PD], b[PD * PR];
    char path[4096], module[64];
    for (int k = 0; k < PT; k++) {
        rng_fill_uniform(&g, a, PR * PD, -1, 1);
        rng_fill_uniform(&g, b, PD * PR, -1, 1);
        snprintf(path, sizeof path, "%s/task%02d.safetensors", dir, k);
        snprintf(module, sizeof module, "model.layers.0.self_attn.q_proj");
        if (lora_file_write(path, module, a, b, PD, PD, PR) != 0)
            return 1;
    }
    /* Zipf-like: task k with probability proportional to 1 / (k + 1). */
    size_t *req = malloc(PQ * sizeof *req), *slot_of = malloc(PQ * sizeof *slot_of);
    double cum[PT], total = 0.0;
    for (int k = 0; k < PT; k++)
        cum[k] = (total += 1.0 / (k + 1));
    for (int q = 0; q < PQ; q++) {
        double u = rng_uniform(&g) * total;
        int k = 0;
        while (k + 1 < PT && cum[k] < u)
            k++;
        req[q] = (size_t)k;
    }
    printf("# lab08-demo pool: %d adapters (Lab 05's safetensors, F64, r = %d, %d x %d) in %s; "
           "%d requests, task k with probability ~ 1/(k+1)\n", PT, PR, PD, PD, dir, PQ);
    printf("# slots hits misses evictions hit_rate bytes_read_KiB\n");
    static const size_t sizes[] = {1, 2, 4, 8, 12, 16, 24, 32, 48};
    double *slots_a = malloc(48 * PR * PD * sizeof(double)), *slots_b = malloc(48 * PD * PR * sizeof(double));
    int rc = 0;
    double t0 = cpu_now();
    for (size_t si = 0; si < sizeof sizes / sizeof sizes[0] && rc == 0; si++) {
        size_t slots = sizes[si], bytes = 0, loaded[48];
        size_t counts[3];
        CALL(lru_pool_plan(req, PQ, PT, slots, slot_of, counts));
        for (size_t s = 0; s < slots; s++)
            loaded[s] = (size_t)-1;
        for (int q = 0; q < PQ && rc == 0; q++) {
            size_t s = slot_of[q], k = req[q], dims[3], n;
            if (loaded[s] == k)
                continue; /* a hit: the slot holds the task already */
            snprintf(path, sizeof path, "%s/task%02zu.safetensors", dir, k);
            rc = lora_file_read(path, slots_a + s * PR * PD, PR * PD, slots_b + s * PD * PR, PD * PR, dims, &n);
            loaded[s] = k;
            bytes += n;
        }
        printf("%zu %zu %zu %zu %.3f %.1f\n", slots, counts[0], counts[1], counts[2],
               (double)counts[0] / PQ, bytes / 1024.0);
    }
    printf("# CPU time of the plans and file loads above: %.1f ms\n", (cpu_now() - t0) * 1e3);
    free(req), free(slot_of), free(slots_a), free(slots_b);
    return rc;
}

static int pool(int argc, char **argv)
{
    return pool_dir(argc > 2 ? argv[2] : "build/lab08-pool");
}

/* ------------------------------------------------------------ bench */

/* c (m, n) += a (m, k) b (k, n), row-major, blocked: a KB-wide panel of a
 * against KB rows of b (which stay in L1/L2), the inner loop over a row of
 * c (unit stride: the compiler vectorises it). */
static void blocked_matmul(const double *restrict a, const double *restrict b, double *restrict c,
                           size_t m, size_t k, size_t n)
{
    enum { MB = 32, KB = 64 };
    for (size_t i0 = 0; i0 < m; i0 += MB)
        for (size_t p0 = 0; p0 < k; p0 += KB)
            for (size_t i = i0; i < i0 + MB && i < m; i++)
                for (size_t p = p0; p < p0 + KB && p < k; p++) {
                    double av = a[i * k + p];
                    const double *brow = b + p * n;
                    double *crow = c + i * n;
                    for (size_t j = 0; j < n; j++)
                        crow[j] += av * brow[j];
                }
}

enum { BB = 64, BD = 256, BR = 8, BN = 16 };

typedef struct {
    double *x, *w0, *w0t, *a, *b;
    size_t *ids;
    double *y;
} bench_t;

static void bench_gather(void *ctx)
{
    bench_t *P = ctx;
    CALL(multi_lora_gather(P->x, BB, P->w0, P->a, P->b, P->ids, BD, BD, BR, BN, 16.0, P->y));
}

static void bench_blocked(void *ctx)
{
    bench_t *P = ctx;
    memset(P->y, 0, BB * BD * sizeof(double));
    blocked_matmul(P->x, P->w0t, P->y, BB, BD, BD);
}

static int bench(void)
{
    rng_t g;
    rng_seed(&g, demo_seed());
    bench_t P = {random_alloc(&g, BB * BD, 1), random_alloc(&g, BD * BD, 1), mat_alloc(BD, BD),
                 random_alloc(&g, BN * BR * BD, 1), random_alloc(&g, BN * BD * BR, 1),
                 calloc(BB, sizeof(size_t)), mat_alloc(BB, BD)};
    mat_transpose(P.w0, P.w0t, BD, BD);
    for (int t = 0; t < BB; t++)
        P.ids[t] = t % BN;
    double flops_gather = 2.0 * BB * BD * BD + 2.0 * BB * BR * (BD + BD), flops_mm = 2.0 * BB * BD * BD;
    void (*const fns[2])(void *) = {bench_gather, bench_blocked};
    void *const ctx[2] = {&P, &P};
    timing_t t[2];
    time_turns(2, fns, ctx, NULL, t);
    double best_g = t[0].best, best_m = t[1].best;
    double rate_g = flops_gather / best_g / 1e9, rate_m = flops_mm / best_m / 1e9;
    printf("lab08 bench: batch %d, d_in = d_out = %d, r = %d, %d adapters; CPU time, best runs\n", BB, BD, BR, BN);
    printf("  multi_lora_gather      %.3f ms  %.2f GFLOP/s\n", best_g * 1e3, rate_g);
    printf("  blocked C matmul       %.3f ms  %.2f GFLOP/s  (x W0^T alone, W0 pre-transposed)\n",
           best_m * 1e3, rate_m);
    printf("  ratio blocked / gather %.2f x  (bar: at most 2): %s\n", rate_m / rate_g,
           rate_m / rate_g <= 2.0 ? "yes" : "NO");
    free(P.x), free(P.w0), free(P.w0t), free(P.a), free(P.b), free(P.ids), free(P.y);
    return rate_m / rate_g <= 2.0 ? 0 : 1;
}

/* ------------------------------------------------------------ files */

static int write_file(int argc, char **argv)
{
    (void)argc;
    rng_t g;
    rng_seed(&g, demo_seed());
    enum { DI = 7, DO = 5, R = 3 };
    double a[R * DI], b[DO * R];
    rng_fill_normal(&g, a, R * DI, 1.0);
    rng_fill_normal(&g, b, DO * R, 1.0);
    if (lora_file_write(argv[2], "transformer.h.3.attn.c_attn", a, b, DI, DO, R) != 0)
        return 1;
    printf("dims %d %d %d\n", DI, DO, R);
    for (int i = 0; i < R * DI; i++)
        printf("A %d %.17g\n", i, a[i]);
    for (int i = 0; i < DO * R; i++)
        printf("B %d %.17g\n", i, b[i]);
    return 0;
}

static int read_file(int argc, char **argv)
{
    (void)argc;
    double a[4096], b[4096];
    size_t dims[3], bytes;
    if (lora_file_read(argv[2], a, 4096, b, 4096, dims, &bytes) != 0)
        return 1;
    printf("dims %zu %zu %zu\n", dims[0], dims[1], dims[2]);
    for (size_t i = 0; i < dims[2] * dims[0]; i++)
        printf("A %zu %.17g\n", i, a[i]);
    for (size_t i = 0; i < dims[1] * dims[2]; i++)
        printf("B %zu %.17g\n", i, b[i]);
    return 0;
}

/* ------------------------------------------------------------ main */

static const demo_command_t COMMANDS[] = {
    {.name = "examples", .help = "serve.h's worked examples, checked (exit 1 if one differs)", .run = examples},
    {.name = "latency", .help = "base, LoRA unmerged, merged, Houlsby: CPU time and overhead", .run = latency},
    {.name = "throughput", .help = "rows per second against distinct adapters per batch", .run = throughput},
    {.name = "pool", .args = "[DIR]", .help = "LRU pool of adapter files: hit rate against pool size",
     .run_args = pool, .min_args = 0, .max_args = 1},
    {.name = "bench", .help = "the batched kernel's FLOP rate against a blocked C matmul", .run = bench},
    {.name = "write", .args = "FILE", .help = "write one adapter file (Lab 05's layout) and its values",
     .run_args = write_file, .min_args = 1, .max_args = 1},
    {.name = "read", .args = "FILE", .help = "read one adapter file and print its values",
     .run_args = read_file, .min_args = 1, .max_args = 1},
    {.name = NULL},
};

DEMO_MAIN(.prog = PROG, .commands = COMMANDS, .seeded = DEMO_SEEDED, .check_width = 52)
