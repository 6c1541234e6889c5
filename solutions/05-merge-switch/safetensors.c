/*
 * safetensors.c - Lab 05: one LoRA module to and from safetensors bytes, and
 * PEFT's adapter_config.json.
 *
 * Write the body of each function below where it says TODO.  The contract of
 * each function (the exact header text, every malformed case the decoder must
 * reject) is in safetensors.h: read it first.  Check your work with
 *     make check LAB=05      (the visible tests)
 *     make grade LAB=05      (the graded tests, with points)
 * You may add static helper functions to this file; do not change the
 * signatures, and do not add other files: the grader compiles this one.
 * The two file wrappers, st_save_adapter and st_load_lora, are given in
 * given/safetensors_files.c: they only move bytes between a file and the
 * functions you write.
 */
#include "safetensors.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* BEGIN SOLUTION */
#include "lora_file.h" /* lora_put_le64, lora_get_le64 */

#define PEFT_PREFIX "base_model.model."
#define SUFFIX_A ".lora_A.weight"
#define SUFFIX_B ".lora_B.weight"
#define NAME_MAX_LEN 511 /* longest tensor name the decoder keeps */
#define MAX_TENSORS 64
#define MAX_RANK 8
#define MAX_DEPTH 16

static int module_char_ok(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '_';
}

/* x * y into *out; 0 when it would not fit in a size_t. */
static int mul_ok(size_t x, size_t y, size_t *out)
{
    if (x != 0 && y > SIZE_MAX / x)
        return 0;
    *out = x * y;
    return 1;
}


/* One value as dtype's little-endian bytes at p (ST_F32: 4, ST_F64: 8). */
static void put_value(unsigned char *p, double v, long long dtype)
{
    if (dtype == ST_F32) {
        float f = (float)v;
        uint32_t u;
        memcpy(&u, &f, 4);
        for (int i = 0; i < 4; i++)
            p[i] = (unsigned char)(u >> (8 * i));
    } else {
        uint64_t u;
        memcpy(&u, &v, 8);
        lora_put_le64(p, u);
    }
}
/* END SOLUTION */

int st_encode_lora(const char *module, const double *a, const double *b, size_t d_in,
                   size_t d_out, size_t r, long long dtype, unsigned char *buf, size_t cap,
                   size_t *len)
{
    /* BEGIN SOLUTION lab05.8 */
    LAB_REQUIRE(module && a && b && buf && len, "module, a, b, buf and len must not be NULL");
    LAB_REQUIRE(d_in > 0 && d_out > 0 && r > 0, "d_in, d_out and r must be > 0 (got %zu, %zu, %zu)",
                d_in, d_out, r);
    LAB_REQUIRE(dtype == ST_F32 || dtype == ST_F64, "dtype must be ST_F32 (0) or ST_F64 (1), got %lld",
                dtype);
    size_t mlen = strlen(module);
    LAB_REQUIRE(mlen >= 1 && mlen <= ST_MODULE_MAX, "module path must be 1..%d bytes (got %zu)",
                ST_MODULE_MAX, mlen);
    for (size_t i = 0; i < mlen; i++)
        LAB_REQUIRE(module_char_ok(module[i]),
                    "module path may hold only letters, digits, '.' and '_' (byte %zu is 0x%02x)", i,
                    (unsigned)(unsigned char)module[i]);
    const size_t esize = dtype == ST_F32 ? 4 : 8;
    const char *tname = dtype == ST_F32 ? "F32" : "F64";
    size_t na, nb, sa, sb;
    LAB_REQUIRE(mul_ok(r, d_in, &na) && mul_ok(d_out, r, &nb) && mul_ok(na, esize, &sa) &&
                    mul_ok(nb, esize, &sb),
                "the tensors are too large to address");
    char hdr[1024];
    int h = snprintf(hdr, sizeof hdr,
                     "{\"__metadata__\":{\"format\":\"pt\"},"
                     "\"" PEFT_PREFIX "%s" SUFFIX_A "\":{\"dtype\":\"%s\",\"shape\":[%zu,%zu],"
                     "\"data_offsets\":[0,%zu]},"
                     "\"" PEFT_PREFIX "%s" SUFFIX_B "\":{\"dtype\":\"%s\",\"shape\":[%zu,%zu],"
                     "\"data_offsets\":[%zu,%zu]}}",
                     module, tname, r, d_in, sa, module, tname, d_out, r, sa, sa + sb);
    LAB_REQUIRE(h > 0 && (size_t)h < sizeof hdr, "header text does not fit in 1024 bytes");
    size_t n_hdr = ((size_t)h + 7) / 8 * 8;
    LAB_REQUIRE(sa <= SIZE_MAX - 8 - n_hdr && sb <= SIZE_MAX - 8 - n_hdr - sa,
                "the file is too large to address");
    size_t total = 8 + n_hdr + sa + sb;
    LAB_REQUIRE(cap >= total, "buffer holds %zu bytes, the file needs %zu", cap, total);
    lora_put_le64(buf, (uint64_t)n_hdr);
    memcpy(buf + 8, hdr, (size_t)h);
    memset(buf + 8 + h, ' ', n_hdr - (size_t)h);
    unsigned char *data = buf + 8 + n_hdr;
    for (size_t i = 0; i < na; i++)
        put_value(data + i * esize, a[i], dtype);
    for (size_t i = 0; i < nb; i++)
        put_value(data + sa + i * esize, b[i], dtype);
    *len = total;
    return LAB_OK;
    /* END SOLUTION lab_todo("lab05.8", "st_encode_lora", module, a, b, d_in, d_out, r, dtype, buf, cap, len); */
}

