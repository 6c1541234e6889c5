/*
 * demo.c - lab04-demo: Lab 04's counts, recomputed from the model files in
 * data/lab04/ by the lab's functions (yours or the reference).
 *
 *   lab04-demo examples     every number the lab and its README use: the
 *                           published totals of five models recounted from
 *                           their shapes, the course's GPT-3 numbers, the
 *                           PEFT summary line of LLaMA-7B, the storage and
 *                           budget tables, the exercises; exits 1 if one
 *                           disagrees with the value the course or the
 *                           model's authors state
 *   lab04-demo exercises    the course's two exercises, answered
 *   lab04-demo budget       the course's ~18M budget spread over 1, 2, 4 weight types
 *   lab04-demo storage-table  bytes for 1, 10, 100 tasks (full copies vs adapters)
 *   lab04-demo models       every model's parameters by place (lab04.3)
 *   lab04-demo models MODEL one model in detail: embeddings by table, one
 *                           layer kind by kind, the norms, the total
 *   lab04-demo summary MODEL R [TARGET ...]   PEFT's summary line for
 *                           data/lab04/MODEL.cfg with LoRA of rank R on the
 *                           targets (default: the model's default_targets)
 *   lab04-demo rank-sweep | storage | where   plot data (for gnuplot)
 *   lab04-demo errata       other counts of the course material: the exercise demo, complexity
 *                           notes and memory claim, the course's adapter share;
 *                           exits 1 if one differs from what the kit states
 *
 * The model files are read from data/lab04/ (LAB04_DATA=dir changes it), so
 * run it from the kit's root, as make does.  Nothing here is random.
 * A function you have not written yet stops it with "not implemented: ...".
 */
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo_main.h"
#include "lab.h"
#include "model_config.h"
#include "param_count.h"

#define PROG "lab04-demo"
#define MAX_MODULES 4096

static int failures = 0;

static void load(const char *name, pc_model_t *m)
{
    const char *dir = getenv("LAB04_DATA") ? getenv("LAB04_DATA") : "data/lab04";
    char path[512];
    snprintf(path, sizeof path, "%s/%s.cfg", dir, name);
    if (pc_config_load(path, m) != LAB_OK) {
        fprintf(stderr, PROG ": cannot use %s (message above)\n", path);
        exit(1);
    }
}

static int64_t total_of(const pc_model_t *m, pc_breakdown_t *parts)
{
    pc_breakdown_t p;
    int64_t t = pc_model_params(m, parts ? parts : &p);
    if (t < 0) {
        fprintf(stderr, PROG ": pc_model_params(%s) returned LAB_EARG (message above)\n", m->name);
        exit(1);
    }
    return t;
}

/* LoRA of rank r on m's modules matched by targets (NULL: the defaults). */
static int64_t lora_of(const pc_model_t *m, const char *const *targets, size_t n_targets, int64_t r,
                       size_t *adapted)
{
    static pc_module_t mods[MAX_MODULES];
    static int64_t lora_r[MAX_MODULES];
    const char *defaults[PC_MAX_TARGETS];
    size_t n;
    if (pc_model_modules(m, mods, MAX_MODULES, &n) != LAB_OK)
        exit(1);
    if (!targets) {
        for (size_t t = 0; t < m->n_default_targets; t++)
            defaults[t] = m->default_targets[t];
        targets = defaults, n_targets = m->n_default_targets;
    }
    int64_t c = pc_apply_lora(mods, n, targets, n_targets, r, lora_r);
    if (c < 0) {
        fprintf(stderr, PROG ": pc_apply_lora on %s returned LAB_EARG (message above)\n", m->name);
        exit(1);
    }
    if (adapted) {
        *adapted = 0;
        for (size_t i = 0; i < n; i++)
            *adapted += lora_r[i] != 0;
    }
    return c;
}

/* "1,234,567" (the lab's own formatter is lab04.6; this one is for tables). */
static const char *commas(int64_t v)
{
    static char ring[8][40];
    static int next = 0;
    char *out = ring[next++ % 8], d[32];
    int nd = snprintf(d, sizeof d, "%" PRId64, v < 0 ? -v : v), o = 0;
    if (v < 0)
        out[o++] = '-';
    for (int i = 0; i < nd; i++) {
        out[o++] = d[i];
        if ((nd - 1 - i) % 3 == 0 && i != nd - 1)
            out[o++] = ',';
    }
    out[o] = '\0';
    return out;
}

