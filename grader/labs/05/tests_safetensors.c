/*
 * tests_safetensors.c - Lab 05's hidden tests of safetensors.c: the adapter
 * file in the safetensors format with PEFT's names (encode lab05.8, decode
 * lab05.9) and its adapter_config.json (lab05.10).
 *
 * Expected values come from the reference solution linked into this judge
 * (never into the runner); hand-made headers carry their verdict beside
 * them.  Random cases draw from judge_rng(): seed printed, --seed N.
 */
#include "tests.h"
#include "matrix.h"
#include "safetensors.h"

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- lab05.8 encode ---- */

typedef struct {
    const char *module;
    size_t d_in, d_out, r;
    long long dtype;
    double *a, *b;
} adapter_t;

static void adapter_random(judge_t *j, adapter_t *ad, const char *module, size_t di, size_t dn,
                           size_t r, long long dtype)
{
    rng_t *g = judge_rng(j);
    ad->module = module, ad->d_in = di, ad->d_out = dn, ad->r = r, ad->dtype = dtype;
    ad->a = mat_alloc(r, di), ad->b = mat_alloc(dn, r);
    rng_fill_normal(g, ad->a, r * di, 0.3);
    rng_fill_normal(g, ad->b, dn * r, 0.3);
}

static void adapter_free(adapter_t *ad) { free(ad->a), free(ad->b); }


static call_t *student_encode(judge_t *j, const adapter_t *ad, size_t cap)
{
    size_t ml = strlen(ad->module);
    double *m = doubles_of_bytes((const unsigned char *)ad->module, ml);
    call_t *c = call_new(j, "st_encode_lora");
    call_in(c, "module", m, ml);
    call_in(c, "a", ad->a, ad->r * ad->d_in), call_in(c, "b", ad->b, ad->d_out * ad->r);
    call_size(c, "d_in", ad->d_in), call_size(c, "d_out", ad->d_out), call_size(c, "r", ad->r);
    call_int(c, "dtype", ad->dtype);
    call_out(c, "buf", cap), call_size(c, "cap", cap), call_out(c, "len", 1);
    return c;
}

/* The reference's file for ad (malloc'd, *len bytes). */
static unsigned char *ref_encode(const adapter_t *ad, size_t *len)
{
    size_t cap = 1024 + 8 * ad->r * (ad->d_in + ad->d_out);
    unsigned char *u = malloc(cap);
    st_encode_lora(ad->module, ad->a, ad->b, ad->d_in, ad->d_out, ad->r, ad->dtype, u, cap, len);
    return u;
}

/* The reference's F32 file of a random adapter (malloc'd, *len bytes). */
static unsigned char *ref_file(judge_t *j, const char *module, size_t di, size_t dn, size_t r,
                               size_t *len)
{
    adapter_t ad;
    adapter_random(j, &ad, module, di, dn, r, ST_F32);
    unsigned char *u = ref_encode(&ad, len);
    adapter_free(&ad);
    return u;
}

/* The student's file as bytes (malloc'd), or NULL after a recorded failure. */
static unsigned char *student_file(judge_t *j, const adapter_t *ad, size_t *len)
{
    size_t cap = 1024 + 8 * ad->r * (ad->d_in + ad->d_out);
    call_t *c = student_encode(j, ad, cap);
    unsigned char *u = NULL;
    if (call_run(c) && !expect_return(j, c, LAB_OK))
        judge_fail(j, "(your function printed: %.300s)", call_printed(c));
    else if (!judge_failed(j)) {
        const double *d = call_output(c, "buf");
        double l = call_output(c, "len")[0];
        if (!(l >= 16 && l <= (double)cap)) {
            judge_fail(j, "len = %g is not a plausible file length (buffer %zu)", l, cap);
        } else {
            *len = (size_t)l;
            u = malloc(*len);
            for (size_t i = 0; i < *len; i++)
                u[i] = (unsigned char)d[i];
        }
    }
    free_call(c);
    return u;
}

/* The first occurrence of needle (k bytes) in hay (n bytes), or NULL. */
static const char *find_bytes(const void *hay, size_t n, const char *needle, size_t k)
{
    const char *h = hay;
    for (size_t i = 0; k <= n && i <= n - k; i++)
        if (!memcmp(h + i, needle, k))
            return h + i;
    return NULL;
}

static uint64_t le64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

TEST("lab05.8", 2, "encoded files equal the reference byte for byte",
     "The header text of safetensors.h exactly, spaces to a multiple of 8, A's then B's bytes.")
{
    static const struct { const char *m; size_t di, dn, r; long long dt; } cases[] = {
        {"model.layers.0.self_attn.q_proj", 12, 8, 4, ST_F32}, {"v_proj", 5, 9, 2, ST_F64},
        {"encoder.block.11.layer.0.SelfAttention.o", 3, 3, 1, ST_F32}};
    for (int k = 0; k < 3 && !judge_failed(j); k++) {
        adapter_t ad;
        adapter_random(j, &ad, cases[k].m, cases[k].di, cases[k].dn, cases[k].r, cases[k].dt);
        size_t n_ref, n_got = 0;
        unsigned char *ref = ref_encode(&ad, &n_ref), *got = student_file(j, &ad, &n_got);
        if (got) {
            size_t first = 0;
            while (first < n_ref && first < n_got && ref[first] == got[first])
                first++;
            if (n_got != n_ref || first != n_ref) {
                char want_ctx[48] = "", got_ctx[48] = "";
                size_t from = first > 16 ? first - 16 : 0;
                for (size_t i = from, o = 0; i < first + 16 && o < 40; i++, o++) {
                    want_ctx[o] = i < n_ref ? (ref[i] >= 32 && ref[i] < 127 ? (char)ref[i] : '?') : '$';
                    got_ctx[o] = i < n_got ? (got[i] >= 32 && got[i] < 127 ? (char)got[i] : '?') : '$';
                    want_ctx[o + 1] = got_ctx[o + 1] = '\0';
                }
                judge_fail(j, "module %s (%s): your file (%zu bytes) first differs from the "
                           "reference (%zu bytes) at byte %zu: yours \"%s\", expected \"%s\" "
                           "('?' = not printable)", ad.module, ad.dtype ? "F64" : "F32", n_got,
                           n_ref, first, got_ctx, want_ctx);
            }
        }
        free(ref), free(got);
        adapter_free(&ad);
    }
}

TEST("lab05.8", 2, "header length is 8 bytes little-endian and a multiple of 8",
     "Low byte first; N counts the padded header.")
{
    adapter_t ad;
    adapter_random(j, &ad, "model.layers.3.mlp.up_proj", 10, 6, 2, ST_F32);
    size_t n = 0;
    unsigned char *u = student_file(j, &ad, &n);
    if (u) {
        uint64_t le = le64(u), be = 0;
        for (int i = 0; i < 8; i++)
            be = be << 8 | u[i];
        size_t data = 4 * ad.r * (ad.d_in + ad.d_out);
        if (le != n - 8 - data)
            judge_fail(j, "the first 8 bytes read as little-endian give N = %llu, but the file "
                       "(%zu bytes) minus 8 minus the data (%zu) is %zu%s", (unsigned long long)le,
                       n, data, n - 8 - data, be == n - 8 - data ? " (big-endian: write the low byte first)" : "");
        else if (le % 8 != 0)
            judge_fail(j, "N = %llu is not a multiple of 8: pad the header with spaces",
                       (unsigned long long)le);
    }
    free(u);
    adapter_free(&ad);
}

