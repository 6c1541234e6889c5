/*
 * demo.c - lab05-demo: Lab 05's worked numbers, the drift experiment and the
 * adapter files the Python cross-check reads.
 *
 *   lab05-demo examples     the course's lifecycle (W_A, W_A x, the switch to
 *                           the kit's Task B), the swap counts, the course's
 *                           project's counts recomputed (errata), the
 *                           safetensors example sizes, the config text and
 *                           the drift after 3000 switches; exits 1 if any
 *                           check disagrees with the value the kit states
 *   lab05-demo questions    the course's Apply questions of lessons 1 (what
 *                           adapters in series cost a server: lab05.11,
 *                           lab05.12) and 5 (what a GPT-3 switch reads)
 *   lab05-demo drift        drift of W from the exact W0 + s B A against the
 *                           number of switches: float32 and double, naive
 *                           (lab05.3 / lab05.6) and re-derived from W0
 *                           (lab05.7 in double, this file's rederive_f32 in
 *                           float), each back and forth between 2 tasks and
 *                           round 3 tasks, plus a float switch whose W + d
 *                           is compensated (Kahan), for gnuplot; then, as #
 *                           comments, the table after 10000 switches, the
 *                           ratio of float naive drift to one merge's
 *                           rounding, the two sources of the 3-task drift,
 *                           and the 2-task round trips' 2-cycle
 *   lab05-demo save DIR     writes DIR/adapter_model.safetensors and
 *                           DIR/adapter_config.json (the lifecycle's Task A
 *                           as module model.layers.0.self_attn.q_proj, F32)
 *                           plus DIR/f64.safetensors (a random module, F64)
 *                           and prints every value written, one per line
 *   lab05-demo load FILE    reads FILE with st_load_lora and prints the
 *                           module, dims and values (%.17g), one per line
 *
 * Random numbers come from the kit's RNG; the seed is printed on stderr
 * (LORALAB_SEED=N changes it).  It links the lab's .c files (the reference
 * when the kit has it, else yours), so what it prints is what that code
 * computes.  Students do not need to edit it.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo_main.h"
#include "lab.h"
#include "lifecycle_example.h"
#include "matrix.h"
#include "merge_switch.h"
#include "rng.h"
#include "safetensors.h"

#define PROG "lab05-demo"

static void print_matrix(const char *name, const double *m, size_t rows, size_t cols)
{
    printf("  %s =\n", name);
    for (size_t i = 0; i < rows; i++) {
        printf("    [");
        for (size_t j = 0; j < cols; j++)
            printf("%s%6.2f", j ? ", " : "", m[i * cols + j] + 0.0);
        printf("]\n");
    }
}

/* A whole number below 2^53 with a comma every three digits ("28,991,029,248"). */
static const char *grouped(double v)
{
    static char ring[4][32];
    static int next;
    char *out = ring[next++ % 4], d[24];
    int nd = snprintf(d, sizeof d, "%.0f", v), o = 0;
    for (int i = 0; i < nd; i++) {
        out[o++] = d[i];
        if (d[i] != '-' && (nd - 1 - i) % 3 == 0 && i != nd - 1)
            out[o++] = ',';
    }
    out[o] = '\0';
    return out;
}

static int close_to(const double *got, const double *want, size_t n, double tol)
{
    for (size_t i = 0; i < n; i++)
        if (!(fabs(got[i] - want[i]) <= tol))
            return 0;
    return 1;
}

/* ---------------------------------------------------------------- drift */

#define D_IN 16
#define D_OUT 16
#define RANK 4
#define ALPHA 8.0
#define N_TASKS 3

typedef struct {
    double w0[D_OUT * D_IN], a[N_TASKS][RANK * D_IN], b[N_TASKS][D_OUT * RANK];
    float w0f[D_OUT * D_IN], af[N_TASKS][RANK * D_IN], bf[N_TASKS][D_OUT * RANK];
} tasks_t;

static void tasks_make(tasks_t *t, uint64_t seed)
{
    rng_t g;
    rng_seed(&g, seed);
    rng_fill_uniform(&g, t->w0, D_OUT * D_IN, -1, 1);
    for (int k = 0; k < N_TASKS; k++) {
        rng_fill_uniform(&g, t->a[k], RANK * D_IN, -0.5, 0.5);
        rng_fill_uniform(&g, t->b[k], D_OUT * RANK, -0.5, 0.5);
    }
    /* The float runs start from the doubles rounded to float. */
    mat_to_float(t->w0, t->w0f, D_OUT * D_IN);
    for (int k = 0; k < N_TASKS; k++) {
        mat_to_float(t->a[k], t->af[k], RANK * D_IN);
        mat_to_float(t->b[k], t->bf[k], D_OUT * RANK);
    }
}

