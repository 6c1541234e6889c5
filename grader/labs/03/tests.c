/*
 * tests.c - Lab 03's hidden tests: initialization, scaling, the wrapped
 * layer's forward pass, its gradients and one SGD step.
 *
 * Expected values come from the reference solution (linked into this judge,
 * never into the runner), from central finite differences of the reference
 * loss, or from numbers the course prints (the d = k = 6, r = 3, alpha = 6
 * exercise).  Random cases draw from judge_rng(): seed printed, --seed N.
 *
 * The initialization tests are of two kinds.  Exact ones: lora_init draws in
 * a fixed order (lora_linear.h), so the same seed must give the reference's A
 * bit for bit.  Statistical ones, on a large A (r * d_in = 16384 draws) from
 * a seed taken from judge_rng: max |A| <= bound; min and max within 1% of
 * -bound and +bound; sample variance within 5% of bound^2 / 3 (uniform) or
 * std^2 (Gaussian) and |mean| <= 0.05 * bound.  For the uniform law the
 * variance estimate has a relative standard deviation of 0.7% at this size
 * (the Gaussian's 1.1%), and max < 0.99 bound has probability below e^-80,
 * so a right solution passes for every seed while a wrong bound, the wrong
 * fan (d_out instead of d_in, with d_out != d_in) or a Gaussian where the
 * uniform law was asked fails.
 */
#include "describe.h"
#include "tests.h"
#include "lora_linear.h"
#include "matrix.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TOL 1e-9

/* ------------------------------------------------------------ helpers */

typedef struct {
    size_t batch, d_in, d_out, r;
    double scale;
    double *x, *t, *w0, *bias, *a, *b;
} problem_t;

static void problem_random(judge_t *j, problem_t *p, size_t batch, size_t d_in, size_t d_out,
                           size_t r)
{
    const size_t rows = batch ? batch : 1; /* an empty batch still gets a row of x and t */
    *p = (problem_t){.batch = batch, .d_in = d_in, .d_out = d_out, .r = r,
                     .scale = rng_uniform_range(judge_rng(j), 0.25, 4.0)};
    p->x = judge_random(j, rows * d_in);
    p->t = judge_random(j, rows * d_out);
    p->w0 = judge_random(j, d_out * d_in);
    p->bias = judge_random(j, d_out);
    p->a = judge_random(j, r * d_in);
    p->b = judge_random(j, d_out * r);
}

static void problem_free(problem_t *p)
{
    free(p->x), free(p->t), free(p->w0), free(p->bias), free(p->a), free(p->b);
}

static long long draw_seed(judge_t *j) { return (long long)(rng_next_u64(judge_rng(j)) >> 1); }

static call_t *student_init(judge_t *j, size_t d_in, size_t d_out, size_t r, long long kind,
                            double std, long long seed)
{
    return call_described(j, "lora_init",
                          (fn_value_t[]){{0}, {0}, {.z = d_in}, {.z = d_out}, {.z = r}, {.l = kind},
                                         {.d = std}, {.l = seed}});
}

static call_t *student_scaling(judge_t *j, double alpha, size_t r, long long kind)
{
    return call_described(j, "lora_scaling",
                          (fn_value_t[]){{.d = alpha}, {.z = r}, {.l = kind}, {0}});
}

/* The values of p in the order lora_linear_forward (with_t 0) or lora_grad
 * and lora_sgd_step (with_t 1) take them: x, [t,] batch, w0, bias, a, b, the
 * sizes, scale, [lr,] then the outputs (no value).  Returns v. */
static fn_value_t *problem_values(const problem_t *p, int with_t, double lr, fn_value_t *v)
{
    int n = 0;
    memset(v, 0, DESC_MAX_ARGS * sizeof *v);
    v[n++].in = p->x;
    if (with_t)
        v[n++].in = p->t;
    v[n++].z = p->batch;
    v[n++].in = p->w0;
    v[n++].in = p->bias;
    v[n++].in = p->a;
    v[n++].in = p->b;
    v[n++].z = p->d_in;
    v[n++].z = p->d_out;
    v[n++].z = p->r;
    v[n++].d = p->scale;
    v[n].d = lr; /* lora_sgd_step's lr (the others: their first output, no value) */
    return v;
}

