/*
 * wire.c - the judge's side of the wire protocol (protocol.h): a call's
 * request encoded, checked against the adapter's table, and the runner's
 * answer decoded into the call.  Nothing here runs or trusts the runner:
 * an answer is decoded only when it is complete and exactly the right size.
 */
#define _GNU_SOURCE
#include "engine.h"
#include "protocol.h"
#include "runner.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int grow(char **p, size_t *cap, size_t need, size_t first)
{
    if (need <= *cap)
        return 1;
    size_t c = *cap ? *cap : first;
    while (c < need)
        c *= 2;
    char *q = realloc(*p, c);
    if (!q)
        return 0;
    *p = q;
    *cap = c;
    return 1;
}

void put(buf_t *b, const void *data, size_t n)
{
    if (!grow(&b->p, &b->cap, b->len + n, 4096)) {
        fprintf(stderr, "grader: out of memory\n");
        engine_exit(2);
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
}

/* The argument table first, then the input tensors' data (protocol.h). */
void encode(const call_t *c, buf_t *b)
{
    uint32_t magic = c->oom == ALLOC_FAULT_EVERY ? REQ_MAGIC_OOM : c->oom > 0 ? REQ_MAGIC_OOM_NTH : REQ_MAGIC;
    uint32_t nth = c->oom > 0 ? (uint32_t)c->oom : 0, len = (uint32_t)strlen(c->func), n = (uint32_t)c->nargs;
    if (c->repeat > 1) {
        uint32_t repeat_magic = REQ_REPEAT_MAGIC, times = c->repeat;
        put(b, &repeat_magic, 4);
        put(b, &times, 4);
    }
    put(b, &magic, 4);
    if (magic == REQ_MAGIC_OOM_NTH)
        put(b, &nth, 4);
    put(b, &len, 4);
    put(b, c->func, len);
    put(b, &n, 4);
    for (int i = 0; i < c->nargs; i++) {
        const call_arg_t *a = &c->args[i];
        uint8_t kind = (uint8_t)a->kind;
        uint64_t count = a->count;
        put(b, &kind, 1);
        if (a->kind == ARG_IN || a->kind == ARG_OUT)
            put(b, &count, 8);
        if (a->kind == ARG_SIZE)
            put(b, &a->z, 8);
        if (a->kind == ARG_REAL)
            put(b, &a->d, 8);
        if (a->kind == ARG_INT)
            put(b, &a->l, 8);
    }
    for (int i = 0; i < c->nargs; i++)
        if (c->args[i].kind == ARG_IN)
            put(b, c->args[i].in, c->args[i].count * sizeof(double));
}

/* The judge checks its own request against the adapter's table (linked into
 * the judge as well), so a runner that says "bad request" can only mean the
 * student's code interfered.  NULL (and a grader-bug failure) if malformed. */
const runner_fn_t *valid_request(call_t *c)
{
    const runner_fn_t *fn = runner_functions;
    while (fn->name && strcmp(fn->name, c->func) != 0)
        fn++;
    uint64_t bytes = GUARD_GAP;
    const char *why = c->overflow ? "too many arguments" :
                      !fn->name ? "no such function in the lab's adapter" :
                      strlen(c->func) > MAX_NAME ? "function name too long" :
                      strlen(fn->sig) != (size_t)c->nargs ? "wrong number of arguments" : NULL;
    for (int i = 0; !why && i < c->nargs; i++) {
        char want = fn->sig[i], kind = c->args[i].kind;
        if (want == 'p' ? !(kind == ARG_IN || kind == ARG_OUT || kind == ARG_NULL)
                        : kind != (want == 'z' ? ARG_SIZE : want == 'd' ? ARG_REAL : ARG_INT))
            why = "an argument's kind does not match the function's signature";
        else if ((kind == ARG_IN || kind == ARG_OUT) && c->args[i].count > MAX_TENSOR)
            why = "a tensor larger than the runner accepts";
        else if (kind == ARG_IN && c->args[i].count && !c->args[i].in)
            why = "an input tensor without data";
        if (kind == ARG_IN || kind == ARG_OUT)
            bytes += (c->args[i].count + 2 * GUARD) * sizeof(double) + 4096 + GUARD_GAP;
    }
    if (!why && bytes > MEMORY_LIMIT / 2)
        why = "its tensors take more than half of the runner's memory limit";
    if (!why)
        return fn;
    judge_fail_why(c->j, JUDGE_WHY_GRADER, "grader bug: the request for %s is malformed: %s", c->func, why);
    judge_internal_error();
    return NULL;
}

/* The one message the runner may send when it did not answer: a message that
 * is exactly `size` bytes long and starts with `magic`. */
int message_is(const outcome_t *o, uint32_t magic, size_t size)
{
    return o->res.len == size && memcmp(o->res.p, &magic, 4) == 0;
}

/* 1: a complete, well-formed answer, decoded; 0: a complete "function
 * missing" answer (failure recorded); -1: anything else. */
int decode(call_t *c, const outcome_t *o)
{
    const char *p = o->res.p;
    size_t len = o->res.len, at = 0;
    uint32_t magic = 0, ntensors = 0, want_tensors = 0;
    uint8_t status = 0;
    int64_t ret = 0;
#define TAKE(dst, n) do { if (at + (n) > len) return -1; memcpy((dst), p + at, (n)); at += (n); } while (0)
    TAKE(&magic, 4);
    if (magic != RES_MAGIC)
        return -1;
    TAKE(&status, 1);
    if (status != RES_CALLED && status != RES_MISSING)
        return -1;
    TAKE(&ret, 8);
    uint64_t leaks[2];
    TAKE(leaks, sizeof leaks);
    TAKE(&ntensors, 4);
    for (int i = 0; i < c->nargs; i++)
        want_tensors += c->args[i].kind == ARG_IN || c->args[i].kind == ARG_OUT;
    if (ntensors != want_tensors)
        return -1;
    for (int i = 0; i < c->nargs; i++) {
        call_arg_t *a = &c->args[i];
        if (a->kind != ARG_IN && a->kind != ARG_OUT)
            continue;
        uint64_t total;
        TAKE(&total, 8);
        if (total != a->count + 2 * GUARD || at + total * sizeof(double) > len)
            return -1;
        free(a->back);
        a->back = malloc(total * sizeof(double));
        if (!a->back) {
            fprintf(stderr, "grader: out of memory\n");
            engine_exit(2);
        }
        TAKE(a->back, total * sizeof(double));
    }
#undef TAKE
    if (at != len)
        return -1;
    if (status == RES_MISSING) {
        judge_fail_why(c->j, JUDGE_WHY_MISSING, "function %s is not defined in %s: it was deleted, renamed or "
                   "made static", c->func, judge_sources_text());
        return 0;
    }
    c->ret = ret;
    c->leaked = leaks[0];
    c->leaked_bytes = leaks[1];
    return 1;
}

