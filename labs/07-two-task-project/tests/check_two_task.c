/*
 * check_two_task.c - the visible tests of Lab 07 (run: make check LAB=07).
 *
 * One suite per task (lab07.1 .. lab07.7), built from the examples in
 * two_task.h and from properties any right answer has (finite differences,
 * bitwise checks).  The graded tests (make grade LAB=07) compare with the
 * reference on random networks too: passing these is a start, not the finish.
 *
 * Each test runs in its own child process.  A function you have not written
 * yet prints "not implemented: <function> (lab07.N)" and aborts, so its tests
 * show up as errors ("Received signal 6"), not as passes.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_helpers.h"
#include "lab.h"
#include "matrix.h"
#include "rng.h"
#include "two_task.h"

enum { D = 3, DFF = 5, R = 2, N = 7 };
#define NF (2 * D * DFF + DFF + D)
#define NA (R * DFF + 3 * D * R + D + 1)

/* A small random problem: frozen, adapter (B's not zero), x, y. */
typedef struct {
    double frozen[NF], adapter[NA], x[N * D], y[N];
} small_t;

static void small_new(small_t *s, unsigned seed)
{
    rng_t g;
    rng_seed(&g, seed);
    rng_fill_normal(&g, s->frozen, NF, 0.5);
    rng_fill_normal(&g, s->adapter, NA, 0.4);
    rng_fill_normal(&g, s->x, N * D, 1.0);
    for (size_t t = 0; t < N; t++)
        s->y[t] = (double)(t % 2);
}

/* The example network of two_task.h (d = 1, d_ff = 2, r = 1). */
static const double EX_FROZEN[] = {1, -1, 0, 0, 2, 3, 0.5}, EX_X[] = {-2},
                    EX_ADAPTER[] = {1, 1, 1, 1, 0.5, 0, 0};

/* ---- lab07.1 base_forward ---- */

START_TEST(test_base_forward_example_gives_6_5)
{
    double out = SENTINEL;
    CHECK_OK("lab07.1", base_forward(EX_X, 1, EX_FROZEN, 1, 2, &out));
    CHECK_CLOSE("lab07.1", "out", &out, (double[]){6.5}, 1);
}
END_TEST

START_TEST(test_base_forward_rejects_zero_n)
{
    double out = SENTINEL;
    ck_assert_int_eq(base_forward(EX_X, 0, EX_FROZEN, 1, 2, &out), LAB_EARG);
    ck_assert(out == SENTINEL);
}
END_TEST

/* ---- lab07.2 adapted_forward ---- */

START_TEST(test_adapted_forward_example_gives_21)
{
    double out = SENTINEL;
    CHECK_OK("lab07.2", adapted_forward(EX_X, 1, EX_FROZEN, EX_ADAPTER, 1, 2, 1, 2.0, &out));
    CHECK_CLOSE("lab07.2", "out", &out, (double[]){21}, 1);
}
END_TEST

START_TEST(test_adapted_forward_with_zero_b_is_the_base_bit_for_bit)
{
    small_t s;
    small_new(&s, 1);
    memset(s.adapter + TT_B1(DFF, R), 0, D * R * sizeof(double));
    memset(s.adapter + TT_B2(D, DFF, R), 0, D * R * sizeof(double));
    double base[N * D], adapted[N * D];
    CHECK_OK("lab07.2", base_forward(s.x, N, s.frozen, D, DFF, base));
    CHECK_OK("lab07.2", adapted_forward(s.x, N, s.frozen, s.adapter, D, DFF, R, 1.5, adapted));
    ck_assert_msg(memcmp(base, adapted, sizeof base) == 0,
                  "lab07.2: with B1 = B2 = 0 the output must equal your base_forward's bit for bit"
                  " (if lab07.1 fails, fix it first)");
}
END_TEST

/* ---- lab07.3 head_bce ---- */

