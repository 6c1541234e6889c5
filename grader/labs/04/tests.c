/*
 * tests.c - Lab 04's hidden tests: LoRA counts per matrix and per model, the
 * base model's count, PEFT's target rule and summary line, bytes and storage.
 *
 * Expected values come from the reference solution linked into this judge
 * (never into the runner), except numbers the course or the model's authors
 * print, which are tests in their own right and say so: GPT-3's 18,874,368
 * and 4,718,592, the published totals in the data/lab04 model files (read with the
 * given parser), LLaMA-7B's PEFT line, the storage table's 35 TB and
 * 353,774,873,600 bytes.  Random cases draw from judge_rng(): seed printed,
 * --seed N repeats a run.  Sizes are chosen so that the answers pass 2^32
 * (a 32-bit count fails) but stay below 2^53 where they travel as doubles.
 * The structs travel as records (functions.txt): records.h, generated from
 * the description, stores them in the tensors the runner loads them from.
 */
#include "test.h"
#include "describe.h"
#include "model_config.h"
#include "param_count.h"
#include "protocol.h"
#include "records.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------------------------ helpers */

static long long between(judge_t *j, long long lo, long long hi)
{
    return lo + (long long)rng_below(judge_rng(j), (uint64_t)(hi - lo + 1));
}

/* A model file of the kit: <root>/data/lab04/<name>.cfg (this program lives
 * in <root>/grader/bin/). */
static int load_model(judge_t *j, const char *name, pc_model_t *m)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/data/lab04/%s.cfg", judge_root(), name);
    if (pc_config_load(path, m) != LAB_OK) {
        judge_fail(j, "grader error: cannot read %s (see stderr)", path);
        judge_internal_error();
        return 0;
    }
    return 1;
}

/* The bytes of s, one double each (a text argument: the runner adds the
 * NUL); the caller frees it after call_free (call_in keeps the pointer). */
static double *string_wire(const char *s, size_t *count)
{
    *count = strlen(s);
    double *w = malloc((*count ? *count : 1) * sizeof *w);
    for (size_t i = 0; i < *count; i++)
        w[i] = (double)(unsigned char)s[i];
    return w;
}

/* ---- student calls ---- */

static long long student_3(judge_t *j, const char *fn, long long a, long long b, long long c_,
                           int *ok)
{
    call_t *c = call_new(j, fn);
    call_int(c, fn[5] == 'm' ? "d_in" : "n_matrices", a);
    call_int(c, fn[5] == 'm' ? "d_out" : "d_model", b);
    call_int(c, "r", c_);
    *ok = call_run(c);
    long long ret = *ok ? call_return(c) : 0;
    call_free(c);
    return ret;
}

/* Compare a student count with want; on a miss, say which call. */
static int expect_count(judge_t *j, const char *call_text, long long got, long long want)
{
    if (got == want)
        return 1;
    judge_fail(j, "%s returned %lld, expected %lld", call_text, got, want);
    return 0;
}

static void check_matrix(judge_t *j, long long d_in, long long d_out, long long r)
{
    int ok;
    long long got = student_3(j, "lora_matrix_params", d_in, d_out, r, &ok);
    char text[128];
    snprintf(text, sizeof text, "lora_matrix_params(%lld, %lld, %lld)", d_in, d_out, r);
    if (ok)
        expect_count(j, text, got, lora_matrix_params(d_in, d_out, r));
}

static void check_course(judge_t *j, long long n, long long d, long long r, long long want)
{
    int ok;
    long long got = student_3(j, "lora_course_params", n, d, r, &ok);
    char text[128];
    snprintf(text, sizeof text, "lora_course_params(%lld, %lld, %lld)", n, d, r);
    if (ok)
        expect_count(j, text, got, want);
}

/* ---- lab04.1 ---- */

TEST("lab04.1", 4, "one matrix holds r (d_in + d_out) on random non-square shapes",
     "r (d_in + d_out) per matrix on non-square shapes: A is (r, d_in) and B is (d_out, r).")
{
    for (int k = 0; k < 12 && !judge_failed(j); k++) {
        long long d_in = between(j, 1, 20000), d_out = between(j, 1, 20000);
        if (d_in == d_out)
            d_out++;
        check_matrix(j, d_in, d_out, between(j, 1, 256));
    }
    check_matrix(j, 1, 1, 1);
}

TEST("lab04.1", 3, "counts beyond 2^32 come back whole in int64_t",
     "Sizes whose count passes 2^32: r (d_in + d_out) must come back exact, every product computed in int64_t.")
{
    for (int k = 0; k < 8 && !judge_failed(j); k++) {
        long long d_in = between(j, 100000, 3000000), d_out = between(j, 100000, 3000000);
        long long r = between(j, 5000, 100000); /* r (d_in + d_out) > 2^32 */
        check_matrix(j, d_in, d_out, r);
    }
}

TEST("lab04.1", 2, "a valid count is right; zero sizes, zero rank, overflow are rejected",
     "A valid call must give r (d_in + d_out); LAB_REQUIRE d_in, d_out, r >= 1, and check r > INT64_MAX / (d_in + d_out) before multiplying.")
{
    static const long long cases[][3] = {
        {0, 768, 4}, {768, 0, 4}, {768, 768, 0}, {-5, 768, 4}, {768, 768, -1},
        {1LL << 40, 1LL << 40, 1LL << 30}, {LLONG_MAX, 1, 1}, {1LL << 62, 1LL << 62, 1},
        {3000000000LL, 3000000000LL, 1LL << 32}};
    check_matrix(j, 4096, 1024, 16);
    if (!judge_needs_working(j, "lora_matrix_params"))
        return;
    for (size_t k = 0; k < sizeof cases / sizeof *cases && !judge_failed(j); k++) {
        int ok;
        long long got = student_3(j, "lora_matrix_params", cases[k][0], cases[k][1], cases[k][2], &ok);
        if (ok && got != LAB_EARG)
            judge_fail(j, "lora_matrix_params(%lld, %lld, %lld) returned %lld, expected LAB_EARG (-1)",
                       cases[k][0], cases[k][1], cases[k][2], got);
    }
}

/* ---- lab04.2 ---- */

TEST("lab04.2", 4, "course: GPT-3 Wq, Wv at r = 4 is 18,874,368 and r = 1 4,718,592",
     "|Theta| = 2 * n_matrices * d_model * r, with n_matrices = 192 for Wq and Wv in 96 layers.")
{
    /* The course's numbers (seed 003, "which weights and what rank"). */
    check_course(j, 192, 12288, 4, 18874368);
    check_course(j, 192, 12288, 1, 4718592);
    check_course(j, 48, 768, 8, 589824); /* the BERT-base exercise */
}

