/*
 * check_lora_linear.c - the visible tests of Lab 03 (run: make check LAB=03).
 *
 * One suite per task (lab03.1 .. lab03.5), a few tests each, built from the
 * examples in lora_linear.h.  The graded tests (make grade LAB=03) are more
 * numerous and stricter: passing these is a start, not the finish.
 *
 * Each test runs in its own child process.  A function you have not written
 * yet prints "not implemented: <function> (lab03.N)" and aborts, so its tests
 * show up as errors ("Received signal 6"), not as passes.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab.h"
#include "lora_linear.h"
#include "matrix.h"
#include "rng.h"

#include "check_helpers.h" /* TOL, SENTINEL, CHECK_OK, CHECK_STORED */


#define CHECK_NEAR(task, what, got, want)                                               \
    do {                                                                                \
        double g_ = (got), w_ = (want);                                                 \
        ck_assert_msg(values_close(g_, w_, TOL),                                        \
                      "%s: %s is %.17g, expected %.17g", (task), (what), g_, w_);       \
    } while (0)

/* The example of lora_linear.h (lab03.3): x = [[1, 2]], W0 = I2,
 * bias = [0.5, -1], A = [[1, 1]], B = [[1], [0]], scale = 2 -> [[7.5, 1]]. */
static const double EX_X[] = {1, 2}, EX_W0[] = {1, 0, 0, 1}, EX_BIAS[] = {0.5, -1},
                    EX_A[] = {1, 1}, EX_B[] = {1, 0};

/* Random non-square cases (d_in = 5, d_out = 3, r = 2, batch 4, scale 1.5)
 * and their expected values, stored in data/lab03/visible-expected.txt
 * (written once by the reference; data/VISIBLE.md). */
enum { DI = 5, DO = 3, R = 2, N = 4 };
#define VIS_SCALE 1.5
#define VIS(name, count) stored(&VIS, name, count)

MISTAKES(INIT_MISTAKES,
    {"variance", "A was drawn with standard deviation std^2: std is the standard deviation"});
MISTAKES(PEFT_MISTAKES,
    {"sqrt_r", "A was drawn with standard deviation 1/sqrt(r): PEFT's Gaussian init uses 1/r"},
    {"kaiming", "A is the Kaiming-uniform init: this one is Gaussian, standard deviation 1/r"});
MISTAKES(FORWARD_MISTAKES,
    {"b_transposed", "it equals the result with B read transposed: B is (d_out, r),"
                     " B[i][k] at b[i*r + k]"},
    {"no_bias", "the bias is missing"});
MISTAKES(GRAD_MISTAKES,
    {"transposed", "it is dL/dB written as (r, d_out): grad_b has B's shape (d_out, r)"},
    {"half", "it is half the gradient: the loss is a mean of squares, its derivative has a factor 2"});
MISTAKES(STEP_MISTAKES,
    {"ascent", "the step went up the gradient: a_new = a - lr dL/dA"});

/* ---- lab03.1 lora_init ------------------------------------------------ */

START_TEST(test_init_random_non_square_matches_stored)
{
    double a[R * DI], b[DO * R];
    CHECK_OK("lab03.1", lora_init(a, b, DI, DO, R, LORA_INIT_KAIMING_UNIFORM, 0.0, 77));
    CHECK_STORED("lab03.1", "A (2 x 5, Kaiming-uniform, seed 77)", a, &VIS, "init_kaiming.a", R * DI, NULL);
    CHECK_OK("lab03.1", lora_init(a, b, DI, DO, R, LORA_INIT_GAUSSIAN, 0.5, 77));
    CHECK_STORED("lab03.1", "A (2 x 5, Gaussian std 0.5, seed 77)", a, &VIS, "init_gaussian.a", R * DI,
                 INIT_MISTAKES);
    ck_assert_msg(lora_init(a, b, DI, DO, R, LORA_INIT_GAUSSIAN, 0.0, 77) == LAB_EARG &&
                      lora_init(a, b, DI, DO, R, LORA_INIT_GAUSSIAN, NAN, 77) == LAB_EARG,
                  "lab03.1: a Gaussian init with std 0 or NaN must return LAB_EARG");
}
END_TEST