static call_t *student_forward(judge_t *j, const problem_t *p)
{
    fn_value_t v[DESC_MAX_ARGS];
    return call_described(j, "lora_linear_forward", problem_values(p, 0, 0, v));
}

static call_t *student_grad(judge_t *j, const problem_t *p)
{
    fn_value_t v[DESC_MAX_ARGS];
    return call_described(j, "lora_grad", problem_values(p, 1, 0, v));
}

static call_t *student_step(judge_t *j, const problem_t *p, double lr)
{
    fn_value_t v[DESC_MAX_ARGS];
    return call_described(j, "lora_sgd_step", problem_values(p, 1, lr, v));
}

static int all_zero(const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] != 0.0)
            return 0;
    return 1;
}

/* After a failed valid call: says so (judge_needs_working, which also counts
 * the call's wrong values as that, not as the test's own). */
void needs_working(judge_t *j, const char *func)
{
    (void)judge_needs_working(j, func);
}

/* ---- lab03.1: initialization ---- */

static void init_matches_reference(judge_t *j, long long kind, double std)
{
    static const size_t shapes[][3] = {{48, 20, 4}, {7, 33, 3}, {100, 100, 16}};
    for (size_t s = 0; s < 3 && !judge_failed(j); s++) {
        size_t di = shapes[s][0], dn = shapes[s][1], r = shapes[s][2];
        long long seed = draw_seed(j);
        double *a = mat_alloc(r, di), *b = mat_alloc(dn, r);
        lora_init(a, b, di, dn, r, kind, std, seed);
        call_t *c = student_init(j, di, dn, r, kind, std, seed);
        if (call_ok(j, c) &&
            !expect_exact(j, "a", call_output(c, "a"), a, r, di))
            judge_fail(j, "(d_in = %zu, d_out = %zu, r = %zu, seed = %lld: one rng_seed, then "
                       "a[0], a[1], ... in order, one draw each)", di, dn, r, seed);
        call_free(c);
        free(a), free(b);
    }
}

TEST("lab03.1", 6, "Kaiming-uniform A equals the reference for the same seed",
     "One rng_seed(&g, (uint64_t)seed), then a[i] = rng_uniform_range(&g, -bound, bound) for i = 0, 1, ... in order; bound = 1/sqrt(d_in).")
{
    init_matches_reference(j, LORA_INIT_KAIMING_UNIFORM, 0.0);
}
TEST("lab03.1", 4, "Gaussian A equals the reference for the same seed",
     "kind = LORA_INIT_GAUSSIAN: a[i] = std * rng_normal(&g), one call per entry, in order.")
{
    init_matches_reference(j, LORA_INIT_GAUSSIAN, rng_uniform_range(judge_rng(j), 0.01, 0.5));
}

/* A large Kaiming-uniform A from the student; returns its statistics. */
typedef struct { double min, max, mean, var, bound; } stats_t;

static int big_init(judge_t *j, size_t d_in, size_t d_out, size_t r, long long kind, double std,
                    stats_t *st)
{
    call_t *c = student_init(j, d_in, d_out, r, kind, std, draw_seed(j));
    int ok = call_ok(j, c);
    const double *a = ok ? call_output(c, "a") : NULL;
    if (a) {
        size_t n = r * d_in;
        double s = 0, s2 = 0;
        st->min = st->max = a[0];
        for (size_t i = 0; i < n; i++) {
            st->min = fmin(st->min, a[i]), st->max = fmax(st->max, a[i]);
            s += a[i];
        }
        st->mean = s / (double)n;
        for (size_t i = 0; i < n; i++)
            s2 += (a[i] - st->mean) * (a[i] - st->mean);
        st->var = s2 / (double)(n - 1);
        st->bound = 1.0 / sqrt((double)d_in);
    }
    call_free(c);
    return a != NULL;
}

