/*
 * demo.c - lab02-demo: Lab 02's worked examples, operation counts and weight
 * layouts, computed by the lab's own functions.
 *
 *   lab02-demo examples      every worked example of the course material that
 *                            Lab 02 uses, run through the kit's functions, and
 *                            a check of every number the course prints for them
 *   lab02-demo opcounts      multiplications per input row as a function of the
 *                            rank r, as a data table for gnuplot
 *   lab02-demo conventions   one random adapter written in the four layouts of
 *                            the course: how far their outputs are apart
 *
 * It links the lab's lora_forward.c (yours or the reference) and labs/common,
 * so what it prints is what your code computes.  A function you have not
 * written yet stops it with "not implemented: <function> (lab02.N)".
 * Students do not need to edit this file.
 */
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo_main.h"
#include "lab.h"
#include "lora_forward.h"
#include "matrix.h"
#include "rng.h"

#define PROG "lab02-demo"

/* ------------------------------------------------------------ printing */

/* Print an (m, n) matrix on one line as [[a, b], [c, d]] (or [a, b] when
 * as_vector), each entry with %.10g, or %.*f when decimals >= 0. */
static void put(const double *m, size_t rows, size_t cols, int as_vector, int decimals)
{
    if (!as_vector)
        putchar('[');
    for (size_t i = 0; i < rows; i++) {
        printf("%s", i ? ", " : "");
        demo_put_row(m + i * cols, cols, decimals);
    }
    if (!as_vector)
        putchar(']');
}

#define LABEL_W 38

/* "  label  [[matrix]]  note"; a matrix of 3 or more rows and columns gets
 * one line per row. */
static void line(const char *label, const double *m, size_t rows, size_t cols,
                 const char *note)
{
    printf("  %-*s ", LABEL_W, label);
    if (rows >= 3 && cols >= 3) {
        for (size_t i = 0; i < rows; i++) {
            if (i)
                printf("\n  %-*s ", LABEL_W, "");
            printf("%s", i ? " " : "[");
            put(m + i * cols, 1, cols, 1, -1);
            printf("%s", i + 1 < rows ? "," : "]");
        }
    } else {
        put(m, rows, cols, 0, -1);
    }
    if (note && *note)
        printf("   %s", note);
    putchar('\n');
}

/* "  label  [vector]" */
static void vline(const char *label, const double *v, size_t n, int decimals)
{
    printf("  %-*s ", LABEL_W, label);
    put(v, 1, n, 1, decimals);
    putchar('\n');
}

/* ------------------------------------------------ the course's printed numbers */

/*
 * Each number the course prints for a Lab 02 example, next to the kit's value
 * rounded the same way.  A printed number "agrees" when the kit's value is
 * within half a unit of its last printed decimal.
 */
static void course_check(const char *source, const char *what, const double *printed,
                         const double *kit, size_t rows, size_t cols, int as_vector,
                         int decimals)
{
    const double half = 0.5 * pow(10, -decimals) * (1.0 + 1e-9);
    int ok = 1;

    for (size_t i = 0; i < rows * cols; i++) {
        demo_checks.total++;
        if (!(fabs(kit[i] - printed[i]) <= half)) {
            demo_checks.bad++;
            ok = 0;
        }
    }
    printf("  %-27s %-27s printed ", source, what);
    put(printed, rows, cols, as_vector, decimals);
    printf("  kit ");
    put(kit, rows, cols, as_vector, decimals);
    printf("  %s\n", ok ? "ok" : "DIFFERS");
}

/* ------------------------------------------------------------ examples */

