/*
 * param_count.c - Lab 04: counting parameters, LoRA budgets and storage.
 *
 * Write the body of each function below where it says TODO.  The contract of
 * each function (formulas, argument checks, examples) is in param_count.h:
 * read it first.  Check your work with
 *     make check LAB=04      (the visible tests)
 *     make grade LAB=04      (the graded tests, with points)
 * You may add static helper functions to this file; do not change the
 * signatures, and do not add other files: the grader compiles this one.
 * Every count is an int64_t: GPT-3's 1.7e11 parameters do not fit in an int.
 */
#include "param_count.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* BEGIN SOLUTION */
/* a * b for a, b >= 0, or -1 if it would not fit in int64_t. */
static int64_t mul_checked(int64_t a, int64_t b)
{
    if (a != 0 && b > INT64_MAX / a)
        return -1;
    return a * b;
}

/* One linear layer's frozen numbers: weight plus bias. */
static int64_t linear_params(const pc_linear_kind_t *k)
{
    return k->d_in * k->d_out + (k->bias ? k->d_out : 0);
}

/* "1,234,567" for v >= 0; returns the length written (cap must suffice). */
static int with_commas(int64_t v, char *out, size_t cap)
{
    char digits[32];
    int nd = snprintf(digits, sizeof digits, "%lld", (long long)v);
    int len = nd + (nd - 1) / 3;
    if (len + 1 > (int)cap)
        return -1;
    out[len] = '\0';
    for (int i = nd - 1, o = len - 1, group = 0; i >= 0; i--, group++) {
        if (group == 3)
            out[o--] = ',', group = 0;
        out[o--] = digits[i];
    }
    return len;
}

static int64_t dtype_size(int64_t dtype) { return dtype == PC_FP32 ? 4 : 2; }
/* END SOLUTION */

/* lab04.1 - r (d_in + d_out): A (r, d_in) plus B (d_out, r). */
int64_t lora_matrix_params(int64_t d_in, int64_t d_out, int64_t r)
{
    /* BEGIN SOLUTION lab04.1 */
    LAB_REQUIRE(d_in >= 1 && d_out >= 1, "d_in and d_out must be >= 1 (got %lld, %lld)",
                (long long)d_in, (long long)d_out);
    LAB_REQUIRE(r >= 1, "rank r must be >= 1 (got %lld)", (long long)r);
    LAB_REQUIRE(d_in <= INT64_MAX - d_out, "d_in + d_out does not fit in int64_t");
    int64_t n = mul_checked(r, d_in + d_out);
    LAB_REQUIRE(n >= 0, "r (d_in + d_out) does not fit in int64_t");
    return n;
    /* END SOLUTION lab_todo("lab04.1", "lora_matrix_params", d_in, d_out, r); */
}

/* lab04.2 - the course's |Theta| = 2 * n_matrices * d_model * r. */
int64_t lora_course_params(int64_t n_matrices, int64_t d_model, int64_t r)
{
    /* BEGIN SOLUTION lab04.2 */
    LAB_REQUIRE(n_matrices >= 1 && d_model >= 1 && r >= 1,
                "n_matrices, d_model and r must be >= 1 (got %lld, %lld, %lld)",
                (long long)n_matrices, (long long)d_model, (long long)r);
    int64_t n = mul_checked(2, n_matrices);
    n = n < 0 ? -1 : mul_checked(n, d_model);
    n = n < 0 ? -1 : mul_checked(n, r);
    LAB_REQUIRE(n >= 0, "2 * n_matrices * d_model * r does not fit in int64_t");
    return n;
    /* END SOLUTION lab_todo("lab04.2", "lora_course_params", n_matrices, d_model, r); */
}

