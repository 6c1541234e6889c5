/*
 * lab03.c - writes data/lab03/visible-expected.txt from the reference
 * (make visible-expected): initialization (lora_init and PEFT's Gaussian),
 * scaling, the wrapped layer, its gradients and one SGD step on a random
 * non-square layer (d_in = 5, d_out = 3, r = 2, batch 4, scale 1.5).
 */
#include "gen.h"
#include "lora_linear.h"

enum { DI = 5, DO = 3, R = 2, N = 4 };
static const double SCALE = 1.5, LR = 0.1;

int main(void)
{
    rng_t g;
    start_file(&g, "03", 3303);
    printf("# d_in = %d, d_out = %d, r = %d, batch %d, scale %g, lr %g\n", DI, DO, R, N, SCALE, LR);
    double a[R * DI], b[DO * R], t_ab[DO * R];

    /* lab03.1: both inits with their own seed 77 (std 0.5 for the Gaussian). */
    MUST(lora_init(a, b, DI, DO, R, LORA_INIT_KAIMING_UNIFORM, 0.0, 77));
    put("init_kaiming.a", a, R, DI);
    MUST(lora_init(a, b, DI, DO, R, LORA_INIT_GAUSSIAN, 0.5, 77));
    put("init_gaussian.a", a, R, DI);
    MUST(lora_init(a, b, DI, DO, R, LORA_INIT_GAUSSIAN, 0.25, 77));
    put("init_gaussian.a~variance", a, R, DI); /* std 0.5 drawn as std 0.5^2 */

    /* lab03.6: PEFT's Gaussian init, seed 78 (std 1/r = 0.5), and what std
     * 1/sqrt(r) or the Kaiming-uniform init give instead. */
    MUST(lora_init_peft_gaussian(a, b, DI, DO, R, 78));
    put("peft_gaussian.a", a, R, DI);
    MUST(lora_init(a, b, DI, DO, R, LORA_INIT_GAUSSIAN, 0.70710678118654752, 78));
    put("peft_gaussian.a~sqrt_r", a, R, DI); /* 1/sqrt(2) */
    MUST(lora_init(a, b, DI, DO, R, LORA_INIT_KAIMING_UNIFORM, 0.0, 78));
    put("peft_gaussian.a~kaiming", a, R, DI);

    /* lab03.2 */
    double s;
    MUST(lora_scaling(3.0, 5, LORA_SCALING_STANDARD, &s));
    put_scalar("scaling.standard", s);
    MUST(lora_scaling(3.0, 5, LORA_SCALING_RSLORA, &s));
    put_scalar("scaling.rslora", s);

    double *x = random_matrix(&g, N, DI), *t = random_matrix(&g, N, DO), *w0 = random_matrix(&g, DO, DI);
    double *bias = random_matrix(&g, 1, DO), *a_ = random_matrix(&g, R, DI), *b_ = random_matrix(&g, DO, R);
    double *zero_bias = mat_alloc(1, DO), *y = mat_alloc(N, DO), *bt = mat_alloc(DO, R);
    put("x", x, N, DI), put("t", t, N, DO), put("w0", w0, DO, DI), put("bias", bias, 1, DO);
    put("a", a_, R, DI), put("b", b_, DO, R);

    /* lab03.3 */
    mat_transpose(b_, bt, R, DO); /* B read as (r, d_out) */
    MUST(lora_linear_forward(x, N, w0, bias, a_, b_, DI, DO, R, SCALE, y));
    put("forward.y", y, N, DO);
    MUST(lora_linear_forward(x, N, w0, bias, a_, bt, DI, DO, R, SCALE, y));
    put("forward.y~b_transposed", y, N, DO);
    MUST(lora_linear_forward(x, N, w0, zero_bias, a_, b_, DI, DO, R, SCALE, y));
    put("forward.y~no_bias", y, N, DO);

    /* lab03.4 */
    double loss, ga[R * DI], gb[DO * R];
    MUST(lora_grad(x, t, N, w0, bias, a_, b_, DI, DO, R, SCALE, &loss, ga, gb));
    put_scalar("grad.loss", loss), put("grad.a", ga, R, DI), put("grad.b", gb, DO, R);
    mat_transpose(gb, t_ab, DO, R);
    put("grad.b~transposed", t_ab, R, DO); /* dL/dB written as (r, d_out) */
    for (size_t i = 0; i < R * DI; i++)
        ga[i] *= 0.5;
    for (size_t i = 0; i < DO * R; i++)
        gb[i] *= 0.5;
    put("grad.a~half", ga, R, DI), put("grad.b~half", gb, DO, R);

    /* lab03.5 */
    double a_new[R * DI], b_new[DO * R];
    MUST(lora_sgd_step(x, t, N, w0, bias, a_, b_, DI, DO, R, SCALE, LR, &loss, a_new, b_new));
    put_scalar("step.loss", loss), put("step.a", a_new, R, DI), put("step.b", b_new, DO, R);
    for (size_t i = 0; i < R * DI; i++) /* a + lr dL/dA instead of a - lr dL/dA */
        a_new[i] = 2 * a_[i] - a_new[i];
    for (size_t i = 0; i < DO * R; i++)
        b_new[i] = 2 * b_[i] - b_new[i];
    put("step.a~ascent", a_new, R, DI), put("step.b~ascent", b_new, DO, R);

    free(x), free(t), free(w0), free(bias), free(a_), free(b_), free(zero_bias), free(y), free(bt);
    return 0;
}
