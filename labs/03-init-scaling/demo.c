/*
 * demo.c - lab03-demo: Lab 03's course exercise, the questions about
 * initialization answered by running the lab's functions, and the data of
 * the lab's two figures.
 *
 *   lab03-demo examples      the course's exercise (d = k = 6, r = 3,
 *                            alpha = 6, then r = 1), what the init gives, and
 *                            which gradients flow from B = 0, from A = 0
 *                            (B random) and from A = B = 0; exits 1 if any
 *                            check disagrees
 *   lab03-demo update-size   the size of the first update ||Delta W x||
 *                            against r for alpha/r, alpha/sqrt(r) and no
 *                            scaling (alpha fixed), as a table for gnuplot,
 *                            and the fitted exponent of each against r
 *   lab03-demo loss-curves   loss against step of a small regression trained
 *                            at several ranks with each scaling, for gnuplot
 *   lab03-demo peft-gaussian the spread of A under PEFT's gaussian init
 *                            (lab03.6, std 1/r) and its Kaiming default
 *
 * Random numbers come from the kit's RNG; the seed is printed on stderr
 * (LORALAB_SEED=N changes it).  It links the lab's lora_linear.c (yours or
 * the reference) and labs/common, so what it prints is what your code
 * computes.  A function you have not written yet stops it with
 * "not implemented: <function> (lab03.N)".  Students do not need to edit it.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo_main.h"
#include "lab.h"
#include "lora_linear.h"
#include "matrix.h"
#include "rng.h"

#define PROG "lab03-demo"

static double max_abs(const double *v, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++)
        m = fmax(m, fabs(v[i]));
    return m;
}

static double norm2(const double *v, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += v[i] * v[i];
    return sqrt(s);
}

/* One random layer with its data: W0, bias, x, targets. */
typedef struct {
    size_t batch, d_in, d_out, r;
    double *x, *t, *w0, *bias, *a, *b;
} layer_t;

static void layer_new(layer_t *L, rng_t *g, size_t batch, size_t d_in, size_t d_out, size_t r)
{
    *L = (layer_t){batch, d_in, d_out, r, mat_alloc(batch, d_in), mat_alloc(batch, d_out),
                   mat_alloc(d_out, d_in), mat_alloc(1, d_out), mat_alloc(r, d_in),
                   mat_alloc(d_out, r)};
    rng_fill_normal(g, L->x, batch * d_in, 1.0);
    rng_fill_normal(g, L->t, batch * d_out, 1.0);
    rng_fill_uniform(g, L->w0, d_out * d_in, -1.0 / sqrt((double)d_in), 1.0 / sqrt((double)d_in));
    rng_fill_uniform(g, L->bias, d_out, -0.1, 0.1);
}

static void layer_free(layer_t *L)
{
    free(L->x), free(L->t), free(L->w0), free(L->bias), free(L->a), free(L->b);
}

/*
 * ||Delta W x|| after one SGD step from the init (B = 0), averaged over the
 * rows of L->x: Delta W = scale * B1 A, where B1 is B after the step (A does
 * not move at step 0, because its gradient goes through B = 0).
 */
static double first_update(layer_t *L, double scale, double lr, long long seed)
{
    const size_t di = L->d_in, dn = L->d_out, r = L->r, n = L->batch;
    double loss, *an = mat_alloc(r, di), *bn = mat_alloc(dn, r), *zero_w0 = mat_alloc(dn, di),
                 *zero_bias = mat_alloc(1, dn), *dy = mat_alloc(n, dn);
    CALL(lora_init(L->a, L->b, di, dn, r, LORA_INIT_KAIMING_UNIFORM, 0.0, seed));
    CALL(lora_sgd_step(L->x, L->t, n, L->w0, L->bias, L->a, L->b, di, dn, r, scale, lr, &loss, an,
                       bn));
    memset(zero_w0, 0, dn * di * sizeof(double));
    memset(zero_bias, 0, dn * sizeof(double));
    /* The adapter's output alone: the forward pass with a zero base. */
    CALL(lora_linear_forward(L->x, n, zero_w0, zero_bias, an, bn, di, dn, r, scale, dy));
    double s = 0;
    for (size_t t = 0; t < n; t++)
        s += norm2(dy + t * dn, dn);
    free(an), free(bn), free(zero_w0), free(zero_bias), free(dy);
    return s / (double)n;
}

/* ------------------------------------------------------------ examples */

