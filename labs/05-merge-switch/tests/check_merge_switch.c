/*
 * check_merge_switch.c - the visible tests of Lab 05 (run: make check LAB=05).
 *
 * One suite per task (lab05.1 .. lab05.12), a few tests each, built from the
 * course's lifecycle example, the examples in merge_switch.h and
 * safetensors.h, random non-square cases whose expected values are stored in
 * data/lab05/visible-expected.txt (written once by the reference; a test never
 * uses one of your functions to know what another should give), hand-made
 * safetensors files, plus the file wrappers (st_save_adapter, st_load_lora)
 * on real files in a temporary folder.  The graded tests (make grade LAB=05) are
 * more numerous and stricter: passing these is a start, not the finish.
 *
 * Each test runs in its own child process.  A function you have not written
 * yet prints "not implemented: <function> (lab05.N)" and aborts, so its tests
 * show up as errors ("Received signal 6"), not as passes.
 */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS, for the guard page (glibc) */
#define _DARWIN_C_SOURCE /* the same on macOS, where -D_POSIX_C_SOURCE hides it */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check_helpers.h"
#include "lifecycle_example.h"
#include "lora_file.h"
#include "matrix.h"
#include "merge_switch.h"
#include "rng.h"
#include "safetensors.h"

/* The stored random case: d_in = 5, d_out = 3, r = 2, alpha = 3 (scale 1.5). */
enum { DI = 5, DO = 3, R = 2 };
#define VIS_ALPHA 3.0

MISTAKES(MERGE_MISTAKES,
    {"a_transposed", "it equals W0 + (alpha/r) B A with A read transposed: A is (r, d_in),"
                     " A[k][j] at a[k*d_in + j]"},
    {"b_transposed", "it equals W0 + (alpha/r) B A with B read transposed: B is (d_out, r),"
                     " B[i][k] at b[i*r + k]"},
    {"scale_alpha", "B A is scaled by alpha, not alpha / r"},
    {"subtracts", "(alpha/r) B A was subtracted: merging adds it"});
MISTAKES(UNMERGE_MISTAKES,
    {"adds", "(alpha/r) B A was added again: unmerging subtracts it"},
    {"a_transposed", "it equals W - (alpha/r) B A with A read transposed: A is (r, d_in),"
                     " A[k][j] at a[k*d_in + j]"},
    {"b_transposed", "it equals W - (alpha/r) B A with B read transposed: B is (d_out, r),"
                     " B[i][k] at b[i*r + k]"});
MISTAKES(SWITCH_MISTAKES,
    {"keeps_old", "the old adapter's B1 A1 is still in w: a switch subtracts it, then adds B2 A2"},
    {"a_transposed", "both adapters' A were read transposed: A is (r, d_in), A[k][j] at a[k*d_in + j]"},
    {"b_transposed", "both adapters' B were read transposed: B is (d_out, r), B[i][k] at b[i*r + k]"});
MISTAKES(FROM_BASE_MISTAKES,
    {"adds_to_w", "(alpha/r) B2 A2 was added to the served w: re-derive w = W0 + (alpha/r) B2 A2"
                  " from the frozen base"},
    {"a_transposed", "it equals W0 + (alpha/r) B A with A read transposed: A is (r, d_in),"
                     " A[k][j] at a[k*d_in + j]"},
    {"b_transposed", "it equals W0 + (alpha/r) B A with B read transposed: B is (d_out, r),"
                     " B[i][k] at b[i*r + k]"});

/* w += (alpha/r) B A, written out here so no test depends on your lora_merge. */
static void merge_by_hand(double *w, const double *a, const double *b, size_t d_in, size_t d_out,
                          size_t r, double alpha)
{
    for (size_t i = 0; i < d_out; i++)
        for (size_t j = 0; j < d_in; j++) {
            double s = 0;
            for (size_t k = 0; k < r; k++)
                s += b[i * r + k] * a[k * d_in + j];
            w[i * d_in + j] += alpha / (double)r * s;
        }
}

/* ---- lab05.1 - lab05.3: the course's lifecycle ---- */

START_TEST(test_merge_task_a_gives_the_course_w_a)
{
    double w[16];
    memcpy(w, LIFE_W0, sizeof w);
    CHECK_OK("lab05.1", lora_merge(w, LIFE_A_A, LIFE_B_A, 4, 4, LIFE_R, LIFE_ALPHA));
    CHECK_CLOSE("lab05.1", "W_A = W0 + B_A A_A (course)", w, LIFE_W_A, 16);
    double wx[4];
    mat_matmul(w, LIFE_X, wx, 4, 4, 1);
    CHECK_CLOSE("lab05.1", "W_A x (course: [1.03, 0, -0.03, 0])", wx, LIFE_W_A_X, 4);
}
END_TEST

START_TEST(test_merge_uses_alpha_over_r)
{
    /* W0 = 0 (1 x 1), A = [[1, 1]] (r = 2, d_in = 1 would not fit): use
     * d_in = 1, d_out = 1, r = 2: A = [[1], [1]], B = [[1, 1]], alpha = 1 -> s = 1/2,
     * B A = 2, so w = 1. */
    double w = 0, a[2] = {1, 1}, b[2] = {1, 1}, want = 1.0;
    CHECK_OK("lab05.1", lora_merge(&w, a, b, 1, 1, 2, 1.0));
    CHECK_CLOSE("lab05.1", "w (alpha = 1, r = 2)", &w, &want, 1);
}
END_TEST

