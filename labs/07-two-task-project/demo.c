/*
 * demo.c - lab07-demo: the course's two-task project, run on the lab's
 * functions, with its five checks, honest parameter counts, and the data of
 * the lab's figures.
 *
 *   lab07-demo examples         the project's report (both tasks, the five
 *                               checks, full vs simplified backprop), the
 *                               header's worked examples and the recounted
 *                               parameter numbers; exits 1 if any check
 *                               fails or a number differs from the README's
 *                               (what make lab07-bench times)
 *   lab07-demo project [simplified] [--data FILE]
 *                               the project's report alone
 *   lab07-demo write-data       the data file (data/lab07/two-task.txt) on stdout
 *   lab07-demo losses --data FILE
 *                               per-epoch losses of both tasks, both backprops,
 *                               in the kit's tensor format (numpy cross-check)
 *   lab07-demo curves           loss and accuracy per epoch (gnuplot data)
 *   lab07-demo crossover        stored numbers, LoRA vs full fine-tuning, by width
 *   lab07-demo sweep            accuracy over a grid of epochs, rank, optimizer, lr
 *   lab07-demo seeds            the project's accuracies over 50 data seeds (and
 *                               the mean by rank), where the graded draw falls
 *   lab07-demo amplification    how much the trained LoRA 1 amplifies directions
 *                               of the frozen W2 (the paper's 21.5x, in small)
 *
 * Everything random comes from the kit's RNG; the seed is printed on stderr
 * (LORALAB_SEED=N changes it; the README's numbers use the default).  It
 * links the lab's two_task.c (yours or the reference), so what it prints is
 * what that code computes.  Students do not need to edit it.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kitio.h"
#include "demo_main.h"
#include "lab.h"
#include "matrix.h"
#include "rng.h"
#include "two_task.h"

#define PROG "lab07-demo"

/* The project's settings: d, d_ff, r, alpha = r, 200 samples,
 * 5 probe rows, 300 epochs of full-batch gradient descent at lr 0.1, A drawn
 * N(0, 0.01^2), head weights N(0, 0.01^2), frozen weights N(0, 0.3^2). */
enum { D = 8, D_FF = 16, RANK = 4, N_SAMPLES = 200, N_PROBE = 5, EPOCHS = 300 };
#define LR 0.1
#define FROZEN_STD 0.3
#define INIT_STD 0.01

static void *xmalloc(size_t bytes)
{
    void *p = malloc(bytes ? bytes : 1);
    if (!p) {
        fprintf(stderr, PROG ": out of memory\n");
        exit(1);
    }
    return p;
}
#define NEWD(count) ((double *)xmalloc((count) * sizeof(double)))

/* ------------------------------------------------------------ the problem */

typedef struct {
    size_t d, d_ff, r, n, n_probe;
    double scale;
    unsigned long long seed;
    double *frozen, *x, *y_a, *y_b, *probe, *init_a, *init_b;
} problem_t;

/* One task's starting adapter at rank r: A1, A2 ~ N(0, 0.01^2), B1 = B2 = 0,
 * head w ~ N(0, 0.01^2), c = 0. */
static void draw_adapter(rng_t *g, size_t d, size_t d_ff, size_t r, double *a)
{
    memset(a, 0, two_task_adapter_count(d, d_ff, r) * sizeof(double));
    rng_fill_normal(g, a, r * d_ff, INIT_STD);
    rng_fill_normal(g, a + TT_A2(d, d_ff, r), r * d, INIT_STD);
    rng_fill_normal(g, a + TT_HEAD(d, d_ff, r), d, INIT_STD);
}

/* The project's data from a seed, in a fixed draw order: W1, W2, X, probe,
 * then task A's adapter, then task B's.  Labels: A = (sum x > 0), B = (x0 > 0). */
static void problem_generate(problem_t *P, unsigned long long seed, size_t r)
{
    const size_t d = D, d_ff = D_FF, n = N_SAMPLES;
    *P = (problem_t){d, d_ff, r, n, N_PROBE, 1.0, seed, NULL, NULL, NULL, NULL, NULL, NULL, NULL};
    rng_t g;
    rng_seed(&g, seed);
    P->frozen = NEWD(two_task_frozen_count(d, d_ff));
    memset(P->frozen, 0, two_task_frozen_count(d, d_ff) * sizeof(double));
    rng_fill_normal(&g, P->frozen, d_ff * d, FROZEN_STD);
    rng_fill_normal(&g, P->frozen + TT_W2(d, d_ff), d * d_ff, FROZEN_STD);
    P->x = NEWD(n * d), P->y_a = NEWD(n), P->y_b = NEWD(n), P->probe = NEWD(N_PROBE * d);
    rng_fill_normal(&g, P->x, n * d, 1.0);
    rng_fill_normal(&g, P->probe, N_PROBE * d, 1.0);
    for (size_t t = 0; t < n; t++) {
        double s = 0;
        for (size_t j = 0; j < d; j++)
            s += P->x[t * d + j];
        P->y_a[t] = s > 0 ? 1.0 : 0.0;
        P->y_b[t] = P->x[t * d] > 0 ? 1.0 : 0.0;
    }
    P->init_a = NEWD(two_task_adapter_count(d, d_ff, r));
    P->init_b = NEWD(two_task_adapter_count(d, d_ff, r));
    draw_adapter(&g, d, d_ff, r, P->init_a);
    draw_adapter(&g, d, d_ff, r, P->init_b);
}

static void problem_free(problem_t *P)
{
    free(P->frozen), free(P->x), free(P->y_a), free(P->y_b), free(P->probe), free(P->init_a),
        free(P->init_b);
}

/* Named pieces of a packed adapter, for the data file (numpy reads them):
 * piece NAME ("a.A1": task a, factor A1) is (rows, cols) at adapter + off. */
typedef struct {
    char name[KIT_NAME_MAX];
    size_t off, rows, cols;
} adapter_part_t;
enum { N_ADAPTER_PARTS = 6 };

static void adapter_parts(adapter_part_t parts[N_ADAPTER_PARTS], const char *task, size_t d,
                          size_t d_ff, size_t r)
{
    const struct { const char *part; size_t off, rows, cols; } all[N_ADAPTER_PARTS] = {
        {"A1", 0, r, d_ff}, {"B1", TT_B1(d_ff, r), d, r}, {"A2", TT_A2(d, d_ff, r), r, d},
        {"B2", TT_B2(d, d_ff, r), d, r}, {"w", TT_HEAD(d, d_ff, r), 1, d},
        {"c", TT_HEAD(d, d_ff, r) + d, 1, 1}};
    for (size_t i = 0; i < N_ADAPTER_PARTS; i++) {
        snprintf(parts[i].name, sizeof parts[i].name, "%s.%s", task, all[i].part);
        parts[i].off = all[i].off, parts[i].rows = all[i].rows, parts[i].cols = all[i].cols;
    }
}

static void write_adapter(FILE *f, const char *task, const double *a, size_t d, size_t d_ff,
                          size_t r)
{
    adapter_part_t p[N_ADAPTER_PARTS];
    adapter_parts(p, task, d, d_ff, r);
    for (size_t i = 0; i < N_ADAPTER_PARTS; i++)
        kit_write_tensor(f, p[i].name, a + p[i].off, p[i].rows, p[i].cols);
}

