/*
 * demo.c - lab06-demo: Lab 06's worked numbers, the two losses of the exercise, the
 * gradient checker at work, and the data of the lab's loss-curve figure.
 *
 *   lab06-demo examples     the worked example by hand, the exercise's two losses,
 *                           the checker on right and wrong gradients, Adam's
 *                           first step, a target reachable at rank r; exits 1
 *                           if any stated number disagrees
 *   lab06-demo curves       loss (MSE) against step for SGD and Adam at
 *                           r = 1, 2, 4, 8 and full fine-tuning, for gnuplot
 *   lab06-demo rank-table   the final losses of `curves` as a table, with the
 *                           floor (full fine-tuning) and the rank the task needs
 *   lab06-demo drift        how far a 1e-13 change of a0 moves 200-step SGD and
 *                           100-step Adam trajectories (why the grader's long
 *                           trajectories use 1e-8)
 *   lab06-demo dump         one random problem and its 10-step SGD and Adam
 *                           results as a kit data file (the numpy cross-check)
 *
 * It links the lab's train_adapter.c (yours, or the reference when the kit
 * has it) and labs/common, so what it prints is what that code computes.
 * The seed of the random problems is printed on stderr (LORALAB_SEED=N
 * changes it; the README's numbers use the default).  Students do not need
 * to edit it.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo_main.h"
#include "lab.h"
#include "matrix.h"
#include "rng.h"
#include "train_adapter.h"

#define PROG "lab06-demo"


/* ------------------------------------------------------------ problems */

typedef struct {
    size_t n, d_in, d_out, r;
    double *x, *y, *w, *a, *b;
} prob_t;

static train_problem_t tp(const prob_t *P)
{
    return (train_problem_t){{P->x, P->n, P->d_in}, {P->y, P->n, P->d_out}, {P->w, P->d_in, P->d_out}};
}
static train_mat_t am(const prob_t *P) { return (train_mat_t){P->a, P->d_in, P->r}; }
static train_mat_t bm(const prob_t *P) { return (train_mat_t){P->b, P->r, P->d_out}; }

static void prob_new(prob_t *P, size_t n, size_t d_in, size_t d_out, size_t r)
{
    *P = (prob_t){n, d_in, d_out, r, mat_alloc(n, d_in), mat_alloc(n, d_out), mat_alloc(d_in, d_out),
                  mat_alloc(d_in, r), mat_alloc(r, d_out)};
}

static void prob_free(prob_t *P) { free(P->x), free(P->y), free(P->w), free(P->a), free(P->b); }

static void prob_random(prob_t *P, rng_t *g, size_t n, size_t d_in, size_t d_out, size_t r)
{
    prob_new(P, n, d_in, d_out, r);
    rng_fill_uniform(g, P->x, n * d_in, -1, 1);
    rng_fill_uniform(g, P->y, n * d_out, -1, 1);
    rng_fill_uniform(g, P->w, d_in * d_out, -0.5, 0.5);
    rng_fill_uniform(g, P->a, d_in * r, -0.5, 0.5);
    rng_fill_uniform(g, P->b, r * d_out, -0.5, 0.5);
}

/* ------------------------------------------------------------ examples */