TEST("lab04.2", 1, "random matrix counts, widths and ranks give 2 n d r",
     "|Theta| = 2 n d r (A and B of each of n matrices) for random n, d and r, computed in int64_t.")
{
    for (int k = 0; k < 10 && !judge_failed(j); k++) {
        long long n = between(j, 1, 1000), d = between(j, 64, 65536), r = between(j, 1, 512);
        check_course(j, n, d, r, lora_course_params(n, d, r));
    }
}

TEST("lab04.2", 1, "the smallest legal arguments: lora_course_params(1, 1, 1) = 2",
     "n_matrices, d_model and r are legal from 1 up: check each >= 1, not > 1.")
{
    check_course(j, 1, 1, 1, 2);
}

TEST("lab04.2", 1, "course formula is right, and rejects zero arguments and overflow",
     "A valid call must give 2 n d r; every argument must be >= 1; check each product against INT64_MAX.")
{
    static const long long cases[][3] = {{0, 12288, 4}, {192, 0, 4}, {192, 12288, 0},
                                         {-192, 12288, 4}, {1LL << 30, 1LL << 30, 1LL << 10},
                                         {LLONG_MAX / 2 + 1, 1, 1}};
    check_course(j, 96, 4096, 8, lora_course_params(96, 4096, 8));
    if (!judge_needs_working(j, "lora_course_params"))
        return;
    for (size_t k = 0; k < sizeof cases / sizeof *cases && !judge_failed(j); k++) {
        int ok;
        long long got = student_3(j, "lora_course_params", cases[k][0], cases[k][1], cases[k][2], &ok);
        if (ok && got != LAB_EARG)
            judge_fail(j, "lora_course_params(%lld, %lld, %lld) returned %lld, expected LAB_EARG (-1)",
                       cases[k][0], cases[k][1], cases[k][2], got);
    }
}

/* ---- lab04.3 ---- */

/* The student's count of m; parts (6 doubles) copied to parts_out.  Returns
 * 1 when the call ran and returned normally. */
static int student_model(judge_t *j, const pc_model_t *m, long long *ret, double parts_out[6])
{
    double w[RECORD_DOUBLES_pc_model_t];
    record_store_pc_model_t(m, w);
    call_t *c = call_new(j, "pc_model_params");
    call_in(c, "m", w, RECORD_DOUBLES_pc_model_t);
    call_out(c, "parts", RECORD_DOUBLES_pc_breakdown_t);
    int ok = call_run(c) && expect_inputs_unchanged(j, c);
    if (ok) {
        *ret = call_return(c);
        memcpy(parts_out, call_output(c, "parts"), 6 * sizeof(double));
    }
    call_free(c);
    return ok;
}

static const char *const PART_NAMES[6] = {"embeddings", "attention", "mlp", "norms", "top", "total"};

/* The student's total and breakdown against the reference's. */
static int model_matches(judge_t *j, const pc_model_t *m)
{
    pc_breakdown_t p;
    long long want = pc_model_params(m, &p), got;
    double parts[6];
    if (!student_model(j, m, &got, parts))
        return 0;
    const int64_t wp[6] = {p.embeddings, p.attention, p.mlp, p.norms, p.top, p.total};
    if (got != want) {
        judge_fail(j, "%s: pc_model_params returned %lld, expected %lld", m->name, got, want);
        return 0;
    }
    for (int i = 0; i < 6; i++)
        if (!(parts[i] == (double)wp[i])) {
            judge_fail(j, "%s: parts->%s is %.17g, expected %lld", m->name, PART_NAMES[i],
                       parts[i], (long long)wp[i]);
            return 0;
        }
    return 1;
}

TEST("lab04.3", 5, "published totals of GPT-2, BERT and LLaMA-7B are reproduced",
     "Count embeddings, every linear layer's weight and bias, every norm, and top kinds once.")
{
    /* Published counts (the data/lab04 model files cite them): numbers of the models' authors. */
    static const char *const names[] = {"gpt2-small", "gpt2-medium", "bert-base", "llama-7b"};
    for (size_t i = 0; i < 4 && !judge_failed(j); i++) {
        pc_model_t m;
        long long got;
        double parts[6];
        if (load_model(j, names[i], &m) && student_model(j, &m, &got, parts) &&
            got != m.published)
            judge_fail(j, "%s: pc_model_params returned %lld, the published count is %lld",
                       names[i], got, (long long)m.published);
    }
}

TEST("lab04.3", 4, "GPT-3's total and parts match without 32-bit overflow",
     "GPT-3's total and each part must match the reference, counted as for the smaller models; they exceed 2^31, so every sum must be an int64_t.")
{
    pc_model_t m;
    if (load_model(j, "gpt3-175b", &m))
        model_matches(j, &m);
}

static const char *const KIND_WORDS[] = {"q", "k", "v", "kv", "q_proj", "v_proj", "kv_proj", "proj",
                                         "dense", "out", "fc", "up", "gate"};
#define N_KIND_WORDS (sizeof KIND_WORDS / sizeof *KIND_WORDS)

/* A random model: 1..8 kinds, random places, sizes, biases and norms. */
static void random_model(judge_t *j, pc_model_t *m, int with_biases_and_norms)
{
    memset(m, 0, sizeof *m);
    snprintf(m->name, sizeof m->name, "random model");
    snprintf(m->layer_prefix, sizeof m->layer_prefix, "%s", between(j, 0, 1) ? "model.layers" : "h");
    m->d_model = between(j, 8, 8192);
    m->heads = 1;
    m->vocab = between(j, 100, 200000);
    m->context = between(j, 0, 1) ? between(j, 1, 8192) : 0;
    m->type_vocab = between(j, 0, 2);
    m->layers = between(j, 1, 120);
    m->d_ff = between(j, 8, 30000);
    m->norm = (int)between(j, 0, 1);
    m->norms_per_layer = with_biases_and_norms ? between(j, 1, 3) : between(j, 0, 3);
    m->embed_norm = between(j, 0, 1), m->final_norm = between(j, 0, 1);
    m->n_kinds = (size_t)between(j, 1, 8);
    for (size_t k = 0; k < m->n_kinds; k++) {
        pc_linear_kind_t *L = &m->kinds[k];
        L->place = k == 0 ? PC_ATTN : k == 1 ? PC_MLP : (int)between(j, 0, 2);
        snprintf(L->name, sizeof L->name, "%s.%s%zu", L->place == PC_MLP ? "mlp" : "attn",
                 KIND_WORDS[rng_below(judge_rng(j), N_KIND_WORDS)], k);
        L->d_in = between(j, 1, 30000), L->d_out = between(j, 1, 30000);
        L->bias = with_biases_and_norms ? (k == 0 || between(j, 0, 1)) : (int)between(j, 0, 1);
    }
}