/* max |w - (W0 + s B_k A_k)|, the exact value in long double (from the float
 * inputs when f32). */
static double drift(const tasks_t *t, int k, const double *w, const float *wf)
{
    const long double s = ALPHA / RANK;
    double m = 0;
    for (int i = 0; i < D_OUT; i++)
        for (int j = 0; j < D_IN; j++) {
            long double e = 0;
            for (int q = 0; q < RANK; q++)
                e += wf ? (long double)t->bf[k][i * RANK + q] * t->af[k][q * D_IN + j]
                        : (long double)t->b[k][i * RANK + q] * t->a[k][q * D_IN + j];
            e = (wf ? (long double)t->w0f[i * D_IN + j] : (long double)t->w0[i * D_IN + j]) + s * e;
            long double got = wf ? (long double)wf[i * D_IN + j] : (long double)w[i * D_IN + j];
            m = fmax(m, (double)fabsl(got - e));
        }
    return m;
}

/* (B A)[i][j] in float, summed over q in order as lab05.6 sums it. */
static float ba_f32(const float *a, const float *b, int i, int j)
{
    float p = 0.0f;
    for (int q = 0; q < RANK; q++)
        p += b[i * RANK + q] * a[q * D_IN + j];
    return p;
}

/* The float counterpart of lab05.7 (the demo's own; lab05.7 is double). */
static void rederive_f32(float *w, const float *w0, const float *a, const float *b, float s)
{
    for (int i = 0; i < D_OUT; i++)
        for (int j = 0; j < D_IN; j++)
            w[i * D_IN + j] = w0[i * D_IN + j] + s * ba_f32(a, b, i, j);
}

/* lab05.6's switch with the addition W + d compensated (Kahan): c (d_out,
 * d_in) carries what each rounding of W + d dropped, so only the error of
 * the computed deltas themselves (their sum over a cycle is not exactly 0)
 * stays.  The deltas are computed exactly as lab05.6 computes them. */
static void switch_f32_compensated(float *w, float *c, const float *a1, const float *b1,
                                   const float *a2, const float *b2, float scale)
{
    for (int i = 0; i < D_OUT; i++)
        for (int j = 0; j < D_IN; j++) {
            float d = scale * (ba_f32(a2, b2, i, j) - ba_f32(a1, b1, i, j));
            float y = d - c[i * D_IN + j];
            float t = w[i * D_IN + j] + y;
            c[i * D_IN + j] = (t - w[i * D_IN + j]) - y;
            w[i * D_IN + j] = t;
        }
}

/* Float variants (is_f32), then double; each back and forth between two
 * tasks and round three tasks.  The compensated float switch comes last so
 * that the older columns of the data table keep their places. */
enum {
    V_F32_2, V_F32_3, V_F32_RE2, V_F32_RE3,
    V_F64_2, V_F64_3, V_F64_RE2, V_F64_RE3, V_F32_K2, V_F32_K3, N_VARIANTS
};
static const char *const VARIANT_NAMES[N_VARIANTS] = {
    "f32_naive_2tasks", "f32_naive_3tasks", "f32_rederived_2tasks", "f32_rederived_3tasks",
    "f64_naive_2tasks", "f64_naive_3tasks", "f64_rederived_2tasks", "f64_rederived_3tasks",
    "f32_compensated_2tasks", "f32_compensated_3tasks"};
static int is_f32(int v) { return v < V_F64_2 || v >= V_F32_K2; }
static int two_tasks(int v)
{
    return v == V_F32_2 || v == V_F32_RE2 || v == V_F64_2 || v == V_F64_RE2 || v == V_F32_K2;
}