START_TEST(test_head_bce_example)
{
    const double out[] = {1, -1}, y[] = {1, 1}, head[] = {2, 0};
    double p[2], loss;
    CHECK_OK("lab07.3", head_bce(out, y, 2, head, 1, p, &loss));
    CHECK_CLOSE("lab07.3", "probs", p, ((double[]){0.880797077977882, 0.119202922022118}), 2);
    CHECK_CLOSE("lab07.3", "loss", &loss, (double[]){1.1269280110429725}, 1);
}
END_TEST

START_TEST(test_head_bce_stays_finite_for_large_logits)
{
    const double out[] = {700, -700}, y[] = {0, 1}, head[] = {1, 0};
    double p[2], loss;
    CHECK_OK("lab07.3", head_bce(out, y, 2, head, 1, p, &loss));
    ck_assert_msg(isfinite(loss), "lab07.3: loss is %g for logits +-700: use the stable form", loss);
    CHECK_CLOSE("lab07.3", "loss", &loss, (double[]){700}, 1);
}
END_TEST

START_TEST(test_head_bce_rejects_a_label_of_two)
{
    const double out[] = {1}, y[] = {2}, head[] = {1, 0};
    double p = SENTINEL, loss = SENTINEL;
    ck_assert_int_eq(head_bce(out, y, 1, head, 1, &p, &loss), LAB_EARG);
}
END_TEST

/* ---- lab07.4 adapter_gradient ---- */

START_TEST(test_full_gradient_matches_finite_differences)
{
    small_t s;
    small_new(&s, 2);
    double loss, grad[NA], fd[NA], a[NA];
    CHECK_OK("lab07.4", adapter_gradient(s.x, s.y, N, s.frozen, s.adapter, D, DFF, R, 1.3,
                                         TT_BACKPROP_FULL, &loss, grad));
    const double h = 1e-6;
    for (size_t i = 0; i < NA; i++) {
        double lp, lm, g[NA];
        memcpy(a, s.adapter, sizeof a);
        a[i] += h;
        CHECK_OK("lab07.4", adapter_gradient(s.x, s.y, N, s.frozen, a, D, DFF, R, 1.3,
                                             TT_BACKPROP_FULL, &lp, g));
        a[i] -= 2 * h;
        CHECK_OK("lab07.4", adapter_gradient(s.x, s.y, N, s.frozen, a, D, DFF, R, 1.3,
                                             TT_BACKPROP_FULL, &lm, g));
        fd[i] = (lp - lm) / (2 * h);
    }
    for (size_t i = 0; i < NA; i++)
        ck_assert_msg(fabs(grad[i] - fd[i]) <= 1e-6,
                      "lab07.4: grad[%zu] = %.10g but finite differences give %.10g", i, grad[i], fd[i]);
}
END_TEST

START_TEST(test_simplified_differs_only_in_lora_1)
{
    small_t s;
    small_new(&s, 3);
    double lf, ls, gf[NA], gs[NA];
    CHECK_OK("lab07.4", adapter_gradient(s.x, s.y, N, s.frozen, s.adapter, D, DFF, R, 0.7,
                                         TT_BACKPROP_FULL, &lf, gf));
    CHECK_OK("lab07.4", adapter_gradient(s.x, s.y, N, s.frozen, s.adapter, D, DFF, R, 0.7,
                                         TT_BACKPROP_SIMPLIFIED, &ls, gs));
    ck_assert(lf == ls);
    CHECK_CLOSE("lab07.4", "A2, B2, head of the simplified gradient", gs + TT_A2(D, DFF, R),
                gf + TT_A2(D, DFF, R), NA - TT_A2(D, DFF, R));
    ck_assert_msg(mat_max_abs_diff(gs, gf, TT_A2(D, DFF, R)) > 1e-6,
                  "lab07.4: with A2, B2 not zero the simplified dA1, dB1 must differ from the full ones");
}
END_TEST

/* ---- lab07.5 train_task ---- */