/* BEGIN SOLUTION */
/* ---- a small JSON reader for the header: only what safetensors needs ---- */
typedef struct {
    const unsigned char *p, *end;
    char err[224];
    const unsigned char *start; /* the header's first byte (file byte 8) */
} js_t;

typedef struct {
    char name[NAME_MAX_LEN + 1];
    int dtype;           /* index into DTYPES */
    size_t rank, shape[MAX_RANK];
    uint64_t begin, end; /* relative to the data section */
} entry_t;

static const struct { const char *name; size_t size; } DTYPES[] = {
    {"F32", 4}, {"F64", 8}, {"F16", 2}, {"BF16", 2}};
#define N_DTYPES 4

/* Records the first error with where the reader stood: the byte offset in
 * the header (0 = the byte after the 8-byte length) and in the file. */
static int js_fail(js_t *js, const char *what)
{
    if (js->err[0])
        return 0;
    size_t at = (size_t)(js->p - js->start), len = (size_t)(js->end - js->start);
    if (at >= len)
        snprintf(js->err, sizeof js->err, "%s at header byte %zu (file byte %zu): the %zu-byte header ends there",
                 what, at, at + 8, len);
    else
        snprintf(js->err, sizeof js->err, "%s at header byte %zu (file byte %zu)", what, at, at + 8);
    return 0;
}

static void js_ws(js_t *js)
{
    while (js->p < js->end && (*js->p == ' ' || *js->p == '\t' || *js->p == '\n' || *js->p == '\r'))
        js->p++;
}

/* Expect character c (after whitespace). */
static int js_expect(js_t *js, char c)
{
    js_ws(js);
    if (js->p >= js->end || *js->p != (unsigned char)c) {
        char m[64];
        snprintf(m, sizeof m, "header JSON: expected '%c'", c);
        return js_fail(js, m);
    }
    js->p++;
    return 1;
}

/* If the next character is c, take it and return 1. */
static int js_take(js_t *js, char c)
{
    js_ws(js);
    if (js->p < js->end && *js->p == (unsigned char)c) {
        js->p++;
        return 1;
    }
    return 0;
}

