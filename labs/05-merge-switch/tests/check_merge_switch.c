/*
 * check_merge_switch.c - the visible tests of Lab 05 (run: make check LAB=05).
 *
 * One suite per task (lab05.1 .. lab05.12), a few tests each, built from the
 * course's lifecycle example and the examples in merge_switch.h and
 * safetensors.h, plus the file wrappers (st_save_adapter, st_load_lora) on
 * real files in a temporary folder.  The graded tests (make grade LAB=05) are
 * more numerous and stricter: passing these is a start, not the finish.
 *
 * Each test runs in its own child process.  A function you have not written
 * yet prints "not implemented: <function> (lab05.N)" and aborts, so its tests
 * show up as errors ("Received signal 6"), not as passes.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_helpers.h"
#include "lifecycle_example.h"
#include "matrix.h"
#include "merge_switch.h"
#include "rng.h"
#include "safetensors.h"

#define CHECK_EARG(task, call)                                                      \
    do {                                                                            \
        int rc_ = (call);                                                           \
        ck_assert_msg(rc_ == LAB_EARG, "%s: %s returned %d, expected LAB_EARG (-1)", \
                      (task), #call, rc_);                                          \
    } while (0)

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

START_TEST(test_unmerge_after_merge_gives_w0_back)
{
    double w[16];
    memcpy(w, LIFE_W0, sizeof w);
    CHECK_OK("lab05.1", lora_merge(w, LIFE_A_A, LIFE_B_A, 4, 4, LIFE_R, LIFE_ALPHA));
    CHECK_OK("lab05.2", lora_unmerge(w, LIFE_A_A, LIFE_B_A, 4, 4, LIFE_R, LIFE_ALPHA));
    CHECK_CLOSE("lab05.2", "W0 after merge then unmerge", w, LIFE_W0, 16);
}
END_TEST

START_TEST(test_switch_a_to_b_equals_merging_b_into_w0)
{
    double w[16], w_b[16];
    memcpy(w, LIFE_W_A, sizeof w);
    memcpy(w_b, LIFE_W0, sizeof w_b);
    CHECK_OK("lab05.1", lora_merge(w_b, LIFE_A_B, LIFE_B_B, 4, 4, LIFE_R, LIFE_ALPHA));
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

/* ---- lab05.4 ---- */

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

/* ---- lab05.6, lab05.7 ---- */

