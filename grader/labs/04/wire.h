/*
 * wire.h - how Lab 04's strings and structs travel as double tensors between
 * the judge (tests.c) and the runner (adapter.c).  The wire carries only
 * double tensors, size_t, double and long long, so:
 *   a string       one double per character code, then a 0 (never empty)
 *   a pc_model_t   [vocab, context, type_vocab, d_model, layers, heads, d_ff,
 *                   norm, norms_per_layer, embed_norm, final_norm, n_kinds,
 *                   then d_in, d_out, bias, place for each kind]
 *                  (names are not needed to count parameters)
 *   a module list  for each module: d_in, d_out, bias, place, name length,
 *                  then the name's character codes (no 0)
 *   target names   the strings one after the other, each ending in a 0
 * Counts come back as the functions' long long return values.  The only
 * counts that travel as doubles are pc_model_params' six parts and
 * pc_apply_lora's per-module ranks: the tests keep them below 2^53, where a
 * double holds every integer exactly (the adapter writes NaN above it).
 */
#ifndef LORALAB_LAB04_WIRE_H
#define LORALAB_LAB04_WIRE_H

#include <stddef.h>

#include "param_count.h"

#define WIRE_MODEL_HEAD 12
#define WIRE_MODEL_PER_KIND 4
#define WIRE_EXACT_MAX 9007199254740992.0 /* 2^53 */

static inline size_t wire_model_size(size_t n_kinds)
{
    return WIRE_MODEL_HEAD + WIRE_MODEL_PER_KIND * n_kinds;
}

#endif