static void expect_count(const char *what, int64_t got, int64_t want, const char *source)
{
    int ok = got == want;
    printf("  %-58s %18s   %s (%s)\n", what, commas(got), ok ? "ok" : "DIFFERS", source);
    if (!ok) {
        printf("      expected %s\n", commas(want));
        failures++;
    }
}

static void expect_text(const char *what, const char *got, const char *want)
{
    int ok = strcmp(got, want) == 0;
    printf("  %s: %s\n      %s\n", what, ok ? "ok" : "DIFFERS", got);
    if (!ok) {
        printf("      expected %s\n", want);
        failures++;
    }
}

/* A rounded value compared with the course's printed one. */
static void expect_rounded(const char *what, double got, int decimals, double want, const char *unit,
                           const char *source)
{
    double scale = pow(10.0, decimals);
    int ok = fabs(round(got * scale) - round(want * scale)) < 0.5;
    printf("  %-58s %18.*f %s   %s (%s: %.*f)\n", what, decimals + 2, got, unit,
           ok ? "ok" : "DIFFERS", source, decimals, want);
    failures += !ok;
}

static const char *const QV[] = {"q_proj", "v_proj"};
static const char *const QKVO[] = {"q_proj", "k_proj", "v_proj", "o_proj"};
static const char *const ALL_LINEAR[] = {"q_proj", "k_proj", "v_proj", "o_proj",
                                         "gate_proj", "up_proj", "down_proj"};
static const char *const BERT_QKVO[] = {"query", "key", "value", "attention.output.dense"};

#define GPT3_NOMINAL 175000000000LL /* the course's "175B" */

static void published_counts(void)
{
    static const char *const names[] = {"gpt2-small", "gpt2-medium", "bert-base", "llama-7b",
                                        "gpt3-175b"};
    printf("Published totals, recounted from data/lab04/*.cfg (pc_model_params, lab04.3):\n");
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        pc_model_t m;
        load(names[i], &m);
        int64_t t = total_of(&m, NULL);
        char what[96];
        snprintf(what, sizeof what, "%s total", m.name);
        if (m.published_exact)
            expect_count(what, t, m.published, "published count");
        else
            printf("  %-58s %18s   published %s (rounded): differs by %s (README)\n", what,
                   commas(t), commas(m.published), commas(m.published - t));
    }
    pc_model_t g;
    load("gpt3-175b", &g);
    int64_t untied = total_of(&g, NULL) + g.vocab * g.d_model;
    printf("  %-58s %18s   published %s (rounded): differs by %s\n", "gpt3-175b with an untied head",
           commas(untied), commas(g.published), commas(g.published - untied));
}