TEST("lab03.1", 4, "a large Kaiming-uniform A reaches but never passes 1/sqrt(d_in)",
     "Every a[i] must lie in [-1/sqrt(d_in), 1/sqrt(d_in)) (fan_in = d_in, A's columns), and the largest |a[i]| come close to that bound.")
{
    /* d_out < d_in: 1/sqrt(d_out) is the larger bound, and sqrt(6/d_in)
     * (Kaiming with a = 0) is larger still: both overshoot. */
    stats_t st;
    if (!big_init(j, 256, 64, 64, LORA_INIT_KAIMING_UNIFORM, 0.0, &st))
        return;
    if (!(fmax(-st.min, st.max) <= st.bound))
        judge_fail(j, "max |a| = %.6g exceeds the bound 1/sqrt(d_in) = %.6g (d_in = 256, "
                   "d_out = 64: is the fan d_in, and is it uniform, not normal?)",
                   fmax(-st.min, st.max), st.bound);
    else if (!(fmax(-st.min, st.max) >= 0.9 * st.bound)) /* zeros, a constant: no draw */
        judge_fail(j, "max |a| = %.6g is below 0.9 / sqrt(d_in) = %.6g: %zu uniform draws come "
                   "closer to the bound (is every entry of a drawn?)", fmax(-st.min, st.max),
                   0.9 * st.bound, (size_t)(64 * 256));
}

TEST("lab03.1", 5, "a large Kaiming-uniform A has the uniform spread",
     "A large A must spread as the uniform law on [-1/sqrt(d_in), 1/sqrt(d_in)) does: range, mean and variance are checked.")
{
    /* d_out > d_in: 1/sqrt(d_out) is the smaller bound and would undershoot. */
    stats_t st;
    if (!big_init(j, 128, 512, 128, LORA_INIT_KAIMING_UNIFORM, 0.0, &st))
        return;
    const double b = st.bound, want_var = b * b / 3.0;
    if (!(st.min <= -0.99 * b && st.max >= 0.99 * b && st.max <= b && st.min >= -b))
        judge_fail(j, "a spans [%.6g, %.6g]; uniform on [-%.6g, %.6g) (1/sqrt(d_in), d_in = 128) "
                   "should come within 1%% of both ends", st.min, st.max, b, b);
    if (!(fabs(st.var - want_var) <= 0.05 * want_var))
        judge_fail(j, "sample variance %.6g, expected bound^2/3 = %.6g within 5%% (a normal law "
                   "with std = bound gives bound^2)", st.var, want_var);
    if (!(fabs(st.mean) <= 0.05 * b))
        judge_fail(j, "sample mean %.6g is not near 0 (|mean| <= 0.05 bound = %.6g)", st.mean,
                   0.05 * b);
}

TEST("lab03.1", 3, "a large Gaussian A has standard deviation std",
     "A's sample standard deviation must be std: a[i] = std * rng_normal(&g), one draw per entry.")
{
    stats_t st;
    const double std = rng_uniform_range(judge_rng(j), 0.02, 0.2);
    if (!big_init(j, 256, 32, 64, LORA_INIT_GAUSSIAN, std, &st))
        return;
    if (!(fabs(st.var - std * std) <= 0.05 * std * std))
        judge_fail(j, "sample variance %.6g, expected std^2 = %.6g within 5%%", st.var, std * std);
    if (!(fabs(st.mean) <= 0.05 * std))
        judge_fail(j, "sample mean %.6g is not near 0", st.mean);
    if (!(fmax(-st.min, st.max) > 3.0 * std))
        judge_fail(j, "no draw beyond 3 std in 16384 normal draws (max |a| = %.6g): is it "
                   "uniform?", fmax(-st.min, st.max));
}

TEST("lab03.1", 3, "B is exactly zero after init, next to the reference's A",
     "Every entry of b is 0.0, for both kinds: the layer must start as the base layer; A as the reference draws it.")
{
    for (long long kind = 0; kind < 2 && !judge_failed(j); kind++) {
        long long seed = draw_seed(j);
        double *a = mat_alloc(6, 40), *b = mat_alloc(24, 6);
        lora_init(a, b, 40, 24, 6, kind, 0.1, seed);
        call_t *c = student_init(j, 40, 24, 6, kind, 0.1, seed);
        if (call_ok(j, c)) {
            const double *sb = call_output(c, "b");
            if (sb && !all_zero(sb, 24 * 6))
                judge_fail(j, "b (d_out = 24, r = 6) is not all 0.0 (kind = %lld): B starts at "
                           "zero so the layer starts as the base layer", kind);
            else
                expect_exact(j, "a (next to the zero B)", call_output(c, "a"), a, 6, 40);
        }
        call_free(c);
        free(a), free(b);
    }
}

