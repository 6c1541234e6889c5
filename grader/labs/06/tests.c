/*
 * tests.c - Lab 06's hidden tests: 004's regression problem trained with a
 * LoRA adapter (forward, gradients, the gradient checker, SGD, Adam).
 *
 * Expected values come from the reference solution linked into this judge
 * (never into the runner), from central finite differences of the
 * reference's loss, or from the worked example stated in train_adapter.h
 * (x = [[1, 2]], y = [[3, 0]], w_base = I2, a = [[1], [0]], b = [[1, 1]]),
 * which the README derives by hand and `lab06-demo examples` recomputes.
 * Random problems draw from judge_rng(): seed printed, --seed N.
 *
 * Tolerances: |got - want| <= tol * max(1, |want|) with tol = 1e-9 for one
 * call's arithmetic and for trajectories of 1 and 10 steps, and 1e-8 after
 * 200 SGD or 100 Adam steps.  `lab06-demo drift` measures why that is
 * safe: on problems drawn like these, a relative change of 1e-13 in a0 moves
 * the output by about 1e-13 (amplification at most 1.09 with the default
 * seed) after 200 SGD or 100 Adam steps, so rounding differences of about
 * 1e-15 per step (another summation order, FMA contraction) stay near 1e-13,
 * five orders of magnitude inside 1e-8, while every wrong algorithm of
 * grader/broken/06 is off by 1e-3 or more.
 */
#include "test.h"
#include "matrix.h"
#include "train_adapter.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TOL 1e-9
#define TOL_LONG 1e-8

/* ------------------------------------------------------------ problems */

/* One problem with explicit shapes (rows, cols of x, y, w_base, a, b). */
typedef struct {
    size_t sh[10];
    double *m[5];    /* x, y, w_base, a, b */
} prob_t;

static const char *const MAT_NAMES[5] = {"x", "y", "w_base", "a", "b"};

static size_t cnt(prob_t *P, int i) { return P->sh[2 * i] * P->sh[2 * i + 1]; }
/* Tensors sent over the wire hold at least one double (r = 0 cases). */
static size_t cnt1(prob_t *P, int i) { return cnt(P, i) ? cnt(P, i) : 1; }
#define N_(P) ((P)->sh[0])
#define DIN(P) ((P)->sh[4])
#define DOUT(P) ((P)->sh[5])
#define R_(P) ((P)->sh[7])
#define NPAR(P) (cnt(P, 3) + cnt(P, 4))

static void prob_alloc(prob_t *P, const size_t sh[10])
{
    memcpy(P->sh, sh, sizeof P->sh);
    for (int i = 0; i < 5; i++)
        P->m[i] = mat_alloc(sh[2 * i] ? sh[2 * i] : 1, sh[2 * i + 1] ? sh[2 * i + 1] : 1);
}

static void prob_free(prob_t *P)
{
    for (int i = 0; i < 5; i++)
        free(P->m[i]);
}

static void shapes_of(size_t sh[10], size_t n, size_t d_in, size_t d_out, size_t r)
{
    const size_t s[10] = {n, d_in, n, d_out, d_in, d_out, d_in, r, r, d_out};
    memcpy(sh, s, sizeof s);
}

/* A random problem: entries of x and y in [-1, 1), w_base, a, b in [-0.5, 0.5). */
static void prob_random(judge_t *j, prob_t *P, size_t n, size_t d_in, size_t d_out, size_t r)
{
    size_t sh[10];
    rng_t *g = judge_rng(j);
    shapes_of(sh, n, d_in, d_out, r);
    prob_alloc(P, sh);
    static const double half[5] = {1, 1, 0.5, 0.5, 0.5};
    for (int i = 0; i < 5; i++)
        rng_fill_uniform(g, P->m[i], cnt(P, i), -half[i], half[i]);
}

/* A random non-square shape: N in [6, 30], d_in in [3, 12], d_out in [2, 9], r in [1, 4]. */
static void prob_random_shape(judge_t *j, prob_t *P)
{
    rng_t *g = judge_rng(j);
    size_t n = 6 + rng_below(g, 25), di = 3 + rng_below(g, 10), dn = 2 + rng_below(g, 8);
    size_t r = 1 + rng_below(g, 4);
    if (di == dn)
        dn++;
    prob_random(j, P, n, di, dn, r);
}

/* The worked example of train_adapter.h. */
static void prob_example(prob_t *P)
{
    size_t sh[10];
    shapes_of(sh, 1, 2, 2, 1);
    prob_alloc(P, sh);
    static const double v[5][4] = {{1, 2}, {3, 0}, {1, 0, 0, 1}, {1, 0}, {1, 1}};
    for (int i = 0; i < 5; i++)
        memcpy(P->m[i], v[i], cnt(P, i) * sizeof(double));
}

static train_mat_t mat_of(prob_t *P, int i)
{
    return (train_mat_t){P->m[i], P->sh[2 * i], P->sh[2 * i + 1]};
}

static train_problem_t ref_problem(prob_t *P)
{
    return (train_problem_t){mat_of(P, 0), mat_of(P, 1), mat_of(P, 2)};
}

static void describe(judge_t *j, prob_t *P)
{
    judge_fail(j, "(the problem: N = %zu, d_in = %zu, d_out = %zu, r = %zu)", N_(P), DIN(P),
               DOUT(P), R_(P));
}

/* ------------------------------------------------------------ calls */

/* The problem p (a flag: 1, not NULL) and every matrix as its data, rows
 * and cols, in the order of functions.txt (the generated adapter's). */
