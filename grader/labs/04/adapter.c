/* adapter.c - Lab 04's functions as the runner calls them (see runner.h).
 * Strings and structs arrive as double tensors (wire.h) and are rebuilt
 * here, inside the sandboxed runner, before the student's function runs. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "param_count.h"
#include "runner.h"
#include "wire.h"

#pragma weak lora_matrix_params
#pragma weak lora_course_params
#pragma weak pc_model_params
#pragma weak pc_target_matches
#pragma weak pc_apply_lora
#pragma weak pc_summary_line
#pragma weak pc_param_bytes
#pragma weak pc_storage_bytes

#define POISON_CHAR 127 /* fills the summary buffer: unwritten bytes stay 127 */

static double exact_or_nan(int64_t v)
{
    return fabs((double)v) <= WIRE_EXACT_MAX ? (double)v : NAN;
}

/* A NUL-terminated copy of a string tensor (character codes, 0 at the end). */
static char *string_of(const runner_arg_t *t)
{
    if (!t->p)
        return NULL;
    char *s = calloc(t->count + 1, 1);
    if (!s)
        abort();
    for (uint64_t i = 0; i < t->count; i++)
        s[i] = (char)(int)t->p[i];
    return s;
}

static int64_t call_matrix(const runner_arg_t *a) { return lora_matrix_params(RL(0), RL(1), RL(2)); }
static int64_t call_course(const runner_arg_t *a) { return lora_course_params(RL(0), RL(1), RL(2)); }

static int64_t call_model(const runner_arg_t *a)
{
    const double *w = RP(0);
    pc_model_t *m = calloc(1, sizeof *m);
    if (!m)
        abort();
    if (w && a[0].count >= WIRE_MODEL_HEAD) {
        m->vocab = (int64_t)w[0], m->context = (int64_t)w[1], m->type_vocab = (int64_t)w[2];
        m->d_model = (int64_t)w[3], m->layers = (int64_t)w[4], m->heads = (int64_t)w[5];
        m->d_ff = (int64_t)w[6], m->norm = (int)w[7], m->norms_per_layer = (int64_t)w[8];
        m->embed_norm = (int64_t)w[9], m->final_norm = (int64_t)w[10];
        m->n_kinds = (size_t)w[11];
    }
    for (size_t k = 0; w && k < m->n_kinds && k < PC_MAX_KINDS &&
                       wire_model_size(k + 1) <= a[0].count; k++) {
        const double *q = w + wire_model_size(k);
        pc_linear_kind_t *L = &m->kinds[k];
        L->d_in = (int64_t)q[0], L->d_out = (int64_t)q[1], L->bias = (int)q[2], L->place = (int)q[3];
        strcpy(L->name, "kind");
    }
    pc_breakdown_t p = {-7, -7, -7, -7, -7, -7}, *pp = RP(1) ? &p : NULL;
    int64_t ret = pc_model_params(a[0].p ? m : NULL, pp);
    if (RP(1)) {
        const int64_t v[6] = {p.embeddings, p.attention, p.mlp, p.norms, p.top, p.total};
        for (int i = 0; i < 6; i++)
            RP(1)[i] = exact_or_nan(v[i]);
    }
    free(m);
    return ret;
}

static int64_t call_matches(const runner_arg_t *a)
{
    char *name = string_of(&a[0]), *target = string_of(&a[1]);
    int64_t ret = pc_target_matches(name, target);
    free(name), free(target);
    return ret;
}

static int64_t call_apply(const runner_arg_t *a)
{
    size_t n = RZ(1), nt = RZ(3);
    pc_module_t *mods = calloc(n ? n : 1, sizeof *mods);
    const char **targets = calloc(nt ? nt : 1, sizeof *targets);
    int64_t *lora_r = malloc((n ? n : 1) * sizeof *lora_r);
    char *names = string_of(&a[2]);
    if (!mods || !targets || !lora_r)
        abort();
    const double *w = RP(0);
    for (size_t i = 0, at = 0; i < n && w; i++) {
        mods[i].d_in = (int64_t)w[at], mods[i].d_out = (int64_t)w[at + 1];
        mods[i].bias = (int)w[at + 2], mods[i].place = (int)w[at + 3];
        size_t len = (size_t)w[at + 4];
        for (size_t c = 0; c < len && c < PC_NAME_MAX - 1; c++)
            mods[i].name[c] = (char)(int)w[at + 5 + c];
        at += 5 + len;
    }
    for (size_t t = 0, at = 0; t < nt && names; t++) {
        targets[t] = names + at;
        at += strlen(names + at) + 1;
    }
    for (size_t i = 0; i < n; i++)
        lora_r[i] = -7;
    int64_t ret = pc_apply_lora(w ? mods : NULL, n, names ? targets : NULL, nt, RL(4),
                                RP(5) ? lora_r : NULL);
    for (size_t i = 0; i < n && RP(5); i++)
        RP(5)[i] = exact_or_nan(lora_r[i]);
    free(mods), free(targets), free(lora_r), free(names);
    return ret;
}

static int64_t call_summary(const runner_arg_t *a)
{
    size_t cap = RZ(3);
    char *buf = malloc(cap ? cap : 1);
    if (!buf)
        abort();
    memset(buf, POISON_CHAR, cap ? cap : 1);
    int64_t ret = pc_summary_line(RL(0), RL(1), RP(2) ? buf : NULL, cap);
    for (size_t i = 0; i < cap && RP(2); i++)
        RP(2)[i] = (double)(unsigned char)buf[i];
    free(buf);
    return ret;
}

static int64_t call_bytes(const runner_arg_t *a) { return pc_param_bytes(RL(0), RL(1)); }
static int64_t call_storage(const runner_arg_t *a)
{
    return pc_storage_bytes(RL(0), RL(1), RL(2), RL(3), RL(4));
}

const runner_fn_t runner_functions[] = {
    {"lora_matrix_params", "lll", (runner_addr_t)lora_matrix_params, call_matrix},
    {"lora_course_params", "lll", (runner_addr_t)lora_course_params, call_course},
    {"pc_model_params", "pp", (runner_addr_t)pc_model_params, call_model},
    {"pc_target_matches", "pp", (runner_addr_t)pc_target_matches, call_matches},
    {"pc_apply_lora", "pzpzlp", (runner_addr_t)pc_apply_lora, call_apply},
    {"pc_summary_line", "llpz", (runner_addr_t)pc_summary_line, call_summary},
    {"pc_param_bytes", "ll", (runner_addr_t)pc_param_bytes, call_bytes},
    {"pc_storage_bytes", "lllll", (runner_addr_t)pc_storage_bytes, call_storage},
    {0, 0, 0, 0},
};
