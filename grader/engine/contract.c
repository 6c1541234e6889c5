/*
 * contract.c - calls built from a function's description (describe.h), the
 * reference run on the same values, and the contract tests derived from the
 * description: NULL pointers, arguments out of range, the edges of the
 * ranges, inputs unchanged, NaN and Inf, out of memory (every allocation
 * failing, for the student in the runner and for the reference here alike:
 * alloc_fault.c) and nothing left allocated when the call returns.
 *
 * Every derived test first makes a valid call on the description's example
 * sizes and random inputs, which must match the reference: a stub that
 * returns LAB_EARG for everything earns none of these points.  Each further
 * case is compared with the reference on the same values: the same return
 * value, and then either every output untouched (rejected) or every output
 * within 1e-9 of the reference's.  A case the description calls rejected
 * that the reference accepts (or the reverse) is a grader error (exit 2):
 * the description is wrong, not the student.
 */
#include "describe.h"
#include "engine.h"
#include "runner.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONTRACT_TOL 1e-9

/* Weak: a lab without a functions.txt has no lab_functions[] (and no derived tests). */
extern const fn_desc_t lab_functions[] __attribute__((weak));

const fn_desc_t *fn_described(const char *name)
{
    if (!lab_functions)
        return NULL;
    for (const fn_desc_t *d = lab_functions; d->name; d++)
        if (strcmp(d->name, name) == 0)
            return d;
    return NULL;
}

static void *alloc_or_die(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "grader: out of memory\n");
        engine_exit(2);
    }
    return p;
}

static int is_tensor(char kind) { return kind == ARG_IN || kind == ARG_OUT; }

/* Buffer kinds (describe.h): an inout's ARG_out is NULL with its ARG, and a
 * text argument's length is its value's, not a shape's. */
static int is_null_value(const fn_desc_t *d, const fn_value_t *v, int i)
{
    return v[i].is_null || (d->args[i].companion && i > 0 && v[i - 1].is_null);
}

static uint64_t value_count(const fn_desc_t *d, const fn_value_t *v, const uint64_t *count, int i)
{
    return d->args[i].buffer == 't' || d->args[i].buffer == 'L' ? v[i].text_len : count[i];
}

call_t *call_values(judge_t *j, const fn_desc_t *d, fn_value_t *v)
{
    uint64_t count[DESC_MAX_ARGS] = {0}, max[DESC_MAX_ARGS] = {0};
    d->shapes(v, count, max);
    call_t *c = call_new(j, d->name);
    for (int i = 0; i < d->nwire; i++) {
        const fn_arg_desc_t *a = &d->args[i];
        if (a->pointer_flag)
            call_int(c, a->name, v[i].is_null ? 0 : 1);
        else if (is_tensor(a->kind) && is_null_value(d, v, i))
            call_null(c, a->name);
        else if (a->kind == ARG_IN)
            call_in(c, a->name, v[i].in, value_count(d, v, count, i));
        else if (a->kind == ARG_OUT)
            call_out(c, a->name, count[i]);
        else if (a->kind == ARG_SIZE)
            call_size(c, a->name, v[i].z);
        else if (a->kind == ARG_REAL)
            call_real(c, a->name, v[i].d);
        else
            call_int(c, a->name, v[i].l);
    }
    return c;
}

/* The description of `name`; none: a grader error, exit 2. */
static const fn_desc_t *described(const char *name)
{
    const fn_desc_t *d = fn_described(name);
    if (!d) {
        fprintf(stderr, "grader: %s is not described in this lab's functions.txt\n", name);
        engine_exit(2);
    }
    return d;
}

call_t *call_described(judge_t *j, const char *name, fn_value_t *v)
{
    return call_values(j, described(name), v);
}