START_TEST(test_merge_rejects_r_zero_and_leaves_w)
{
    double w[16];
    memcpy(w, LIFE_W0, sizeof w);
    CHECK_EARG("lab05.1", lora_merge(w, LIFE_A_A, LIFE_B_A, 4, 4, 0, 2.0));
    CHECK_EARG("lab05.1", lora_merge(w, LIFE_A_A, LIFE_B_A, 4, 4, 2, NAN));
    ck_assert_msg(!memcmp(w, LIFE_W0, sizeof w), "lab05.1: w changed on a rejected call");
}
END_TEST

START_TEST(test_unmerge_w_a_gives_w0_back)
{
    double w[16];
    memcpy(w, LIFE_W_A, sizeof w);
    CHECK_OK("lab05.2", lora_unmerge(w, LIFE_A_A, LIFE_B_A, 4, 4, LIFE_R, LIFE_ALPHA));
    CHECK_CLOSE("lab05.2", "W0 from the course's W_A", w, LIFE_W0, 16);
}
END_TEST

START_TEST(test_merge_random_non_square_matches_stored)
{
    double w[DO * DI];
    memcpy(w, stored(&VIS, "w0", DO * DI), sizeof w);
    CHECK_OK("lab05.1", lora_merge(w, stored(&VIS, "a1", R * DI), stored(&VIS, "b1", DO * R), DI, DO, R,
                                   VIS_ALPHA));
    CHECK_STORED("lab05.1", "W0 + (alpha/r) B1 A1 (3 x 5; d_in = 5, d_out = 3, r = 2)", w, &VIS,
                 "merge.w", DO * DI, MERGE_MISTAKES);
}
END_TEST

START_TEST(test_unmerge_random_non_square_matches_stored)
{
    double w[DO * DI];
    memcpy(w, stored(&VIS, "merge.w", DO * DI), sizeof w);
    CHECK_OK("lab05.2", lora_unmerge(w, stored(&VIS, "a1", R * DI), stored(&VIS, "b1", DO * R), DI, DO,
                                     R, VIS_ALPHA));
    CHECK_STORED("lab05.2", "W0 from the stored W1 (3 x 5)", w, &VIS, "w0", DO * DI, UNMERGE_MISTAKES);
}
END_TEST

START_TEST(test_switch_a_to_b_equals_merging_b_into_w0)
{
    double w[16], w_b[16];
    memcpy(w, LIFE_W_A, sizeof w);
    memcpy(w_b, LIFE_W0, sizeof w_b);
    merge_by_hand(w_b, LIFE_A_B, LIFE_B_B, 4, 4, LIFE_R, LIFE_ALPHA);
    CHECK_OK("lab05.3", lora_switch(w, LIFE_A_A, LIFE_B_A, LIFE_A_B, LIFE_B_B, 4, 4, LIFE_R, LIFE_ALPHA));
    CHECK_CLOSE("lab05.3", "W_B from W_A in one step", w, w_b, 16);
}
END_TEST

START_TEST(test_switch_there_and_back_returns_w_a)
{
    double w[16];
    memcpy(w, LIFE_W_A, sizeof w);
    CHECK_OK("lab05.3", lora_switch(w, LIFE_A_A, LIFE_B_A, LIFE_A_B, LIFE_B_B, 4, 4, 2, 2.0));
    CHECK_OK("lab05.3", lora_switch(w, LIFE_A_B, LIFE_B_B, LIFE_A_A, LIFE_B_A, 4, 4, 2, 2.0));
    CHECK_CLOSE("lab05.3", "W_A after A -> B -> A", w, LIFE_W_A, 16);
}
END_TEST

START_TEST(test_switch_random_non_square_matches_stored)
{
    double w[DO * DI];
    memcpy(w, stored(&VIS, "merge.w", DO * DI), sizeof w);
    CHECK_OK("lab05.3", lora_switch(w, stored(&VIS, "a1", R * DI), stored(&VIS, "b1", DO * R),
                                    stored(&VIS, "a2", R * DI), stored(&VIS, "b2", DO * R), DI, DO, R,
                                    VIS_ALPHA));
    CHECK_STORED("lab05.3", "W2 from the stored W1 (3 x 5)", w, &VIS, "switch.w", DO * DI,
                 SWITCH_MISTAKES);
}
END_TEST

/* ---- lab05.4 ---- */

START_TEST(test_plain_layer_random_non_square_matches_stored)
{
    double w[DO * DI], bias_out[DO];
    CHECK_OK("lab05.4", lora_to_linear(stored(&VIS, "w0", DO * DI), stored(&VIS, "bias", DO),
                                       stored(&VIS, "a1", R * DI), stored(&VIS, "b1", DO * R), DI, DO, R,
                                       VIS_ALPHA, w, bias_out));
    CHECK_STORED("lab05.4", "w_out (3 x 5)", w, &VIS, "to_linear.w", DO * DI, MERGE_MISTAKES);
    CHECK_STORED("lab05.4", "bias_out (3)", bias_out, &VIS, "to_linear.bias", DO, NULL);
}
END_TEST