static void worked_example(void)
{
    static const double x[] = {1, 2}, y[] = {3, 0}, w[] = {1, 0, 0, 1}, a[] = {1, 0}, b[] = {1, 1};
    const train_problem_t p = {{x, 1, 2}, {y, 1, 2}, {w, 2, 2}};
    const train_mat_t A = {a, 2, 1}, B = {b, 1, 2};
    double y_hat[2], loss, ga[2], gb[2], err, acc, out[4], losses[2];

    printf("== the worked example: x = [[1, 2]], y = [[3, 0]], w_base = I2, a = [[1], [0]], "
           "b = [[1, 1]] ==\n");
    CALL(train_forward(&p, A, B, y_hat, &loss));
    demo_print_vec("y_hat = x (w_base + a b)", 34, y_hat, 2);
    printf("  %-34s %.10g\n", "loss = MSE (train_forward)", loss);
    demo_check("y_hat = [[2, 3]], loss = ((2-3)^2 + (3-0)^2) / 2 = 5",
               demo_all_near(y_hat, (double[]){2, 3}, 2, 1e-12) && demo_near(loss, 5, 1e-12));
    CALL(train_gradients(&p, A, B, ga, gb));
    demo_print_vec("grad_a = G b^T (train_gradients)", 34, ga, 2);
    demo_print_vec("grad_b = a^T G", 34, gb, 2);
    demo_check("G = [[-2, 6], [-4, 12]]: grad_a = [[4], [8]], grad_b = [[-2, 6]]",
               demo_all_near(ga, (double[]){4, 8}, 2, 1e-12) && demo_all_near(gb, (double[]){-2, 6}, 2, 1e-12));
    CALL(train_grad_check(&p, A, B, ga, gb, TRAIN_GRADCHECK_EPS, &err, &acc));
    printf("  %-34s max_rel_err %.3g, accepted %g\n", "checker, this gradient", err, acc);
    demo_check("the checker accepts it (error below 1e-8)", err <= 1e-8 && acc == 1.0);
    CALL(train_grad_check(&p, A, B, ga, (double[]){-1, 3}, TRAIN_GRADCHECK_EPS, &err, &acc));
    printf("  %-34s max_rel_err %.10g, accepted %g\n", "checker, grad_b halved", err, acc);
    demo_check("half of grad_b scores 3 / 6 = 0.5 and is rejected", demo_near(err, 0.5, 1e-8) && acc == 0.0);
    CALL(train_sgd(&p, A, B, 0.05, 1, out, 4, losses, 2));
    demo_print_vec("SGD, lr = 0.05, 1 step: out", 34, out, 4);
    demo_print_vec("  losses", 34, losses, 2);
    demo_check("one SGD step: out = [0.8, -0.4, 1.1, 0.7], losses = [5, 4]",
               demo_all_near(out, (double[]){0.8, -0.4, 1.1, 0.7}, 4, 1e-12) &&
                   demo_all_near(losses, (double[]){5, 4}, 2, 1e-12));
    CALL(train_sgd(&p, A, B, 0.1, 1, out, 4, losses, 2));
    printf("  %-34s %.10g -> %.10g\n", "SGD, lr = 0.1, 1 step: loss", losses[0], losses[1]);
    demo_check("lr = 0.1 overshoots here: the loss goes from 5 up to 6.4", demo_near(losses[1], 6.4, 1e-12));
    CALL(train_adam(&p, A, B, 0.1, 1, out, 4, losses, 2));
    demo_print_vec("Adam, lr = 0.1, 1 step: out", 34, out, 4);
    demo_check("Adam's first step moves each entry by lr against g: [0.9, -0.1, 1.1, 0.9]",
               demo_all_near(out, (double[]){0.9, -0.1, 1.1, 0.9}, 4, 1e-8));
    CALL(train_sgd(&p, A, B, 0.05, 0, out, 4, losses, 1));
    demo_check("n_steps = 0 returns a0 then b0: [1, 0, 1, 1]",
               !memcmp(out, (double[]){1, 0, 1, 1}, sizeof out) && losses[0] == 5);
}

/* The numeric gradient of MSE (not J) by central differences, for the comparison. */
static void numeric_mse_gradient(prob_t *P, double *num)
{
    const train_problem_t p = tp(P);
    const size_t na = P->d_in * P->r, np = na + P->r * P->d_out;
    const double h = 1e-5;
    for (size_t q = 0; q < np; q++) {
        double *theta = q < na ? P->a + q : P->b + (q - na), keep = *theta, up, down;
        *theta = keep + h;
        CALL(train_forward(&p, am(P), bm(P), NULL, &up));
        *theta = keep - h;
        CALL(train_forward(&p, am(P), bm(P), NULL, &down));
        *theta = keep;
        num[q] = (up - down) / (2 * h);
    }
}

