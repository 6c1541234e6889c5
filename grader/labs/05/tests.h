/* tests.h - what Lab 05's test files share (defined in tests.c). */
#ifndef LORALAB_LAB05_TESTS_H
#define LORALAB_LAB05_TESTS_H

#include "test.h"

#include <stddef.h>

/* call_in keeps the pointer until the call runs, so tensors built for a call
 * (bytes as doubles, say) come from a pool that free_call empties. */
double *pooled(size_t n);
double *doubles_of_bytes(const unsigned char *u, size_t n);
void free_call(call_t *c);

/* Run c, expect LAB_EARG and the named output (if any) untouched; `what`
 * describes the case.  Frees c. */
void expect_rejected(judge_t *j, call_t *c, const char *out, const char *what);

/* A guard test (bad arguments rejected, inputs kept, a zero B, a round trip)
 * gives its points only together with a correct result: it first makes a
 * valid call that must match the reference, then calls this, which returns 0
 * (and says why) if that call failed. */
int needs_working(judge_t *j, const char *func);

#endif