TEST("lab03.1", 2, "A is the reference's; the same seed repeats it, another changes it",
     "A must be the reference's for each seed, the same twice for one seed, different for another: one local rng_t seeded from seed, then a[0], a[1], ...")
{
    long long seed = draw_seed(j);
    call_t *c1 = student_init(j, 30, 10, 4, LORA_INIT_KAIMING_UNIFORM, 0.0, seed);
    call_t *c2 = student_init(j, 30, 10, 4, LORA_INIT_KAIMING_UNIFORM, 0.0, seed);
    call_t *c3 = student_init(j, 30, 10, 4, LORA_INIT_KAIMING_UNIFORM, 0.0, seed + 1);
    double want[120], b[40];
    lora_init(want, b, 30, 10, 4, LORA_INIT_KAIMING_UNIFORM, 0.0, seed);
    if (call_ok(j, c1) &&
        expect_exact(j, "a (the first call)", call_output(c1, "a"), want, 4, 30) && call_run(c2) &&
        call_run(c3)) {
        const double *a1 = call_output(c1, "a"), *a2 = call_output(c2, "a"),
                     *a3 = call_output(c3, "a");
        if (a1 && a2 && a3) {
            if (memcmp(a1, a2, 120 * sizeof(double)) != 0)
                judge_fail(j, "two calls with seed %lld gave different A", seed);
            else if (memcmp(a1, a3, 120 * sizeof(double)) == 0)
                judge_fail(j, "seeds %lld and %lld gave the same A: is the seed used?", seed,
                           seed + 1);
        }
    }
    call_free(c1), call_free(c2), call_free(c3);
}

/* ---- lab03.2: scaling ---- */

static int scaling_is(judge_t *j, double alpha, size_t r, long long kind, double want)
{
    int ok = expect_call(j, student_scaling(j, alpha, r, kind), 0, "scale", &want, 1, 1, TOL);
    if (!ok)
        judge_fail(j, "(alpha = %g, r = %zu, %s: expected %.10g)", alpha, r,
                   kind ? "rsLoRA alpha/sqrt(r)" : "alpha/r", want);
    return ok;
}

TEST("lab03.2", 3, "course exercise: alpha = 6 gives 2 at r = 3 and 6 at r = 1",
     "Standard scaling is alpha / (double)r.")
{
    /* The course: d = k = 6, r = 3, alpha = 6 -> 2; switch to r = 1 -> 6. */
    if (scaling_is(j, 6, 3, LORA_SCALING_STANDARD, 2.0) &&
        scaling_is(j, 6, 1, LORA_SCALING_STANDARD, 6.0))
        scaling_is(j, 8, 4, LORA_SCALING_STANDARD, 2.0);
}

TEST("lab03.2", 2, "random alpha and r give alpha / r",
     "Standard scaling for random alpha and r: alpha / r, computed in double (alpha / (double)r).")
{
    rng_t *g = judge_rng(j);
    for (int i = 0; i < 4 && !judge_failed(j); i++) {
        size_t r = 2 + (size_t)rng_below(g, 200);
        double alpha = rng_uniform_range(g, 0.5, 64);
        scaling_is(j, alpha, r, LORA_SCALING_STANDARD, alpha / (double)r);
    }
}

TEST("lab03.2", 2, "rsLoRA scaling is alpha / sqrt(r)",
     "kind = LORA_SCALING_RSLORA: alpha / sqrt((double)r).")
{
    if (!scaling_is(j, 6, 3, LORA_SCALING_RSLORA, 6.0 / sqrt(3.0)) ||
        !scaling_is(j, 16, 64, LORA_SCALING_RSLORA, 2.0) || !scaling_is(j, 6, 1, LORA_SCALING_RSLORA, 6.0))
        return;
    rng_t *g = judge_rng(j);
    size_t r = 2 + (size_t)rng_below(g, 500);
    double alpha = rng_uniform_range(g, 0.5, 64);
    scaling_is(j, alpha, r, LORA_SCALING_RSLORA, alpha / sqrt((double)r));
}

