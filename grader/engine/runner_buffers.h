/*
 * runner_buffers.h - the buffer kinds of a function description
 * (describe.py: inout, in32, inout32, real32, bytes, bytes_out, text,
 * text_out, size_out), turned into the C arguments a student function takes.
 * Included by the generated adapter.c only, so it runs in the runner beside
 * the student's code and, in the judge, beside the reference.
 *
 * The wire carries tensors of doubles only (protocol.h).  Each buffer kind
 * is one or two of those tensors, converted here before the call and back
 * after it:
 *   inout     NAME (in) and NAME_out (out): NAME_out starts as a copy of NAME
 *             and is passed; a call that returns other than LAB_OK and leaves
 *             it equal to NAME re-poisons it, so "untouched" reads as for an
 *             output.
 *   in32      a float copy of NAME; an entry the call changed is written back
 *             widened (so "inputs unchanged" sees a write to a const array).
 *   inout32   as inout, in float: NAME_out gets the floats widened when the
 *             call returned LAB_OK or changed them.
 *   bytes     one double per byte (0..255) in, copied into memory whose end
 *             touches an inaccessible page: a read past the end is a crash
 *             the judge reports; a changed byte is written back.
 *   text      bytes without the NUL, passed NUL-terminated (guarded too).
 *   bytes_out, text_out  an output of SHAPE bytes (a capacity), guarded and
 *             filled with a pattern; copied back, one double per byte, when
 *             the call returned LAB_OK or wrote it at all.
 *   size_out  size_t outputs: entries the call wrote come back as doubles.
 *   index     size_t indices in, one double each (a negative or NaN one as
 *             SIZE_MAX), guarded; an entry the call changed is written back.
 *   int64_out int64_t outputs, guarded: entries the call wrote come back
 *             (exact below 2^53, NaN above).
 *   texts     an array of strings (const char *const *): on the wire each
 *             string's bytes then a 0, a NULL string as a single -1; the
 *             pointers end at an inaccessible page (reading one past the
 *             last is a crash); a changed byte is written back.
 *   record, record_out  structs (records.h, generated from the lab's
 *             `record` lines: RECORD_DOUBLES_T doubles each, loaded and
 *             stored by record_load_T and record_store_T), guarded; an input
 *             the call changed is stored back; an output, filled with the
 *             pattern, comes back when the call returned LAB_OK or wrote it.
 * A buffer the runner cannot allocate makes the call return RB_BAD_CALL,
 * which no student function returns.
 */
#ifndef LORALAB_RUNNER_BUFFERS_H
#define LORALAB_RUNNER_BUFFERS_H

/* (the adapter defines _DEFAULT_SOURCE first: mmap's MAP_ANONYMOUS) */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "protocol.h"
#include "runner.h"

#define RB_BAD_CALL (-99) /* the adapter could not set the call up */
#define RB_SIZE_UNSET ((size_t)-7)

/* One converted argument: its memory, and what to free. */
typedef struct {
    void *p;
    void *map;
    size_t maplen;
    int failed;
} rb_t;

/* Guarded mappings given back (rb_free) are kept for the next buffer of the
 * same size, up to RB_KEEP of them and RB_KEEP_BYTES in all, instead of
 * unmapped: an munmap flushes the TLB (on every core the process ran on)
 * and a new mapping faults its pages in again, which cost more than most
 * calls of the functions these buffers serve.  A kept mapping is cleared
 * before it is handed out again, so a buffer's memory reads as a new
 * mapping's would (zeros, then what the caller writes), with the same
 * protections (its guard page inaccessible). */
#define RB_KEEP 8
#define RB_KEEP_BYTES ((size_t)1 << 20)
static struct {
    void *map;
    size_t len;
} rb_kept[RB_KEEP];
static size_t rb_n_kept, rb_kept_bytes;