long long reference_values(const fn_desc_t *d, fn_value_t *v, double **out)
{
    const runner_fn_t *fn = runner_functions;
    while (fn->name && strcmp(fn->name, d->name) != 0)
        fn++;
    if (!fn->name || !fn->addr) {
        fprintf(stderr, "grader: the reference has no %s\n", d->name);
        engine_exit(2);
    }
    uint64_t count[DESC_MAX_ARGS] = {0}, max[DESC_MAX_ARGS] = {0};
    d->shapes(v, count, max);
    runner_arg_t a[DESC_MAX_ARGS];
    double *in_copy[DESC_MAX_ARGS] = {0};
    memset(a, 0, sizeof a);
    for (int i = 0; i < d->nargs; i++)
        out[i] = NULL;
    for (int i = 0; i < d->nwire; i++) {
        char kind = d->args[i].kind;
        a[i].kind = kind;
        a[i].z = v[i].z;
        a[i].d = v[i].d;
        a[i].l = d->args[i].pointer_flag ? !v[i].is_null : v[i].l;
        if (!is_tensor(kind) || is_null_value(d, v, i)) {
            a[i].kind = is_tensor(kind) ? ARG_NULL : kind;
            continue;
        }
        count[i] = value_count(d, v, count, i);
        a[i].count = count[i];
        double *p = alloc_or_die(count[i] * sizeof(double));
        if (kind == ARG_IN) {
            memcpy(p, v[i].in, count[i] * sizeof(double));
            in_copy[i] = p; /* the reference's inputs: its own copy */
        } else {
            uint64_t poison = POISON_BITS;
            for (uint64_t k = 0; k < count[i]; k++)
                memcpy(&p[k], &poison, 8);
            out[i] = p;
        }
        a[i].p = p;
    }
    int saved = stderr_silence(); /* the reference explains rejections on stderr */
    alloc_leaks_reset();
    long long ret = fn->call(a);
    stderr_restore(saved);
    unsigned long long leaked, leaked_bytes;
    alloc_leaks(&leaked, &leaked_bytes);
    alloc_leaks_reset();
    if (leaked && !d->gives_memory) { /* the policy the oom test holds the student to */
        fprintf(stderr, "grader: the reference's %s left %llu allocation(s) (%llu bytes) allocated: "
                "free them, or describe it as `gives memory` (functions.txt)\n", d->name, leaked, leaked_bytes);
        engine_exit(2);
    }
    for (int i = 0; i < d->nwire; i++)
        free(in_copy[i]);
    return ret;
}

/* ---- one case: values for every argument, inputs drawn at random ---- */

typedef struct {
    const fn_desc_t *d;
    fn_value_t v[DESC_MAX_ARGS];
    uint64_t count[DESC_MAX_ARGS], max[DESC_MAX_ARGS];
    double *data[DESC_MAX_ARGS]; /* the input tensors' values */
    char what[160];         /* the case in words, for the report */
    int oom;                /* every allocation fails during the call (alloc_fault.c) */
    const char *leak_path;  /* check that the call frees what it allocates; the case in words */
} case_t;

static void case_texts(case_t *c, int i, uint64_t n, uint64_t null_at);

/* Counts from the sizes now in c->v, and fresh random inputs of that size
 * (an index tensor's entries are integers, describe.h; records come from
 * the lab's example function, texts from the example's words). */
