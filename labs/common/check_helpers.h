/*
 * check_helpers.h - what every lab's visible Check tests share: the kit's
 * tolerance and a tensor comparison that prints the first got/expected pairs,
 * the largest difference and the tolerance (the rule itself is close.h's,
 * the grader's too), the stored expected values, and main's suite runner
 * (visible_main).  Used only by the labs' visible tests.
 */
#ifndef LORALAB_CHECK_HELPERS_H
#define LORALAB_CHECK_HELPERS_H

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "close.h"
#include "kitio.h"
#include "lab.h"

/* Tolerance of the kit (every lab header): |got - expected| <= TOL * max(1, |expected|). */
#define TOL KIT_TOL
#define SHOW_MAX 4 /* mismatching entries shown in a failure message */
#define MSG_MAX 1024
#define SENTINEL -12345.0 /* fills outputs, so untouched entries are visible */

/* Set every entry of a (count entries) to v: outputs start as SENTINEL. */
static inline void fill(double *a, size_t count, double v)
{
    for (size_t i = 0; i < count; i++)
        a[i] = v;
}

/*
 * Compare got and expected (count entries) with the kit's rule, values_close
 * (close.h): a NaN expected entry requires a NaN, an infinity the same
 * infinity.  Returns 1 if every entry is close enough; otherwise 0 and, in
 * msg, the first few got/expected pairs, the largest difference and the
 * tolerance.
 */
static inline int close_enough(const double *got, const double *expected, size_t count,
                               char *msg, size_t msg_size)
{
    size_t bad = 0, worst_at = 0;
    double worst = 0.0;
    int len = 0;

    msg[0] = '\0';
    for (size_t i = 0; i < count; i++) {
        double e = expected[i], g = got[i];
        if (values_close(g, e, TOL))
            continue;
        double diff = fabs(g - e);
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

/* A call must return `status` (LAB_OK, LAB_EARG); the message names it. */
#define CHECK_STATUS(task, call, status, status_name)                           \
    do {                                                                        \
        int rc_ = (call);                                                       \
        ck_assert_msg(rc_ == (status), "%s: %s returned %d, expected %s", \
                      (task), #call, rc_, (status_name));                       \
    } while (0)
#define CHECK_OK(task, call) CHECK_STATUS(task, call, LAB_OK, "LAB_OK (0)")
/* The usual check of one output: out (count doubles) is filled with SENTINEL,
 * then call (which writes out) must return LAB_OK and out equal expected. */
#define CHECK_CALL_CLOSE(task, what, call, out, expected, count)                \
    do {                                                                        \
        fill(out, count, SENTINEL);                                             \
        CHECK_OK(task, call);                                                   \
        CHECK_CLOSE(task, what, out, expected, count);                          \
    } while (0)
#define CHECK_EARG(task, call) CHECK_STATUS(task, call, LAB_EARG, "LAB_EARG (-1)")

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

/* A lab's table of mistakes, ended as which_mistake expects:
 *     MISTAKES(BEST_MISTAKES, {"r2", "it is the best rank-2 approximation: ..."});
 * defines static const mistake_t BEST_MISTAKES[]. */
#define MISTAKES(name, ...) static const mistake_t name[] = {__VA_ARGS__, {NULL, NULL}}

/* The stored file of the lab under test, read by visible_main. */
static kit_file_t VIS;

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

/* ---- main ----------------------------------------------------------------
 * Every lab's visible tests run the same way: one Check suite per task,
 * named by its task id ("lab02.3") so that even a crash names the task, in
 * one runner, after the lab's stored file is read into VIS. */

#define VISIBLE_TESTS_MAX 12 /* tests of one task */

typedef struct {
    const char *task;     /* "lab02.3": the suite's name */
    const char *function; /* the test case's name; NULL: the task id */
    const TTest *tests[VISIBLE_TESTS_MAX + 1]; /* NULL-terminated */
} visible_task_t;

/* Run tasks[0 .. n_tasks), one suite each, in one runner.  timeout_s > 0
 * replaces Check's per-test default (4 s).  Returns the number of failed tests. */
static inline int run_task_suites(const visible_task_t *tasks, size_t n_tasks, double timeout_s)
{
    SRunner *sr = srunner_create(NULL);
    for (size_t i = 0; i < n_tasks; i++) {
        Suite *s = suite_create(tasks[i].task);
        TCase *tc = tcase_create(tasks[i].function ? tasks[i].function : tasks[i].task);
        if (timeout_s > 0)
            tcase_set_timeout(tc, timeout_s);
        for (size_t k = 0; k < VISIBLE_TESTS_MAX && tasks[i].tests[k]; k++)
            tcase_add_test(tc, tasks[i].tests[k]);
        suite_add_tcase(s, tc);
        srunner_add_suite(sr, s);
    }
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed;
}

/* Run the visible tests of lab `lab` ("02") with the stored file in VIS.
 * Returns main's exit status: EXIT_SUCCESS when every test passed. */
static inline int visible_main(const char *lab, const visible_task_t *tasks, size_t n_tasks,
                               double timeout_s)
{
    if (visible_data(lab, &VIS) != 0)
        return EXIT_FAILURE;
    int failed = run_task_suites(tasks, n_tasks, timeout_s);
    kit_free(&VIS);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif
