/*
 * alloc_leak_test.c - the leak count of grader/engine/alloc_fault.c
 * (`make alloc-leak-test`, part of grader-engine-tests): linked with the
 * allocators wrapped as the runner is, it checks that the blocks allocated
 * between alloc_fault_begin and _end and not freed are counted, with their
 * bytes, through malloc, calloc, realloc (moved, shrunk, to 0),
 * aligned_alloc and posix_memalign; that blocks allocated outside are not;
 * that refused allocations count nothing; that a long random churn of
 * allocations and frees (deletions from the table) ends at the right count;
 * that a full table never counts more than is allocated; and that a request
 * of 0 bytes gets NULL in a call that asks for faults, a pointer otherwise.
 * Closing line: "N passed, M failed".
 */
#include "runner.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static int passed, failed;

static void check(int ok, const char *what, unsigned long long n, unsigned long long b)
{
    printf("%s %s (count %llu, bytes %llu)\n", ok ? "ok  " : "FAIL", what, n, b);
    ok ? passed++ : failed++;
}

static unsigned long long count(unsigned long long *bytes)
{
    unsigned long long n;
    alloc_leaks(&n, bytes);
    return n;
}

int main(void)
{
    unsigned long long n, b;
    void *outside = malloc(10);
    alloc_fault_begin();
    void *p = malloc(100), *q = calloc(3, 8), *r = realloc(NULL, 5), *al = aligned_alloc(64, 128), *pm = NULL;
    r = realloc(r, 5000); /* grown: the old block forgotten */
    int pm_ok = posix_memalign(&pm, 64, 256) == 0;
    free(outside); /* allocated before the call: no effect */
    free(q);
    alloc_fault_end();
    n = count(&b);
    check(p && r && al && pm_ok && n == 4 && b == 100 + 5000 + 128 + 256,
          "malloc, realloc, aligned_alloc, posix_memalign left; calloc freed; a block from outside freed", n, b);
    void *late = malloc(7); /* outside the call: not counted */
    free(p), free(al), free(pm);
    n = count(&b);
    check(n == 1 && b == 5000, "freed after the call: forgotten", n, b);
    alloc_fault_begin();
    r = realloc(r, 16); /* shrunk */
    n = count(&b);
    check(n == 1 && b == 16, "realloc to a smaller size: its new size", n, b);
    r = realloc(r, 0); /* glibc frees it */
    n = count(&b);
    check(n == 0 && b == 0, "realloc to 0 frees", n, b);
    free(r);
    alloc_fault_end();
    free(late);

    alloc_fault_requested = ALLOC_FAULT_EVERY;
    alloc_fault_begin();
    void *none = malloc(64), *none2 = calloc(8, 8);
    alloc_fault_end();
    alloc_fault_requested = 0;
    n = count(&b);
    check(!none && !none2 && n == 0, "refused allocations count nothing", n, b);

    /* Churn: 200000 random allocations and frees over 3000 live places. */
    enum { PLACES = 3000 };
    static void *live[PLACES];
    static size_t size[PLACES];
    uint64_t s = 88172645463325252ull;
    unsigned long long want_n = 0, want_b = 0;
    alloc_fault_begin();
    for (int step = 0; step < 200000; step++) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        size_t k = (size_t)(s % PLACES), z = (size_t)(s >> 40) % 200 + 1;
        if (live[k]) {
            free(live[k]);
            live[k] = NULL, want_n--, want_b -= size[k];
        } else {
            live[k] = malloc(z);
            size[k] = z, want_n++, want_b += z;
        }
    }
    alloc_fault_end();
    n = count(&b);
    check(n == want_n && b == want_b, "random churn: the count of what is still allocated", n, b);
    for (int k = 0; k < PLACES; k++)
        free(live[k]);
    n = count(&b);
    check(n == 0 && b == 0, "everything freed: nothing counted", n, b);

    /* More live blocks than the table holds: a lower bound, never more. */
    enum { MANY = 20000 };
    static void *many[MANY];
    alloc_fault_begin();
    for (int k = 0; k < MANY; k++)
        many[k] = malloc(8);
    alloc_fault_end();
    n = count(&b);
    check(n > 10000 && n < MANY && b == 8 * n, "a full table: a lower bound of the leak", n, b);
    for (int k = 0; k < MANY; k++)
        free(many[k]);
    n = count(&b);
    check(n == 0, "then everything freed: nothing counted", n, b);
    alloc_fault_begin();
    void *again = malloc(3);
    alloc_fault_end();
    n = count(&b);
    const unsigned long long bytes = b;
    alloc_leaks_reset();
    unsigned long long after = count(&b);
    check(again && n == 1 && bytes == 3 && after == 0 && b == 0,
          "counted again after the table emptied; reset forgets", n, bytes);
    free(again);

    /* Zero bytes: NULL inside a call that asks for faults
     * (ALLOC_FAULT_ZERO_NULL: only that), a pointer (glibc's answer) inside
     * an ordinary call and outside; nothing counted. */
    alloc_fault_requested = ALLOC_FAULT_ZERO_NULL;
    alloc_fault_begin();
    void *z1 = malloc(0), *z2 = calloc(0, 8), *z3 = calloc(8, 0), *z4 = aligned_alloc(64, 0), *z5 = &z5;
    int pm0 = posix_memalign(&z5, 64, 0);
    void *real = malloc(24); /* no real allocation fails */
    alloc_fault_end();
    alloc_fault_requested = 0;
    free(real);
    alloc_fault_begin();
    void *ordinary0 = malloc(0);
    alloc_fault_end();
    n = count(&b);
    void *outside0 = malloc(0);
    check(!z1 && !z2 && !z3 && !z4 && !z5 && pm0 == 0 && real && ordinary0 && outside0 && n == 1 && b == 0,
          "0 bytes: NULL in a zero-NULL call, a pointer in an ordinary one and outside", n, b);
    free(ordinary0);
    free(outside0);

    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