static call_t *student(judge_t *j, const char *func, prob_t *P)
{
    static const char *const rows[5] = {"x.rows", "y.rows", "w_base.rows", "a.rows", "b.rows"};
    static const char *const cols[5] = {"x.cols", "y.cols", "w_base.cols", "a.cols", "b.cols"};
    call_t *c = call_new(j, func);
    call_int(c, "p", 1);
    for (int i = 0; i < 5; i++) {
        call_in(c, MAT_NAMES[i], P->m[i], cnt1(P, i));
        call_size(c, rows[i], P->sh[2 * i]);
        call_size(c, cols[i], P->sh[2 * i + 1]);
    }
    return c;
}

static call_t *student_forward(judge_t *j, prob_t *P)
{
    call_t *c = student(j, "train_forward", P);
    call_out(c, "y_hat", N_(P) * DOUT(P));
    call_out(c, "loss", 1);
    return c;
}

static call_t *student_gradients(judge_t *j, prob_t *P)
{
    call_t *c = student(j, "train_gradients", P);
    call_out(c, "grad_a", cnt1(P, 3));
    call_out(c, "grad_b", cnt1(P, 4));
    return c;
}

static call_t *student_check(judge_t *j, prob_t *P, const double *ga, const double *gb,
                             double eps)
{
    call_t *c = student(j, "train_grad_check", P);
    call_in(c, "grad_a", ga, cnt1(P, 3));
    call_in(c, "grad_b", gb, cnt1(P, 4));
    call_real(c, "eps", eps);
    call_out(c, "max_rel_err", 1);
    call_out(c, "accepted", 1);
    return c;
}

static call_t *student_train(judge_t *j, const char *func, prob_t *P, double lr,
                             long long steps, int with_losses)
{
    call_t *c = student(j, func, P);
    call_real(c, "lr", lr);
    call_int(c, "n_steps", steps);
    call_out(c, "out", NPAR(P) ? NPAR(P) : 1);
    call_size(c, "out_len", NPAR(P));
    if (with_losses && steps >= 0) {
        call_out(c, "losses", (size_t)steps + 1);
        call_size(c, "losses_len", (size_t)steps + 1);
    } else {
        call_null(c, "losses");
        call_size(c, "losses_len", 0);
    }
    return c;
}

typedef int (*train_fn)(const train_problem_t *, train_mat_t, train_mat_t, double, long long,
                        double *, size_t, double *, size_t);

/* ------------------------------------------------------------ shared checks */

/* The reference's training output and loss curve. */
static void ref_train(train_fn fn, prob_t *P, double lr, long long steps, double *out,
                      double *losses)
{
    train_problem_t p = ref_problem(P);
    fn(&p, mat_of(P, 3), mat_of(P, 4), lr, steps, out, NPAR(P), losses,
       losses ? (size_t)steps + 1 : 0);
}

/* Student's func on P for `steps` steps against the reference; out, and the loss curve if asked. */
static int train_matches(judge_t *j, const char *func, train_fn fn, prob_t *P, double lr,
                         long long steps, double tol, int with_losses)
{
    double *want = mat_alloc(NPAR(P), 1), *lw = mat_alloc((size_t)steps + 1, 1);
    ref_train(fn, P, lr, steps, want, with_losses ? lw : NULL);
    call_t *c = student_train(j, func, P, lr, steps, with_losses);
    int ok = call_ok(j, c) && expect_inputs_unchanged(j, c) &&
             expect_close(j, "out (a then b)", call_output(c, "out"), want, 1, NPAR(P), tol) &&
             (!with_losses ||
              expect_close(j, "losses", call_output(c, "losses"), lw, 1, (size_t)steps + 1, tol));
    if (!ok)
        judge_fail(j, "(N = %zu, d_in = %zu, d_out = %zu, r = %zu, lr = %g, n_steps = %lld; "
                   "out holds a's %zu entries, then b's %zu)", N_(P), DIN(P), DOUT(P), R_(P), lr,
                   steps, cnt(P, 3), cnt(P, 4));
    call_free(c);
    free(want), free(lw);
    return ok;
}

static void trajectory_test(judge_t *j, const char *func, train_fn fn, double lr, long long steps,
                            double tol, int problems)
{
    for (int k = 0; k < problems && !judge_failed(j); k++) {
        prob_t P;
        prob_random_shape(j, &P);
        train_matches(j, func, fn, &P, lr, steps, tol, 0);
        prob_free(&P);
    }
}

/* A guard test (mismatched shapes rejected, inputs kept, a checker's
 * rejection, n_steps = 0) gives its points only together with a correct
 * result, so a stub that returns a constant, writes zeros or copies a0 and b0
 * earns nothing: the test first makes a valid call of func that must match
 * the reference, and stops here if it does not. */