START_TEST(test_init_kaiming_stays_within_one_over_sqrt_d_in)
{
    enum { DI = 16, DO = 4, R = 8 }; /* bound 0.25; 1/sqrt(d_out) would be 0.5 */
    double a[R * DI], b[DO * R];
    CHECK_OK("lab03.1", lora_init(a, b, DI, DO, R, LORA_INIT_KAIMING_UNIFORM, 0.0, 42));
    double m = 0;
    for (size_t i = 0; i < R * DI; i++)
        m = fmax(m, fabs(a[i]));
    ck_assert_msg(m <= 0.25, "lab03.1: max |a| = %g exceeds 1/sqrt(d_in) = 0.25", m);
    ck_assert_msg(m > 0.2, "lab03.1: max |a| = %g: 128 uniform draws should come near 0.25", m);
}
END_TEST

START_TEST(test_init_b_is_exactly_zero)
{
    double a[3 * 5], b[7 * 3];
    fill(b, 21, SENTINEL);
    CHECK_OK("lab03.1", lora_init(a, b, 5, 7, 3, LORA_INIT_GAUSSIAN, 0.02, 1));
    for (size_t i = 0; i < 21; i++)
        ck_assert_msg(b[i] == 0.0, "lab03.1: b[%zu] = %g, expected 0", i, b[i]);
}
END_TEST

START_TEST(test_init_follows_the_stated_draw_order)
{
    double a[2 * 4], b[3 * 2];
    CHECK_OK("lab03.1", lora_init(a, b, 4, 3, 2, LORA_INIT_KAIMING_UNIFORM, 0.0, 7));
    rng_t g;
    rng_seed(&g, 7);
    for (size_t i = 0; i < 8; i++) {
        double want = rng_uniform_range(&g, -0.5, 0.5);
        ck_assert_msg(a[i] == want, "lab03.1: a[%zu] = %.17g, expected %.17g (seed 7, d_in = 4)",
                      i, a[i], want);
    }
}
END_TEST

START_TEST(test_init_rejects_unknown_kind)
{
    double a[4], b[4];
    fill(a, 4, SENTINEL);
    ck_assert_int_eq(lora_init(a, b, 2, 2, 2, 5, 0.1, 1), LAB_EARG);
    ck_assert_msg(a[0] == SENTINEL, "lab03.1: a was written before the check failed");
}
END_TEST

/* ---- lab03.2 lora_scaling --------------------------------------------- */

START_TEST(test_scaling_course_exercise_2_then_6)
{
    double s = SENTINEL;
    CHECK_OK("lab03.2", lora_scaling(6, 3, LORA_SCALING_STANDARD, &s));
    CHECK_NEAR("lab03.2", "alpha = 6, r = 3", s, 2.0);
    CHECK_OK("lab03.2", lora_scaling(6, 1, LORA_SCALING_STANDARD, &s));
    CHECK_NEAR("lab03.2", "alpha = 6, r = 1", s, 6.0);
}
END_TEST

START_TEST(test_scaling_rslora_divides_by_sqrt_r)
{
    double s = SENTINEL;
    CHECK_OK("lab03.2", lora_scaling(16, 64, LORA_SCALING_RSLORA, &s));
    CHECK_NEAR("lab03.2", "rsLoRA alpha = 16, r = 64", s, 2.0);
}
END_TEST

START_TEST(test_scaling_rank_zero_is_rejected)
{
    double s = SENTINEL;
    ck_assert_int_eq(lora_scaling(8, 0, LORA_SCALING_STANDARD, &s), LAB_EARG);
    ck_assert_msg(s == SENTINEL, "lab03.2: scale was written before the check failed");
}
END_TEST

START_TEST(test_scaling_stored_values_and_non_finite_alpha)
{
    double s = SENTINEL;
    CHECK_OK("lab03.2", lora_scaling(3.0, 5, LORA_SCALING_STANDARD, &s));
    CHECK_STORED("lab03.2", "alpha / r (alpha 3, r 5)", &s, &VIS, "scaling.standard", 1, NULL);
    CHECK_OK("lab03.2", lora_scaling(3.0, 5, LORA_SCALING_RSLORA, &s));
    CHECK_STORED("lab03.2", "alpha / sqrt(r) (alpha 3, r 5)", &s, &VIS, "scaling.rslora", 1, NULL);
    ck_assert_msg(lora_scaling(INFINITY, 5, LORA_SCALING_STANDARD, &s) == LAB_EARG &&
                      lora_scaling(NAN, 5, LORA_SCALING_STANDARD, &s) == LAB_EARG,
                  "lab03.2: alpha = inf or NaN must return LAB_EARG");
}
END_TEST

/* ---- lab03.3 lora_linear_forward -------------------------------------- */