static void course_numbers(void)
{
    printf("\nThe course's GPT-3 numbers (d_model 12,288, Wq and Wv in 96 layers):\n");
    expect_count("one 12288 x 12288 matrix at r = 4 (lab04.1)", lora_matrix_params(12288, 12288, 4),
                 98304, "course: about 98 thousand");
    printf("  %-58s %18s   (course: 150 million; ratio %s, course 1,536)\n",
           "the full matrix", commas((int64_t)12288 * 12288),
           commas((int64_t)12288 * 12288 / lora_matrix_params(12288, 12288, 4)));
    failures += (int64_t)12288 * 12288 / lora_matrix_params(12288, 12288, 4) != 1536;
    expect_count("|Theta| = 2 * 192 * 12288 * 4 (lab04.2)", lora_course_params(192, 12288, 4),
                 18874368, "course");
    expect_count("|Theta| at r = 1 (lab04.2)", lora_course_params(192, 12288, 1), 4718592, "course");
    pc_model_t g;
    load("gpt3-175b", &g);
    size_t adapted;
    int64_t by_name = lora_of(&g, QV, 2, 4, &adapted);
    expect_count("pc_apply_lora(gpt3-175b, {q_proj, v_proj}, r = 4) (lab04.5)", by_name, 18874368,
                 "course");
    expect_count("  adapted matrices", (int64_t)adapted, 192, "course: L_LoRA = 192");
    int64_t total = total_of(&g, NULL);
    const int64_t theta4 = lora_course_params(192, 12288, 4), theta1 = lora_course_params(192, 12288, 1);
    expect_rounded("share of 175B at r = 4 (%)", 100.0 * (double)theta4 / GPT3_NOMINAL, 4, 0.0108, "%", "course");
    printf("  %-58s %18.6f %%\n", "share of the counted 174,604.3M at r = 4",
           100.0 * (double)by_name / (double)total);
    expect_rounded("share of 175B at r = 1 (%)", 100.0 * (double)theta1 / GPT3_NOMINAL, 3, 0.003, "%", "course");
    printf("\nThe \"LoRA layer\" exercise's layer (d = 4096, r = 16):\n");
    const int64_t seed001 = lora_matrix_params(4096, 4096, 16);
    expect_count("LoRA A and B (lab04.1)", seed001, 131072, "the exercise");
    printf("  %-58s %18s   ratio %.2f%%, %lldx fewer\n", "the full matrix", commas(4096 * 4096),
           100.0 * (double)seed001 / (4096.0 * 4096), (long long)(4096 * 4096 / seed001));
}

static void summary_lines(void)
{
    printf("\nPEFT's print_trainable_parameters() line (lab04.6):\n");
    pc_model_t m;
    load("llama-7b", &m);
    int64_t base = total_of(&m, NULL), lora = lora_of(&m, NULL, 0, 8, NULL);
    char line[160];
    if (pc_summary_line(lora, base + lora, line, sizeof line) != LAB_OK)
        exit(1);
    expect_text("llama-7b, default targets q_proj v_proj, r = 8", line,
                "trainable params: 4,194,304 || all params: 6,742,609,920 || trainable%: 0.0622");
    expect_count("  all params = base + LoRA", base + lora, 6738415616LL + 4194304, "6,738,415,616 + 4,194,304");
}

static int storage_table(int check)
{
    int64_t lora = lora_course_params(192, 12288, 4);
    printf("\nBytes of GPT-3's adapter (r = 4 on Wq, Wv; lab04.7):\n");
    static const char *const dtn[] = {"fp32", "fp16", "bf16"};
    for (int d = 0; d < 3; d++)
        printf("  %-58s %18s bytes = %.4f MB\n", dtn[d], commas(pc_param_bytes(lora, d)),
               (double)pc_param_bytes(lora, d) / 1e6);
    printf("\nStorage in fp16, the course's 175e9-parameter GPT-3 (lab04.8):\n");
    printf("  %6s  %28s  %34s\n", "tasks", "full copy per task", "one base + one adapter per task");
    for (int64_t tasks = 1; tasks <= 100; tasks *= 10) {
        int64_t full = pc_storage_bytes(GPT3_NOMINAL, lora, tasks, PC_FP16, PC_FULL_COPIES);
        int64_t shared = pc_storage_bytes(GPT3_NOMINAL, lora, tasks, PC_FP16, PC_BASE_PLUS_ADAPTERS);
        printf("  %6" PRId64 "  %20s B %6.2f TB  %20s B %8.2f GB\n", tasks, commas(full), full / 1e12,
               commas(shared), shared / 1e9);
    }
    if (check) {
        expect_rounded("one adapter in fp16 (MB)", pc_param_bytes(lora, PC_FP16) / 1e6, 1, 37.7, "MB", "kit; the course prints 37.8, errata");
        expect_rounded("100 full copies (TB)",
                       pc_storage_bytes(GPT3_NOMINAL, lora, 100, PC_FP16, PC_FULL_COPIES) / 1e12, 0, 35, "TB", "course");
        expect_rounded("base + 100 adapters (GB)",
                       pc_storage_bytes(GPT3_NOMINAL, lora, 100, PC_FP16, PC_BASE_PLUS_ADAPTERS) / 1e9, 0,
                       354, "GB", "course");
        expect_rounded("100 adapters alone (GB)",
                       pc_storage_bytes(0, lora, 100, PC_FP16, PC_BASE_PLUS_ADAPTERS) / 1e9, 2, 3.77, "GB", "kit; the course prints 3.78, errata");
        expect_rounded("full model over one adapter (x)",
                       (double)pc_param_bytes(GPT3_NOMINAL, PC_FP16) / (double)pc_param_bytes(lora, PC_FP16),
                       0, 9272, "x", "kit; the course says roughly 10,000");
    }
    return 0;
}