static void two_losses(void)
{
    rng_t g;
    rng_seed(&g, 4);
    prob_t P;
    prob_random(&P, &g, 12, 5, 3, 2);
    const train_problem_t p = tp(&P);
    const size_t na = 10, nb = 6;
    double ga[10], gb[6], num[16], err, acc;
    printf("\n== the exercise's two losses: a random problem, N = 12, d_in = 5, d_out = 3, r = 2 (seed 4) ==\n");
    CALL(train_gradients(&p, am(&P), bm(&P), ga, gb));
    numeric_mse_gradient(&P, num);
    double lo = INFINITY, hi = -INFINITY;
    for (size_t q = 0; q < na + nb; q++) {
        double ratio = (q < na ? ga[q] : gb[q - na]) / num[q];
        lo = fmin(lo, ratio), hi = fmax(hi, ratio);
    }
    printf("  the exercise's gradient / numeric gradient of the printed MSE: between %.9f and %.9f\n", lo, hi);
    demo_check("the exercise's step is d_out = 3 times the gradient of the MSE it prints",
               demo_near(lo, 3.0, 1e-6) && demo_near(hi, 3.0, 1e-6));
    CALL(train_grad_check(&p, am(&P), bm(&P), ga, gb, TRAIN_GRADCHECK_EPS, &err, &acc));
    printf("  checker (numeric gradient of J = d_out MSE): max_rel_err %.3g, accepted %g\n", err, acc);
    demo_check("against J = (1/N) sum of squares = d_out MSE it is exact: accepted", acc == 1.0);
    double ga3[10], gb3[6];
    for (size_t q = 0; q < na; q++)
        ga3[q] = ga[q] / 3.0;
    for (size_t q = 0; q < nb; q++)
        gb3[q] = gb[q] / 3.0;
    CALL(train_grad_check(&p, am(&P), bm(&P), ga3, gb3, TRAIN_GRADCHECK_EPS, &err, &acc));
    printf("  the MSE's own gradient (the exercise's / d_out) against J:   max_rel_err %.6f, accepted %g\n",
           err, acc);
    demo_check("the MSE's gradient is rejected as a gradient of J", acc == 0.0);

    /* What the checker says about the grader's wrong gradients. */
    double gt[10];
    mat_transpose(ga, gt, 5, 2);
    CALL(train_grad_check(&p, am(&P), bm(&P), gt, gb, TRAIN_GRADCHECK_EPS, &err, &acc));
    printf("  grad_a stored (r, d_in), transposed:                max_rel_err %.6f, accepted %g\n",
           err, acc);
    demo_check("a transposed grad_a is rejected", acc == 0.0);
    for (size_t q = 0; q < na; q++)
        ga3[q] = 2 * ga[q];
    for (size_t q = 0; q < nb; q++)
        gb3[q] = 2 * gb[q];
    CALL(train_grad_check(&p, am(&P), bm(&P), ga3, gb3, TRAIN_GRADCHECK_EPS, &err, &acc));
    printf("  twice the gradient:                                 max_rel_err %.6f, accepted %g\n",
           err, acc);
    demo_check("twice the gradient is rejected", acc == 0.0);
    /* Forward differences, by hand: their error is eps/2 times the curvature. */
    double worst = 0;
    {
        double j0, j1;
        const double eps = TRAIN_GRADCHECK_EPS;
        for (size_t q = 0; q < na + nb; q++) {
            double *theta = q < na ? P.a + q : P.b + (q - na), keep = *theta;
            CALL(train_forward(&p, am(&P), bm(&P), NULL, &j0));
            *theta = keep + eps;
            CALL(train_forward(&p, am(&P), bm(&P), NULL, &j1));
            *theta = keep;
            double fwd = 3.0 * (j1 - j0) / eps, ana = q < na ? ga[q] : gb[q - na];
            worst = fmax(worst, fabs(ana - fwd) / fmax(1.0, fmax(fabs(ana), fabs(fwd))));
        }
    }
    printf("  forward differences on the right gradient:          max_rel_err %.3g\n", worst);
    demo_check("forward differences miss by more than 1e-8 (central: below 1e-8)", worst > 1e-8);
    prob_free(&P);
}

static void reachable(void)
{
    rng_t g;
    rng_seed(&g, 11);
    prob_t P;
    prob_random(&P, &g, 40, 8, 6, 2);
    double as[16], bs[12], l, out[28], l0, lf;
    rng_fill_uniform(&g, as, 16, -1, 1);
    rng_fill_uniform(&g, bs, 12, -1, 1);
    train_problem_t p = tp(&P);
    CALL(train_forward(&p, (train_mat_t){as, 8, 2}, (train_mat_t){bs, 2, 6}, P.y, &l));
    memset(P.b, 0, 12 * sizeof(double));
    printf("\n== a target reachable at rank 2: y = x (w_base + a* b*), N = 40, d_in = 8, d_out = 6 "
           "(seed 11), b0 = 0 ==\n");
    double *losses = mat_alloc(2001, 1);
    CALL(train_sgd(&p, am(&P), bm(&P), 0.1, 2000, out, 28, losses, 2001));
    l0 = losses[0], lf = losses[2000];
    printf("  SGD, lr = 0.1: MSE %.6g at step 0, %.3g at 100, %.3g at 500, %.3g at 2000\n", l0,
           losses[100], losses[500], lf);
    demo_check("SGD at r = 2 drives the MSE below 1e-20 in 2000 steps", lf < 1e-20);
    CALL(train_sgd(&p, (train_mat_t){P.a, 8, 1}, (train_mat_t){P.b, 1, 6}, 0.1, 2000, out, 14,
                   losses, 2001));
    printf("  the same at r = 1:                                          %.3g at 2000\n",
           losses[2000]);
    demo_check("at r = 1 the rank-2 target stays out of reach (MSE above 1e-3)", losses[2000] > 1e-3);
    free(losses);
    prob_free(&P);
}