static int func_works(judge_t *j, const char *func)
{
    prob_t P;
    prob_random(j, &P, 7, 5, 4, 2);
    train_problem_t p = ref_problem(&P);
    double *ga = mat_alloc(5, 2), *gb = mat_alloc(2, 4), *yh = mat_alloc(7, 4), loss;
    train_gradients(&p, mat_of(&P, 3), mat_of(&P, 4), ga, gb);
    if (strcmp(func, "train_sgd") == 0 || strcmp(func, "train_adam") == 0) {
        train_matches(j, func, func[6] == 's' ? train_sgd : train_adam, &P, 0.05, 1, TOL, 1);
    } else {
        call_t *c = strcmp(func, "train_forward") == 0     ? student_forward(j, &P)
                    : strcmp(func, "train_gradients") == 0 ? student_gradients(j, &P)
                                                           : student_check(j, &P, ga, gb, TRAIN_GRADCHECK_EPS);
        if (call_ok(j, c)) {
            if (strcmp(func, "train_forward") == 0) {
                train_forward(&p, mat_of(&P, 3), mat_of(&P, 4), yh, &loss);
                (void)(expect_close(j, "y_hat", call_output(c, "y_hat"), yh, 7, 4, TOL) &&
                       expect_close(j, "loss", call_output(c, "loss"), &loss, 1, 1, TOL));
            } else if (strcmp(func, "train_gradients") == 0) {
                (void)(expect_close(j, "grad_a", call_output(c, "grad_a"), ga, 5, 2, TOL) &&
                       expect_close(j, "grad_b", call_output(c, "grad_b"), gb, 2, 4, TOL));
            } else {
                const double *err = call_output(c, "max_rel_err"), *acc = call_output(c, "accepted");
                if (err && acc && !(*err <= 1e-8 && *acc == 1.0))
                    judge_fail(j, "a right gradient: max_rel_err %.3g, accepted %g; expected below "
                               "1e-8 and 1", *err, *acc);
            }
        }
        call_free(c);
    }
    free(ga), free(gb), free(yh);
    prob_free(&P);
    return judge_needs_working(j, func);
}

/* Mismatched shapes: each case keeps every buffer consistent with its own
 * stated shape, but the shapes do not fit together. */
static void mismatch_case(int k, size_t sh[10], const char **what)
{
    shapes_of(sh, 5, 4, 3, 2);
    switch (k) {
    case 0: sh[1] = 5, *what = "x is (5, 5) but w_base is (4, 3)"; break;
    case 1: sh[2] = 6, *what = "y has 6 rows, x has 5"; break;
    case 2: sh[3] = 4, *what = "y is (5, 4) but w_base has 3 columns"; break;
    case 3: sh[6] = 3, *what = "a is (3, 2) but w_base has 4 rows"; break;
    case 4: sh[8] = 3, *what = "b is (3, 3) but a has 2 columns"; break;
    default: sh[7] = 0, sh[8] = 0, *what = "r = 0"; break;
    }
}
#define N_MISMATCH 6

/* func rejects every mismatch with LAB_EARG, writes nothing and names itself. */
static void rejects_mismatches(judge_t *j, const char *func,
                               call_t *(*make)(judge_t *, prob_t *), const char *out_name)
{
    for (int k = 0; k < N_MISMATCH && !judge_failed(j); k++) {
        size_t sh[10];
        const char *what;
        prob_t P;
        mismatch_case(k, sh, &what);
        prob_alloc(&P, sh);
        for (int i = 0; i < 5; i++)
            rng_fill_uniform(judge_rng(j), P.m[i], cnt1(&P, i), -1, 1);
        call_t *c = make(j, &P);
        if (call_run(c)) {
            if (!(expect_return(j, c, LAB_EARG) && expect_untouched(j, c, out_name)))
                judge_fail(j, "(the case: %s)", what);
            else if (!strstr(call_printed(c), func))
                judge_fail(j, "LAB_EARG for %s, but the message does not name %s; it printed: "
                           "\"%.200s\" (use LAB_REQUIRE inside %s itself)", what, func,
                           call_printed(c), func);
        }
        call_free(c);
        prob_free(&P);
    }
}

static void right_gradient(prob_t *P, double *ga, double *gb);

/* ga (d_in, r) and gb (r, d_out) of P multiplied by f. */
static void scale_gradient(prob_t *P, double *ga, double *gb, double f)
{
    for (size_t q = 0; q < cnt(P, 3); q++)
        ga[q] *= f;
    for (size_t q = 0; q < cnt(P, 4); q++)
        gb[q] *= f;
}

static int all_zero(const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] != 0.0)
            return 0;
    return 1;
}

/* ---- lab06.1: forward and loss ---- */

TEST("lab06.1", 2, "worked example gives y_hat [[2, 3]] and loss 5",
     "W = w_base + a b, y_hat = x W, loss = mean of (y_hat - y)^2 over every entry.")
{
    /* Course number (train_adapter.h, README): y_hat = [[2, 3]], loss = 5. */
    static const double yh[] = {2, 3}, loss = 5;
    prob_t P;
    prob_example(&P);
    call_t *c = student_forward(j, &P);
    if (call_ok(j, c) &&
        expect_close(j, "y_hat", call_output(c, "y_hat"), yh, 1, 2, TOL))
        expect_close(j, "loss", call_output(c, "loss"), &loss, 1, 1, TOL);
    call_free(c);
    prob_free(&P);
}

TEST("lab06.1", 3, "forward and loss match the reference on non-square shapes",
     "W = w_base + a b, y_hat = x W, loss = mean of (y_hat - y)^2: x is (N, d_in), W (d_in, d_out), a (d_in, r), b (r, d_out).")
{
    for (int k = 0; k < 3 && !judge_failed(j); k++) {
        prob_t P;
        prob_random_shape(j, &P);
        train_problem_t p = ref_problem(&P);
        double loss, *yh = mat_alloc(N_(&P), DOUT(&P));
        train_forward(&p, mat_of(&P, 3), mat_of(&P, 4), yh, &loss);
        call_t *c = student_forward(j, &P);
        if (call_ok(j, c) &&
            !(expect_close(j, "y_hat", call_output(c, "y_hat"), yh, N_(&P), DOUT(&P), TOL) &&
              expect_close(j, "loss", call_output(c, "loss"), &loss, 1, 1, TOL)))
            describe(j, &P);
        call_free(c);
        free(yh);
        prob_free(&P);
    }
}