static void exercise(void)
{
    double s3, s1, rs3, rs1;
    printf("== the course, \"Apply\": d = k = 6, r = 3, alpha = 6, then r = 1 ==\n");
    CALL(lora_scaling(6, 3, LORA_SCALING_STANDARD, &s3));
    CALL(lora_scaling(6, 1, LORA_SCALING_STANDARD, &s1));
    CALL(lora_scaling(6, 3, LORA_SCALING_RSLORA, &rs3));
    CALL(lora_scaling(6, 1, LORA_SCALING_RSLORA, &rs1));
    printf("  %-44s r = 3: %-10.6g r = 1: %.6g\n", "alpha / r (lora_scaling, standard)", s3, s1);
    printf("  %-44s r = 3: %-10.6g r = 1: %.6g\n", "alpha / sqrt(r) (lora_scaling, rsLoRA)", rs3, rs1);
    demo_check("alpha = 6, r = 3: alpha / r = 2", s3 == 2.0);
    demo_check("alpha = 6, r = 1: alpha / r = 6 (three times larger)", s1 == 6.0);
    demo_check("rsLoRA: 6 / sqrt(3) = 3.4641 at r = 3, 6 at r = 1",
               fabs(rs3 - 3.4641016151377544) < 1e-12 && rs1 == 6.0);

    /* The learning-rate question, measured on a 6 x 6 layer: the first
     * update's size at r = 3 and r = 1 with the same lr, averaged over seeds. */
    rng_t g;
    rng_seed(&g, 3);
    const double lr = 1e-3;
    double u[2][3] = {{0}}; /* [r = 3, r = 1][alpha/r, alpha/sqrt(r), none] */
    const int trials = 200;
    for (int k = 0; k < trials; k++) {
        layer_t L3, L1;
        layer_new(&L3, &g, 8, 6, 6, 3);
        layer_new(&L1, &g, 8, 6, 6, 1);
        memcpy(L1.x, L3.x, 8 * 6 * sizeof(double)), memcpy(L1.t, L3.t, 8 * 6 * sizeof(double));
        memcpy(L1.w0, L3.w0, 36 * sizeof(double)), memcpy(L1.bias, L3.bias, 6 * sizeof(double));
        long long seed = 1000 + k;
        u[0][0] += first_update(&L3, s3, lr, seed), u[1][0] += first_update(&L1, s1, lr, seed);
        u[0][1] += first_update(&L3, rs3, lr, seed), u[1][1] += first_update(&L1, rs1, lr, seed);
        u[0][2] += first_update(&L3, 1.0, lr, seed), u[1][2] += first_update(&L1, 1.0, lr, seed);
        layer_free(&L3), layer_free(&L1);
    }
    printf("  first update ||Delta W x||, same lr = %g, mean of %d random layers (seed 3):\n", lr, trials);
    static const char *names[3] = {"alpha / r", "alpha / sqrt(r)", "no scaling (s = 1)"};
    for (int m = 0; m < 3; m++)
        printf("    %-20s r = 3: %-10.4g r = 1: %-10.4g ratio r=1 / r=3: %.3f\n", names[m],
               u[0][m] / trials, u[1][m] / trials, u[1][m] / u[0][m]);
    demo_check("alpha / r: r = 1's first update is larger than r = 3's", u[1][0] > u[0][0]);
    demo_check("no scaling: r = 1's first update is smaller than r = 3's", u[1][2] < u[0][2]);
    printf("\n");
}