/* Where eps goes in Adam's denominator, for a first step (v_hat = g^2). */
static void eps_placement(void)
{
    printf("\n== Adam's eps: sqrt(v_hat) + eps (PyTorch) against sqrt(v_hat + eps), first step ==\n");
    static const double gs[] = {1, 1e-2, 1e-3, 1e-4};
    double r4 = 0;
    for (int k = 0; k < 4; k++) {
        const double g = gs[k], outside = g + TRAIN_ADAM_EPS, inside = sqrt(g * g + TRAIN_ADAM_EPS);
        printf("  |g| = %-6g  sqrt(g^2 + eps) / (|g| + eps) = %.9f\n", g, inside / outside);
        r4 = inside / outside;
    }
    demo_check("eps inside the root is invisible at |g| = 1, 41% off at |g| = 1e-4", fabs(r4 - 1.414) < 1e-3);
    const double nobc = (1 - TRAIN_ADAM_BETA1) / sqrt(1 - TRAIN_ADAM_BETA2);
    printf("  without bias correction the first step is (1 - beta1) / sqrt(1 - beta2) = %.6f lr\n",
           nobc);
    demo_check("no bias correction: the first step is 3.162 times lr", fabs(nobc - 3.162278) < 1e-6);
}

static int examples(void)
{
    printf(PROG " examples: Lab 06's worked numbers, recomputed by the lab's functions\n\n");
    worked_example();
    two_losses();
    eps_placement();
    reachable();
    printf("\nThe exercise prints no example output (only its algorithm), so there is no printed number "
           "to reproduce;\nits one error is in the text: see the README's errata.\n\n");
    if (demo_checks.bad) {
        printf("%d of %d checks DIFFER\n", demo_checks.bad, demo_checks.total);
        return 1;
    }
    printf("all %d checks agree with the lab's stated numbers\n", demo_checks.total);
    return 0;
}

/* ------------------------------------------------------------ curves */

/*
 * The figure's task: N = 160 examples, d_in = 24, d_out = 16, targets
 * y = x (w_base + Delta) + noise, Delta of rank 4 with singular values
 * 2, 1.5, 1, 0.5 (so the task needs r = 4), noise sd 0.1; x standard normal.
 */
#define CN 160
#define CDI 24
#define CDO 16
#define CTRUE_RANK 4
#define CSTEPS 600
#define C_SGD_LR 0.02
#define C_ADAM_LR 0.01
static const size_t RANKS[] = {1, 2, 4, 8};
#define NRANKS 4

typedef struct {
    double x[CN * CDI], y[CN * CDO], w[CDI * CDO];
} task_t;

/* Orthonormal columns (rows x k): Gram-Schmidt on random normals. */
static void orthonormal(rng_t *g, double *q, size_t rows, size_t k)
{
    rng_fill_normal(g, q, rows * k, 1.0);
    mat_orthonormalize(q, rows, k);
}

static void task_make(task_t *T, uint64_t seed)
{
    static const double sv[CTRUE_RANK] = {2, 1.5, 1, 0.5};
    rng_t g;
    rng_seed(&g, seed);
    double u[CDI * CTRUE_RANK], v[CDO * CTRUE_RANK], w_true[CDI * CDO];
    rng_fill_normal(&g, T->x, CN * CDI, 1.0);
    rng_fill_uniform(&g, T->w, CDI * CDO, -1.0 / sqrt(CDI), 1.0 / sqrt(CDI));
    orthonormal(&g, u, CDI, CTRUE_RANK);
    orthonormal(&g, v, CDO, CTRUE_RANK);
    for (size_t i = 0; i < CDI; i++)
        for (size_t o = 0; o < CDO; o++) {
            double d = 0;
            for (size_t k = 0; k < CTRUE_RANK; k++)
                d += u[i * CTRUE_RANK + k] * sv[k] * v[o * CTRUE_RANK + k];
            w_true[i * CDO + o] = T->w[i * CDO + o] + d;
        }
    mat_matmul(T->x, w_true, T->y, CN, CDI, CDO);
    for (size_t i = 0; i < CN * CDO; i++)
        T->y[i] += 0.1 * rng_normal(&g);
}

