/* lab.c - status messages and the "not implemented" stub (see lab.h). */
#include "lab.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void lab_arg_error(const char *file, const char *func, const char *fmt, ...)
{
    const char *base = strrchr(file, '/');
    va_list ap;

    fprintf(stderr, "%s: %s: ", base ? base + 1 : file, func);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

_Noreturn void lab_todo(const char *task, const char *func, ...)
{
    fprintf(stderr, LAB_TODO_MARKER "%s (%s)\n", func, task);
    fflush(stderr);
    abort();
}