/* The derived tests' example model (functions.txt: example example_model):
 * a random one with biases and norms, at least one linear kind. */
void example_model(judge_t *j, const fn_value_t *v, double *w, uint64_t count)
{
    (void)v;
    pc_model_t m;
    random_model(j, &m, 1);
    for (uint64_t k = 0; k + RECORD_DOUBLES_pc_model_t <= count; k += RECORD_DOUBLES_pc_model_t)
        record_store_pc_model_t(&m, w + k);
}

TEST("lab04.3", 1, "random models match the reference total and breakdown",
     "embeddings = (vocab + context + type_vocab) d_model; attention and mlp per layer times layers.")
{
    for (int k = 0; k < 12 && !judge_failed(j); k++) {
        pc_model_t m;
        random_model(j, &m, 0);
        model_matches(j, &m);
    }
}

TEST("lab04.3", 1, "sizes of 1 are legal (vocab, a kind's d_in, d_out); 0 is not",
     "vocab and each linear kind's d_in and d_out are legal from 1 up: check each >= 1, and check "
     "every kind, the first included.")
{
    pc_model_t m;
    long long got;
    double parts[6];
    if (!load_model(j, "gpt2-small", &m) || m.n_kinds < 1)
        return;
    m.kinds[0].d_out = 1, m.vocab = 1;
    if (!model_matches(j, &m))
        return;
    m.kinds[0].d_out = 3, m.kinds[0].d_in = 1;
    if (!model_matches(j, &m))
        return;
    m.kinds[0].d_in = 0;
    if (student_model(j, &m, &got, parts) && got != LAB_EARG)
        judge_fail(j, "%s with kinds[0].d_in = 0: pc_model_params returned %lld, expected LAB_EARG",
                   m.name, got);
}

TEST("lab04.3", 3, "biases and both kinds of norm are counted",
     "A bias adds d_out; a LayerNorm holds 2 d_model, an RMSNorm d_model; count embed and final norms.")
{
    for (int k = 0; k < 6 && !judge_failed(j); k++) {
        pc_model_t m;
        random_model(j, &m, 1);
        m.norm = k % 2; /* both kinds of norm */
        if (!model_matches(j, &m))
            judge_fail(j, "(biases add d_out per linear layer; a LayerNorm holds 2 d_model, an "
                       "RMSNorm d_model)");
    }
}

TEST("lab04.3", 1, "the total is right and the breakdown's parts add up to it",
     "The total must match the reference; fill parts->total with the sum of the five parts and return the same number.")
{
    for (int k = 0; k < 4 && !judge_failed(j); k++) {
        pc_model_t m;
        random_model(j, &m, 1);
        long long got;
        double p[6];
        if (!student_model(j, &m, &got, p))
            return;
        long long want = pc_model_params(&m, &(pc_breakdown_t){0});
        if (got != want) {
            judge_fail(j, "pc_model_params returned %lld, expected %lld (a random model)", got, want);
            return;
        }
        double sum = p[0] + p[1] + p[2] + p[3] + p[4];
        if (!(sum == p[5] && p[5] == (double)got))
            judge_fail(j, "parts add up to %.17g, parts->total is %.17g, the return value %lld: "
                       "all three must agree", sum, p[5], got);
    }
}

TEST("lab04.3", 2, "GPT-2 small is counted right; bad descriptions are rejected",
     "GPT-2 small's total and parts must match the reference; check m and parts (each alone NULL), sizes, norm, n_kinds and every kind's d_in, d_out, bias and place with LAB_REQUIRE.")
{
    pc_model_t base;
    if (!load_model(j, "gpt2-small", &base))
        return;
    model_matches(j, &base);
    if (!judge_needs_working(j, "pc_model_params"))
        return;
    for (int k = 0; k < 9 && !judge_failed(j); k++) {
        pc_model_t m = base;
        const char *what = "";
        switch (k) {
        case 0: m.d_model = 0, what = "d_model = 0"; break;
        case 1: m.layers = 0, what = "layers = 0"; break;
        case 2: m.vocab = -1, what = "vocab = -1"; break;
        case 3: m.context = -1, what = "context = -1"; break;
        case 4: m.norm = 2, what = "norm = 2"; break;
        case 5: m.kinds[1].d_out = 0, what = "a kind with d_out = 0"; break;
        case 6: m.kinds[2].bias = 2, what = "a kind with bias = 2"; break;
        case 7: m.kinds[3].place = 3, what = "a kind with place = 3"; break;
        case 8: m.n_kinds = PC_MAX_KINDS + 1, what = "n_kinds = PC_MAX_KINDS + 1"; break;
        }
        long long got;
        double parts[6];
        if (student_model(j, &m, &got, parts) && got != LAB_EARG)
            judge_fail(j, "pc_model_params returned %lld for %s, expected LAB_EARG (-1)", got, what);
    }
    double w[RECORD_DOUBLES_pc_model_t];
    record_store_pc_model_t(&base, w);
    for (int k = 0; k < 2 && !judge_failed(j); k++) { /* m NULL, then parts NULL */
        call_t *c = call_new(j, "pc_model_params");
        if (k == 0)
            call_null(c, "m"), call_out(c, "parts", RECORD_DOUBLES_pc_breakdown_t);
        else
            call_in(c, "m", w, RECORD_DOUBLES_pc_model_t), call_null(c, "parts");
        if (call_run(c) && !expect_return(j, c, LAB_EARG))
            judge_fail(j, "(the case was %s = NULL)", k == 0 ? "m" : "parts");
        else if (k == 0 && !judge_failed(j))
            expect_untouched(j, c, "parts");
        call_free(c);
    }
}

/* ---- lab04.4 ---- */

static int student_matches(judge_t *j, const char *name, const char *target, long long *ret)
{
    size_t nn = 0, nt = 0;
    double *nw = name ? string_wire(name, &nn) : NULL, *tw = target ? string_wire(target, &nt) : NULL;
    call_t *c = call_new(j, "pc_target_matches");
    if (nw)
        call_in(c, "name", nw, nn);
    else
        call_null(c, "name");
    if (tw)
        call_in(c, "target", tw, nt);
    else
        call_null(c, "target");
    int ok = call_run(c) && expect_inputs_unchanged(j, c);
    if (ok)
        *ret = call_return(c);
    call_free(c);
    free(nw), free(tw);
    return ok;
}