static int problem_write(FILE *f, const problem_t *P)
{
    const size_t d = P->d, d_ff = P->d_ff, r = P->r;
    double sizes[] = {(double)d, (double)d_ff, (double)r, P->scale * (double)r, LR, EPOCHS};
    fprintf(f, "# Lab 07 data: the two-task project of the course (d = %zu, d_ff = %zu, r = %zu).\n"
               "# Made by: make lab07-data-update  (LORALAB_SEED=%llu build/demo/lab07 write-data);\n"
               "# do not edit: make lab-tests (target lab07-data) checks it is reproduced.\n"
               "# Layout: the kit's (weights (d_out, d_in), rows are samples).  W1, b1, W2, b2\n"
               "# are frozen; a.* and b.* are tasks A and B's starting adapters (LoRA 1 on W2:\n"
               "# A1 (r, d_ff), B1 (d, r); LoRA 2 on the output: A2 (r, d), B2 (d, r); head w, c).\n"
               "# sizes = d, d_ff, r, alpha, lr, epochs.  y_a = (sum x > 0), y_b = (x[0] > 0).\n",
            d, d_ff, r, P->seed);
    kit_write_tensor(f, "sizes", sizes, 1, 6);
    kit_write_tensor(f, "W1", P->frozen, d_ff, d);
    kit_write_tensor(f, "b1", P->frozen + d_ff * d, 1, d_ff);
    kit_write_tensor(f, "W2", P->frozen + TT_W2(d, d_ff), d, d_ff);
    kit_write_tensor(f, "b2", P->frozen + TT_B2BIAS(d, d_ff), 1, d);
    kit_write_tensor(f, "X", P->x, P->n, d);
    kit_write_tensor(f, "y_a", P->y_a, P->n, 1);
    kit_write_tensor(f, "y_b", P->y_b, P->n, 1);
    kit_write_tensor(f, "probe", P->probe, P->n_probe, d);
    write_adapter(f, "a", P->init_a, d, d_ff, r);
    write_adapter(f, "b", P->init_b, d, d_ff, r);
    return ferror(f) ? -1 : 0;
}

static int read_adapter(const kit_file_t *kf, const char *task, double *a, size_t d, size_t d_ff,
                        size_t r)
{
    adapter_part_t p[N_ADAPTER_PARTS];
    adapter_parts(p, task, d, d_ff, r);
    for (size_t i = 0; i < N_ADAPTER_PARTS; i++) {
        const double *v = kit_get(kf, p[i].name, p[i].rows, p[i].cols);
        if (!v)
            return -1;
        memcpy(a + p[i].off, v, p[i].rows * p[i].cols * sizeof(double));
    }
    return 0;
}

/* Read a data file written by problem_write (sizes must be the project's). */
static int problem_read(problem_t *P, const char *path)
{
    kit_file_t kf;
    if (kit_read(path, &kf) != 0)
        return -1;
    const double *sizes = kit_get(&kf, "sizes", 1, 6);
    const kit_tensor_t *xt = kit_find(&kf, "X");
    if (!sizes || !xt) {
        kit_free(&kf);
        return -1;
    }
    if (sizes[0] != D || sizes[1] != D_FF || sizes[2] < 1 || sizes[2] > 64 || xt->cols != D ||
        xt->rows < 1) {
        fprintf(stderr, PROG ": %s: sizes must be d = %d, d_ff = %d, 1 <= r <= 64, X (n, %d)\n",
                path, D, D_FF, D);
        kit_free(&kf);
        return -1;
    }
    problem_generate(P, 0, (size_t)sizes[2]); /* allocates; every array is overwritten */
    const size_t d = D, d_ff = D_FF, r = P->r;
    free(P->x), free(P->y_a), free(P->y_b);
    P->n = xt->rows;
    P->scale = sizes[3] / (double)r;
    P->x = NEWD(P->n * d), P->y_a = NEWD(P->n), P->y_b = NEWD(P->n);
    struct { const char *name; double *dst; size_t rows, cols; } parts[] = {
        {"W1", P->frozen, d_ff, d}, {"b1", P->frozen + d_ff * d, 1, d_ff},
        {"W2", P->frozen + TT_W2(d, d_ff), d, d_ff}, {"b2", P->frozen + TT_B2BIAS(d, d_ff), 1, d},
        {"X", P->x, P->n, d}, {"y_a", P->y_a, P->n, 1}, {"y_b", P->y_b, P->n, 1},
        {"probe", P->probe, N_PROBE, d}};
    int rc = 0;
    for (size_t i = 0; i < sizeof parts / sizeof parts[0] && rc == 0; i++) {
        const double *v = kit_get(&kf, parts[i].name, parts[i].rows, parts[i].cols);
        if (!v)
            rc = -1;
        else
            memcpy(parts[i].dst, v, parts[i].rows * parts[i].cols * sizeof(double));
    }
    if (rc == 0)
        rc = read_adapter(&kf, "a", P->init_a, d, d_ff, r) || read_adapter(&kf, "b", P->init_b, d, d_ff, r);
    kit_free(&kf);
    return rc;
}

/* The default problem, or the one in --data FILE. */
static void problem_load(problem_t *P, const char *path)
{
    if (path) {
        if (problem_read(P, path) != 0) {
            fprintf(stderr, PROG ": cannot use data file %s (message above)\n", path);
            exit(1);
        }
        return;
    }
    problem_generate(P, demo_seed(), RANK);
}

/* ------------------------------------------------------------ training */

static double accuracy(const problem_t *P, const double *adapter, const double *y)
{
    double *out = NEWD(P->n * P->d), *p = NEWD(P->n), loss;
    CALL(adapted_forward(P->x, P->n, P->frozen, adapter, P->d, P->d_ff, P->r, P->scale, out));
    CALL(head_bce(out, y, P->n, adapter + TT_HEAD(P->d, P->d_ff, P->r), P->d, p, &loss));
    size_t right = 0;
    for (size_t t = 0; t < P->n; t++)
        right += (p[t] > 0.5) == (y[t] == 1.0);
    free(out), free(p);
    return (double)right / (double)P->n;
}

enum optimizer { OPT_SGD = 0, OPT_ADAM = 1 };

/* Train one task from init with SGD (exactly train_task's steps) or Adam
 * (beta1 0.9, beta2 0.999, eps 1e-8), recording the loss at every epoch in
 * loss[e] and the accuracy every acc_every epochs in acc[e] (before step e;
 * index epochs = after the last step, always recorded). */
static void train_traced(const problem_t *P, const double *init, const double *y, size_t epochs,
                         double lr, enum two_task_backprop mode, int opt, double *adapter,
                         double *loss, double *acc, size_t acc_every)
{
    const size_t count = two_task_adapter_count(P->d, P->d_ff, P->r);
    double *grad = NEWD(count), *m = NEWD(count), *v = NEWD(count);
    memcpy(adapter, init, count * sizeof(double));
    memset(m, 0, count * sizeof(double));
    memset(v, 0, count * sizeof(double));
    for (size_t e = 0; e <= epochs; e++) {
        double l;
        CALL(adapter_gradient(P->x, y, P->n, P->frozen, adapter, P->d, P->d_ff, P->r, P->scale,
                              mode, &l, grad));
        if (loss)
            loss[e] = l;
        if (acc && (e % acc_every == 0 || e == epochs))
            acc[e] = accuracy(P, adapter, y);
        if (e == epochs)
            break;
        if (opt == OPT_SGD) {
            for (size_t i = 0; i < count; i++)
                adapter[i] -= lr * grad[i];
        } else {
            const double b1 = 0.9, b2 = 0.999, t = (double)(e + 1);
            for (size_t i = 0; i < count; i++) {
                m[i] = b1 * m[i] + (1 - b1) * grad[i];
                v[i] = b2 * v[i] + (1 - b2) * grad[i] * grad[i];
                double mh = m[i] / (1 - pow(b1, t)), vh = v[i] / (1 - pow(b2, t));
                adapter[i] -= lr * mh / (sqrt(vh) + 1e-8);
            }
        }
    }
    free(grad), free(m), free(v);
}

