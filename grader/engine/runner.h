/*
 * runner.h - how a lab's adapter tells the runner which student functions
 * exist and how to call them.  A lab with a grader/labs/NN/functions.txt gets
 * its adapter generated from it (describe.py); the others write
 * grader/labs/NN/adapter.c by hand.
 *
 * Each adapter declares the lab's functions weak (#pragma weak name), so a
 * missing function links as a NULL address and is reported by name instead of
 * failing the whole build, and lists them in runner_functions[]:
 *     {"lora_forward", "ppzzzdp", (runner_addr_t)lora_forward, call_lora_forward}
 * The signature string has one letter per parameter: p pointer to double
 * (ARG_IN, ARG_OUT or ARG_NULL), z size_t, d double, l long long.
 */
#ifndef LORALAB_RUNNER_H
#define LORALAB_RUNNER_H

#include <stdint.h>

typedef struct {
    char kind;       /* enum arg_kind */
    uint64_t count;  /* tensors: number of doubles */
    double *p;       /* tensors: first element (guards around it); NULL for ARG_NULL */
    uint64_t z;      /* ARG_SIZE */
    double d;        /* ARG_REAL */
    int64_t l;       /* ARG_INT */
} runner_arg_t;

typedef void (*runner_addr_t)(void);

typedef struct {
    const char *name;
    const char *sig;
    runner_addr_t addr;                     /* NULL when the student's file lacks it */
    int64_t (*call)(const runner_arg_t *a); /* calls it; returns its int result (0 for void) */
} runner_fn_t;

/* Provided by the lab's adapter, terminated by an entry whose name is NULL. */
extern const runner_fn_t runner_functions[];

/* Out-of-memory fault injection (alloc_fault.c): the adapter brackets each
 * call of a lab function with begin/end; between them allocations fail as
 * alloc_fault_requested says (set by the runner from the request, by the
 * judge around the reference's call): 0 none, ALLOC_FAULT_EVERY every one,
 * n >= 1 only the n-th allocation of the call.  In each of these modes a
 * request of 0 bytes gets NULL (as C lets malloc(0) answer); the mode
 * ALLOC_FAULT_ZERO_NULL (an allocation number no call reaches) does only
 * that: the edges test's empty calls, as on a C library whose malloc(0) is NULL. */
#define ALLOC_FAULT_EVERY (-1)
#define ALLOC_FAULT_ZERO_NULL 0x7fffffff
extern int alloc_fault_requested;
void alloc_fault_begin(void);
void alloc_fault_end(void);
/* The allocations made between alloc_fault_begin and _end (any call since
 * the last reset) that are still allocated: how many, and their bytes. */
void alloc_leaks(unsigned long long *count, unsigned long long *bytes);
void alloc_leaks_reset(void);
/* The link options that send the allocators (and free) through alloc_fault.c. */
#define ALLOC_FAULT_WRAP "--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=aligned_alloc,--wrap=posix_memalign,--wrap=free"

#define RP(i) (a[i].p)
#define RZ(i) ((size_t)a[i].z)
#define RD(i) (a[i].d)
#define RL(i) (a[i].l)

#endif