static void budget(int check)
{
    pc_model_t g;
    load("gpt3-175b", &g);
    static const struct { const char *label; const char *t[4]; size_t n; int64_t r; } rows[] = {
        {"Wq", {"q_proj"}, 1, 8},
        {"Wk", {"k_proj"}, 1, 8},
        {"Wv", {"v_proj"}, 1, 8},
        {"Wo", {"o_proj"}, 1, 8},
        {"Wq, Wk", {"q_proj", "k_proj"}, 2, 4},
        {"Wq, Wv", {"q_proj", "v_proj"}, 2, 4},
        {"Wq, Wk, Wv, Wo", {"q_proj", "k_proj", "v_proj", "o_proj"}, 4, 2},
    };
    printf("\nThe course's budget table, GPT-3 (pc_apply_lora, lab04.5):\n");
    printf("  %-16s %3s %9s %14s %12s\n", "weight types", "r", "matrices", "trainable", "fp16 MB");
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        size_t adapted;
        int64_t c = lora_of(&g, rows[i].t, rows[i].n, rows[i].r, &adapted);
        printf("  %-16s %3" PRId64 " %9zu %14s %12.4f\n", rows[i].label, rows[i].r, adapted, commas(c),
               pc_param_bytes(c, PC_FP16) / 1e6);
        if (check && c != lora_course_params(192, 12288, 4)) {
            printf("      DIFFERS from the course's budget 18,874,368\n");
            failures++;
        }
    }
}

static void exercises(int check)
{
    printf("\nExercise (course, lesson 4): BERT-base, Wq Wk Wv Wo at r = 8:\n");
    pc_model_t b;
    load("bert-base", &b);
    size_t adapted;
    int64_t lora = lora_of(&b, BERT_QKVO, 4, 8, &adapted), base = total_of(&b, NULL);
    if (check) {
        expect_count("LoRA parameters (pc_apply_lora)", lora, 589824, "2 * 48 * 768 * 8");
        expect_count("  = the course's formula 2 * 48 * 768 * 8", lora_course_params(48, 768, 8),
                     lora, "lab04.2");
        expect_count("  adapted matrices", (int64_t)adapted, 48, "4 types x 12 layers");
    } else
        printf("  LoRA parameters: %s in %zu matrices\n", commas(lora), adapted);
    printf("  %-58s %18.4f %%\n", "share of 110M", 100.0 * (double)lora / 110e6);
    printf("  %-58s %18.4f %%\n", "share of the counted 109,482,240", 100.0 * (double)lora / (double)base);
    char line[160];
    pc_summary_line(lora, base + lora, line, sizeof line);
    printf("  PEFT would print: %s\n", line);
    int64_t naive = lora_of(&b, (const char *const[]){"query", "key", "value", "output.dense"}, 4, 8, &adapted);
    printf("  (targets ... \"output.dense\" would also catch the MLP's output.dense: %s in %zu matrices)\n",
           commas(naive), adapted);

    printf("\nExercise (course, lesson 5): GPT-3 task switch, r = 4 on Wq and Wv in 96 layers:\n");
    pc_model_t g;
    load("gpt3-175b", &g);
    int64_t one = lora_of(&g, QV, 2, 4, NULL), full = total_of(&g, NULL);
    if (check) {
        expect_count("read from storage: task B's A and B (Lab 05)", one, 18874368, "2 * 192 * 12288 * 4");
        expect_count("used in memory: both adapters (Lab 05; course's toy way)", 2 * one, 37748736,
                     "2 x 18,874,368");
        expect_count("toy check: 2 * (4*2 + 2*4) at d = 4, r = 2", 2 * lora_matrix_params(4, 4, 2), 32,
                     "course");
    } else
        printf("  read %s numbers, use %s (old adapter too; Lab 05's definition)\n", commas(one), commas(2 * one));
    printf("  %-58s %18s bytes in fp16\n", "task B's adapter", commas(pc_param_bytes(one, PC_FP16)));
    printf("  %-58s %18s numbers\n", "versus reloading the whole model", commas(full));
}