static void init_facts(void)
{
    enum { DI = 6, DO = 6, R = 3, N = 4 };
    double a[R * DI], b[DO * R], a2[R * DI], b2[DO * R], y[N * DO], y_base[N * DO];
    const long long seed = 2026;
    printf("== the exercise \"LoRA layer\": its init, on the course's 6 x 6 exercise layer (lesson 3), r = 3, seed %lld ==\n",
           seed);
    CALL(lora_init(a, b, DI, DO, R, LORA_INIT_KAIMING_UNIFORM, 0.0, seed));
    CALL(lora_init(a2, b2, DI, DO, R, LORA_INIT_KAIMING_UNIFORM, 0.0, seed));
    printf("  %-44s %.6f\n", "bound 1/sqrt(d_in) = 1/sqrt(6)", 1.0 / sqrt(6.0));
    printf("  %-44s %.6f\n", "max |A| (lora_init, Kaiming uniform)", max_abs(a, R * DI));
    printf("  %-44s [%.4f, %.4f, %.4f, ...]\n", "A[0][0..2]", a[0], a[1], a[2]);
    printf("  %-44s %g\n", "max |B|", max_abs(b, DO * R));
    demo_check("max |A| <= 1/sqrt(6) = 0.408248", max_abs(a, R * DI) <= 1.0 / sqrt(6.0));
    demo_check("B is exactly zero", max_abs(b, DO * R) == 0.0);
    demo_check("the same seed gives the same A, bit for bit", memcmp(a, a2, sizeof a) == 0);

    /* Output at init equals the base layer: multiples of 1/8 make x W0^T + bias exact. */
    rng_t g;
    rng_seed(&g, 5);
    double x[N * DI], w0[DO * DI], bias[DO], zero_a[R * DI] = {0};
    for (size_t i = 0; i < N * DI; i++)
        x[i] = (double)((int)rng_below(&g, 17) - 8) / 8.0;
    for (size_t i = 0; i < DO * DI; i++)
        w0[i] = (double)((int)rng_below(&g, 17) - 8) / 8.0;
    for (size_t i = 0; i < DO; i++)
        bias[i] = (double)((int)rng_below(&g, 17) - 8) / 8.0;
    double scale;
    CALL(lora_scaling(6, R, LORA_SCALING_STANDARD, &scale));
    CALL(lora_linear_forward(x, N, w0, bias, a, b, DI, DO, R, scale, y));
    CALL(lora_linear_forward(x, N, w0, bias, zero_a, b, DI, DO, R, scale, y_base));
    printf("  %-44s %g\n", "max |y(init) - y(base)| over a batch of 4", mat_max_abs_diff(y, y_base, N * DO));
    demo_check("output at init equals the base layer bit for bit", memcmp(y, y_base, sizeof y) == 0 ||
                                                                       mat_max_abs_diff(y, y_base, N * DO) == 0);
    printf("\n");
}