static void check_matches(judge_t *j, const char *name, const char *target, long long want)
{
    long long got;
    if (student_matches(j, name, target, &got) && got != want)
        judge_fail(j, "pc_target_matches(\"%s\", \"%s\") returned %lld, expected %lld", name, target,
                   got, want);
}

TEST("lab04.4", 3, "PEFT examples: equal names and dotted suffixes match, others do not",
     "Match when name == target or name ends with '.' followed by target, and only then.")
{
    check_matches(j, "model.layers.0.self_attn.q_proj", "q_proj", 1);
    check_matches(j, "lm_head", "lm_head", 1);
    check_matches(j, "encoder.layer.0.output.dense", "output.dense", 1);
    check_matches(j, "encoder.layer.11.attention.output.dense", "attention.output.dense", 1);
    check_matches(j, "transformer.h.3.attn.c_attn", "c_attn", 1);
    check_matches(j, "model.layers.31.mlp.down_proj", "model.layers.31.mlp.down_proj", 1);
    check_matches(j, "lm_head", "q_proj", 0); /* and an unrelated name does not */
}

TEST("lab04.4", 3, "dotted suffixes match; substrings and bare suffixes do not",
     "Match when name == target or name ends with '.' followed by target: the character before the suffix must be a '.'.")
{
    check_matches(j, "h.0.attn.v_proj", "v_proj", 1);
    check_matches(j, "encoder.layer.0.output.dense", "output.dense", 1);
    if (!judge_needs_working(j, "pc_target_matches"))
        return;
    check_matches(j, "h.0.attn.kv_proj", "v_proj", 0);
    check_matches(j, "model.layers.0.self_attn.q_proj_gate", "q_proj", 0);
    check_matches(j, "model.layers.0.self_attn.q_proj", "q_pro", 0);
    check_matches(j, "model.layers.0.self_attn.q_proj", "self_attn", 0);
    check_matches(j, "encoder.layer.0.intermediate.dense", "output.dense", 0);
    check_matches(j, "q_proj", "self_attn.q_proj", 0);
    check_matches(j, "model.layers.0.self_attn.q_proj", "", 0);
    check_matches(j, "xq_proj", "q_proj", 0);
}

TEST("lab04.4", 1, "an empty target matches nothing, even a name ending in a dot",
     "An empty target, or one longer than the name, matches nothing: return 0 before comparing "
     "(\"a.\" does not end with \".\" + \"\").")
{
    check_matches(j, "model.q", "q", 1); /* a working function first */
    if (!judge_failed(j))
        check_matches(j, "model.", "", 0);
    if (!judge_failed(j))
        check_matches(j, "q", "x.q", 0);
}

TEST("lab04.4", 3, "random dotted names agree with the reference",
     "Match when name == target or name ends with '.' followed by target: compare the last strlen(target) characters and check the '.' before them.")
{
    for (int k = 0; k < 20 && !judge_failed(j); k++) {
        char name[PC_NAME_MAX] = "", target[PC_NAME_MAX] = "";
        int parts = (int)between(j, 1, 4);
        for (int p = 0; p < parts; p++) {
            if (p)
                strcat(name, ".");
            strcat(name, KIND_WORDS[rng_below(judge_rng(j), N_KIND_WORDS)]);
        }
        switch (between(j, 0, 3)) {
        case 0: /* a dotted suffix of the name: a match */
            snprintf(target, sizeof target, "%s", strrchr(name, '.') ? strrchr(name, '.') + 1 : name);
            break;
        case 1: /* the name's last few characters: a bare suffix */
            snprintf(target, sizeof target, "%s", name + strlen(name) - (size_t)between(j, 1, (long long)strlen(name)));
            break;
        default:
            snprintf(target, sizeof target, "%s", KIND_WORDS[rng_below(judge_rng(j), N_KIND_WORDS)]);
        }
        check_matches(j, name, target, pc_target_matches(name, target));
    }
}

TEST("lab04.4", 1, "valid names match by PEFT's rule; NULL ones are rejected",
     "Valid names must match (or not) by PEFT's rule; LAB_REQUIRE(name && target, ...).")
{
    long long got;
    check_matches(j, "model.layers.0.self_attn.q_proj", "q_proj", 1);
    check_matches(j, "h.0.attn.kv_proj", "v_proj", 0);
    if (!judge_needs_working(j, "pc_target_matches"))
        return;
    if (student_matches(j, NULL, "q_proj", &got) && got != LAB_EARG)
        judge_fail(j, "pc_target_matches(NULL, \"q_proj\") returned %lld, expected LAB_EARG", got);
    if (!judge_failed(j) && student_matches(j, "q_proj", NULL, &got) && got != LAB_EARG)
        judge_fail(j, "pc_target_matches(\"q_proj\", NULL) returned %lld, expected LAB_EARG", got);
}

/* ---- lab04.5 ---- */

#define MAX_MODS 2048

typedef struct {
    pc_module_t mods[MAX_MODS];
    size_t n;
} modlist_t;

static int modules_of(judge_t *j, const pc_model_t *m, modlist_t *ml)
{
    if (pc_model_modules(m, ml->mods, MAX_MODS, &ml->n) != LAB_OK) {
        judge_fail(j, "grader error: the model has more than %d modules", MAX_MODS);
        return 0;
    }
    return 1;
}

/* What the last student_apply() call printed (its LAB_REQUIRE message). */
static char apply_printed[512];

/* The student's pc_apply_lora; ranks (n doubles) copied to ranks_out.  With
 * ml NULL, modules is passed as NULL (n = 1). */
static int student_apply(judge_t *j, const modlist_t *ml, const char *const *targets, size_t nt,
                         long long r, long long *ret, double *ranks_out)
{
    static const modlist_t none = {.n = 1};
    const int null_modules = !ml;
    if (null_modules)
        ml = &none;
    /* the modules as records; the targets each as its bytes and a 0 (texts) */
    size_t wn = ml->n * RECORD_DOUBLES_pc_module_t, tn = 0;
    for (size_t t = 0; t < nt; t++)
        tn += targets[t] ? strlen(targets[t]) + 1 : 1; /* NULL: a single -1 */
    double *w = malloc(wn * sizeof *w), *tw = calloc(tn ? tn : 1, sizeof *tw);
    for (size_t i = 0; i < ml->n; i++)
        record_store_pc_module_t(&ml->mods[i], w + i * RECORD_DOUBLES_pc_module_t);
    for (size_t t = 0, at = 0; t < nt; t++, at++) {
        if (!targets[t]) {
            tw[at] = -1.0;
            continue;
        }
        for (const char *p = targets[t]; *p; p++)
            tw[at++] = (double)(unsigned char)*p;
    }
    call_t *c = call_new(j, "pc_apply_lora");
    if (null_modules)
        call_null(c, "modules");
    else
        call_in(c, "modules", w, wn);
    call_size(c, "n", ml->n);
    call_in(c, "targets", tw, tn);
    call_size(c, "n_targets", nt);
    call_int(c, "r", r);
    call_out(c, "lora_r", ml->n);
    int ok = call_run(c) && expect_inputs_unchanged(j, c);
    if (ok) {
        *ret = call_return(c);
        snprintf(apply_printed, sizeof apply_printed, "%s", call_printed(c));
        if (ranks_out)
            memcpy(ranks_out, call_output(c, "lora_r"), ml->n * sizeof(double));
    }
    call_free(c);
    free(w), free(tw);
    return ok;
}