/* ------------------------------------------------------------ counts */

/* Stored numbers of the project's architecture at width d (d_ff = 2 d). */
typedef struct {
    double frozen, lora, head, full_two, lora_two, formula_lora, swap_code;
} counts_t;

static counts_t counts_at(size_t d, size_t d_ff, size_t r)
{
    counts_t c;
    c.frozen = (double)two_task_frozen_count(d, d_ff);
    c.lora = (double)two_task_lora_count(d, d_ff, r);
    c.head = (double)(d + 1);
    c.full_two = 2 * (c.frozen + c.head);
    c.lora_two = c.frozen + 2 * (c.lora + c.head);
    c.formula_lora = (double)(2 * (d_ff * r + d * r + d * r + d * r)); /* the code's line */
    c.swap_code = (double)(2 * d * d_ff); /* delta_A.size + delta_B.size (LoRA 1 only) */
    return c;
}

/* Smallest width d (d_ff = 2 d, r = 4) at which LoRA stores fewer numbers
 * than full fine-tuning for two tasks; 0 if none below 100000. */
static size_t crossover_width(void)
{
    for (size_t d = 1; d < 100000; d++) {
        counts_t k = counts_at(d, 2 * d, RANK);
        if (k.lora_two < k.full_two)
            return d;
    }
    return 0;
}

#define GPT3_WIDTH 12288

/* ------------------------------------------------------------ the report */

typedef struct {
    double report[TT_REPORT_LEN];
    double *adapter_a, *adapter_b;
} run_t;

static void run_project(const problem_t *P, enum two_task_backprop mode, run_t *R)
{
    const size_t count = two_task_adapter_count(P->d, P->d_ff, P->r);
    R->adapter_a = NEWD(count), R->adapter_b = NEWD(count);
    CALL(project_checks(P->x, P->y_a, P->y_b, P->n, P->probe, P->n_probe, P->frozen, P->init_a,
                        P->init_b, P->d, P->d_ff, P->r, P->scale, LR, EPOCHS, mode, R->report,
                        R->adapter_a, R->adapter_b));
}

static const char *pass(int ok) { return ok ? "PASS" : "FAIL"; }

/* The five checks of the project, from a report; returns how many failed. */
static int print_checks(const double *rep)
{
    int f = 0, ok;
    ok = rep[TT_INIT_DIFF] == 0.0, f += !ok;
    printf("  1 zero init: max |adapted - frozen| on the probe rows = %.3g   %s\n",
           rep[TT_INIT_DIFF], pass(ok));
    ok = rep[TT_FROZEN_CHANGED] == 0.0, f += !ok;
    printf("  2 frozen weights bit for bit unchanged after both tasks            %s\n", pass(ok));
    ok = rep[TT_MERGE_DIFF] <= 1e-9, f += !ok;
    printf("  3 merged weights vs adapters: max |difference| = %.3g (<= 1e-9)  %s\n",
           rep[TT_MERGE_DIFF], pass(ok));
    ok = rep[TT_ACC_A_AFTER_B] == rep[TT_ACC_A], f += !ok;
    printf("  4 task A accuracy after training B: %.1f%% (was %.1f%%, exactly equal)  %s\n",
           100 * rep[TT_ACC_A_AFTER_B], 100 * rep[TT_ACC_A], pass(ok));
    ok = rep[TT_SWITCH_DIFF] <= 1e-9 && rep[TT_SWITCH_ACC_B] == rep[TT_ACC_B], f += !ok;
    printf("  5 switch A -> B by merging B: max |p| difference %.3g, accuracy %.1f%%  %s\n",
           rep[TT_SWITCH_DIFF], 100 * rep[TT_SWITCH_ACC_B], pass(ok));
    return f;
}

static int cmd_project(int argc, char **argv)
{
    const char *data = NULL;
    enum two_task_backprop mode = TT_BACKPROP_FULL;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "simplified"))
            mode = TT_BACKPROP_SIMPLIFIED;
        else if (!strcmp(argv[i], "--data") && i + 1 < argc)
            data = argv[++i];
        else {
            fprintf(stderr, PROG ": project: unknown argument \"%s\"\n", argv[i]);
            return 2;
        }
    }
    problem_t P;
    problem_load(&P, data);
    run_t R;
    run_project(&P, mode, &R);
    printf("== Lab 07 project (seed %llu, %s backprop, %d epochs, lr %g, r = %zu) ==\n", P.seed,
           mode == TT_BACKPROP_FULL ? "full" : "simplified", EPOCHS, LR, P.r);
    int failed = print_checks(R.report);
    printf("  task A (sum > 0): accuracy %.1f%%, final loss %.6f\n", 100 * R.report[TT_ACC_A],
           R.report[TT_LOSS_A]);
    printf("  task B (x[0] > 0): accuracy %.1f%%, final loss %.6f\n", 100 * R.report[TT_ACC_B],
           R.report[TT_LOSS_B]);
    free(R.adapter_a), free(R.adapter_b);
    problem_free(&P);
    return failed ? 1 : 0;
}

/* The header's small examples, recomputed. */
static void header_examples(void)
{
    printf("== the examples of two_task.h ==\n");
    /* d = 1, d_ff = 2: frozen = W1 (2x1), b1 (2), W2 (1x2), b2 (1). */
    const double frozen[] = {1, -1, 0, 0, 2, 3, 0.5}, x[] = {-2};
    double out;
    CALL(base_forward(x, 1, frozen, 1, 2, &out));
    printf("  lab07.1 base_forward: out = %.17g (header: 6.5)\n", out);
    demo_check("lab07.1 example gives 6.5", out == 6.5);
    /* r = 1: A1 (1x2), B1 (1x1), A2 (1x1), B2 (1x1), w, c. */
    const double adapter[] = {1, 1, 1, 1, 0.5, 0, 0};
    CALL(adapted_forward(x, 1, frozen, adapter, 1, 2, 1, 2.0, &out));
    printf("  lab07.2 adapted_forward: out = %.17g (header: 21)\n", out);
    demo_check("lab07.2 example gives 21", out == 21.0);
    const double outs[] = {1, -1}, y[] = {1, 1}, head[] = {2, 0};
    double p[2], loss;
    CALL(head_bce(outs, y, 2, head, 1, p, &loss));
    printf("  lab07.3 head_bce: p = [%.15g, %.15g], loss = %.17g\n", p[0], p[1], loss);
    demo_check("lab07.3 example: p = [0.880797077977882, 0.119202922022118]",
               fabs(p[0] - 0.880797077977882) < 1e-15 && fabs(p[1] - 0.119202922022118) < 1e-15);
    demo_check("lab07.3 example: loss = 1.1269280110429725", fabs(loss - 1.1269280110429725) < 1e-15);
    /* d = d_ff = r = 1: frozen = W1, b1, W2 = 2, b2 = 1. */
    const double f1[] = {1, 0, 2, 1}, ad1[] = {1, 1, 1, 0.5, 0, 0};
    double merged[4];
    CALL(merge_adapter(f1, ad1, 1, 1, 1, 2.0, merged));
    printf("  lab07.6 merge_adapter: W2' = %.17g, b2' = %.17g (header: 8, 2)\n", merged[2],
           merged[3]);
    demo_check("lab07.6 example gives W2' = 8, b2' = 2", merged[2] == 8.0 && merged[3] == 2.0);
}