/* n bytes whose end touches a PROT_NONE page (n = 0 gives a valid pointer). */
static inline unsigned char *rb_guarded(rb_t *b, size_t n)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t data_pages = (n + page - 1) / page;
    size_t len = (data_pages + 1) * page;
    for (size_t k = rb_n_kept; k-- > 0;) { /* backwards: the last moves into k */
        if (rb_kept[k].len != len)
            continue;
        void *m = rb_kept[k].map;
        rb_kept[k] = rb_kept[--rb_n_kept];
        rb_kept_bytes -= len;
        /* The protections set again (code that ran since may have changed
         * them; a mapping that is gone is left alone, and a new one made). */
        if (mprotect(m, data_pages * page, PROT_READ | PROT_WRITE) != 0 ||
            mprotect((char *)m + data_pages * page, page, PROT_NONE) != 0)
            continue;
        memset(m, 0, data_pages * page);
        b->map = m, b->maplen = len;
        return (unsigned char *)m + data_pages * page - n;
    }
    void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED || mprotect((char *)m + data_pages * page, page, PROT_NONE) != 0) {
        if (m != MAP_FAILED)
            munmap(m, len);
        b->failed = 1;
        return NULL;
    }
    b->map = m, b->maplen = len;
    return (unsigned char *)m + data_pages * page - n;
}

static inline void rb_free(rb_t *b)
{
    if (b->map && rb_n_kept < RB_KEEP && rb_kept_bytes + b->maplen <= RB_KEEP_BYTES) {
        rb_kept[rb_n_kept].map = b->map;
        rb_kept[rb_n_kept++].len = b->maplen;
        rb_kept_bytes += b->maplen;
    } else if (b->map) {
        munmap(b->map, b->maplen);
    } else {
        free(b->p);
    }
    b->p = b->map = NULL;
}

/* Byte i of the fill pattern of an output buffer ("nothing written" shows). */
static inline unsigned char rb_fill_byte(size_t i) { return (unsigned char)(0xA5 ^ (i * 37u)); }

static inline unsigned char rb_byte_of(double d) { return (unsigned char)(d >= 0 && d <= 255 ? (int)d : 0); }

/* ---- inout ---- */

static inline double *rb_inout(const runner_arg_t *in, const runner_arg_t *out)
{
    if (!in->p || !out->p)
        return NULL;
    memcpy(out->p, in->p, in->count * sizeof(double));
    return out->p;
}

static inline void rb_inout_done(const runner_arg_t *in, const runner_arg_t *out, int64_t ret)
{
    if (ret == 0 || !in->p || !out->p || memcmp(out->p, in->p, in->count * sizeof(double)) != 0)
        return;
    uint64_t poison = POISON_BITS;
    for (uint64_t k = 0; k < out->count; k++)
        memcpy(&out->p[k], &poison, 8);
}

/* ---- in32, inout32 ---- */

static inline float *rb_floats(rb_t *b, const runner_arg_t *in)
{
    if (!in->p)
        return NULL;
    float *f = malloc((in->count ? in->count : 1) * sizeof(float));
    if (!f) {
        b->failed = 1;
        return NULL;
    }
    for (uint64_t k = 0; k < in->count; k++)
        f[k] = (float)in->p[k];
    return (float *)(b->p = f);
}

/* in32: entries the call changed go back into the input tensor. */
static inline void rb_floats_done(rb_t *b, const runner_arg_t *in)
{
    const float *f = b->p;
    for (uint64_t k = 0; f && k < in->count; k++)
        if ((float)in->p[k] != f[k] || (f[k] != f[k]) != (in->p[k] != in->p[k]))
            in->p[k] = (double)f[k];
    rb_free(b);
}

/* inout32: the floats widened into NAME_out if the call succeeded or wrote. */
static inline void rb_floats_out_done(rb_t *b, const runner_arg_t *in, const runner_arg_t *out,
                                      int64_t ret)
{
    const float *f = b->p;
    int changed = ret == 0;
    for (uint64_t k = 0; f && k < in->count && !changed; k++) {
        float was = (float)in->p[k];
        changed = memcmp(&was, &f[k], sizeof was) != 0;
    }
    for (uint64_t k = 0; f && out->p && changed && k < out->count; k++)
        out->p[k] = (double)f[k];
    rb_free(b);
}

