/*
 * adapter.c - Lab 05's functions as the runner calls them (see runner.h).
 *
 * The wire carries double tensors only, so this file (it runs inside the
 * sandboxed runner, next to the student's code) converts:
 *   - in-place functions get a copy: "w" comes in, is copied to the output
 *     tensor "w_out", and the student's function updates that;
 *   - float arrays (lab05.6) are rounded from the doubles and widened back;
 *   - bytes travel one double per byte (0..255), strings the same without
 *     their NUL; byte buffers live in memory whose end touches an
 *     inaccessible page, so a read or write past the end is a crash the
 *     judge reports (segmentation fault), never a silent success;
 *   - size_t results (len, dims) come back as doubles.
 * The *_cycles entries call the student's switch many times in one runner
 * (round the tasks given, back and forth for two) so the judge can measure
 * drift.
 */
#define _DEFAULT_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "merge_switch.h"
#include "runner.h"
#include "safetensors.h"

#pragma weak lora_merge
#pragma weak lora_unmerge
#pragma weak lora_switch
#pragma weak lora_to_linear
#pragma weak lora_swap_count
#pragma weak lora_switch_f32
#pragma weak lora_switch_from_base
#pragma weak st_encode_lora
#pragma weak st_decode_lora
#pragma weak peft_config_json
#pragma weak adapter_overhead_gpu_seconds_per_hour
#pragma weak extra_gpus_needed

#define BAD_CALL (-99) /* the adapter itself could not set the call up */

/* n bytes whose end touches a PROT_NONE page; *map and *maplen for munmap. */
static unsigned char *guarded_bytes(size_t n, void **map, size_t *maplen)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t data_pages = (n + page - 1) / page;
    size_t len = (data_pages + 1) * page;
    void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return NULL;
    if (mprotect((char *)m + data_pages * page, page, PROT_NONE) != 0) {
        munmap(m, len);
        return NULL;
    }
    *map = m, *maplen = len;
    return (unsigned char *)m + data_pages * page - n;
}

/* Byte i of the fill pattern (so "nothing written" can be told apart). */
static unsigned char fill_byte(size_t i) { return (unsigned char)(0xA5 ^ (i * 37u)); }

static void to_bytes(const double *d, unsigned char *u, size_t n)
{
    for (size_t i = 0; i < n; i++)
        u[i] = (unsigned char)(d[i] >= 0 && d[i] <= 255 ? (int)d[i] : 0);
}

/* Copy the byte buffer back as doubles if it was written at all (or ok). */
static void bytes_back(const unsigned char *u, double *d, size_t n, int ok)
{
    int changed = ok;
    for (size_t i = 0; i < n && !changed; i++)
        changed = u[i] != fill_byte(i);
    if (changed)
        for (size_t i = 0; i < n; i++)
            d[i] = (double)u[i];
}

/* A NUL-terminated copy of a byte tensor (a string argument). */
static char *string_of(const double *d, size_t n)
{
    char *s = malloc(n + 1);
    if (s) {
        to_bytes(d, (unsigned char *)s, n);
        s[n] = '\0';
    }
    return s;
}

/* ---- lab05.1 - lab05.7 ---- */

static int64_t call_merge(const runner_arg_t *a)
{
    memcpy(RP(7), RP(0), a[0].count * sizeof(double));
    return lora_merge(RP(7), RP(1), RP(2), RZ(3), RZ(4), RZ(5), RD(6));
}

static int64_t call_unmerge(const runner_arg_t *a)
{
    memcpy(RP(7), RP(0), a[0].count * sizeof(double));
    return lora_unmerge(RP(7), RP(1), RP(2), RZ(3), RZ(4), RZ(5), RD(6));
}

static int64_t call_switch(const runner_arg_t *a)
{
    memcpy(RP(9), RP(0), a[0].count * sizeof(double));
    return lora_switch(RP(9), RP(1), RP(2), RP(3), RP(4), RZ(5), RZ(6), RZ(7), RD(8));
}