START_TEST(test_forward_example_gives_7_5_and_1)
{
    double y[2];
    fill(y, 2, SENTINEL);
    CHECK_OK("lab03.3", lora_linear_forward(EX_X, 1, EX_W0, EX_BIAS, EX_A, EX_B, 2, 2, 1, 2.0, y));
    CHECK_NEAR("lab03.3", "y[0]", y[0], 7.5);
    CHECK_NEAR("lab03.3", "y[1]", y[1], 1.0);
}
END_TEST

START_TEST(test_forward_after_init_is_the_base_layer_bit_for_bit)
{
    /* Multiples of 1/8 (exact sums), A from the init, B = 0. */
    const double x[2 * 3] = {1, -0.5, 0.25, 2, 0.125, -1};
    const double w0[2 * 3] = {0.5, 1, -1.5, 0.75, -0.25, 2}, bias[2] = {0.375, -2};
    double a[4 * 3], b[2 * 4], y[4];
    CHECK_OK("lab03.1", lora_init(a, b, 3, 2, 4, LORA_INIT_KAIMING_UNIFORM, 0.0, 3));
    CHECK_OK("lab03.3", lora_linear_forward(x, 2, w0, bias, a, b, 3, 2, 4, 5.0, y));
    for (size_t t = 0; t < 2; t++)
        for (size_t i = 0; i < 2; i++) {
            double base = bias[i];
            for (size_t j = 0; j < 3; j++)
                base += w0[i * 3 + j] * x[t * 3 + j];
            ck_assert_msg(y[t * 2 + i] == base, "lab03.3: y[%zu][%zu] = %.17g, the base layer "
                          "gives %.17g (must be equal bit for bit)", t, i, y[t * 2 + i], base);
        }
}
END_TEST

START_TEST(test_forward_random_non_square_matches_stored)
{
    double y[N * DO];
    fill(y, N * DO, SENTINEL);
    CHECK_OK("lab03.3", lora_linear_forward(VIS("x", N * DI), N, VIS("w0", DO * DI), VIS("bias", DO),
                                            VIS("a", R * DI), VIS("b", DO * R), DI, DO, R, VIS_SCALE, y));
    CHECK_STORED("lab03.3", "y (4 x 3; d_in = 5, d_out = 3, r = 2)", y, &VIS, "forward.y", N * DO,
                 FORWARD_MISTAKES);
    fill(y, N * DO, SENTINEL);
    CHECK_OK("lab03.3", lora_linear_forward(VIS("x", N * DI), 0, VIS("w0", DO * DI), VIS("bias", DO),
                                            VIS("a", R * DI), VIS("b", DO * R), DI, DO, R, VIS_SCALE, y));
    ck_assert_msg(y[0] == SENTINEL, "lab03.3: batch = 0 has no rows, but y was written");
}
END_TEST

/* ---- lab03.4 lora_grad ------------------------------------------------ */

START_TEST(test_grad_of_the_example_by_hand)
{
    /* y = [[7.5, 1]], t = [[7, 3]]: G = 2 (y - t) = [1, -4], z = 3.
     * dL/dB = 2 * G^T z = [[6], [-24]]; dL/dA = 2 * (G B)^T x = 2 * 1 * [1, 2]. */
    const double t[2] = {7, 3};
    double loss, ga[2], gb[2];
    CHECK_OK("lab03.4", lora_grad(EX_X, t, 1, EX_W0, EX_BIAS, EX_A, EX_B, 2, 2, 1, 2.0, &loss, ga, gb));
    CHECK_NEAR("lab03.4", "loss", loss, 0.25 + 4.0);
    CHECK_NEAR("lab03.4", "grad_b[0]", gb[0], 6.0);
    CHECK_NEAR("lab03.4", "grad_b[1]", gb[1], -24.0);
    CHECK_NEAR("lab03.4", "grad_a[0]", ga[0], 2.0);
    CHECK_NEAR("lab03.4", "grad_a[1]", ga[1], 4.0);
}
END_TEST

START_TEST(test_grad_with_b_zero_only_b_moves)
{
    const double t[2] = {0, 0}, zero_b[2] = {0, 0};
    double loss, ga[2], gb[2];
    CHECK_OK("lab03.4", lora_grad(EX_X, t, 1, EX_W0, EX_BIAS, EX_A, zero_b, 2, 2, 1, 2.0, &loss, ga, gb));
    ck_assert_msg(ga[0] == 0.0 && ga[1] == 0.0, "lab03.4: with B = 0, grad_a must be 0 (got %g, %g)",
                  ga[0], ga[1]);
    ck_assert_msg(gb[0] != 0.0 || gb[1] != 0.0, "lab03.4: with B = 0 and A != 0, grad_b is not 0");
}
END_TEST