TEST("lab05.8", 2, "the header is padded with spaces for every module length",
     "Pad with ' ' (0x20) up to a multiple of 8.")
{
    /* Module lengths 1..8 give every padding length 0..7 once. */
    static const char *mods[] = {"q", "qq", "q_p", "q_pr", "q_pro", "q_proj", "a.q_pro", "a.q_proj"};
    for (int k = 0; k < 8 && !judge_failed(j); k++) {
        adapter_t ad;
        adapter_random(j, &ad, mods[k], 3, 2, 1, ST_F64);
        size_t n = 0;
        unsigned char *u = student_file(j, &ad, &n);
        if (u && n >= 8) {
            uint64_t hl = le64(u);
            if (hl % 8 != 0 || hl > n - 8)
                judge_fail(j, "module \"%s\": header length %llu is not a multiple of 8 inside the file",
                           mods[k], (unsigned long long)hl);
            else {
                size_t end = 8 + (size_t)hl;
                while (end > 8 && u[end - 1] == ' ')
                    end--;
                if (u[end - 1] != '}')
                    judge_fail(j, "module \"%s\": the header's last non-space byte is 0x%02x, not "
                               "'}': pad with spaces (0x20), not NUL", mods[k], u[end - 1]);
            }
        }
        free(u);
        adapter_free(&ad);
    }
}

/* The reference decoder, its complaints sent to /dev/null. */
static int quiet_decode(const unsigned char *u, size_t n, char *mod, double *a, size_t ca,
                        double *b, size_t cb, size_t *dims)
{
    fflush(stderr);
    int saved = dup(2), devnull = open("/dev/null", O_WRONLY);
    if (devnull >= 0)
        dup2(devnull, 2);
    int rc = st_decode_lora(u, n, mod, 256, a, ca, b, cb, dims);
    fflush(stderr);
    if (saved >= 0)
        dup2(saved, 2), close(saved);
    if (devnull >= 0)
        close(devnull);
    return rc;
}

TEST("lab05.8", 2, "data offsets count from the data section, A then B",
     "A at [0, SA], B at [SA, SA + SB]; 0 is the first byte after the header.")
{
    adapter_t ad;
    adapter_random(j, &ad, "model.layers.7.self_attn.k_proj", 6, 10, 3, ST_F32);
    size_t n = 0;
    unsigned char *u = student_file(j, &ad, &n);
    if (u) {
        char mod[256];
        size_t dims[3];
        double *a = mat_alloc(ad.r, ad.d_in), *b = mat_alloc(ad.d_out, ad.r);
        if (quiet_decode(u, n, mod, a, ad.r * ad.d_in, b, ad.d_out * ad.r, dims) != LAB_OK) {
            /* Say which rule: find data_offsets of A. */
            const char *hdr = (const char *)u + 8;
            size_t hl = n >= 8 ? (size_t)le64(u) : 0;
            const char *o = hl <= n - 8 ? find_bytes(hdr, hl, "\"data_offsets\":[", 16) : NULL;
            judge_fail(j, "the reference cannot read your file back (%s)",
                       o && strncmp(o + 16, "0,", 2) ? "A's data_offsets do not start at 0: they "
                                                        "count from the data section, not the file"
                                                      : "offsets must count from the start of the "
                                                        "data section, A at [0, SA], B right after");
        } else {
            for (size_t i = 0; i < ad.r * ad.d_in; i++)
                ad.a[i] = (double)(float)ad.a[i];
            for (size_t i = 0; i < ad.d_out * ad.r; i++)
                ad.b[i] = (double)(float)ad.b[i];
            if (expect_exact(j, "A read back (F32)", a, ad.a, ad.r, ad.d_in))
                expect_exact(j, "B read back (F32)", b, ad.b, ad.d_out, ad.r);
        }
        free(a), free(b);
    }
    free(u);
    adapter_free(&ad);
}

TEST("lab05.8", 2, "A is [r, d_in] and B is [d_out, r] under PEFT's names",
     "base_model.model.<module>.lora_A.weight is (r, d_in); lora_B is (d_out, r).")
{
    adapter_t ad;
    adapter_random(j, &ad, "transformer.h.2.attn.c_attn", 7, 11, 2, ST_F64);
    size_t n = 0;
    unsigned char *u = student_file(j, &ad, &n);
    if (u) {
        char want_a[160], want_b[160];
        snprintf(want_a, sizeof want_a, "\"base_model.model.%s.lora_A.weight\":{\"dtype\":\"F64\","
                 "\"shape\":[%zu,%zu]", ad.module, ad.r, ad.d_in);
        snprintf(want_b, sizeof want_b, "\"base_model.model.%s.lora_B.weight\":{\"dtype\":\"F64\","
                 "\"shape\":[%zu,%zu]", ad.module, ad.d_out, ad.r);
        if (!find_bytes(u, n, want_a, strlen(want_a)))
            judge_fail(j, "the header lacks %s (A is [r, d_in] = [2, 7] under PEFT's name)", want_a);
        else if (!find_bytes(u, n, want_b, strlen(want_b)))
            judge_fail(j, "the header lacks %s (B is [d_out, r] = [11, 2])", want_b);
    }
    free(u);
    adapter_free(&ad);
}

TEST("lab05.8", 1, "an F64 file reads back bit for bit",
     "An F64 file holds each double's 8 bytes, little-endian: decoding it must give the same bits.")
{
    adapter_t ad;
    adapter_random(j, &ad, "model.decoder.layers.1.fc1", 9, 4, 3, ST_F64);
    ad.a[0] = 1.0 / 3.0, ad.a[1] = -0.0, ad.a[2] = 1e-310, ad.b[0] = 6.02214076e23;
    size_t n = 0;
    unsigned char *u = student_file(j, &ad, &n);
    if (u) {
        char mod[256];
        size_t dims[3];
        double *a = mat_alloc(ad.r, ad.d_in), *b = mat_alloc(ad.d_out, ad.r);
        if (quiet_decode(u, n, mod, a, ad.r * ad.d_in, b, ad.d_out * ad.r, dims) != LAB_OK)
            judge_fail(j, "the reference decoder rejects your F64 file");
        else if (memcmp(a, ad.a, ad.r * ad.d_in * 8) || memcmp(b, ad.b, ad.d_out * ad.r * 8))
            judge_fail(j, "F64 values do not come back bit for bit (write the 8 bytes of each "
                       "double, low byte first)");
        free(a), free(b);
    }
    free(u);
    adapter_free(&ad);
}

/* The student's file of a small random adapter equals the reference's. */
static void encode_matches(judge_t *j)
{
    adapter_t ad;
    adapter_random(j, &ad, "model.layers.0.self_attn.v_proj", 6, 4, 2, ST_F32);
    size_t n_ref, n_got = 0;
    unsigned char *ref = ref_encode(&ad, &n_ref), *got = student_file(j, &ad, &n_got);
    if (got && (n_got != n_ref || memcmp(got, ref, n_ref) != 0))
        judge_fail(j, "your file of a valid adapter (%zu bytes) differs from the reference's "
                   "(%zu bytes)", n_got, n_ref);
    free(ref), free(got);
    adapter_free(&ad);
}

TEST("lab05.8", 1, "a valid file is right; a buffer one byte short is rejected, unwritten",
     "A valid adapter's file must equal the reference's; compute the total size first, compare with cap, then write.")
{
    encode_matches(j);
    if (!needs_working(j, "st_encode_lora"))
        return;
    adapter_t ad;
    adapter_random(j, &ad, "q_proj", 4, 4, 2, ST_F32);
    size_t n_ref;
    free(ref_encode(&ad, &n_ref));
    call_t *c = student_encode(j, &ad, n_ref - 1);
    if (call_run(c) && !(expect_return(j, c, LAB_EARG) && expect_untouched(j, c, "buf")))
        judge_fail(j, "(the buffer was one byte short of the %zu-byte file)", n_ref);
    free_call(c);
    adapter_free(&ad);
}

/* N for module "m", r = 1, F64, the given d_in and d_out: the header text
 * of safetensors.h (SA = 8 d_in, SB = 8 d_out) rounded up to a multiple of 8. */
static size_t header_len_m(size_t d_in, size_t d_out)
{
    char h[1024];
    size_t sa = 8 * d_in, sb = 8 * d_out;
    int k = snprintf(h, sizeof h, "{\"__metadata__\":{\"format\":\"pt\"},\"base_model.model.m.lora_A.weight\":"
                     "{\"dtype\":\"F64\",\"shape\":[1,%zu],\"data_offsets\":[0,%zu]},"
                     "\"base_model.model.m.lora_B.weight\":{\"dtype\":\"F64\",\"shape\":[%zu,1],"
                     "\"data_offsets\":[%zu,%zu]}}", d_in, sa, d_out, sa, sa + sb);
    return ((size_t)k + 7) / 8 * 8;
}