START_TEST(test_plain_layer_gives_the_lora_outputs)
{
    enum { DI = 5, DN = 3, R = 2, BATCH = 4 };
    rng_t g;
    rng_seed(&g, 5);
    double w0[DN * DI], bias[DN], a[R * DI], b[DN * R], x[BATCH * DI];
    rng_fill_uniform(&g, w0, DN * DI, -1, 1), rng_fill_uniform(&g, bias, DN, -1, 1);
    rng_fill_uniform(&g, a, R * DI, -1, 1), rng_fill_uniform(&g, b, DN * R, -1, 1);
    rng_fill_uniform(&g, x, BATCH * DI, -1, 1);
    double w[DN * DI], bo[DN], y[BATCH * DN], z[BATCH * R], yb[BATCH * DN], ya[BATCH * DN];
    CHECK_OK("lab05.4", lora_to_linear(w0, bias, a, b, DI, DN, R, 3.0, w, bo));
    mat_matmul_nt(x, w, y, BATCH, DI, DN);
    mat_matmul_nt(x, w0, yb, BATCH, DI, DN);
    mat_matmul_nt(x, a, z, BATCH, DI, R);
    mat_matmul_nt(z, b, ya, BATCH, R, DN);
    for (int t = 0; t < BATCH; t++)
        for (int i = 0; i < DN; i++) {
            y[t * DN + i] += bo[i];
            yb[t * DN + i] += bias[i] + 1.5 * ya[t * DN + i];
        }
    CHECK_CLOSE("lab05.4", "plain layer against the unmerged LoRA layer", y, yb, BATCH * DN);
    ck_assert_msg(!memcmp(bo, bias, sizeof bo), "lab05.4: bias_out is not bias exactly");
}
END_TEST

/* ---- lab05.5 ---- */

START_TEST(test_swap_moves_32_numbers_reload_16)
{
    double sw = 0, re = 0, want_sw = LIFE_SWAP, want_re = LIFE_RELOAD;
    CHECK_OK("lab05.5", lora_swap_count(4, 4, 2, 1, &sw, &re));
    CHECK_CLOSE("lab05.5", "swap (course: 2 x (4 x 2 + 2 x 4) = 32)", &sw, &want_sw, 1);
    CHECK_CLOSE("lab05.5", "reload (course: 16)", &re, &want_re, 1);
}
END_TEST

START_TEST(test_swap_gpt3_counts)
{
    double sw = 0, re = 0, want_sw = 37748736.0, want_re = 28991029248.0;
    CHECK_OK("lab05.5", lora_swap_count(12288, 12288, 4, 192, &sw, &re));
    CHECK_CLOSE("lab05.5", "swap, GPT-3 q and v, 96 layers", &sw, &want_sw, 1);
    CHECK_CLOSE("lab05.5", "reload, GPT-3 q and v, 96 layers", &re, &want_re, 1);
}
END_TEST

START_TEST(test_swap_counts_non_square)
{
    double sw = 0, re = 0;
    CHECK_OK("lab05.5", lora_swap_count(5, 3, 2, 7, &sw, &re));
    CHECK_STORED("lab05.5", "swap (d_in = 5, d_out = 3, r = 2, 7 matrices)", &sw, &VIS,
                 "swap_count.swap", 1, NULL);
    CHECK_STORED("lab05.5", "reload (d_in = 5, d_out = 3, r = 2, 7 matrices)", &re, &VIS,
                 "swap_count.reload", 1, NULL);
    /* reload = 2^20 * 2^20 * 2^14 = 2^54: past 2^53, doubles no longer count exactly. */
    CHECK_EARG("lab05.5", lora_swap_count((size_t)1 << 20, (size_t)1 << 20, 1, (size_t)1 << 14, &sw, &re));
}
END_TEST

/* ---- lab05.6, lab05.7 ---- */

START_TEST(test_float_switch_random_non_square_matches_stored)
{
    const double *w1 = stored(&VIS, "merge.w", DO * DI), *a1 = stored(&VIS, "a1", R * DI);
    const double *b1 = stored(&VIS, "b1", DO * R), *a2 = stored(&VIS, "a2", R * DI);
    const double *b2 = stored(&VIS, "b2", DO * R), *want = stored(&VIS, "switch_f32.w", DO * DI);
    float w[DO * DI], fa1[R * DI], fb1[DO * R], fa2[R * DI], fb2[DO * R];
    mat_to_float(w1, w, DO * DI);
    mat_to_float(a1, fa1, R * DI), mat_to_float(a2, fa2, R * DI);
    mat_to_float(b1, fb1, DO * R), mat_to_float(b2, fb2, DO * R);
    CHECK_OK("lab05.6", lora_switch_f32(w, fa1, fb1, fa2, fb2, DI, DO, R, 1.5f));
    for (int i = 0; i < DO * DI; i++)
        ck_assert_msg(fabs(w[i] - want[i]) <= 1e-6,
                      "lab05.6: w[%d] = %.9g, expected %.9g (float; stored case switch_f32.w)", i,
                      (double)w[i], want[i]);
    CHECK_EARG("lab05.6", lora_switch_f32(w, fa1, fb1, fa2, fb2, DI, DO, R, INFINITY));
}
END_TEST