/* ---- bytes, text ---- */

static inline unsigned char *rb_bytes(rb_t *b, const runner_arg_t *in, int nul)
{
    if (!in->p)
        return NULL;
    unsigned char *u = rb_guarded(b, in->count + (nul ? 1 : 0));
    if (!u)
        return NULL;
    for (uint64_t k = 0; k < in->count; k++)
        u[k] = rb_byte_of(in->p[k]);
    if (nul)
        u[in->count] = 0;
    return (unsigned char *)(b->p = u);
}

static inline void rb_bytes_done(rb_t *b, const runner_arg_t *in)
{
    const unsigned char *u = b->p;
    for (uint64_t k = 0; u && k < in->count; k++)
        if (u[k] != rb_byte_of(in->p[k]))
            in->p[k] = u[k];
    rb_free(b);
}

/* ---- bytes_out, text_out ---- */

static inline unsigned char *rb_bytes_out(rb_t *b, const runner_arg_t *out)
{
    if (!out->p)
        return NULL;
    unsigned char *u = rb_guarded(b, out->count);
    for (uint64_t k = 0; u && k < out->count; k++)
        u[k] = rb_fill_byte(k);
    return (unsigned char *)(b->p = u);
}

static inline void rb_bytes_out_done(rb_t *b, const runner_arg_t *out, int64_t ret)
{
    const unsigned char *u = b->p;
    int changed = ret == 0;
    for (uint64_t k = 0; u && k < out->count && !changed; k++)
        changed = u[k] != rb_fill_byte(k);
    for (uint64_t k = 0; u && changed && k < out->count; k++)
        out->p[k] = (double)u[k];
    rb_free(b);
}

/* ---- size_out ---- */

static inline size_t *rb_sizes(rb_t *b, const runner_arg_t *out)
{
    if (!out->p)
        return NULL;
    size_t *s = malloc((out->count ? out->count : 1) * sizeof(size_t));
    if (!s) {
        b->failed = 1;
        return NULL;
    }
    for (uint64_t k = 0; k < out->count; k++)
        s[k] = RB_SIZE_UNSET;
    return (size_t *)(b->p = s);
}

static inline void rb_sizes_done(rb_t *b, const runner_arg_t *out)
{
    const size_t *s = b->p;
    for (uint64_t k = 0; s && k < out->count; k++)
        if (s[k] != RB_SIZE_UNSET)
            out->p[k] = (double)s[k];
    rb_free(b);
}

/* ---- index ---- */

static inline size_t rb_index_of(double d) { return d >= 0 && d < 1.8e19 ? (size_t)d : SIZE_MAX; }

static inline size_t *rb_indices(rb_t *b, const runner_arg_t *in)
{
    if (!in->p)
        return NULL;
    size_t *s = (size_t *)rb_guarded(b, in->count * sizeof(size_t));
    for (uint64_t k = 0; s && k < in->count; k++)
        s[k] = rb_index_of(in->p[k]);
    return (size_t *)(b->p = s);
}

static inline void rb_indices_done(rb_t *b, const runner_arg_t *in)
{
    const size_t *s = b->p;
    for (uint64_t k = 0; s && k < in->count; k++)
        if (s[k] != rb_index_of(in->p[k]))
            in->p[k] = (double)s[k];
    rb_free(b);
}

/* ---- int64_out ---- */

#define RB_INT64_UNSET (INT64_MIN + 7)

static inline int64_t *rb_int64s(rb_t *b, const runner_arg_t *out)
{
    if (!out->p)
        return NULL;
    int64_t *s = (int64_t *)rb_guarded(b, out->count * sizeof(int64_t));
    for (uint64_t k = 0; s && k < out->count; k++)
        s[k] = RB_INT64_UNSET;
    return (int64_t *)(b->p = s);
}