TEST("lab05.8", 1, "a valid file is right; a file past SIZE_MAX bytes is rejected, unwritten",
     "A valid adapter's file must equal the reference's; 8 + N + SA + SB can overflow size_t: compare each size with what is left below SIZE_MAX before adding, and reject a file that cannot be addressed before writing anything.")
{
    encode_matches(j);
    if (!needs_working(j, "st_encode_lora"))
        return;
    /* r = 1, F64, module "m": A or B so long that the file is SIZE_MAX + 1
     * bytes, which wraps to 0 (the arrays are never read: it is rejected). */
    for (int k = 0; k < 2 && !judge_failed(j); k++) {
        size_t n_hdr = 216, d_in = 1, d_out = 1;
        for (int it = 0; it < 8; it++) { /* N depends on the digits of the sizes */
            if (k == 0)
                d_in = (SIZE_MAX - 7 - n_hdr) / 8; /* SA = 2^64 - 8 - N */
            else
                d_out = (SIZE_MAX - 15 - n_hdr) / 8; /* SB = 2^64 - 16 - N, SA = 8 */
            n_hdr = header_len_m(d_in, d_out);
        }
        static const double module_m[1] = {'m'};
        double a[4] = {0.5, 0.25, 1, 2}, b[4] = {1, -1, 0.5, 3};
        size_t len;
        static unsigned char ref_buf[4096];
        int saved = stderr_silence(); /* the reference explains its LAB_EARG */
        int ref_rc = st_encode_lora("m", a, b, d_in, d_out, 1, ST_F64, ref_buf, sizeof ref_buf, &len);
        stderr_restore(saved);
        if (ref_rc != LAB_EARG) {
            judge_fail(j, "grader error: the reference accepts a file of 2^64 bytes");
            return;
        }
        call_t *c = call_new(j, "st_encode_lora");
        call_in(c, "module", module_m, 1);
        call_in(c, "a", a, 4), call_in(c, "b", b, 4);
        call_size(c, "d_in", d_in), call_size(c, "d_out", d_out), call_size(c, "r", 1);
        call_int(c, "dtype", ST_F64);
        call_out(c, "buf", 4096), call_size(c, "cap", 4096), call_out(c, "len", 1);
        if (call_run(c) && !(expect_return(j, c, LAB_EARG) && expect_untouched(j, c, "buf") &&
                             expect_untouched(j, c, "len")))
            judge_fail(j, "(module \"m\", r = 1, F64, d_in = %zu, d_out = %zu: the file would be "
                       "8 + %zu + %zu + %zu bytes, 2^64, which wraps to 0 in size_t; cap = 4096)",
                       d_in, d_out, n_hdr, 8 * d_in, 8 * d_out);
        free_call(c);
    }
}

/* ---- lab05.9 decode ---- */

typedef struct {
    int rc;
    char module[256];
    size_t dims[3];
    double *a, *b;
} decoded_t;

#define CAP_A 256
#define CAP_B 256

static call_t *student_decode(judge_t *j, const unsigned char *u, size_t n, size_t mcap,
                              size_t ca, size_t cb)
{
    double *d = doubles_of_bytes(u, n);
    call_t *c = call_new(j, "st_decode_lora");
    call_in(c, "buf", d, n), call_size(c, "n", n);
    call_out(c, "module", mcap), call_size(c, "module_cap", mcap);
    call_out(c, "a", ca), call_size(c, "cap_a", ca);
    call_out(c, "b", cb), call_size(c, "cap_b", cb);
    call_out(c, "dims", 3);
    return c;
}

/* A rejection's message names the function and then says what was wrong. */
static int says_why(const call_t *c, const char *func)
{
    char tag[64];
    snprintf(tag, sizeof tag, "%s: ", func);
    const char *at = strstr(call_printed(c), tag);
    if (!at)
        return 0;
    at += strlen(tag);
    while (*at == ' ' || *at == '\t')
        at++;
    return *at != '\0' && *at != '\n';
}

/* Run the student's decoder on u and compare everything with the reference.
 * Returns 1 when they agree (same status; same outputs when LAB_OK). */
static int decode_agrees(judge_t *j, const unsigned char *u, size_t n, const char *what)
{
    char mod[256];
    size_t dims[3];
    double *a = mat_alloc(1, CAP_A), *b = mat_alloc(1, CAP_B);
    int want = quiet_decode(u, n, mod, a, CAP_A, b, CAP_B, dims);
    call_t *c = student_decode(j, u, n, 256, CAP_A, CAP_B);
    int ok = call_run(c);
    if (ok && call_return(c) != want) {
        judge_fail(j, "%s: returned %lld, expected %s%s%.300s", what, call_return(c),
                   want == LAB_OK ? "LAB_OK (the file is valid)" : "LAB_EARG (the file is malformed)",
                   want == LAB_OK ? "; your function printed: " : "",
                   want == LAB_OK ? call_printed(c) : "");
        ok = 0;
    } else if (ok && want != LAB_OK) {
        ok = expect_untouched(j, c, "a") && expect_untouched(j, c, "b") &&
             expect_untouched(j, c, "dims");
        if (!ok)
            judge_fail(j, "(%s: nothing may be written when the file is rejected)", what);
        else if (!(ok = says_why(c, "st_decode_lora")))
            judge_fail(j, "%s: rejected, but the message printed does not say why (LAB_REQUIRE "
                       "prints \"safetensors.c: st_decode_lora: <what was wrong>\"): it printed "
                       "\"%.200s\"", what, call_printed(c));
    } else if (ok) {
        double wd[3] = {(double)dims[0], (double)dims[1], (double)dims[2]};
        const double *gm = call_output(c, "module");
        size_t ml = strlen(mod);
        int mod_ok = 1;
        for (size_t i = 0; i <= ml; i++)
            mod_ok &= gm[i] == (double)(unsigned char)mod[i];
        ok = expect_exact(j, "dims (d_in, d_out, r)", call_output(c, "dims"), wd, 1, 3) &&
             expect_exact(j, "a", call_output(c, "a"), a, 1, dims[0] * dims[2]) &&
             expect_exact(j, "b", call_output(c, "b"), b, 1, dims[1] * dims[2]);
        if (ok && !mod_ok) {
            judge_fail(j, "module path: expected \"%s\" with its NUL", mod);
            ok = 0;
        }
        if (!ok)
            judge_fail(j, "(%s)", what);
    }
    free_call(c);
    free(a), free(b);
    return ok && !judge_failed(j);
}

/* A file from header text (padded with `pad` spaces) and data bytes. */
static unsigned char *make_file(const char *hdr, size_t pad, const unsigned char *data,
                                size_t data_len, size_t *n)
{
    size_t hl = strlen(hdr) + pad;
    *n = 8 + hl + data_len;
    unsigned char *u = malloc(*n);
    for (int i = 0; i < 8; i++)
        u[i] = (unsigned char)((uint64_t)hl >> (8 * i));
    memcpy(u + 8, hdr, strlen(hdr));
    memset(u + 8 + strlen(hdr), ' ', pad);
    if (data_len)
        memcpy(u + 8 + hl, data, data_len);
    return u;
}

/* Random data bytes (valid floats whatever they are: decoders never check values). */
static unsigned char *random_data(judge_t *j, size_t n)
{
    unsigned char *d = malloc(n ? n : 1);
    rng_t *g = judge_rng(j);
    for (size_t i = 0; i < n; i++)
        d[i] = (unsigned char)rng_below(g, 256);
    return d;
}

/* Check one hand-written header: the student must agree with the reference,
 * and (expect_ok) the reference must accept it, which guards the test itself. */
