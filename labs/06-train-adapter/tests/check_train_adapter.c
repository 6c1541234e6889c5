/*
 * check_train_adapter.c - the visible tests of Lab 06 (run: make check LAB=06).
 *
 * One suite per task (lab06.1 .. lab06.5), built from the worked example of
 * train_adapter.h:
 *     x = [[1, 2]], y = [[3, 0]], w_base = I2, a = [[1], [0]], b = [[1, 1]]
 * (N = 1, d_in = d_out = 2, r = 1), which the README works out by hand.  The
 * graded tests (make grade LAB=06) are more numerous and stricter: random
 * non-square problems, long trajectories, wrong gradients handed to your
 * checker.  Passing these is a start, not the finish.
 *
 * Each test runs in its own child process: a function you have not written
 * yet prints "not implemented: <function> (lab06.N)" and aborts, so its tests
 * show up as errors ("Received signal 6"), not as passes.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_helpers.h"
#include "matrix.h"
#include "rng.h"
#include "train_adapter.h"

static const double EX_X[] = {1, 2}, EX_Y[] = {3, 0}, EX_W[] = {1, 0, 0, 1}, EX_A[] = {1, 0},
                    EX_B[] = {1, 1};

static train_problem_t example(void)
{
    return (train_problem_t){{EX_X, 1, 2}, {EX_Y, 1, 2}, {EX_W, 2, 2}};
}
static const train_mat_t EX_AM = {EX_A, 2, 1}, EX_BM = {EX_B, 1, 2};


/* A random problem of the given shape (entries in [-1, 1) and [-0.5, 0.5)). */
typedef struct {
    double *x, *y, *w, *a, *b;
    train_problem_t p;
    train_mat_t am, bm;
} random_problem_t;

static void random_problem(random_problem_t *R, uint64_t seed, size_t n, size_t d_in,
                           size_t d_out, size_t r)
{
    rng_t g;
    rng_seed(&g, seed);
    R->x = mat_alloc(n, d_in), R->y = mat_alloc(n, d_out), R->w = mat_alloc(d_in, d_out);
    R->a = mat_alloc(d_in, r), R->b = mat_alloc(r, d_out);
    rng_fill_uniform(&g, R->x, n * d_in, -1, 1);
    rng_fill_uniform(&g, R->y, n * d_out, -1, 1);
    rng_fill_uniform(&g, R->w, d_in * d_out, -0.5, 0.5);
    rng_fill_uniform(&g, R->a, d_in * r, -0.5, 0.5);
    rng_fill_uniform(&g, R->b, r * d_out, -0.5, 0.5);
    R->p = (train_problem_t){{R->x, n, d_in}, {R->y, n, d_out}, {R->w, d_in, d_out}};
    R->am = (train_mat_t){R->a, d_in, r}, R->bm = (train_mat_t){R->b, r, d_out};
}

static void random_free(random_problem_t *R) { free(R->x), free(R->y), free(R->w), free(R->a), free(R->b); }

/* ---- lab06.1 train_forward -------------------------------------------- */

/* The stored random problem (N = 6, d_in = 4, d_out = 3, r = 2) and its
 * expected values: data/lab06/visible-expected.txt, written once by the
 * reference (data/VISIBLE.md). */
#define VIS_PROBLEM()                                                                     \
    ((train_problem_t){{stored(&VIS, "x", 24), 6, 4}, {stored(&VIS, "y", 18), 6, 3},      \
                       {stored(&VIS, "w_base", 12), 4, 3}})
#define VIS_A() ((train_mat_t){stored(&VIS, "a", 8), 4, 2})
#define VIS_B() ((train_mat_t){stored(&VIS, "b", 6), 2, 3})

MISTAKES(GRAD_A_MISTAKES,
    {"transposed", "it is grad_a written as (r, d_in): grad_a has a's shape (d_in, r)"},
    {"over_n_dout", "it is divided by N d_out: these gradients are of J = d_out * MSE, divide by N"},
    {"half", "it is half the gradient: the factor 2 of the squares' derivative is missing"});