static void case_fill(judge_t *j, case_t *c)
{
    memset(c->count, 0, sizeof c->count);
    memset(c->max, 0, sizeof c->max);
    c->d->shapes(c->v, c->count, c->max);
    for (int i = 0; i < c->d->nargs; i++) {
        if (c->d->args[i].kind != ARG_IN)
            continue;
        if (c->d->args[i].buffer == 't') {
            c->count[i] = c->v[i].text_len;
            continue;
        }
        if (c->d->args[i].buffer == 'L') {
            case_texts(c, i, c->count[i], UINT64_MAX);
            continue;
        }
        free(c->data[i]);
        if (c->d->args[i].fill) {
            c->data[i] = alloc_or_die(c->count[i] * sizeof(double));
            memset(c->data[i], 0, c->count[i] * sizeof(double));
            c->d->args[i].fill(j, c->v, c->data[i], c->count[i]);
            c->v[i].in = c->data[i];
            continue;
        }
        c->data[i] = alloc_or_die(c->count[i] * sizeof(double));
        if (c->d->args[i].index) /* integers below max[i] (0 when there are none) */
            for (uint64_t k = 0; k < c->count[i]; k++)
                c->data[i][k] = c->max[i] ? (double)rng_below(judge_rng(j), c->max[i]) : 0.0;
        else
            rng_fill_uniform(judge_rng(j), c->data[i], c->count[i], -1, 1);
        if (c->d->args[i].buffer == 'b') /* bytes: one double 0..255 per byte */
            for (uint64_t k = 0; k < c->count[i]; k++)
                c->data[i][k] = (double)rng_below(judge_rng(j), 256);
        for (uint64_t k = 0; c->d->args[i].n_values > 0 && k < c->count[i]; k++)
            c->data[i][k] = c->d->args[i].values[rng_below(judge_rng(j), (uint64_t)c->d->args[i].n_values)];
        c->v[i].in = c->data[i];
    }
}

/* Text argument i holds s (its bytes as doubles, without the NUL). */
static void case_text(case_t *c, int i, const char *s)
{
    size_t n = strlen(s);
    free(c->data[i]);
    c->data[i] = alloc_or_die(n * sizeof(double));
    for (size_t k = 0; k < n; k++)
        c->data[i][k] = (unsigned char)s[k];
    c->v[i].in = c->data[i];
    c->v[i].text_len = c->count[i] = n;
}

/* Texts argument i holds n strings, the example's words in turn, entry
 * null_at NULL (none: UINT64_MAX); on the wire each string's bytes and a 0,
 * a NULL one -1 (runner_buffers.h). */
static void case_texts(case_t *c, int i, uint64_t n, uint64_t null_at)
{
    const fn_arg_desc_t *a = &c->d->args[i];
    uint64_t len = 0;
    for (uint64_t k = 0; k < n; k++)
        len += k == null_at ? 1 : strlen(a->words[k % (uint64_t)a->n_words]) + 1;
    free(c->data[i]);
    c->data[i] = alloc_or_die(len * sizeof(double));
    uint64_t at = 0;
    for (uint64_t k = 0; k < n; k++) {
        if (k == null_at) {
            c->data[i][at++] = -1;
            continue;
        }
        for (const char *s = a->words[k % (uint64_t)a->n_words]; *s; s++)
            c->data[i][at++] = (unsigned char)*s;
        c->data[i][at++] = 0;
    }
    c->v[i].in = c->data[i];
    c->v[i].text_len = c->count[i] = len;
}

/* Every size, real and int at the description's example. */
static void case_example(judge_t *j, const fn_desc_t *d, case_t *c)
{
    memset(c, 0, sizeof *c);
    c->d = d;
    for (int i = 0; i < d->nargs; i++) {
        const fn_arg_desc_t *a = &d->args[i];
        c->v[i].z = a->kind == ARG_SIZE || a->kind == ARG_DIM ? (uint64_t)a->example : 0;
        c->v[i].d = a->kind == ARG_REAL ? a->example : 0.0;
        c->v[i].l = a->kind == ARG_INT ? (int64_t)a->example : 0;
        if (a->buffer == 't')
            case_text(c, i, a->text);
    }
    case_fill(j, c);
}

static void case_free(case_t *c)
{
    for (int i = 0; i < DESC_MAX_ARGS; i++)
        free(c->data[i]);
}

enum { EXPECT_ACCEPTED, EXPECT_REJECTED, EXPECT_AS_REFERENCE };

/* Nothing the student's call allocated is still allocated after it (unless
 * the function gives memory to its caller): the runner's count, which only
 * the student's own code can falsify (alloc_fault.c).  path: the case. */