TEST("lab06.1", 2, "the loss is the mean over all N x d_out entries",
     "loss = mean((y_hat - y)^2) over every entry: the sum of squares divided by N * d_out.")
{
    /* w_base = a = 0: y_hat = 0 and the loss is mean(y^2) over N * d_out entries. */
    prob_t P;
    prob_random(j, &P, 7, 3, 5, 2);
    memset(P.m[2], 0, cnt(&P, 2) * sizeof(double));
    memset(P.m[3], 0, cnt(&P, 3) * sizeof(double));
    double s = 0;
    for (size_t i = 0; i < cnt(&P, 1); i++)
        s += P.m[1][i] * P.m[1][i];
    const double want = s / 35.0;
    call_t *c = student_forward(j, &P);
    if (call_ok(j, c) &&
        !expect_close(j, "loss", call_output(c, "loss"), &want, 1, 1, TOL))
        judge_fail(j, "(y_hat = 0 here, so the loss is sum(y^2) / (N d_out) = %.6g / 35; "
                   "N = 7, d_out = 5)", s);
    call_free(c);
    prob_free(&P);
}

TEST("lab06.1", 3, "forward works, and rejects mismatched shapes naming itself",
     "A valid call must match the reference; check x.cols == w_base.rows, y (N, d_out), a (d_in, r), b (r, d_out) with LAB_REQUIRE in train_forward.")
{
    if (func_works(j, "train_forward"))
        rejects_mismatches(j, "train_forward", student_forward, "loss");
}

/* ---- lab06.2: gradients ---- */

TEST("lab06.2", 3, "worked example gives grad_a [[4], [8]], grad_b [[-2, 6]]",
     "G = (2/N) x^T (y_hat - y), grad_a = G b^T (d_in, r), grad_b = a^T G (r, d_out).")
{
    /* Course number (train_adapter.h, README): grad_a = [[4], [8]], grad_b = [[-2, 6]]. */
    static const double ga[] = {4, 8}, gb[] = {-2, 6};
    prob_t P;
    prob_example(&P);
    call_t *c = student_gradients(j, &P);
    if (call_ok(j, c) &&
        expect_close(j, "grad_a", call_output(c, "grad_a"), ga, 2, 1, TOL))
        expect_close(j, "grad_b", call_output(c, "grad_b"), gb, 1, 2, TOL);
    call_free(c);
    prob_free(&P);
}

TEST("lab06.2", 4, "gradients match the reference on non-square shapes",
     "grad_a[i][k] = sum_o G[i][o] b[k][o], grad_b[k][o] = sum_i a[i][k] G[i][o], G = (2/N) x^T (y_hat - y).")
{
    for (int k = 0; k < 3 && !judge_failed(j); k++) {
        prob_t P;
        prob_random_shape(j, &P);
        train_problem_t p = ref_problem(&P);
        double *ga = mat_alloc(DIN(&P), R_(&P)), *gb = mat_alloc(R_(&P), DOUT(&P));
        train_gradients(&p, mat_of(&P, 3), mat_of(&P, 4), ga, gb);
        call_t *c = student_gradients(j, &P);
        if (call_ok(j, c) &&
            !(expect_close(j, "grad_a", call_output(c, "grad_a"), ga, DIN(&P), R_(&P), TOL) &&
              expect_close(j, "grad_b", call_output(c, "grad_b"), gb, R_(&P), DOUT(&P), TOL)))
            describe(j, &P);
        call_free(c);
        free(ga), free(gb);
        prob_free(&P);
    }
}

/* dJ/dtheta by central differences of the reference's MSE times d_out. */
static void numeric_gradient(prob_t *P, double *num)
{
    train_problem_t p = ref_problem(P);
    const double h = 1e-5;
    for (size_t q = 0; q < NPAR(P); q++) {
        double *theta = q < cnt(P, 3) ? P->m[3] + q : P->m[4] + (q - cnt(P, 3)), keep = *theta;
        double up, down;
        *theta = keep + h;
        train_forward(&p, mat_of(P, 3), mat_of(P, 4), NULL, &up);
        *theta = keep - h;
        train_forward(&p, mat_of(P, 3), mat_of(P, 4), NULL, &down);
        *theta = keep;
        num[q] = (double)DOUT(P) * (up - down) / (2 * h);
    }
}

TEST("lab06.2", 4, "gradients match central differences of J = d_out x MSE",
     "The gradients are those of J = d_out x MSE = (1/N) sum of squares: G = (2/N) x^T (y_hat - y).")
{
    prob_t P;
    prob_random(j, &P, 11, 5, 4, 3);
    double *num = mat_alloc(NPAR(&P), 1);
    numeric_gradient(&P, num);
    call_t *c = student_gradients(j, &P);
    if (call_ok(j, c)) {
        const double *ga = call_output(c, "grad_a"), *gb = call_output(c, "grad_b");
        if (ga && gb) {
            double *got = mat_alloc(NPAR(&P), 1);
            memcpy(got, ga, cnt(&P, 3) * sizeof(double));
            memcpy(got + cnt(&P, 3), gb, cnt(&P, 4) * sizeof(double));
            if (!expect_close(j, "[grad_a | grad_b] against finite differences of J", got, num, 1,
                              NPAR(&P), 1e-6))
                judge_fail(j, "(J = (1/N) sum of squares = d_out * MSE, d_out = 4; a gradient "
                           "4 times too small divides by N d_out)");
            free(got);
        }
    }
    call_free(c);
    free(num);
    prob_free(&P);
}