START_TEST(test_forward_of_the_stored_problem)
{
    train_problem_t p = VIS_PROBLEM();
    double y_hat[18], loss = SENTINEL;
    fill(y_hat, 18, SENTINEL);
    CHECK_OK("lab06.1", train_forward(&p, VIS_A(), VIS_B(), y_hat, &loss));
    CHECK_STORED("lab06.1", "y_hat (6 x 3)", y_hat, &VIS, "forward.y_hat", 18, NULL);
    CHECK_STORED("lab06.1", "loss (the MSE)", &loss, &VIS, "forward.loss", 1, NULL);
}
END_TEST

START_TEST(test_gradients_of_the_stored_problem)
{
    train_problem_t p = VIS_PROBLEM();
    double ga[8], gb[6];
    fill(ga, 8, SENTINEL), fill(gb, 6, SENTINEL);
    CHECK_OK("lab06.2", train_gradients(&p, VIS_A(), VIS_B(), ga, gb));
    CHECK_STORED("lab06.2", "grad_a (4 x 2)", ga, &VIS, "grad.a", 8, GRAD_A_MISTAKES);
    CHECK_STORED("lab06.2", "grad_b (2 x 3)", gb, &VIS, "grad.b", 6, NULL);
}
END_TEST

START_TEST(test_forward_example_gives_2_3_and_loss_5)
{
    train_problem_t p = example();
    double y_hat[2], loss = SENTINEL;
    static const double want[] = {2, 3}, want_loss = 5;
    CHECK_CALL_CLOSE("lab06.1", "y_hat", train_forward(&p, EX_AM, EX_BM, y_hat, &loss),
                     y_hat, want, 2);
    CHECK_CLOSE("lab06.1", "loss (mean over N * d_out = 2 entries)", &loss, &want_loss, 1);
}
END_TEST

START_TEST(test_forward_rejects_x_that_does_not_fit_w_base)
{
    train_problem_t p = example();
    p.x.cols = 1, p.x.rows = 2; /* x (2, 1) against w_base (2, 2) */
    double loss = SENTINEL;
    /* The message goes to stderr; catch it in a file to read it back. */
    FILE *err = tmpfile();
    ck_assert_msg(err != NULL, "cannot make a temporary file");
    fflush(stderr);
    int saved = dup(2);
    dup2(fileno(err), 2);
    int rc = train_forward(&p, EX_AM, EX_BM, NULL, &loss);
    fflush(stderr);
    dup2(saved, 2), close(saved);
    char msg[512] = {0};
    rewind(err);
    size_t got = fread(msg, 1, sizeof msg - 1, err);
    fclose(err);
    fprintf(stderr, "%s", msg); /* shown as usual */
    ck_assert_int_eq(rc, LAB_EARG);
    ck_assert_msg(loss == SENTINEL, "lab06.1: loss was written before the check failed");
    ck_assert_msg(got > 0 && strstr(msg, "train_forward") != NULL,
                  "lab06.1: the message on stderr must name train_forward, the function called"
                  " (LAB_REQUIRE in train_forward itself does); it was: %s", msg);
}
END_TEST

/* ---- lab06.2 train_gradients ------------------------------------------ */

START_TEST(test_gradients_of_the_example_by_hand)
{
    train_problem_t p = example();
    double ga[2], gb[2];
    static const double want_a[] = {4, 8}, want_b[] = {-2, 6};
    CHECK_OK("lab06.2", train_gradients(&p, EX_AM, EX_BM, ga, gb));
    CHECK_CLOSE("lab06.2", "grad_a = G b^T", ga, want_a, 2);
    CHECK_CLOSE("lab06.2", "grad_b = a^T G", gb, want_b, 2);
}
END_TEST

START_TEST(test_gradients_with_b_zero_leave_grad_a_exactly_zero)
{
    random_problem_t R;
    random_problem(&R, 6, 7, 5, 3, 2);
    memset(R.b, 0, 6 * sizeof(double));
    double ga[10], gb[6];
    CHECK_OK("lab06.2", train_gradients(&R.p, R.am, R.bm, ga, gb));
    for (size_t i = 0; i < 10; i++)
        ck_assert_msg(ga[i] == 0.0, "lab06.2: b = 0 but grad_a[%zu] = %g", i, ga[i]);
    random_free(&R);
}
END_TEST