/*
 * The *_cycles entries: w (task 0 merged), a_all (n_tasks stacked A's),
 * b_all (n_tasks stacked B's), n_tasks, d_in, d_out, r, alpha (or the float
 * scale), n_switches, w_out.  Switch k goes from task k % n_tasks to task
 * (k + 1) % n_tasks: with 2 tasks, back and forth.
 */
#define TASK_A(t) (RP(1) + (t) * RZ(6) * RZ(4))
#define TASK_B(t) (RP(2) + (t) * RZ(5) * RZ(6))

static int64_t call_switch_cycles(const runner_arg_t *a)
{
    double *w = RP(9);
    size_t T = RZ(3);
    memcpy(w, RP(0), a[0].count * sizeof(double));
    for (size_t s = 0; s < RZ(8) && T > 0; s++) {
        size_t from = s % T, to = (s + 1) % T;
        int rc = lora_switch(w, TASK_A(from), TASK_B(from), TASK_A(to), TASK_B(to), RZ(4), RZ(5),
                             RZ(6), RD(7));
        if (rc != LAB_OK)
            return rc;
    }
    return LAB_OK;
}

static int64_t call_to_linear(const runner_arg_t *a)
{
    return lora_to_linear(RP(0), RP(1), RP(2), RP(3), RZ(4), RZ(5), RZ(6), RD(7), RP(8), RP(9));
}

static int64_t call_swap_count(const runner_arg_t *a)
{
    return lora_swap_count(RZ(0), RZ(1), RZ(2), RZ(3), RP(4), RP(5));
}

/* Floats: w, a1, b1, a2, b2 rounded from the doubles, w widened back. */
static float *floats_of(const runner_arg_t *arg)
{
    float *f = malloc((arg->count ? arg->count : 1) * sizeof(float));
    if (f)
        for (uint64_t i = 0; i < arg->count; i++)
            f[i] = arg->p ? (float)arg->p[i] : 0.0f;
    return f;
}

static int64_t call_switch_f32(const runner_arg_t *a)
{
    float *f[5];
    int64_t rc = LAB_OK;
    for (int i = 0; i < 5; i++)
        f[i] = floats_of(&a[i]);
    if (!f[0] || !f[1] || !f[2] || !f[3] || !f[4])
        rc = BAD_CALL;
    if (rc == LAB_OK)
        rc = lora_switch_f32(f[0], f[1], f[2], f[3], f[4], RZ(5), RZ(6), RZ(7), (float)RD(8));
    if (rc == LAB_OK)
        for (uint64_t i = 0; i < a[0].count; i++)
            RP(9)[i] = (double)f[0][i];
    for (int i = 0; i < 5; i++)
        free(f[i]);
    return rc;
}

static int64_t call_switch_f32_cycles(const runner_arg_t *a)
{
    float *w = floats_of(&a[0]), *fa = floats_of(&a[1]), *fb = floats_of(&a[2]);
    size_t T = RZ(3), na = RZ(6) * RZ(4), nb = RZ(5) * RZ(6);
    int64_t rc = w && fa && fb ? LAB_OK : BAD_CALL;
    for (size_t s = 0; s < RZ(8) && T > 0 && rc == LAB_OK; s++) {
        size_t from = s % T, to = (s + 1) % T;
        rc = lora_switch_f32(w, fa + from * na, fb + from * nb, fa + to * na, fb + to * nb, RZ(4),
                             RZ(5), RZ(6), (float)RD(7));
    }
    if (rc == LAB_OK)
        for (uint64_t i = 0; i < a[0].count; i++)
            RP(9)[i] = (double)w[i];
    free(w), free(fa), free(fb);
    return rc;
}

static int64_t call_from_base(const runner_arg_t *a)
{
    return lora_switch_from_base(RP(7), RP(0), RP(1), RP(2), RZ(3), RZ(4), RZ(5), RD(6));
}