static int frees_its_memory(judge_t *j, const fn_desc_t *d, const call_t *call, const char *path)
{
    if (!call->leaked || d->gives_memory)
        return 1;
    judge_fail_why(j, JUDGE_WHY_LEAK, "%s leaks memory: %llu allocation%s (%llu bytes) made during the call %s still "
               "allocated when it returned, with %s. Free every block it allocates before it "
               "returns, on the error paths too.", d->name, call->leaked, call->leaked == 1 ? "" : "s",
               call->leaked_bytes, call->leaked == 1 ? "was" : "were", path);
    return 0;
}

/* The student's call of d on v against the reference's return value ref and
 * outputs want[] (count[i] entries each): the same return value, the inputs
 * unchanged (check_inputs), every output within tol, or untouched when the
 * reference rejected the call.  oom: every allocation fails during it.
 * leak_path: then nothing left allocated (frees_its_memory). */
static int student_agrees(judge_t *j, const fn_desc_t *d, fn_value_t *v, const uint64_t *count,
                          long long ref, double **want, int check_inputs, int oom, double tol,
                          const char *leak_path)
{
    call_t *call = call_values(j, d, v);
    call->oom = oom;
    int ok = call_run(call) && expect_return(j, call, ref);
    if (ok && check_inputs)
        ok = expect_inputs_unchanged(j, call);
    for (int i = 0; ok && i < d->nargs; i++) {
        if (!want[i])
            continue;
        if (d->returns_status && ref == LAB_EARG)
            ok = expect_untouched(j, call, d->args[i].name);
        else if (d->args[i].not_unique)
            continue; /* the lab's own tests check its properties */
        else
            ok = expect_close(j, d->args[i].name, call_output(call, d->args[i].name), want[i], 1,
                              count[i], tol);
    }
    if (ok && leak_path)
        ok = frees_its_memory(j, d, call, leak_path);
    call_free(call);
    return ok;
}

/* The student's call against the reference's on c's values. */
static int case_matches(judge_t *j, case_t *c, int expect, int check_inputs)
{
    const fn_desc_t *d = c->d;
    double *want[DESC_MAX_ARGS];
    alloc_fault_requested = c->oom;
    long long ref = reference_values(d, c->v, want);
    alloc_fault_requested = 0;
    int ok = 1;
    const int accepted = d->returns_count ? ref >= 0 : ref == LAB_OK;
    if (d->returns_status && ((expect == EXPECT_REJECTED && ref != LAB_EARG) ||
                              (expect == EXPECT_ACCEPTED && !accepted))) {
        judge_fail_why(j, JUDGE_WHY_GRADER,
                       "grader error: by its description (functions.txt) %s %s the case %s, but the "
                   "reference returned %lld", d->name, expect == EXPECT_REJECTED ? "rejects" : "accepts",
                   c->what, ref);
        judge_internal_error();
        ok = 0;
    }
    ok = ok && student_agrees(j, d, c->v, c->count, ref, want, check_inputs, c->oom, CONTRACT_TOL,
                              c->leak_path);
    if (!ok && c->what[0])
        judge_fail_why(j, 0, "(the case was %s)", c->what);
    for (int i = 0; i < d->nargs; i++)
        free(want[i]);
    return ok;
}

int expect_as_reference(judge_t *j, const char *name, fn_value_t *v, int flags, double tol)
{
    const fn_desc_t *d = described(name);
    uint64_t count[DESC_MAX_ARGS] = {0}, max[DESC_MAX_ARGS] = {0};
    d->shapes(v, count, max);
    for (int i = 0; i < d->nargs; i++)
        count[i] = value_count(d, v, count, i);
    double *want[DESC_MAX_ARGS];
    long long ref = reference_values(d, v, want);
    int ok = student_agrees(j, d, v, count, ref, want, (flags & EXPECT_INPUTS) != 0, 0, tol, NULL);
    for (int i = 0; i < d->nargs; i++)
        free(want[i]);
    return ok;
}