/* Runs every variant for n_max switches; calls report(n, drifts) at each n in marks. */
static void run_drift(const tasks_t *t, size_t n_max, const size_t *marks, size_t n_marks,
                      double (*out)[N_VARIANTS + 1])
{
    double w[N_VARIANTS][D_OUT * D_IN];
    float wf[N_VARIANTS][D_OUT * D_IN], comp[N_VARIANTS][D_OUT * D_IN] = {{0}};
    const float sf = (float)(ALPHA / RANK);
    int cur[N_VARIANTS] = {0};
    for (int v = 0; v < N_VARIANTS; v++) {
        memcpy(w[v], t->w0, sizeof w[v]);
        CALL(lora_merge(w[v], t->a[0], t->b[0], D_IN, D_OUT, RANK, ALPHA));
        rederive_f32(wf[v], t->w0f, t->af[0], t->bf[0], sf);
    }
    size_t m = 0;
    for (size_t n = 1; n <= n_max && m < n_marks; n++) {
        for (int v = 0; v < N_VARIANTS; v++) {
            int tasks = two_tasks(v) ? 2 : 3;
            int from = cur[v], to = (cur[v] + 1) % tasks;
            switch (v) {
            case V_F32_2:
            case V_F32_3:
                CALL(lora_switch_f32(wf[v], t->af[from], t->bf[from], t->af[to], t->bf[to], D_IN, D_OUT,
                                     RANK, sf));
                break;
            case V_F32_RE2:
            case V_F32_RE3:
                rederive_f32(wf[v], t->w0f, t->af[to], t->bf[to], sf);
                break;
            case V_F32_K2:
            case V_F32_K3:
                switch_f32_compensated(wf[v], comp[v], t->af[from], t->bf[from], t->af[to], t->bf[to], sf);
                break;
            case V_F64_2:
            case V_F64_3:
                CALL(lora_switch(w[v], t->a[from], t->b[from], t->a[to], t->b[to], D_IN, D_OUT, RANK,
                                 ALPHA));
                break;
            default: /* V_F64_RE2, V_F64_RE3 */
                CALL(lora_switch_from_base(w[v], t->w0, t->a[to], t->b[to], D_IN, D_OUT, RANK, ALPHA));
            }
            cur[v] = to;
        }
        if (n == marks[m]) {
            for (int v = 0; v < N_VARIANTS; v++)
                out[m][v] = drift(t, cur[v], is_f32(v) ? NULL : w[v], is_f32(v) ? wf[v] : NULL);
            /* The rounding of W + d alone: how far the naive and the
             * compensated float switch have come apart (3 tasks). */
            double apart = 0;
            for (int e = 0; e < D_OUT * D_IN; e++)
                apart = fmax(apart, fabs((double)wf[V_F32_3][e] - (double)wf[V_F32_K3][e]));
            out[m][N_VARIANTS] = apart;
            m++;
        }
    }
}

static uint64_t tasks_seed(void)
{
    return rng_seed_from_env("LORALAB_SEED", 5); /* prints the seed on stderr */
}

/* The computed float deltas of one cycle round three tasks, summed exactly
 * (three floats add exactly in double): what no compensated addition can
 * remove.  Prints its largest entry and that times the number of cycles. */
static void delta_cycle_sum(const tasks_t *t, size_t switches)
{
    const float sf = (float)(ALPHA / RANK);
    double worst = 0;
    for (int i = 0; i < D_OUT; i++)
        for (int j = 0; j < D_IN; j++) {
            float p[N_TASKS];
            for (int k = 0; k < N_TASKS; k++) {
                p[k] = 0.0f;
                for (int q = 0; q < RANK; q++)
                    p[k] += t->bf[k][i * RANK + q] * t->af[k][q * D_IN + j];
            }
            double sum = 0;
            for (int k = 0; k < N_TASKS; k++)
                sum += (double)(float)(sf * (p[(k + 1) % N_TASKS] - p[k]));
            worst = fmax(worst, fabs(sum));
        }
    printf("#   one cycle's computed deltas summed exactly: max %.3e per entry;\n"
           "#   times %zu cycles = %.3e (the deltas' share, if every cycle adds it)\n",
           worst, switches / N_TASKS, worst * (double)(switches / N_TASKS));
}

/* Back and forth between two tasks (lab05.6 and lab05.3): the deltas are
 * exact negatives, yet fl(fl(W + d) - d) is not always W.  Counts the
 * entries the first round trip changes, then checks that every later round
 * trip returns exactly the state after the first (a 2-cycle). */