/* What the README states about the default seed's run (measured by this
 * demo; `make demo LAB=07` fails if the code stops reproducing them). */
#define README_ACC_A_FULL 0.84
#define README_ACC_B_FULL 0.69
#define README_ACC_A_SIMPLIFIED 0.84
#define README_ACC_B_SIMPLIFIED 0.69

static void parameter_counts(void)
{
    counts_t c = counts_at(D, D_FF, RANK);
    printf("== parameter counts of the project's network (d = 8, d_ff = 16, r = 4) ==\n");
    printf("  %-44s %8s %8s %8s\n", "", "printed", "code", "kit");
    printf("  %-44s %8d %8.0f %8.0f\n", "frozen network params", 272, c.frozen, c.frozen);
    printf("  %-44s %8d %8.0f %8.0f\n", "LoRA params per task (rank 4)", 192, c.formula_lora, c.lora);
    printf("  %-44s %8d %8.0f %8.0f\n", "head params per task", 9, c.head, c.head);
    printf("  %-44s %8d %8.0f %8.0f\n", "full fine-tuning for 2 tasks", 562, c.full_two, c.full_two);
    printf("  %-44s %8d %8.0f %8.0f\n", "LoRA for 2 tasks", 674,
           c.frozen + 2 * (c.formula_lora + c.head), c.lora_two);
    printf("  %-44s %8d %8.0f %8.0f\n", "numbers moved to swap tasks", 128, c.swap_code,
           c.lora + c.head);
    printf("  %-44s %8d %8.0f %8.0f\n", "full model reload would move", 272, c.frozen,
           c.frozen + c.head);
    printf("  %-44s %8.1f %8.2f %8.2f\n", "swap is ... x smaller than a full reload", 2.1,
           c.frozen / c.swap_code, (c.frozen + c.head) / (c.lora + c.head));
    printf("  (kit: LoRA 1 on W2 is A1 4x16 + B1 8x4 = 96, LoRA 2 on the output is A2 4x8 +\n"
           "   B2 8x4 = 64; a swap loads the new task's adapter and head; a full reload loads a\n"
           "   fine-tuned network and its head)\n");
    demo_check("frozen params: 16x8 + 16 + 8x16 + 8 = 280", c.frozen == 280);
    demo_check("LoRA params per task: 96 + 64 = 160", c.lora == 160);
    demo_check("the code's formula 2 (d_ff r + 3 d r) gives 320", c.formula_lora == 320);
    demo_check("2 tasks: full fine-tuning 578, LoRA 618 (LoRA stores more)",
               c.full_two == 578 && c.lora_two == 618);
    demo_check("swap: 169 numbers (adapter + head) vs 289 for a full reload",
               c.lora + c.head == 169 && c.frozen + c.head == 289);
    demo_check("the code's swap count delta_A.size + delta_B.size = 256", c.swap_code == 256);
    /* Smallest width at which LoRA stores fewer numbers for 2 tasks. */
    size_t cross = crossover_width();
    printf("  2 tasks, d_ff = 2 d, r = 4: LoRA stores fewer numbers from d = %zu on\n", cross);
    demo_check("crossover width for 2 tasks at r = 4 is d = 10", cross == 10);
    counts_t g = counts_at(GPT3_WIDTH, 2 * GPT3_WIDTH, RANK);
    printf("  at d = 12288, d_ff = 2 d: per task, full fine-tuning stores %.4g numbers, LoRA %.4g"
           " (ratio %.0f)\n", g.frozen + g.head, g.lora + g.head, (g.frozen + g.head) / (g.lora + g.head));
}

/* The project's loss log (it prints epochs 0, 100, 200 of both tasks as
 * 0.69XX, 0.4XXX, 0.3XXX) next to the measured losses, and the README's
 * values (erratum 9).  losses[mode][task], EPOCHS values each. */
static const size_t LOGGED[] = {0, 100, 200, EPOCHS - 1};
static const double README_LOSS[2][4] = {{0.691342, 0.462920, 0.427455, 0.341511},
                                         {0.692929, 0.619928, 0.592717, 0.564813}};
static const char *const PRINTED_LOSS[4] = {"0.69XX", "0.4XXX", "0.3XXX", "(not printed)"};

static void loss_lines(double *losses[2][2])
{
    printf("== the loss log (full backprop; the project prints every 100 epochs) ==\n");
    printf("  %-6s %-14s %-12s %-12s\n", "epoch", "project prints", "task A", "task B");
    int same = 1;
    for (size_t i = 0; i < 4; i++) {
        size_t e = LOGGED[i];
        printf("  %-6zu %-14s %-12.6f %-12.6f\n", e, PRINTED_LOSS[i], losses[0][0][e],
               losses[0][1][e]);
        for (int task = 0; task < 2; task++)
            same &= fabs(losses[0][task][e] - README_LOSS[task][i]) < 5e-7;
    }
    demo_check("losses at epochs 0, 100, 200, 299 are the README's (both tasks)", same);
}

/* Full minus simplified backprop, epoch by epoch: how far apart the two
 * training runs are.  The shortcut drops A2^T g_z2 with g_z2 = s B2^T g_out,
 * so the gap grows with B2, which starts at 0. */
static void backprop_difference(const problem_t *P, double *losses[2][2], const double *ad_a,
                                const double *ad_b)
{
    printf("== full minus simplified backprop, per epoch (%d epochs, lr %g) ==\n", EPOCHS, LR);
    for (int task = 0; task < 2; task++) {
        double lo = 0, hi = 0;
        size_t at_lo = 0, at_hi = 0;
        for (size_t e = 0; e < EPOCHS; e++) {
            double dl = losses[0][task][e] - losses[1][task][e];
            if (dl < lo)
                lo = dl, at_lo = e;
            if (dl > hi)
                hi = dl, at_hi = e;
        }
        const double *b2 = (task ? ad_b : ad_a) + TT_B2(P->d, P->d_ff, P->r);
        double b2max = 0;
        for (size_t i = 0; i < P->d * P->r; i++)
            b2max = fmax(b2max, fabs(b2[i]));
        printf("  task %c: loss difference min %+.3e (epoch %zu), max %+.3e (epoch %zu); "
               "max |B2| after training %.4f\n", task ? 'B' : 'A', lo, at_lo, hi, at_hi, b2max);
    }
    printf("  (epochs 0 and 1 agree exactly: the first step is taken at B2 = 0, where the\n"
           "   dropped term A2^T s B2^T g_out is 0)\n");
    demo_check("full and simplified losses agree at epochs 0 and 1, differ later",
               losses[0][0][0] == losses[1][0][0] && losses[0][0][1] == losses[1][0][1] &&
                   losses[0][0][EPOCHS - 1] != losses[1][0][EPOCHS - 1]);
}