/* The valid call every derived test makes first (see the top of this file);
 * leak_path: it must free what it allocates too (the oom test). */
static int works_freeing(judge_t *j, const fn_desc_t *d, int check_inputs, const char *leak_path)
{
    case_t c;
    case_example(j, d, &c);
    c.leak_path = leak_path;
    const unsigned before = judge_why(j);
    int ok = case_matches(j, &c, EXPECT_ACCEPTED, check_inputs);
    /* A leak or a changed input says what is wrong: the result was right. */
    if (!ok && (judge_why(j) & ~before & ~(unsigned)(JUDGE_WHY_LEAK | JUDGE_WHY_INPUT))) {
        judge_blame_first_call(j);
        judge_fail_why(j, 0, "(a valid call, made first on the example sizes, must give the reference's "
                       "result: this test's points need a working %s)", d->name);
    }
    case_free(&c);
    return ok;
}

static int works(judge_t *j, const fn_desc_t *d, int check_inputs)
{
    return works_freeing(j, d, check_inputs, NULL);
}

/* "d_in = 6, d_out = 5, r = 2": the sizes of a case, for the report. */
static void sizes_text(const case_t *c, char *buf, size_t cap)
{
    size_t len = 0;
    buf[0] = 0;
    for (int i = 0; i < c->d->nargs && len < cap; i++) {
        if (!(c->d->args[i].kind == ARG_SIZE || c->d->args[i].kind == ARG_DIM) || c->d->args[i].derived)
            continue;
        int n = snprintf(buf + len, cap - len, "%s%s = %llu", len ? ", " : "", c->d->args[i].name,
                         (unsigned long long)c->v[i].z);
        if (n < 0)
            break;
        len += (size_t)n < cap - len ? (size_t)n : cap - len;
    }
}

void contract_null(judge_t *j, const fn_desc_t *d)
{
    if (!works(j, d, 0))
        return;
    for (int i = 0; i < d->nargs && !judge_failed(j); i++) {
        if (!(is_tensor(d->args[i].kind) || d->args[i].pointer_flag) || d->args[i].nullable ||
            d->args[i].companion)
            continue;
        case_t c;
        case_example(j, d, &c);
        c.v[i].is_null = 1;
        snprintf(c.what, sizeof c.what, "%s = NULL", d->args[i].name);
        case_matches(j, &c, EXPECT_REJECTED, 0);
        case_free(&c);
        if (d->args[i].buffer == 'L' && !judge_failed(j)) { /* then its last string NULL */
            case_example(j, d, &c);
            uint64_t count[DESC_MAX_ARGS] = {0}, max[DESC_MAX_ARGS] = {0};
            d->shapes(c.v, count, max);
            if (count[i] > 0) {
                case_texts(&c, i, count[i], count[i] - 1);
                snprintf(c.what, sizeof c.what, "%s[%llu] = NULL", d->args[i].name,
                         (unsigned long long)count[i] - 1);
                case_matches(j, &c, EXPECT_REJECTED, 0);
            }
            case_free(&c);
        }
    }
}

/* One rejected value of argument i: sizes given by z, reals and ints by x. */
static void reject_one(judge_t *j, const fn_desc_t *d, int i, uint64_t z, double x)
{
    case_t c;
    case_example(j, d, &c);
    const fn_arg_desc_t *a = &d->args[i];
    if (a->kind == ARG_SIZE || a->kind == ARG_DIM) {
        c.v[i].z = z;
        case_fill(j, &c);
        snprintf(c.what, sizeof c.what, "%s = %llu", a->name, (unsigned long long)z);
    } else if (a->kind == ARG_REAL) {
        c.v[i].d = x;
        snprintf(c.what, sizeof c.what, "%s = %g", a->name, x);
    } else {
        c.v[i].l = (int64_t)x;
        snprintf(c.what, sizeof c.what, "%s = %lld", a->name, (long long)x);
    }
    case_matches(j, &c, EXPECT_REJECTED, 0);
    case_free(&c);
}

