/* report.h - writing a grading run as text, Gradescope JSON, JUnit XML, TAP or
 * the kit's verdict JSON (read by tools/grade_all.py). */
#ifndef LORALAB_REPORT_H
#define LORALAB_REPORT_H

#include "judge.h"

typedef struct {
    const judge_test_t *test;
    int selected, passed, score;
    unsigned why; /* JUDGE_WHY_* bits: why it failed (judge.h) */
    char *log; /* why it failed, one line each; may hold student output */
} result_t;

typedef struct {
    const judge_lab_t *lab;
    const char *submission;
    unsigned long long seed;
    const char *format;
    int built;
    const char *compile_msg;
    const result_t *results;
    size_t n;
} report_t;

/* Write to `path` atomically (a temporary file renamed into place), or to
 * stdout when path is NULL.  Returns 0, or -1 after an error message. */
int report_write(const report_t *r, const char *path);

#endif
