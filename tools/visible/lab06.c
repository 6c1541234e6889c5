/*
 * lab06.c - writes data/lab06/visible-expected.txt from the reference
 * (make visible-expected): a random non-square problem (N = 6, d_in = 4,
 * d_out = 3, r = 2), its forward pass, gradients, and 10 steps of SGD and
 * of Adam.
 */
#include "gen.h"
#include "train_adapter.h"

enum { N = 6, DI = 4, DO = 3, R = 2, STEPS = 10, OUT = DI * R + R * DO };
static const double LR = 0.05;

int main(void)
{
    rng_t g;
    start_file(&g, "06", 6606);
    printf("# N = %d, d_in = %d, d_out = %d, r = %d; %d steps of SGD and Adam with lr %g\n", N, DI, DO, R,
           STEPS, LR);
    double *x = random_matrix(&g, N, DI), *y = random_matrix(&g, N, DO), *w = random_matrix(&g, DI, DO);
    double *a = random_matrix(&g, DI, R), *b = random_matrix(&g, R, DO);
    put("x", x, N, DI), put("y", y, N, DO), put("w_base", w, DI, DO), put("a", a, DI, R), put("b", b, R, DO);
    train_problem_t p = {{x, N, DI}, {y, N, DO}, {w, DI, DO}};
    train_mat_t ma = {a, DI, R}, mb = {b, R, DO};

    double y_hat[N * DO], loss;
    MUST(train_forward(&p, ma, mb, y_hat, &loss));
    put("forward.y_hat", y_hat, N, DO), put_scalar("forward.loss", loss);

    double ga[DI * R], gb[R * DO], t[DI * R];
    MUST(train_gradients(&p, ma, mb, ga, gb));
    put("grad.a", ga, DI, R), put("grad.b", gb, R, DO);
    mat_transpose(ga, t, DI, R);
    put("grad.a~transposed", t, R, DI); /* written as (r, d_in) */
    for (size_t i = 0; i < DI * R; i++)
        t[i] = ga[i] / DO;
    put("grad.a~over_n_dout", t, DI, R);
    for (size_t i = 0; i < DI * R; i++)
        t[i] = ga[i] / 2;
    put("grad.a~half", t, DI, R);

    double out[OUT], losses[STEPS + 1];
    MUST(train_sgd(&p, ma, mb, LR, STEPS, out, OUT, losses, STEPS + 1));
    put("sgd.out", out, 1, OUT), put("sgd.losses", losses, 1, STEPS + 1);
    MUST(train_adam(&p, ma, mb, LR, STEPS, out, OUT, losses, STEPS + 1));
    put("adam.out", out, 1, OUT), put("adam.losses", losses, 1, STEPS + 1);
    free(x), free(y), free(w), free(a), free(b);
    return 0;
}