static int settable_size(const fn_arg_desc_t *a);

/* One rejected string of text argument i. */
static void reject_text(judge_t *j, const fn_desc_t *d, int i, const char *s)
{
    case_t c;
    case_example(j, d, &c);
    case_text(&c, i, s);
    snprintf(c.what, sizeof c.what, "%s = \"%.100s\"", d->args[i].name, s);
    case_matches(j, &c, EXPECT_REJECTED, 0);
    case_free(&c);
}

/* each(j, d, i, example) for every argument i of d in turn, until a check
 * fails, once a valid call has matched the reference (example: the
 * description's example case, its sizes' upper bounds in example->max). */
static void each_arg(judge_t *j, const fn_desc_t *d,
                     void (*each)(judge_t *, const fn_desc_t *, int, const case_t *))
{
    if (!works(j, d, 0))
        return;
    case_t example;
    case_example(j, d, &example);
    for (int i = 0; i < d->nargs && !judge_failed(j); i++)
        each(j, d, i, &example);
    case_free(&example);
}

/* Index argument i (describe.py: index SHAPE below EXPR) with one random
 * entry at the bound EXPR, then at 2^32 + a valid index: rejected. */
static void reject_index(judge_t *j, const fn_desc_t *d, int i)
{
    for (int k = 0; k < 2 && !judge_failed(j); k++) {
        case_t c;
        case_example(j, d, &c);
        if (c.count[i] > 0 && c.max[i] > 0) {
            uint64_t at = rng_below(judge_rng(j), c.count[i]);
            double bad = k == 0 ? (double)c.max[i] : 4294967296.0 + c.data[i][at];
            c.data[i][at] = bad;
            snprintf(c.what, sizeof c.what, "%s[%llu] = %.0f (%s)", d->args[i].name, (unsigned long long)at,
                     bad, k == 0 ? "the bound itself" : "2^32 + a valid index");
            case_matches(j, &c, EXPECT_REJECTED, 0);
        }
        case_free(&c);
    }
}

/* Each field of record argument i with a range (describe.h) just below and
 * just above it, in the first record and then in the last. */
static void reject_fields(judge_t *j, const fn_desc_t *d, int i)
{
    const fn_arg_desc_t *a = &d->args[i];
    for (int f = 0; f < a->n_fields && !judge_failed(j); f++) {
        const fn_field_desc_t *fd = &a->fields[f];
        for (int side = 0; side < 2 && !judge_failed(j); side++) {
            if (!(side ? fd->has_hi : fd->has_lo))
                continue;
            const double bad = side ? (double)fd->hi + 1 : (double)fd->lo - 1;
            for (int last = 0; last < 2 && !judge_failed(j); last++) {
                case_t c;
                case_example(j, d, &c);
                const uint64_t n = a->per ? c.count[i] / a->per : 0;
                if (n > 0 && !(last && n == 1)) {
                    const uint64_t k = last ? n - 1 : 0;
                    c.data[i][k * a->per + fd->offset] = bad;
                    snprintf(c.what, sizeof c.what, "%s[%llu].%s = %.0f", a->name, (unsigned long long)k,
                             fd->name, bad);
                    case_matches(j, &c, EXPECT_REJECTED, 0);
                }
                case_free(&c);
            }
        }
    }
}

/* Argument i's values out of range, one call each: below its minimum, above
 * its maximum, each listed rejected value, an index out of range, a record's
 * field out of its range. */