static void header_case(judge_t *j, const char *hdr, size_t data_len, int expect_ok, const char *what)
{
    if (judge_failed(j))
        return;
    size_t n;
    unsigned char *data = random_data(j, data_len), *u = make_file(hdr, 3, data, data_len, &n);
    char mod[256];
    size_t dims[3];
    double a[CAP_A], b[CAP_B];
    if ((quiet_decode(u, n, mod, a, CAP_A, b, CAP_B, dims) == LAB_OK) != expect_ok)
        judge_fail(j, "grader error: the reference %s the case %s", expect_ok ? "rejects" : "accepts", what);
    else
        decode_agrees(j, u, n, what);
    free(data), free(u);
}

/* A valid file of the reference's encoder decodes as the reference reads it. */
static int decode_works(judge_t *j)
{
    size_t n;
    unsigned char *u = ref_file(j, "model.layers.2.self_attn.o_proj", 7, 5, 3, &n);
    decode_agrees(j, u, n, "a valid file, decoded first");
    free(u);
    return needs_working(j, "st_decode_lora");
}

#define KA "\"base_model.model.m.q.lora_A.weight\""
#define KB "\"base_model.model.m.q.lora_B.weight\""
#define GOOD_A KA ":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}"
#define GOOD_B KB ":{\"dtype\":\"F32\",\"shape\":[4,2],\"data_offsets\":[24,56]}"

TEST("lab05.9", 2, "reference files decode to the same module, shapes and values",
     "N little-endian, offsets from the data section, A (r, d_in), B (d_out, r).")
{
    static const struct { const char *m; size_t di, dn, r; long long dt; } cases[] = {
        {"model.layers.0.self_attn.q_proj", 12, 8, 4, ST_F64}, {"v", 1, 1, 1, ST_F64},
        {"a.b_c.D9", 20, 3, 5, ST_F32}};
    for (int k = 0; k < 3 && !judge_failed(j); k++) {
        adapter_t ad;
        adapter_random(j, &ad, cases[k].m, cases[k].di, cases[k].dn, cases[k].r, cases[k].dt);
        size_t n;
        unsigned char *u = ref_encode(&ad, &n);
        char what[128];
        snprintf(what, sizeof what, "the reference's %s file of module %s",
                 ad.dtype ? "F64" : "F32", ad.module);
        decode_agrees(j, u, n, what);
        free(u);
        adapter_free(&ad);
    }
}

TEST("lab05.9", 1, "F16 and BF16 tensors are converted exactly",
     "F16: 1 sign, 5 exponent (bias 15), 10 mantissa bits; BF16 is an F32's top half.")
{
    /* A is F16 [1, 4], B is BF16 [2, 1]: format facts, values exact. */
    static const unsigned char data[] = {
        0x00, 0x3E, /* F16 1.5 */ 0x00, 0xC0, /* -2 */ 0x00, 0x04, /* 2^-14 */ 0x01, 0x00, /* 2^-24 */
        0x80, 0x3F, /* BF16 1.0 */ 0x00, 0xBF /* -0.5 */};
    const char *hdr = "{" KA ":{\"dtype\":\"F16\",\"shape\":[1,4],\"data_offsets\":[0,8]},"
                      KB ":{\"dtype\":\"BF16\",\"shape\":[2,1],\"data_offsets\":[8,12]}}";
    size_t n, nv;
    unsigned char *u = make_file(hdr, 0, data, sizeof data, &n);
    decode_agrees(j, u, n, "A in F16 and B in BF16");
    /* The largest finite F16 magnitudes (exponent field 30): 65504 and -32768. */
    static const unsigned char big[] = {0xFF, 0x7B, 0x00, 0xF8, 0x80, 0x3F, 0x00, 0xBF};
    unsigned char *v = make_file("{" KA ":{\"dtype\":\"F16\",\"shape\":[1,2],\"data_offsets\":[0,4]},"
                                 KB ":{\"dtype\":\"BF16\",\"shape\":[2,1],\"data_offsets\":[4,8]}}",
                                 0, big, sizeof big, &nv);
    if (!judge_failed(j))
        decode_agrees(j, v, nv, "A in F16 holding 65504 and -32768");
    free(v);
    /* and a course-number check on the reference itself */
    double a[4], b[2];
    char mod[256];
    size_t dims[3];
    if (!judge_failed(j) && (quiet_decode(u, n, mod, a, 4, b, 2, dims) != LAB_OK || a[0] != 1.5 ||
                             a[1] != -2 || a[2] != ldexp(1, -14) || a[3] != ldexp(1, -24) ||
                             b[0] != 1.0 || b[1] != -0.5))
        judge_fail(j, "grader error: the reference misreads F16/BF16");
    free(u);
}

TEST("lab05.9", 1, "F16 and BF16 infinities and NaNs decode as Inf and NaN",
     "F16 with exponent field 31 (all ones) is +-Inf when its 10 mantissa bits are 0, else NaN; BF16 is an F32's top half (exponent 255 likewise).")
{
    /* A is F16 [1, 4]: +Inf, -Inf, NaN, -NaN; B is BF16 [2, 1]: -Inf, NaN. */
    static const unsigned char data[] = {
        0x00, 0x7C, 0x00, 0xFC, 0x00, 0x7E, 0x01, 0xFD, 0x80, 0xFF, 0xC0, 0x7F};
    const char *hdr = "{" KA ":{\"dtype\":\"F16\",\"shape\":[1,4],\"data_offsets\":[0,8]},"
                      KB ":{\"dtype\":\"BF16\",\"shape\":[2,1],\"data_offsets\":[8,12]}}";
    size_t n;
    unsigned char *u = make_file(hdr, 0, data, sizeof data, &n);
    double a[4], b[2];
    char mod[256];
    size_t dims[3];
    if (quiet_decode(u, n, mod, a, 4, b, 2, dims) != LAB_OK || a[0] != INFINITY || a[1] != -INFINITY ||
        !isnan(a[2]) || !isnan(a[3]) || b[0] != -INFINITY || !isnan(b[1]))
        judge_fail(j, "grader error: the reference misreads F16/BF16 Inf and NaN");
    else
        decode_agrees(j, u, n, "A in F16 holding +Inf, -Inf, NaN, -NaN; B in BF16 holding -Inf, NaN");
    free(u);
}

TEST("lab05.9", 1, "headers as Python writes them decode (spaces, any key order)",
     "Headers with JSON whitespace and keys in any order must decode: skip whitespace, find keys by name.")
{
    /* What json.dumps writes: ", " and ": ", metadata last, B before A. */
    header_case(j, "{\"base_model.model.m.q.lora_B.weight\": {\"shape\": [4, 2], \"dtype\": \"F32\", "
                   "\"data_offsets\": [24, 56]}, \"base_model.model.m.q.lora_A.weight\": {\"data_offsets\": "
                   "[0, 24], \"dtype\": \"F32\", \"shape\": [2, 3]}, \"__metadata__\": {\"format\": \"pt\"}}",
                56, 1, "a header as Python's json.dumps writes it (spaces, another key order)");
    header_case(j, "{\n  " GOOD_B ",\n\t" GOOD_A "\r\n}", 56, 1, "newlines and tabs between tokens");
    header_case(j, "{\"__metadata__\":{},\"base_model.model.m.q.lora_B.weight\":{\"dtype\":\"F32\","
                   "\"shape\":[4,2],\"data_offsets\":[0,32]}," KA ":{\"dtype\":\"F32\",\"shape\":[2,3],"
                   "\"data_offsets\":[32,56]}}", 56, 1, "B's bytes stored before A's");
}

TEST("lab05.9", 1, "extra tensors and escaped strings are read correctly",
     "Other tensors are checked, then ignored; decode \\uXXXX in strings.")
{
    header_case(j, "{" GOOD_A ",\"lm_head.bias\":{\"dtype\":\"F64\",\"shape\":[],\"data_offsets\":[56,64]},"
                   GOOD_B ",\"empty\":{\"dtype\":\"F16\",\"shape\":[0,5],\"data_offsets\":[64,64]}}",
                64, 1, "a scalar and an empty tensor besides the pair");
    header_case(j, "{\"base_model.model.m\\u002eq.lora_A.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],"
                   "\"data_offsets\":[0,24]}," GOOD_B ",\"__metadata__\":{\"note\":\"tab\\there \\\"q\\\" \\u00e9\"}}",
                56, 1, "\\u escapes in a name and in metadata");
}