/* LoRA run at rank r from a0 ~ U(+-1/sqrt(d_in)) (seeded), b0 = 0; losses[CSTEPS + 1]. */
static void lora_run(const task_t *T, size_t r, int adam, uint64_t seed, double *losses)
{
    rng_t g;
    rng_seed(&g, seed + r);
    double *a = mat_alloc(CDI, r), *b = mat_alloc(r, CDO), *out = mat_alloc(CDI * r + r * CDO, 1);
    rng_fill_uniform(&g, a, CDI * r, -1.0 / sqrt(CDI), 1.0 / sqrt(CDI));
    const train_problem_t p = {{T->x, CN, CDI}, {T->y, CN, CDO}, {T->w, CDI, CDO}};
    const train_mat_t A = {a, CDI, r}, B = {b, r, CDO};
    if (adam)
        CALL(train_adam(&p, A, B, C_ADAM_LR, CSTEPS, out, CDI * r + r * CDO, losses, CSTEPS + 1));
    else
        CALL(train_sgd(&p, A, B, C_SGD_LR, CSTEPS, out, CDI * r + r * CDO, losses, CSTEPS + 1));
    free(a), free(b), free(out);
}

/*
 * Full fine-tuning of the same matrix, the floor: W (d_in, d_out) from w_base,
 * trained directly with the same data, the same objective J (G = (2/N) x^T R)
 * and the same optimizer and lr.  The demo's own code: it is not a lab task.
 */
static void full_run(const task_t *T, int adam, double *losses)
{
    double *w = mat_dup(T->w, CDI, CDO), *yh = mat_alloc(CN, CDO), *gw = mat_alloc(CDI, CDO);
    double *m = mat_alloc(CDI, CDO), *v = mat_alloc(CDI, CDO), b1t = 1, b2t = 1;
    for (int t = 0; t <= CSTEPS; t++) {
        mat_matmul(T->x, w, yh, CN, CDI, CDO);
        double sq = 0;
        for (size_t i = 0; i < CN * CDO; i++)
            yh[i] -= T->y[i], sq += yh[i] * yh[i];
        losses[t] = sq / (CN * CDO);
        if (t == CSTEPS)
            break;
        for (size_t i = 0; i < CDI; i++)
            for (size_t o = 0; o < CDO; o++) {
                double s = 0;
                for (size_t n = 0; n < CN; n++)
                    s += T->x[n * CDI + i] * yh[n * CDO + o];
                gw[i * CDO + o] = 2.0 / CN * s;
            }
        b1t *= TRAIN_ADAM_BETA1, b2t *= TRAIN_ADAM_BETA2;
        for (size_t q = 0; q < CDI * CDO; q++) {
            if (!adam) {
                w[q] -= C_SGD_LR * gw[q];
                continue;
            }
            m[q] = TRAIN_ADAM_BETA1 * m[q] + (1 - TRAIN_ADAM_BETA1) * gw[q];
            v[q] = TRAIN_ADAM_BETA2 * v[q] + (1 - TRAIN_ADAM_BETA2) * gw[q] * gw[q];
            w[q] -= C_ADAM_LR / (1 - b1t) * m[q] / (sqrt(v[q]) / sqrt(1 - b2t) + TRAIN_ADAM_EPS);
        }
    }
    free(w), free(yh), free(gw), free(m), free(v);
}

/* curves[opt][run][step]: run 0..NRANKS-1 the ranks, NRANKS full fine-tuning. */
static double (*all_curves(uint64_t seed))[NRANKS + 1][CSTEPS + 1]
{
    static task_t T;
    double(*c)[NRANKS + 1][CSTEPS + 1] = malloc(2 * sizeof *c);
    if (!c) {
        fprintf(stderr, PROG ": out of memory\n");
        exit(1);
    }
    task_make(&T, seed);
    for (int opt = 0; opt < 2; opt++) {
        for (size_t k = 0; k < NRANKS; k++)
            lora_run(&T, RANKS[k], opt, seed, c[opt][k]);
        full_run(&T, opt, c[opt][NRANKS]);
    }
    return c;
}