/* Check 5 serves B by merging it into the KEPT frozen weights.  Switching
 * back to A the same way must give A's served weights, outputs and accuracy
 * back exactly.  For contrast: undoing B in place by subtracting its LoRA 1
 * update, as one would for a single additive LoRA, misses LoRA 2's product
 * term s B2 A2 (W2 + s B1 A1) (b2' = M b2 too, but the project's b2 is 0). */
static void switch_back(const problem_t *P, const run_t *R)
{
    const size_t d = P->d, d_ff = P->d_ff, r = P->r, nf = two_task_frozen_count(d, d_ff);
    double *m_a = NEWD(nf), *m_b = NEWD(nf), *m_a2 = NEWD(nf);
    double *out1 = NEWD(P->n * d), *out2 = NEWD(P->n * d), *p1 = NEWD(P->n), *p2 = NEWD(P->n), l;
    const double *head_a = R->adapter_a + TT_HEAD(d, d_ff, r);
    CALL(merge_adapter(P->frozen, R->adapter_a, d, d_ff, r, P->scale, m_a)); /* serve A */
    CALL(merge_adapter(P->frozen, R->adapter_b, d, d_ff, r, P->scale, m_b)); /* switch to B */
    CALL(merge_adapter(P->frozen, R->adapter_a, d, d_ff, r, P->scale, m_a2)); /* back to A */
    CALL(base_forward(P->x, P->n, m_a, d, d_ff, out1));
    CALL(base_forward(P->x, P->n, m_a2, d, d_ff, out2));
    CALL(head_bce(out1, P->y_a, P->n, head_a, d, p1, &l));
    CALL(head_bce(out2, P->y_a, P->n, head_a, d, p2, &l));
    size_t right = 0;
    for (size_t t = 0; t < P->n; t++)
        right += (p2[t] > 0.5) == (P->y_a[t] == 1.0);
    const double acc = (double)right / (double)P->n;
    /* In place from B's merged weights: W2'_B - s B1 A1 (as if B were one additive LoRA). */
    const double *ab = R->adapter_b, *B1 = ab + TT_B1(d_ff, r);
    double naive = 0;
    for (size_t i = 0; i < d; i++) {
        for (size_t k = 0; k < d_ff; k++) {
            double u = 0;
            for (size_t q = 0; q < r; q++)
                u += B1[i * r + q] * ab[q * d_ff + k];
            size_t at = TT_W2(d, d_ff) + i * d_ff + k;
            naive = fmax(naive, fabs(m_b[at] - P->scale * u - P->frozen[at]));
        }
    }
    printf("== switching back: A -> B -> A, each by merging into the kept frozen weights ==\n");
    printf("  A's merged weights after the round trip: %s; A's p on the 200 samples: %s; "
           "accuracy %.1f%%\n", memcmp(m_a, m_a2, nf * sizeof(double)) ? "DIFFER" : "bit for bit equal",
           memcmp(p1, p2, P->n * sizeof(double)) ? "DIFFER" : "bit for bit equal", 100 * acc);
    printf("  undoing B in place by subtracting s B1 A1 from its merged W2: max |W2 error| %.3e\n",
           naive);
    demo_check("A -> B -> A gives A's weights, p and accuracy back exactly",
               !memcmp(m_a, m_a2, nf * sizeof(double)) && !memcmp(p1, p2, P->n * sizeof(double)) &&
                   acc == R->report[TT_ACC_A]);
    demo_check("an additive in-place undo of B does not recover W2 (LoRA 2 is a product)", naive > 1e-6);
    free(m_a), free(m_b), free(m_a2), free(out1), free(out2), free(p1), free(p2);
}

static int cmd_examples(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    header_examples();
    parameter_counts();
    problem_t P;
    problem_generate(&P, RNG_DEFAULT_SEED, RANK);
    run_t full, simp;
    run_project(&P, TT_BACKPROP_FULL, &full);
    run_project(&P, TT_BACKPROP_SIMPLIFIED, &simp);
    printf("== the project, seed %llu, %d epochs, lr %g, r = %d, alpha = r ==\n", P.seed, EPOCHS,
           LR, RANK);
    printf(" full backprop:\n");
    int failed = print_checks(full.report);
    printf(" simplified backprop (the numpy project's):\n");
    failed += print_checks(simp.report);
    demo_check("the five checks pass with both backprops", failed == 0);
    printf("  %-28s %10s %10s %10s\n", "accuracy (training set)", "full", "simplified", "difference");
    printf("  %-28s %9.1f%% %9.1f%% %+9.1f pt\n", "task A (sum > 0)", 100 * full.report[TT_ACC_A],
           100 * simp.report[TT_ACC_A], 100 * (full.report[TT_ACC_A] - simp.report[TT_ACC_A]));
    printf("  %-28s %9.1f%% %9.1f%% %+9.1f pt\n", "task B (x[0] > 0)", 100 * full.report[TT_ACC_B],
           100 * simp.report[TT_ACC_B], 100 * (full.report[TT_ACC_B] - simp.report[TT_ACC_B]));
    printf("  %-28s %10.6f %10.6f %+10.2e\n", "final loss A", full.report[TT_LOSS_A],
           simp.report[TT_LOSS_A], full.report[TT_LOSS_A] - simp.report[TT_LOSS_A]);
    printf("  %-28s %10.6f %10.6f %+10.2e\n", "final loss B", full.report[TT_LOSS_B],
           simp.report[TT_LOSS_B], full.report[TT_LOSS_B] - simp.report[TT_LOSS_B]);
    demo_check("accuracies are the README's (full A, B; simplified A, B)",
               full.report[TT_ACC_A] == README_ACC_A_FULL && full.report[TT_ACC_B] == README_ACC_B_FULL &&
                   simp.report[TT_ACC_A] == README_ACC_A_SIMPLIFIED &&
                   simp.report[TT_ACC_B] == README_ACC_B_SIMPLIFIED);
    /* The per-epoch losses of both tasks and both backprops (train_task). */
    const size_t count = two_task_adapter_count(P.d, P.d_ff, P.r);
    double *ad = NEWD(count), *ad2 = NEWD(count), *losses[2][2], *traced = NEWD(EPOCHS + 1);
    for (int mode = 0; mode < 2; mode++) /* TT_BACKPROP_FULL, TT_BACKPROP_SIMPLIFIED */
        for (int task = 0; task < 2; task++) {
            losses[mode][task] = NEWD(EPOCHS);
            CALL(train_task(P.x, task ? P.y_b : P.y_a, P.n, P.frozen, task ? P.init_b : P.init_a,
                            P.d, P.d_ff, P.r, P.scale, LR, EPOCHS, (enum two_task_backprop)mode,
                            ad, losses[mode][task]));
        }
    /* train_task equals the traced loop the figures use (the last call was B, simplified). */
    train_traced(&P, P.init_b, P.y_b, EPOCHS, LR, TT_BACKPROP_SIMPLIFIED, OPT_SGD, ad2, traced,
                 NULL, 1);
    demo_check("train_task and the figures' training loop agree",
               mat_max_abs_diff(ad, ad2, count) == 0 &&
                   mat_max_abs_diff(losses[1][1], traced, EPOCHS) == 0);
    loss_lines(losses);
    backprop_difference(&P, losses, full.adapter_a, full.adapter_b);
    switch_back(&P, &full);
    free(ad), free(ad2), free(traced);
    for (int mode = 0; mode < 2; mode++)
        free(losses[mode][0]), free(losses[mode][1]);
    free(full.adapter_a), free(full.adapter_b), free(simp.adapter_a), free(simp.adapter_b);
    problem_free(&P);
    printf("%d of %d checks ok\n", demo_checks.total - demo_checks.bad, demo_checks.total);
    return demo_checks.bad ? 1 : 0;
}

