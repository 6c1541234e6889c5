/*
 * alloc_fault.c - out-of-memory fault injection for the `oom` contract test
 * (contract.c): while it is on, malloc, calloc, realloc, aligned_alloc and
 * posix_memalign return NULL (errno ENOMEM) as if memory had run out: every
 * one of them (ALLOC_FAULT_EVERY), or only the n-th made during the call
 * (alloc_fault_requested = n), so that each allocation's check is tried on
 * its own while the others succeed.
 *
 * Linked into the runner (librunner) and into the judge; both links wrap the
 * allocators (-Wl,ALLOC_FAULT_WRAP: build_runner.c for the runner, grader.mk
 * for the judge), so every call to them in the linked objects comes here.
 * It is on only inside the adapter's call of the lab function itself
 * (alloc_fault_begin/end around it, describe.py) and only when the call asks
 * for it: in the runner the judge's request says so (REQ_MAGIC_OOM,
 * protocol.h), read from stdin before the call; in the judge contract.c and
 * call.c set alloc_fault_requested around the reference's call.  So the
 * runner's and the judge's own allocations (the request, the buffers the
 * adapter converts) never fail, and student and reference see the same
 * condition.  The student's code can change these variables, but that only
 * changes what its own allocations return: the reference's answer, which the
 * judge computes, decides the test.
 */
#include "runner.h"

#include <errno.h>
#include <stddef.h>

int alloc_fault_requested;
static int failing; /* alloc_fault_requested during the call, 0 outside it */
static long made;   /* allocations asked for since alloc_fault_begin */

void alloc_fault_begin(void) { failing = alloc_fault_requested, made = 0; }
void alloc_fault_end(void) { failing = 0; }

/* Whether the allocation asked for now fails. */
static int fails(void)
{
    if (!failing)
        return 0;
    made++;
    return failing == ALLOC_FAULT_EVERY || made == failing;
}

void *__real_malloc(size_t n);
void *__real_calloc(size_t k, size_t n);
void *__real_realloc(void *p, size_t n);
void *__real_aligned_alloc(size_t align, size_t n);
int __real_posix_memalign(void **p, size_t align, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t k, size_t n);
void *__wrap_realloc(void *p, size_t n);
void *__wrap_aligned_alloc(size_t align, size_t n);
int __wrap_posix_memalign(void **p, size_t align, size_t n);

static void *refused(void)
{
    errno = ENOMEM;
    return NULL;
}

void *__wrap_malloc(size_t n) { return fails() ? refused() : __real_malloc(n); }
void *__wrap_calloc(size_t k, size_t n) { return fails() ? refused() : __real_calloc(k, n); }
void *__wrap_realloc(void *p, size_t n) { return fails() ? refused() : __real_realloc(p, n); }
void *__wrap_aligned_alloc(size_t align, size_t n)
{
    return fails() ? refused() : __real_aligned_alloc(align, n);
}
int __wrap_posix_memalign(void **p, size_t align, size_t n)
{
    return fails() ? ENOMEM : __real_posix_memalign(p, align, n);
}