TEST("lab05.9", 1, "surrogate pairs, 4-byte UTF-8 and 511-byte strings are read right",
     "A \\uXXXX escape is one code point, stored as its 1 to 4 bytes of UTF-8 (a \\uD83D\\uDE01 pair is U+1F601, 4 bytes); a lone surrogate is an error; strings of up to 511 bytes are legal.")
{
    /* A pair in metadata is legal; a lone low surrogate is not. */
    header_case(j, "{" GOOD_A "," GOOD_B ",\"__metadata__\":{\"e\":\"\\ud83d\\ude01\"}}", 56, 1,
                "a surrogate pair in a metadata string");
    header_case(j, "{" GOOD_A "," GOOD_B ",\"__metadata__\":{\"e\":\"\\udc00\"}}", 56, 0,
                "a lone low surrogate in a metadata string");
    header_case(j, "{" GOOD_A "," GOOD_B ",\"__metadata__\":{\"e\":\"\\ud83d x\"}}", 56, 0,
                "a high surrogate followed by no low one");
    header_case(j, "{" GOOD_A "," GOOD_B ",\"__metadata__\":{\"e\":\"\\ud83dxudc00\"}}", 56, 0,
                "a high surrogate followed by 'xudc00', not by a \\u escape");
    /* After decoding, "x\ud83d\ude01" and "x" + the raw bytes F0 9F 98 81 are
     * the same name: a tensor named twice (accepted only where the last
     * UTF-8 byte differs).  Odd last bytes catch a dropped low bit. */
    static const struct { const char *escaped, *raw, *what; int ok; } names[] = {
        {"\\ud83d\\ude01", "\xf0\x9f\x98\x81", "a name written once escaped and once as UTF-8", 0},
        {"\\ud83d\\ude01", "\xf0\x9f\x98\x80", "two names that differ in their last UTF-8 byte", 1},
        {"\\u20ac", "\xe2\x82\xac", "a name with U+20AC written once escaped and once as UTF-8", 0},
        {"\\u4e2d", "\xe4\xb8\xad", "a name with U+4E2D written once escaped and once as UTF-8", 0},
        {"\\u07ff", "\xdf\xbf", "a name with U+07FF written once escaped and once as UTF-8", 0},
        {"\\u00e9", "\xc3\xa9", "a name with U+00E9 written once escaped and once as UTF-8", 0},
    };
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        char hdr[400];
        snprintf(hdr, sizeof hdr, "{" GOOD_A "," GOOD_B ",\"x%s\":{\"dtype\":\"F32\",\"shape\":[1],"
                 "\"data_offsets\":[56,60]},\"x%s\":{\"dtype\":\"F32\",\"shape\":[1],"
                 "\"data_offsets\":[60,64]}}", names[k].escaped, names[k].raw);
        header_case(j, hdr, 64, names[k].ok, names[k].what);
    }
    /* A metadata string of 511 bytes is legal, one of 512 is not. */
    for (size_t len = 511; len <= 512 && !judge_failed(j); len++) {
        char hdr[1200], what[64];
        int at = snprintf(hdr, sizeof hdr, "{" GOOD_A "," GOOD_B ",\"__metadata__\":{\"long\":\"");
        memset(hdr + at, 'v', len);
        snprintf(hdr + at + len, sizeof hdr - at - len, "\"}}");
        snprintf(what, sizeof what, "a metadata string of %zu bytes", len);
        header_case(j, hdr, 56, len == 511, what);
    }
}

TEST("lab05.9", 1, "\\u escapes: upper-case hex decodes; bad digits, unpaired highs rejected",
     "A valid file must decode as the reference reads it; \\uXXXX takes exactly 4 hex digits, 0-9, a-f or A-F (any other character is an error); a high surrogate \\uD800..\\uDBFF must be followed by a low one \\uDC00..\\uDFFF, else the string is an error.")
{
    if (!decode_works(j))
        return;
    /* U+002E ('.') escaped with a lower-case e, then an upper-case E, in both names. */
    header_case(j, "{\"base_model.model.m\\u002eq.lora_A.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],"
                   "\"data_offsets\":[0,24]},\"base_model.model.m\\u002eq.lora_B.weight\":{\"dtype\":\"F32\","
                   "\"shape\":[4,2],\"data_offsets\":[24,56]}}", 56, 1,
                "the module path m\\u002eq (lower-case hex) in both names");
    header_case(j, "{\"base_model.model.m\\u002Eq.lora_A.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],"
                   "\"data_offsets\":[0,24]},\"base_model.model.m\\u002Eq.lora_B.weight\":{\"dtype\":\"F32\","
                   "\"shape\":[4,2],\"data_offsets\":[24,56]}}", 56, 1,
                "the module path m\\u002Eq (upper-case hex) in both names");
    header_case(j, "{\"base_model.model.m\\u005FQ.lora_A.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],"
                   "\"data_offsets\":[0,24]},\"base_model.model.m\\u005fQ.lora_B.weight\":{\"dtype\":\"F32\","
                   "\"shape\":[4,2],\"data_offsets\":[24,56]}}", 56, 1,
                "the module path m_Q written m\\u005FQ in A's name and m\\u005fQ in B's");
    header_case(j, "{" GOOD_A "," GOOD_B ",\"__metadata__\":{\"e\":\"\\uD83D\\uDE01 \\u00C9\\u00e9\"}}", 56, 1,
                "upper-case hex in a surrogate pair and in \\u00C9 in a metadata string");
    static const struct { const char *esc, *what; } bad[] = {
        {"\\u00zz", "\\u00zz in a metadata string (z is not a hex digit)"},
        {"\\u004G", "\\u004G in a metadata string (G is not a hex digit)"},
        {"\\u00 1", "\\u00 1 in a metadata string (a space is not a hex digit)"},
        {"\\ud83d\\u0041", "a high surrogate followed by \\u0041, not by a low surrogate"},
        {"\\uD83D\\uD83D", "two high surrogates in a row"},
        {"\\ud83d\\ue000", "a high surrogate followed by \\ue000, just past the low surrogates"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0] && !judge_failed(j); k++) {
        char hdr[300];
        snprintf(hdr, sizeof hdr, "{" GOOD_A "," GOOD_B ",\"__metadata__\":{\"e\":\"x%sy\"}}", bad[k].esc);
        header_case(j, hdr, 56, 0, bad[k].what);
    }
}

TEST("lab05.9", 1, "a valid file decodes; NULL pointers are rejected, nothing written",
     "A valid file must decode as the reference reads it; buf, module, a, b and dims must not be NULL: LAB_EARG before anything is written.")
{
    if (!decode_works(j))
        return;
    size_t n;
    unsigned char *u = ref_file(j, "q", 2, 3, 1, &n);
    static const char *const ptrs[] = {"buf", "module", "a", "b", "dims"};
    for (int k = 0; k < 5 && !judge_failed(j); k++) {
        double *d = doubles_of_bytes(u, n);
        call_t *c = call_new(j, "st_decode_lora");
        if (k == 0)
            call_null(c, "buf");
        else
            call_in(c, "buf", d, n);
        call_size(c, "n", n);
        k == 1 ? call_null(c, "module") : call_out(c, "module", 64);
        call_size(c, "module_cap", 64);
        k == 2 ? call_null(c, "a") : call_out(c, "a", 16);
        call_size(c, "cap_a", 16);
        k == 3 ? call_null(c, "b") : call_out(c, "b", 16);
        call_size(c, "cap_b", 16);
        k == 4 ? call_null(c, "dims") : call_out(c, "dims", 3);
        char what[32];
        snprintf(what, sizeof what, "%s = NULL", ptrs[k]);
        expect_rejected(j, c, k == 2 ? "b" : "a", what);
    }
    free(u);
}