static void gradient_facts(void)
{
    enum { N = 8, DI = 6, DO = 6, R = 3 };
    rng_t g;
    rng_seed(&g, 7);
    layer_t L;
    layer_new(&L, &g, N, DI, DO, R);
    double loss, ga[R * DI], gb[DO * R], an[R * DI], bn[DO * R];
    const double scale = 2.0, lr = 0.05;

    printf("== the course, \"Recall\": which gradients flow at the start (6 x 6, r = 3, scale 2, seed 7) ==\n");
    CALL(lora_init(L.a, L.b, DI, DO, R, LORA_INIT_KAIMING_UNIFORM, 0.0, 11));
    CALL(lora_grad(L.x, L.t, N, L.w0, L.bias, L.a, L.b, DI, DO, R, scale, &loss, ga, gb));
    printf("  B = 0, A from the init, step 0:   max |dL/dA| = %-10g max |dL/dB| = %.6g\n",
           max_abs(ga, R * DI), max_abs(gb, DO * R));
    demo_check("with B = 0 only B gets a gradient at step 0",
               max_abs(ga, R * DI) == 0.0 && max_abs(gb, DO * R) > 0.0);
    CALL(lora_sgd_step(L.x, L.t, N, L.w0, L.bias, L.a, L.b, DI, DO, R, scale, lr, &loss, an, bn));
    CALL(lora_grad(L.x, L.t, N, L.w0, L.bias, an, bn, DI, DO, R, scale, &loss, ga, gb));
    printf("  after one step (lr = %g), step 1:  max |dL/dA| = %-10.6g max |dL/dB| = %.6g\n", lr,
           max_abs(ga, R * DI), max_abs(gb, DO * R));
    demo_check("after one step B != 0, so A gets a gradient too", max_abs(ga, R * DI) > 0.0);

    /* The other choice: A = 0, B random.  The output at init is the base too,
     * but now dL/dB = s G^T (X A^T) = 0 and dL/dA = s (G B)^T X is not: A
     * moves first, then both. */
    double b_rand[DO * R], a_zero[R * DI] = {0};
    rng_fill_uniform(&g, b_rand, DO * R, -1.0 / sqrt((double)R), 1.0 / sqrt((double)R));
    CALL(lora_grad(L.x, L.t, N, L.w0, L.bias, a_zero, b_rand, DI, DO, R, scale, &loss, ga, gb));
    printf("  A = 0, B random, step 0:          max |dL/dA| = %-10.6g max |dL/dB| = %g\n",
           max_abs(ga, R * DI), max_abs(gb, DO * R));
    demo_check("with A = 0 only A gets a gradient at step 0",
               max_abs(gb, DO * R) == 0.0 && max_abs(ga, R * DI) > 0.0);
    CALL(lora_sgd_step(L.x, L.t, N, L.w0, L.bias, a_zero, b_rand, DI, DO, R, scale, lr, &loss, an, bn));
    double b_moved = mat_max_abs_diff(bn, b_rand, DO * R);
    CALL(lora_grad(L.x, L.t, N, L.w0, L.bias, an, bn, DI, DO, R, scale, &loss, ga, gb));
    printf("  after one step (lr = %g), step 1:  max |dL/dA| = %-10.6g max |dL/dB| = %.6g"
           " (B moved by %g in step 0)\n", lr, max_abs(ga, R * DI), max_abs(gb, DO * R), b_moved);
    demo_check("after one step A != 0, so B gets a gradient too", max_abs(gb, DO * R) > 0.0 && b_moved == 0.0);
    /* Both inits train: the loss after 100 steps from each. */
    double loss_init[2][2];
    for (int which = 0; which < 2; which++) {
        double aa[R * DI], bb[DO * R];
        if (which == 0)
            CALL(lora_init(aa, bb, DI, DO, R, LORA_INIT_KAIMING_UNIFORM, 0.0, 11));
        else
            memset(aa, 0, sizeof aa), memcpy(bb, b_rand, sizeof bb);
        for (int st = 0; st < 100; st++) {
            CALL(lora_sgd_step(L.x, L.t, N, L.w0, L.bias, aa, bb, DI, DO, R, scale, lr, &loss, an, bn));
            if (st == 0)
                loss_init[which][0] = loss;
            memcpy(aa, an, sizeof an), memcpy(bb, bn, sizeof bn);
        }
        loss_init[which][1] = loss;
    }
    printf("  100 steps, loss:  B = 0, A random %.6g -> %.6g;  A = 0, B random %.6g -> %.6g\n",
           loss_init[0][0], loss_init[0][1], loss_init[1][0], loss_init[1][1]);
    demo_check("both inits start at the base layer's loss and train",
               loss_init[0][0] == loss_init[1][0] && loss_init[0][1] < loss_init[0][0] &&
                   loss_init[1][1] < loss_init[1][0]);

    /* Both zero: nothing ever moves. */
    memset(L.a, 0, sizeof(double) * R * DI);
    memset(L.b, 0, sizeof(double) * DO * R);
    double first_loss = 0, l = 0, moved = 0;
    for (int s = 0; s < 100; s++) {
        CALL(lora_sgd_step(L.x, L.t, N, L.w0, L.bias, L.a, L.b, DI, DO, R, scale, lr, &l, an, bn));
        if (s == 0)
            first_loss = l;
        moved = fmax(moved, fmax(max_abs(an, R * DI), max_abs(bn, DO * R)));
        memcpy(L.a, an, sizeof an), memcpy(L.b, bn, sizeof bn);
    }
    printf("  A = B = 0, 100 steps:             max |A|, |B| ever = %g, loss %.6g -> %.6g\n",
           moved, first_loss, l);
    demo_check("with A = B = 0 no gradient ever flows (100 steps)", moved == 0.0 && l == first_loss);
    layer_free(&L);
    printf("\n");
}

static int cmd_examples(void)
{
    printf("lab03-demo examples: the course's exercise and questions through the kit's functions\n\n");
    exercise();
    init_facts();
    gradient_facts();
    if (demo_checks.bad == 0)
        printf("all %d checks agree with the course\n", demo_checks.total);
    else
        printf("%d of %d checks DIFFER\n", demo_checks.bad, demo_checks.total);
    return demo_checks.bad == 0 ? 0 : 1;
}

/* ------------------------------------------------------------ update-size */

/* A least-squares line y = c + e x through the points added (sums only). */
typedef struct {
    double n, sx, sy, sxx, sxy;
} fit_t;
static void fit_add(fit_t *f, double x, double y)
{
    f->n += 1, f->sx += x, f->sy += y, f->sxx += x * x, f->sxy += x * y;
}
static double fit_slope(const fit_t *f)
{
    return (f->n * f->sxy - f->sx * f->sy) / (f->n * f->sxx - f->sx * f->sx);
}