START_TEST(test_rederived_switch_random_non_square_matches_stored)
{
    double w[DO * DI];
    memcpy(w, stored(&VIS, "merge.w", DO * DI), sizeof w); /* whatever w held is replaced */
    CHECK_OK("lab05.7", lora_switch_from_base(w, stored(&VIS, "w0", DO * DI), stored(&VIS, "a2", R * DI),
                                              stored(&VIS, "b2", DO * R), DI, DO, R, VIS_ALPHA));
    CHECK_STORED("lab05.7", "W0 + (alpha/r) B2 A2 (3 x 5)", w, &VIS, "from_base.w", DO * DI,
                 FROM_BASE_MISTAKES);
}
END_TEST

START_TEST(test_float_switch_a_to_b)
{
    float w[16], a1[8], b1[8], a2[8], b2[8];
    mat_to_float(LIFE_W_A, w, 16);
    mat_to_float(LIFE_A_A, a1, 8), mat_to_float(LIFE_B_A, b1, 8);
    mat_to_float(LIFE_A_B, a2, 8), mat_to_float(LIFE_B_B, b2, 8);
    CHECK_OK("lab05.6", lora_switch_f32(w, a1, b1, a2, b2, 4, 4, 2, 1.0f));
    double got[16], want[16];
    memcpy(want, LIFE_W0, sizeof want);
    merge_by_hand(want, LIFE_A_B, LIFE_B_B, 4, 4, 2, 2.0);
    for (int i = 0; i < 16; i++) {
        got[i] = w[i];
        ck_assert_msg(fabs(got[i] - want[i]) <= 1e-6, "lab05.6: w[%d] = %.9g, expected %.9g (float)",
                      i, got[i], want[i]);
    }
}
END_TEST

START_TEST(test_rederived_switch_is_one_merge_bit_for_bit)
{
    double w[16], want[16];
    memcpy(want, LIFE_W0, sizeof want);
    merge_by_hand(want, LIFE_A_B, LIFE_B_B, 4, 4, 2, 2.0);
    for (int n = 0; n < 1000; n++) {
        CHECK_OK("lab05.7", lora_switch_from_base(w, LIFE_W0, LIFE_A_A, LIFE_B_A, 4, 4, 2, 2.0));
        CHECK_OK("lab05.7", lora_switch_from_base(w, LIFE_W0, LIFE_A_B, LIFE_B_B, 4, 4, 2, 2.0));
    }
    ck_assert_msg(!memcmp(w, want, sizeof w),
                  "lab05.7: after 2000 re-derived switches w is not W0 + B_B A_B bit for bit");
}
END_TEST

/* ---- lab05.8 - lab05.10 ---- */

static const double A23[6] = {0.5, -1.25, 3.0, 0.1, 1.0 / 3.0, -2.0};
static const double B42[8] = {1, 2, 3, 4, 5, 6, 7, 8.5};


START_TEST(test_encode_example_is_224_bytes)
{
    unsigned char buf[256];
    size_t len = 0;
    double one = 1.0;
    CHECK_OK("lab05.8", st_encode_lora("m", &one, &one, 1, 1, 1, ST_F32, buf, sizeof buf, &len));
    ck_assert_msg(len == 224, "lab05.8: the example file is %zu bytes, expected 224", len);
    ck_assert_msg(lora_get_le64(buf) == 208, "lab05.8: N = %llu, expected 208 (204 bytes of text, 4 spaces)",
                  (unsigned long long)lora_get_le64(buf));
    const char *start = "{\"__metadata__\":{\"format\":\"pt\"},\"base_model.model.m.lora_A.weight\":";
    ck_assert_msg(!memcmp(buf + 8, start, strlen(start)), "lab05.8: the header does not start with %s",
                  start);
}
END_TEST

/* A23, B42 (d_in 3, d_out 4, r 2) as the module `name` in dtype, encoded by
 * your st_encode_lora into buf (512 bytes): the file's length. */
static size_t encode_example(const char *name, long long dtype, unsigned char buf[512])
{
    size_t len = 0;
    CHECK_OK("lab05.8", st_encode_lora(name, A23, B42, 3, 4, 2, dtype, buf, 512, &len));
    return len;
}

/* The reference's file of the example module (A23, B42), stored as tensor
 * `name` of the stored case ("st_f64.bytes": module
 * "model.layers.0.self_attn.q_proj", F64; "st_f32.bytes": "q_proj", F32), in a
 * block of exactly its size (AddressSanitizer sees a read past it); *n its
 * length.  The decoder's tests read these, never your encoder's output. */
static unsigned char *stored_file(const char *name, size_t *n)
{
    const kit_tensor_t *t = kit_find(&VIS, name);
    ck_assert_msg(t != NULL && t->rows == 1 && t->cols > 8, "%s: no tensor %s: the file is damaged",
                  VIS.path, name);
    unsigned char *f = malloc(t->cols);
    ck_assert_msg(f != NULL, "out of memory");
    for (size_t i = 0; i < t->cols; i++)
        f[i] = (unsigned char)t->data[i];
    *n = t->cols;
    return f;
}