START_TEST(test_float_switch_a_to_b)
{
    float w[16], a1[8], b1[8], a2[8], b2[8];
    for (int i = 0; i < 16; i++) w[i] = (float)LIFE_W_A[i];
    for (int i = 0; i < 8; i++)
        a1[i] = (float)LIFE_A_A[i], b1[i] = (float)LIFE_B_A[i], a2[i] = (float)LIFE_A_B[i],
        b2[i] = (float)LIFE_B_B[i];
    CHECK_OK("lab05.6", lora_switch_f32(w, a1, b1, a2, b2, 4, 4, 2, 1.0f));
    double got[16], want[16];
    memcpy(want, LIFE_W0, sizeof want);
    lora_merge(want, LIFE_A_B, LIFE_B_B, 4, 4, 2, 2.0);
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
    CHECK_OK("lab05.1", lora_merge(want, LIFE_A_B, LIFE_B_B, 4, 4, 2, 2.0));
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

static uint64_t le64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

START_TEST(test_encode_example_is_224_bytes)
{
    unsigned char buf[256];
    size_t len = 0;
    double one = 1.0;
    CHECK_OK("lab05.8", st_encode_lora("m", &one, &one, 1, 1, 1, ST_F32, buf, sizeof buf, &len));
    ck_assert_msg(len == 224, "lab05.8: the example file is %zu bytes, expected 224", len);
    ck_assert_msg(le64(buf) == 208, "lab05.8: N = %llu, expected 208 (204 bytes of text, 4 spaces)",
                  (unsigned long long)le64(buf));
    const char *start = "{\"__metadata__\":{\"format\":\"pt\"},\"base_model.model.m.lora_A.weight\":";
    ck_assert_msg(!memcmp(buf + 8, start, strlen(start)), "lab05.8: the header does not start with %s",
                  start);
}
END_TEST

START_TEST(test_encode_pads_header_to_8_with_spaces)
{
    unsigned char buf[512];
    size_t len = 0;
    CHECK_OK("lab05.8", st_encode_lora("q_proj", A23, B42, 3, 4, 2, ST_F64, buf, sizeof buf, &len));
    uint64_t n = le64(buf);
    ck_assert_msg(n % 8 == 0, "lab05.8: N = %llu is not a multiple of 8", (unsigned long long)n);
    ck_assert_msg(len == 8 + n + 8 * (6 + 8), "lab05.8: len %zu, expected 8 + N + 112", len);
    size_t end = 8 + (size_t)n;
    while (buf[end - 1] == ' ')
        end--;
    ck_assert_msg(buf[end - 1] == '}', "lab05.8: the header ends in 0x%02x before its padding, not '}'",
                  buf[end - 1]);
}
END_TEST

START_TEST(test_decode_round_trip_f64_is_bit_exact)
{
    unsigned char buf[512];
    size_t len = 0, dims[3];
    char module[64];
    double a[6], b[8];
    CHECK_OK("lab05.8", st_encode_lora("model.layers.0.self_attn.q_proj", A23, B42, 3, 4, 2, ST_F64,
                                       buf, sizeof buf, &len));
    CHECK_OK("lab05.9", st_decode_lora(buf, len, module, sizeof module, a, 6, b, 8, dims));
    ck_assert_str_eq(module, "model.layers.0.self_attn.q_proj");
    ck_assert_msg(dims[0] == 3 && dims[1] == 4 && dims[2] == 2, "lab05.9: dims %zu %zu %zu, expected 3 4 2",
                  dims[0], dims[1], dims[2]);
    ck_assert_msg(!memcmp(a, A23, sizeof a) && !memcmp(b, B42, sizeof b),
                  "lab05.9: values are not bit for bit what was written");
}
END_TEST

START_TEST(test_decode_rejects_every_truncation)
{
    unsigned char buf[512];
    size_t len = 0, dims[3];
    char module[64];
    double a[6], b[8];
    CHECK_OK("lab05.8", st_encode_lora("q_proj", A23, B42, 3, 4, 2, ST_F32, buf, sizeof buf, &len));
    for (size_t cut = 0; cut < len; cut++) {
        unsigned char *copy = malloc(cut ? cut : 1); /* exact size: ASan sees over-reads */
        memcpy(copy, buf, cut);
        int rc = st_decode_lora(copy, cut, module, sizeof module, a, 6, b, 8, dims);
        free(copy);
        ck_assert_msg(rc == LAB_EARG, "lab05.9: a file cut to %zu of %zu bytes was accepted", cut, len);
    }
}
END_TEST

START_TEST(test_decode_rejects_transposed_shapes)
{
    const char *hdr = "{\"base_model.model.m.lora_A.weight\":{\"dtype\":\"F32\",\"shape\":[3,2],"
                      "\"data_offsets\":[0,24]},\"base_model.model.m.lora_B.weight\":{\"dtype\":"
                      "\"F32\",\"shape\":[2,4],\"data_offsets\":[24,56]}}";
    size_t hl = strlen(hdr), n = 8 + hl + 56, dims[3];
    unsigned char *f = calloc(n, 1);
    for (int i = 0; i < 8; i++)
        f[i] = (unsigned char)(hl >> (8 * i));
    memcpy(f + 8, hdr, hl);
    char module[64];
    double a[16], b[16];
    CHECK_EARG("lab05.9", st_decode_lora(f, n, module, sizeof module, a, 16, b, 16, dims));
    free(f);
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
    size_t dims[3];
    char module[64];
    double a[6], b[8];
    CHECK_OK("st_load_lora", st_load_lora(path, module, sizeof module, a, 6, b, 8, dims));
    ck_assert_str_eq(module, "model.layers.0.self_attn.v_proj");
    ck_assert_msg(!memcmp(a, A23, sizeof a) && !memcmp(b, B42, sizeof b), "values changed on disk");
    snprintf(path, sizeof path, "%s/adapter_config.json", dir);
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "no adapter_config.json written");
    char text[256] = {0};
    size_t got = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    ck_assert_msg(got > 0 && strstr(text, "\"target_modules\": [\"v_proj\"]"),
                  "adapter_config.json lacks target_modules [\"v_proj\"]: %s", text);
    CHECK_EARG("st_load_lora", st_load_lora("/nonexistent/adapter.safetensors", module, 64, a, 6, b, 8, dims));
    remove(path);
    snprintf(path, sizeof path, "%s/adapter_model.safetensors", dir);
    remove(path);
    rmdir(dir);
}
END_TEST