START_TEST(test_train_one_step_is_adapter_minus_lr_grad)
{
    small_t s;
    small_new(&s, 4);
    double loss, grad[NA], want[NA], got[NA], losses[1];
    CHECK_OK("lab07.5", adapter_gradient(s.x, s.y, N, s.frozen, s.adapter, D, DFF, R, 1.0,
                                         TT_BACKPROP_FULL, &loss, grad));
    for (size_t i = 0; i < NA; i++)
        want[i] = s.adapter[i] - 0.2 * grad[i];
    CHECK_OK("lab07.5", train_task(s.x, s.y, N, s.frozen, s.adapter, D, DFF, R, 1.0, 0.2, 1,
                                   TT_BACKPROP_FULL, got, losses));
    /* want comes from your adapter_gradient (lab07.4): the messages say so. */
    CHECK_CLOSE("lab07.5", "adapter after one step (adapter - lr times your adapter_gradient's;"
                " if lab07.4 fails, fix it first)", got, want, NA);
    CHECK_CLOSE("lab07.5", "losses[0] (your adapter_gradient's loss)", losses, &loss, 1);
}
END_TEST

START_TEST(test_train_lowers_the_loss_and_leaves_frozen_alone)
{
    small_t s;
    small_new(&s, 5);
    double frozen[NF], got[NA], losses[50];
    memcpy(frozen, s.frozen, sizeof frozen);
    CHECK_OK("lab07.5", train_task(s.x, s.y, N, s.frozen, s.adapter, D, DFF, R, 1.0, 0.1, 50,
                                   TT_BACKPROP_FULL, got, losses));
    ck_assert_msg(losses[49] < losses[0], "lab07.5: loss went from %g to %g", losses[0], losses[49]);
    ck_assert_msg(memcmp(frozen, s.frozen, sizeof frozen) == 0, "lab07.5: frozen[] changed");
}
END_TEST

/* ---- lab07.6 merge_adapter ---- */

START_TEST(test_merge_example)
{
    const double f1[] = {1, 0, 2, 1}, ad1[] = {1, 1, 1, 0.5, 0, 0};
    double merged[4];
    CHECK_OK("lab07.6", merge_adapter(f1, ad1, 1, 1, 1, 2.0, merged));
    CHECK_CLOSE("lab07.6", "merged (W1, b1, W2', b2')", merged, ((double[]){1, 0, 8, 2}), 4);
}
END_TEST

START_TEST(test_merged_base_equals_the_adapted_network)
{
    small_t s;
    small_new(&s, 6);
    double merged[NF], want[N * D], got[N * D];
    CHECK_OK("lab07.6", merge_adapter(s.frozen, s.adapter, D, DFF, R, 1.7, merged));
    CHECK_OK("lab07.6", adapted_forward(s.x, N, s.frozen, s.adapter, D, DFF, R, 1.7, want));
    CHECK_OK("lab07.6", base_forward(s.x, N, merged, D, DFF, got));
    /* A property of the two: the expected values come from your own
     * adapted_forward (lab07.2), so the message says so. */
    CHECK_CLOSE("lab07.6", "base_forward on the merged weights (compared with your adapted_forward:"
                " if lab07.1 or lab07.2 fails, fix those first)", got, want, N * D);
}
END_TEST

/* ---- lab07.7 project_checks ---- */