/* The header text of a safetensors file (at most 400 characters), for messages. */
static void header_text(const unsigned char *f, size_t n, char *out, size_t cap)
{
    uint64_t hl = n >= 8 ? lora_get_le64(f) : 0;
    size_t k = 0;
    for (size_t i = 8; i < n && i < 8 + hl && k + 1 < cap && k < 400; i++)
        out[k++] = (f[i] >= 32 && f[i] < 127) ? (char)f[i] : '?';
    out[k] = '\0';
}

START_TEST(test_encode_matches_the_stored_file)
{
    unsigned char buf[512];
    size_t len = encode_example("model.layers.0.self_attn.q_proj", ST_F64, buf), n;
    unsigned char *want = stored_file("st_f64.bytes", &n);
    size_t at = 0;
    while (at < len && at < n && buf[at] == want[at])
        at++;
    if (at < len || at < n) {
        char got_h[512], want_h[512];
        header_text(buf, len, got_h, sizeof got_h);
        header_text(want, n, want_h, sizeof want_h);
        size_t data_at = 8 + (size_t)lora_get_le64(want);
        free(want);
        ck_abort_msg("lab05.8: the file of A (2 x 3) and B (4 x 2), F64, differs from the reference's"
                     " at byte %zu (%zu bytes, expected %zu; %s)\n    header: %s\n    expected: %s",
                     at, len, n, at < data_at ? "in the length or the header" : "in the tensor data",
                     got_h, want_h);
    }
    free(want);
}
END_TEST

START_TEST(test_encode_pads_header_to_8_with_spaces)
{
    unsigned char buf[512];
    size_t len = encode_example("q_proj", ST_F64, buf);
    uint64_t n = lora_get_le64(buf);
    ck_assert_msg(n % 8 == 0, "lab05.8: N = %llu is not a multiple of 8", (unsigned long long)n);
    ck_assert_msg(len == 8 + n + 8 * (6 + 8), "lab05.8: len %zu, expected 8 + N + 112", len);
    size_t end = 8 + (size_t)n;
    while (buf[end - 1] == ' ')
        end--;
    ck_assert_msg(buf[end - 1] == '}', "lab05.8: the header ends in 0x%02x before its padding, not '}'",
                  buf[end - 1]);
}
END_TEST

/* Room for what st_decode_lora writes of the example module (A23, B42). */
typedef struct {
    char module[64];
    double a[6], b[8];
    size_t dims[3];
} decoded_t;

/* Your st_decode_lora on the n bytes at buf into *d: its return value. */
static int decode_example(const unsigned char *buf, size_t n, decoded_t *d)
{
    return st_decode_lora(buf, n, d->module, sizeof d->module, d->a, 6, d->b, 8, d->dims);
}

START_TEST(test_decode_round_trip_f64_is_bit_exact)
{
    size_t len;
    unsigned char *buf = stored_file("st_f64.bytes", &len);
    decoded_t d;
    int rc = decode_example(buf, len, &d);
    free(buf);
    ck_assert_msg(rc == LAB_OK, "lab05.9: st_decode_lora on the reference's file of A (2 x 3) and B (4 x 2),"
                  " F64 (stored case st_f64.bytes), returned %d, expected LAB_OK (0)", rc);
    ck_assert_str_eq(d.module, "model.layers.0.self_attn.q_proj");
    ck_assert_msg(d.dims[0] == 3 && d.dims[1] == 4 && d.dims[2] == 2,
                  "lab05.9: dims %zu %zu %zu, expected 3 4 2", d.dims[0], d.dims[1], d.dims[2]);
    ck_assert_msg(!memcmp(d.a, A23, sizeof d.a) && !memcmp(d.b, B42, sizeof d.b),
                  "lab05.9: values are not bit for bit what was written");
}
END_TEST

START_TEST(test_decode_rejects_every_truncation)
{
    size_t len;
    unsigned char *buf = stored_file("st_f32.bytes", &len);
    decoded_t d;
    for (size_t cut = 0; cut < len; cut++) {
        unsigned char *copy = malloc(cut ? cut : 1); /* exact size: ASan sees over-reads */
        memcpy(copy, buf, cut);
        int rc = decode_example(copy, cut, &d);
        free(copy);
        ck_assert_msg(rc == LAB_EARG, "lab05.9: a file cut to %zu of %zu bytes was accepted", cut, len);
    }
    free(buf);
}
END_TEST

/* A safetensors file from a header text and its data bytes, in a block of
 * exactly its size (so AddressSanitizer sees any read past it). */
static unsigned char *file_of(const char *hdr, const void *data, size_t data_len, size_t *n)
{
    size_t hl = strlen(hdr);
    *n = 8 + hl + data_len;
    unsigned char *f = malloc(*n);
    ck_assert_msg(f != NULL, "out of memory");
    for (int i = 0; i < 8; i++)
        f[i] = (unsigned char)(hl >> (8 * i));
    memcpy(f + 8, hdr, hl);
    memcpy(f + 8 + hl, data, data_len);
    return f;
}

