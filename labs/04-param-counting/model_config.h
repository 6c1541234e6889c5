/*
 * model_config.h - Lab 04's model description files (data/lab04/NAME.cfg) and
 * the model's named linear layers.  Given code: you do not write these, but
 * read given/model_config.c to see how a config becomes a pc_model_t.
 *
 * THE FORMAT (one item per line; '#' starts a comment; words separated by
 * blanks)
 *     model NAME                 a short name ("llama-7b")
 *     vocab N                    token embedding rows (>= 1)
 *     context N                  learned position embedding rows (0: none)
 *     type_vocab N               token-type embedding rows (BERT: 2)
 *     d_model N  layers N  heads N  d_ff N      (>= 1; heads divides d_model)
 *     norm layernorm|rmsnorm
 *     norms_per_layer N  embed_norm N  final_norm N
 *     layer_prefix PREFIX        layer i's modules are named PREFIX.i.KIND
 *     default_targets T1 [T2 ...]   PEFT's default target_modules
 *     published N [exact|rounded]   the count its authors publish
 *     linear KIND D_IN D_OUT bias|nobias attn|mlp|top
 * Every key except `published` must appear exactly once; `linear` at least
 * once (at most PC_MAX_KINDS).  Numbers are decimal whole numbers.
 * Errors go to stderr as "model_config.c: pc_config_parse: FILE:LINE: what"
 * and the call returns LAB_EARG.
 */
#ifndef LORALAB_MODEL_CONFIG_H
#define LORALAB_MODEL_CONFIG_H

#include <stddef.h>

#include "param_count.h"

/* Parse the NUL-terminated text of a config; `file` only names it in errors. */
int pc_config_parse(const char *text, const char *file, pc_model_t *out);

/* Read and parse the file at path (at most 64 KiB). */
int pc_config_load(const char *path, pc_model_t *out);

/* The model's named linear layers, in order: layer 0's kinds, layer 1's, ...,
 * then the top kinds.  Writes at most cap entries to out and the number the
 * model has to *n; returns LAB_EARG if they do not fit (or a name would be
 * longer than PC_NAME_MAX - 1). */
int pc_model_modules(const pc_model_t *m, pc_module_t *out, size_t cap, size_t *n);

/* Number of named linear layers of m (layers * per-layer kinds + top kinds). */
size_t pc_model_module_count(const pc_model_t *m);

#endif