static Suite *make_suite(const char *name, TCase **tc)
{
    Suite *s = suite_create(name);
    *tc = tcase_create("core");
    suite_add_tcase(s, *tc);
    return s;
}

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
    TCase *tc;
    Suite *s = make_suite("lab05.1", &tc);
    tcase_add_test(tc, test_merge_task_a_gives_the_course_w_a);
    tcase_add_test(tc, test_merge_uses_alpha_over_r);
    tcase_add_test(tc, test_merge_rejects_r_zero_and_leaves_w);
    SRunner *sr = srunner_create(s);

    s = make_suite("lab05.2", &tc);
    tcase_add_test(tc, test_unmerge_after_merge_gives_w0_back);
    srunner_add_suite(sr, s);

    s = make_suite("lab05.3", &tc);
    tcase_add_test(tc, test_switch_a_to_b_equals_merging_b_into_w0);
    tcase_add_test(tc, test_switch_there_and_back_returns_w_a);
    srunner_add_suite(sr, s);

    s = make_suite("lab05.4", &tc);
    tcase_add_test(tc, test_plain_layer_gives_the_lora_outputs);
    srunner_add_suite(sr, s);

    s = make_suite("lab05.5", &tc);
    tcase_add_test(tc, test_swap_moves_32_numbers_reload_16);
    tcase_add_test(tc, test_swap_gpt3_counts);
    srunner_add_suite(sr, s);

    s = make_suite("lab05.6", &tc);
    tcase_add_test(tc, test_float_switch_a_to_b);
    srunner_add_suite(sr, s);

    s = make_suite("lab05.7", &tc);
    tcase_add_test(tc, test_rederived_switch_is_one_merge_bit_for_bit);
    srunner_add_suite(sr, s);

    s = make_suite("lab05.8", &tc);
    tcase_add_test(tc, test_encode_example_is_224_bytes);
    tcase_add_test(tc, test_encode_pads_header_to_8_with_spaces);
    srunner_add_suite(sr, s);

    s = make_suite("lab05.9", &tc);
    tcase_add_test(tc, test_decode_round_trip_f64_is_bit_exact);
    tcase_add_test(tc, test_decode_rejects_every_truncation);
    tcase_add_test(tc, test_decode_rejects_transposed_shapes);
    srunner_add_suite(sr, s);

    s = make_suite("lab05.10", &tc);
    tcase_add_test(tc, test_config_for_r8_alpha16);
    srunner_add_suite(sr, s);

    s = make_suite("lab05.11-12", &tc);
    tcase_add_test(tc, test_adapter_overhead_is_10800_gpu_seconds_per_hour);
    tcase_add_test(tc, test_extra_gpus_are_13_minus_10);
    srunner_add_suite(sr, s);

    s = make_suite("files", &tc);
    tcase_add_test(tc, test_save_then_load_files);
    srunner_add_suite(sr, s);

    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
