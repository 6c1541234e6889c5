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
 * The two file wrappers at the end are given: they only move bytes between a
 * file and the functions you write.
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

/* ---- given: the file wrappers ---- */

int st_save_adapter(const char *dir, const char *module, const double *a, const double *b,
                    size_t d_in, size_t d_out, size_t r, double alpha, long long dtype)
{
    LAB_REQUIRE(dir && module, "dir and module must not be NULL");
    LAB_REQUIRE(r > 0 && d_in > 0 && d_out > 0 && r <= (SIZE_MAX / 16 - 1024) / (d_in + d_out),
                "bad sizes d_in %zu, d_out %zu, r %zu", d_in, d_out, r);
    size_t cap = 1024 + r * (d_in + d_out) * 8, len = 0;
    unsigned char *bytes = malloc(cap);
    LAB_REQUIRE(bytes, "out of memory for %zu bytes", cap);
    if (st_encode_lora(module, a, b, d_in, d_out, r, dtype, bytes, cap, &len) != LAB_OK) {
        free(bytes);
        return LAB_EARG;
    }
    /* target_modules names the last part of the module path ("q_proj"). */
    const char *dot = strrchr(module, '.');
    char config[4096], path[4096];
    size_t clen = 0;
    int rc = peft_config_json(r, alpha, dot ? dot + 1 : module, config, sizeof config, &clen);
    FILE *f = NULL;
    if (rc == LAB_OK) {
        snprintf(path, sizeof path, "%s/adapter_model.safetensors", dir);
        f = fopen(path, "wb");
        rc = f && fwrite(bytes, 1, len, f) == len ? LAB_OK : LAB_EARG;
        if (f && fclose(f) != 0)
            rc = LAB_EARG;
        if (rc == LAB_OK) {
            snprintf(path, sizeof path, "%s/adapter_config.json", dir);
            f = fopen(path, "w");
            rc = f && fwrite(config, 1, clen, f) == clen ? LAB_OK : LAB_EARG;
            if (f && fclose(f) != 0)
                rc = LAB_EARG;
        }
        if (rc != LAB_OK)
            lab_arg_error(__FILE__, __func__, "cannot write %s", path);
    }
    free(bytes);
    return rc;
}

int st_load_lora(const char *path, char *module, size_t module_cap, double *a, size_t cap_a,
                 double *b, size_t cap_b, size_t *dims)
{
    LAB_REQUIRE(path, "path must not be NULL");
    FILE *f = fopen(path, "rb");
    LAB_REQUIRE(f, "cannot open %s", path);
    size_t cap = 1 << 16, n = 0, got;
    unsigned char *bytes = malloc(cap);
    while (bytes && (got = fread(bytes + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            unsigned char *bigger = cap <= SIZE_MAX / 2 ? realloc(bytes, cap * 2) : NULL;
            if (!bigger) {
                free(bytes);
                bytes = NULL;
                break;
            }
            bytes = bigger, cap *= 2;
        }
    }
    int read_error = ferror(f);
    fclose(f);
    if (!bytes || read_error) {
        free(bytes);
        lab_arg_error(__FILE__, __func__, "cannot read %s", path);
        return LAB_EARG;
    }
    int rc = st_decode_lora(bytes, n, module, module_cap, a, cap_a, b, cap_b, dims);
    if (rc != LAB_OK)
        lab_arg_error(__FILE__, __func__, "%s is not a one-module PEFT adapter (reason above)", path);
    free(bytes);
    return rc;
}