/* As the *_cycles above, with w = w0 the kept base (never changed). */
static int64_t call_from_base_cycles(const runner_arg_t *a)
{
    size_t T = RZ(3);
    memcpy(RP(9), RP(0), a[0].count * sizeof(double));
    for (size_t s = 0; s < RZ(8) && T > 0; s++) {
        size_t to = (s + 1) % T;
        int rc = lora_switch_from_base(RP(9), RP(0), TASK_A(to), TASK_B(to), RZ(4), RZ(5), RZ(6),
                                       RD(7));
        if (rc != LAB_OK)
            return rc;
    }
    return LAB_OK;
}

/* ---- lab05.8 - lab05.10 ---- */

/* module (bytes), a, b, d_in, d_out, r, dtype, cap, buf_out (cap), len_out (1) */
static int64_t call_encode(const runner_arg_t *a)
{
    size_t cap = RZ(7), len = (size_t)-7, maplen = 0;
    void *map = NULL;
    char *module = a[0].p ? string_of(RP(0), a[0].count) : NULL;
    unsigned char *buf = guarded_bytes(cap, &map, &maplen);
    if ((a[0].p && !module) || !buf) {
        free(module);
        return BAD_CALL;
    }
    for (size_t i = 0; i < cap; i++)
        buf[i] = fill_byte(i);
    int rc = st_encode_lora(module, RP(1), RP(2), RZ(3), RZ(4), RZ(5), RL(6),
                            a[8].p ? buf : NULL, cap, a[9].p ? &len : NULL);
    if (a[8].p)
        bytes_back(buf, RP(8), cap, rc == LAB_OK);
    if (a[9].p && len != (size_t)-7)
        RP(9)[0] = (double)len;
    free(module);
    munmap(map, maplen);
    return rc;
}

/* bytes (n), module_cap, cap_a, cap_b, module_out, a_out, b_out, dims_out (3) */
static int64_t call_decode(const runner_arg_t *a)
{
    size_t n = a[0].count, mcap = RZ(1), maplen = 0, maplen2 = 0;
    void *map = NULL, *map2 = NULL;
    unsigned char *bytes = guarded_bytes(n, &map, &maplen);
    unsigned char *module = guarded_bytes(mcap, &map2, &maplen2);
    if (!bytes || !module)
        return BAD_CALL;
    if (a[0].p)
        to_bytes(RP(0), bytes, n);
    for (size_t i = 0; i < mcap; i++)
        module[i] = fill_byte(i);
    size_t dims[3] = {(size_t)-7, (size_t)-7, (size_t)-7};
    int rc = st_decode_lora(a[0].p ? bytes : NULL, n, a[4].p ? (char *)module : NULL, mcap, RP(5),
                            RZ(2), RP(6), RZ(3), a[7].p ? dims : NULL);
    if (a[4].p)
        bytes_back(module, RP(4), mcap, rc == LAB_OK);
    if (a[7].p)
        for (int i = 0; i < 3; i++)
            if (dims[i] != (size_t)-7)
                RP(7)[i] = (double)dims[i];
    munmap(map, maplen);
    munmap(map2, maplen2);
    return rc;
}

/*
 * Many decodes in one runner (the fuzz test): bytes_all (the files one after
 * another), lens (n_cases), n_cases, cap, rcs_out (n_cases), dims_out
 * (3 n_cases), a_out and b_out (cap n_cases each).  Each file gets its own
 * buffer ending at an inaccessible page.
 */
static int64_t call_decode_batch(const runner_arg_t *a)
{
    size_t n_cases = RZ(2), cap = RZ(3), at = 0;
    for (size_t k = 0; k < n_cases; k++) {
        size_t n = (size_t)RP(1)[k], maplen = 0;
        void *map = NULL;
        if (n > a[0].count - at)
            return BAD_CALL;
        unsigned char *bytes = guarded_bytes(n, &map, &maplen);
        if (!bytes)
            return BAD_CALL;
        to_bytes(RP(0) + at, bytes, n);
        at += n;
        char module[256];
        size_t dims[3];
        int rc = st_decode_lora(bytes, n, module, sizeof module, RP(6) + k * cap, cap,
                                RP(7) + k * cap, cap, dims);
        RP(4)[k] = rc;
        if (rc == LAB_OK)
            for (int i = 0; i < 3; i++)
                RP(5)[3 * k + i] = (double)dims[i];
        munmap(map, maplen);
    }
    return LAB_OK;
}