/* ---- lab03.3: the forward pass with bias ---- */

TEST("lab03.3", 5, "output at init equals the base layer bit for bit",
     "Compute x W0^T + bias first, then add scale * (x A^T) B^T; with B = 0 that adds exactly 0.")
{
    problem_t p;
    problem_random(j, &p, 5, 24, 16, 4);
    rng_t *g = judge_rng(j);
    judge_fill_dyadic(g, p.x, p.batch * p.d_in);
    judge_fill_dyadic(g, p.w0, p.d_out * p.d_in);
    judge_fill_dyadic(g, p.bias, p.d_out);
    /* A as the init makes it (not dyadic), B = 0. */
    lora_init(p.a, p.b, p.d_in, p.d_out, p.r, LORA_INIT_KAIMING_UNIFORM, 0.0, draw_seed(j));
    double *base = mat_alloc(p.batch, p.d_out);
    mat_matmul_nt(p.x, p.w0, base, p.batch, p.d_in, p.d_out); /* exact: dyadic */
    for (size_t t = 0; t < p.batch; t++)
        for (size_t i = 0; i < p.d_out; i++)
            base[t * p.d_out + i] += p.bias[i];
    expect_call(j, student_forward(j, &p), EXPECT_EXACT, "y", base, p.batch, p.d_out, 0);
    free(base);
    problem_free(&p);
}

TEST("lab03.3", 3, "worked example gives [[7.5, 1]]",
     "y = x W0^T + bias + scale (x A^T) B^T; the bias is added once per output.")
{
    double x[2] = {1, 2}, w0[4] = {1, 0, 0, 1}, bias[2] = {0.5, -1}, a[2] = {1, 1}, b[2] = {1, 0},
           want[2] = {7.5, 1}, t[2] = {0, 0};
    problem_t p = {1, 2, 2, 1, 2.0, x, t, w0, bias, a, b};
    expect_call(j, student_forward(j, &p), 0, "y", want, 1, 2, TOL);
}

TEST("lab03.3", 3, "random batches with bias match the reference",
     "y = x W0^T + bias + scale (x A^T) B^T for every row: row t of x starts at t*d_in, row t of y at t*d_out; A is (r, d_in), B is (d_out, r).")
{
    static const size_t shapes[][4] = {{9, 37, 23, 5}, {4, 23, 61, 7}, {1, 64, 64, 64}};
    for (size_t s = 0; s < 3 && !judge_failed(j); s++) {
        problem_t p;
        problem_random(j, &p, shapes[s][0], shapes[s][1], shapes[s][2], shapes[s][3]);
        fn_value_t v[DESC_MAX_ARGS];
        if (!expect_as_reference(j, "lora_linear_forward", problem_values(&p, 0, 0, v), 0, TOL))
            judge_fail(j, "(batch = %zu, d_in = %zu, d_out = %zu, r = %zu, scale = %g)", p.batch,
                       p.d_in, p.d_out, p.r, p.scale);
        problem_free(&p);
    }
}

/* ---- lab03.4: gradients ---- */