/* The "LoRA forward pass" exercise: the reference example, in the kit's own layout. */
static void example_fwd(double *y_out, double *ba_out, double *weff_out)
{
    const double x[2] = {1, 0};
    const double w0[4] = {1, 0, 0, 1};
    const double a[2] = {1, 0};
    const double b[2] = {1, 0};
    const double zero[4] = {0, 0, 0, 0};
    const double xb[4] = {1, 0, 0, 1};
    double yb[4], xw[2];

    printf("== the exercise \"LoRA forward pass\": the reference example (kit layout) ==\n");
    printf("  d_in = 2, d_out = 2, r = 1, alpha = 2, so alpha / r = 2\n");
    vline("x (d_in)", x, 2, -1);
    line("W0 (d_out, d_in)", w0, 2, 2, "frozen");
    line("A (r, d_in)", a, 1, 2, "down-projection");
    line("B (d_out, r)", b, 2, 1, "up-projection");
    CALL(lora_forward_row(x, w0, a, b, 2, 2, 1, 2.0, y_out));
    vline("lora_forward_row: y", y_out, 2, -1);
    CALL(lora_forward(xb, 2, w0, a, b, 2, 2, 1, 2.0, yb));
    line("lora_forward, X = [[1, 0], [0, 1]]: Y", yb, 2, 2, "");
    /* B A alone: the merged weight of a zero base with alpha = r (scale 1). */
    CALL(lora_merged_weight(zero, a, b, 2, 2, 1, 1.0, ba_out));
    line("B A (merged weight, W0 = 0, alpha = r)", ba_out, 2, 2, "");
    CALL(lora_merged_weight(w0, a, b, 2, 2, 1, 2.0, weff_out));
    line("lora_merged_weight: W_eff", weff_out, 2, 2, "= W0 + (alpha / r) B A");
    mat_matmul_nt(x, weff_out, xw, 1, 2, 2);
    vline("x W_eff^T (mat_matmul_nt)", xw, 2, -1);
    printf("\n");
}

/* The "Low-rank adaptation forward" exercise: three examples in the (d_in, d_out) layout, where "B" is the
 * down-projection (d_in, r) and "A" the up-projection (r, d_out). */
struct inout_ex {
    size_t batch, d_in, d_out, r;
    double alpha;
    double x[4], w[4], b_down[4], a_up[4];
    double printed[4];
};

static const struct inout_ex INOUT_EX[3] = {
    {1, 2, 2, 1, 2.0, {1, 2}, {1, 0, 0, 1}, {1, 1}, {0.5, 0.5}, {4, 5}},
    {2, 2, 2, 2, 1.0, {1, 0, 0, 1}, {2, 1, 1, 2}, {0.5, 0.5, 0.5, 0.5}, {1, 0, 0, 1},
     {2.25, 1.25, 1.25, 2.25}},
    {1, 1, 1, 1, 4.0, {2}, {3}, {1}, {1}, {14}},
};

static void example_inout(int n, double *h_out, double *frozen_out, double *lowrank_out)
{
    const struct inout_ex *e = &INOUT_EX[n];
    const size_t bt = e->batch, di = e->d_in, dn = e->d_out, r = e->r;
    const double zero[4] = {0, 0, 0, 0};
    double w0[4], a[4], b[4], y[4];

    printf("== the exercise \"Low-rank adaptation forward\": example %d ((d_in, d_out) layout) ==\n", n + 1);
    printf("  batch = %zu, d_in = %zu, d_out = %zu, r = %zu, alpha = %g, so alpha / r = %g\n",
           bt, di, dn, r, e->alpha, e->alpha / (double)r);
    line("x (batch, d_in)", e->x, bt, di, "");
    line("w (d_in, d_out)", e->w, di, dn, "frozen");
    line("b_down (d_in, r)", e->b_down, di, r, "this exercise calls it \"B\": down");
    line("a_up (r, d_out)", e->a_up, r, dn, "this exercise calls it \"A\": up");
    /* The two paths alone: no adapter (b_down = 0), then no base (w = 0) with
     * alpha = r, which is the unscaled x b_down a_up. */
    CALL(lora_forward_in_out(e->x, bt, e->w, zero, e->a_up, di, dn, r, e->alpha, frozen_out));
    line("frozen path x w", frozen_out, bt, dn, "(b_down = 0)");
    CALL(lora_forward_in_out(e->x, bt, zero, e->b_down, e->a_up, di, dn, r, (double)r, lowrank_out));
    line("low-rank path x b_down a_up", lowrank_out, bt, dn, "(w = 0, alpha = r)");
    CALL(lora_forward_in_out(e->x, bt, e->w, e->b_down, e->a_up, di, dn, r, e->alpha, h_out));
    line("lora_forward_in_out: h", h_out, bt, dn, "");
    CALL(lora_from_in_out(e->w, e->b_down, e->a_up, di, dn, r, w0, a, b));
    line("lora_from_in_out: W0 = w^T", w0, dn, di, "");
    line("                  A = b_down^T", a, r, di, "");
    line("                  B = a_up^T", b, dn, r, "");
    CALL(lora_forward(e->x, bt, w0, a, b, di, dn, r, e->alpha, y));
    line("lora_forward on them: Y", y, bt, dn, "");
    printf("  %-*s %g\n", LABEL_W, "max |Y - h|", mat_max_abs_diff(y, h_out, bt * dn));
    printf("\n");
}