static int curves(void)
{
    const uint64_t seed = demo_seed();
    double(*c)[NRANKS + 1][CSTEPS + 1] = all_curves(seed);
    printf("# lab06-demo curves (seed %llu): MSE against step; N = %d, d_in = %d, d_out = %d,\n"
           "# target x (w_base + Delta) + noise, Delta of rank %d (singular values 2, 1.5, 1, 0.5), "
           "noise sd 0.1;\n# a0 ~ U(+-1/sqrt(d_in)), b0 = 0.  Block 0: SGD (lr %g), block 1: Adam "
           "(lr %g).\n", (unsigned long long)seed, CN, CDI, CDO, CTRUE_RANK, C_SGD_LR, C_ADAM_LR);
    for (int opt = 0; opt < 2; opt++) {
        printf("%s# %s\n# step r=1 r=2 r=4 r=8 full\n", opt ? "\n\n" : "", opt ? "adam" : "sgd");
        for (int t = 0; t <= CSTEPS; t++) {
            printf("%d", t);
            for (size_t k = 0; k <= NRANKS; k++)
                printf(" %.8g", c[opt][k][t]);
            printf("\n");
        }
    }
    free(c);
    return 0;
}

static int rank_table(void)
{
    const uint64_t seed = demo_seed();
    double(*c)[NRANKS + 1][CSTEPS + 1] = all_curves(seed);
    printf(PROG " rank-table (seed %llu): MSE after %d steps; the task's Delta has rank %d\n\n",
           (unsigned long long)seed, CSTEPS, CTRUE_RANK);
    printf("| run | SGD (lr %g) | Adam (lr %g) | SGD / floor | Adam / floor | SGD steps to 1.1 x final "
           "| Adam steps to 1.1 x final |\n|---|---|---|---|---|---|---|\n", C_SGD_LR, C_ADAM_LR);
    const double fs = c[0][NRANKS][CSTEPS], fa = c[1][NRANKS][CSTEPS];
    for (size_t k = 0; k <= NRANKS; k++) {
        char name[32];
        if (k < NRANKS)
            snprintf(name, sizeof name, "r = %zu (%zu params)", RANKS[k], RANKS[k] * (CDI + CDO));
        else
            snprintf(name, sizeof name, "full (%d params)", CDI * CDO);
        int reach[2] = {0, 0}; /* first step within 10% of the run's final loss */
        for (int opt = 0; opt < 2; opt++)
            while (c[opt][k][reach[opt]] > 1.1 * c[opt][k][CSTEPS])
                reach[opt]++;
        printf("| %s | %.5g | %.5g | %.3f | %.3f | %d | %d |\n", name, c[0][k][CSTEPS],
               c[1][k][CSTEPS], c[0][k][CSTEPS] / fs, c[1][k][CSTEPS] / fa, reach[0], reach[1]);
    }
    /* Within 20% of the floor: what is left is the noise that full fine-tuning
     * fits with its extra parameters, not signal. */
    size_t need = 0;
    for (size_t k = 0; k < NRANKS && !need; k++)
        if (c[0][k][CSTEPS] <= 1.2 * fs && c[1][k][CSTEPS] <= 1.2 * fa)
            need = RANKS[k];
    printf("\nsmallest rank within 20%% of the floor with both optimizers: r = %zu\n", need);
    free(c);
    return need == CTRUE_RANK ? 0 : 1;
}

/* ------------------------------------------------------------ drift */