START_TEST(test_decode_rejects_transposed_shapes)
{
    const char *hdr = "{\"base_model.model.m.lora_A.weight\":{\"dtype\":\"F32\",\"shape\":[3,2],"
                      "\"data_offsets\":[0,24]},\"base_model.model.m.lora_B.weight\":{\"dtype\":"
                      "\"F32\",\"shape\":[2,4],\"data_offsets\":[24,56]}}";
    const unsigned char data[56] = {0};
    size_t n;
    unsigned char *f = file_of(hdr, data, sizeof data, &n);
    decoded_t d;
    CHECK_EARG("lab05.9", decode_example(f, n, &d));
    free(f);
}
END_TEST

/* The pair of module m: A (1, 2) and B (2, 1), each of `bytes` bytes of type T. */
#define PAIR_HEADER(T, MA, MB, BYTES, END)                                                  \
    "{\"base_model.model." MA ".lora_A.weight\":{\"dtype\":\"" T "\",\"shape\":[1,2],"        \
    "\"data_offsets\":[0," BYTES "]},\"base_model.model." MB ".lora_B.weight\":{\"dtype\":\"" \
    T "\",\"shape\":[2,1],\"data_offsets\":[" BYTES "," END "]}}"

/* Decode f (n bytes) into *d with room for 2 values in a and b; returns the code. */
static int decode_small(const unsigned char *f, size_t n, decoded_t *d)
{
    return st_decode_lora(f, n, d->module, sizeof d->module, d->a, 2, d->b, 2, d->dims);
}

START_TEST(test_decode_f16_and_bf16_exactly)
{
    /* F16 1, -2.5, 0.5, 2^-24 (the smallest subnormal); BF16 1, -2.5, 0.5, 3. */
    const unsigned char f16[] = {0x00, 0x3c, 0x00, 0xc1, 0x00, 0x38, 0x01, 0x00};
    const unsigned char bf16[] = {0x80, 0x3f, 0x20, 0xc0, 0x00, 0x3f, 0x40, 0x40};
    const double want_f16[] = {1, -2.5, 0.5, 0x1p-24}, want_bf16[] = {1, -2.5, 0.5, 3};
    decoded_t d;
    const double *a = d.a, *b = d.b;
    size_t n;
    unsigned char *f = file_of(PAIR_HEADER("F16", "m", "m", "4", "8"), f16, 8, &n);
    CHECK_OK("lab05.9", decode_small(f, n, &d));
    free(f);
    ck_assert_msg(a[0] == want_f16[0] && a[1] == want_f16[1] && b[0] == want_f16[2] && b[1] == want_f16[3],
                  "lab05.9: F16 read as %g %g %g %g, expected 1 -2.5 0.5 5.96e-08 (2^-24):"
                  " F16 is 1 sign bit, 5 exponent bits (bias 15), 10 fraction bits",
                  a[0], a[1], b[0], b[1]);
    f = file_of(PAIR_HEADER("BF16", "m", "m", "4", "8"), bf16, 8, &n);
    CHECK_OK("lab05.9", decode_small(f, n, &d));
    free(f);
    ck_assert_msg(a[0] == want_bf16[0] && a[1] == want_bf16[1] && b[0] == want_bf16[2] && b[1] == want_bf16[3],
                  "lab05.9: BF16 read as %g %g %g %g, expected 1 -2.5 0.5 3: BF16 is the top 16 bits of an F32",
                  a[0], a[1], b[0], b[1]);
}
END_TEST

START_TEST(test_decode_reads_unicode_escapes_in_names)
{
    const unsigned char data[16] = {0};
    decoded_t d;
    size_t n;
    unsigned char *f = file_of(PAIR_HEADER("F32", "q\\u005fproj", "q_proj", "8", "16"), data, 16, &n);
    CHECK_OK("lab05.9", decode_small(f, n, &d));
    free(f);
    ck_assert_msg(strcmp(d.module, "q_proj") == 0,
                  "lab05.9: module \"%s\", expected \"q_proj\" (\\u005f in a JSON string is '_')", d.module);
}
END_TEST

/* Each file here breaks one rule of st_decode_lora's contract. */
START_TEST(test_decode_rejects_broken_files)
{
    const unsigned char data[32] = {0};
    static const struct {
        const char *hdr, *why;
        size_t data_len;
    } bad[] = {
        {PAIR_HEADER("I32", "m", "m", "8", "16"), "an unknown dtype (I32)", 16},
        {PAIR_HEADER("F32", "m1", "m2", "8", "16"), "lora_A and lora_B of different modules", 16},
        {PAIR_HEADER("F32", "m", "m", "12", "20"), "A's bytes (12) are not 1 x 2 F32 values (8)", 20},
        {PAIR_HEADER("F32", "m", "m", "8", "16") "x", "a byte after the header's JSON object", 16},
        {PAIR_HEADER("F32", "m", "m", "8", "16"), "bytes after the last tensor", 20},
    };
    decoded_t d;
    for (size_t t = 0; t < sizeof bad / sizeof bad[0]; t++) {
        size_t n;
        unsigned char *f = file_of(bad[t].hdr, data, bad[t].data_len, &n);
        int rc = decode_small(f, n, &d);
        free(f);
        ck_assert_msg(rc == LAB_EARG, "lab05.9: a file with %s was accepted (returned %d, expected LAB_EARG)",
                      bad[t].why, rc);
    }
}
END_TEST