static void two_task_cycle(const tasks_t *t)
{
    enum { TRIPS = 5000, N = D_OUT * D_IN };
    const float sf = (float)(ALPHA / RANK);
    float wf[N], start_f[N], first_f[N];
    double w[N], start[N], first[N];
    rederive_f32(wf, t->w0f, t->af[0], t->bf[0], sf);
    memcpy(w, t->w0, sizeof w);
    CALL(lora_merge(w, t->a[0], t->b[0], D_IN, D_OUT, RANK, ALPHA));
    memcpy(start_f, wf, sizeof wf), memcpy(start, w, sizeof w);
    int changed_f = 0, changed = 0, later_f = 0, later = 0;
    for (int trip = 1; trip <= TRIPS; trip++) {
        CALL(lora_switch_f32(wf, t->af[0], t->bf[0], t->af[1], t->bf[1], D_IN, D_OUT, RANK, sf));
        CALL(lora_switch_f32(wf, t->af[1], t->bf[1], t->af[0], t->bf[0], D_IN, D_OUT, RANK, sf));
        CALL(lora_switch(w, t->a[0], t->b[0], t->a[1], t->b[1], D_IN, D_OUT, RANK, ALPHA));
        CALL(lora_switch(w, t->a[1], t->b[1], t->a[0], t->b[0], D_IN, D_OUT, RANK, ALPHA));
        if (trip == 1) {
            memcpy(first_f, wf, sizeof wf), memcpy(first, w, sizeof w);
            for (int e = 0; e < N; e++)
                changed_f += wf[e] != start_f[e], changed += w[e] != start[e];
            continue;
        }
        for (int e = 0; e < N; e++)
            later_f += wf[e] != first_f[e], later += w[e] != first[e];
    }
    printf("# back and forth between 2 tasks, %d round trips (W -> task B -> task A):\n"
           "#   entries where fl(fl(W + d) - d) != W after the first round trip:\n"
           "#     float32 %d of %d, double %d of %d\n"
           "#   entries that differ from the state after round trip 1 in any later\n"
           "#   round trip (2 .. %d): float32 %d, double %d\n",
           TRIPS, changed_f, N, changed, N, TRIPS, later_f, later);
}

static int cmd_drift(void)
{
    static size_t marks[64];
    size_t n_marks = 0;
    for (double x = 1; x <= 10000.5 && n_marks < 64; x *= 1.25) {
        size_t n = (size_t)llround(x);
        if (n_marks == 0 || n > marks[n_marks - 1])
            marks[n_marks++] = n;
    }
    if (marks[n_marks - 1] != 10000 && n_marks < 64)
        marks[n_marks++] = 10000;
    tasks_t t;
    tasks_make(&t, tasks_seed());
    double (*out)[N_VARIANTS + 1] = calloc(n_marks, sizeof *out);
    run_drift(&t, 10000, marks, n_marks, out);
    printf("# lab05-demo drift: max |W - (W0 + s B A)| after n switches, d_in = d_out = %d, r = %d,\n"
           "# alpha = %g; naive = lab05.3 / lab05.6 (W += s (B2 A2 - B1 A1)), rederived = W0 + s B A\n"
           "# (f64: lab05.7; f32: the demo's own float code, rederive_f32 in demo.c, since\n"
           "# lab05.7 is double); 2tasks = back and forth, 3tasks = round three tasks.\n"
           "# Exact values in long double from the same (float) inputs.\n"
           "# switches", D_IN, RANK, ALPHA);
    for (int v = 0; v < N_VARIANTS; v++)
        printf(" %s", VARIANT_NAMES[v]);
    printf(" f32_naive_minus_compensated_3tasks\n");
    for (size_t m = 0; m < n_marks; m++) {
        printf("%zu", marks[m]);
        for (int v = 0; v <= N_VARIANTS; v++)
            printf(" %.6e", out[m][v]);
        printf("\n");
    }
    /* The README's table and ratio, as comments (gnuplot skips them). */
    const double *last = out[n_marks - 1];
    printf("#\n# after %zu switches, max |W - exact|:\n#   %-40s %12s %12s\n", marks[n_marks - 1],
           "variant", "2 tasks", "3 tasks");
    static const char *const rows[5] = {"float32, naive (lab05.6)", "float32, re-derived (demo's float code)",
                                        "double, naive (lab05.3)", "double, re-derived (lab05.7)",
                                        "float32, naive but W + d compensated"};
    for (int k = 0; k < 5; k++)
        printf("#   %-40s %12.2e %12.2e\n", rows[k], last[2 * k], last[2 * k + 1]);
    printf("# float32 naive round 3 tasks / float32 re-derived round 3 tasks (one merge's\n"
           "# rounding): %.3e / %.3e = %.0fx\n", last[V_F32_3], last[V_F32_RE3],
           last[V_F32_3] / last[V_F32_RE3]);
    printf("# the two sources of the float32 round-3-tasks drift after %zu switches:\n"
           "#   deltas that do not cancel (what compensation leaves)    %.3e\n"
           "#   the rounding of W + d (naive minus compensated W)       %.3e\n",
           marks[n_marks - 1], last[V_F32_K3], last[N_VARIANTS]);
    delta_cycle_sum(&t, marks[n_marks - 1]);
    two_task_cycle(&t);
    free(out);
    return 0;
}