START_TEST(test_grad_matches_finite_differences)
{
    enum { N = 3, DI = 4, DO = 3, R = 2 };
    rng_t g;
    rng_seed(&g, 11);
    double x[N * DI], t[N * DO], w0[DO * DI], bias[DO], a[R * DI], b[DO * R], y[N * DO];
    rng_fill_uniform(&g, x, N * DI, -1, 1), rng_fill_uniform(&g, t, N * DO, -1, 1);
    rng_fill_uniform(&g, w0, DO * DI, -1, 1), rng_fill_uniform(&g, bias, DO, -1, 1);
    rng_fill_uniform(&g, a, R * DI, -1, 1), rng_fill_uniform(&g, b, DO * R, -1, 1);
    double loss, ga[R * DI], gb[DO * R];
    CHECK_OK("lab03.4", lora_grad(x, t, N, w0, bias, a, b, DI, DO, R, 1.5, &loss, ga, gb));
    for (size_t i = 0; i < R * DI; i++) {
        double v = a[i], lp = 0, lm = 0, h = 1e-5;
        a[i] = v + h;
        CHECK_OK("lab03.3", lora_linear_forward(x, N, w0, bias, a, b, DI, DO, R, 1.5, y));
        for (size_t k = 0; k < N * DO; k++)
            lp += (y[k] - t[k]) * (y[k] - t[k]) / N;
        a[i] = v - h;
        CHECK_OK("lab03.3", lora_linear_forward(x, N, w0, bias, a, b, DI, DO, R, 1.5, y));
        for (size_t k = 0; k < N * DO; k++)
            lm += (y[k] - t[k]) * (y[k] - t[k]) / N;
        a[i] = v;
        double fd = (lp - lm) / (2 * h);
        ck_assert_msg(fabs(ga[i] - fd) <= 1e-6 * fmax(1, fabs(fd)),
                      "lab03.4: grad_a[%zu] = %.10g, finite differences give %.10g (of the loss"
                      " through your lora_linear_forward: if lab03.3 fails, fix it first)", i, ga[i], fd);
    }
}
END_TEST

START_TEST(test_grad_random_non_square_matches_stored)
{
    double loss = SENTINEL, ga[R * DI], gb[DO * R];
    fill(ga, R * DI, SENTINEL), fill(gb, DO * R, SENTINEL);
    CHECK_OK("lab03.4", lora_grad(VIS("x", N * DI), VIS("t", N * DO), N, VIS("w0", DO * DI), VIS("bias", DO),
                                  VIS("a", R * DI), VIS("b", DO * R), DI, DO, R, VIS_SCALE, &loss, ga, gb));
    CHECK_STORED("lab03.4", "loss", &loss, &VIS, "grad.loss", 1, NULL);
    CHECK_STORED("lab03.4", "grad_a (2 x 5)", ga, &VIS, "grad.a", R * DI, GRAD_MISTAKES);
    CHECK_STORED("lab03.4", "grad_b (3 x 2)", gb, &VIS, "grad.b", DO * R, GRAD_MISTAKES);
    ck_assert_msg(lora_grad(VIS("x", N * DI), VIS("t", N * DO), 0, VIS("w0", DO * DI), VIS("bias", DO),
                            VIS("a", R * DI), VIS("b", DO * R), DI, DO, R, VIS_SCALE, &loss, ga, gb) == LAB_EARG,
                  "lab03.4: batch = 0 must return LAB_EARG (the loss would be 0 / 0)");
}
END_TEST

/* ---- lab03.5 lora_sgd_step -------------------------------------------- */

START_TEST(test_step_moves_a_and_b_against_the_gradient)
{
    const double t[2] = {7, 3};
    double loss, an[2], bn[2];
    CHECK_OK("lab03.5", lora_sgd_step(EX_X, t, 1, EX_W0, EX_BIAS, EX_A, EX_B, 2, 2, 1, 2.0, 0.01,
                                      &loss, an, bn));
    CHECK_NEAR("lab03.5", "loss (before the step)", loss, 4.25);
    CHECK_NEAR("lab03.5", "a_new[0]", an[0], 1 - 0.01 * 2.0);
    CHECK_NEAR("lab03.5", "a_new[1]", an[1], 1 - 0.01 * 4.0);
    CHECK_NEAR("lab03.5", "b_new[0]", bn[0], 1 - 0.01 * 6.0);
    CHECK_NEAR("lab03.5", "b_new[1]", bn[1], 0 + 0.01 * 24.0);
}
END_TEST