START_TEST(test_decode_rejects_small_capacity_and_writes_nothing)
{
    size_t len, dims[3];
    unsigned char *buf = stored_file("st_f64.bytes", &len);
    char module[64];
    double *a = malloc(5 * sizeof *a), b[8]; /* A needs 6 */
    for (int i = 0; i < 5; i++)
        a[i] = SENTINEL;
    int rc = st_decode_lora(buf, len, module, sizeof module, a, 5, b, 8, dims);
    int untouched = a[0] == SENTINEL && a[4] == SENTINEL;
    free(a);
    free(buf);
    ck_assert_msg(rc == LAB_EARG, "lab05.9: A holds 6 values but cap_a is 5, and it was accepted");
    ck_assert_msg(untouched, "lab05.9: a call rejected for cap_a wrote into a");
}
END_TEST

/* A header that claims more bytes than the file has.  The file sits at the
 * end of a page followed by an unreadable one, its header padded with
 * spaces: a decoder that believes the length reads past the file and
 * crashes (Received signal 11), instead of returning LAB_EARG. */
START_TEST(test_decode_rejects_header_longer_than_the_file)
{
    long page = sysconf(_SC_PAGESIZE);
    unsigned char *map = mmap(NULL, 2 * (size_t)page, PROT_READ | PROT_WRITE,
                              MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ck_assert_msg(map != MAP_FAILED && mprotect(map + page, (size_t)page, PROT_NONE) == 0,
                  "cannot set up a guard page");
    const char *hdr = PAIR_HEADER("F32", "m", "m", "8", "16");
    size_t hl = strlen(hdr), n = 8 + 64 + hl, dims[3];
    unsigned char *f = map + page - n; /* the file ends where the guard page starts */
    uint64_t claimed = hl + 64 + 4096;
    for (int i = 0; i < 8; i++)
        f[i] = (unsigned char)(claimed >> (8 * i));
    memcpy(f + 8, hdr, hl);
    memset(f + 8 + hl, ' ', 64);
    char module[64];
    double a[2], b[2];
    int rc = st_decode_lora(f, n, module, sizeof module, a, 2, b, 2, dims);
    munmap(map, 2 * (size_t)page);
    ck_assert_msg(rc == LAB_EARG, "lab05.9: a %zu-byte file whose header claims %llu bytes was accepted;"
                  " compare the header length with n - 8 before reading the header", n,
                  (unsigned long long)claimed);
}
END_TEST

START_TEST(test_encode_rejects_bad_module_and_small_buffer)
{
    unsigned char buf[512];
    size_t len = 0;
    memset(buf, 0xAB, sizeof buf);
    CHECK_EARG("lab05.8", st_encode_lora("q\"proj", A23, B42, 3, 4, 2, ST_F32, buf, sizeof buf, &len));
    CHECK_EARG("lab05.8", st_encode_lora("q proj", A23, B42, 3, 4, 2, ST_F32, buf, sizeof buf, &len));
    CHECK_OK("lab05.8", st_encode_lora("q_proj", A23, B42, 3, 4, 2, ST_F32, buf, sizeof buf, &len));
    unsigned char *small = malloc(len - 1);
    memset(small, 0xAB, len - 1);
    int rc = st_encode_lora("q_proj", A23, B42, 3, 4, 2, ST_F32, small, len - 1, &len);
    int untouched = small[0] == 0xAB;
    free(small);
    ck_assert_msg(rc == LAB_EARG, "lab05.8: a buffer one byte too small was accepted");
    ck_assert_msg(untouched, "lab05.8: a call rejected for its capacity wrote into buf");
}
END_TEST

START_TEST(test_config_for_r8_alpha16)
{
    char out[256];
    size_t len = 0;
    const char *want = "{\"peft_type\": \"LORA\", \"r\": 8, \"lora_alpha\": 16, \"target_modules\": "
                       "[\"q_proj\", \"v_proj\"]}\n";
    CHECK_OK("lab05.10", peft_config_json(8, 16.0, "q_proj,v_proj", out, sizeof out, &len));
    ck_assert_str_eq(out, want);
    ck_assert_msg(len == strlen(want), "lab05.10: len %zu, expected %zu", len, strlen(want));
    CHECK_EARG("lab05.10", peft_config_json(8, 16.0, "q_proj,,v_proj", out, sizeof out, &len));
}
END_TEST

START_TEST(test_save_then_load_files)
{
    char dir[] = "/tmp/lab05-check-XXXXXX", path[256];
    ck_assert_msg(mkdtemp(dir) != NULL, "cannot make a temporary folder");
    CHECK_OK("st_save_adapter", st_save_adapter(dir, "model.layers.0.self_attn.v_proj", A23, B42, 3,
                                                4, 2, 16.0, ST_F64));
    snprintf(path, sizeof path, "%s/adapter_model.safetensors", dir);
    decoded_t d;
    CHECK_OK("st_load_lora", st_load_lora(path, d.module, sizeof d.module, d.a, 6, d.b, 8, d.dims));
    ck_assert_str_eq(d.module, "model.layers.0.self_attn.v_proj");
    ck_assert_msg(!memcmp(d.a, A23, sizeof d.a) && !memcmp(d.b, B42, sizeof d.b), "values changed on disk");
    snprintf(path, sizeof path, "%s/adapter_config.json", dir);
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "no adapter_config.json written");
    char text[256] = {0};
    size_t got = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    ck_assert_msg(got > 0 && strstr(text, "\"target_modules\": [\"v_proj\"]"),
                  "adapter_config.json lacks target_modules [\"v_proj\"]: %s", text);
    CHECK_EARG("st_load_lora",
               st_load_lora("/nonexistent/adapter.safetensors", d.module, 64, d.a, 6, d.b, 8, d.dims));
    remove(path);
    snprintf(path, sizeof path, "%s/adapter_model.safetensors", dir);
    remove(path);
    rmdir(dir);
}
END_TEST