/* ------------------------------------------------------------ data for files and plots */

static int cmd_write_data(void)
{
    problem_t P;
    problem_generate(&P, demo_seed(), RANK);
    int rc = problem_write(stdout, &P);
    problem_free(&P);
    return rc ? 1 : 0;
}

static int cmd_losses(int argc, char **argv)
{
    if (argc != 4 || strcmp(argv[2], "--data")) { /* demo_main checked argc */
        fprintf(stderr, "usage: " PROG " losses --data FILE\n");
        return 2;
    }
    problem_t P;
    problem_load(&P, argv[3]);
    const size_t count = two_task_adapter_count(P.d, P.d_ff, P.r);
    double *ad = NEWD(count), *losses = NEWD(EPOCHS);
    printf("# per-epoch training losses (loss before step e), from " PROG " losses --data %s\n",
           argv[3]);
    const char *names[2][2] = {{"loss_a_full", "loss_b_full"},
                               {"loss_a_simplified", "loss_b_simplified"}};
    for (int mode = 0; mode < 2; mode++) /* TT_BACKPROP_FULL, TT_BACKPROP_SIMPLIFIED */
        for (int task = 0; task < 2; task++) {
            CALL(train_task(P.x, task ? P.y_b : P.y_a, P.n, P.frozen, task ? P.init_b : P.init_a,
                            P.d, P.d_ff, P.r, P.scale, LR, EPOCHS, (enum two_task_backprop)mode,
                            ad, losses));
            kit_write_tensor(stdout, names[mode][task], losses, EPOCHS, 1);
        }
    free(ad), free(losses);
    problem_free(&P);
    return 0;
}

