/*
 * serve.c - Lab 08: serving adapters.
 *
 * Write the body of each function below where it says TODO.  The contract of
 * each function (shapes, argument checks, examples) is in serve.h: read it
 * first.  Check your work with
 *     make check LAB=08      (the visible tests)
 *     make grade LAB=08      (the graded tests, with points; speed included)
 * You may add static helper functions to this file; do not change the
 * signatures, and do not add other files: the grader compiles this one.
 */
#include "serve.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>


/* lab08.1 - out (batch, d) = h + relu(h W_down^T) W_up^T. */
int houlsby_adapter(const double *h, size_t batch, const double *w_down, const double *w_up,
                    size_t d, size_t m, double *out)
{
    /* TODO lab08.1: write houlsby_adapter (contract in serve.h). */
    lab_todo("lab08.1", "houlsby_adapter", h, batch, w_down, w_up, d, m, out);
}

/* lab08.2 - each row with its own adapter: shared x W0^T, then each row's low-rank term. */
int multi_lora_gather(const double *x, size_t batch, const double *w0, const double *a,
                      const double *b, const size_t *ids, size_t d_in, size_t d_out, size_t r,
                      size_t n_adapters, double alpha, double *y)
{
    /* TODO lab08.2: write multi_lora_gather (contract in serve.h). */
    lab_todo("lab08.2", "multi_lora_gather", x, batch, w0, a, b, ids, d_in, d_out, r, n_adapters, alpha, y);
}

/* lab08.3 - a stable counting sort of the rows by adapter. */
int group_by_adapter(const size_t *ids, size_t batch, size_t n_adapters, size_t *perm,
                     size_t *seg)
{
    /* TODO lab08.3: write group_by_adapter (contract in serve.h). */
    lab_todo("lab08.3", "group_by_adapter", ids, batch, n_adapters, perm, seg);
}

/* lab08.4 - the same y as lab08.2, one small product per adapter segment. */
int multi_lora_segment(const double *x, size_t batch, const double *w0, const double *a,
                       const double *b, const size_t *ids, size_t d_in, size_t d_out, size_t r,
                       size_t n_adapters, double alpha, double *y)
{
    /* TODO lab08.4: write multi_lora_segment (contract in serve.h). */
    lab_todo("lab08.4", "multi_lora_segment", x, batch, w0, a, b, ids, d_in, d_out, r, n_adapters, alpha, y);
}

/* lab08.5 - which pool slot serves each request, least recently used evicted. */
int lru_pool_plan(const size_t *requests, size_t n_requests, size_t n_tasks, size_t slots,
                  size_t *slot_of, size_t *counts)
{
    /* TODO lab08.5: write lru_pool_plan (contract in serve.h). */
    lab_todo("lab08.5", "lru_pool_plan", requests, n_requests, n_tasks, slots, slot_of, counts);
}