/* r, alpha, targets (bytes), cap, out (cap), len_out (1) */
static int64_t call_config(const runner_arg_t *a)
{
    size_t cap = RZ(3), len = (size_t)-7, maplen = 0;
    void *map = NULL;
    char *targets = a[2].p ? string_of(RP(2), a[2].count) : NULL;
    unsigned char *out = guarded_bytes(cap, &map, &maplen);
    if ((a[2].p && !targets) || !out) {
        free(targets);
        return BAD_CALL;
    }
    for (size_t i = 0; i < cap; i++)
        out[i] = fill_byte(i);
    int rc = peft_config_json(RZ(0), RD(1), targets, a[4].p ? (char *)out : NULL, cap,
                              a[5].p ? &len : NULL);
    if (a[4].p)
        bytes_back(out, RP(4), cap, rc == LAB_OK);
    if (a[5].p && len != (size_t)-7)
        RP(5)[0] = (double)len;
    free(targets);
    munmap(map, maplen);
    return rc;
}

/* The course's questions (lab05.11, lab05.12): three doubles in, one out. */
static int64_t call_overhead(const runner_arg_t *a)
{
    return adapter_overhead_gpu_seconds_per_hour(RD(0), RD(1), RD(2), RP(3));
}

static int64_t call_extra_gpus(const runner_arg_t *a)
{
    return extra_gpus_needed(RD(0), RD(1), RD(2), RP(3));
}

const runner_fn_t runner_functions[] = {
    {"lora_merge", "pppzzzdp", (runner_addr_t)lora_merge, call_merge},
    {"lora_unmerge", "pppzzzdp", (runner_addr_t)lora_unmerge, call_unmerge},
    {"lora_switch", "pppppzzzdp", (runner_addr_t)lora_switch, call_switch},
    {"lora_switch_cycles", "pppzzzzdzp", (runner_addr_t)lora_switch, call_switch_cycles},
    {"lora_to_linear", "ppppzzzdpp", (runner_addr_t)lora_to_linear, call_to_linear},
    {"lora_swap_count", "zzzzpp", (runner_addr_t)lora_swap_count, call_swap_count},
    {"lora_switch_f32", "pppppzzzdp", (runner_addr_t)lora_switch_f32, call_switch_f32},
    {"lora_switch_f32_cycles", "pppzzzzdzp", (runner_addr_t)lora_switch_f32, call_switch_f32_cycles},
    {"lora_switch_from_base", "pppzzzdp", (runner_addr_t)lora_switch_from_base, call_from_base},
    {"lora_switch_from_base_cycles", "pppzzzzdzp", (runner_addr_t)lora_switch_from_base,
     call_from_base_cycles},
    {"st_encode_lora", "pppzzzlzpp", (runner_addr_t)st_encode_lora, call_encode},
    {"st_decode_lora", "pzzzpppp", (runner_addr_t)st_decode_lora, call_decode},
    {"st_decode_lora_batch", "ppzzpppp", (runner_addr_t)st_decode_lora, call_decode_batch},
    {"peft_config_json", "zdpzpp", (runner_addr_t)peft_config_json, call_config},
    {"adapter_overhead_gpu_seconds_per_hour", "dddp",
     (runner_addr_t)adapter_overhead_gpu_seconds_per_hour, call_overhead},
    {"extra_gpus_needed", "dddp", (runner_addr_t)extra_gpus_needed, call_extra_gpus},
    {0, 0, 0, 0},
};