TEST("lab06.2", 2, "b = 0: grad_a exactly 0, grad_b right; a = 0: the reverse",
     "The other gradient must match the reference; grad_a = G b^T and grad_b = a^T G: each is a product with the other matrix.")
{
    prob_t P;
    prob_random_shape(j, &P);
    memset(P.m[4], 0, cnt(&P, 4) * sizeof(double)); /* b = 0 */
    double *ra = mat_alloc(DIN(&P), R_(&P)), *rb = mat_alloc(R_(&P), DOUT(&P));
    right_gradient(&P, ra, rb);
    call_t *c = student_gradients(j, &P);
    if (call_ok(j, c)) {
        const double *ga = call_output(c, "grad_a");
        if (ga && !all_zero(ga, cnt(&P, 3)))
            judge_fail(j, "with b = 0, grad_a = G b^T must be exactly 0");
        else
            expect_close(j, "grad_b (b = 0)", call_output(c, "grad_b"), rb, R_(&P), DOUT(&P), TOL);
    }
    call_free(c);
    rng_fill_uniform(judge_rng(j), P.m[4], cnt(&P, 4), -0.5, 0.5);
    memset(P.m[3], 0, cnt(&P, 3) * sizeof(double)); /* a = 0 */
    right_gradient(&P, ra, rb);
    c = student_gradients(j, &P);
    if (!judge_failed(j) && call_ok(j, c)) {
        const double *gb = call_output(c, "grad_b");
        if (gb && !all_zero(gb, cnt(&P, 4)))
            judge_fail(j, "with a = 0, grad_b = a^T G must be exactly 0");
        else
            expect_close(j, "grad_a (a = 0)", call_output(c, "grad_a"), ra, DIN(&P), R_(&P), TOL);
    }
    call_free(c);
    free(ra), free(rb);
    prob_free(&P);
}

TEST("lab06.2", 2, "gradients work, and reject mismatched shapes naming themselves",
     "A valid call must match the reference; check every shape with LAB_REQUIRE inside train_gradients before writing.")
{
    if (func_works(j, "train_gradients"))
        rejects_mismatches(j, "train_gradients", student_gradients, "grad_a");
}

/* ---- lab06.3: the gradient checker ---- */

/* The right gradient of P (reference) into ga (d_in, r), gb (r, d_out). */
static void right_gradient(prob_t *P, double *ga, double *gb)
{
    train_problem_t p = ref_problem(P);
    train_gradients(&p, mat_of(P, 3), mat_of(P, 4), ga, gb);
}

/* Runs the student's checker on (ga, gb); compares its verdict with want_accept
 * and, if tol_err > 0, its error with the reference's within tol_err. */
static void check_verdict(judge_t *j, prob_t *P, const double *ga, const double *gb,
                          int want_accept, double tol_err, const char *what)
{
    train_problem_t p = ref_problem(P);
    double ref_err, ref_acc;
    train_grad_check(&p, mat_of(P, 3), mat_of(P, 4), ga, gb, TRAIN_GRADCHECK_EPS, &ref_err,
                     &ref_acc);
    call_t *c = student_check(j, P, ga, gb, TRAIN_GRADCHECK_EPS);
    if (call_ok(j, c) && expect_inputs_unchanged(j, c)) {
        const double *err = call_output(c, "max_rel_err"), *acc = call_output(c, "accepted");
        if (err && acc) {
            if (*acc != (want_accept ? 1.0 : 0.0))
                judge_fail(j, "%s: accepted = %g, expected %d (max_rel_err %.3g; the reference "
                           "measures %.3g, threshold 1e-6)", what, *acc, want_accept, *err,
                           ref_err);
            else if (tol_err > 0 && !(fabs(*err - ref_err) <= tol_err * fmax(1.0, ref_err)))
                judge_fail(j, "%s: max_rel_err %.10g, the reference measures %.10g", what, *err,
                           ref_err);
        }
    }
    call_free(c);
}

TEST("lab06.3", 2, "checker accepts a right gradient (error below 1e-8), not twice it",
     "num = (J(theta+eps) - J(theta-eps)) / (2 eps) with J = (1/N) sum of squares; accept only when the largest error is <= 1e-6.")
{
    for (int k = 0; k < 2 && !judge_failed(j); k++) {
        prob_t P;
        prob_random_shape(j, &P);
        double *ga = mat_alloc(DIN(&P), R_(&P)), *gb = mat_alloc(R_(&P), DOUT(&P));
        right_gradient(&P, ga, gb);
        call_t *c = student_check(j, &P, ga, gb, TRAIN_GRADCHECK_EPS);
        if (call_ok(j, c)) {
            const double *err = call_output(c, "max_rel_err"), *acc = call_output(c, "accepted");
            if (err && acc && !(*err <= 1e-8 && *acc == 1.0))
                judge_fail(j, "a right gradient: max_rel_err %.3g, accepted %g; expected below "
                           "1e-8 and 1 (central differences of J = d_out MSE are exact up to "
                           "rounding here)", *err, *acc);
        }
        call_free(c);
        /* An accept-everything checker is no checker: twice the gradient fails. */
        scale_gradient(&P, ga, gb, 2.0);
        if (!judge_failed(j))
            check_verdict(j, &P, ga, gb, 0, 0, "twice the right gradient");
        free(ga), free(gb);
        prob_free(&P);
    }
}