/* The course's forward-pass example, in the paper's column form. */
static const double W0_COURSE[16] = {
    0.5, -0.3, 0.1, 0.2,
    0.1, 0.4, -0.2, 0.3,
    -0.2, 0.1, 0.6, -0.1,
    0.3, -0.1, 0.2, 0.5,
};
static const double X_COURSE[4] = {1.0, 0.5, -0.8, 0.3};
static const double B_COURSE[8] = {0.10, -0.05, 0.03, 0.08, -0.07, 0.12, 0.06, -0.02};
static const double A_COURSE[8] = {0.15, -0.20, 0.10, 0.05, -0.08, 0.12, 0.06, -0.15};

static void example_course(double *base_out, double *branch_out, double *h_out)
{
    const double zero_b[8] = {0};
    const double zero_w[16] = {0};
    double z[2];

    printf("== the course, \"the forward pass\": worked example (paper column form) ==\n");
    printf("  d = 4, k = 4, r = 2, n = 1 column, alpha = 2, so alpha / r = 1\n");
    line("W0 (d, k)", W0_COURSE, 4, 4, "frozen");
    vline("x (k), a column shown as a row", X_COURSE, 4, -1);
    line("B (d, r)", B_COURSE, 4, 2, "up");
    line("A (r, k)", A_COURSE, 2, 4, "down");
    mat_matmul(A_COURSE, X_COURSE, z, 2, 4, 1);
    vline("A x (mat_matmul)", z, 2, -1);
    CALL(lora_forward_columns(W0_COURSE, zero_b, A_COURSE, X_COURSE, 4, 4, 2, 1, 2.0, base_out));
    vline("W0 x (lora_forward_columns, B = 0)", base_out, 4, -1);
    CALL(lora_forward_columns(zero_w, B_COURSE, A_COURSE, X_COURSE, 4, 4, 2, 1, 2.0, branch_out));
    vline("(alpha/r) B A x (same, W0 = 0)", branch_out, 4, -1);
    CALL(lora_forward_columns(W0_COURSE, B_COURSE, A_COURSE, X_COURSE, 4, 4, 2, 1, 2.0, h_out));
    vline("lora_forward_columns: h, 5 decimals", h_out, 4, 5);
    vline("h, 3 decimals (as the course has it)", h_out, 4, 3);
    printf("\n");
}