/* ---- lab06.3 train_grad_check ----------------------------------------- */

START_TEST(test_checker_accepts_the_stored_gradient_and_rejects_one_wrong_entry)
{
    /* The stored (right) gradient of the stored problem, not yours, so a bug
     * in train_gradients does not show up here. */
    train_problem_t p = VIS_PROBLEM();
    double ga[8], gb[6], err = SENTINEL, acc = SENTINEL;
    memcpy(ga, stored(&VIS, "grad.a", 8), sizeof ga);
    memcpy(gb, stored(&VIS, "grad.b", 6), sizeof gb);
    CHECK_OK("lab06.3", train_grad_check(&p, VIS_A(), VIS_B(), ga, gb, TRAIN_GRADCHECK_EPS, &err, &acc));
    ck_assert_msg(err <= 1e-8 && acc == 1.0,
                  "lab06.3: the right gradient (stored) against your checker: max_rel_err %.3g, accepted %g "
                  "(a right checker gives below 1e-8 and 1)", err, acc);
    gb[4] *= 1 + 1e-4;
    CHECK_OK("lab06.3", train_grad_check(&p, VIS_A(), VIS_B(), ga, gb, TRAIN_GRADCHECK_EPS, &err, &acc));
    ck_assert_msg(err > 1e-6 && acc == 0.0,
                  "lab06.3: grad_b[1][1] wrong by 1e-4 of its size: max_rel_err %.3g, accepted %g"
                  " (expected above 1e-6, and 0: compare every entry, not a norm)", err, acc);
}
END_TEST

START_TEST(test_checker_rejects_half_the_gradient_with_error_0_5)
{
    train_problem_t p = example();
    static const double ga[] = {4, 8}, half_b[] = {-1, 3}, want = 0.5;
    double err = SENTINEL, acc = SENTINEL;
    CHECK_OK("lab06.3", train_grad_check(&p, EX_AM, EX_BM, ga, half_b, TRAIN_GRADCHECK_EPS, &err, &acc));
    ck_assert_msg(fabs(err - want) <= 1e-6, "lab06.3: max_rel_err %.10g, expected 0.5 "
                  "(|3 - 6| / max(1, 3, 6))", err);
    ck_assert_msg(acc == 0.0, "lab06.3: a gradient half as large was accepted");
}
END_TEST

/* ---- lab06.4 train_sgd ------------------------------------------------ */

/* Ten steps at lr 0.05 of the stored problem by train (train_sgd or
 * train_adam): its losses and its final a, b must be the stored
 * key.losses and key.out. */
#define CHECK_TEN_STORED_STEPS(task, train, key)                                              \
    do {                                                                                      \
        train_problem_t p = VIS_PROBLEM();                                                    \
        double out[14], losses[11];                                                           \
        CHECK_OK(task, train(&p, VIS_A(), VIS_B(), 0.05, 10, out, 14, losses, 11));           \
        CHECK_STORED(task, "losses (10 steps, lr 0.05)", losses, &VIS, key ".losses", 11, NULL); \
        CHECK_STORED(task, "out = a then b after 10 steps", out, &VIS, key ".out", 14, NULL);   \
    } while (0)

START_TEST(test_sgd_ten_steps_of_the_stored_problem)
{
    CHECK_TEN_STORED_STEPS("lab06.4", train_sgd, "sgd");
}
END_TEST

START_TEST(test_sgd_one_step_of_the_example)
{
    train_problem_t p = example();
    double out[4], losses[2];
    static const double want[] = {0.8, -0.4, 1.1, 0.7}, want_losses[] = {5, 4};
    CHECK_OK("lab06.4", train_sgd(&p, EX_AM, EX_BM, 0.05, 1, out, 4, losses, 2));
    CHECK_CLOSE("lab06.4", "out (a then b)", out, want, 4);
    CHECK_CLOSE("lab06.4", "losses", losses, want_losses, 2);
}
END_TEST

