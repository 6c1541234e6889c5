/*
 * check_qlora.c - the visible tests of Lab 09 (run: make check LAB=09).
 *
 * One suite per task (lab09.1 .. lab09.7): the worked examples of qlora.h
 * and one stored random non-square case (data/lab09/visible-expected.txt,
 * written by the reference: a 5 x 14 base in NF4 blocks of 64, whose last
 * block holds 6 weights).  The graded tests (make grade LAB=09) are more
 * numerous: other block sizes, all three data types, NaN, NULL, sizes 0.
 *
 * Each test runs in its own child process: a function you have not written
 * yet prints "not implemented: <function> (lab09.N)" and aborts, so its tests
 * show up as errors ("Received signal 6"), not as passes.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check_helpers.h"
#include "qlora.h"

enum { DO = 5, DI = 14, N = DO * DI, NBYTES = (N + 1) / 2, NB = 2, BATCH = 3, R = 2, NS = 11, G = 4 };

static void as_doubles(const uint8_t *u, double *d, size_t n)
{
    for (size_t i = 0; i < n; i++)
        d[i] = u[i];
}

static void stored_bytes(const char *name, uint8_t *u, size_t n)
{
    const double *d = stored(&VIS, name, n);
    for (size_t i = 0; i < n; i++)
        u[i] = (uint8_t)d[i];
}

/* The reference's NF4 table (stored): the tests of lab09.3 on quantize with
 * it, so they never depend on your nf4_levels (lab09.2) or norm_ppf (lab09.1). */
static void nf4_table(double lv[16])
{
    memcpy(lv, stored(&VIS, "nf4.levels", 16), 16 * sizeof *lv);
}

MISTAKES(PACK_MISTAKES,
    {"low_first", "entry 2i went to the LOW nibble: it belongs in the high nibble (bits 7..4)"});

START_TEST(test_ppf_of_0_975)
{
    double z = SENTINEL;
    static const double want = 1.959963984540054;
    CHECK_OK("lab09.1", norm_ppf(0.975, &z));
    ck_assert_msg(fabs(z - want) <= 1e-12, "lab09.1: norm_ppf(0.975) = %.17g, expected %.17g within 1e-12", z, want);
    CHECK_EARG("lab09.1", norm_ppf(1.0, &z));
}
END_TEST

START_TEST(test_nf4_table)
{
    static const double published[16] = {
        -1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453,
        -0.28444138169288635, -0.18477343022823334, -0.09105003625154495, 0.0,
        0.07958029955625534, 0.16093020141124725, 0.24611230194568634, 0.33791524171829224,
        0.44070982933044434, 0.5626170039176941, 0.7229568362236023, 1.0};
    double lv[16];
    fill(lv, 16, SENTINEL);
    CHECK_OK("lab09.2", nf4_levels(lv));
    for (int c = 0; c < 16; c++)
        ck_assert_msg(fabs(lv[c] - published[c]) <= 2e-7, "lab09.2: NF4 code %d is %.10f, the published table says %.10f", c,
                      lv[c], published[c]);
}
END_TEST

START_TEST(test_int4_fp4_ends)
{
    double lv[16];
    CHECK_OK("lab09.2", int4_levels(lv));
    ck_assert_msg(lv[1] == -1.0 && lv[8] == 0.0 && lv[15] == 1.0, "lab09.2: int4 codes 1, 8, 15 must be -1, 0, 1");
    CHECK_OK("lab09.2", fp4_levels(lv));
    ck_assert_msg(lv[0] == -1.0 && lv[8] == 0.0 && fabs(lv[9] - 1.0 / 12) < 1e-15 && lv[15] == 1.0,
                  "lab09.2: FP4 codes 0, 8, 9, 15 must be -1, 0, 1/12, 1");
}
END_TEST

START_TEST(test_quantize_example)
{
    static const double w[4] = {1, -2, 0.5, 0};
    double lv[16], sc[2];
    uint8_t pk[2] = {0x11, 0x11};
    nf4_table(lv);
    CHECK_OK("lab09.3", q_quantize(lv, w, 4, 2, pk, sc));
    ck_assert_msg(sc[0] == 2 && sc[1] == 0.5, "lab09.3: scales [%g, %g], expected [2, 0.5]", sc[0], sc[1]);
    ck_assert_msg(pk[0] == 0xC0 && pk[1] == 0xF7, "lab09.3: packed [0x%02X, 0x%02X], expected [0xC0, 0xF7]", pk[0], pk[1]);
}
END_TEST

START_TEST(test_quantize_stored)
{
    double lv[16], sc[NB], got[NBYTES];
    uint8_t pk[NBYTES];
    nf4_table(lv);
    CHECK_OK("lab09.3", q_quantize(lv, stored(&VIS, "w", N), N, 64, pk, sc));
    as_doubles(pk, got, NBYTES);
    CHECK_STORED("lab09.3", "scales (2 blocks: 64 and 6 weights)", sc, &VIS, "scales", NB, NULL);
    CHECK_STORED("lab09.3", "packed (35 bytes)", got, &VIS, "packed", NBYTES, PACK_MISTAKES);
}
END_TEST