static int cmd_examples(void)
{
    published_counts();
    course_numbers();
    summary_lines();
    storage_table(1);
    budget(1);
    exercises(1);
    printf("\n%s\n", failures ? "SOME NUMBERS DIFFER" : "every number above reproduced");
    return failures ? 1 : 0;
}

/* Every model's breakdown (lab04.3) and its named linear layers. */
static int cmd_models(void)
{
    static const char *const names[] = {"gpt2-small", "gpt2-medium", "bert-base", "llama-7b",
                                        "gpt3-175b"};
    printf("%-12s %15s %17s %17s %12s %13s %17s %8s\n", "model", "embeddings", "attention", "mlp",
           "norms", "top", "total", "modules");
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        pc_model_t m;
        pc_breakdown_t p;
        load(names[i], &m);
        total_of(&m, &p);
        printf("%-12s %15s %17s %17s %12s %13s %17s %8zu\n", m.name, commas(p.embeddings),
               commas(p.attention), commas(p.mlp), commas(p.norms), commas(p.top), commas(p.total),
               pc_model_module_count(&m));
    }
    return 0;
}

/* One model in detail (`models MODEL`): the embeddings by table, one layer
 * kind by kind, the norms, and the total put back together.  The per-layer
 * count, the norms and the total come from pc_model_params (lab04.3) on
 * copies of the model (one layer, no outer norms; no layers' norms); the
 * kind-by-kind lines are the contract's formula, and the two must agree. */
static int cmd_model_detail(const char *name)
{
    pc_model_t m, one, outer;
    pc_breakdown_t p, p1, po;
    load(name, &m);
    int64_t total = total_of(&m, &p);
    one = m, one.layers = 1, one.embed_norm = 0, one.final_norm = 0;
    outer = m, outer.norms_per_layer = 0;
    total_of(&one, &p1);
    total_of(&outer, &po);
    const int64_t norm_size = (m.norm == PC_LAYERNORM ? 2 : 1) * m.d_model;
    const char *norm_name = m.norm == PC_LAYERNORM ? "LayerNorm" : "RMSNorm";
    printf("%s, counted from data/lab04/%s.cfg (lab04.3):\n", m.name, name);
    printf("  %-52s %18s\n", "embeddings (pc_model_params)", commas(p.embeddings));
    printf("    %-50s %18s\n", "tokens: vocab x d_model", commas(m.vocab * m.d_model));
    if (m.context)
        printf("    %-50s %18s\n", "positions: context x d_model", commas(m.context * m.d_model));
    if (m.type_vocab)
        printf("    %-50s %18s\n", "token types: type_vocab x d_model", commas(m.type_vocab * m.d_model));
    int64_t by_kind = 0;
    printf("  one layer, kind by kind (d_in x d_out + bias):\n");
    for (size_t k = 0; k < m.n_kinds; k++) {
        const pc_linear_kind_t *q = &m.kinds[k];
        if (q->place == PC_TOP)
            continue;
        int64_t c = q->d_in * q->d_out + q->bias * q->d_out;
        char what[160];
        snprintf(what, sizeof what, "%s: %" PRId64 " x %" PRId64 "%s", q->name, q->d_in, q->d_out,
                 q->bias ? " + bias" : "");
        printf("    %-50s %18s\n", what, commas(c));
        by_kind += c;
    }
    char what[160];
    snprintf(what, sizeof what, "%" PRId64 " %s(s) of %s", m.norms_per_layer, norm_name, commas(norm_size));
    printf("    %-50s %18s\n", what, commas(m.norms_per_layer * norm_size));
    by_kind += m.norms_per_layer * norm_size;
    int64_t per_layer = p1.attention + p1.mlp + p1.norms;
    printf("  %-52s %18s\n", "per layer (pc_model_params with layers = 1)", commas(per_layer));
    if (per_layer != by_kind) {
        printf("      DIFFERS from the kind-by-kind sum %s\n", commas(by_kind));
        failures++;
    }
    snprintf(what, sizeof what, "times %" PRId64 " layers", m.layers);
    printf("  %-52s %18s\n", what, commas(m.layers * per_layer));
    if (m.embed_norm) {
        snprintf(what, sizeof what, "%s after the embeddings (%" PRId64 ")", norm_name, m.embed_norm);
        printf("  %-52s %18s\n", what, commas(m.embed_norm * norm_size));
    }
    if (m.final_norm) {
        snprintf(what, sizeof what, "final %s (%" PRId64 ")", norm_name, m.final_norm);
        printf("  %-52s %18s\n", what, commas(m.final_norm * norm_size));
    }
    printf("  %-52s %18s\n", "norms outside the layers (pc_model_params)", commas(po.norms));
    printf("  %-52s %18s\n", "top (pc_model_params)", commas(p.top));
    for (size_t k = 0; k < m.n_kinds; k++)
        if (m.kinds[k].place == PC_TOP) {
            const pc_linear_kind_t *q = &m.kinds[k];
            snprintf(what, sizeof what, "%s: %" PRId64 " x %" PRId64 "%s", q->name, q->d_in, q->d_out,
                     q->bias ? " + bias" : "");
            printf("    %-50s %18s\n", what, commas(q->d_in * q->d_out + q->bias * q->d_out));
        }
    int64_t sum = p.embeddings + m.layers * per_layer + po.norms + p.top;
    printf("  %-52s %18s\n", "embeddings + layers + outer norms + top", commas(sum));
    printf("  %-52s %18s   %s\n", "total (pc_model_params)", commas(total), sum == total ? "ok" : "DIFFERS");
    failures += sum != total;
    return failures ? 1 : 0;
}