static int cmd_update_size(void)
{
    const uint64_t seed = demo_seed();
    enum { D = 128, N = 32, TRIALS = 8 };
    const double alpha = 16, lr = 1e-3;
    rng_t g;
    rng_seed(&g, seed);
    printf("# lab03-demo update-size: mean ||Delta W x|| after one SGD step from the init\n");
    printf("# (A Kaiming uniform, B = 0), layer %d x %d, batch %d, alpha = %g, lr = %g,\n", D, D, N,
           alpha, lr);
    printf("# %d random layers per r, seed %llu\n", TRIALS, (unsigned long long)seed);
    printf("# %5s %14s %14s %14s\n", "r", "alpha/r", "alpha/sqrt(r)", "none(s=1)");
    fit_t fits[3] = {{0}};
    for (size_t r = 1; r <= D; r *= 2) {
        double u[3] = {0};
        for (int k = 0; k < TRIALS; k++) {
            layer_t L;
            layer_new(&L, &g, N, D, D, r);
            long long s = (long long)rng_next_u64(&g);
            double sc[3];
            CALL(lora_scaling(alpha, r, LORA_SCALING_STANDARD, &sc[0]));
            CALL(lora_scaling(alpha, r, LORA_SCALING_RSLORA, &sc[1]));
            sc[2] = 1.0;
            for (int m = 0; m < 3; m++)
                u[m] += first_update(&L, sc[m], lr, s);
            layer_free(&L);
        }
        printf("  %5zu %14.6g %14.6g %14.6g\n", r, u[0] / TRIALS, u[1] / TRIALS, u[2] / TRIALS);
        for (int m = 0; m < 3; m++)
            fit_add(&fits[m], log((double)r), log(u[m] / TRIALS));
    }
    printf("# least-squares fit of log(update) = c + e log(r) over these r: exponent e\n"
           "#   alpha/r %.3f   alpha/sqrt(r) %.3f   none(s=1) %.3f\n",
           fit_slope(&fits[0]), fit_slope(&fits[1]), fit_slope(&fits[2]));
    return 0;
}

/* ------------------------------------------------------------ loss-curves */

static int cmd_loss_curves(void)
{
    const uint64_t seed = demo_seed();
    enum { DI = 32, DO = 16, N = 64, TRUE_R = 4, STEPS = 300 };
    static const size_t ranks[] = {1, 4, 16};
    const double alpha = 8, lr = 0.005;
    rng_t g;
    rng_seed(&g, seed);

    /* The task: targets from W0 + a rank-4 change, so the adapter can reach them. */
    layer_t L;
    layer_new(&L, &g, N, DI, DO, TRUE_R);
    rng_fill_normal(&g, L.a, TRUE_R * DI, 0.3);
    rng_fill_normal(&g, L.b, DO * TRUE_R, 0.3);
    CALL(lora_linear_forward(L.x, N, L.w0, L.bias, L.a, L.b, DI, DO, TRUE_R, 1.0, L.t));
    const long long init_seed = (long long)rng_next_u64(&g);

    printf("# lab03-demo loss-curves: SGD on A and B only, layer %d -> %d, batch %d, target from a\n",
           DI, DO, N);
    printf("# rank-%d change of W0; alpha = %g, lr = %g, seed %llu\n", TRUE_R, alpha, lr,
           (unsigned long long)seed);
    printf("# one block per scaling (gnuplot index 0: alpha/r, 1: alpha/sqrt(r), 2: none, s = 1)\n");
    static const char *names[3] = {"alpha/r", "alpha/sqrt(r)", "none"};
    double *curves = malloc(sizeof(double) * 3 * 3 * (STEPS + 1));
    for (int m = 0; m < 3; m++)
        for (size_t ri = 0; ri < 3; ri++) {
            const size_t r = ranks[ri];
            double scale = 1.0, loss;
            if (m < 2)
                CALL(lora_scaling(alpha, r, m == 0 ? LORA_SCALING_STANDARD : LORA_SCALING_RSLORA, &scale));
            double *a = mat_alloc(r, DI), *b = mat_alloc(DO, r), *an = mat_alloc(r, DI),
                   *bn = mat_alloc(DO, r);
            CALL(lora_init(a, b, DI, DO, r, LORA_INIT_KAIMING_UNIFORM, 0.0, init_seed));
            for (int s = 0; s <= STEPS; s++) {
                CALL(lora_sgd_step(L.x, L.t, N, L.w0, L.bias, a, b, DI, DO, r, scale, lr, &loss, an, bn));
                curves[(m * 3 + ri) * (STEPS + 1) + s] = loss;
                memcpy(a, an, sizeof(double) * r * DI), memcpy(b, bn, sizeof(double) * DO * r);
            }
            free(a), free(b), free(an), free(bn);
        }
    for (int m = 0; m < 3; m++) {
        if (m)
            printf("\n\n");
        printf("# scaling %s\n# %5s %14s %14s %14s\n", names[m], "step", "r=1", "r=4", "r=16");
        for (int s = 0; s <= STEPS; s++)
            printf("  %5d %14.6g %14.6g %14.6g\n", s, curves[(m * 3 + 0) * (STEPS + 1) + s],
                   curves[(m * 3 + 1) * (STEPS + 1) + s], curves[(m * 3 + 2) * (STEPS + 1) + s]);
    }
    free(curves);
    layer_free(&L);
    return 0;
}