static int cmd_examples(void)
{
    double y_fwd[2], ba_fwd[4], weff_fwd[4];
    double h_inout[3][4], fr_inout[3][4], lr_inout[3][4];
    double base_course[4], branch_course[4], h_course[4];

    printf("lab02-demo examples: the course's worked examples through the kit's functions\n\n");
    example_fwd(y_fwd, ba_fwd, weff_fwd);
    for (int n = 0; n < 3; n++)
        example_inout(n, h_inout[n], fr_inout[n], lr_inout[n]);
    example_course(base_course, branch_course, h_course);

    /* What the course and its exercises print, transcribed; compared at their printed precision. */
    static const double printed_fwd_ba[4] = {1, 0, 0, 0};
    static const double printed_fwd_weff[4] = {3, 0, 0, 1};
    static const double printed_fwd_y[2] = {3, 0};
    static const double printed_inout_fr3[1] = {6}, printed_inout_lr3[1] = {2};
    static const double printed_course_base[4] = {0.33, 0.55, -0.66, 0.24};
    static const double printed_course_branch[4] = {0.004, -0.009, -0.013, 0.001};
    static const double printed_course_h[4] = {0.334, 0.541, -0.673, 0.241};

    printf("== every number the course prints for these examples, against the kit ==\n");
    course_check("LoRA forward pass", "B A", printed_fwd_ba, ba_fwd, 2, 2, 0, 0);
    course_check("LoRA forward pass", "W_eff", printed_fwd_weff, weff_fwd, 2, 2, 0, 0);
    course_check("LoRA forward pass", "y", printed_fwd_y, y_fwd, 1, 2, 1, 0);
    course_check("Low-rank adaptation forward", "example 1: h", INOUT_EX[0].printed, h_inout[0], 1, 2, 0, 0);
    course_check("Low-rank adaptation forward", "example 2: h", INOUT_EX[1].printed, h_inout[1], 2, 2, 0, 2);
    course_check("Low-rank adaptation forward", "example 3: frozen path x W", printed_inout_fr3, fr_inout[2], 1, 1, 0, 0);
    course_check("Low-rank adaptation forward", "example 3: low-rank x B A", printed_inout_lr3, lr_inout[2], 1, 1, 0, 0);
    course_check("Low-rank adaptation forward", "example 3: h", INOUT_EX[2].printed, h_inout[2], 1, 1, 0, 0);
    course_check("the course", "W0 x", printed_course_base, base_course, 1, 4, 1, 2);
    course_check("the course", "(alpha/r) B A x", printed_course_branch, branch_course, 1, 4, 1, 3);
    course_check("the course", "h", printed_course_h, h_course, 1, 4, 1, 3);
    if (demo_checks.bad == 0)
        printf("  all %d printed numbers agree with the kit\n", demo_checks.total);
    else
        printf("  %d of %d printed numbers DIFFER from the kit\n", demo_checks.bad, demo_checks.total);
    return demo_checks.bad == 0 ? 0 : 1;
}

/* ------------------------------------------------------------ opcounts */

/*
 * Multiplications of two numbers per input row x (additions not counted):
 *   base     = d_out d_in                     x W0^T, no adapter
 *   factored = d_out d_in                     x W0^T
 *            + r d_in                         z = A x
 *            + r d_out                        B z
 *            + d_out                          times alpha / r
 *   merged   = r d_out d_in                   B A, formed again on every call
 *            + d_out d_in                     times alpha / r
 *            + d_out d_in                     x W_eff^T
 * "merged" is the cost per call while A and B change (training); at inference
 * W_eff is formed once and every row then costs exactly "base".
 */
struct layer { uint64_t d_in, d_out; const char *name; };

static const struct layer LAYERS[] = {
    {768, 768, "768 x 768 (BERT-Base attention)"},
    {4096, 4096, "4096 x 4096 (7B-class attention)"},
    {4096, 11008, "4096 -> 11008 (7B-class MLP up-projection)"},
};