static void range_of(judge_t *j, const fn_desc_t *d, int i, const case_t *example)
{
    const fn_arg_desc_t *a = &d->args[i];
    int sized = settable_size(a);
    if (sized && a->min > 0)
        reject_one(j, d, i, a->min - 1, 0);
    if (sized && a->has_max && !judge_failed(j))
        reject_one(j, d, i, example->max[i] + 1, 0);
    for (int k = 0; k < a->n_reject && !judge_failed(j); k++)
        reject_one(j, d, i, 0, a->reject[k]);
    for (int k = 0; k < a->n_text_reject && !judge_failed(j); k++)
        reject_text(j, d, i, a->text_reject[k]);
    if (a->buffer == 'x' && !judge_failed(j))
        reject_index(j, d, i);
    if (a->n_fields && !judge_failed(j))
        reject_fields(j, d, i);
}

void contract_range(judge_t *j, const fn_desc_t *d) { each_arg(j, d, range_of); }

/* A size the test may set: given by the caller (a size argument or a
 * problem's dimension), not computed from the others. */
static int settable_size(const fn_arg_desc_t *a)
{
    return (a->kind == ARG_SIZE || a->kind == ARG_DIM) && !a->derived;
}

/* Size i at value z, every other size moved into its range if it left it. */
static void edge_one(judge_t *j, const fn_desc_t *d, int i, uint64_t z)
{
    case_t c;
    case_example(j, d, &c);
    c.v[i].z = z;
    for (int pass = 0; pass < 2; pass++) {
        case_fill(j, &c);
        for (int k = 0; k < d->nargs; k++) {
            if (k == i || !settable_size(&d->args[k]))
                continue;
            if (d->args[k].has_max && c.v[k].z > c.max[k])
                c.v[k].z = c.max[k];
            if (c.v[k].z < d->args[k].min)
                c.v[k].z = d->args[k].min;
        }
    }
    case_fill(j, &c);
    char sizes[120];
    sizes_text(&c, sizes, sizeof sizes);
    snprintf(c.what, sizeof c.what, "%s (%s at its %s)", sizes, d->args[i].name,
             z == d->args[i].min ? "smallest" : "largest");
    if (case_matches(j, &c, EXPECT_ACCEPTED, 0) && z == 0) {
        /* Again with malloc(0) returning NULL, as C allows (alloc_fault.c). */
        c.oom = ALLOC_FAULT_ZERO_NULL;
        snprintf(c.what, sizeof c.what, "%s (%s at 0), with malloc(0) returning NULL as C allows",
                 sizes, d->args[i].name);
        case_matches(j, &c, EXPECT_ACCEPTED, 0);
    }
    case_free(&c);
}

/* Size i at its smallest and its largest legal value. */
static void edges_of(judge_t *j, const fn_desc_t *d, int i, const case_t *example)
{
    const fn_arg_desc_t *a = &d->args[i];
    if (!settable_size(a))
        return;
    edge_one(j, d, i, a->min);
    if (a->has_max && example->max[i] != a->min && !judge_failed(j))
        edge_one(j, d, i, example->max[i]);
}

void contract_edges(judge_t *j, const fn_desc_t *d) { each_arg(j, d, edges_of); }

void contract_inputs(judge_t *j, const fn_desc_t *d)
{
    works(j, d, 1);
}

/* NaN, +Inf, -Inf at a random entry of each input in turn, each giving the
 * reference's result; with nan_rejected (describe.py: nan rejected) at the
 * first, the last and a random entry, each rejected with nothing written. */