TEST("lab06.3", 3, "checker accepts a right gradient, rejects grad_a transposed",
     "A right gradient must be accepted (error below 1e-8); compare entry q of grad_a with the numeric derivative of a[q] (row-major, (d_in, r)).")
{
    if (!func_works(j, "train_grad_check"))
        return;
    /* grad_a computed right, but stored (r, d_in): the entries are all there, misplaced. */
    prob_t P;
    prob_random(j, &P, 9, 5, 3, 2);
    double *ga = mat_alloc(5, 2), *gt = mat_alloc(2, 5), *gb = mat_alloc(2, 3);
    right_gradient(&P, ga, gb);
    mat_transpose(ga, gt, 5, 2);
    check_verdict(j, &P, gt, gb, 0, 0, "grad_a stored transposed");
    free(ga), free(gt), free(gb);
    prob_free(&P);
}

TEST("lab06.3", 3, "checker accepts a right gradient, rejects twice or half of it",
     "A right gradient must be accepted (error below 1e-8); the error is |ana - num| / max(1, |ana|, |num|); accept only if the largest is <= 1e-6.")
{
    if (!func_works(j, "train_grad_check"))
        return;
    prob_t P;
    prob_random_shape(j, &P);
    double *ga = mat_alloc(DIN(&P), R_(&P)), *gb = mat_alloc(R_(&P), DOUT(&P));
    static const double f[] = {2.0, 0.5};
    for (int k = 0; k < 2 && !judge_failed(j); k++) {
        right_gradient(&P, ga, gb);
        scale_gradient(&P, ga, gb, f[k]);
        check_verdict(j, &P, ga, gb, 0, 0, f[k] > 1 ? "twice the gradient" : "half the gradient");
    }
    free(ga), free(gb);
    prob_free(&P);
}

TEST("lab06.3", 3, "checker's error equals the reference's on wrong gradients",
     "Report the largest |ana - num| / max(1, |ana|, |num|) over all entries of a, then b.")
{
    prob_t P;
    prob_random_shape(j, &P);
    double *ga = mat_alloc(DIN(&P), R_(&P)), *gb = mat_alloc(R_(&P), DOUT(&P));
    rng_t *g = judge_rng(j);
    right_gradient(&P, ga, gb);
    for (size_t q = 0; q < cnt(&P, 4); q++) /* grad_b off by random amounts */
        gb[q] += rng_uniform_range(g, -0.3, 0.3);
    check_verdict(j, &P, ga, gb, 0, 1e-7, "grad_b perturbed");
    right_gradient(&P, ga, gb);
    for (size_t q = 0; q < cnt(&P, 3); q++)
        ga[q] *= 1.0 + rng_uniform_range(g, 0.01, 3.0);
    if (!judge_failed(j))
        check_verdict(j, &P, ga, gb, 0, 1e-7, "grad_a scaled entry by entry");
    free(ga), free(gb);
    prob_free(&P);
}

TEST("lab06.3", 2, "checker accepts a right gradient, rejects one entry off by 1e-4",
     "A right gradient must be accepted (error below 1e-8); accept only when every entry's error is <= TRAIN_GRADCHECK_TOL = 1e-6.")
{
    if (!func_works(j, "train_grad_check"))
        return;
    prob_t P;
    prob_random(j, &P, 12, 4, 6, 2);
    double *ga = mat_alloc(4, 2), *gb = mat_alloc(2, 6);
    right_gradient(&P, ga, gb);
    const size_t q = (size_t)rng_below(judge_rng(j), 12);
    gb[q] += 1e-4 * fmax(1.0, fabs(gb[q]));
    check_verdict(j, &P, ga, gb, 0, 0, "one entry of grad_b off by 1e-4");
    free(ga), free(gb);
    prob_free(&P);
}

static call_t *check_with_zero_grads(judge_t *j, prob_t *P)
{
    static const double zeros[64];
    return student_check(j, P, zeros, zeros, TRAIN_GRADCHECK_EPS);
}

TEST("lab06.3", 2, "checker accepts a right gradient; rejects bad eps, mismatched shapes",
     "A right gradient must be accepted (error below 1e-8); eps must be finite and > 0; check the shapes with LAB_REQUIRE in train_grad_check.")
{
    if (!func_works(j, "train_grad_check"))
        return;
    prob_t P;
    prob_random(j, &P, 4, 3, 2, 1);
    double ga[3] = {0}, gb[2] = {0};
    static const double bad_eps[] = {0.0, -1e-5, NAN};
    for (int k = 0; k < 3 && !judge_failed(j); k++) {
        call_t *c = student_check(j, &P, ga, gb, bad_eps[k]);
        if (call_run(c) && !(expect_return(j, c, LAB_EARG) && expect_untouched(j, c, "accepted")))
            judge_fail(j, "(the case: eps = %g)", bad_eps[k]);
        call_free(c);
    }
    prob_free(&P);
    if (!judge_failed(j))
        rejects_mismatches(j, "train_grad_check", check_with_zero_grads, "accepted");
}

/* ---- lab06.4: SGD ---- */