static int cmd_curves(void)
{
    problem_t P;
    problem_load(&P, NULL);
    const size_t count = two_task_adapter_count(P.d, P.d_ff, P.r), E = 3000;
    double *ad = NEWD(count), *l[4], *a[4];
    for (int k = 0; k < 4; k++) {
        l[k] = NEWD(E + 1), a[k] = NEWD(E + 1);
        train_traced(&P, k & 1 ? P.init_b : P.init_a, k & 1 ? P.y_b : P.y_a, E, LR,
                     k < 2 ? TT_BACKPROP_FULL : TT_BACKPROP_SIMPLIFIED, OPT_SGD, ad, l[k], a[k], 1);
    }
    printf("# Lab 07: training loss and accuracy per epoch, lr %g, r = %zu, seed %llu "
           "(" PROG " curves); the project stops at epoch %d\n", LR, P.r, P.seed, EPOCHS);
    for (int task = 0; task < 2; task++) {
        double lo = 0, hi = 0, acc = 0;
        for (size_t e = 0; e <= E; e++) {
            lo = fmin(lo, l[task][e] - l[task + 2][e]), hi = fmax(hi, l[task][e] - l[task + 2][e]);
            acc = fmax(acc, fabs(a[task][e] - a[task + 2][e]));
        }
        printf("# task %c, full minus simplified over epochs 0..%zu: loss min %+.3e, max %+.3e; "
               "max |accuracy difference| %.1f pt; at epoch %d: %+.3e, %+.1f pt\n", task ? 'B' : 'A',
               E, lo, hi, 100 * acc, EPOCHS, l[task][EPOCHS] - l[task + 2][EPOCHS],
               100 * (a[task][EPOCHS] - a[task + 2][EPOCHS]));
    }
    printf("# epoch loss_A_full loss_B_full loss_A_simpl loss_B_simpl acc_A_full acc_B_full "
           "acc_A_simpl acc_B_simpl\n");
    for (size_t e = 0; e <= E; e++)
        printf("%zu %.9g %.9g %.9g %.9g %.4f %.4f %.4f %.4f\n", e, l[0][e], l[1][e], l[2][e],
               l[3][e], a[0][e], a[1][e], a[2][e], a[3][e]);
    for (int k = 0; k < 4; k++)
        free(l[k]), free(a[k]);
    free(ad);
    problem_free(&P);
    return 0;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

/* Block 0: the counts at every integer width 2..16 (around the crossover),
 * at log-spaced widths 2^(k/4) rounded up to GPT-3's 12288, and at 12288
 * itself; each width once, ascending.  Block 1 (after two blank lines, for
 * gnuplot's `index 1`): the crossover width computed here, the project's
 * width and GPT-3's, which crossover.gp reads instead of typing them. */
static int cmd_crossover(void)
{
    size_t widths[128], nw = 0;
    for (size_t d = 2; d <= 16; d++)
        widths[nw++] = d;
    for (double w = 16; w < GPT3_WIDTH; w *= pow(2.0, 0.25))
        widths[nw++] = (size_t)llround(w);
    widths[nw++] = GPT3_WIDTH;
    qsort(widths, nw, sizeof widths[0], cmp_size);
    printf("# Lab 07: stored numbers for 2 tasks and per task, the project's architecture at\n"
           "# width d (d_ff = 2 d as in the project), r = 4 (" PROG " crossover)\n"
           "# block 0: d = 2..16, then 2^(k/4) rounded, then GPT-3's %d; each d once\n",
           GPT3_WIDTH);
    printf("# d full_2tasks lora_2tasks full_per_task lora_per_task per_task_ratio\n");
    for (size_t i = 0; i < nw; i++) {
        if (i > 0 && widths[i] == widths[i - 1])
            continue;
        size_t d = widths[i];
        counts_t c = counts_at(d, 2 * d, RANK);
        printf("%zu %.0f %.0f %.0f %.0f %.6g\n", d, c.full_two, c.lora_two, c.frozen + c.head,
               c.lora + c.head, (c.frozen + c.head) / (c.lora + c.head));
    }
    printf("\n\n# block 1: crossover_d (smallest d where LoRA stores fewer numbers for 2 tasks,"
           " computed by the demo), project_d, gpt3_d\n");
    printf("%zu %d %d\n", crossover_width(), D, GPT3_WIDTH);
    return 0;
}

static int cmd_sweep(void)
{
    static const size_t ranks[] = {1, 4, 8}, checkpoints[] = {300, 1000, 3000};
    static const double lrs[2][3] = {{0.1, 0.5, 2.0}, {0.003, 0.01, 0.03}};
    const unsigned long long seed = demo_seed();
    const size_t E = 3000;
    printf("# Lab 07 sweep (" PROG " sweep, seed %llu): training-set accuracy of both tasks,\n"
           "# full backprop, each rank with its own draws of the starting adapters\n", seed);
    printf("# %-5s %4s %7s %6s %8s %8s %s\n", "opt", "rank", "lr", "epochs", "acc_A", "acc_B",
           "both >= 90%");
    for (int opt = 0; opt < 2; opt++)
        for (size_t ri = 0; ri < 3; ri++)
            for (size_t li = 0; li < 3; li++) {
                problem_t P;
                problem_generate(&P, seed, ranks[ri]);
                const size_t count = two_task_adapter_count(P.d, P.d_ff, P.r);
                double *ad = NEWD(count), *aa = NEWD(E + 1), *ab = NEWD(E + 1);
                train_traced(&P, P.init_a, P.y_a, E, lrs[opt][li], TT_BACKPROP_FULL, opt, ad, NULL, aa, 100);
                train_traced(&P, P.init_b, P.y_b, E, lrs[opt][li], TT_BACKPROP_FULL, opt, ad, NULL, ab, 100);
                for (size_t c = 0; c < 3; c++) {
                    size_t e = checkpoints[c];
                    printf("  %-5s %4zu %7g %6zu %7.1f%% %7.1f%% %s\n", opt ? "adam" : "sgd",
                           ranks[ri], lrs[opt][li], e, 100 * aa[e], 100 * ab[e],
                           aa[e] >= 0.9 && ab[e] >= 0.9 ? "yes" : "no");
                }
                free(ad), free(aa), free(ab);
                problem_free(&P);
            }
    return 0;
}

/* ------------------------------------------------------------ seeds */

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The project (full backprop, its settings) on one data draw at rank r:
 * accuracy of task A and of task B on the 200 training samples. */
static void project_accuracy(unsigned long long seed, size_t r, double *acc_a, double *acc_b)
{
    problem_t P;
    problem_generate(&P, seed, r);
    run_t R;
    run_project(&P, TT_BACKPROP_FULL, &R);
    *acc_a = R.report[TT_ACC_A], *acc_b = R.report[TT_ACC_B];
    free(R.adapter_a), free(R.adapter_b);
    problem_free(&P);
}

/* How many of the n sorted values lie below v. */
static size_t below(const double *sorted, size_t n, double v)
{
    size_t k = 0;
    while (k < n && sorted[k] < v)
        k++;
    return k;
}

/* The project's accuracies over data seeds 1 .. N_SEEDS at r = 4 (each seed
 * draws a new network, data set and starting adapters), where the graded
 * draw and the project's own seed fall among them, and the mean accuracy
 * by rank over the first RANK_SEEDS seeds (few, to keep make plots short). */
enum { N_SEEDS = 50, RANK_SEEDS = 10 };
static int cmd_seeds(void)
{
    double acc[2][N_SEEDS], sorted[2][N_SEEDS];
    printf("# lab07-demo seeds: the project (full backprop, %d epochs, lr %g, r = %d) on data\n"
           "# seeds 1 .. %d; training-set accuracy of each task\n"
           "# index 0: seed acc_A acc_B\n", EPOCHS, LR, RANK, N_SEEDS);
    for (int k = 0; k < N_SEEDS; k++) {
        project_accuracy((unsigned long long)k + 1, RANK, &acc[0][k], &acc[1][k]);
        printf("%d %.3f %.3f\n", k + 1, acc[0][k], acc[1][k]);
    }
    printf("\n\n# index 1: k (1 = lowest) acc_A sorted, acc_B sorted\n");
    for (int t = 0; t < 2; t++) {
        memcpy(sorted[t], acc[t], sizeof acc[t]);
        qsort(sorted[t], N_SEEDS, sizeof(double), cmp_double);
    }
    for (int k = 0; k < N_SEEDS; k++)
        printf("%d %.3f %.3f\n", k + 1, sorted[0][k], sorted[1][k]);
    static const size_t ranks[] = {1, 2, 4, 8};
    double mean[4][2] = {{0}};
    for (size_t ri = 0; ri < 4; ri++)
        for (int k = 0; k < RANK_SEEDS; k++) {
            double a = acc[0][k], b = acc[1][k];
            if (ranks[ri] != RANK)
                project_accuracy((unsigned long long)k + 1, ranks[ri], &a, &b);
            mean[ri][0] += a / RANK_SEEDS, mean[ri][1] += b / RANK_SEEDS;
        }
    printf("\n\n# index 2: rank, mean acc_A, mean acc_B over seeds 1 .. %d\n", RANK_SEEDS);
    for (size_t ri = 0; ri < 4; ri++)
        printf("%zu %.4f %.4f\n", ranks[ri], mean[ri][0], mean[ri][1]);
    /* The summary the README quotes. */
    double g[2], p42[2];
    project_accuracy(RNG_DEFAULT_SEED, RANK, &g[0], &g[1]);
    project_accuracy(42, RANK, &p42[0], &p42[1]);
    printf("#\n# over %d data seeds (r = %d):   min     median  max\n", N_SEEDS, RANK);
    for (int t = 0; t < 2; t++)
        printf("#   task %c accuracy          %5.1f%%  %5.2f%%  %5.1f%%\n", t ? 'B' : 'A',
               100 * sorted[t][0], 50 * (sorted[t][N_SEEDS / 2 - 1] + sorted[t][N_SEEDS / 2]),
               100 * sorted[t][N_SEEDS - 1]);
    int b90 = 0, both90 = 0, promised = 0;
    for (int k = 0; k < N_SEEDS; k++) {
        b90 += acc[1][k] >= 0.9, both90 += acc[0][k] >= 0.9 && acc[1][k] >= 0.9;
        promised += acc[0][k] >= 0.85 && acc[0][k] <= 0.95 && acc[1][k] >= 0.85 && acc[1][k] <= 0.95;
    }
    printf("#   seeds with task B >= 90%%: %d of %d; with both tasks >= 90%%: %d of %d\n", b90,
           N_SEEDS, both90, N_SEEDS);
    printf("#   seeds with both tasks in the project's promised 85-95%%: %d of %d\n", promised,
           N_SEEDS);
    printf("# the graded draw (seed %llu, data/lab07/two-task.txt): A %.1f%%, B %.1f%%;\n"
           "#   %zu of %d seeds are below it on A, %zu of %d on B\n",
           (unsigned long long)RNG_DEFAULT_SEED, 100 * g[0], 100 * g[1], below(sorted[0], N_SEEDS, g[0]),
           N_SEEDS, below(sorted[1], N_SEEDS, g[1]), N_SEEDS);
    printf("# the project's own seed 42: A %.1f%%, B %.1f%%\n", 100 * p42[0], 100 * p42[1]);
    printf("# mean accuracy by rank over seeds 1 .. %d:\n#  ", RANK_SEEDS);
    for (size_t ri = 0; ri < 4; ri++)
        printf("%s r = %zu: A %.1f%%, B %.1f%%", ri ? ";" : "", ranks[ri], 100 * mean[ri][0],
               100 * mean[ri][1]);
    printf("\n");
    return 0;
}

/* ------------------------------------------------------------ amplification */


/* ||U^T W V||_F for W (rows, cols), U (rows, k), V (cols, k). */
static double projected_norm(const double *w, size_t rows, size_t cols, const double *u,
                             const double *v, size_t k)
{
    double sum = 0;
    for (size_t a = 0; a < k; a++)
        for (size_t b = 0; b < k; b++) {
            double x = 0;
            for (size_t i = 0; i < rows; i++)
                for (size_t j = 0; j < cols; j++)
                    x += u[i * k + a] * w[i * cols + j] * v[j * k + b];
            sum += x * x;
        }
    return sqrt(sum);
}

/* The paper's section 7.3 on LoRA 1 of a trained task: Delta W = s B1 A1
 * (d, d_ff) against the frozen W2 (d, d_ff).  U, V span the column and row
 * spaces of Delta W (orthonormalized B1 and A1^T: the norm does not depend
 * on which orthonormal basis, so no SVD is needed); W's own top-r
 * directions come from subspace iteration; random ones are averaged over
 * 200 draws.  out: ||Delta W||_F, ||U^T W V|| for Delta W's, W's and random
 * directions, ||W||_F. */
static void amplification_of(const problem_t *P, const double *adapter, rng_t *g, double out[5])
{
    const size_t d = P->d, f = P->d_ff, r = P->r;
    const double *a1 = adapter, *b1 = adapter + TT_B1(f, r), *w2 = P->frozen + TT_W2(d, f);
    double *u = NEWD(d * r), *v = NEWD(f * r), *dw = NEWD(d * f), *w2t = NEWD(f * d);
    double dw_norm = 0, w_norm = 0;
    mat_matmul(b1, a1, dw, d, r, f); /* B1 A1 (d, f) */
    for (size_t i = 0; i < d * f; i++) {
        dw[i] *= P->scale;
        dw_norm += dw[i] * dw[i];
        w_norm += w2[i] * w2[i];
    }
    memcpy(u, b1, d * r * sizeof(double));
    mat_transpose(a1, v, r, f);
    mat_orthonormalize(u, d, r), mat_orthonormalize(v, f, r);
    out[0] = sqrt(dw_norm), out[1] = projected_norm(w2, d, f, u, v, r), out[4] = sqrt(w_norm);
    /* W's top-r singular subspaces: V <- orth(W^T W V), U = orth(W V). */
    mat_transpose(w2, w2t, d, f);
    rng_fill_normal(g, v, f * r, 1.0);
    mat_orthonormalize(v, f, r);
    for (int it = 0; it < 500; it++) {
        mat_matmul(w2, v, u, d, f, r); /* W V (d, r) */
        mat_orthonormalize(u, d, r);
        mat_matmul(w2t, u, v, f, d, r); /* W^T U (f, r) */
        mat_orthonormalize(v, f, r);
    }
    out[2] = projected_norm(w2, d, f, u, v, r);
    double rnd = 0;
    for (int t = 0; t < 200; t++) {
        rng_fill_normal(g, u, d * r, 1.0), rng_fill_normal(g, v, f * r, 1.0);
        mat_orthonormalize(u, d, r), mat_orthonormalize(v, f, r);
        rnd += projected_norm(w2, d, f, u, v, r) / 200;
    }
    out[3] = rnd;
    free(u), free(v), free(dw), free(w2t);
}

/* The amplification of the project's trained LoRA 1, both tasks, on the
 * graded draw and on data seeds 1 .. AMP_SEEDS; the course's 21.5x beside. */
enum { AMP_SEEDS = 20 };
static int cmd_amplification(void)
{
    rng_t g;
    rng_seed(&g, 7);
    printf("# lab07-demo amplification: the LoRA paper's section 7.3 on the project's LoRA 1\n"
           "# (Delta W = s B1 A1, %d x %d, r = %d, against the frozen W2; full backprop, %d epochs)\n"
           "# ||U^T W2 V||_F with U, V the column/row spaces of Delta W, of W2's top-%d, of random ones;\n"
           "# factor = ||Delta W||_F / ||U^T W2 V||_F (Delta W's own U, V). The course: 21.5x\n"
           "# (GPT-3, r = 4, layer 48; data/course/amplification.tsv)\n"
           "# seed task ||dW|| proj_dW proj_W_top proj_random ||W2|| factor\n", D, D_FF, RANK, EPOCHS, RANK);
    double factors[2][AMP_SEEDS], graded[2][5];
    int ordered[2] = {0, 0}; /* random < Delta W's < W2's top, as in the paper */
    for (int k = -1; k < AMP_SEEDS; k++) {
        unsigned long long seed = k < 0 ? RNG_DEFAULT_SEED : (unsigned long long)k + 1;
        problem_t P;
        problem_generate(&P, seed, RANK);
        run_t R;
        run_project(&P, TT_BACKPROP_FULL, &R);
        for (int t = 0; t < 2; t++) {
            double o[5];
            amplification_of(&P, t ? R.adapter_b : R.adapter_a, &g, o);
            printf("%llu %c %.4g %.4g %.4g %.4g %.4g %.3f\n", seed, t ? 'B' : 'A', o[0], o[1], o[2], o[3],
                   o[4], o[0] / o[1]);
            if (k < 0)
                memcpy(graded[t], o, sizeof o);
            else {
                factors[t][k] = o[0] / o[1];
                ordered[t] += o[3] < o[1] && o[1] < o[2];
            }
        }
        free(R.adapter_a), free(R.adapter_b);
        problem_free(&P);
    }
    printf("#\n# the graded draw (seed %llu):        ||dW||  U,V of dW  W2's top-%d  random  ||W2||  factor\n",
           (unsigned long long)RNG_DEFAULT_SEED, RANK);
    for (int t = 0; t < 2; t++)
        printf("#   task %c                           %6.3f  %9.3f  %10.3f  %6.3f  %6.3f  %5.2fx\n",
               t ? 'B' : 'A', graded[t][0], graded[t][1], graded[t][2], graded[t][3], graded[t][4],
               graded[t][0] / graded[t][1]);
    for (int t = 0; t < 2; t++) {
        qsort(factors[t], AMP_SEEDS, sizeof(double), cmp_double);
        printf("# task %c over data seeds 1 .. %d: factor min %.2fx, median %.2fx, max %.2fx;\n"
               "#   random < U,V of dW < W2's top in %d of %d\n", t ? 'B' : 'A',
               AMP_SEEDS, factors[t][0], (factors[t][AMP_SEEDS / 2 - 1] + factors[t][AMP_SEEDS / 2]) / 2,
               factors[t][AMP_SEEDS - 1], ordered[t], AMP_SEEDS);
    }
    return 0;
}

/* ------------------------------------------------------------ main */

static const demo_command_t COMMANDS[] = {
    {.name = "examples", .help = "the examples of two_task.h and the README's numbers, checked", .run = cmd_examples},
    {.name = "project", .args = "[simplified] [--data FILE]",
     .help = "train both tasks, then the project's five checks",
     .run_args = cmd_project, .min_args = 0, .max_args = 3},
    {.name = "write-data", .help = "the project's data file (data/lab07/two-task.txt)", .run = cmd_write_data},
    {.name = "losses", .args = "--data FILE",
     .help = "per-epoch training losses on FILE (numpy cross-check)",
     .run_args = cmd_losses, .min_args = 2, .max_args = 2},
    {.name = "curves", .help = "loss and accuracy per epoch, full and simplified backprop (gnuplot data)", .run = cmd_curves},
    {.name = "crossover", .help = "stored numbers against width d, full vs LoRA (gnuplot data)", .run = cmd_crossover},
    {.name = "sweep", .help = "training-set accuracy of both tasks against rank (data)", .run = cmd_sweep},
    {.name = "seeds", .help = "the project on data seeds 1 .. 50: accuracy of each task", .run = cmd_seeds},
    {.name = "amplification", .help = "the LoRA paper's section 7.3 on the project's LoRA 1", .run = cmd_amplification},
    {.name = NULL},
};

DEMO_MAIN(.prog = PROG, .commands = COMMANDS, .seeded = DEMO_SEEDED, .check_width = 66)