static int cmd_opcounts(void)
{
    printf("# lab02-demo opcounts: multiplications per input row of one LoRA layer\n");
    printf("# base     = d_out*d_in\n");
    printf("# factored = d_out*d_in + r*d_in + r*d_out + d_out      (x W0^T + (alpha/r) B (A x))\n");
    printf("# merged   = r*d_out*d_in + d_out*d_in + d_out*d_in     (form (alpha/r) B A, add W0, multiply)\n");
    printf("# one block per layer shape (gnuplot: index 0, 1, 2), r = 1, 2, 4, ... up to min(d_in, d_out) and at most 1024\n");
    for (size_t l = 0; l < sizeof LAYERS / sizeof LAYERS[0]; l++) {
        const uint64_t di = LAYERS[l].d_in, dn = LAYERS[l].d_out;
        const uint64_t rmax = di < dn ? di : dn;
        if (l)
            printf("\n\n");
        printf("# layer %s\n", LAYERS[l].name);
        printf("# %6s %6s %5s %14s %14s %16s %16s %15s\n", "d_in", "d_out", "r", "base",
               "factored", "merged", "merged/factored", "factored/base");
        for (uint64_t r = 1; r <= rmax && r <= 1024; r *= 2) {
            const uint64_t base = dn * di;
            const uint64_t factored = dn * di + r * di + r * dn + dn;
            const uint64_t merged = r * dn * di + dn * di + dn * di;
            printf("  %6" PRIu64 " %6" PRIu64 " %5" PRIu64 " %14" PRIu64 " %14" PRIu64
                   " %16" PRIu64 " %16.4f %15.6f\n",
                   di, dn, r, base, factored, merged, (double)merged / (double)factored,
                   (double)factored / (double)base);
        }
    }
    return 0;
}

/* ------------------------------------------------------------ conventions */

enum { CB = 4, CI = 5, CO = 3, CR = 2 }; /* batch, d_in, d_out, r */