START_TEST(test_step_from_both_zero_never_moves)
{
    const double t[2] = {7, 3}, zero[2] = {0, 0};
    double loss, an[2], bn[2];
    CHECK_OK("lab03.5", lora_sgd_step(EX_X, t, 1, EX_W0, EX_BIAS, zero, zero, 2, 2, 1, 2.0, 0.5,
                                      &loss, an, bn));
    ck_assert_msg(an[0] == 0 && an[1] == 0 && bn[0] == 0 && bn[1] == 0,
                  "lab03.5: from A = B = 0 the step must leave both at 0");
}
END_TEST

START_TEST(test_step_random_non_square_matches_stored)
{
    double loss = SENTINEL, a_new[R * DI], b_new[DO * R];
    const double *x = VIS("x", N * DI), *t = VIS("t", N * DO), *w0 = VIS("w0", DO * DI);
    const double *bias = VIS("bias", DO), *a = VIS("a", R * DI), *b = VIS("b", DO * R);
    CHECK_OK("lab03.5", lora_sgd_step(x, t, N, w0, bias, a, b, DI, DO, R, VIS_SCALE, 0.1, &loss, a_new, b_new));
    CHECK_STORED("lab03.5", "loss before the step", &loss, &VIS, "step.loss", 1, NULL);
    CHECK_STORED("lab03.5", "a_new (2 x 5, lr 0.1)", a_new, &VIS, "step.a", R * DI, STEP_MISTAKES);
    CHECK_STORED("lab03.5", "b_new (3 x 2, lr 0.1)", b_new, &VIS, "step.b", DO * R, STEP_MISTAKES);
    CHECK_OK("lab03.5", lora_sgd_step(x, t, N, w0, bias, a, b, DI, DO, R, VIS_SCALE, 0.0, &loss, a_new, b_new));
    CHECK_CLOSE("lab03.5", "a_new with lr = 0 (a itself)", a_new, a, R * DI);
    ck_assert_msg(lora_sgd_step(x, t, N, w0, bias, a, b, DI, DO, R, VIS_SCALE, INFINITY, &loss, a_new,
                                b_new) == LAB_EARG,
                  "lab03.5: lr = inf must return LAB_EARG");
}
END_TEST

/* ---- lab03.6 lora_init_peft_gaussian ---------------------------------- */

START_TEST(test_peft_gaussian_random_non_square_matches_stored)
{
    double a[R * DI], b[DO * R];
    fill(b, DO * R, SENTINEL);
    CHECK_OK("lab03.6", lora_init_peft_gaussian(a, b, DI, DO, R, 78));
    CHECK_STORED("lab03.6", "A (2 x 5, PEFT's Gaussian init, std 1/r = 0.5, seed 78)", a, &VIS,
                 "peft_gaussian.a", R * DI, PEFT_MISTAKES);
    for (size_t i = 0; i < DO * R; i++)
        ck_assert_msg(b[i] == 0.0, "lab03.6: b[%zu] = %g, expected exactly 0", i, b[i]);
}
END_TEST

int main(void)
{
    const visible_task_t tasks[] = {
        {"lab03.1", NULL, {
            test_init_kaiming_stays_within_one_over_sqrt_d_in,
            test_init_b_is_exactly_zero,
            test_init_follows_the_stated_draw_order,
            test_init_rejects_unknown_kind,
            test_init_random_non_square_matches_stored,
        }},
        {"lab03.2", NULL, {
            test_scaling_course_exercise_2_then_6,
            test_scaling_rslora_divides_by_sqrt_r,
            test_scaling_rank_zero_is_rejected,
            test_scaling_stored_values_and_non_finite_alpha,
        }},
        {"lab03.3", NULL, {
            test_forward_example_gives_7_5_and_1,
            test_forward_after_init_is_the_base_layer_bit_for_bit,
            test_forward_random_non_square_matches_stored,
        }},
        {"lab03.4", NULL, {
            test_grad_of_the_example_by_hand,
            test_grad_with_b_zero_only_b_moves,
            test_grad_matches_finite_differences,
            test_grad_random_non_square_matches_stored,
        }},
        {"lab03.6", NULL, {
            test_peft_gaussian_random_non_square_matches_stored,
        }},
        {"lab03.5", NULL, {
            test_step_moves_a_and_b_against_the_gradient,
            test_step_from_both_zero_never_moves,
            test_step_random_non_square_matches_stored,
        }},
    };
    return visible_main("03", tasks, sizeof tasks / sizeof tasks[0], 0);
}
