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
 *
 * In these calls a request of 0 bytes gets NULL (zero_inside, below).
 *
 * It also counts leaks (the `oom` test's second half, contract.c): every
 * allocation made inside the call is remembered in a fixed table (no
 * malloc), free (wrapped too) and realloc forget it, and what is still in
 * the table when the runner answers is reported (alloc_leaks, protocol.h).
 * Memory allocated before the call and freed in it is not counted; neither
 * is an allocation the table has no room for (LEAK_SLOTS live at once): the
 * count is never more than what the call left allocated.  The table and its
 * counters are static, so the student's code cannot name them; it could
 * still write over them by a stray pointer, or forge the answer on fd 3,
 * which can only hide its own leak.
 */
#include "runner.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

int alloc_fault_requested;
static int failing; /* alloc_fault_requested during the call, 0 outside it */
static long made;   /* allocations asked for since alloc_fault_begin */
static int inside;  /* between alloc_fault_begin and alloc_fault_end */

void alloc_fault_begin(void) { failing = alloc_fault_requested, made = 0, inside = 1; }
void alloc_fault_end(void) { failing = 0, inside = 0; }

/* ---- the live allocations made inside calls: open addressing, linear
 * probing, deletion by shifting back (no tombstones), one slot always free ---- */
#define LEAK_SLOTS 16384 /* a power of two */
static struct {
    uintptr_t p; /* 0: free slot */
    size_t n;
} slot[LEAK_SLOTS];
static unsigned long live;        /* slots in use */
static unsigned long long live_n; /* their bytes */

static size_t home(uintptr_t p) { return (size_t)((p >> 4) * 0x9e3779b97f4a7c15ull >> 50) & (LEAK_SLOTS - 1); }

static void remember(void *ptr, size_t n)
{
    uintptr_t p = (uintptr_t)ptr;
    if (!p || !inside || live >= LEAK_SLOTS - 1)
        return;
    size_t i = home(p);
    while (slot[i].p && slot[i].p != p)
        i = (i + 1) & (LEAK_SLOTS - 1);
    if (slot[i].p) /* already there (cannot happen for a live block): count it once */
        live_n -= slot[i].n;
    else
        live++;
    slot[i].p = p, slot[i].n = n;
    live_n += n;
}

static void forget(void *ptr)
{
    uintptr_t p = (uintptr_t)ptr;
    if (!p || !live)
        return;
    size_t i = home(p);
    while (slot[i].p && slot[i].p != p)
        i = (i + 1) & (LEAK_SLOTS - 1);
    if (!slot[i].p)
        return; /* not allocated inside a call */
    live--;
    live_n -= slot[i].n;
    slot[i].p = 0;
    /* Shift back the entries after it that would no longer be found. */
    for (size_t j = (i + 1) & (LEAK_SLOTS - 1); slot[j].p; j = (j + 1) & (LEAK_SLOTS - 1)) {
        size_t h = home(slot[j].p);
        /* slot j's entry may move to the hole i unless its home lies in (i, j] */
        if (i <= j ? (h > i && h <= j) : (h > i || h <= j))
            continue;
        slot[i] = slot[j];
        slot[j].p = 0;
        i = j;
    }
}

void alloc_leaks(unsigned long long *count, unsigned long long *bytes)
{
    *count = live;
    *bytes = live_n;
}

void alloc_leaks_reset(void)
{
    for (size_t i = 0; live && i < LEAK_SLOTS; i++)
        if (slot[i].p)
            slot[i].p = 0, live--;
    live = 0, live_n = 0;
}

/* Whether the allocation asked for now fails. */
static int fails(void)
{
    if (!failing)
        return 0;
    made++;
    return failing == ALLOC_FAULT_EVERY || made == failing;
}

/* The linker's --wrap pairs: __real_X is the C library's X, __wrap_X ours. */
#define WRAPPED(ret, name, params) ret __real_##name params; ret __wrap_##name params
WRAPPED(void *, malloc, (size_t n));
WRAPPED(void *, calloc, (size_t k, size_t n));
WRAPPED(void *, realloc, (void *p, size_t n));
WRAPPED(void *, aligned_alloc, (size_t align, size_t n));
WRAPPED(int, posix_memalign, (void **p, size_t align, size_t n));
WRAPPED(void, free, (void *p));

static void *refused(void)
{
    errno = ENOMEM;
    return NULL;
}

/* A block allocated now: remembered when inside the call. */
static void *made_now(void *p, size_t n)
{
    remember(p, n);
    return p;
}

/* A request of 0 bytes inside a call that asks for fault injection gets
 * NULL, as C lets malloc(0) answer (C11 7.22.3: a null pointer or a unique
 * pointer, as the C library chooses; glibc gives a pointer).  The edges test
 * repeats each empty call (a size at 0) so (ALLOC_FAULT_ZERO_NULL, runner.h):
 * code that asks for 0 bytes on a legal call (batch == 0, LAB_OK in the
 * headers) and takes the NULL for a failed malloc returns LAB_EARG there,
 * as it would on such a C library.  Other calls get glibc's pointer, so a
 * size of 0 the contract rejects is not rejected by accident.  errno is left
 * alone: this is no failure.  realloc(p, 0) is the C library's (it frees p
 * in glibc). */
static int zero_inside(size_t n) { return inside && failing && n == 0; }

void *__wrap_malloc(size_t n)
{
    return zero_inside(n) ? NULL : fails() ? refused() : made_now(__real_malloc(n), n);
}
void *__wrap_calloc(size_t k, size_t n)
{
    return zero_inside(k == 0 ? 0 : n) ? NULL : fails() ? refused() : made_now(__real_calloc(k, n), k * n);
}
void *__wrap_realloc(void *p, size_t n)
{
    if (fails())
        return refused(); /* p is still the caller's */
    void *q = __real_realloc(p, n);
    if (q || (p && n == 0)) /* moved or resized; realloc(p, 0) freed p (glibc) */
        forget(p);
    return made_now(q, n);
}
void *__wrap_aligned_alloc(size_t align, size_t n)
{
    return zero_inside(n) ? NULL : fails() ? refused() : made_now(__real_aligned_alloc(align, n), n);
}
int __wrap_posix_memalign(void **p, size_t align, size_t n)
{
    if (zero_inside(n)) {
        *p = NULL;
        return 0;
    }
    if (fails())
        return ENOMEM;
    int r = __real_posix_memalign(p, align, n);
    if (r == 0)
        remember(*p, n);
    return r;
}
void __wrap_free(void *p)
{
    forget(p);
    __real_free(p);
}