static int hex4(js_t *js, unsigned *v)
{
    if (js->end - js->p < 4)
        return js_fail(js, "header JSON: \\u escape cut short");
    *v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned char c = *js->p;
        unsigned d = (c >= '0' && c <= '9')   ? (unsigned)(c - '0')
                     : (c >= 'a' && c <= 'f') ? (unsigned)(c - 'a' + 10)
                     : (c >= 'A' && c <= 'F') ? (unsigned)(c - 'A' + 10)
                                              : 16u;
        if (d == 16)
            return js_fail(js, "header JSON: bad hex digit in \\u escape");
        js->p++;
        *v = *v * 16 + d;
    }
    return 1;
}

/* A string into out (capacity cap, NUL-terminated), escapes decoded to UTF-8. */
static int js_string(js_t *js, char *out, size_t cap)
{
    size_t n = 0;
    if (!js_expect(js, '"'))
        return 0;
    for (;;) {
        if (js->p >= js->end)
            return js_fail(js, "header JSON: unterminated string");
        unsigned char c = *js->p++;
        unsigned cp;
        if (c == '"')
            break;
        if (c < 0x20) {
            js->p--; /* point at it */
            return js_fail(js, "header JSON: control character inside a string");
        }
        if (c != '\\') {
            cp = c; /* a raw byte, UTF-8 passes through */
            if (n + 1 >= cap)
                return js_fail(js, "header JSON: string longer than 511 bytes");
            out[n++] = (char)c;
            continue;
        }
        if (js->p >= js->end)
            return js_fail(js, "header JSON: unterminated escape");
        c = *js->p++;
        switch (c) {
        case '"': cp = '"'; break;
        case '\\': cp = '\\'; break;
        case '/': cp = '/'; break;
        case 'b': cp = '\b'; break;
        case 'f': cp = '\f'; break;
        case 'n': cp = '\n'; break;
        case 'r': cp = '\r'; break;
        case 't': cp = '\t'; break;
        case 'u':
            if (!hex4(js, &cp))
                return 0;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                unsigned lo;
                if (js->end - js->p < 6 || js->p[0] != '\\' || js->p[1] != 'u')
                    return js_fail(js, "header JSON: lone surrogate in \\u escape");
                js->p += 2;
                if (!hex4(js, &lo))
                    return 0;
                if (lo < 0xDC00 || lo > 0xDFFF)
                    return js_fail(js, "header JSON: bad surrogate pair");
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                return js_fail(js, "header JSON: lone surrogate in \\u escape");
            }
            break;
        default:
            js->p -= 2; /* point at the backslash */
            return js_fail(js, "header JSON: unknown escape in a string");
        }
        unsigned char u[4];
        size_t k;
        if (cp < 0x80)
            u[0] = (unsigned char)cp, k = 1;
        else if (cp < 0x800)
            u[0] = (unsigned char)(0xC0 | (cp >> 6)), u[1] = (unsigned char)(0x80 | (cp & 63)), k = 2;
        else if (cp < 0x10000)
            u[0] = (unsigned char)(0xE0 | (cp >> 12)), u[1] = (unsigned char)(0x80 | ((cp >> 6) & 63)),
            u[2] = (unsigned char)(0x80 | (cp & 63)), k = 3;
        else
            u[0] = (unsigned char)(0xF0 | (cp >> 18)), u[1] = (unsigned char)(0x80 | ((cp >> 12) & 63)),
            u[2] = (unsigned char)(0x80 | ((cp >> 6) & 63)), u[3] = (unsigned char)(0x80 | (cp & 63)),
            k = 4;
        if (cp == 0)
            return js_fail(js, "header JSON: \\u0000 inside a string");
        if (n + k >= cap)
            return js_fail(js, "header JSON: string longer than 511 bytes");
        memcpy(out + n, u, k);
        n += k;
    }
    out[n] = '\0';
    return 1;
}