static int drift(void)
{
    const uint64_t seed = demo_seed();
    rng_t g;
    rng_seed(&g, seed);
    printf(PROG " drift (seed %llu): relative change of out after a relative change of 1e-13 in "
           "a0,\ndivided by 1e-13 (the amplification of a rounding difference); problems drawn "
           "like the grader's\n\n", (unsigned long long)seed);
    printf("| problem (N, d_in, d_out, r) | SGD 1 | SGD 10 | SGD 200 | Adam 1 | Adam 100 |\n"
           "|---|---|---|---|---|---|\n");
    double worst = 0;
    for (int trial = 0; trial < 8; trial++) {
        size_t n = 6 + rng_below(&g, 25), di = 3 + rng_below(&g, 10), dn = 2 + rng_below(&g, 8);
        size_t r = 1 + rng_below(&g, 4);
        prob_t P;
        prob_random(&P, &g, n, di, dn, r);
        const size_t np = di * r + r * dn;
        double *a2 = mat_dup(P.a, di, r), *o1 = mat_alloc(np, 1), *o2 = mat_alloc(np, 1);
        for (size_t i = 0; i < di * r; i++)
            a2[i] *= 1 + 1e-13 * rng_uniform_range(&g, -1, 1);
        const train_problem_t p = tp(&P);
        printf("| (%zu, %zu, %zu, %zu) |", n, di, dn, r);
        static const struct { int adam; long long steps; double lr; } runs[] = {
            {0, 1, 0.05}, {0, 10, 0.05}, {0, 200, 0.05}, {1, 1, 0.01}, {1, 100, 0.01}};
        for (int k = 0; k < 5; k++) {
            int (*fn)(const train_problem_t *, train_mat_t, train_mat_t, double, long long,
                      double *, size_t, double *, size_t) = runs[k].adam ? train_adam : train_sgd;
            CALL(fn(&p, am(&P), bm(&P), runs[k].lr, runs[k].steps, o1, np, NULL, 0));
            CALL(fn(&p, (train_mat_t){a2, di, r}, bm(&P), runs[k].lr, runs[k].steps, o2, np, NULL, 0));
            double m = 0;
            for (size_t i = 0; i < np; i++)
                m = fmax(m, fabs(o1[i] - o2[i]) / fmax(1.0, fabs(o1[i])));
            printf(" %.3g |", m / 1e-13);
            worst = fmax(worst, m / 1e-13);
        }
        printf("\n");
        free(a2), free(o1), free(o2);
        prob_free(&P);
    }
    printf("\nlargest amplification: %.3g.  Rounding differences of about 1e-15 per step (another "
           "summation order)\nthen stay below %.3g after 200 steps, far inside the grader's 1e-8.\n",
           worst, worst * 200 * 1e-15);
    return 0;
}

/* ------------------------------------------------------------ dump */

static void dump_tensor(const char *name, const double *v, size_t rows, size_t cols)
{
    printf("tensor %s %zu %zu\n", name, rows, cols);
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++)
            printf("%.17g%s", v[i * cols + j], j + 1 < cols ? " " : "\n");
}

static int dump(void)
{
    const uint64_t seed = demo_seed();
    rng_t g;
    rng_seed(&g, seed);
    prob_t P;
    prob_random(&P, &g, 9, 5, 3, 2);
    const size_t np = 16;
    double sgd[16], adam[16], lr_sgd = 0.05, lr_adam = 0.01;
    const train_problem_t p = tp(&P);
    CALL(train_sgd(&p, am(&P), bm(&P), lr_sgd, 10, sgd, np, NULL, 0));
    CALL(train_adam(&p, am(&P), bm(&P), lr_adam, 10, adam, np, NULL, 0));
    printf("# lab06-demo dump (seed %llu): a problem and 10 steps of SGD (lr 0.05) and Adam "
           "(lr 0.01)\n", (unsigned long long)seed);
    dump_tensor("x", P.x, 9, 5), dump_tensor("y", P.y, 9, 3), dump_tensor("w_base", P.w, 5, 3);
    dump_tensor("a0", P.a, 5, 2), dump_tensor("b0", P.b, 2, 3);
    dump_tensor("sgd_out", sgd, 1, np), dump_tensor("adam_out", adam, 1, np);
    prob_free(&P);
    return 0;
}

/* ------------------------------------------------------------ main */

static const demo_command_t COMMANDS[] = {
    {.name = "examples", .help = "the lab's worked numbers, checked (exit 1 if one differs)", .run = examples},
    {.name = "curves", .help = "loss curves, SGD and Adam, r = 1, 2, 4, 8 and full fine-tuning", .run = curves},
    {.name = "rank-table", .help = "the curves' final losses and the rank the task needs", .run = rank_table},
    {.name = "drift", .help = "how much long trajectories amplify a rounding difference", .run = drift},
    {.name = "dump", .help = "one problem and its 10-step results (numpy cross-check)", .run = dump},
    {.name = NULL},
};

DEMO_MAIN(.prog = PROG, .commands = COMMANDS, .seeded = DEMO_SEEDED, .check_width = 64)