/* ---------------------------------------------------------------- examples */

static void example_lifecycle(void)
{
    printf("The course's lifecycle: W0 = I4, alpha = r = 2, so s = 1.\n");
    double w[16], wx[4], w_b[16], w_bx[4];
    memcpy(w, LIFE_W0, sizeof w);
    CALL(lora_merge(w, LIFE_A_A, LIFE_B_A, 4, 4, LIFE_R, LIFE_ALPHA));
    print_matrix("W_A = W0 + B_A A_A (lab05.1)", w, 4, 4);
    mat_matmul(w, LIFE_X, wx, 4, 4, 1);
    printf("  W_A x for x = [1, 0, 0, 0]: [%.2f, %.2f, %.2f, %.2f]\n", wx[0], wx[1], wx[2] + 0.0, wx[3] + 0.0);
    demo_check("W_A equals the course's matrix (1e-12)", close_to(w, LIFE_W_A, 16, 1e-12));
    demo_check("W_A x = [1.03, 0, -0.03, 0] (course)", close_to(wx, LIFE_W_A_X, 4, 1e-12));
    CALL(lora_switch(w, LIFE_A_A, LIFE_B_A, LIFE_A_B, LIFE_B_B, 4, 4, LIFE_R, LIFE_ALPHA));
    print_matrix("W_B = W_A + B_B A_B - B_A A_A (lab05.3, the kit's Task B)", w, 4, 4);
    memcpy(w_b, LIFE_W0, sizeof w_b);
    CALL(lora_merge(w_b, LIFE_A_B, LIFE_B_B, 4, 4, LIFE_R, LIFE_ALPHA));
    mat_matmul(w, LIFE_X, w_bx, 4, 4, 1);
    printf("  W_B x for x = [1, 0, 0, 0]: [%.2f, %.2f, %.2f, %.2f]\n", w_bx[0], w_bx[1] + 0.0,
           w_bx[2], w_bx[3] + 0.0);
    static const double kit_w_bx[4] = {1.01, 0.0, -0.02, 0.0};
    demo_check("the switch gives W0 + B_B A_B without reading W0 (1e-12)", close_to(w, w_b, 16, 1e-12));
    demo_check("W_B x = [1.01, 0, -0.02, 0] (kit's Task B)", close_to(w_bx, kit_w_bx, 4, 1e-12));
    CALL(lora_unmerge(w, LIFE_A_B, LIFE_B_B, 4, 4, LIFE_R, LIFE_ALPHA));
    demo_check("unmerging Task B gives W0 back (1e-12)", close_to(w, LIFE_W0, 16, 1e-12));
}