TEST("lab05.9", 2, "a valid file decodes; truncated ones are rejected without a crash",
     "A valid file must decode as the reference reads it; check n >= 8, then N <= n - 8, before reading.")
{
    if (!decode_works(j))
        return;
    size_t n;
    unsigned char *u = ref_file(j, "model.layers.0.mlp.down_proj", 6, 5, 2, &n);
    size_t hl = (size_t)le64(u);
    const size_t cuts[] = {0, 3, 7, 8, 9, 8 + hl / 2, 8 + hl - 1, 8 + hl, n - 5, n - 1};
    for (int k = 0; k < 10 && !judge_failed(j); k++) {
        char what[96];
        snprintf(what, sizeof what, "the file cut to %zu of its %zu bytes", cuts[k], n);
        decode_agrees(j, u, cuts[k], what);
    }
    free(u);
}

TEST("lab05.9", 1, "a valid file decodes; header lengths past its end are rejected",
     "A valid file must decode as the reference reads it; any header length N > n - 8 (up to 2^64 - 1) must be rejected.")
{
    if (!decode_works(j))
        return;
    size_t n;
    unsigned char *u = ref_file(j, "q", 2, 2, 1, &n);
    static const uint64_t lens[] = {0, 1u << 20, UINT64_MAX, UINT64_MAX - 7, 0x0100000000000000ull};
    for (int k = 0; k < 5 && !judge_failed(j); k++) {
        for (int i = 0; i < 8; i++)
            u[i] = (unsigned char)(lens[k] >> (8 * i));
        char what[96];
        snprintf(what, sizeof what, "a header length of %llu in a %zu-byte file",
                 (unsigned long long)lens[k], n);
        decode_agrees(j, u, n, what);
    }
    free(u);
    /* A valid header whose data bytes are all spaces: a parser that believes
     * N skips them as JSON whitespace and walks off the end of the file. */
    if (!judge_failed(j)) {
        unsigned char spaces[56];
        memset(spaces, ' ', sizeof spaces);
        size_t m;
        unsigned char *f = make_file("{" GOOD_A "," GOOD_B "}", 5, spaces, sizeof spaces, &m);
        uint64_t claim = (uint64_t)(m - 8) + 16;
        for (int i = 0; i < 8; i++)
            f[i] = (unsigned char)(claim >> (8 * i));
        decode_agrees(j, f, m, "a header length 16 bytes past the end, data bytes all spaces");
        free(f);
    }
}

TEST("lab05.9", 1, "a valid file decodes; invalid JSON headers are rejected",
     "A valid file must decode as the reference reads it; one JSON object, then only spaces; strings, integers and arrays as in JSON.")
{
    if (!decode_works(j))
        return;
    static const char *cases[] = {
        "{" GOOD_A "," GOOD_B,                        /* no closing brace */
        "{" GOOD_A "," GOOD_B ",}",                   /* trailing comma */
        "[" GOOD_A "," GOOD_B "]",                    /* not an object */
        "{" GOOD_A "," GOOD_B "}}",                   /* bytes after the object */
        "{'base_model.model.m.q.lora_A.weight':{}}",  /* single quotes */
        "{\"base_model.model.m.q.lora_A.weight:{\"dtype\":\"F32\"}}", /* broken string */
        "{" GOOD_A "," KB ":{\"dtype\":\"F32\",\"shape\":[4,2],\"data_offsets\":[24,56.0]}}",
        "{" GOOD_A "," KB ":{\"dtype\":\"F32\",\"shape\":[4,-2],\"data_offsets\":[24,56]}}",
        "{" GOOD_A "," KB ":{\"dtype\":F32,\"shape\":[4,2],\"data_offsets\":[24,56]}}",
        "{\"__metadata__\":{\"format\":1}," GOOD_A "," GOOD_B "}", /* non-string metadata */
        "{\"__metadata__\":," GOOD_A "," GOOD_B "}",  /* a key without its value */
        "{" GOOD_A "," GOOD_B ",\"__metadata__\":}",  /* a key without its value, last */
        "{\"__metadata__\":{},\"__metadata__\":{}," GOOD_A "," GOOD_B "}", /* metadata twice */
        "{" GOOD_A "," GOOD_B ",\"__metadata__\":{\"e\":\"a\x1f" "b\"}}", /* a raw control byte 0x1F */
        "{" GOOD_A "," KB ":{\"dtype\":\"F32\",\"shape\":[4,2],\"data_offsets\":[24,56],\"x\":1}}",
        "{" GOOD_A "," KB ":{\"dtype\":\"F32\",\"data_offsets\":[24,56]}}", /* no shape */
        "{" GOOD_A "," GOOD_A "," GOOD_B "}",        /* a name twice */
        "{\"base_model.model.m.q.lora_A.weight\\q\":{}}", /* bad escape */
        "{[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0] && !judge_failed(j); k++) {
        char what[80];
        snprintf(what, sizeof what, "malformed header number %zu", k + 1);
        header_case(j, cases[k], 56, 0, what);
    }
    header_case(j, "{" GOOD_A "," GOOD_B ",\"x\":{\"dtype\":\"F32\",\"data_offsets\":[56,60]}}", 60, 0,
                "an F32 tensor of 4 bytes without a shape");
    /* NUL padding instead of spaces */
    if (!judge_failed(j)) {
        size_t n;
        unsigned char *data = random_data(j, 56), *u = make_file("{" GOOD_A "," GOOD_B "}", 4, data, 56, &n);
        memset(u + n - 56 - 4, 0, 4);
        decode_agrees(j, u, n, "a header padded with NUL bytes");
        free(data), free(u);
    }
}

TEST("lab05.9", 1, "a valid file decodes; leading zeros, empty or missing arrays rejected",
     "A valid file must decode as the reference reads it; a JSON integer is one or more digits without a leading zero (0 alone is fine, 024 is not), an array holds no empty entry ([,24], [1,]), and shape and data_offsets need an array as their value.")
{
    if (!decode_works(j))
        return;
    header_case(j, "{" KA ":{\"dtype\":\"F32\",\"shape\":[ 2 , 3 ],\"data_offsets\":[ 0 , 24 ]}," GOOD_B "}",
                56, 1, "arrays with spaces around 0 and the other integers");
    static const struct { const char *hdr, *what; } bad[] = {
        {"{" GOOD_A "," KB ":{\"dtype\":\"F32\",\"shape\":[4,2],\"data_offsets\":[24,056]}}",
         "data_offsets [24, 056] (a leading zero)"},
        {"{" KA ":{\"dtype\":\"F32\",\"shape\":[02,3],\"data_offsets\":[0,24]}," GOOD_B "}",
         "shape [02, 3] (a leading zero)"},
        {"{" KA ":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[00,24]}," GOOD_B "}",
         "data_offsets [00, 24] (a leading zero)"},
        {"{" KA ":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[,24]}," GOOD_B "}",
         "data_offsets [,24] (no number before the comma)"},
        {"{" GOOD_A "," GOOD_B ",\"e\":{\"dtype\":\"F32\",\"shape\":[1,],\"data_offsets\":[56,56]}}",
         "an extra tensor of shape [1,] (no number after the comma)"},
        {"{" GOOD_A "," GOOD_B ",\"e\":{\"dtype\":\"F32\",\"shape\":,\"data_offsets\":[56,60]}}",
         "an extra tensor whose shape has no value (\"shape\":,)"},
        {"{" GOOD_A "," GOOD_B ",\"e\":{\"dtype\":\"F32\",\"data_offsets\":[56,60],\"shape\":}}",
         "an extra tensor whose shape has no value, last (\"shape\":})"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0] && !judge_failed(j); k++)
        header_case(j, bad[k].hdr, strstr(bad[k].hdr, "[56,60]") ? 60 : 56, 0, bad[k].what);
}