/* Student against reference: the returned count, and on success every rank. */
static int apply_matches(judge_t *j, const char *label, const modlist_t *ml,
                         const char *const *targets, size_t nt, long long r)
{
    static int64_t want_r[MAX_MODS];
    static double got_r[MAX_MODS];
    long long want = pc_apply_lora(ml->mods, ml->n, targets, nt, r, want_r), got;
    if (!student_apply(j, ml, targets, nt, r, &got, got_r))
        return 0;
    if (got != want) {
        judge_fail(j, "%s (targets %s%s, r = %lld): pc_apply_lora returned %lld, expected %lld",
                   label, targets[0], nt > 1 ? ", ..." : "", r, got, want);
        return 0;
    }
    for (size_t i = 0; want >= 0 && i < ml->n; i++)
        if (!(got_r[i] == (double)want_r[i])) {
            judge_fail(j, "%s: lora_r[%zu] (%s) is %.17g, expected %lld (targets %s%s)", label, i,
                       ml->mods[i].name, got_r[i], (long long)want_r[i], targets[0],
                       nt > 1 ? ", ..." : "");
            return 0;
        }
    return 1;
}

static modlist_t ML; /* large: kept off the stack */

/* The derived tests' example modules (functions.txt: example example_modules):
 * module k is layer k/3's self_attn.q_proj, self_attn.v_proj, mlp.up_proj in
 * turn, random sizes and biases (module 0's 1), so module 0 matches the
 * first target of the example (q_proj) and the last of 3 none. */
void example_modules(judge_t *j, const fn_value_t *v, double *w, uint64_t count)
{
    static const char *const kinds[] = {"self_attn.q_proj", "self_attn.v_proj", "mlp.up_proj"};
    (void)v;
    for (uint64_t k = 0; (k + 1) * RECORD_DOUBLES_pc_module_t <= count; k++) {
        pc_module_t mod;
        memset(&mod, 0, sizeof mod);
        snprintf(mod.name, sizeof mod.name, "model.layers.%llu.%s", (unsigned long long)(k / 3), kinds[k % 3]);
        mod.d_in = between(j, 1, 8192), mod.d_out = between(j, 1, 8192);
        mod.bias = k == 0 ? 1 : (int)between(j, 0, 1);
        mod.place = k % 3 == 2 ? PC_MLP : PC_ATTN;
        record_store_pc_module_t(&mod, w + k * RECORD_DOUBLES_pc_module_t);
    }
}

TEST("lab04.5", 5, "LLaMA-7B q_proj, v_proj at r = 8 trains 4,194,304 in 64 modules",
     "Sum r (d_in + d_out) over the matched modules; set lora_r[i] = r there and 0 elsewhere.")
{
    pc_model_t m;
    const char *qv[] = {"q_proj", "v_proj"};
    if (!load_model(j, "llama-7b", &m) || !modules_of(j, &m, &ML))
        return;
    long long got;
    static double r[MAX_MODS];
    if (!student_apply(j, &ML, qv, 2, 8, &got, r))
        return;
    /* The number: 32 layers * 2 * 8 (4096 + 4096). */
    if (got != 4194304) {
        judge_fail(j, "llama-7b, q_proj and v_proj, r = 8: returned %lld, expected 4,194,304", got);
        return;
    }
    size_t adapted = 0;
    for (size_t i = 0; i < ML.n; i++)
        adapted += r[i] == 8.0;
    if (adapted != 64)
        judge_fail(j, "%zu modules have lora_r = 8, expected 64 (q_proj and v_proj in 32 layers)",
                   adapted);
    else
        apply_matches(j, "llama-7b", &ML, qv, 2, 8);
}

TEST("lab04.5", 2, "GPT-3 budget table: 1, 2 or 4 weight types give 18,874,368 (and ranks)",
     "Each matched module adds lora_matrix_params(d_in, d_out, r) and gets lora_r = r; the others 0.")
{
    pc_model_t m;
    if (!load_model(j, "gpt3-175b", &m) || !modules_of(j, &m, &ML))
        return;
    static const struct { const char *t[4]; size_t n; long long r; } rows[] = {
        {{"q_proj"}, 1, 8}, {{"o_proj"}, 1, 8}, {{"q_proj", "v_proj"}, 2, 4},
        {{"q_proj", "k_proj"}, 2, 4}, {{"q_proj", "k_proj", "v_proj", "o_proj"}, 4, 2}};
    for (size_t k = 0; k < sizeof rows / sizeof *rows && !judge_failed(j); k++) {
        long long got;
        /* The course's budget: 18,874,368 whichever row. */
        if (student_apply(j, &ML, rows[k].t, rows[k].n, rows[k].r, &got, NULL) && got != 18874368)
            judge_fail(j, "GPT-3, %zu weight type(s) from %s at r = %lld: returned %lld, the "
                       "course's budget is 18,874,368", rows[k].n, rows[k].t[0], rows[k].r, got);
        else if (!judge_failed(j)) /* the count alone could be a constant: the ranks too */
            apply_matches(j, "gpt3-175b", &ML, rows[k].t, rows[k].n, rows[k].r);
    }
}

