/*
 * gen.h - what the writers of data/labNN/visible-expected.txt share
 * (tools/visible/labNN.c, built against the reference solution by
 * `make visible-expected`; data/VISIBLE.md says why and how).
 *
 * Each writer draws random non-square inputs from a fixed seed (printed in
 * the file's first lines; LORALAB_SEED overrides it), calls the reference and
 * prints every input, the expected outputs and, for a few typical mistakes,
 * the output the mistake gives (computed by calling the reference on inputs
 * laid out the way the mistake reads them), all with kit_write_tensor.
 */
#ifndef LORALAB_VISIBLE_GEN_H
#define LORALAB_VISIBLE_GEN_H

#include <stdio.h>
#include <stdlib.h>

#include "kitio.h"
#include "lab.h"
#include "matrix.h"
#include "rng.h"

/* Print tensor NAME (rows, cols); any write error ends the program. */
static inline void put(const char *name, const double *d, size_t rows, size_t cols)
{
    if (kit_write_tensor(stdout, name, d, rows, cols) != 0) {
        fprintf(stderr, "visible-expected: cannot write tensor %s\n", name);
        exit(1);
    }
}

static inline void put_scalar(const char *name, double v)
{
    put(name, &v, 1, 1);
}

/* Uniform entries in [-1, 1). */
static inline double *random_matrix(rng_t *g, size_t rows, size_t cols)
{
    double *m = mat_alloc(rows, cols);
    rng_fill_uniform(g, m, rows * cols, -1.0, 1.0);
    return m;
}

/* A reference call that must succeed. */
#define MUST(call)                                                                   \
    do {                                                                             \
        if ((call) != LAB_OK) {                                                      \
            fprintf(stderr, "visible-expected: %s failed on the reference\n", #call); \
            exit(1);                                                                 \
        }                                                                            \
    } while (0)

/* The seed line every file starts with; returns the seed (LORALAB_SEED or fallback). */
static inline uint64_t start_file(rng_t *g, const char *lab, uint64_t fallback)
{
    uint64_t seed = rng_seed_from_env("LORALAB_SEED", fallback);
    rng_seed(g, seed);
    /* Students read this file: no path or command of the instructor's copy
     * here (data/VISIBLE.md says how the files are made and kept current). */
    printf("# Lab %s: the visible tests' random non-square cases and their expected values.\n"
           "# Written by the reference solution from random seed %llu; data/VISIBLE.md\n"
           "# says how.  Do not edit.  NAME~MISTAKE is the output a typical mistake gives.\n",
           lab, (unsigned long long)seed);
    return seed;
}

#endif