static void example_counts(void)
{
    double sw, re;
    printf("\nWhat a switch moves (the kit's definition, used by every lab):\n"
           "  read   = numbers read from storage: the new task's adapter (and head, if any);\n"
           "           the old adapter is already resident in memory\n"
           "  used   = adapter numbers the switch works with in memory: old B, A out and\n"
           "           new B, A in (lab05.5's swap; the course's toy count)\n"
           "  reload = numbers read from storage to serve the task without an adapter:\n"
           "           a fine-tuned copy of the weights (lab05.5: the adapted matrices)\n");
    CALL(lora_swap_count(4, 4, 2, 1, &sw, &re));
    printf("  course toy (4 x 4, r = 2): used %s numbers, read %s, reload %s\n", grouped(sw),
           grouped(sw / 2), grouped(re));
    demo_check("toy: swap 32, reload 16 (course)", sw == LIFE_SWAP && re == LIFE_RELOAD);
    CALL(lora_swap_count(12288, 12288, 4, 192, &sw, &re));
    printf("  GPT-3 (d = 12288, r = 4, W_q and W_v in 96 layers): used %s numbers,\n"
           "  reload %s (%.0fx more than used, %.0fx more than read)\n", grouped(sw), grouped(re),
           re / sw, re / (sw / 2));
    demo_check("GPT-3: swap 37,748,736, reload 28,991,029,248", sw == 37748736.0 && re == 28991029248.0);
    demo_check("one GPT-3 adapter is 18,874,368 numbers (course: 18.9M)", sw / 2 == 18874368.0);
    printf("  read: one adapter, %s numbers = %.1f MB in 16-bit (the course's 37.8 MB);\n"
           "  used: the old and the new one, %s numbers = %.1f MB in 16-bit\n",
           grouped(sw / 2), sw / 2 * 2 / 1e6, grouped(sw), sw * 2 / 1e6);

    /* the course's two-task project: d = 8, d_ff = 16, r = 4; errata. */
    const double d = 8, d_ff = 16, r = 4;
    double frozen = d * d_ff + d_ff + d_ff * d + d;   /* W1, b1, W2, b2 */
    double deltas = 2 * (d * d_ff);                   /* delta_A.size + delta_B.size */
    CALL(lora_swap_count(16, 8, 4, 1, &sw, &re));
    printf("\nThe course's project (d = 8, d_ff = 16, r = 4), recomputed from its code:\n"
           "  frozen parameters W1 + b1 + W2 + b2 = %.0f (the project prints 272)\n"
           "  its swap counts delta_A.size + delta_B.size = %.0f (it prints 128)\n"
           "  ratio %.0f / %.0f = %.2fx (it prints 2.1x)\n"
           "  lab05.5 on its first adapted matrix alone (8 x 16): used %.0f, reload %.0f\n",
           frozen, deltas, frozen, deltas, frozen / deltas, sw, re);
    /* The kit's definition on the whole network (Lab 07): LoRA 1 on W2 (d_in 16,
     * d_out 8), LoRA 2 on the output layer (8 x 8), and a 9-number head per task. */
    double sw2, re2;
    CALL(lora_swap_count(8, 8, 4, 1, &sw2, &re2));
    const double adapter = sw / 2 + sw2 / 2, head = d + 1;
    printf("  the kit's definition on the whole network (Lab 07 builds it):\n"
           "    read for a switch: new adapter %.0f + head %.0f = %.0f; used: 2 x %.0f = %.0f\n"
           "    reload: a fine-tuned network %.0f + head %.0f = %.0f; reload / read = %.2fx\n",
           adapter, head, adapter + head, adapter, 2 * adapter, frozen, head, frozen + head,
           (frozen + head) / (adapter + head));
    demo_check("project: read 169, reload 289 (Lab 07's counts)", adapter + head == 169 && frozen + head == 289);
    demo_check("project: frozen parameters 280", frozen == 280);
    demo_check("project: two full deltas are 256 numbers", deltas == 256);
    demo_check("project: factors swap 2 r (d_in + d_out) = 192", sw == 2 * r * (d + d_ff));
}

static void example_files(void)
{
    unsigned char buf[512];
    size_t len = 0;
    double one = 1.0;
    CALL(st_encode_lora("m", &one, &one, 1, 1, 1, ST_F32, buf, sizeof buf, &len));
    uint64_t n = 0;
    for (int i = 7; i >= 0; i--)
        n = n << 8 | buf[i];
    size_t text = (size_t)n;
    while (text > 0 && buf[8 + text - 1] == ' ')
        text--;
    printf("\nsafetensors (lab05.8): module \"m\", r = d_in = d_out = 1, F32:\n"
           "  header text %zu bytes, padded to N = %llu, file %zu bytes\n  %.*s\n", text,
           (unsigned long long)n, len, (int)text, (const char *)buf + 8);
    demo_check("example: text 204, N 208, file 224", text == 204 && n == 208 && len == 224);
    char cfg[256];
    size_t cl = 0;
    CALL(peft_config_json(8, 16.0, "q_proj,v_proj", cfg, sizeof cfg, &cl));
    printf("adapter_config.json (lab05.10) for r = 8, alpha = 16:\n  %s", cfg);
    demo_check("config is 88 bytes", cl == 88);
}

static void example_drift(void)
{
    static const size_t marks[] = {3000};
    double out[1][N_VARIANTS + 1];
    tasks_t t;
    tasks_make(&t, tasks_seed());
    run_drift(&t, 3000, marks, 1, out);
    printf("\nDrift max |W - (W0 + s B A)| after 3000 switches (16 x 16, r = 4, alpha = 8):\n");
    for (int v = 0; v < N_VARIANTS; v++)
        printf("  %-22s %.3e\n", VARIANT_NAMES[v], out[0][v]);
    demo_check("float naive round 3 tasks drifts > 100x the re-derived",
               out[0][V_F32_3] > 100 * out[0][V_F32_RE3]);
    demo_check("float naive back and forth stays below 1e-6",
               out[0][V_F32_2] < 1e-6);
    demo_check("double re-derived stays below 1e-15 (2 and 3 tasks)",
               out[0][V_F64_RE2] < 1e-15 && out[0][V_F64_RE3] < 1e-15);
    demo_check("double naive round 3 tasks stays below 1e-11", out[0][V_F64_3] < 1e-11);
}