/* summary MODEL R [TARGET ...]: argv[2] is MODEL (demo_main checked the count). */
static int cmd_summary(int argc, char **argv)
{
    pc_model_t m;
    load(argv[2], &m);
    char *end;
    long long r = strtoll(argv[3], &end, 10);
    if (*end || r < 1) {
        fprintf(stderr, PROG ": summary: R must be a whole number >= 1, got '%s'\n", argv[3]);
        return 2;
    }
    int64_t base = total_of(&m, NULL);
    int64_t lora = lora_of(&m, argc > 4 ? (const char *const *)argv + 4 : NULL,
                           argc > 4 ? (size_t)(argc - 4) : 0, r, NULL);
    char line[160];
    if (pc_summary_line(lora, base + lora, line, sizeof line) != LAB_OK)
        return 1;
    puts(line);
    return 0;
}

/* Plot data: trainable parameters against r for several models and targets. */
static int cmd_rank_sweep(void)
{
    pc_model_t g, l, b, s;
    load("gpt3-175b", &g), load("llama-7b", &l), load("bert-base", &b), load("gpt2-small", &s);
    printf("# r  gpt3_qv  gpt3_qkvo  llama7b_qv  llama7b_all_linear  bert_query_value  gpt2_c_attn\n");
    for (int64_t r = 1; r <= 256; r *= 2)
        printf("%" PRId64 " %" PRId64 " %" PRId64 " %" PRId64 " %" PRId64 " %" PRId64 " %" PRId64 "\n", r,
               lora_of(&g, QV, 2, r, NULL), lora_of(&g, QKVO, 4, r, NULL), lora_of(&l, QV, 2, r, NULL),
               lora_of(&l, ALL_LINEAR, 7, r, NULL), lora_of(&b, NULL, 0, r, NULL),
               lora_of(&s, NULL, 0, r, NULL));
    return 0;
}

