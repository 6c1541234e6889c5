/* lora_file.c - one LoRA module in a safetensors file (lora_file.h). */
#include "lora_file.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_PREFIX "base_model.model."

void lora_put_le64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

uint64_t lora_get_le64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

int lora_file_write(const char *path, const char *module, const double *a, const double *b,
                    size_t d_in, size_t d_out, size_t r)
{
    if (!path || !module || !a || !b || !d_in || !d_out || !r || strlen(module) > 200) {
        fprintf(stderr, "lora_file_write: bad arguments\n");
        return -1;
    }
    size_t sa = r * d_in * 8, sb = d_out * r * 8;
    char head[1024];
    int n = snprintf(head, sizeof head,
                     "{\"__metadata__\":{\"format\":\"pt\"},"
                     "\"" KEY_PREFIX "%s.lora_A.weight\":{\"dtype\":\"F64\",\"shape\":[%zu,%zu],"
                     "\"data_offsets\":[0,%zu]},"
                     "\"" KEY_PREFIX "%s.lora_B.weight\":{\"dtype\":\"F64\",\"shape\":[%zu,%zu],"
                     "\"data_offsets\":[%zu,%zu]}}",
                     module, r, d_in, sa, module, d_out, r, sa, sa + sb);
    if (n < 0 || (size_t)n + 8 >= sizeof head)
        return -1;
    while (n % 8)
        head[n++] = ' ';
    unsigned char len[8], v[8];
    lora_put_le64(len, (uint64_t)n);
    FILE *f = fopen(path, "wb");
    int ok = f && fwrite(len, 1, 8, f) == 8 && fwrite(head, 1, (size_t)n, f) == (size_t)n;
    for (size_t i = 0; ok && i < r * d_in + d_out * r; i++) {
        double x = i < r * d_in ? a[i] : b[i - r * d_in];
        uint64_t bits;
        memcpy(&bits, &x, 8);
        lora_put_le64(v, bits);
        ok = fwrite(v, 1, 8, f) == 8;
    }
    if (f && fclose(f) != 0)
        ok = 0;
    if (!ok)
        fprintf(stderr, "lora_file_write: cannot write %s\n", path);
    return ok ? 0 : -1;
}

/* The tensor entry named "...lora_<which>.weight" in the header text: its
 * dtype size, shape and offsets, or 0 when it is not there as written. */
static int entry(const char *head, char which, size_t *el, size_t shape[2], size_t off[2])
{
    char key[24];
    snprintf(key, sizeof key, ".lora_%c.weight\":{", which);
    const char *p = strstr(head, key);
    if (!p)
        return 0;
    p += strlen(key);
    char dtype[4];
    if (sscanf(p, "\"dtype\":\"%3[A-Z0-9]\",\"shape\":[%zu,%zu],\"data_offsets\":[%zu,%zu]}", dtype,
               &shape[0], &shape[1], &off[0], &off[1]) != 5)
        return 0;
    *el = strcmp(dtype, "F64") == 0 ? 8 : strcmp(dtype, "F32") == 0 ? 4 : 0;
    return *el != 0 && off[0] <= off[1] && off[1] - off[0] == shape[0] * shape[1] * *el;
}

static void decode(const unsigned char *p, size_t el, size_t count, double *out)
{
    for (size_t i = 0; i < count; i++, p += el) {
        uint64_t bits = lora_get_le64(p);
        if (el == 8) {
            memcpy(&out[i], &bits, 8);
        } else {
            uint32_t b32 = (uint32_t)bits;
            float x;
            memcpy(&x, &b32, 4);
            out[i] = x;
        }
    }
}

int lora_file_read(const char *path, double *a, size_t cap_a, double *b, size_t cap_b,
                   size_t dims[3], size_t *bytes)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    long size = -1;
    if (f && fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 8 && fseek(f, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)size + 1)) && fread(buf, 1, (size_t)size, f) != (size_t)size)
        size = -1;
    if (f)
        fclose(f);
    uint64_t n = size >= 8 && buf ? lora_get_le64(buf) : 0;
    size_t ea = 0, eb = 0, sh_a[2], sh_b[2], off_a[2], off_b[2];
    int ok = size >= 8 && buf && n > 0 && n <= (uint64_t)size - 8;
    if (ok) {
        char save = (char)buf[8 + n];
        buf[8 + n] = '\0'; /* the header as a string (buf has a byte to spare) */
        ok = entry((const char *)buf + 8, 'A', &ea, sh_a, off_a) &&
             entry((const char *)buf + 8, 'B', &eb, sh_b, off_b);
        buf[8 + n] = (unsigned char)save;
    }
    size_t data = ok ? (size_t)size - 8 - (size_t)n : 0;
    ok = ok && sh_a[0] == sh_b[1] && sh_a[0] > 0 && sh_a[1] > 0 && sh_b[0] > 0 &&
         off_a[1] <= data && off_b[1] <= data && sh_a[0] * sh_a[1] <= cap_a &&
         sh_b[0] * sh_b[1] <= cap_b;
    if (ok) {
        decode(buf + 8 + n + off_a[0], ea, sh_a[0] * sh_a[1], a);
        decode(buf + 8 + n + off_b[0], eb, sh_b[0] * sh_b[1], b);
        dims[0] = sh_a[1], dims[1] = sh_b[0], dims[2] = sh_a[0];
        *bytes = (size_t)size;
    } else {
        fprintf(stderr, "lora_file_read: %s: cannot read it as one LoRA module (Lab 05's layout)\n", path);
    }
    free(buf);
    return ok ? 0 : -1;
}