void contract_nan(judge_t *j, const fn_desc_t *d)
{
    if (!works(j, d, 0))
        return;
    static const double bad[] = {NAN, INFINITY, -INFINITY};
    const int cases = d->nan_rejected ? 9 : 3;
    for (int i = 0; i < d->nargs && !judge_failed(j); i++) {
        if (d->args[i].kind != ARG_IN || d->args[i].buffer == 'b' || d->args[i].buffer == 't' ||
            d->args[i].buffer == 'x' || d->args[i].buffer == 'L' || d->args[i].buffer == 'R')
            continue;
        for (int b = 0; b < cases && !judge_failed(j); b++) {
            const double x = bad[d->nan_rejected ? b / 3 : b];
            const int place = d->nan_rejected ? b % 3 : 2; /* 0 first, 1 last, 2 random */
            case_t c;
            case_example(j, d, &c);
            if (c.count[i] > 0) {
                uint64_t at = place == 0 ? 0 : place == 1 ? c.count[i] - 1 : rng_below(judge_rng(j), c.count[i]);
                c.data[i][at] = x;
                snprintf(c.what, sizeof c.what, "%s[%llu] = %g", d->args[i].name, (unsigned long long)at, x);
                case_matches(j, &c, d->nan_rejected ? EXPECT_REJECTED : EXPECT_AS_REFERENCE, 0);
            }
            case_free(&c);
        }
    }
}

/* The example call with allocations failing.  First every one: the
 * reference's result (a function that allocates returns LAB_EARG, outputs
 * untouched), no crash.  Then only the k-th, k = 1, 2, ... for each
 * allocation the reference's call makes, the others succeeding: each check
 * must hold on its own.  The student may allocate in another number and
 * order, so a call passes that either rejects (LAB_EARG, outputs untouched)
 * or gives the reference's result computed with memory.  Every one of these
 * calls, and the valid call made first (every allocation succeeding), must
 * leave nothing it allocated still allocated (frees_its_memory). */
#define OOM_NTH_MAX 16

void contract_oom(judge_t *j, const fn_desc_t *d)
{
    if (!works_freeing(j, d, 0, "every allocation succeeding (the example sizes)"))
        return;
    case_t c;
    case_example(j, d, &c);
    c.oom = ALLOC_FAULT_EVERY;
    c.leak_path = "every allocation failing (malloc, calloc and realloc returning NULL)";
    snprintf(c.what, sizeof c.what, "the example sizes, every malloc, calloc and realloc "
             "returning NULL");
    int ok = case_matches(j, &c, EXPECT_AS_REFERENCE, 0);
    double *want[DESC_MAX_ARGS] = {0};
    const long long ref = ok ? reference_values(d, c.v, want) : 0;
    for (int k = 1; ok && k <= OOM_NTH_MAX; k++) {
        double *ref_out[DESC_MAX_ARGS];
        alloc_fault_requested = k;
        const long long ref_k = reference_values(d, c.v, ref_out);
        alloc_fault_requested = 0;
        for (int i = 0; i < d->nargs; i++)
            free(ref_out[i]);
        if (ref_k != LAB_EARG) /* the reference made fewer than k allocations */
            break;
        call_t *call = call_values(j, d, c.v);
        if (!call)
            break;
        call->oom = k;
        ok = call_run(call);
        const int rejected = ok && call->ret == LAB_EARG;
        if (ok && !rejected)
            ok = expect_return(j, call, ref);
        for (int i = 0; ok && i < d->nargs; i++) {
            if (!want[i])
                continue;
            if (rejected || (d->returns_status && ref == LAB_EARG))
                ok = expect_untouched(j, call, d->args[i].name);
            else if (!d->args[i].not_unique)
                ok = expect_close(j, d->args[i].name, call_output(call, d->args[i].name), want[i], 1,
                                  c.count[i], CONTRACT_TOL);
        }
        if (ok) {
            char path[96];
            snprintf(path, sizeof path, "allocation number %d failing, the others succeeding", k);
            ok = frees_its_memory(j, d, call, path);
        }
        if (!ok)
            judge_fail_why(j, 0, "(the case was the example sizes, only allocation number %d of the call "
                       "failing, the others succeeding: reject the call with LAB_EARG and write "
                       "nothing, or give the result computed with memory)", k);
        call_free(call);
    }
    for (int i = 0; i < d->nargs; i++)
        free(want[i]);
    case_free(&c);
}