TEST("lab03.4", 5, "gradients match the reference on non-square shapes",
     "dL/dB = scale G^T Z (d_out, r) and dL/dA = scale (G B)^T X (r, d_in), with G = (2/batch)(Y - T), Z = X A^T.")
{
    static const size_t shapes[][4] = {{6, 13, 7, 3}, {3, 7, 19, 5}, {10, 32, 32, 8}};
    for (size_t s = 0; s < 3 && !judge_failed(j); s++) {
        problem_t p;
        problem_random(j, &p, shapes[s][0], shapes[s][1], shapes[s][2], shapes[s][3]);
        double loss, *ga = mat_alloc(p.r, p.d_in), *gb = mat_alloc(p.d_out, p.r);
        lora_grad(p.x, p.t, p.batch, p.w0, p.bias, p.a, p.b, p.d_in, p.d_out, p.r, p.scale, &loss,
                  ga, gb);
        call_t *c = student_grad(j, &p);
        if (call_ok(j, c) &&
            !(expect_close(j, "grad_b", call_output(c, "grad_b"), gb, p.d_out, p.r, TOL) &&
              expect_close(j, "grad_a", call_output(c, "grad_a"), ga, p.r, p.d_in, TOL)))
            judge_fail(j, "(batch = %zu, d_in = %zu, d_out = %zu, r = %zu, scale = %g)", p.batch,
                       p.d_in, p.d_out, p.r, p.scale);
        call_free(c);
        free(ga), free(gb);
        problem_free(&p);
    }
}

/* The reference loss at (a, b), for finite differences. */
static double ref_loss(const problem_t *p, const double *a, const double *b)
{
    double *y = mat_alloc(p->batch, p->d_out), l = 0;
    lora_linear_forward(p->x, p->batch, p->w0, p->bias, a, b, p->d_in, p->d_out, p->r, p->scale, y);
    for (size_t i = 0; i < p->batch * p->d_out; i++)
        l += (y[i] - p->t[i]) * (y[i] - p->t[i]);
    free(y);
    return l / (double)p->batch;
}

TEST("lab03.4", 5, "gradients match central finite differences",
     "dL/dA and dL/dB must match central differences of L = (1/batch) sum_n sum_i (y - t)^2, with y = x W0^T + bias + scale (x A^T) B^T.")
{
    problem_t p;
    problem_random(j, &p, 4, 9, 6, 3);
    call_t *c = student_grad(j, &p);
    if (call_ok(j, c)) {
        const double *ga = call_output(c, "grad_a"), *gb = call_output(c, "grad_b");
        const double h = 1e-5;
        double *fa = mat_alloc(p.r, p.d_in), *fb = mat_alloc(p.d_out, p.r);
        double *a = mat_dup(p.a, p.r, p.d_in), *b = mat_dup(p.b, p.d_out, p.r);
        for (size_t i = 0; i < p.r * p.d_in; i++) {
            double v = a[i];
            a[i] = v + h;
            double lp = ref_loss(&p, a, b);
            a[i] = v - h;
            fa[i] = (lp - ref_loss(&p, a, b)) / (2 * h);
            a[i] = v;
        }
        for (size_t i = 0; i < p.d_out * p.r; i++) {
            double v = b[i];
            b[i] = v + h;
            double lp = ref_loss(&p, a, b);
            b[i] = v - h;
            fb[i] = (lp - ref_loss(&p, a, b)) / (2 * h);
            b[i] = v;
        }
        /* Central differences with h = 1e-5: error ~ h^2 |L'''| plus rounding
         * ~ 1e-16 L / h; 1e-6 relative is far above both, far below a factor 2. */
        if (ga && gb && expect_close(j, "grad_b vs finite differences", gb, fb, p.d_out, p.r, 1e-6))
            expect_close(j, "grad_a vs finite differences", ga, fa, p.r, p.d_in, 1e-6);
        free(fa), free(fb), free(a), free(b);
    }
    call_free(c);
    problem_free(&p);
}

TEST("lab03.4", 3, "loss is the batch mean of summed squared errors",
     "L = (1/batch) sum_n sum_i (y[n][i] - t[n][i])^2: summed over the outputs, averaged over the batch.")
{
    problem_t p;
    problem_random(j, &p, 7, 11, 5, 2);
    double want = ref_loss(&p, p.a, p.b);
    call_t *c = student_grad(j, &p);
    if (call_ok(j, c) &&
        !expect_close(j, "loss", call_output(c, "loss"), &want, 1, 1, TOL))
        judge_fail(j, "(L = (1/batch) sum over the batch and the outputs of (y - t)^2; batch = 7, "
                   "d_out = 5)");
    call_free(c);
    problem_free(&p);
}