START_TEST(test_sgd_zero_steps_returns_a0_then_b0)
{
    train_problem_t p = example();
    double out[4];
    static const double want[] = {1, 0, 1, 1};
    fill(out, 4, SENTINEL);
    CHECK_OK("lab06.4", train_sgd(&p, EX_AM, EX_BM, 0.05, 0, out, 4, NULL, 0));
    for (size_t i = 0; i < 4; i++)
        ck_assert_msg(out[i] == want[i], "lab06.4: n_steps = 0, out[%zu] = %g, expected %g", i,
                      out[i], want[i]);
}
END_TEST

START_TEST(test_sgd_rejects_negative_steps)
{
    train_problem_t p = example();
    double out[4];
    fill(out, 4, SENTINEL);
    ck_assert_int_eq(train_sgd(&p, EX_AM, EX_BM, 0.05, -1, out, 4, NULL, 0), LAB_EARG);
    ck_assert_msg(out[0] == SENTINEL, "lab06.4: out was written before the check failed");
}
END_TEST

START_TEST(test_sgd_loss_goes_down_on_a_random_problem)
{
    random_problem_t R;
    random_problem(&R, 4, 20, 6, 4, 2);
    double out[20], losses[51];
    CHECK_OK("lab06.4", train_sgd(&R.p, R.am, R.bm, 0.05, 50, out, 20, losses, 51));
    for (int k = 1; k <= 50; k++)
        ck_assert_msg(losses[k] <= losses[k - 1], "lab06.4: the loss went up at step %d: %g -> %g",
                      k, losses[k - 1], losses[k]);
    random_free(&R);
}
END_TEST

/* ---- lab06.5 train_adam ----------------------------------------------- */

START_TEST(test_adam_first_step_moves_each_entry_by_lr)
{
    train_problem_t p = example();
    double out[4];
    static const double want[] = {0.9, -0.1, 1.1, 0.9};
    CHECK_OK("lab06.5", train_adam(&p, EX_AM, EX_BM, 0.1, 1, out, 4, NULL, 0));
    for (size_t i = 0; i < 4; i++)
        ck_assert_msg(fabs(out[i] - want[i]) <= 1e-8,
                      "lab06.5: out[%zu] = %.12g, expected %g to 1e-8 (step 1 with bias "
                      "correction: lr g / (|g| + eps))", i, out[i], want[i]);
}
END_TEST

START_TEST(test_adam_lr_zero_changes_nothing)
{
    train_problem_t p = example();
    double out[4];
    static const double want[] = {1, 0, 1, 1};
    CHECK_OK("lab06.5", train_adam(&p, EX_AM, EX_BM, 0.0, 5, out, 4, NULL, 0));
    for (size_t i = 0; i < 4; i++)
        ck_assert_msg(out[i] == want[i], "lab06.5: lr = 0, out[%zu] = %g, expected %g", i, out[i],
                      want[i]);
}
END_TEST

START_TEST(test_adam_ten_steps_of_the_stored_problem)
{
    CHECK_TEN_STORED_STEPS("lab06.5", train_adam, "adam");
}
END_TEST

int main(void)
{
    const visible_task_t tasks[] = {
        {"lab06.1", NULL, {
            test_forward_example_gives_2_3_and_loss_5,
            test_forward_rejects_x_that_does_not_fit_w_base,
            test_forward_of_the_stored_problem,
        }},
        {"lab06.2", NULL, {
            test_gradients_of_the_example_by_hand,
            test_gradients_with_b_zero_leave_grad_a_exactly_zero,
            test_gradients_of_the_stored_problem,
        }},
        {"lab06.3", NULL, {
            test_checker_accepts_the_stored_gradient_and_rejects_one_wrong_entry,
            test_checker_rejects_half_the_gradient_with_error_0_5,
        }},
        {"lab06.4", NULL, {
            test_sgd_one_step_of_the_example,
            test_sgd_zero_steps_returns_a0_then_b0,
            test_sgd_rejects_negative_steps,
            test_sgd_loss_goes_down_on_a_random_problem,
            test_sgd_ten_steps_of_the_stored_problem,
        }},
        {"lab06.5", NULL, {
            test_adam_first_step_moves_each_entry_by_lr,
            test_adam_lr_zero_changes_nothing,
            test_adam_ten_steps_of_the_stored_problem,
        }},
    };
    return visible_main("06", tasks, sizeof tasks / sizeof tasks[0], 0);
}