TEST("lab04.5", 1, "random models and targets match the reference counts and ranks",
     "A module some target matches by the PEFT suffix rule (lab04.4) adds r (d_in + d_out) once and gets lora_r = r; every other module gets lora_r = 0.")
{
    for (int k = 0; k < 8 && !judge_failed(j); k++) {
        pc_model_t m;
        random_model(j, &m, 0);
        m.layers = between(j, 1, 24);
        if (!modules_of(j, &m, &ML))
            return;
        char store[4][PC_NAME_MAX];
        const char *targets[4];
        size_t nt = (size_t)between(j, 1, 4);
        for (size_t t = 0; t < nt; t++) {
            const pc_module_t *mo = &ML.mods[rng_below(judge_rng(j), ML.n)];
            const char *dot = strrchr(mo->name, '.');
            switch (t == 0 ? 0 : between(j, 0, 3)) { /* the first target always matches */
            case 0: snprintf(store[t], PC_NAME_MAX, "%s", dot ? dot + 1 : mo->name); break;
            case 1: snprintf(store[t], PC_NAME_MAX, "%s", mo->name); break;
            case 2: snprintf(store[t], PC_NAME_MAX, "%s", KIND_WORDS[rng_below(judge_rng(j), N_KIND_WORDS)]); break;
            default: snprintf(store[t], PC_NAME_MAX, "%s", mo->name + strlen(mo->name) - 3); break;
            }
            targets[t] = store[t];
        }
        apply_matches(j, "random model", &ML, targets, nt, between(j, 1, 64));
    }
}

TEST("lab04.5", 1, "r = 1 is legal; a NULL target, an untargeted d_in = 0 are rejected",
     "r is legal from 1 up; check every entry of targets for NULL, and every module's d_in >= 1 and "
     "d_out >= 1, the modules no target matches too (LAB_EARG, lora_r untouched).")
{
    pc_model_t m;
    const char *qv[] = {"query", "value"}, *qnull[] = {"query", NULL};
    if (!load_model(j, "bert-base", &m) || !modules_of(j, &m, &ML))
        return;
    long long got;
    if (!apply_matches(j, "bert-base", &ML, qv, 2, 1))
        return;
    if (student_apply(j, &ML, qnull, 2, 8, &got, NULL) && got != LAB_EARG) {
        judge_fail(j, "bert-base with targets query, NULL: returned %lld, expected LAB_EARG", got);
        return;
    }
    size_t i = 0;
    while (i < ML.n && (pc_target_matches(ML.mods[i].name, qv[0]) == 1 ||
                        pc_target_matches(ML.mods[i].name, qv[1]) == 1))
        i++;
    if (i == ML.n) {
        judge_fail(j, "grader error: every module of bert-base is a target");
        return;
    }
    ML.mods[i].d_in = 0;
    if (!judge_failed(j) && student_apply(j, &ML, qv, 2, 8, &got, NULL) && got != LAB_EARG)
        judge_fail(j, "bert-base with module %zu (%s, targeted by neither query nor value) of d_in = 0: "
                   "returned %lld, expected LAB_EARG", i, ML.mods[i].name, got);
}

TEST("lab04.5", 2, "GPT-3 with every linear kind at r >= 256 sums past 2^32",
     "Each matched module adds r (d_in + d_out) and gets lora_r = r; 96 layers of six kinds at r >= 256 give a total past 2^32, which an int64_t holds.")
{
    pc_model_t m;
    if (!load_model(j, "gpt3-175b", &m) || !modules_of(j, &m, &ML))
        return;
    /* Every linear kind of GPT-3 at r = 256 or more: above 2^32, in 576 modules. */
    const char *all[] = {"q_proj", "k_proj", "v_proj", "o_proj", "fc", "proj"};
    apply_matches(j, "gpt3-175b", &ML, all, 6, between(j, 256, 1024));
}

TEST("lab04.5", 2, "BERT's output.dense also selects the MLP output, as in PEFT",
     "\"output.dense\" is a suffix of both attention.output.dense and layer.N.output.dense.")
{
    pc_model_t m;
    if (!load_model(j, "bert-base", &m) || !modules_of(j, &m, &ML))
        return;
    const char *both[] = {"output.dense"}, *attn[] = {"attention.output.dense"};
    if (apply_matches(j, "bert-base", &ML, both, 1, 8))
        apply_matches(j, "bert-base", &ML, attn, 1, 8);
}

TEST("lab04.5", 1, "a module matched by two targets is adapted once",
     "A module whose name matches two targets gets one adapter: counted once, lora_r = r.")
{
    pc_model_t m;
    if (!load_model(j, "llama-7b", &m) || !modules_of(j, &m, &ML))
        return;
    const char *dup[] = {"q_proj", "self_attn.q_proj", "model.layers.0.self_attn.q_proj"};
    if (apply_matches(j, "llama-7b", &ML, dup, 3, 4))
        return;
    judge_fail(j, "(q_proj is matched by all three targets in layer 0: count it once)");
}

TEST("lab04.5", 2, "BERT's query, value count right; no match, none, r = 0 rejected",
     "Targets query, value on BERT must match the reference; PEFT raises when no module matches; check modules, n_targets >= 1 and r >= 1 too, with LAB_REQUIRE in pc_apply_lora.")
{
    pc_model_t m;
    if (!load_model(j, "bert-base", &m) || !modules_of(j, &m, &ML))
        return;
    const char *none[] = {"q_proj", "v_proj"}, *qv[] = {"query", "value"};
    long long got;
    apply_matches(j, "bert-base", &ML, qv, 2, 8);
    if (!judge_needs_working(j, "pc_apply_lora"))
        return;
    if (student_apply(j, &ML, none, 2, 8, &got, NULL) && got != LAB_EARG)
        judge_fail(j, "bert-base with targets q_proj, v_proj (none exists): returned %lld, "
                   "expected LAB_EARG", got);
    if (!judge_failed(j) && student_apply(j, &ML, qv, 0, 8, &got, NULL) && got != LAB_EARG)
        judge_fail(j, "n_targets = 0: returned %lld, expected LAB_EARG", got);
    if (!judge_failed(j) && student_apply(j, &ML, qv, 2, 0, &got, NULL) && got != LAB_EARG)
        judge_fail(j, "r = 0: returned %lld, expected LAB_EARG", got);
    else if (!judge_failed(j) && !strstr(apply_printed, "pc_apply_lora"))
        judge_fail(j, "r = 0: the message printed does not name pc_apply_lora (\"%.200s\"): check r "
                   "with LAB_REQUIRE in pc_apply_lora itself", apply_printed);
    if (!judge_failed(j) && student_apply(j, NULL, qv, 2, 8, &got, NULL) && got != LAB_EARG)
        judge_fail(j, "modules = NULL: returned %lld, expected LAB_EARG", got);
}

/* ---- lab04.6 ---- */