START_TEST(test_project_checks_pass_on_a_small_problem)
{
    small_t s;
    small_new(&s, 7);
    double init_a[NA], init_b[NA], ya[N], yb[N], rep[TT_REPORT_LEN], ada[NA], adb[NA];
    memcpy(init_a, s.adapter, sizeof init_a);
    memcpy(init_b, s.adapter, sizeof init_b);
    memset(init_a + TT_B1(DFF, R), 0, D * R * sizeof(double));
    memset(init_a + TT_B2(D, DFF, R), 0, D * R * sizeof(double));
    for (size_t t = 0; t < N; t++)
        ya[t] = s.x[t * D] + s.x[t * D + 1] > 0, yb[t] = s.x[t * D + 2] > 0;
    CHECK_OK("lab07.7", project_checks(s.x, ya, yb, N, s.x, 3, s.frozen, init_a, init_b, D, DFF, R,
                                       1.0, 0.1, 20, TT_BACKPROP_FULL, rep, ada, adb));
    ck_assert_msg(rep[TT_INIT_DIFF] == 0, "lab07.7: init diff %g, expected exactly 0", rep[TT_INIT_DIFF]);
    ck_assert(rep[TT_FROZEN_CHANGED] == 0);
    ck_assert_msg(rep[TT_MERGE_DIFF] <= 1e-9, "lab07.7: merge diff %g", rep[TT_MERGE_DIFF]);
    ck_assert(rep[TT_ACC_A_AFTER_B] == rep[TT_ACC_A]);
    ck_assert_msg(rep[TT_SWITCH_DIFF] <= 1e-9 && rep[TT_SWITCH_ACC_B] == rep[TT_ACC_B],
                  "lab07.7: switching to B by merging must keep B's outputs");
}
END_TEST

/* ---- stored random network (data/lab07/visible-expected.txt, written once
 * by the reference; data/VISIBLE.md): d = 3, d_ff = 5, r = 2, n = 7, scale 1.5 ---- */
#define VIS_SCALE 1.5
#define V(name, count) stored(&VIS, name, count)

MISTAKES(MODE_MISTAKES,
    {"simplified", "it is the simplified gradient (TT_BACKPROP_SIMPLIFIED): the full one also goes"
                   " through the second LoRA branch, g_h2 = g_out + A2^T g_z2"},
    {"full", "it is the full gradient: the simplified one skips the second branch, g_h2 = g_out"},
    {"da1_transposed", "dA1 is written in the (d_ff, r) layout: it has A1's shape (r, d_ff), entry"
                       " (k, j) at [k*d_ff + j]"});

START_TEST(test_forwards_and_head_of_the_stored_network)
{
    double out[N * D], probs[N], loss = SENTINEL;
    CHECK_OK("lab07.1", base_forward(V("x", N * D), N, V("frozen", NF), D, DFF, out));
    CHECK_STORED("lab07.1", "out (7 x 3)", out, &VIS, "base.out", N * D, NULL);
    CHECK_OK("lab07.2", adapted_forward(V("x", N * D), N, V("frozen", NF), V("adapter", NA), D, DFF, R,
                                        VIS_SCALE, out));
    CHECK_STORED("lab07.2", "out (7 x 3)", out, &VIS, "adapted.out", N * D, NULL);
    const double *adapted = V("adapted.out", N * D); /* the stored one: lab07.3 on its own */
    CHECK_OK("lab07.3", head_bce(adapted, V("y", N), N, V("adapter", NA) + TT_HEAD(D, DFF, R), D, probs,
                                 &loss));
    CHECK_STORED("lab07.3", "probs (7)", probs, &VIS, "head.probs", N, NULL);
    CHECK_STORED("lab07.3", "loss", &loss, &VIS, "head.loss", 1, NULL);
}
END_TEST

START_TEST(test_gradients_of_the_stored_network)
{
    double grad[NA], loss = SENTINEL;
    CHECK_OK("lab07.4", adapter_gradient(V("x", N * D), V("y", N), N, V("frozen", NF), V("adapter", NA), D,
                                         DFF, R, VIS_SCALE, TT_BACKPROP_FULL, &loss, grad));
    CHECK_STORED("lab07.4", "loss", &loss, &VIS, "grad_full.loss", 1, NULL);
    CHECK_STORED("lab07.4", "grad (full)", grad, &VIS, "grad_full.grad", NA, MODE_MISTAKES);
    CHECK_OK("lab07.4", adapter_gradient(V("x", N * D), V("y", N), N, V("frozen", NF), V("adapter", NA), D,
                                         DFF, R, VIS_SCALE, TT_BACKPROP_SIMPLIFIED, &loss, grad));
    CHECK_STORED("lab07.4", "grad (simplified)", grad, &VIS, "grad_simplified.grad", NA, MODE_MISTAKES);
}
END_TEST

