/*
 * model_config.c - Lab 04's config parser and module lister (given code; the
 * format is described in model_config.h).  Do not edit: the demo and the
 * visible tests link it beside your param_count.c (make check and make demo
 * compile labs/NN/given/ with the lab's files); the grader reads its models
 * with it but never compiles it from your folder.
 */
#include "model_config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINE_MAX_WORDS 24

/* The parser's state: where it is, for error messages. */
typedef struct {
    const char *file;
    int line;
} where_t;

static int parse_error(const where_t *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int parse_error(const where_t *w, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "model_config.c: pc_config_parse: %s:%d: ", w->file, w->line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return LAB_EARG;
}

/* A whole decimal number in [lo, hi], or an error naming key and word. */
static int parse_count(const where_t *w, const char *key, const char *word, int64_t lo,
                       int64_t hi, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(word, &end, 10);
    if (end == word || *end != '\0')
        return parse_error(w, "%s: '%s' is not a whole number", key, word);
    if (errno == ERANGE || v < lo || v > hi)
        return parse_error(w, "%s: %s is out of range (must be %lld .. %lld%s)", key, word,
                           (long long)lo, (long long)hi,
                           v < 0 ? "; sizes cannot be negative" : "");
    *out = (int64_t)v;
    return LAB_OK;
}

static int copy_name(const where_t *w, const char *key, const char *word, char *dst, size_t cap)
{
    if (strlen(word) >= cap)
        return parse_error(w, "%s: '%s' is longer than %zu characters", key, word, cap - 1);
    strcpy(dst, word);
    return LAB_OK;
}

/* The single-valued keys: name, where they go, their smallest legal value. */
enum { K_MODEL, K_VOCAB, K_CONTEXT, K_TYPE_VOCAB, K_D_MODEL, K_LAYERS, K_HEADS, K_D_FF, K_NORM,
       K_NORMS_PER_LAYER, K_EMBED_NORM, K_FINAL_NORM, K_LAYER_PREFIX, K_DEFAULT_TARGETS,
       K_PUBLISHED, K_LINEAR, K_COUNT };
static const char *const KEYS[K_COUNT] = {
    "model", "vocab", "context", "type_vocab", "d_model", "layers", "heads", "d_ff", "norm",
    "norms_per_layer", "embed_norm", "final_norm", "layer_prefix", "default_targets",
    "published", "linear"};

#define SIZE_MAX_CFG ((int64_t)1 << 31) /* sizes below 2^31, as param_count.h promises */

static int parse_line(const where_t *w, char **word, int nw, pc_model_t *m, int *seen)
{
    int k = 0;
    while (k < K_COUNT && strcmp(word[0], KEYS[k]) != 0)
        k++;
    if (k == K_COUNT)
        return parse_error(w, "unknown key '%s'", word[0]);
    if (k != K_LINEAR && seen[k])
        return parse_error(w, "key '%s' appears twice", word[0]);
    seen[k]++;
    int want = k == K_LINEAR ? 6 : k == K_DEFAULT_TARGETS ? -1 : k == K_PUBLISHED ? -2 : 2;
    if ((want > 0 && nw != want) || (want == -1 && nw < 2) || (want == -2 && (nw < 2 || nw > 3)))
        return parse_error(w, "'%s' takes %s (got %d word%s after it)", word[0],
                           k == K_LINEAR ? "5 words: KIND D_IN D_OUT bias|nobias attn|mlp|top"
                           : want == -1 ? "one or more target names"
                           : want == -2 ? "a count and optionally exact|rounded"
                                        : "one value",
                           nw - 1, nw == 2 ? "" : "s");
    int64_t v = 0;
    switch (k) {
    case K_MODEL:
        return copy_name(w, "model", word[1], m->name, sizeof m->name);
    case K_LAYER_PREFIX:
        return copy_name(w, "layer_prefix", word[1], m->layer_prefix, sizeof m->layer_prefix);
    case K_NORM:
        if (!strcmp(word[1], "layernorm"))
            m->norm = PC_LAYERNORM;
        else if (!strcmp(word[1], "rmsnorm"))
            m->norm = PC_RMSNORM;
        else
            return parse_error(w, "norm: '%s' is neither layernorm nor rmsnorm", word[1]);
        return LAB_OK;
    case K_DEFAULT_TARGETS:
        if (nw - 1 > PC_MAX_TARGETS)
            return parse_error(w, "default_targets: more than %d names", PC_MAX_TARGETS);
        for (int i = 1; i < nw; i++)
            if (copy_name(w, "default_targets", word[i], m->default_targets[i - 1], PC_NAME_MAX))
                return LAB_EARG;
        m->n_default_targets = (size_t)(nw - 1);
        return LAB_OK;
    case K_PUBLISHED:
        if (parse_count(w, "published", word[1], 1, INT64_MAX, &m->published))
            return LAB_EARG;
        m->published_exact = 1;
        if (nw == 3 && strcmp(word[2], "exact") && strcmp(word[2], "rounded"))
            return parse_error(w, "published: '%s' is neither exact nor rounded", word[2]);
        if (nw == 3 && !strcmp(word[2], "rounded"))
            m->published_exact = 0;
        return LAB_OK;
    case K_LINEAR: {
        if (m->n_kinds == PC_MAX_KINDS)
            return parse_error(w, "more than %d linear lines", PC_MAX_KINDS);
        pc_linear_kind_t *L = &m->kinds[m->n_kinds];
        if (copy_name(w, "linear", word[1], L->name, sizeof L->name) ||
            parse_count(w, "linear d_in", word[2], 1, SIZE_MAX_CFG - 1, &L->d_in) ||
            parse_count(w, "linear d_out", word[3], 1, SIZE_MAX_CFG - 1, &L->d_out))
            return LAB_EARG;
        if (!strcmp(word[4], "bias") || !strcmp(word[4], "nobias"))
            L->bias = !strcmp(word[4], "bias");
        else
            return parse_error(w, "linear %s: '%s' is neither bias nor nobias", word[1], word[4]);
        if (!strcmp(word[5], "attn"))
            L->place = PC_ATTN;
        else if (!strcmp(word[5], "mlp"))
            L->place = PC_MLP;
        else if (!strcmp(word[5], "top"))
            L->place = PC_TOP;
        else
            return parse_error(w, "linear %s: place '%s' is none of attn, mlp, top", word[1],
                               word[5]);
        for (size_t i = 0; i < m->n_kinds; i++)
            if (!strcmp(m->kinds[i].name, L->name))
                return parse_error(w, "linear %s: listed twice", L->name);
        m->n_kinds++;
        return LAB_OK;
    }
    default:
        break;
    }
    /* The numeric keys. */
    int64_t lo = (k == K_VOCAB || k == K_D_MODEL || k == K_LAYERS || k == K_HEADS || k == K_D_FF)
                     ? 1 : 0;
    int64_t hi = k == K_LAYERS ? ((int64_t)1 << 16) - 1 : SIZE_MAX_CFG - 1;
    if (parse_count(w, word[0], word[1], lo, hi, &v))
        return LAB_EARG;
    switch (k) {
    case K_VOCAB: m->vocab = v; break;
    case K_CONTEXT: m->context = v; break;
    case K_TYPE_VOCAB: m->type_vocab = v; break;
    case K_D_MODEL: m->d_model = v; break;
    case K_LAYERS: m->layers = v; break;
    case K_HEADS: m->heads = v; break;
    case K_D_FF: m->d_ff = v; break;
    case K_NORMS_PER_LAYER: m->norms_per_layer = v; break;
    case K_EMBED_NORM: m->embed_norm = v; break;
    case K_FINAL_NORM: m->final_norm = v; break;
    default: break;
    }
    return LAB_OK;
}

int pc_config_parse(const char *text, const char *file, pc_model_t *out)
{
    where_t w = {file ? file : "(config)", 0};
    LAB_REQUIRE(text && out, "text or out is NULL");
    pc_model_t m;
    memset(&m, 0, sizeof m);
    int seen[K_COUNT] = {0};
    const char *p = text;
    while (*p) {
        w.line++;
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        char buf[1024];
        if (len >= sizeof buf)
            return parse_error(&w, "line longer than %zu characters", sizeof buf - 1);
        memcpy(buf, p, len);
        buf[len] = '\0';
        p += len + (eol != NULL);
        char *hash = strchr(buf, '#');
        if (hash)
            *hash = '\0';
        char *word[LINE_MAX_WORDS];
        int nw = 0;
        for (char *t = strtok(buf, " \t\r"); t; t = strtok(NULL, " \t\r")) {
            if (nw == LINE_MAX_WORDS)
                return parse_error(&w, "more than %d words on a line", LINE_MAX_WORDS);
            word[nw++] = t;
        }
        if (nw > 0 && parse_line(&w, word, nw, &m, seen))
            return LAB_EARG;
    }
    w.line = 0;
    for (int k = 0; k < K_COUNT; k++)
        if (!seen[k] && k != K_PUBLISHED)
            return parse_error(&w, "missing key '%s'%s", KEYS[k],
                               k == K_LINEAR ? " (at least one linear line)" : "");
    if (m.d_model % m.heads != 0)
        return parse_error(&w, "heads (%lld) does not divide d_model (%lld)",
                           (long long)m.heads, (long long)m.d_model);
    *out = m;
    return LAB_OK;
}

int pc_config_load(const char *path, pc_model_t *out)
{
    LAB_REQUIRE(path && out, "path or out is NULL");
    FILE *f = fopen(path, "r");
    LAB_REQUIRE(f, "cannot open %s", path);
    enum { CAP = 65536 };
    char *text = malloc(CAP + 1);
    size_t got = text ? fread(text, 1, CAP + 1, f) : 0;
    int err = ferror(f);
    fclose(f);
    if (!text || err || got > CAP) {
        free(text);
        LAB_REQUIRE(0, "cannot read %s (or it is larger than %d bytes)", path, CAP);
    }
    text[got] = '\0';
    LAB_REQUIRE(strlen(text) == got, "%s holds a NUL byte: not a text file", path);
    int rc = pc_config_parse(text, path, out);
    free(text);
    return rc;
}

size_t pc_model_module_count(const pc_model_t *m)
{
    size_t per_layer = 0, top = 0;
    for (size_t k = 0; k < m->n_kinds; k++)
        *(m->kinds[k].place == PC_TOP ? &top : &per_layer) += 1;
    return (size_t)m->layers * per_layer + top;
}

int pc_model_modules(const pc_model_t *m, pc_module_t *out, size_t cap, size_t *n)
{
    LAB_REQUIRE(m && n && (out || cap == 0), "a pointer argument is NULL");
    size_t need = pc_model_module_count(m);
    *n = need;
    LAB_REQUIRE(need <= cap, "the model has %zu linear layers, room for %zu", need, cap);
    size_t i = 0;
    for (int64_t layer = 0; layer <= m->layers; layer++)
        for (size_t k = 0; k < m->n_kinds; k++) {
            const pc_linear_kind_t *L = &m->kinds[k];
            int top = L->place == PC_TOP;
            if (top != (layer == m->layers))
                continue; /* per-layer kinds in layers 0..L-1, top kinds after */
            pc_module_t *mod = &out[i++];
            int len = top ? snprintf(mod->name, sizeof mod->name, "%s", L->name)
                          : snprintf(mod->name, sizeof mod->name, "%s.%lld.%s", m->layer_prefix,
                                     (long long)layer, L->name);
            LAB_REQUIRE(len >= 0 && (size_t)len < sizeof mod->name,
                        "module name %s.%lld.%s is too long", m->layer_prefix, (long long)layer,
                        L->name);
            mod->d_in = L->d_in, mod->d_out = L->d_out, mod->bias = L->bias, mod->place = L->place;
        }
    return LAB_OK;
}