TEST("lab03.4", 4, "with B = 0 only B gets a gradient",
     "dL/dA goes through B, so B = 0 makes it exactly 0; dL/dB goes through Z = X A^T.")
{
    problem_t p;
    problem_random(j, &p, 5, 12, 8, 4);
    lora_init(p.a, p.b, p.d_in, p.d_out, p.r, LORA_INIT_KAIMING_UNIFORM, 0.0, draw_seed(j));
    double loss, *ga = mat_alloc(p.r, p.d_in), *gb = mat_alloc(p.d_out, p.r);
    lora_grad(p.x, p.t, p.batch, p.w0, p.bias, p.a, p.b, p.d_in, p.d_out, p.r, p.scale, &loss, ga, gb);
    call_t *c = student_grad(j, &p);
    if (call_ok(j, c)) {
        const double *sa = call_output(c, "grad_a");
        if (sa && !all_zero(sa, p.r * p.d_in))
            judge_fail(j, "with B = 0, dL/dA = scale (G B)^T X must be exactly 0");
        else
            expect_close(j, "grad_b (B = 0, A from the init)", call_output(c, "grad_b"), gb,
                         p.d_out, p.r, TOL);
    }
    call_free(c);
    free(ga), free(gb);
    problem_free(&p);
}

TEST("lab03.4", 3, "with A = B = 0 the loss is the base's and no gradient flows",
     "The loss is the base layer's; each gradient is a product with the other matrix (or with Z = X A^T).")
{
    problem_t p;
    problem_random(j, &p, 5, 12, 8, 4);
    memset(p.a, 0, p.r * p.d_in * sizeof(double));
    memset(p.b, 0, p.d_out * p.r * sizeof(double));
    double want = ref_loss(&p, p.a, p.b);
    call_t *c = student_grad(j, &p);
    if (call_ok(j, c) &&
        expect_close(j, "loss (A = B = 0: the base layer's loss)", call_output(c, "loss"), &want, 1, 1, TOL)) {
        const double *sa = call_output(c, "grad_a"), *sb = call_output(c, "grad_b");
        if (sa && sb && !(all_zero(sa, p.r * p.d_in) && all_zero(sb, p.d_out * p.r)))
            judge_fail(j, "with A = B = 0 both gradients must be exactly 0 (Z = 0 and B = 0)");
    }
    call_free(c);
    problem_free(&p);
}

/* ---- lab03.5: one SGD step ---- */

/* The student's step on p compared with the reference's; on success copies
 * the new A, B into p (so steps can be chained) and returns the loss. */
static int step_matches(judge_t *j, problem_t *p, double lr, double *loss_out)
{
    double loss, *an = mat_alloc(p->r, p->d_in), *bn = mat_alloc(p->d_out, p->r);
    lora_sgd_step(p->x, p->t, p->batch, p->w0, p->bias, p->a, p->b, p->d_in, p->d_out, p->r,
                  p->scale, lr, &loss, an, bn);
    call_t *c = student_step(j, p, lr);
    int ok = call_ok(j, c) && expect_inputs_unchanged(j, c) &&
             expect_close(j, "loss", call_output(c, "loss"), &loss, 1, 1, TOL) &&
             expect_close(j, "a_new", call_output(c, "a_new"), an, p->r, p->d_in, TOL) &&
             expect_close(j, "b_new", call_output(c, "b_new"), bn, p->d_out, p->r, TOL);
    if (ok) {
        memcpy(p->a, call_output(c, "a_new"), p->r * p->d_in * sizeof(double));
        memcpy(p->b, call_output(c, "b_new"), p->d_out * p->r * sizeof(double));
        if (loss_out)
            *loss_out = call_output(c, "loss")[0];
    }
    call_free(c);
    free(an), free(bn);
    return ok;
}

TEST("lab03.5", 5, "one step matches the reference",
     "a_new = a - lr dL/dA, b_new = b - lr dL/dB, both gradients at the old a and b.")
{
    problem_t p;
    problem_random(j, &p, 8, 17, 11, 4);
    step_matches(j, &p, 0.05, NULL);
    problem_free(&p);
}