/* A non-negative integer without sign, fraction or exponent. */
static int js_uint(js_t *js, uint64_t *v)
{
    js_ws(js);
    if (js->p >= js->end || *js->p < '0' || *js->p > '9')
        return js_fail(js, "header JSON: expected a non-negative integer");
    if (*js->p == '0' && js->end - js->p > 1 && js->p[1] >= '0' && js->p[1] <= '9')
        return js_fail(js, "header JSON: integer with a leading zero");
    *v = 0;
    while (js->p < js->end && *js->p >= '0' && *js->p <= '9') {
        unsigned d = (unsigned)(*js->p++ - '0');
        if (*v > (UINT64_MAX - d) / 10)
            return js_fail(js, "header JSON: integer too large");
        *v = *v * 10 + d;
    }
    return 1; /* a fraction or exponent after it is a syntax error of the array */
}

/* [n, n, ...] with at most max entries. */
static int js_uint_array(js_t *js, uint64_t *v, size_t max, size_t *count)
{
    *count = 0;
    if (!js_expect(js, '['))
        return 0;
    if (js_take(js, ']'))
        return 1;
    do {
        if (*count == max)
            return js_fail(js, "header: too many numbers in an array");
        if (!js_uint(js, &v[(*count)++]))
            return 0;
    } while (js_take(js, ','));
    return js_expect(js, ']');
}

/* An object {"key": value, ...}: member() reads each value, after its key
 * and ':', with ctx; the object may be empty. */
static int js_object(js_t *js, int (*member)(js_t *js, const char *key, void *ctx), void *ctx)
{
    char key[NAME_MAX_LEN + 1];
    if (!js_expect(js, '{'))
        return 0;
    if (js_take(js, '}'))
        return 1;
    do {
        if (!js_string(js, key, sizeof key) || !js_expect(js, ':') || !member(js, key, ctx))
            return 0;
    } while (js_take(js, ','));
    return js_expect(js, '}');
}

/* A __metadata__ value: a string. */
static int js_metadata_member(js_t *js, const char *key, void *ctx)
{
    char tmp[NAME_MAX_LEN + 1];
    (void)key, (void)ctx;
    js_ws(js);
    if (js->p >= js->end || *js->p != '"')
        return js_fail(js, "header: __metadata__ values must be strings");
    return js_string(js, tmp, sizeof tmp);
}

typedef struct {
    entry_t *e;
    int seen_dtype, seen_shape, seen_offsets;
} entry_seen_t;

/* One field of {"dtype": ..., "shape": [...], "data_offsets": [b, e]}. */
static int js_entry_member(js_t *js, const char *key, void *ctx)
{
    entry_seen_t *es = ctx;
    entry_t *e = es->e;
    if (!strcmp(key, "dtype") && !es->seen_dtype) {
        char val[NAME_MAX_LEN + 1];
        es->seen_dtype = 1;
        if (!js_string(js, val, sizeof val))
            return 0;
        e->dtype = -1;
        for (int d = 0; d < N_DTYPES; d++)
            if (!strcmp(val, DTYPES[d].name))
                e->dtype = d;
        if (e->dtype < 0)
            return js_fail(js, "header: unknown dtype (this lab reads F32, F64, F16, BF16)");
    } else if (!strcmp(key, "shape") && !es->seen_shape) {
        uint64_t s[MAX_RANK];
        es->seen_shape = 1;
        if (!js_uint_array(js, s, MAX_RANK, &e->rank))
            return 0;
        for (size_t k = 0; k < e->rank; k++) {
            if (s[k] > SIZE_MAX)
                return js_fail(js, "header: shape entry too large");
            e->shape[k] = (size_t)s[k];
        }
    } else if (!strcmp(key, "data_offsets") && !es->seen_offsets) {
        uint64_t o[2];
        size_t c;
        es->seen_offsets = 1;
        if (!js_uint_array(js, o, 2, &c))
            return 0;
        if (c != 2)
            return js_fail(js, "header: data_offsets must be [begin, end]");
        e->begin = o[0], e->end = o[1];
    } else {
        return js_fail(js, "header: a tensor entry has an unknown or repeated field");
    }
    return 1;
}