TEST("lab06.4", 3, "SGD after 1 step matches the reference",
     "a -= lr grad_a, b -= lr grad_b, both gradients from the same a and b; out = a then b.")
{
    trajectory_test(j, "train_sgd", train_sgd, 0.05, 1, TOL, 3);
}
TEST("lab06.4", 2, "SGD after 10 steps matches the reference",
     "Each step: both gradients at the same a and b, then a -= lr grad_a and b -= lr grad_b; out = a then b.")
{
    trajectory_test(j, "train_sgd", train_sgd, 0.05, 10, TOL, 3);
}
TEST("lab06.4", 3, "SGD after 200 steps matches the reference within 1e-8",
     "200 steps, each as in the 1-step test: both gradients (G = (2/N) x^T (y_hat - y)) at the same a, b, then the update.")
{
    trajectory_test(j, "train_sgd", train_sgd, 0.05, 200, TOL_LONG, 2);
}

TEST("lab06.4", 2, "worked example: one step gives [0.8, -0.4, 1.1, 0.7]",
     "lr = 0.05: a = [[1], [0]] - 0.05 [[4], [8]], b = [[1, 1]] - 0.05 [[-2, 6]]; out = a then b.")
{
    /* Course number (train_adapter.h, README): lr = 0.05, one step. */
    static const double out[] = {0.8, -0.4, 1.1, 0.7}, losses[] = {5, 4};
    prob_t P;
    prob_example(&P);
    call_t *c = student_train(j, "train_sgd", &P, 0.05, 1, 1);
    if (call_ok(j, c) &&
        expect_close(j, "out", call_output(c, "out"), out, 1, 4, TOL))
        expect_close(j, "losses", call_output(c, "losses"), losses, 1, 2, TOL);
    call_free(c);
    prob_free(&P);
}

TEST("lab06.4", 2, "the SGD loss curve holds the MSE after each step",
     "losses[k] is the MSE at the a, b after k steps, k = 0 .. n_steps (n_steps + 1 values).")
{
    prob_t P;
    prob_random_shape(j, &P);
    train_matches(j, "train_sgd", train_sgd, &P, 0.05, 25, TOL, 1);
    prob_free(&P);
}

/* n_steps = 0 (and, separately, lr = 0) must give a0 then b0 exactly. */
static void unchanged_test(judge_t *j, const char *func, double lr, long long steps)
{
    if (!func_works(j, func))
        return;
    prob_t P;
    prob_random_shape(j, &P);
    double *want = mat_alloc(NPAR(&P), 1);
    memcpy(want, P.m[3], cnt(&P, 3) * sizeof(double));
    memcpy(want + cnt(&P, 3), P.m[4], cnt(&P, 4) * sizeof(double));
    call_t *c = student_train(j, func, &P, lr, steps, 1);
    if (call_ok(j, c) &&
        !expect_exact(j, "out", call_output(c, "out"), want, 1, NPAR(&P)))
        judge_fail(j, "(lr = %g, n_steps = %lld: out must be a0 then b0, unchanged)", lr, steps);
    if (steps == 0 && !judge_failed(j)) {
        train_problem_t p = ref_problem(&P);
        double l0;
        train_forward(&p, mat_of(&P, 3), mat_of(&P, 4), NULL, &l0);
        expect_close(j, "losses[0] (n_steps = 0)", call_output(c, "losses"), &l0, 1, 1, TOL);
    }
    call_free(c);
    free(want);
    prob_free(&P);
}

TEST("lab06.4", 3, "one step is right; n_steps = 0 returns a0 then b0 unchanged",
     "One SGD step must match the reference; copy a0 and b0 into out before the loop; with no step, that is the answer.")
{
    unchanged_test(j, "train_sgd", 0.05, 0);
}
TEST("lab06.4", 2, "one step is right; lr = 0 leaves a and b unchanged bit for bit",
     "One SGD step must match the reference; with lr = 0, a and b must come back bit for bit.")
{
    unchanged_test(j, "train_sgd", 0.0, 7);
}

TEST("lab06.4", 2, "SGD reaches near-zero loss on a target reachable at rank r",
     "On a target reachable at rank r the loss must get near 0: every step a -= lr grad_a and b -= lr grad_b.")
{
    /* y = x (w_base + a* b*): the adapter can fit it exactly at rank r. */
    prob_t P;
    prob_random(j, &P, 40, 8, 6, 2);
    rng_t *g = judge_rng(j);
    double *as = mat_alloc(8, 2), *bs = mat_alloc(2, 6);
    rng_fill_uniform(g, as, 16, -1, 1);
    rng_fill_uniform(g, bs, 12, -1, 1);
    train_problem_t p = ref_problem(&P);
    double l;
    train_forward(&p, (train_mat_t){as, 8, 2}, (train_mat_t){bs, 2, 6}, P.m[1], &l);
    memset(P.m[4], 0, 12 * sizeof(double)); /* start as LoRA does: b = 0 */
    p = ref_problem(&P);
    double l0;
    train_forward(&p, mat_of(&P, 3), mat_of(&P, 4), NULL, &l0);
    call_t *c = student_train(j, "train_sgd", &P, 0.1, 2000, 0);
    if (call_ok(j, c)) {
        const double *out = call_output(c, "out");
        if (out) {
            double lf;
            train_forward(&p, (train_mat_t){out, 8, 2}, (train_mat_t){out + 16, 2, 6}, NULL, &lf);
            if (!(lf <= 1e-12))
                judge_fail(j, "after 2000 steps (lr = 0.1) the MSE is %.3g (from %.3g); the "
                           "target is reachable at r = 2, and the reference gets below 1e-20",
                           lf, l0);
        }
    }
    call_free(c);
    free(as), free(bs);
    prob_free(&P);
}