/* ------------------------------------------------------------ peft-gaussian */

/* Sample standard deviation of v (n >= 2). */
static double sample_std(const double *v, size_t n)
{
    double m = 0, s2 = 0;
    for (size_t i = 0; i < n; i++)
        m += v[i];
    m /= (double)n;
    for (size_t i = 0; i < n; i++)
        s2 += (v[i] - m) * (v[i] - m);
    return sqrt(s2 / (double)(n - 1));
}

/*
 * PEFT's init_lora_weights="gaussian" (lab03.6) next to its default: the
 * spread of A each gives, on the course's 6 x 6 layer and on model-sized
 * ones.  Kaiming-uniform with a = sqrt(5) has standard deviation
 * 1/sqrt(3 d_in); the gaussian option 1/r, whatever d_in.
 */
static int cmd_peft_gaussian(void)
{
    static const size_t shapes[][2] = {{6, 3}, {768, 8}, {4096, 8}, {4096, 64}};
    const long long seed = 2026;
    int b_zero = 1;
    printf("lab03-demo peft-gaussian: the spread of A under PEFT's two built-in inits (seed %lld)\n\n",
           seed);
    printf("  %6s %4s  %-26s  %-26s  %s\n", "d_in", "r", "Kaiming (lora_init)", "gaussian (lab03.6)",
           "gaussian / Kaiming");
    printf("  %6s %4s  %-12s %-13s  %-12s %-13s\n", "", "", "1/sqrt(3d_in)", "measured", "1/r",
           "measured");
    for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
        const size_t d_in = shapes[k][0], r = shapes[k][1], d_out = 6;
        double *a = mat_alloc(r, d_in), *b = mat_alloc(d_out, r);
        CALL(lora_init(a, b, d_in, d_out, r, LORA_INIT_KAIMING_UNIFORM, 0.0, seed));
        const double kaiming = sample_std(a, r * d_in);
        CALL(lora_init_peft_gaussian(a, b, d_in, d_out, r, seed));
        const double gauss = sample_std(a, r * d_in);
        printf("  %6zu %4zu  %-12.4g %-13.4g  %-12.4g %-13.4g  %.3g\n", d_in, r,
               1.0 / sqrt(3.0 * (double)d_in), kaiming, 1.0 / (double)r, gauss, gauss / kaiming);
        b_zero = b_zero && max_abs(b, d_out * r) == 0.0;
        free(a), free(b);
    }
    printf("\n");
    demo_check("B is exactly zero after every gaussian init", b_zero);
    if (demo_checks.bad == 0)
        printf("all %d checks agree\n", demo_checks.total);
    else
        printf("%d of %d checks DIFFER\n", demo_checks.bad, demo_checks.total);
    return demo_checks.bad == 0 ? 0 : 1;
}

/* ------------------------------------------------------------ main */

static const demo_command_t COMMANDS[] = {
    {.name = "examples", .help = "the course's exercise and the init/gradient facts, checked", .run = cmd_examples},
    {.name = "update-size", .help = "||Delta W x|| after one step against r, three scalings (data)", .run = cmd_update_size},
    {.name = "loss-curves", .help = "loss against step at r = 1, 4, 16, three scalings (data)", .run = cmd_loss_curves},
    {.name = "peft-gaussian", .help = "the spread of A: PEFT's gaussian init (std 1/r) and Kaiming", .run = cmd_peft_gaussian},
    {.name = NULL},
};

DEMO_MAIN(.prog = PROG, .commands = COMMANDS, .seeded = DEMO_SEEDED, .check_width = 62)
