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

#endif