/* Plot data: storage against the number of tasks (fp16). */
static int cmd_storage(void)
{
    pc_model_t g, l;
    load("gpt3-175b", &g), load("llama-7b", &l);
    int64_t gb = total_of(&g, NULL), ga = lora_of(&g, QV, 2, 4, NULL);
    int64_t lb = total_of(&l, NULL), la = lora_of(&l, QV, 2, 8, NULL);
    printf("# tasks  bytes: gpt3_full_copies gpt3_base_plus_adapters(r=4,qv) "
           "llama7b_full_copies llama7b_base_plus_adapters(r=8,qv)\n");
    for (int64_t t = 1; t <= 100; t++)
        printf("%" PRId64 " %" PRId64 " %" PRId64 " %" PRId64 " %" PRId64 "\n", t,
               pc_storage_bytes(gb, ga, t, PC_FP16, PC_FULL_COPIES),
               pc_storage_bytes(gb, ga, t, PC_FP16, PC_BASE_PLUS_ADAPTERS),
               pc_storage_bytes(lb, la, t, PC_FP16, PC_FULL_COPIES),
               pc_storage_bytes(lb, la, t, PC_FP16, PC_BASE_PLUS_ADAPTERS));
    return 0;
}

/* Plot data: where LLaMA-7B's parameters sit, and where LoRA's sit (percent of each total). */
static int cmd_where(void)
{
    pc_model_t l;
    load("llama-7b", &l);
    pc_breakdown_t p;
    int64_t total = total_of(&l, &p);
    int64_t qv = lora_of(&l, QV, 2, 8, NULL);
    int64_t attn_all = lora_of(&l, QKVO, 4, 8, NULL), all = lora_of(&l, ALL_LINEAR, 7, 8, NULL);
    const char *names[] = {"embeddings", "attention", "MLP", "norms", "lm_head"};
    int64_t full[] = {p.embeddings, p.attention, p.mlp, p.norms, p.top};
    int64_t lqv[] = {0, qv, 0, 0, 0}, lall[] = {0, attn_all, all - attn_all, 0, 0};
    printf("# llama-7b: share of each total (%%) by place; counts after the shares\n");
    printf("# place  full_model_pct  lora_qv_r8_pct  lora_all_linear_r8_pct  full  lora_qv  lora_all\n");
    for (int i = 0; i < 5; i++)
        printf("%s %.6f %.6f %.6f %" PRId64 " %" PRId64 " %" PRId64 "\n", names[i],
               100.0 * full[i] / total, 100.0 * lqv[i] / qv, 100.0 * lall[i] / all, full[i], lqv[i],
               lall[i]);
    return 0;
}

/*
 * Numbers of the course material that the other commands do not cover: the "LoRA layer" exercise's
 * demo (one nn.Linear(768, 768) with bias, LoRA r = 8, alpha = 16), its
 * complexity notes and its memory claim, and the course's adapter share.
 */
