/* kitio.c - the kit's text tensor files (format in kitio.h). */
#include "kitio.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define KIT_LINE_MAX 65536
#define KIT_MAX_ENTRIES ((size_t)1 << 28) /* refuse absurd shapes early */

static void kit_error(const char *path, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void kit_error(const char *path, size_t line, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "kitio.c: kit_read: %s:%zu: ", path, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* Read the next line that is not blank or a comment; 0 at end of file. */
static int next_line(FILE *fp, char *buf, size_t *lineno, const char *path, int *err)
{
    while (fgets(buf, KIT_LINE_MAX, fp)) {
        (*lineno)++;
        size_t len = strlen(buf);
        if (len == KIT_LINE_MAX - 1 && buf[len - 1] != '\n') {
            kit_error(path, *lineno, "line longer than %d characters", KIT_LINE_MAX - 2);
            *err = 1;
            return 0;
        }
        char *hash = strchr(buf, '#');
        if (hash)
            *hash = '\0';
        char *p = buf;
        while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
            p++;
        if (*p)
            return 1;
    }
    return 0;
}

static int parse_size(const char *tok, size_t *out)
{
    char *end;
    if (!tok || *tok == '-')
        return -1;
    errno = 0;
    unsigned long long v = strtoull(tok, &end, 10);
    if (errno || *end || end == tok)
        return -1;
    *out = (size_t)v;
    return 0;
}

static int read_rows(FILE *fp, char *buf, size_t *lineno, const char *path, kit_tensor_t *t)
{
    for (size_t i = 0; i < t->rows; i++) {
        int err = 0;
        if (!next_line(fp, buf, lineno, path, &err)) {
            if (!err)
                kit_error(path, *lineno, "tensor %s ends after %zu of its %zu rows",
                          t->name, i, t->rows);
            return -1;
        }
        char *p = buf;
        for (size_t j = 0; j < t->cols; j++) {
            char *end;
            double v = strtod(p, &end);
            if (end == p) {
                kit_error(path, *lineno, "tensor %s row %zu: expected %zu numbers, found %zu",
                          t->name, i, t->cols, j);
                return -1;
            }
            t->data[i * t->cols + j] = v;
            p = end;
        }
        while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
            p++;
        if (*p) {
            int shown = (int)strcspn(p, "\r\n");
            kit_error(path, *lineno, "tensor %s row %zu: more than %zu numbers (at \"%.*s\")",
                      t->name, i, t->cols, shown < 20 ? shown : 20, p);
            return -1;
        }
    }
    return 0;
}

int kit_read(const char *path, kit_file_t *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->path, sizeof out->path, "%s", path);
    FILE *fp = fopen(path, "r");
    if (!fp) {
        fprintf(stderr, "kitio.c: kit_read: cannot open %s: %s\n", path, strerror(errno));
        return -1;
    }
    char *buf = malloc(KIT_LINE_MAX);
    size_t lineno = 0, cap = 0;
    int err = 0;
    if (!buf) {
        fclose(fp);
        fprintf(stderr, "kitio.c: kit_read: out of memory\n");
        return -1;
    }
    while (next_line(fp, buf, &lineno, path, &err)) {
        char *save = NULL;
        char *kw = strtok_r(buf, " \t\r\n", &save);
        char *name = strtok_r(NULL, " \t\r\n", &save);
        char *rows = strtok_r(NULL, " \t\r\n", &save);
        char *cols = strtok_r(NULL, " \t\r\n", &save);
        char *extra = strtok_r(NULL, " \t\r\n", &save);
        kit_tensor_t t = {{0}, 0, 0, NULL};
        if (strcmp(kw, "tensor") != 0 || !cols || extra) {
            kit_error(path, lineno, "expected \"tensor NAME ROWS COLS\", found \"%.40s\"", kw);
            err = 1;
            break;
        }
        if (strlen(name) >= KIT_NAME_MAX) {
            kit_error(path, lineno, "tensor name longer than %d characters", KIT_NAME_MAX - 1);
            err = 1;
            break;
        }
        if (parse_size(rows, &t.rows) || parse_size(cols, &t.cols) || (t.rows && !t.cols) ||
            (t.cols && t.rows > KIT_MAX_ENTRIES / t.cols)) {
            kit_error(path, lineno, "tensor %s: bad shape \"%s %s\"", name, rows, cols);
            err = 1;
            break;
        }
        for (size_t k = 0; k < out->count; k++)
            if (strcmp(out->tensors[k].name, name) == 0) {
                kit_error(path, lineno, "tensor %s appears twice", name);
                err = 1;
            }
        if (err)
            break;
        strcpy(t.name, name);
        t.data = calloc((t.rows * t.cols) > 0 ? t.rows * t.cols : 1, sizeof(double));
        if (out->count == cap) {
            cap = cap ? 2 * cap : 8;
            kit_tensor_t *grown = realloc(out->tensors, cap * sizeof *grown);
            if (!grown) {
                free(t.data);
                t.data = NULL;
            } else {
                out->tensors = grown;
            }
        }
        if (!t.data) {
            kit_error(path, lineno, "out of memory for tensor %s", name);
            err = 1;
            break;
        }
        out->tensors[out->count++] = t;
        if (read_rows(fp, buf, &lineno, path, &out->tensors[out->count - 1])) {
            err = 1;
            break;
        }
    }
    free(buf);
    fclose(fp);
    if (err) {
        kit_free(out);
        return -1;
    }
    return 0;
}

const kit_tensor_t *kit_find(const kit_file_t *f, const char *name)
{
    for (size_t k = 0; k < f->count; k++)
        if (strcmp(f->tensors[k].name, name) == 0)
            return &f->tensors[k];
    fprintf(stderr, "kitio.c: kit_find: %s has no tensor called %s\n", f->path, name);
    return NULL;
}

const double *kit_get(const kit_file_t *f, const char *name, size_t rows, size_t cols)
{
    const kit_tensor_t *t = kit_find(f, name);
    if (!t)
        return NULL;
    if (t->rows != rows || t->cols != cols) {
        fprintf(stderr, "kitio.c: kit_get: %s: tensor %s is (%zu, %zu), expected (%zu, %zu)\n",
                f->path, name, t->rows, t->cols, rows, cols);
        return NULL;
    }
    return t->data;
}

void kit_free(kit_file_t *f)
{
    for (size_t k = 0; k < f->count; k++)
        free(f->tensors[k].data);
    free(f->tensors);
    f->tensors = NULL;
    f->count = 0;
}

int kit_write_tensor(FILE *f, const char *name, const double *data,
                     size_t rows, size_t cols)
{
    if ((rows && !cols) || fprintf(f, "tensor %s %zu %zu\n", name, rows, cols) < 0)
        return -1;
    for (size_t i = 0; i < rows; i++) {
        for (size_t j = 0; j < cols; j++)
            if (fprintf(f, "%s%.17g", j ? " " : "", data[i * cols + j]) < 0)
                return -1;
        if (fputc('\n', f) == EOF)
            return -1;
    }
    return 0;
}