TEST("lab05.9", 1, "a valid file decodes; shapes disagreeing with the bytes are rejected",
     "A valid file must decode as the reference reads it; end - begin must equal product(shape) * dtype size (watch for overflow).")
{
    if (!decode_works(j))
        return;
    header_case(j, "{" KA ":{\"dtype\":\"F32\",\"shape\":[2,4],\"data_offsets\":[0,24]}," GOOD_B "}", 56, 0,
                "A's shape [2, 4] with 24 bytes");
    header_case(j, "{" KA ":{\"dtype\":\"F64\",\"shape\":[2,3],\"data_offsets\":[0,24]}," GOOD_B "}", 56, 0,
                "A as F64 [2, 3] in 24 bytes");
    header_case(j, "{" GOOD_A "," KB ":{\"dtype\":\"F32\",\"shape\":[4,4294967296,4294967296],"
                   "\"data_offsets\":[24,56]}}", 56, 0, "a shape whose product overflows 64 bits");
    /* 2^63 x 2 elements overflow 64 bits to 0: not an empty tensor. */
    header_case(j, "{" GOOD_A "," GOOD_B ",\"big\":{\"dtype\":\"F32\",\"shape\":[9223372036854775808,2],"
                   "\"data_offsets\":[56,56]}}", 56, 0, "a shape whose product overflows 64 bits");
    /* 2 x 2^63 overflows at its second factor: the product is not 2. */
    header_case(j, "{" GOOD_A "," GOOD_B ",\"big\":{\"dtype\":\"F32\",\"shape\":[2,9223372036854775808],"
                   "\"data_offsets\":[56,64]}}", 64, 0, "a shape [2, 2^63] (its product overflows) in 8 bytes");
}

TEST("lab05.9", 1, "a valid file decodes; unknown dtypes are rejected",
     "A valid file must decode as the reference reads it; only F32, F64, F16 and BF16.")
{
    if (!decode_works(j))
        return;
    header_case(j, "{" KA ":{\"dtype\":\"F8\",\"shape\":[2,3],\"data_offsets\":[0,24]}," GOOD_B "}", 56, 0,
                "dtype F8");
    header_case(j, "{" KA ":{\"dtype\":\"f32\",\"shape\":[2,3],\"data_offsets\":[0,24]}," GOOD_B "}", 56, 0,
                "dtype f32 (names are upper case)");
    header_case(j, "{" KA ":{\"dtype\":\"I32\",\"shape\":[2,3],\"data_offsets\":[0,24]}," GOOD_B "}", 56, 0,
                "dtype I32");
}

TEST("lab05.9", 2, "a valid file decodes; offsets past the end, overlapping, holes rejected",
     "A valid file must decode as the reference reads it; data_offsets must lie inside the data and tile it exactly (no overlap, no hole).")
{
    if (!decode_works(j))
        return;
    header_case(j, "{" GOOD_A "," KB ":{\"dtype\":\"F32\",\"shape\":[4,2],\"data_offsets\":[24,56]}}", 40, 0,
                "B ends at 56 but the data section has 40 bytes");
    header_case(j, "{" GOOD_A "," KB ":{\"dtype\":\"F32\",\"shape\":[4,2],\"data_offsets\":[1000000,1000032]}}",
                56, 0, "B's offsets far past the end");
    header_case(j, "{" GOOD_A "," KB ":{\"dtype\":\"F32\",\"shape\":[4,2],\"data_offsets\":[16,48]}}", 48, 0,
                "A [0, 24] and B [16, 48] overlap");
    header_case(j, "{" GOOD_A "," KB ":{\"dtype\":\"F32\",\"shape\":[4,2],\"data_offsets\":[32,64]}}", 64, 0,
                "a hole between A and B");
    header_case(j, "{" GOOD_A "," GOOD_B "}", 60, 0, "4 bytes after the last tensor");
    header_case(j, "{" GOOD_A "," KB ":{\"dtype\":\"F32\",\"shape\":[4,2],\"data_offsets\":[56,24]}}", 56, 0,
                "begin > end");
    header_case(j, "{" GOOD_A "," KB ":{\"dtype\":\"F32\",\"shape\":[4,2],\"data_offsets\":[24]}}", 56, 0,
                "one offset only");
}

TEST("lab05.9", 1, "a valid file decodes; a missing lora_A or lora_B, two modules rejected",
     "A valid file must decode as the reference reads it; exactly one pair base_model.model.P.lora_A/B.weight with the same P, not empty.")
{
    if (!decode_works(j))
        return;
    header_case(j, "{" GOOD_A "}", 24, 0, "no lora_B");
    header_case(j, "{\"x\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}," GOOD_B "}", 56, 0,
                "no lora_A");
    header_case(j, "{\"base_model.model.m.k.lora_A.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],"
                   "\"data_offsets\":[0,24]}," GOOD_B "}", 56, 0, "A and B of different modules");
    header_case(j, "{" GOOD_A "," GOOD_B ",\"base_model.model.m.k.lora_A.weight\":{\"dtype\":\"F32\","
                   "\"shape\":[2,3],\"data_offsets\":[56,80]},\"base_model.model.m.k.lora_B.weight\":"
                   "{\"dtype\":\"F32\",\"shape\":[4,2],\"data_offsets\":[80,112]}}", 112, 0, "two modules");
    header_case(j, "{\"base_model.model..lora_A.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
                   "\"base_model.model..lora_B.weight\":{\"dtype\":\"F32\",\"shape\":[4,2],\"data_offsets\":[24,56]}}",
                56, 0, "A and B of an empty module path");
}

TEST("lab05.9", 1, "a valid file decodes; A and B in the transposed layout are rejected",
     "A valid file must decode as the reference reads it; PEFT stores A as [r, d_in] and B as [d_out, r], both 2-D, every size >= 1: their r must agree.")
{
    if (!decode_works(j))
        return;
    header_case(j, "{" KA ":{\"dtype\":\"F32\",\"shape\":[3,2],\"data_offsets\":[0,24]}," KB
                   ":{\"dtype\":\"F32\",\"shape\":[2,4],\"data_offsets\":[24,56]}}", 56, 0,
                "A stored as [d_in, r] and B as [r, d_out] (the transposed layout)");
    header_case(j, "{" KA ":{\"dtype\":\"F32\",\"shape\":[6],\"data_offsets\":[0,24]}," GOOD_B "}", 56, 0,
                "A as a 1-D tensor");
    header_case(j, "{" GOOD_A "," KB ":{\"dtype\":\"F32\",\"shape\":[4,2,1],\"data_offsets\":[24,56]}}", 56, 0,
                "B as a 3-D tensor [4, 2, 1]");
    header_case(j, "{" GOOD_A "," KB ":{\"dtype\":\"F32\",\"shape\":[0,2],\"data_offsets\":[24,24]}}", 24, 0,
                "B of shape [0, 2] (d_out = 0)");
}

TEST("lab05.9", 1, "a valid file decodes; small capacities are rejected, nothing written",
     "A valid file must decode as the reference reads it; check module_cap, cap_a and cap_b before writing.")
{
    if (!decode_works(j))
        return;
    adapter_t ad;
    adapter_random(j, &ad, "model.q_proj", 8, 6, 2, ST_F64);
    size_t n;
    unsigned char *u = ref_encode(&ad, &n);
    static const size_t caps[][3] = {{12, 256, 256}, {256, 15, 256}, {256, 256, 11}};
    static const char *what[] = {"module_cap 12 for a 12-byte path (no room for the NUL)",
                                 "cap_a 15 for A with 16 values", "cap_b 11 for B with 12 values"};
    for (int k = 0; k < 3 && !judge_failed(j); k++) {
        call_t *c = student_decode(j, u, n, caps[k][0], caps[k][1], caps[k][2]);
        if (call_run(c) && !(expect_return(j, c, LAB_EARG) && expect_untouched(j, c, "a") &&
                             expect_untouched(j, c, "b")))
            judge_fail(j, "(the case was %s)", what[k]);
        free_call(c);
    }
    free(u);
    adapter_free(&ad);
}