/* lab04.3 - every parameter of the base model, split by where it sits. */
int64_t pc_model_params(const pc_model_t *m, pc_breakdown_t *parts)
{
    /* BEGIN SOLUTION lab04.3 */
    LAB_REQUIRE(m && parts, "m or parts is NULL");
    LAB_REQUIRE(m->d_model >= 1 && m->layers >= 1 && m->vocab >= 1,
                "d_model, layers and vocab must be >= 1 (got %lld, %lld, %lld)",
                (long long)m->d_model, (long long)m->layers, (long long)m->vocab);
    LAB_REQUIRE(m->context >= 0 && m->type_vocab >= 0 && m->norms_per_layer >= 0 &&
                    m->embed_norm >= 0 && m->final_norm >= 0,
                "context, type_vocab and the norm counts must be >= 0");
    LAB_REQUIRE(m->norm == PC_LAYERNORM || m->norm == PC_RMSNORM,
                "norm must be PC_LAYERNORM (0) or PC_RMSNORM (1), got %d", m->norm);
    LAB_REQUIRE(m->n_kinds <= PC_MAX_KINDS, "n_kinds %zu is more than PC_MAX_KINDS", m->n_kinds);
    for (size_t k = 0; k < m->n_kinds; k++) {
        const pc_linear_kind_t *L = &m->kinds[k];
        LAB_REQUIRE(L->d_in >= 1 && L->d_out >= 1 && (L->bias == 0 || L->bias == 1) &&
                        L->place >= PC_ATTN && L->place <= PC_TOP,
                    "linear kind %zu (%.40s) has d_in %lld, d_out %lld, bias %d, place %d", k,
                    L->name, (long long)L->d_in, (long long)L->d_out, L->bias, L->place);
    }
    pc_breakdown_t p = {0, 0, 0, 0, 0, 0};
    p.embeddings = (m->vocab + m->context + m->type_vocab) * m->d_model;
    int64_t attn_layer = 0, mlp_layer = 0;
    for (size_t k = 0; k < m->n_kinds; k++) {
        const pc_linear_kind_t *L = &m->kinds[k];
        if (L->place == PC_ATTN)
            attn_layer += linear_params(L);
        else if (L->place == PC_MLP)
            mlp_layer += linear_params(L);
        else
            p.top += linear_params(L);
    }
    p.attention = m->layers * attn_layer;
    p.mlp = m->layers * mlp_layer;
    int64_t per_norm = m->norm == PC_LAYERNORM ? 2 * m->d_model : m->d_model;
    p.norms = (m->layers * m->norms_per_layer + m->embed_norm + m->final_norm) * per_norm;
    p.total = p.embeddings + p.attention + p.mlp + p.norms + p.top;
    *parts = p;
    return p.total;
    /* END SOLUTION lab_todo("lab04.3", "pc_model_params", m, parts); */
}

/* lab04.4 - PEFT's rule: name == target, or name ends with "." + target. */
int pc_target_matches(const char *name, const char *target)
{
    /* BEGIN SOLUTION lab04.4 */
    LAB_REQUIRE(name && target, "name or target is NULL");
    size_t n = strlen(name), t = strlen(target);
    if (t == 0 || t > n)
        return 0;
    if (t == n)
        return strcmp(name, target) == 0;
    return name[n - t - 1] == '.' && strcmp(name + n - t, target) == 0;
    /* END SOLUTION lab_todo("lab04.4", "pc_target_matches", name, target); */
}

/* lab04.5 - mark target modules with rank r, all else frozen; return the trained count. */
int64_t pc_apply_lora(const pc_module_t *modules, size_t n, const char *const *targets,
                      size_t n_targets, int64_t r, int64_t *lora_r)
{
    /* BEGIN SOLUTION lab04.5 */
    LAB_REQUIRE(modules && targets && lora_r, "a pointer argument is NULL");
    LAB_REQUIRE(n >= 1, "the model has no modules (n == 0)");
    LAB_REQUIRE(n_targets >= 1, "no target modules: pass the model's default_targets");
    LAB_REQUIRE(r >= 1, "rank r must be >= 1 (got %lld)", (long long)r);
    for (size_t t = 0; t < n_targets; t++)
        LAB_REQUIRE(targets[t], "targets[%zu] is NULL", t);
    int64_t trained = 0;
    size_t adapted = 0;
    for (size_t i = 0; i < n; i++) {
        LAB_REQUIRE(modules[i].d_in >= 1 && modules[i].d_out >= 1,
                    "module %zu (%.40s) has d_in %lld, d_out %lld", i, modules[i].name,
                    (long long)modules[i].d_in, (long long)modules[i].d_out);
        for (size_t t = 0; t < n_targets; t++)
            if (pc_target_matches(modules[i].name, targets[t]) == 1) {
                int64_t c = lora_matrix_params(modules[i].d_in, modules[i].d_out, r);
                LAB_REQUIRE(c >= 0 && trained <= INT64_MAX - c, "the count overflows int64_t");
                trained += c;
                adapted++;
                break;
            }
    }
    LAB_REQUIRE(adapted > 0, "Target modules %s%s not found in the model", targets[0],
                n_targets > 1 ? ", ..." : "");
    for (size_t i = 0; i < n; i++) {
        lora_r[i] = 0;
        for (size_t t = 0; t < n_targets; t++)
            if (pc_target_matches(modules[i].name, targets[t]) == 1) {
                lora_r[i] = r;
                break;
            }
    }
    return trained;
    /* END SOLUTION lab_todo("lab04.5", "pc_apply_lora", modules, n, targets, n_targets, r, lora_r); */
}

