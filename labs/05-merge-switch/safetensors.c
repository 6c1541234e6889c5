/*
 * safetensors.c - Lab 05: one LoRA module to and from safetensors bytes, and
 * PEFT's adapter_config.json.
 *
 * Write the body of each function below where it says TODO.  The contract of
 * each function (the exact header text, every malformed case the decoder must
 * reject) is in safetensors.h: read it first.  Check your work with
 *     make check LAB=05      (the visible tests)
 *     make grade LAB=05      (the graded tests, with points)
 * You may add static helper functions to this file; do not change the
 * signatures, and do not add other files: the grader compiles this one.
 * The two file wrappers, st_save_adapter and st_load_lora, are given in
 * given/safetensors_files.c: they only move bytes between a file and the
 * functions you write.
 */
#include "safetensors.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


int st_encode_lora(const char *module, const double *a, const double *b, size_t d_in,
                   size_t d_out, size_t r, long long dtype, unsigned char *buf, size_t cap,
                   size_t *len)
{
    /* TODO lab05.8: write st_encode_lora (contract in safetensors.h). */
    lab_todo("lab05.8", "st_encode_lora", module, a, b, d_in, d_out, r, dtype, buf, cap, len);
}


int st_decode_lora(const unsigned char *buf, size_t n, char *module, size_t module_cap,
                   double *a, size_t cap_a, double *b, size_t cap_b, size_t *dims)
{
    /* TODO lab05.9: write st_decode_lora (contract in safetensors.h). */
    lab_todo("lab05.9", "st_decode_lora", buf, n, module, module_cap, a, cap_a, b, cap_b, dims);
}

int peft_config_json(size_t r, double alpha, const char *targets, char *out, size_t cap,
                     size_t *len)
{
    /* TODO lab05.10: write peft_config_json (contract in safetensors.h). */
    lab_todo("lab05.10", "peft_config_json", r, alpha, targets, out, cap, len);
}
