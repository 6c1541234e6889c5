/*
 * lab09.c - writes data/lab09/visible-expected.txt from the reference
 * (make visible-expected): a random non-square base (d_out = 5, d_in = 14,
 * 70 weights, so blocks of 64 leave a last block of 6) quantized to NF4,
 * its packed bytes and scales, the bytes a swapped nibble order gives, the
 * double quantization of random scales, and LoRA's forward pass and
 * gradients on the 4-bit base (batch 3, r = 2).
 */
#include <math.h>
#include <stdint.h>

#include "gen.h"
#include "qlora.h"

enum { DO = 5, DI = 14, N = DO * DI, NBYTES = (N + 1) / 2, NB = (N + 63) / 64, BATCH = 3, R = 2, NS = 11, G = 4 };

static void put_bytes(const char *name, const uint8_t *u, size_t n)
{
    double d[NBYTES > NS ? NBYTES : NS];
    for (size_t i = 0; i < n; i++)
        d[i] = u[i];
    put(name, d, 1, n);
}

int main(void)
{
    rng_t g;
    start_file(&g, "09", 9909);
    printf("# base (d_out, d_in) = (%d, %d) in NF4 blocks of 64; batch %d, r %d, alpha 4; DQ of %d scales in groups of %d\n",
           DO, DI, BATCH, R, NS, G);
    double lv[16], w[N], sc[NB];
    uint8_t pk[NBYTES], sw[NBYTES];
    MUST(nf4_levels(lv));
    put("nf4.levels", lv, 1, 16); /* the table the tests of lab09.3 on use, not the student's */
    rng_fill_normal(&g, w, N, 0.5);
    put("w", w, DO, DI);
    MUST(q_quantize(lv, w, N, 64, pk, sc));
    put_bytes("packed", pk, NBYTES), put("scales", sc, 1, NB);
    for (size_t i = 0; i < NBYTES; i++) /* entry 2i in the low nibble instead */
        sw[i] = (uint8_t)((pk[i] >> 4) | (pk[i] << 4));
    put_bytes("packed~low_first", sw, NBYTES);
    double wq[N];
    MUST(q_dequantize(lv, pk, sc, N, 64, wq));
    put("dequantized", wq, DO, DI);

    double s[NS], gs[(NS + G - 1) / G], mean, back[NS];
    uint8_t codes[NS];
    for (size_t i = 0; i < NS; i++)
        s[i] = 0.05 + 0.02 * fabs(rng_normal(&g));
    put("dq.scales", s, 1, NS);
    MUST(dq_quantize(s, NS, G, codes, gs, &mean));
    put_bytes("dq.codes", codes, NS), put("dq.gscales", gs, 1, (NS + G - 1) / G), put_scalar("dq.mean", mean);
    MUST(dq_dequantize(codes, gs, mean, NS, G, back));
    put("dq.restored", back, 1, NS);

    double *x = random_matrix(&g, BATCH, DI), *t = random_matrix(&g, BATCH, DO);
    double *a = random_matrix(&g, R, DI), *b = random_matrix(&g, DO, R);
    put("x", x, BATCH, DI), put("t", t, BATCH, DO), put("a", a, R, DI), put("b", b, DO, R);
    double y[BATCH * DO], loss, ga[R * DI], gb[DO * R];
    MUST(qlora_forward(lv, pk, sc, 64, x, a, b, BATCH, DI, DO, R, 4.0, y));
    put("forward.y", y, BATCH, DO);
    MUST(qlora_grad(lv, pk, sc, 64, x, t, a, b, BATCH, DI, DO, R, 4.0, &loss, ga, gb));
    put_scalar("grad.loss", loss), put("grad.a", ga, R, DI), put("grad.b", gb, DO, R);
    free(x), free(t), free(a), free(b);
    return 0;
}