TEST("lab05.9", 1, "300 fuzzed files: same verdict as the reference, no crash",
     "Each file must get the reference's verdict: decoded the same when valid, rejected otherwise; check every length and offset from the file before use.")
{
    /* 300 corruptions of a valid file, decoded in one runner: random
     * truncations, random bytes of the length field, and header bytes
     * replaced by random printable ASCII (so the reference's verdict is fixed
     * by the format alone).  Same status as the reference; same dims, A and B
     * when the file is still valid. */
    enum { CASES = 300, CAP = 64 };
    size_t n;
    unsigned char *u = ref_file(j, "model.layers.1.attn.q", 5, 4, 2, &n);
    const size_t hl = (size_t)le64(u);
    rng_t *g = judge_rng(j);
    double *all = pooled(CASES * n), *lens = pooled(CASES);
    unsigned char *v = malloc(n);
    char what[CASES][96];
    int want_rc[CASES];
    size_t want_dims[CASES][3], at = 0;
    double *want_a = mat_alloc(CASES, CAP), *want_b = mat_alloc(CASES, CAP);
    for (int k = 0; k < CASES; k++) {
        memcpy(v, u, n);
        size_t m = n;
        if (k % 3 == 0) {
            m = rng_below(g, n);
            snprintf(what[k], sizeof what[k], "the file cut to %zu of %zu bytes", m, n);
        } else if (k % 3 == 1) {
            size_t p = rng_below(g, 8);
            v[p] = (unsigned char)rng_below(g, 256);
            snprintf(what[k], sizeof what[k], "byte %zu of the length set to 0x%02x", p, v[p]);
        } else {
            size_t p = 8 + rng_below(g, hl);
            v[p] = (unsigned char)(32 + rng_below(g, 95));
            snprintf(what[k], sizeof what[k], "header byte %zu set to '%c'", p, v[p]);
        }
        char mod[256];
        want_rc[k] = quiet_decode(v, m, mod, want_a + k * CAP, CAP, want_b + k * CAP, CAP, want_dims[k]);
        for (size_t i = 0; i < m; i++)
            all[at + i] = v[i];
        at += m;
        lens[k] = (double)m;
    }
    call_t *c = call_new(j, "st_decode_lora_batch");
    call_in(c, "bytes_all", all, at), call_in(c, "lens", lens, CASES);
    call_size(c, "n_cases", CASES), call_size(c, "cap", CAP);
    call_out(c, "rcs", CASES), call_out(c, "dims", 3 * CASES);
    call_out(c, "a", CASES * CAP), call_out(c, "b", CASES * CAP);
    if (call_run(c) && expect_return(j, c, LAB_OK)) {
        const double *rcs = call_output(c, "rcs"), *dims = call_output(c, "dims"),
                     *ga = call_output(c, "a"), *gb = call_output(c, "b");
        for (int k = 0; k < CASES && !judge_failed(j); k++) {
            if (rcs[k] != want_rc[k]) {
                judge_fail(j, "fuzz case %d (%s): returned %g, expected %s", k, what[k], rcs[k],
                           want_rc[k] == LAB_OK ? "LAB_OK (still a valid file)" : "LAB_EARG");
            } else if (want_rc[k] == LAB_OK) {
                const size_t *d = want_dims[k];
                if (dims[3 * k] != (double)d[0] || dims[3 * k + 1] != (double)d[1] ||
                    dims[3 * k + 2] != (double)d[2] ||
                    memcmp(ga + k * CAP, want_a + k * CAP, d[2] * d[0] * sizeof(double)) ||
                    memcmp(gb + k * CAP, want_b + k * CAP, d[1] * d[2] * sizeof(double)))
                    judge_fail(j, "fuzz case %d (%s): still valid, but dims, A or B differ from "
                               "the reference's", k, what[k]);
            }
        }
    }
    free_call(c);
    free(u), free(v), free(want_a), free(want_b);
}

/* ---- lab05.10 config ---- */

static call_t *student_config(judge_t *j, size_t r, double alpha, const char *targets, size_t cap)
{
    size_t tl = strlen(targets);
    double *t = doubles_of_bytes((const unsigned char *)targets, tl);
    call_t *c = call_new(j, "peft_config_json");
    call_size(c, "r", r), call_real(c, "alpha", alpha);
    call_in(c, "targets", t, tl);
    call_out(c, "out", cap), call_size(c, "cap", cap), call_out(c, "len", 1);
    return c;
}

/* 1 when the student's config call with capacity cap returns LAB_OK. */
static int config_fits(judge_t *j, size_t r, double alpha, const char *targets, size_t cap)
{
    call_t *c = student_config(j, r, alpha, targets, cap);
    int ok = call_run(c) && expect_return(j, c, LAB_OK);
    free_call(c);
    return ok;
}

static int config_is(judge_t *j, size_t r, double alpha, const char *targets)
{
    char want[2048];
    size_t wl = 0;
    peft_config_json(r, alpha, targets, want, sizeof want, &wl);
    call_t *c = student_config(j, r, alpha, targets, 1024);
    int ok = call_run(c) && expect_return(j, c, LAB_OK);
    if (!ok && !call_printed(c)[0] == 0)
        judge_fail(j, "(your function printed: %.300s)", call_printed(c));
    if (ok) {
        const double *o = call_output(c, "out");
        double l = call_output(c, "len")[0];
        char got[1025];
        size_t i = 0;
        for (; i < 1024 && o[i] >= 1 && o[i] <= 255; i++)
            got[i] = (char)o[i];
        got[i] = '\0';
        if (strcmp(got, want) != 0 || l != (double)wl) {
            judge_fail(j, "config text (len %g) is \"%s\"; expected (len %zu) \"%s\"", l, got, wl, want);
            ok = 0;
        }
    }
    free_call(c);
    return ok;
}

TEST("lab05.10", 2, "config for r = 8, alpha = 16, q_proj and v_proj is exact",
     "Keys peft_type, r, lora_alpha, target_modules in that order, ', ' and ': ' between.")
{
    config_is(j, 8, 16, "q_proj,v_proj");
}

TEST("lab05.10", 2, "config matches the reference for random r, alpha and targets",
     "lora_alpha with %.17g; one quoted name per comma-separated target.")
{
    static const char *lists[] = {"c_attn", "q_proj,k_proj,v_proj,o_proj", "query,value",
                                  "fc1,fc2,lm_head"};
    rng_t *g = judge_rng(j);
    for (int k = 0; k < 4 && !judge_failed(j); k++)
        config_is(j, 1 + rng_below(g, 256), k % 2 ? 0.5 + (double)rng_below(g, 64) : rng_uniform_range(g, 0.1, 100),
                  lists[k]);
    /* 40 targets: a text of about 500 bytes still fits. */
    char many[512] = "";
    for (int k = 0; k < 40; k++)
        snprintf(many + strlen(many), sizeof many - strlen(many), "%sl%d.q_proj", k ? "," : "", k);
    if (!judge_failed(j))
        config_is(j, 8, 16, many);
}

TEST("lab05.10", 1, "a valid config is right; a buffer without room for the NUL fails",
     "A valid config must equal the reference's; the text and its NUL must fit: length + 1 <= cap, checked before writing.")
{
    config_is(j, 4, 8, "q_proj,v_proj");
    if (!needs_working(j, "peft_config_json"))
        return;
    /* The reference's text for these arguments: its length n needs cap n + 1. */
    char text[512];
    size_t n = 0;
    peft_config_json(8, 16, "q_proj,v_proj", text, sizeof text, &n);
    expect_rejected(j, student_config(j, 8, 16, "q_proj,v_proj", n), "out",
                    "cap = the text's length, no room for the NUL");
    if (!judge_failed(j))
        expect_rejected(j, student_config(j, 8, 16, "q_proj,v_proj", 40), "out", "cap 40");
    if (!judge_failed(j) && !config_fits(j, 8, 16, "q_proj,v_proj", n + 1))
        judge_fail(j, "(cap = length + 1 = %zu is enough and must be accepted)", n + 1);
}