static call_t *sgd_one_step(judge_t *j, prob_t *P)
{
    return student_train(j, "train_sgd", P, 0.05, 1, 0);
}
static call_t *adam_one_step(judge_t *j, prob_t *P)
{
    return student_train(j, "train_adam", P, 0.05, 1, 0);
}

/* func with out_len, then losses_len, one more than the buffer it names:
 * LAB_EARG with out untouched. */
static void rejects_wrong_lengths(judge_t *j, const char *func, prob_t *P)
{
    for (int k = 0; k < 2 && !judge_failed(j); k++) {
        call_t *c = student(j, func, P);
        call_real(c, "lr", 0.05);
        call_int(c, "n_steps", 2);
        call_out(c, "out", NPAR(P));
        call_size(c, "out_len", NPAR(P) + (k == 0));
        call_out(c, "losses", 3);
        call_size(c, "losses_len", 3 + (k == 1));
        if (call_run(c) && !(expect_return(j, c, LAB_EARG) && expect_untouched(j, c, "out")))
            judge_fail(j, "(the case: %s, the buffer holds one less)", k == 0 ? "out_len" : "losses_len");
        call_free(c);
    }
}

static void bad_training_args(judge_t *j, const char *func,
                              call_t *(*make)(judge_t *, prob_t *))
{
    if (!func_works(j, func))
        return;
    prob_t P;
    prob_random(j, &P, 5, 4, 3, 2);
    static const struct { double lr; long long steps; const char *what; } cases[] = {
        {0.05, -1, "n_steps = -1"}, {-0.1, 3, "lr = -0.1"}, {NAN, 3, "lr = NaN"}};
    for (int k = 0; k < 3 && !judge_failed(j); k++) {
        call_t *c = student_train(j, func, &P, cases[k].lr, cases[k].steps, 0);
        if (call_run(c)) {
            if (!(expect_return(j, c, LAB_EARG) && expect_untouched(j, c, "out")))
                judge_fail(j, "(the case: %s)", cases[k].what);
            else if (!strstr(call_printed(c), func))
                judge_fail(j, "LAB_EARG for %s, but the message does not name %s", cases[k].what,
                           func);
        }
        call_free(c);
    }
    rejects_wrong_lengths(j, func, &P);
    prob_free(&P);
    if (!judge_failed(j))
        rejects_mismatches(j, func, make, "out");
}

TEST("lab06.4", 2, "SGD steps right, and rejects negative steps and mismatched shapes",
     "One SGD step must match the reference; n_steps < 0, lr < 0 or not finite, out_len or losses_len not the counts, and shapes that do not fit: LAB_REQUIRE in train_sgd.")
{
    bad_training_args(j, "train_sgd", sgd_one_step);
}

/* ---- lab06.5: Adam ---- */

TEST("lab06.5", 4, "Adam after 1 step matches the reference",
     "Step 1 with bias correction moves each entry by lr g / (|g| + eps): m/(1 - 0.9^t), v/(1 - 0.999^t).")
{
    trajectory_test(j, "train_adam", train_adam, 0.01, 1, TOL, 3);
}
TEST("lab06.5", 3, "Adam after 100 steps matches the reference within 1e-8",
     "m and v persist across steps; t counts from 1; beta1 = 0.9, beta2 = 0.999, eps = 1e-8.")
{
    trajectory_test(j, "train_adam", train_adam, 0.01, 100, TOL_LONG, 2);
}

TEST("lab06.5", 2, "Adam keeps eps outside the square root on small gradients",
     "Small gradients: the denominator is sqrt(v) / sqrt(1 - beta2^t) + eps, eps outside the square root, as torch.optim.Adam.")
{
    /* y close to the prediction: gradients of order 1e-4, where sqrt(v + eps)
     * and sqrt(v) + eps differ by about 1%. */
    prob_t P;
    prob_random(j, &P, 10, 4, 3, 2);
    train_problem_t p = ref_problem(&P);
    double l;
    train_forward(&p, mat_of(&P, 3), mat_of(&P, 4), P.m[1], &l);
    for (size_t q = 0; q < cnt(&P, 1); q++)
        P.m[1][q] += 1e-4 * rng_uniform_range(judge_rng(j), -1, 1);
    if (!train_matches(j, "train_adam", train_adam, &P, 0.001, 5, TOL, 0))
        judge_fail(j, "(gradients here are about 1e-4: is eps added outside the square root, "
                   "after the bias correction?)");
    prob_free(&P);
}

TEST("lab06.5", 2, "the Adam loss curve matches the reference",
     "losses[k] is the MSE after k Adam steps, k = 0 .. n_steps.")
{
    prob_t P;
    prob_random_shape(j, &P);
    train_matches(j, "train_adam", train_adam, &P, 0.01, 25, TOL, 1);
    prob_free(&P);
}

TEST("lab06.5", 3, "one Adam step is right; n_steps = 0 or lr = 0 returns a0, b0",
     "One Adam step must match the reference; copy a0 and b0 into out first; lr = 0 moves nothing.")
{
    unchanged_test(j, "train_adam", 0.01, 0);
    if (!judge_failed(j))
        unchanged_test(j, "train_adam", 0.0, 6);
}

TEST("lab06.5", 2, "Adam steps right, and rejects negative steps and mismatched shapes",
     "One Adam step must match the reference; same checks as train_sgd, with LAB_REQUIRE in train_adam.")
{
    bad_training_args(j, "train_adam", adam_one_step);
}

JUDGE_LAB_MAIN("06", "train an adapter end to end", "06-train-adapter", "train_adapter.h",
               "train_adapter.c")