START_TEST(test_training_and_merge_of_the_stored_network)
{
    double adapter[NA], losses[5], merged[NF];
    CHECK_OK("lab07.5", train_task(V("x", N * D), V("y", N), N, V("frozen", NF), V("adapter", NA), D, DFF, R,
                                   VIS_SCALE, 0.1, 5, TT_BACKPROP_FULL, adapter, losses));
    CHECK_STORED("lab07.5", "losses (5 epochs, lr 0.1)", losses, &VIS, "train.losses", 5, NULL);
    CHECK_STORED("lab07.5", "the trained adapter", adapter, &VIS, "train.adapter", NA, NULL);
    CHECK_OK("lab07.6", merge_adapter(V("frozen", NF), V("adapter", NA), D, DFF, R, VIS_SCALE, merged));
    CHECK_STORED("lab07.6", "merged", merged, &VIS, "merge.merged", NF, NULL);
}
END_TEST

START_TEST(test_project_checks_of_the_stored_network)
{
    double rep[TT_REPORT_LEN], ada[NA], adb[NA];
    CHECK_OK("lab07.7", project_checks(V("x", N * D), V("y", N), V("y_b", N), N, V("x", N * D), 3,
                                       V("frozen", NF), V("init", NA), V("init", NA), D, DFF, R, VIS_SCALE,
                                       0.1, 20, TT_BACKPROP_FULL, rep, ada, adb));
    const double *want = V("checks.report", TT_REPORT_LEN);
    static const struct { int at; const char *name; } kept[] = {
        {TT_ACC_A, "report[TT_ACC_A] (accuracy: the share of p >= 0.5 predictions that are 1)"},
        {TT_ACC_A_AFTER_B, "report[TT_ACC_A_AFTER_B]"}, {TT_ACC_B, "report[TT_ACC_B]"},
        {TT_SWITCH_ACC_B, "report[TT_SWITCH_ACC_B]"}, {TT_LOSS_A, "report[TT_LOSS_A]"},
        {TT_LOSS_B, "report[TT_LOSS_B]"},
    };
    for (size_t k = 0; k < sizeof kept / sizeof kept[0]; k++)
        CHECK_CLOSE("lab07.7", kept[k].name, &rep[kept[k].at], &want[kept[k].at], 1);
}
END_TEST

/* Each task with its tests; 20 s a test: training runs take longer than
 * Check's default of 4 s under sanitizers. */
int main(void)
{
    const visible_task_t tasks[] = {
        {"lab07.1", "base_forward", {
            test_base_forward_example_gives_6_5,
            test_base_forward_rejects_zero_n,
        }},
        {"lab07.1-3", "stored network", {
            test_forwards_and_head_of_the_stored_network,
        }},
        {"lab07.2", "adapted_forward", {
            test_adapted_forward_example_gives_21,
            test_adapted_forward_with_zero_b_is_the_base_bit_for_bit,
        }},
        {"lab07.3", "head_bce", {
            test_head_bce_example,
            test_head_bce_stays_finite_for_large_logits,
            test_head_bce_rejects_a_label_of_two,
        }},
        {"lab07.4", "adapter_gradient", {
            test_full_gradient_matches_finite_differences,
            test_simplified_differs_only_in_lora_1,
            test_gradients_of_the_stored_network,
        }},
        {"lab07.5", "train_task", {
            test_train_one_step_is_adapter_minus_lr_grad,
            test_train_lowers_the_loss_and_leaves_frozen_alone,
            test_training_and_merge_of_the_stored_network,
        }},
        {"lab07.6", "merge_adapter", {
            test_merge_example,
            test_merged_base_equals_the_adapted_network,
        }},
        {"lab07.7", "project_checks", {
            test_project_checks_pass_on_a_small_problem,
            test_project_checks_of_the_stored_network,
        }},
    };
    return visible_main("07", tasks, sizeof tasks / sizeof tasks[0], 20);
}