/* lab04.6 - "trainable params: T || all params: N || trainable%: P". */
int pc_summary_line(int64_t trainable, int64_t all, char *buf, size_t cap)
{
    /* BEGIN SOLUTION lab04.6 */
    LAB_REQUIRE(buf, "buf is NULL");
    LAB_REQUIRE(trainable >= 0 && all >= 1 && trainable <= all,
                "need 0 <= trainable <= all and all >= 1 (got %lld, %lld)",
                (long long)trainable, (long long)all);
    char t[32], a[32], line[160];
    with_commas(trainable, t, sizeof t);
    with_commas(all, a, sizeof a);
    int len = snprintf(line, sizeof line, "trainable params: %s || all params: %s || trainable%%: %.4f",
                       t, a, 100.0 * (double)trainable / (double)all);
    LAB_REQUIRE(len >= 0 && (size_t)len < cap, "the line needs %d bytes, buf has %zu", len + 1, cap);
    memcpy(buf, line, (size_t)len + 1);
    return LAB_OK;
    /* END SOLUTION lab_todo("lab04.6", "pc_summary_line", trainable, all, buf, cap); */
}

/* lab04.7 - bytes of `params` numbers in fp32 (4), fp16 (2) or bf16 (2). */
int64_t pc_param_bytes(int64_t params, enum pc_dtype dtype)
{
    /* BEGIN SOLUTION lab04.7 */
    LAB_REQUIRE(params >= 0, "params must be >= 0 (got %lld)", (long long)params);
    LAB_REQUIRE(dtype == PC_FP32 || dtype == PC_FP16 || dtype == PC_BF16,
                "dtype must be PC_FP32 (0), PC_FP16 (1) or PC_BF16 (2), got %lld", (long long)dtype);
    int64_t b = mul_checked(params, dtype_size(dtype));
    LAB_REQUIRE(b >= 0, "%lld numbers of %lld bytes do not fit in int64_t", (long long)params,
                (long long)dtype_size(dtype));
    return b;
    /* END SOLUTION lab_todo("lab04.7", "pc_param_bytes", params, dtype); */
}

/* lab04.8 - bytes for `tasks` variants: full copies, or one base plus adapters. */
int64_t pc_storage_bytes(int64_t base_params, int64_t adapter_params, int64_t tasks,
                         enum pc_dtype dtype, enum pc_scheme scheme)
{
    /* BEGIN SOLUTION lab04.8 */
    LAB_REQUIRE(base_params >= 0 && adapter_params >= 0 && tasks >= 0,
                "base_params, adapter_params and tasks must be >= 0 (got %lld, %lld, %lld)",
                (long long)base_params, (long long)adapter_params, (long long)tasks);
    LAB_REQUIRE(dtype == PC_FP32 || dtype == PC_FP16 || dtype == PC_BF16, "dtype must be 0, 1 or 2 (got %lld)",
                (long long)dtype);
    LAB_REQUIRE(scheme == PC_FULL_COPIES || scheme == PC_BASE_PLUS_ADAPTERS,
                "scheme must be PC_FULL_COPIES (0) or PC_BASE_PLUS_ADAPTERS (1), got %lld",
                (long long)scheme);
    int64_t base = mul_checked(base_params, dtype_size(dtype));
    int64_t one = mul_checked(adapter_params, dtype_size(dtype));
    int64_t total = -1;
    if (scheme == PC_FULL_COPIES)
        total = base < 0 ? -1 : mul_checked(tasks, base);
    else if (base >= 0 && one >= 0) {
        int64_t adapters = mul_checked(tasks, one);
        total = adapters >= 0 && base <= INT64_MAX - adapters ? base + adapters : -1;
    }
    LAB_REQUIRE(total >= 0, "the number of bytes does not fit in int64_t");
    return total;
    /* END SOLUTION lab_todo("lab04.8", "pc_storage_bytes", base_params, adapter_params, tasks, dtype, scheme); */
}