/* {"dtype": ..., "shape": [...], "data_offsets": [b, e]} in any order. */
static int js_entry(js_t *js, entry_t *e)
{
    entry_seen_t es = {e, 0, 0, 0};
    if (!js_object(js, js_entry_member, &es))
        return 0;
    if (!(es.seen_dtype && es.seen_shape && es.seen_offsets))
        return js_fail(js, "header: a tensor entry lacks dtype, shape or data_offsets");
    return 1;
}

typedef struct {
    entry_t *ents;
    size_t *count;
    int seen_meta;
} header_seen_t;

/* One member of the header: __metadata__ once, else a tensor's entry. */
static int js_header_member(js_t *js, const char *key, void *ctx)
{
    header_seen_t *hs = ctx;
    if (!strcmp(key, "__metadata__")) {
        if (hs->seen_meta)
            return js_fail(js, "header: __metadata__ appears twice");
        hs->seen_meta = 1;
        return js_object(js, js_metadata_member, NULL);
    }
    if (*hs->count == MAX_TENSORS)
        return js_fail(js, "header: more than 64 tensors");
    for (size_t i = 0; i < *hs->count; i++)
        if (!strcmp(hs->ents[i].name, key))
            return js_fail(js, "header: a tensor name appears twice");
    entry_t *e = &hs->ents[(*hs->count)++];
    memcpy(e->name, key, strlen(key) + 1);
    return js_entry(js, e);
}

static int js_header(js_t *js, entry_t *ents, size_t *count)
{
    header_seen_t hs = {ents, count, 0};
    *count = 0;
    if (!js_object(js, js_header_member, &hs))
        return 0;
    js_ws(js);
    if (js->p != js->end)
        return js_fail(js, "header: bytes after the JSON object (padding must be spaces)");
    return 1;
}

/* "base_model.model.P<suffix>": P's start and length, or 0. */
static int peft_module(const char *name, const char *suffix, size_t *plen)
{
    size_t n = strlen(name), lp = strlen(PEFT_PREFIX), ls = strlen(suffix);
    if (n <= lp + ls || strncmp(name, PEFT_PREFIX, lp) || strcmp(name + n - ls, suffix))
        return 0;
    *plen = n - lp - ls;
    return 1;
}

static double half_to_double(unsigned h)
{
    unsigned sign = h >> 15, ex = (h >> 10) & 31, man = h & 1023;
    double v;
    if (ex == 0)
        v = ldexp((double)man, -24);
    else if (ex == 31)
        v = man ? NAN : INFINITY;
    else
        v = ldexp((double)(man | 1024), (int)ex - 25);
    return sign ? -v : v;
}

static double get_value(const unsigned char *p, int dtype)
{
    switch (dtype) {
    case 0: { /* F32 */
        uint32_t u = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
        float f;
        memcpy(&f, &u, 4);
        return (double)f;
    }
    case 1: { /* F64 */
        uint64_t u = lora_get_le64(p);
        double d;
        memcpy(&d, &u, 8);
        return d;
    }
    case 2: /* F16 */
        return half_to_double((unsigned)p[0] | (unsigned)p[1] << 8);
    default: { /* BF16: the top half of an F32 */
        uint32_t u = ((uint32_t)p[0] << 16) | ((uint32_t)p[1] << 24);
        float f;
        memcpy(&f, &u, 4);
        return (double)f;
    }
    }
}
/* END SOLUTION */