static inline void rb_int64s_done(rb_t *b, const runner_arg_t *out)
{
    const int64_t *s = b->p;
    for (uint64_t k = 0; s && k < out->count; k++)
        if (s[k] != RB_INT64_UNSET)
            out->p[k] = s[k] <= 9007199254740992 && s[k] >= -9007199254740992 ? (double)s[k] : (double)NAN;
    rb_free(b);
}

/* ---- texts ---- */

/* The strings of *in (each's bytes and a 0; -1 for NULL), their bytes
 * first and the pointers last in one guarded mapping. */
static inline const char *const *rb_texts(rb_t *b, const runner_arg_t *in)
{
    if (!in->p)
        return NULL;
    size_t n = 0;
    for (uint64_t k = 0; k < in->count; k++)
        n += in->p[k] == 0 || in->p[k] == -1;
    size_t bytes = (in->count + sizeof(char *) - 1) / sizeof(char *) * sizeof(char *);
    unsigned char *u = rb_guarded(b, bytes + n * sizeof(char *));
    if (!u)
        return NULL;
    const char **ptr = (const char **)(void *)(u + bytes);
    for (uint64_t k = 0, s = 0, start = 0; k < in->count; k++) {
        u[k] = rb_byte_of(in->p[k]);
        if (in->p[k] == -1)
            ptr[s++] = NULL, start = k + 1;
        else if (in->p[k] == 0)
            ptr[s++] = (const char *)u + start, start = k + 1;
    }
    b->p = u;
    return ptr;
}

static inline void rb_texts_done(rb_t *b, const runner_arg_t *in)
{
    const unsigned char *u = b->p;
    for (uint64_t k = 0; u && k < in->count; k++)
        if (in->p[k] != -1 && u[k] != rb_byte_of(in->p[k]))
            in->p[k] = u[k];
    rb_free(b);
}

/* ---- record, record_out ---- */

typedef void rb_load_t(void *record, const double *w);
typedef void rb_store_t(const void *record, double *w);

/* count / per records of `size` bytes each, loaded from *in. */
static inline void *rb_records(rb_t *b, const runner_arg_t *in, size_t size, size_t per, rb_load_t *load)
{
    if (!in->p)
        return NULL;
    size_t n = in->count / per;
    unsigned char *u = rb_guarded(b, n * size);
    for (size_t k = 0; u && k < n; k++)
        load(u + k * size, in->p + k * per);
    return b->p = u;
}

/* An input record the call changed goes back onto the wire. */
static inline void rb_records_done(rb_t *b, const runner_arg_t *in, size_t size, size_t per, rb_store_t *store)
{
    const unsigned char *u = b->p;
    double *w = u ? malloc(per * sizeof(double)) : NULL;
    for (size_t k = 0; w && k < in->count / per; k++) {
        store(u + k * size, w);
        if (memcmp(w, in->p + k * per, per * sizeof(double)) != 0)
            memcpy(in->p + k * per, w, per * sizeof(double));
    }
    free(w);
    rb_free(b);
}

static inline void *rb_records_out(rb_t *b, const runner_arg_t *out, size_t size, size_t per)
{
    if (!out->p)
        return NULL;
    size_t n = out->count / per;
    unsigned char *u = rb_guarded(b, n * size);
    for (size_t k = 0; u && k < n * size; k++)
        u[k] = rb_fill_byte(k);
    return b->p = u;
}

static inline void rb_records_out_done(rb_t *b, const runner_arg_t *out, size_t size, size_t per,
                                       rb_store_t *store, int64_t ret)
{
    const unsigned char *u = b->p;
    size_t n = out->count / per;
    int changed = ret == 0;
    for (size_t k = 0; u && k < n * size && !changed; k++)
        changed = u[k] != rb_fill_byte(k);
    for (size_t k = 0; u && changed && k < n; k++)
        store(u + k * size, out->p + k * per);
    rb_free(b);
}

#endif