START_TEST(test_quantize_zero_block)
{
    static const double w[6] = {0, 0, 0, 0, 1, -1};
    double lv[16], sc[2];
    uint8_t pk[3];
    nf4_table(lv);
    CHECK_OK("lab09.3", q_quantize(lv, w, 6, 4, pk, sc));
    ck_assert_msg(sc[0] == 0 && pk[0] == 0x77 && pk[1] == 0x77 && pk[2] == 0xF0,
                  "lab09.3: an all-zero block: scale %g (expected 0), bytes %02X %02X %02X (expected 77 77 F0)", sc[0], pk[0], pk[1], pk[2]);
}
END_TEST

START_TEST(test_dequantize_stored)
{
    double lv[16], w[N];
    uint8_t pk[NBYTES];
    nf4_table(lv);
    stored_bytes("packed", pk, NBYTES);
    CHECK_OK("lab09.4", q_dequantize(lv, pk, stored(&VIS, "scales", NB), N, 64, w));
    CHECK_STORED("lab09.4", "the dequantized base (5 x 14)", w, &VIS, "dequantized", N, NULL);
}
END_TEST

START_TEST(test_dq_example)
{
    static const double s[4] = {1, 2, 3, 6};
    uint8_t c[4];
    double gs[2], mean = SENTINEL;
    CHECK_OK("lab09.5", dq_quantize(s, 4, 2, c, gs, &mean));
    ck_assert_msg(mean == 3 && gs[0] == 2 && gs[1] == 3, "lab09.5: mean %g, gscales [%g, %g]; expected 3, [2, 3]", mean, gs[0], gs[1]);
    ck_assert_msg(c[0] == 0x81 && c[1] == 0xC0 && c[2] == 0x00 && c[3] == 0x7F,
                  "lab09.5: codes %02X %02X %02X %02X, expected 81 C0 00 7F", c[0], c[1], c[2], c[3]);
}
END_TEST

START_TEST(test_dq_stored)
{
    uint8_t c[NS];
    double gs[3], mean, got[NS], back[NS];
    CHECK_OK("lab09.5", dq_quantize(stored(&VIS, "dq.scales", NS), NS, G, c, gs, &mean));
    as_doubles(c, got, NS);
    CHECK_STORED("lab09.5", "codes", got, &VIS, "dq.codes", NS, NULL);
    CHECK_STORED("lab09.5", "gscales", gs, &VIS, "dq.gscales", 3, NULL);
    CHECK_STORED("lab09.5", "mean", &mean, &VIS, "dq.mean", 1, NULL);
    CHECK_OK("lab09.5", dq_dequantize(c, gs, mean, NS, G, back));
    CHECK_STORED("lab09.5", "restored scales", back, &VIS, "dq.restored", NS, NULL);
}
END_TEST

START_TEST(test_bits)
{
    double bits[2];
    static const double want[2] = {4.5, 4.126953125};
    CHECK_OK("lab09.5", q_bits_per_param(64, 256, bits));
    CHECK_CLOSE("lab09.5", "bits per parameter (plain, DQ)", bits, want, 2);
}
END_TEST

START_TEST(test_forward_stored)
{
    double lv[16], y[BATCH * DO];
    uint8_t pk[NBYTES];
    nf4_table(lv);
    stored_bytes("packed", pk, NBYTES);
    CHECK_OK("lab09.6", qlora_forward(lv, pk, stored(&VIS, "scales", NB), 64, stored(&VIS, "x", BATCH * DI),
                                      stored(&VIS, "a", R * DI), stored(&VIS, "b", DO * R), BATCH, DI, DO, R, 4.0, y));
    CHECK_STORED("lab09.6", "y (3 x 5)", y, &VIS, "forward.y", BATCH * DO, NULL);
}
END_TEST

START_TEST(test_grad_stored)
{
    double lv[16], loss, ga[R * DI], gb[DO * R];
    uint8_t pk[NBYTES];
    nf4_table(lv);
    stored_bytes("packed", pk, NBYTES);
    CHECK_OK("lab09.7", qlora_grad(lv, pk, stored(&VIS, "scales", NB), 64, stored(&VIS, "x", BATCH * DI),
                                   stored(&VIS, "t", BATCH * DO), stored(&VIS, "a", R * DI), stored(&VIS, "b", DO * R),
                                   BATCH, DI, DO, R, 4.0, &loss, ga, gb));
    CHECK_STORED("lab09.7", "loss", &loss, &VIS, "grad.loss", 1, NULL);
    CHECK_STORED("lab09.7", "grad_a (2 x 14)", ga, &VIS, "grad.a", R * DI, NULL);
    CHECK_STORED("lab09.7", "grad_b (5 x 2)", gb, &VIS, "grad.b", DO * R, NULL);
}
END_TEST

int main(void)
{
    const visible_task_t tasks[] = {
        {"lab09.1", NULL, {test_ppf_of_0_975}},
        {"lab09.2", NULL, {test_nf4_table, test_int4_fp4_ends}},
        {"lab09.3", NULL, {test_quantize_example, test_quantize_stored, test_quantize_zero_block}},
        {"lab09.4", NULL, {test_dequantize_stored}},
        {"lab09.5", NULL, {test_dq_example, test_dq_stored, test_bits}},
        {"lab09.6", NULL, {test_forward_stored}},
        {"lab09.7", NULL, {test_grad_stored}},
    };
    return visible_main("09", tasks, sizeof tasks / sizeof tasks[0], 0);
}