/* The student's line; `text` gets it (if the call returned LAB_OK). */
static int student_summary(judge_t *j, long long t, long long a, size_t cap, long long *ret,
                           char *text, int *untouched)
{
    call_t *c = call_new(j, "pc_summary_line");
    call_int(c, "trainable", t);
    call_int(c, "all", a);
    call_out(c, "buf", cap);
    call_size(c, "cap", cap);
    int ok = call_run(c);
    if (ok) {
        /* buf comes back only when the call returned LAB_OK or wrote into it:
         * an untouched buf is still the poison of an unwritten output */
        const double *b = call_output(c, "buf");
        uint64_t bits = POISON_BITS;
        if (cap)
            memcpy(&bits, &b[0], sizeof bits);
        *ret = call_return(c);
        *untouched = bits == POISON_BITS;
        size_t n = cap < 1023 ? cap : 1023;
        for (size_t i = 0; i < n; i++)
            text[i] = *untouched ? '\0' : (char)(int)b[i];
        text[n] = '\0';
    }
    call_free(c);
    return ok;
}

static int summary_matches(judge_t *j, long long t, long long a)
{
    char want[256], got[1024];
    long long ret;
    int untouched;
    if (pc_summary_line(t, a, want, sizeof want) != LAB_OK) {
        judge_fail(j, "grader error: the reference rejected (%lld, %lld)", t, a);
        return 0;
    }
    if (!student_summary(j, t, a, 160, &ret, got, &untouched))
        return 0;
    if (ret != LAB_OK || strcmp(got, want) != 0) {
        judge_fail(j, "pc_summary_line(%lld, %lld) returned %lld and wrote\n    \"%s\"\n  expected\n"
                   "    \"%s\"", t, a, ret, ret == LAB_OK ? got : "", want);
        return 0;
    }
    return 1;
}

TEST("lab04.6", 4, "the LLaMA-7B summary line is exactly PEFT's",
     "\"trainable params: %s || all params: %s || trainable%%: %.4f\" with comma-grouped counts.")
{
    char got[1024];
    long long ret;
    int untouched;
    /* The line, word for word (PEFT's format). */
    const char *want = "trainable params: 4,194,304 || all params: 6,742,609,920 || trainable%: 0.0622";
    if (student_summary(j, 4194304, 6742609920LL, 160, &ret, got, &untouched) &&
        (ret != LAB_OK || strcmp(got, want)))
        judge_fail(j, "returned %lld and wrote\n    \"%s\"\n  expected\n    \"%s\"", ret,
                   ret == LAB_OK ? got : "", want);
}

TEST("lab04.6", 2, "random counts get a comma every three digits",
     "Group digits from the right: 999, 1,000, 12,345; 0 is \"0\".")
{
    static const long long fixed[][2] = {{0, 1}, {999, 1000}, {1000, 1000}, {12345, 999999},
                                         {1000000, 1000001}};
    for (size_t k = 0; k < 5 && !judge_failed(j); k++)
        summary_matches(j, fixed[k][0], fixed[k][1]);
    for (int k = 0; k < 8 && !judge_failed(j); k++) {
        long long a = between(j, 1, 1LL << (between(j, 4, 45)));
        summary_matches(j, between(j, 0, a), a);
    }
}

TEST("lab04.6", 3, "the percentage is rounded to 4 decimals like %.4f",
     "The percentage must read as printf(\"%.4f\", 100.0 * trainable / all) prints it.")
{
    /* Cases whose fifth decimal decides the rounding: truncation or a
     * different number of decimals fails them. */
    int found = 0;
    for (int k = 0; k < 4000 && found < 8 && !judge_failed(j); k++) {
        long long a = between(j, 1000000, 100000000000LL), t = between(j, 0, a / 50);
        double pct = 100.0 * (double)t / (double)a, frac = pct * 1e4 - floor(pct * 1e4);
        if (frac < 0.6 || frac > 0.95)
            continue;
        found++;
        summary_matches(j, t, a);
    }
}

TEST("lab04.6", 1, "a valid line is right; bad counts, short buffers rejected, untouched",
     "A valid line must be PEFT's; reject buf = NULL; build the line in a local buffer; copy it only if it fits in cap (with its NUL).")
{
    static const struct { long long t, a; size_t cap; const char *what; } cases[] = {
        {-1, 100, 160, "trainable = -1"}, {5, 0, 160, "all = 0"}, {101, 100, 160, "trainable > all"},
        {4194304, 6742609920LL, 60, "cap = 60 (the line needs 79 bytes)"},
        {4194304, 6742609920LL, 78, "cap = 78 (no room for the NUL)"}};
    summary_matches(j, 1234567, 89012345);
    if (!judge_needs_working(j, "pc_summary_line"))
        return;
    for (size_t k = 0; k < sizeof cases / sizeof *cases && !judge_failed(j); k++) {
        char got[1024];
        long long ret;
        int untouched;
        if (student_summary(j, cases[k].t, cases[k].a, cases[k].cap, &ret, got, &untouched) &&
            !(ret == LAB_EARG && untouched))
            judge_fail(j, "%s: returned %lld%s, expected LAB_EARG and nothing written", cases[k].what,
                       ret, untouched ? "" : " and wrote into buf");
    }
    call_t *c = call_new(j, "pc_summary_line");
    call_int(c, "trainable", 5);
    call_int(c, "all", 10);
    call_null(c, "buf");
    call_size(c, "cap", 160);
    if (!judge_failed(j) && call_run(c) && !expect_return(j, c, LAB_EARG))
        judge_fail(j, "(the case was buf = NULL)");
    call_free(c);
}

/* ---- lab04.7 and lab04.8 ---- */

static int student_bytes(judge_t *j, long long params, long long dtype, long long *ret)
{
    call_t *c = call_new(j, "pc_param_bytes");
    call_int(c, "params", params);
    call_int(c, "dtype", dtype);
    int ok = call_run(c);
    if (ok)
        *ret = call_return(c);
    call_free(c);
    return ok;
}

TEST("lab04.7", 5, "fp32 takes 4 bytes a number, fp16 and bf16 take 2",
     "bytes = params * size with size 4 for fp32, 2 for fp16 and 2 for bf16.")
{
    static const char *const dtn[] = {"PC_FP32", "PC_FP16", "PC_BF16"};
    for (int k = 0; k < 9 && !judge_failed(j); k++) {
        long long p = k < 3 ? 18874368 : between(j, 0, 1LL << 42), got;
        int d = k % 3;
        if (student_bytes(j, p, d, &got) && got != pc_param_bytes(p, d))
            judge_fail(j, "pc_param_bytes(%lld, %s) returned %lld, expected %lld", p, dtn[d], got,
                       (long long)pc_param_bytes(p, d));
    }
}