static int cmd_examples(void)
{
    example_lifecycle();
    example_counts();
    example_files();
    example_drift();
    printf("\n%d checks, %d differ\n", demo_checks.total, demo_checks.bad);
    return demo_checks.bad ? 1 : 0;
}

/* ---------------------------------------------------------------- questions */

/* One row of lesson 1's serving question: a latency against the base's. */
static void serving_row(const char *label, double ms_with, double ms_without, double rate,
                        double *gpu_s, double *gpus)
{
    CALL(adapter_overhead_gpu_seconds_per_hour(ms_with, ms_without, rate, gpu_s));
    CALL(extra_gpus_needed(ms_with, ms_without, rate, gpus));
    printf("  %-28s %5.1f ms %+6.1f %%  %5.2f busy  %6.0f GPU-s/hour  %2.0f more GPUs\n", label,
           ms_with, 100.0 * (ms_with / ms_without - 1.0), ms_with * rate / 1000.0, *gpu_s, *gpus);
}

/*
 * The course's "Apply" questions of lesson 1 (what adapters in series cost a
 * server, lab05.11 and lab05.12) and lesson 5 (what a switch of GPT-3's
 * adapter reads, lab05.5), through the lab's functions.
 */
static int cmd_questions(void)
{
    const double rate = 500.0, base_ms = 19.8;
    double gpu_s, gpus;
    printf("lab05-demo questions: the course's Apply questions through the lab's functions\n");
    printf("\n== lesson 1: GPT-2 medium at batch 1, %.0f requests/s, %.1f ms without adapters ==\n",
           rate, base_ms);
    printf("  %-28s %8s %8s  %10s  %17s  %s\n", "layer", "latency", "slower", "GPUs busy",
           "lab05.11", "lab05.12");
    serving_row("no adapter (or LoRA merged)", base_ms, base_ms, rate, &gpu_s, &gpus);
    demo_check("a merged LoRA layer costs nothing more", gpu_s == 0.0 && gpus == 0.0);
    serving_row("Adapter^L", 23.9, base_ms, rate, &gpu_s, &gpus);
    demo_check("Adapter^L: 4.1 ms x 500/s = 7,380 GPU-s/hour, 2 more GPUs",
               fabs(gpu_s - 7380.0) < 1e-6 && gpus == 2.0);
    serving_row("Adapter^H (the question)", 25.8, base_ms, rate, &gpu_s, &gpus);
    printf("  Adapter^H: 6 ms x 500 requests/s = %.4g GPU-seconds per second\n", gpu_s / 3600.0);
    demo_check("Adapter^H: 10,800 GPU-seconds per hour", fabs(gpu_s - 10800.0) < 1e-6);
    demo_check("Adapter^H: 13 GPUs instead of 10, 3 more", gpus == 3.0);
    printf("  two cases the fleet count must get right (lab05.12):\n");
    double fleet_with, fleet_without;
    CALL(extra_gpus_needed(25.8, 20.2, rate, &gpus));
    CALL(extra_gpus_needed(25.8, 0.0, rate, &fleet_with));
    CALL(extra_gpus_needed(20.2, 0.0, rate, &fleet_without));
    printf("    25.8 ms against 20.2 ms: %.1f and %.1f busy, %.0f - %.0f = %.0f more GPUs (overhead %.1f)\n",
           25.8 * rate / 1000.0, 20.2 * rate / 1000.0, fleet_with, fleet_without, gpus,
           (25.8 - 20.2) * rate / 1000.0);
    demo_check("fleets, not the overhead rounded up: 2 more GPUs, not 3", gpus == 2.0);
    double exact21;
    CALL(extra_gpus_needed(16.8, 0.0, 1250.0, &exact21));
    printf("    16.8 ms x 1250/s computed as 16.8 / 1000 * 1250 = %.17g: %.0f GPUs\n",
           16.8 / 1000.0 * 1250.0, exact21);
    demo_check("a load of exactly 21 GPUs needs 21", exact21 == 21.0);

    printf("\n== lesson 5: switching GPT-3 from task A to task B (r = 4, W_q and W_v, 96 layers) ==\n");
    double swap, reload;
    CALL(lora_swap_count(12288, 12288, 4, 192, &swap, &reload));
    printf("  per matrix: W -= s B_A A_A, then W += s B_B A_B (lab05.3 does both in one pass)\n");
    printf("  %-52s %16.0f\n", "numbers read from storage: task B's A and B", swap / 2.0);
    printf("  %-52s %16.0f\n", "lab05.5's swap count (task A's factors as well)", swap);
    printf("  %-52s %16.0f\n", "reloading the 192 merged matrices instead", reload);
    demo_check("task B's adapter is 18,874,368 numbers (37.7 MB in fp16)", swap / 2.0 == 18874368.0);

    printf("\n%d checks, %d differ\n", demo_checks.total, demo_checks.bad);
    return demo_checks.bad ? 1 : 0;
}