/* The test case is named after the task and its function, so even a crash
 * ("Received signal 6") names them in Check's output line. */
/* ---- lab05.11, lab05.12: the course's lesson-1 question ---- */

START_TEST(test_adapter_overhead_is_10800_gpu_seconds_per_hour)
{
    double got = SENTINEL, want = 10800.0;
    CHECK_OK("lab05.11", adapter_overhead_gpu_seconds_per_hour(25.8, 19.8, 500, &got));
    CHECK_CLOSE("lab05.11", "6 ms x 500/s x 3600 s (course)", &got, &want, 1);
    got = SENTINEL;
    CHECK_EARG("lab05.11", adapter_overhead_gpu_seconds_per_hour(19.8, 25.8, 500, &got));
    ck_assert_msg(got == SENTINEL, "lab05.11: the output was written before the check failed");
}
END_TEST

START_TEST(test_extra_gpus_are_13_minus_10)
{
    double got = SENTINEL, want = 3.0;
    CHECK_OK("lab05.12", extra_gpus_needed(25.8, 19.8, 500, &got));
    CHECK_CLOSE("lab05.12", "13 GPUs with adapters minus 10 without (course)", &got, &want, 1);
    /* 10.1 busy -> 11 GPUs, 12.9 -> 13: 2 more, not the overhead 2.8 rounded up. */
    want = 2.0;
    CHECK_OK("lab05.12", extra_gpus_needed(25.8, 20.2, 500, &got));
    CHECK_CLOSE("lab05.12", "13 - 11 (fleets, not the overhead)", &got, &want, 1);
}
END_TEST

int main(void)
{
    const visible_task_t tasks[] = {
        {"lab05.1", "lora_merge", {
            test_merge_task_a_gives_the_course_w_a,
            test_merge_uses_alpha_over_r,
            test_merge_rejects_r_zero_and_leaves_w,
            test_merge_random_non_square_matches_stored,
        }},
        {"lab05.2", "lora_unmerge", {
            test_unmerge_w_a_gives_w0_back,
            test_unmerge_random_non_square_matches_stored,
        }},
        {"lab05.3", "lora_switch", {
            test_switch_a_to_b_equals_merging_b_into_w0,
            test_switch_there_and_back_returns_w_a,
            test_switch_random_non_square_matches_stored,
        }},
        {"lab05.4", "lora_to_linear", {
            test_plain_layer_gives_the_lora_outputs,
            test_plain_layer_random_non_square_matches_stored,
        }},
        {"lab05.5", "lora_swap_count", {
            test_swap_moves_32_numbers_reload_16,
            test_swap_gpt3_counts,
            test_swap_counts_non_square,
        }},
        {"lab05.6", "lora_switch_f32", {
            test_float_switch_a_to_b,
            test_float_switch_random_non_square_matches_stored,
        }},
        {"lab05.7", "lora_switch_from_base", {
            test_rederived_switch_is_one_merge_bit_for_bit,
            test_rederived_switch_random_non_square_matches_stored,
        }},
        {"lab05.8", "st_encode_lora", {
            test_encode_example_is_224_bytes,
            test_encode_matches_the_stored_file,
            test_encode_pads_header_to_8_with_spaces,
            test_encode_rejects_bad_module_and_small_buffer,
        }},
        {"lab05.9", "st_decode_lora", {
            test_decode_round_trip_f64_is_bit_exact,
            test_decode_rejects_every_truncation,
            test_decode_rejects_transposed_shapes,
            test_decode_f16_and_bf16_exactly,
            test_decode_reads_unicode_escapes_in_names,
            test_decode_rejects_broken_files,
            test_decode_rejects_small_capacity_and_writes_nothing,
            test_decode_rejects_header_longer_than_the_file,
        }},
        {"lab05.10", "peft_config_json", {
            test_config_for_r8_alpha16,
        }},
        {"lab05.11-12", "adapter_overhead_gpu_seconds_per_hour, extra_gpus_needed", {
            test_adapter_overhead_is_10800_gpu_seconds_per_hour,
            test_extra_gpus_are_13_minus_10,
        }},
        {"files", "st_save_adapter, st_load_lora", {
            test_save_then_load_files,
        }},
    };
    return visible_main("05", tasks, sizeof tasks / sizeof tasks[0], 0);
}
