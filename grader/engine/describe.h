/*
 * describe.h - a lab's student functions as described once in
 * grader/labs/NN/functions.txt (format: grader/engine/describe.py).  The
 * build generates from it the runner's wrappers (adapter.c) and, for the
 * judge, lab_functions[] and the contract tests (functions.c).
 *
 * A test can build a call from values (call_values: the typed call builder)
 * and run the reference on the same values (reference_values); contract.c
 * derives the contract tests from the description with both.
 */
#ifndef LORALAB_DESCRIBE_H
#define LORALAB_DESCRIBE_H

#include "judge.h"
#include "protocol.h"

#include <stdint.h>

#define DESC_MIN(a, b) ((a) < (b) ? (a) : (b))
#define DESC_MAX(a, b) ((a) > (b) ? (a) : (b))
/* A denominator of a shape (describe.py: /): 0 divides by 1, never traps. */
#define DESC_NZ(a) ((a) ? (a) : (uint64_t)1)
#define DESC_REJECT_MAX 6
#define DESC_MAX_ARGS 40 /* the wire's arguments, then the dims */
/* A size of the problem that is no argument of its own (describe.py: dim). */
#define ARG_DIM 'D'

/* One argument's value: in tensors point at their data (count doubles from
 * the shape), out tensors need nothing; is_null passes NULL instead. */
typedef struct {
    const double *in;
    uint64_t z;
    double d;
    int64_t l;
    int is_null;
    uint64_t text_len;  /* text arguments: in points at text_len doubles, one per byte */
} fn_value_t;

/* Example records (describe.py: ARG record TYPE SHAPE example FUNCTION): the
 * lab's tests.c defines FUNCTION, which fills w[0 .. count-1], the wire image
 * of the records (records.h), from the other values in v (sizes first): a
 * valid input for the example call and for every size the edges rule sets. */
typedef void fn_fill_t(judge_t *j, const fn_value_t *v, double *w, uint64_t count);

/* A field of a record with a range (describe.py: FIELD:KIND:LO..HI): its
 * offset in one record's doubles (a nested record's: its entry 0). */
typedef struct {
    const char *name;
    uint64_t offset;
    int has_lo;
    int64_t lo;
    int has_hi;
    int64_t hi;
} fn_field_desc_t;

typedef struct {
    const char *name;
    char kind;          /* ARG_IN, ARG_OUT, ARG_SIZE, ARG_REAL, ARG_INT (protocol.h) or ARG_DIM */
    const char *shape;  /* tensors: "batch*d_out", as written in the description */
    int nullable;       /* tensors: NULL is legal */
    uint64_t min;       /* sizes: the smallest legal value */
    int has_max;        /* sizes: bounded above (the bound: shapes()' max[]) */
    double example;     /* sizes, reals, ints: a small legal value */
    int n_reject;       /* reals, ints: values that must be rejected */
    double reject[DESC_REJECT_MAX];
    int derived;        /* sizes: made from the dims and other sizes by shapes() */
    int pointer_flag;   /* ints: stands for a struct pointer, 0 passes NULL */
    /* Buffer kinds (describe.py, runner_buffers.h): 0 for a tensor of doubles,
     * else 'u' inout, 'f' in32, 'F' inout32, 'r' real32, 'b' bytes,
     * 'B' bytes_out, 't' text, 'T' text_out, 's' size_out, 'x' index,
     * 'I' int64_out, 'L' texts, 'R' record, 'Q' record_out; 'o' the ARG_out
     * of an inout argument, which then has companion 1 and follows it. */
    char buffer;
    int companion;
    const char *text;   /* text: the example */
    int n_text_reject;  /* text: strings that must be rejected */
    const char *text_reject[DESC_REJECT_MAX];
    int n_values;       /* inputs: the derived tests draw each entry from values[] (labels), */
    double values[DESC_REJECT_MAX]; /* not from [-1, 1), when n_values > 0 */
    int not_unique;     /* outputs: not compared with the reference (singular vectors' signs) */
    int index;          /* index ('x'): integers 0..max[i]-1, size_t in the call (shapes()' max[]) */
    uint64_t per;       /* record ('R', 'Q'): doubles per record */
    fn_fill_t *fill;    /* record ('R'): the example's records; texts ('L'): words */
    int n_fields;       /* record ('R'): fields whose values out of range are rejected */
    const fn_field_desc_t *fields;
    int n_words;        /* texts ('L'): the example's strings, repeated to the count */
    const char *words[DESC_REJECT_MAX];
} fn_arg_desc_t;

typedef struct {
    const char *name, *task;
    int returns_status; /* int: LAB_OK, or LAB_EARG with every output untouched */
    int nan_propagates; /* NaN and Inf in the inputs follow IEEE arithmetic */
    int nwire;          /* args[0 .. nwire-1] go on the wire, in the runner's order */
    int nargs;          /* and the dims after them */
    /* From the dims and sizes in v: every derived size in v, count[i]
     * doubles of every tensor i, max[i] of every size i bounded above and
     * of every index tensor i (its entries are below it). */
    void (*shapes)(fn_value_t *v, uint64_t *count, uint64_t *max);
    fn_arg_desc_t args[DESC_MAX_ARGS];
    int returns_count;  /* with returns_status: a result >= 0 (not only LAB_OK), or LAB_EARG */
    int nan_rejected;   /* NaN or Inf anywhere in an input is LAB_EARG (tests nan) */
    int gives_memory;   /* hands what it allocates to its caller: no leak check (oom) */
} fn_desc_t;

/* Generated (functions.c), ended by an entry whose name is NULL. */
extern const fn_desc_t lab_functions[];
const fn_desc_t *fn_described(const char *name); /* NULL if not described */

/* The typed call builder: the call of d->name on v (a value per argument;
 * the derived sizes in v are set from the dims). */
call_t *call_values(judge_t *j, const fn_desc_t *d, fn_value_t *v);
/* call_values on the function described as `name` (none: a grader error,
 * exit 2).  v holds a value per argument of its description, in its order:
 *   call_described(j, "lora_merged_weight", (fn_value_t[]){{.in = w0}, {.in = a},
 *                  {.in = b}, {.z = d_in}, {.z = d_out}, {.z = r}, {.d = alpha}, {0}}) */
call_t *call_described(judge_t *j, const char *name, fn_value_t *v);
/* The reference (linked into the judge) on v: its return value; out[i]
 * (malloc'd, count[i] doubles, or NULL) what it wrote into output i, every
 * entry it did not write still holding POISON_BITS. */
long long reference_values(const fn_desc_t *d, fn_value_t *v, double **out);

/* The student's call of the function described as `name` on v against the
 * reference's on the same values: the same return value and every output
 * (but notunique ones) within tol as expect_close has it, or untouched when
 * the reference rejects the values; flags EXPECT_INPUTS: the inputs
 * unchanged too.  Returns 1 when they agree; otherwise the failure is
 * recorded (add the case's context with judge_fail). */
int expect_as_reference(judge_t *j, const char *name, fn_value_t *v, int flags, double tol);

/* The derived tests (contract.c); functions.c registers them. */
void contract_null(judge_t *j, const fn_desc_t *d);
void contract_range(judge_t *j, const fn_desc_t *d);
void contract_edges(judge_t *j, const fn_desc_t *d);
void contract_inputs(judge_t *j, const fn_desc_t *d);
void contract_nan(judge_t *j, const fn_desc_t *d);
void contract_oom(judge_t *j, const fn_desc_t *d);

#endif