/* ---------------------------------------------------------------- files */

static void print_values(const char *name, const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        printf("%s %zu %.17g\n", name, i, v[i]);
}

static int cmd_save(const char *dir)
{
    const char *mod = "model.layers.0.self_attn.q_proj";
    CALL(st_save_adapter(dir, mod, LIFE_A_A, LIFE_B_A, 4, 4, LIFE_R, LIFE_ALPHA, ST_F32));
    printf("file adapter_model.safetensors\nmodule %s\ndtype F32\ndims 4 4 2\nalpha 2\n", mod);
    double a32[8], b32[8];
    for (int i = 0; i < 8; i++)
        a32[i] = (double)(float)LIFE_A_A[i], b32[i] = (double)(float)LIFE_B_A[i];
    print_values("A", a32, 8);
    print_values("B", b32, 8);
    /* A random F64 module, non-square, written with the encoder directly. */
    enum { DI = 7, DO = 5, R = 3 };
    double a[R * DI], b[DO * R];
    rng_t g;
    rng_seed(&g, tasks_seed());
    rng_fill_normal(&g, a, R * DI, 1.0);
    rng_fill_normal(&g, b, DO * R, 1.0);
    unsigned char buf[1024];
    size_t len = 0;
    CALL(st_encode_lora("transformer.h.3.attn.c_attn", a, b, DI, DO, R, ST_F64, buf, sizeof buf, &len));
    char path[4096];
    snprintf(path, sizeof path, "%s/f64.safetensors", dir);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, PROG ": cannot write %s\n", path);
        return 1;
    }
    printf("file f64.safetensors\nmodule transformer.h.3.attn.c_attn\ndtype F64\ndims %d %d %d\n", DI, DO, R);
    print_values("A", a, R * DI);
    print_values("B", b, DO * R);
    return 0;
}

static int cmd_load(const char *path)
{
    char module[256];
    size_t dims[3];
    double *a = malloc(65536 * sizeof(double)), *b = malloc(65536 * sizeof(double));
    if (!a || !b || st_load_lora(path, module, sizeof module, a, 65536, b, 65536, dims) != LAB_OK) {
        free(a), free(b);
        return 1;
    }
    printf("module %s\ndims %zu %zu %zu\n", module, dims[0], dims[1], dims[2]);
    print_values("A", a, dims[2] * dims[0]);
    print_values("B", b, dims[1] * dims[2]);
    free(a), free(b);
    return 0;
}

/* ------------------------------------------------------------ main */

static int cmd_save_args(int argc, char **argv)
{
    (void)argc;
    return cmd_save(argv[2]);
}

static int cmd_load_args(int argc, char **argv)
{
    (void)argc;
    return cmd_load(argv[2]);
}

static const demo_command_t COMMANDS[] = {
    {.name = "examples", .help = "the course's lifecycle and the lab's worked numbers, checked", .run = cmd_examples},
    {.name = "questions", .help = "the course's Apply questions through the lab's functions", .run = cmd_questions},
    {.name = "drift", .help = "max |W - (W0 + s B A)| after n switches, float and double (gnuplot data)", .run = cmd_drift},
    {.name = "save", .args = "DIR",
     .help = "write two safetensors adapters into DIR, and their values",
     .run_args = cmd_save_args, .min_args = 1, .max_args = 1},
    {.name = "load", .args = "FILE",
     .help = "read a safetensors adapter and print its values",
     .run_args = cmd_load_args, .min_args = 1, .max_args = 1},
    {.name = NULL},
};

DEMO_MAIN(.prog = PROG, .commands = COMMANDS, .check_width = 64)