static int cmd_conventions(void)
{
    const uint64_t seed = demo_seed();
    const double alpha = 3.0, scale = alpha / CR;
    rng_t rng;
    double x[CB * CI], w0[CO * CI], a[CR * CI], b[CO * CR];
    double y_kit[CB * CO], y[CB * CO];
    double w[CI * CO], b_down[CI * CR], a_up[CR * CO];      /* the in-out, LoRA-layer and training exercises */
    double w0c[CO * CI], ac[CR * CI], bc[CO * CR];          /* converted back */
    double x_cols[CI * CB], h_cols[CO * CB];                /* the course */
    double xa[CB * CR], xab[CB * CO], xw[CB * CO], w_eff[CI * CO];
    const double zero_w0[CO * CI] = {0};

    rng_seed(&rng, seed);
    rng_fill_uniform(&rng, x, CB * CI, -1, 1);
    rng_fill_uniform(&rng, w0, CO * CI, -1, 1);
    rng_fill_uniform(&rng, a, CR * CI, -1, 1);
    rng_fill_uniform(&rng, b, CO * CR, -1, 1);

    printf("lab02-demo conventions: one random adapter in the course's four layouts\n");
    printf("seed %" PRIu64 " (set LORALAB_SEED=N to change it); batch = %d, d_in = %d, d_out = %d,"
           " r = %d, alpha = %g (alpha / r = %g); entries uniform in [-1, 1)\n\n",
           seed, CB, CI, CO, CR, alpha, scale);

    /* The kit (PEFT, the "LoRA forward pass" exercise): W0 (d_out, d_in), A (r, d_in), B (d_out, r). */
    CALL(lora_forward(x, CB, w0, a, b, CI, CO, CR, alpha, y_kit));
    line("kit Y = lora_forward(X, W0, A, B)", y_kit, CB, CO, "");
    printf("\n  %-50s %s\n", "layout and call", "max |Y - Y_kit|");

    /* the "Low-rank adaptation forward" exercise: w = W0^T (d_in, d_out), down "B" = A^T (d_in, r), up "A" = B^T (r, d_out). */
    mat_transpose(w0, w, CO, CI);
    mat_transpose(a, b_down, CR, CI);
    mat_transpose(b, a_up, CO, CR);
    CALL(lora_forward_in_out(x, CB, w, b_down, a_up, CI, CO, CR, alpha, y));
    printf("  %-50s %.3g\n", "in-out layout: lora_forward_in_out(X, W0^T, A^T, B^T)", mat_max_abs_diff(y, y_kit, CB * CO));
    CALL(lora_from_in_out(w, b_down, a_up, CI, CO, CR, w0c, ac, bc));
    printf("  %-50s %.3g\n", "in-out -> kit: lora_from_in_out gives back W0, A, B",
           fmax(mat_max_abs_diff(w0c, w0, CO * CI),
                fmax(mat_max_abs_diff(ac, a, CR * CI), mat_max_abs_diff(bc, b, CO * CR))));

    /* the course and the paper: W0 (d, k), B (d, r), A (r, k) are the kit's matrices; inputs
     * and outputs are columns: X_cols = X^T, H = Y^T. */
    mat_transpose(x, x_cols, CB, CI);
    CALL(lora_forward_columns(w0, b, a, x_cols, CO, CI, CR, CB, alpha, h_cols));
    mat_transpose(h_cols, y, CO, CB);
    printf("  %-50s %.3g\n", "columns: lora_forward_columns(W0, B, A, X^T), then ^T", mat_max_abs_diff(y, y_kit, CB * CO));

    /* the "LoRA layer" exercise: A1 (d_in, r) = A^T, B1 (r, d_out) = B^T, out = X w + (alpha/r) (X A1) B1;
     * with these names b_down is A1 and a_up is B1. */
    mat_matmul(x, w, xw, CB, CI, CO);
    mat_matmul(x, b_down, xa, CB, CI, CR);
    mat_matmul(xa, a_up, xab, CB, CR, CO);
    for (size_t i = 0; i < CB * CO; i++)
        y[i] = xw[i] + scale * xab[i];
    printf("  %-50s %.3g\n", "LoRA layer: X w + (alpha/r) (X A1) B1, A1 = A^T, B1 = B^T", mat_max_abs_diff(y, y_kit, CB * CO));

    /* the "Train a LoRA adapter" exercise: no alpha / r: out = X (w_base + a b), the kit's layer with alpha = r. */
    mat_matmul(b_down, a_up, w_eff, CI, CR, CO);
    for (size_t i = 0; i < CI * CO; i++)
        w_eff[i] += w[i];
    mat_matmul(x, w_eff, y, CB, CI, CO);
    {
        double y_r[CB * CO];
        CALL(lora_forward(x, CB, w0, a, b, CI, CO, CR, (double)CR, y_r));
        printf("  %-50s %.3g\n", "training: X (w_base + a b) vs the kit with alpha = r", mat_max_abs_diff(y, y_r, CB * CO));
    }

    /* Mistakes that compile and run: the shapes hold the same number of
     * doubles, so nothing stops them but the numbers. */
    printf("\n  %-50s %s\n", "mistakes that still run", "max |Y - Y_kit|");
    CALL(lora_forward(x, CB, w, b_down, a_up, CI, CO, CR, alpha, y));
    printf("  %-50s %.3g\n", "in-out matrices passed to lora_forward untransposed", mat_max_abs_diff(y, y_kit, CB * CO));
    CALL(lora_forward(x, CB, w0, a, b, CI, CO, CR, alpha * CR, y));
    printf("  %-50s %.3g\n", "scale alpha instead of alpha / r", mat_max_abs_diff(y, y_kit, CB * CO));
    CALL(lora_forward(x, CB, zero_w0, a, b, CI, CO, CR, alpha, y));
    printf("  %-50s %.3g\n", "base term x W0^T left out", mat_max_abs_diff(y, y_kit, CB * CO));
    return 0;
}

/* ------------------------------------------------------------ main */

static const demo_command_t COMMANDS[] = {
    {.name = "examples", .help = "the course's worked examples through the kit's functions", .run = cmd_examples},
    {.name = "opcounts", .help = "multiplications per input row vs rank r (data table for gnuplot)", .run = cmd_opcounts},
    {.name = "conventions", .help = "one random adapter in four layouts: max differences", .run = cmd_conventions},
    {.name = NULL},
};

DEMO_MAIN(.prog = PROG, .commands = COMMANDS, .seeded = DEMO_SEEDED)