int st_decode_lora(const unsigned char *buf, size_t n, char *module, size_t module_cap,
                   double *a, size_t cap_a, double *b, size_t cap_b, size_t *dims)
{
    /* BEGIN SOLUTION lab05.9 */
    LAB_REQUIRE(buf && module && a && b && dims, "buf, module, a, b and dims must not be NULL");
    LAB_REQUIRE(n >= 8, "the file is %zu bytes, shorter than the 8-byte header length", n);
    uint64_t n_hdr = lora_get_le64(buf);
    LAB_REQUIRE(n_hdr > 0, "header length is 0");
    LAB_REQUIRE(n_hdr <= n - 8, "header length %llu runs past the end of the %zu-byte file",
                (unsigned long long)n_hdr, n);
    static entry_t ents[MAX_TENSORS]; /* 40 KiB: kept off the stack */
    size_t count;
    js_t js = {.p = buf + 8, .end = buf + 8 + n_hdr, .start = buf + 8};
    LAB_REQUIRE(js_header(&js, ents, &count), "%s", js.err);
    const size_t data_len = n - 8 - (size_t)n_hdr;
    const unsigned char *data = buf + 8 + n_hdr;

    /* Every range fits and matches its dtype and shape. */
    size_t order[MAX_TENSORS];
    for (size_t t = 0; t < count; t++) {
        const entry_t *e = &ents[t];
        size_t elems = 1, bytes;
        for (size_t k = 0; k < e->rank; k++)
            LAB_REQUIRE(mul_ok(elems, e->shape[k], &elems), "tensor %s: shape product overflows",
                        e->name);
        LAB_REQUIRE(mul_ok(elems, DTYPES[e->dtype].size, &bytes), "tensor %s: byte size overflows",
                    e->name);
        LAB_REQUIRE(e->begin <= e->end, "tensor %s: data_offsets begin %llu > end %llu", e->name,
                    (unsigned long long)e->begin, (unsigned long long)e->end);
        LAB_REQUIRE(e->end <= data_len,
                    "tensor %s: data_offsets end %llu is past the %zu-byte data section", e->name,
                    (unsigned long long)e->end, data_len);
        LAB_REQUIRE(e->end - e->begin == bytes,
                    "tensor %s: data_offsets span %llu bytes, its dtype and shape need %zu",
                    e->name, (unsigned long long)(e->end - e->begin), bytes);
        order[t] = t;
    }
    /* Sorted by begin, the ranges tile the data section exactly. */
    for (size_t t = 1; t < count; t++)
        for (size_t u = t; u > 0 && ents[order[u - 1]].begin > ents[order[u]].begin; u--) {
            size_t tmp = order[u];
            order[u] = order[u - 1], order[u - 1] = tmp;
        }
    uint64_t at = 0;
    for (size_t t = 0; t < count; t++) {
        const entry_t *e = &ents[order[t]];
        LAB_REQUIRE(e->begin == at,
                    "tensor %s starts at data byte %llu, the tensor before it ends at %llu (the ranges "
                    "must tile the data section: no overlap, no hole)",
                    e->name, (unsigned long long)e->begin, (unsigned long long)at);
        at = e->end;
    }
    LAB_REQUIRE(at == data_len, "%llu bytes after the last tensor in the data section",
                (unsigned long long)(data_len - at));

    /* Exactly one lora_A and one lora_B, of the same module. */
    const entry_t *ea = NULL, *eb = NULL;
    size_t pa = 0, pb = 0, pl;
    for (size_t t = 0; t < count; t++) {
        if (peft_module(ents[t].name, SUFFIX_A, &pl)) {
            LAB_REQUIRE(!ea, "more than one lora_A tensor (this reads one module)");
            ea = &ents[t], pa = pl;
        } else if (peft_module(ents[t].name, SUFFIX_B, &pl)) {
            LAB_REQUIRE(!eb, "more than one lora_B tensor (this reads one module)");
            eb = &ents[t], pb = pl;
        }
    }
    LAB_REQUIRE(ea, "no tensor named base_model.model.<module>" SUFFIX_A);
    LAB_REQUIRE(eb, "no tensor named base_model.model.<module>" SUFFIX_B);
    const size_t lp = strlen(PEFT_PREFIX);
    LAB_REQUIRE(pa == pb && !strncmp(ea->name + lp, eb->name + lp, pa),
                "lora_A and lora_B belong to different modules (%s, %s)", ea->name, eb->name);
    LAB_REQUIRE(ea->rank == 2 && eb->rank == 2, "lora_A and lora_B must be 2-D (ranks %zu, %zu)",
                ea->rank, eb->rank);
    const size_t r = ea->shape[0], d_in = ea->shape[1], d_out = eb->shape[0];
    LAB_REQUIRE(eb->shape[1] == r,
                "lora_A is [%zu, %zu] and lora_B [%zu, %zu]: PEFT wants A [r, d_in], B [d_out, r]",
                ea->shape[0], ea->shape[1], eb->shape[0], eb->shape[1]);
    LAB_REQUIRE(r > 0 && d_in > 0 && d_out > 0, "a zero in the shapes (r %zu, d_in %zu, d_out %zu)",
                r, d_in, d_out);
    LAB_REQUIRE(pa < module_cap, "module path of %zu bytes does not fit in %zu", pa, module_cap);
    LAB_REQUIRE(r * d_in <= cap_a && d_out * r <= cap_b,
                "A needs %zu doubles (room %zu), B %zu (room %zu)", r * d_in, cap_a, d_out * r, cap_b);

    const size_t sa = DTYPES[ea->dtype].size, sb = DTYPES[eb->dtype].size;
    for (size_t i = 0; i < r * d_in; i++)
        a[i] = get_value(data + ea->begin + i * sa, ea->dtype);
    for (size_t i = 0; i < d_out * r; i++)
        b[i] = get_value(data + eb->begin + i * sb, eb->dtype);
    memcpy(module, ea->name + lp, pa);
    module[pa] = '\0';
    dims[0] = d_in, dims[1] = d_out, dims[2] = r;
    return LAB_OK;
    /* END SOLUTION lab_todo("lab05.9", "st_decode_lora", buf, n, module, module_cap, a, cap_a, b, cap_b, dims); */
}

