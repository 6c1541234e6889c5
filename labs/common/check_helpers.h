/*
 * check_helpers.h - what every lab's visible Check tests share: the kit's
 * tolerance and a tensor comparison that prints the first got/expected pairs,
 * the largest difference and the tolerance.  Used only by the labs' visible tests.
 */
#ifndef LORALAB_CHECK_HELPERS_H
#define LORALAB_CHECK_HELPERS_H

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "kitio.h"
#include "lab.h"

/* Tolerance of the kit (every lab header): |got - expected| <= TOL * max(1, |expected|). */
#define TOL 1e-9
#define SHOW_MAX 4 /* mismatching entries shown in a failure message */
#define MSG_MAX 1024
#define SENTINEL -12345.0 /* fills outputs, so untouched entries are visible */

/*
 * Compare got and expected (count entries) with the kit's tolerance.  A NaN
 * expected entry requires a NaN.  Returns 1 if every entry is close enough;
 * otherwise 0 and, in msg, the first few got/expected pairs, the largest
 * difference and the tolerance.
 */
static int close_enough(const double *got, const double *expected, size_t count,
                        char *msg, size_t msg_size)
{
    size_t bad = 0, worst_at = 0;
    double worst = 0.0;
    int len = 0;

    msg[0] = '\0';
    for (size_t i = 0; i < count; i++) {
        double e = expected[i], g = got[i];
        double diff = (isnan(e) && isnan(g)) ? 0.0 : (e == g ? 0.0 : fabs(g - e));
        double tol = TOL * fmax(1.0, fabs(e));
        if (diff <= tol)
            continue;
        if (bad == 0 || !(diff <= worst)) {
            worst = diff;
            worst_at = i;
        }
        if (bad < SHOW_MAX && len >= 0 && (size_t)len < msg_size)
            len += snprintf(msg + len, msg_size - (size_t)len,
                            "\n    [%zu] got %.17g, expected %.17g", i, g, e);
        bad++;
    }
    if (bad == 0)
        return 1;
    if (len >= 0 && (size_t)len < msg_size)
        snprintf(msg + len, msg_size - (size_t)len,
                 "%s\n    %zu of %zu entries wrong; max |got - expected| = %.3g at [%zu],"
                 " tolerance there %.3g (1e-9 * max(1, |expected|))",
                 bad > SHOW_MAX ? "\n    ..." : "", bad, count, worst, worst_at,
                 TOL * fmax(1.0, fabs(expected[worst_at])));
    return 0;
}

/* ck_assert_msg here, not in the helper, so a failure names the test's line. */
#define CHECK_CLOSE(task, what, got, expected, count)                           \
    do {                                                                        \
        char msg_[MSG_MAX];                                                     \
        int ok_ = close_enough((got), (expected), (count), msg_, sizeof msg_);  \
        ck_assert_msg(ok_, "%s: %s is wrong:%s", (task), (what), msg_);         \
    } while (0)

#define CHECK_OK(task, call)                                                    \
    do {                                                                        \
        int rc_ = (call);                                                       \
        ck_assert_msg(rc_ == LAB_OK, "%s: %s returned %d, expected LAB_OK (0)", \
                      (task), #call, rc_);                                      \
    } while (0)

/* ---- stored expected values ------------------------------------------
 * Each lab's random non-square cases and their expected values live in
 * data/labNN/visible-expected.txt (the kit's tensor text format, kitio.h),
 * written once from the reference solution (data/VISIBLE.md says how), so
 * the values a test compares with never come from the code under test.
 * A case NAME stores its inputs as NAME.x, NAME.w0, ..., its expected output
 * as NAME.OUT, and, for a few typical mistakes, the output that mistake
 * gives as NAME.OUT~MISTAKE: a wrong result equal to one of those is named. */

/* A mistake that shows in the result: its suffix in the data file and what
 * to tell the student when the result matches it. */
typedef struct {
    const char *id;
    const char *says;
} mistake_t;

/* Read the stored file of lab `lab` ("02") into *f, once, in main (the
 * tests run from the kit's root: make check LAB=NN).  Returns 0, or -1 after
 * a message. */
static inline int visible_data(const char *lab, kit_file_t *f)
{
    char path[64];
    snprintf(path, sizeof path, "data/lab%s/visible-expected.txt", lab);
    if (kit_read(path, f) == 0)
        return 0;
    fprintf(stderr, "cannot read %s: run the tests from the kit's root (make check LAB=%s)\n",
            path, lab);
    return -1;
}

/* Tensor `name` of f, which must hold `count` entries. */
static inline const double *stored(const kit_file_t *f, const char *name, size_t count)
{
    const kit_tensor_t *t = kit_find(f, name);
    ck_assert_msg(t != NULL && t->rows * t->cols == count,
                  "%s: no tensor %s of %zu entries: the file is damaged", f->path, name, count);
    return t->data;
}

/* A stored size (a 1 x 1 tensor holding a whole number). */
static inline size_t stored_size(const kit_file_t *f, const char *name)
{
    return (size_t)stored(f, name, 1)[0];
}

/* Whether got equals, to the tolerance, the stored output of a mistake. */
static inline const char *which_mistake(const kit_file_t *f, const char *name, const double *got,
                                 size_t count, const mistake_t *mistakes)
{
    char key[KIT_NAME_MAX], ignored[MSG_MAX];
    for (const mistake_t *m = mistakes; m && m->id; m++) {
        snprintf(key, sizeof key, "%s~%s", name, m->id);
        for (size_t t = 0; t < f->count; t++)
            if (strcmp(f->tensors[t].name, key) == 0 &&
                f->tensors[t].rows * f->tensors[t].cols == count &&
                close_enough(got, f->tensors[t].data, count, ignored, sizeof ignored))
                return m->says;
    }
    return NULL;
}

/* Compare got (count entries) with the stored tensor `name`; on a mismatch
 * name the mistake when the result is one of `mistakes` (NULL-terminated). */
#define CHECK_STORED(task, what, got, file, name, count, mistakes)                   \
    do {                                                                           \
        char msg_[MSG_MAX];                                                        \
        const double *want_ = stored((file), (name), (count));                  \
        if (!close_enough((got), want_, (count), msg_, sizeof msg_)) {             \
            const char *says_ = which_mistake((file), (name), (got), (count),      \
                                              (mistakes));                         \
            if (says_)                                                             \
                ck_abort_msg("%s: %s is wrong: %s (every entry equals what that "   \
                             "mistake gives; random case %s of %s)%s",              \
                             (task), (what), says_, (name), (file)->path, msg_);   \
            ck_abort_msg("%s: %s is wrong (random case %s of %s):%s", (task),      \
                         (what), (name), (file)->path, msg_);                      \
        }                                                                          \
    } while (0)

#endif