TEST("lab04.7", 2, "valid bytes are right; bad dtype, negative, overflow are rejected",
     "1000 bf16 numbers take 2000 bytes; dtype must be 0, 1 or 2; params >= 0; check params > INT64_MAX / size.")
{
    static const long long cases[][2] = {{-1, 0}, {100, 3}, {100, -1}, {LLONG_MAX / 2, PC_FP32},
                                         {LLONG_MAX / 2 + 1, PC_BF16}};
    long long ok_bytes;
    if (student_bytes(j, 1000, PC_BF16, &ok_bytes) && ok_bytes != 2000)
        judge_fail(j, "pc_param_bytes(1000, PC_BF16) returned %lld, expected 2000", ok_bytes);
    if (!judge_needs_working(j, "pc_param_bytes"))
        return;
    for (size_t k = 0; k < sizeof cases / sizeof *cases && !judge_failed(j); k++) {
        long long got;
        if (student_bytes(j, cases[k][0], cases[k][1], &got) && got != LAB_EARG)
            judge_fail(j, "pc_param_bytes(%lld, %lld) returned %lld, expected LAB_EARG", cases[k][0],
                       cases[k][1], got);
    }
}

static int student_storage(judge_t *j, const long long a[5], long long *ret)
{
    call_t *c = call_new(j, "pc_storage_bytes");
    call_int(c, "base_params", a[0]);
    call_int(c, "adapter_params", a[1]);
    call_int(c, "tasks", a[2]);
    call_int(c, "dtype", a[3]);
    call_int(c, "scheme", a[4]);
    int ok = call_run(c);
    if (ok)
        *ret = call_return(c);
    call_free(c);
    return ok;
}

static void check_storage(judge_t *j, const long long a[5], long long want)
{
    long long got;
    if (student_storage(j, a, &got) && got != want)
        judge_fail(j, "pc_storage_bytes(%lld, %lld, %lld, dtype %lld, scheme %lld) returned %lld, "
                   "expected %lld", a[0], a[1], a[2], a[3], a[4], got, want);
}

TEST("lab04.8", 4, "course storage table: 35 TB of copies, 354 GB shared",
     "Full copies: tasks * bytes(base); shared: bytes(base) + tasks * bytes(adapter).")
{
    /* The course's table (fp16, 175e9 parameters, GPT-3's 18,874,368-parameter adapter). */
    const long long full[5] = {175000000000LL, 18874368, 100, PC_FP16, PC_FULL_COPIES};
    const long long shared[5] = {175000000000LL, 18874368, 100, PC_FP16, PC_BASE_PLUS_ADAPTERS};
    const long long one[5] = {175000000000LL, 18874368, 1, PC_FP16, PC_FULL_COPIES};
    check_storage(j, full, 35000000000000LL);
    check_storage(j, shared, 353774873600LL);
    check_storage(j, one, 350000000000LL);
}

TEST("lab04.8", 3, "random storage cases match the reference for both schemes",
     "Random cases (tasks = 0 included): copies = tasks * bytes(base), shared = bytes(base) + tasks * bytes(adapter), in the dtype's size.")
{
    for (int k = 0; k < 12 && !judge_failed(j); k++) {
        long long a[5] = {between(j, 1000, 1LL << 38), between(j, 0, 1LL << 26), between(j, 0, 1000),
                          between(j, 0, 2), k % 2};
        if (k == 0)
            a[2] = 0;
        check_storage(j, a, pc_storage_bytes(a[0], a[1], a[2], a[3], a[4]));
    }
}

TEST("lab04.8", 1, "adapters of 0 parameters cost only the base; a base too big is rejected",
     "adapter_params = 0 is legal: base plus adapters is then the base's bytes (400 for 100 fp32 "
     "numbers), not an error; base_params x bytes that overflows is LAB_EARG in both schemes.")
{
    const long long a[5] = {100, 0, 3, PC_FP32, PC_BASE_PLUS_ADAPTERS},
                    big[5] = {LLONG_MAX / 2, 10, 3, PC_FP32, PC_BASE_PLUS_ADAPTERS};
    check_storage(j, a, 400);
    if (!judge_failed(j))
        check_storage(j, big, LAB_EARG);
}

TEST("lab04.8", 1, "valid storage is right; bad arguments and overflow are rejected",
     "A valid case must match the reference; check every argument (whatever the scheme) and every product and sum against INT64_MAX, with LAB_REQUIRE.")
{
    static const long long cases[][5] = {
        {-1, 10, 1, 0, 0}, {10, -1, 1, 0, 1}, {10, 10, -1, 0, 1}, {10, 10, 1, 3, 0}, {10, 10, 1, 0, 2},
        {1LL << 60, 1, 100, 0, 0}, {1, 1LL << 60, 100, 0, 1}, {LLONG_MAX / 4 + 1, 0, 1, PC_FP32, 1},
        {LLONG_MAX / 2 - 1, 10, 1, PC_FP16, 1}, {1LL << 40, 1LL << 30, 1LL << 40, PC_FP16, 1},
        {100, -1, 2, PC_FP32, PC_FULL_COPIES}, {LLONG_MAX / 2, 0, 1, PC_FP32, PC_FULL_COPIES}};
    const long long good[5] = {7000000000LL, 4194304, 12, PC_FP32, PC_BASE_PLUS_ADAPTERS};
    check_storage(j, good, pc_storage_bytes(good[0], good[1], good[2], good[3], good[4]));
    if (!judge_needs_working(j, "pc_storage_bytes"))
        return;
    for (size_t k = 0; k < sizeof cases / sizeof *cases && !judge_failed(j); k++) {
        long long got;
        if (student_storage(j, cases[k], &got) && got != LAB_EARG)
            judge_fail(j, "pc_storage_bytes(%lld, %lld, %lld, %lld, %lld) returned %lld, expected "
                       "LAB_EARG", cases[k][0], cases[k][1], cases[k][2], cases[k][3], cases[k][4], got);
    }
    /* An overflow is a broken contract like the others: LAB_REQUIRE says why. */
    call_t *c = call_new(j, "pc_storage_bytes");
    const long long *o = cases[5];
    call_int(c, "base_params", o[0]);
    call_int(c, "adapter_params", o[1]);
    call_int(c, "tasks", o[2]);
    call_int(c, "dtype", o[3]);
    call_int(c, "scheme", o[4]);
    if (!judge_failed(j) && call_run(c) && !strstr(call_printed(c), "pc_storage_bytes"))
        judge_fail(j, "pc_storage_bytes(2^60, ...) printed no message naming pc_storage_bytes: reject an "
                   "overflow with LAB_REQUIRE");
    call_free(c);
}


static const char *const sources[] = {"param_count.c", NULL};

int main(int argc, char **argv)
{
    static const judge_lab_t lab = {"04", "parameter counting and budgets", "04-param-counting",
                                    sources, "param_count.h", NULL, 0};
    return judge_main_registered(argc, argv, &lab);
}
