/*
 * param_count.c - Lab 04: counting parameters, LoRA budgets and storage.
 *
 * Write the body of each function below where it says TODO.  The contract of
 * each function (formulas, argument checks, examples) is in param_count.h:
 * read it first.  Check your work with
 *     make check LAB=04      (the visible tests)
 *     make grade LAB=04      (the graded tests, with points)
 * You may add static helper functions to this file; do not change the
 * signatures, and do not add other files: the grader compiles this one.
 * Every count is an int64_t: GPT-3's 1.7e11 parameters do not fit in an int.
 */
#include "param_count.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>


/* lab04.1 - r (d_in + d_out): A (r, d_in) plus B (d_out, r). */
int64_t lora_matrix_params(int64_t d_in, int64_t d_out, int64_t r)
{
    /* TODO lab04.1: write lora_matrix_params (contract in param_count.h). */
    lab_todo("lab04.1", "lora_matrix_params", d_in, d_out, r);
}

/* lab04.2 - the course's |Theta| = 2 * n_matrices * d_model * r. */
int64_t lora_course_params(int64_t n_matrices, int64_t d_model, int64_t r)
{
    /* TODO lab04.2: write lora_course_params (contract in param_count.h). */
    lab_todo("lab04.2", "lora_course_params", n_matrices, d_model, r);
}

/* lab04.3 - every parameter of the base model, split by where it sits. */
int64_t pc_model_params(const pc_model_t *m, pc_breakdown_t *parts)
{
    /* TODO lab04.3: write pc_model_params (contract in param_count.h). */
    lab_todo("lab04.3", "pc_model_params", m, parts);
}

/* lab04.4 - PEFT's rule: name == target, or name ends with "." + target. */
int pc_target_matches(const char *name, const char *target)
{
    /* TODO lab04.4: write pc_target_matches (contract in param_count.h). */
    lab_todo("lab04.4", "pc_target_matches", name, target);
}

/* lab04.5 - mark target modules with rank r, all else frozen; return the trained count. */
int64_t pc_apply_lora(const pc_module_t *modules, size_t n, const char *const *targets,
                      size_t n_targets, int64_t r, int64_t *lora_r)
{
    /* TODO lab04.5: write pc_apply_lora (contract in param_count.h). */
    lab_todo("lab04.5", "pc_apply_lora", modules, n, targets, n_targets, r, lora_r);
}

/* lab04.6 - "trainable params: T || all params: N || trainable%: P". */
int pc_summary_line(int64_t trainable, int64_t all, char *buf, size_t cap)
{
    /* TODO lab04.6: write pc_summary_line (contract in param_count.h). */
    lab_todo("lab04.6", "pc_summary_line", trainable, all, buf, cap);
}

/* lab04.7 - bytes of `params` numbers in fp32 (4), fp16 (2) or bf16 (2). */
int64_t pc_param_bytes(int64_t params, enum pc_dtype dtype)
{
    /* TODO lab04.7: write pc_param_bytes (contract in param_count.h). */
    lab_todo("lab04.7", "pc_param_bytes", params, dtype);
}

/* lab04.8 - bytes for `tasks` variants: full copies, or one base plus adapters. */
int64_t pc_storage_bytes(int64_t base_params, int64_t adapter_params, int64_t tasks,
                         enum pc_dtype dtype, enum pc_scheme scheme)
{
    /* TODO lab04.8: write pc_storage_bytes (contract in param_count.h). */
    lab_todo("lab04.8", "pc_storage_bytes", base_params, adapter_params, tasks, dtype, scheme);
}