int peft_config_json(size_t r, double alpha, const char *targets, char *out, size_t cap,
                     size_t *len)
{
    /* BEGIN SOLUTION lab05.10 */
    LAB_REQUIRE(targets && out && len, "targets, out and len must not be NULL");
    LAB_REQUIRE(r > 0, "r must be > 0");
    LAB_REQUIRE(isfinite(alpha) && alpha > 0, "lora_alpha must be finite and > 0 (got %g)", alpha);
    char text[2048];
    int n = snprintf(text, sizeof text,
                     "{\"peft_type\": \"LORA\", \"r\": %zu, \"lora_alpha\": %.17g, \"target_modules\": [",
                     r, alpha);
    size_t at = (size_t)n, name_len = 0;
    for (const char *p = targets;; p++) {
        if (*p == ',' || *p == '\0') {
            LAB_REQUIRE(name_len > 0, "empty name in the target list \"%s\"", targets);
            LAB_REQUIRE(at + 4 < sizeof text, "target list too long");
            text[at++] = '"';
            memcpy(text + at, p - name_len, name_len);
            at += name_len;
            text[at++] = '"';
            if (*p == '\0')
                break;
            text[at++] = ',', text[at++] = ' ';
            name_len = 0;
            continue;
        }
        LAB_REQUIRE(module_char_ok(*p), "target names hold letters, digits, '.' and '_' only");
        LAB_REQUIRE(at + name_len + 8 < sizeof text, "target list too long");
        name_len++;
    }
    text[at++] = ']', text[at++] = '}', text[at++] = '\n';
    LAB_REQUIRE(at + 1 <= cap, "the config is %zu bytes plus NUL, out holds %zu", at, cap);
    memcpy(out, text, at);
    out[at] = '\0';
    *len = at;
    return LAB_OK;
    /* END SOLUTION lab_todo("lab05.10", "peft_config_json", r, alpha, targets, out, cap, len); */
}