TEST("lab03.5", 4, "the frozen base stays bitwise unchanged through 12 steps",
     "Each of the 12 steps must match the reference, each fed the previous a_new and b_new: a_new = a - lr dL/dA, b_new = b - lr dL/dB, both gradients at the old a and b.")
{
    problem_t p;
    problem_random(j, &p, 6, 12, 9, 3);
    lora_init(p.a, p.b, p.d_in, p.d_out, p.r, LORA_INIT_KAIMING_UNIFORM, 0.0, draw_seed(j));
    for (int s = 0; s < 12 && !judge_failed(j); s++)
        if (!step_matches(j, &p, 0.05, NULL))
            judge_fail(j, "(at step %d of 12, each fed the previous a_new, b_new)", s + 1);
    problem_free(&p);
}

TEST("lab03.5", 2, "the loss goes down on a reachable target",
     "After steps on a reachable target the loss must be lower: a_new = a - lr dL/dA, b_new = b - lr dL/dB.")
{
    /* A target the adapter can reach: t = x (W0 + s B* A*)^T + bias. */
    problem_t p;
    problem_random(j, &p, 16, 8, 6, 2);
    p.scale = 1.0;
    lora_linear_forward(p.x, p.batch, p.w0, p.bias, p.a, p.b, p.d_in, p.d_out, p.r, 1.0, p.t);
    lora_init(p.a, p.b, p.d_in, p.d_out, p.r, LORA_INIT_KAIMING_UNIFORM, 0.0, draw_seed(j));
    double first = 0, prev = INFINITY, l = 0;
    for (int s = 0; s < 20 && !judge_failed(j); s++) {
        if (!step_matches(j, &p, 0.1, &l))
            break;
        if (s == 0)
            first = l;
        if (!(l <= prev))
            judge_fail(j, "loss went up at step %d: %.6g after %.6g (lr = 0.1)", s + 1, l, prev);
        prev = l;
    }
    if (!judge_failed(j) && !(l < 0.9 * first))
        judge_fail(j, "20 steps took the loss only from %.6g to %.6g", first, l);
    problem_free(&p);
}

TEST("lab03.5", 2, "lr = 0.05 steps as the reference; lr = 0 returns A and B unchanged",
     "a_new = a - lr dL/dA must match the reference; with lr = 0, a - 0 * grad: copy a and b.")
{
    problem_t p;
    problem_random(j, &p, 3, 7, 5, 2);
    if (!step_matches(j, &p, 0.05, NULL)) {
        needs_working(j, "lora_sgd_step");
        problem_free(&p);
        return;
    }
    call_t *c = student_step(j, &p, 0.0);
    if (call_ok(j, c) &&
        expect_exact(j, "a_new (lr = 0)", call_output(c, "a_new"), p.a, p.r, p.d_in))
        expect_exact(j, "b_new (lr = 0)", call_output(c, "b_new"), p.b, p.d_out, p.r);
    call_free(c);
    problem_free(&p);
}

TEST("lab03.5", 2, "from A = B = 0 steps never move, and the loss is the base's",
     "The loss is the base layer's; both gradients are 0 there, so a_new and b_new stay exactly 0.")
{
    problem_t p;
    problem_random(j, &p, 5, 10, 6, 3);
    memset(p.a, 0, p.r * p.d_in * sizeof(double));
    memset(p.b, 0, p.d_out * p.r * sizeof(double));
    for (int s = 0; s < 3 && !judge_failed(j); s++) {
        double loss = ref_loss(&p, p.a, p.b);
        call_t *c = student_step(j, &p, 0.5);
        if (call_ok(j, c) &&
            expect_close(j, "loss (A = B = 0: the base layer's loss)", call_output(c, "loss"), &loss, 1, 1, TOL)) {
            const double *an = call_output(c, "a_new"), *bn = call_output(c, "b_new");
            if (an && bn && !(all_zero(an, p.r * p.d_in) && all_zero(bn, p.d_out * p.r)))
                judge_fail(j, "from A = B = 0 a step must leave both exactly 0 (step %d)", s + 1);
        }
        call_free(c);
    }
    problem_free(&p);
}

JUDGE_LAB_MAIN("03", "initialization and scaling", "03-init-scaling", "lora_linear.h",
               "lora_linear.c")