static int cmd_errata(void)
{
    printf("lab04-demo errata: counts and shares of the course material, recomputed\n");

    printf("\nThe \"LoRA layer\" exercise's demo: nn.Linear(768, 768) with bias, LoRA r = 8 (A 768 x 8, B 8 x 768):\n");
    const int64_t frozen = 768 * 768 + 768, lora = lora_matrix_params(768, 768, 8);
    expect_count("frozen: weight 768 x 768 + bias 768", frozen, 590592, "kit; the exercise prints it as Frozen");
    expect_count("trainable (lora_matrix_params, lab04.1)", lora, 12288, "the exercise prints 12,288");
    expect_count("total", frozen + lora, 602880, "the exercise prints 602,880");
    expect_rounded("trainable ratio, trainable / total (%)", 100.0 * (double)lora / (double)(frozen + lora),
                   2, 2.04, "%", "the exercise prints 2.04%");
    char line[160];
    if (pc_summary_line(lora, frozen + lora, line, sizeof line) != LAB_OK)
        exit(1);
    printf("  PEFT's line for the same layer: %s\n", line);

    printf("\nThe \"LoRA layer\" exercise's complexity notes: d = 4096, r = 16:\n");
    const int64_t big = lora_matrix_params(4096, 4096, 16);
    expect_count("LoRA parameters (lab04.1)", big, 131072, "the exercise prints 131,072");
    expect_rounded("of the 16,777,216 of the full matrix (%)", 100.0 * (double)big / (4096.0 * 4096.0), 1,
                   0.8, "%", "the exercise prints 0.8%");
    expect_rounded("reduction (x)", 4096.0 * 4096.0 / (double)big, 0, 128, "x", "the exercise prints 128x");

    printf("\nThe \"LoRA layer\" exercise's memory claim, \"for a 7B model ... from ~56GB to ~2GB\": Adam keeps two fp32\n"
           "states (first and second moment) per trained parameter:\n");
    pc_model_t m;
    load("llama-7b", &m);
    const int64_t base = total_of(&m, NULL), qv = lora_of(&m, QV, 2, 8, NULL);
    expect_count("LLaMA-7B, LoRA r = 8 on q_proj, v_proj (lab04.5)", qv, 4194304, "kit");
    expect_count("Adam states, full fine-tuning: 2 x fp32 x 6,738,415,616 (B)",
                 2 * pc_param_bytes(base, PC_FP32), 53907324928LL, "kit");
    expect_count("Adam states, full fine-tuning of a round 7e9 (B)", 2 * pc_param_bytes(7000000000LL, PC_FP32),
                 56000000000LL, "kit: 8 bytes a parameter, the exercise says 56 GB");
    expect_count("Adam states, LoRA (B)", 2 * pc_param_bytes(qv, PC_FP32), 33554432, "kit: 34 MB, not 2 GB");
    expect_count("the frozen weights themselves in fp16 (B)", pc_param_bytes(base, PC_FP16), 13476831232LL,
                 "kit: on the GPU either way");
    expect_rounded("full-tuning states over LoRA states (x)", (double)base / (double)qv, 0, 1607, "x", "kit");

    printf("\nThe course, lesson 1: \"Adapters at 0.04%% of parameters (about 7.1M)\" of GPT-3:\n");
    expect_rounded("7.1M of 175,255.8M (%)", 100.0 * 7.1e6 / 175255.8e6, 4, 0.0041, "%",
                   "kit; the course prints 0.04, errata");
    expect_rounded("7.1M of the round 175e9 (%)", 100.0 * 7.1e6 / (double)GPT3_NOMINAL, 4, 0.0041, "%", "kit");
    expect_rounded("what 0.04% of 175,255.8M would be (M)", 0.0004 * 175255.8, 1, 70.1, "M",
                   "kit: ten times 7.1M");

    printf("\n%s\n", failures ? "SOME NUMBERS DIFFER" : "every number above reproduced");
    return failures ? 1 : 0;
}

/* ------------------------------------------------------------ main */

static int cmd_exercises(void)
{
    exercises(0);
    return 0;
}

static int cmd_budget(void)
{
    budget(0);
    return 0;
}

static int cmd_storage_table(void)
{
    return storage_table(0);
}

static int cmd_models_args(int argc, char **argv)
{
    return argc > 2 ? cmd_model_detail(argv[2]) : cmd_models();
}

static const demo_command_t COMMANDS[] = {
    {.name = "examples", .help = "published totals and the lab's worked numbers, checked", .run = cmd_examples},
    {.name = "exercises", .help = "the course's exercises (BERT-base, GPT-3, LLaMA-7B) through the kit", .run = cmd_exercises},
    {.name = "budget", .help = "the course's budget table, GPT-3, recounted", .run = cmd_budget},
    {.name = "storage-table", .help = "bytes of GPT-3's adapter per dtype", .run = cmd_storage_table},
    {.name = "models", .args = "[MODEL]",
     .help = "every model's counts by place, or one model's breakdown",
     .run_args = cmd_models_args, .min_args = 0, .max_args = 1},
    {.name = "summary", .args = "MODEL R [TARGET ...]",
     .help = "PEFT's trainable-params line for LoRA of rank R",
     .run_args = cmd_summary, .min_args = 2, .max_args = -1},
    {.name = "rank-sweep", .help = "trainable parameters against r, six set-ups (gnuplot data)", .run = cmd_rank_sweep},
    {.name = "storage", .help = "bytes stored against tasks: full copies vs base + adapters (gnuplot data)", .run = cmd_storage},
    {.name = "where", .help = "LLaMA-7B's parameters by place, full and LoRA (gnuplot data)", .run = cmd_where},
    {.name = "errata", .help = "counts and shares of the course material, recomputed", .run = cmd_errata},
    {.name = NULL},
};

DEMO_MAIN(.prog = PROG, .commands = COMMANDS)
