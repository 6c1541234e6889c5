/*
 * engine_test.c - a test table that exercises the engine itself, graded by
 * tests/test_engine.py (make engine-tests).  It poses as Lab 01 (its
 * sources, header and runner library) so a real runner gets built, and runs
 * with --jobs 1, so its tests run one after the other in table order.
 */
#include "engine.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A grader error in one test (the parent then sets its own flag)... */
static void t_grader_error(judge_t *j)
{
    judge_fail(j, "a grader error, on purpose");
    judge_internal_error();
}

/* ...must not fail the tests started after it. */
static void t_passes(judge_t *j) { (void)j; }

/* A worker that leaves through exit() must not run the parent's atexit
 * cleanup, which removes the temporary folder every worker uses. */
static void t_exit(judge_t *j)
{
    (void)j;
    exit(0);
}

static void t_runner_still_there(judge_t *j)
{
    if (access(judge_runner_path(), X_OK) != 0)
        judge_fail(j, "the runner %s is gone", judge_runner_path());
}

/* A worker runs test after test (--jobs 1: these two in one worker, in
 * this order): what one test leaves behind (failed, its reasons and log,
 * the allocator set to fail) must not reach the next. */
static void t_leaves_state(judge_t *j)
{
    judge_fail_why(j, JUDGE_WHY_CRASH, "a failure and a reason left behind, on purpose");
    alloc_fault_requested = 1;
    alloc_fault_begin(); /* every allocation fails from here on */
}

static void t_starts_clean(judge_t *j)
{
    void *p = malloc(64);
    if (j->failed || j->why || j->log_len || alloc_fault_requested || !p)
        judge_fail(j, "the test before left state behind: failed %d, why %x, %zu log bytes, "
                   "alloc_fault_requested %d, malloc %s", j->failed, j->why, j->log_len,
                   alloc_fault_requested, p ? "works" : "fails");
    free(p);
}

/* Every data file a test was handed stays valid until the test ends. */
static void t_data_files_stay(judge_t *j)
{
    const kit_file_t *first = judge_data(j, "lab01/worked-examples.txt");
    if (!first)
        return;
    kit_file_t copy;
    char path[PATH_MAX * 2];
    snprintf(path, sizeof path, "%s/data/lab01/worked-examples.txt", judge_root());
    if (kit_read(path, &copy) != 0) {
        judge_fail(j, "cannot read %s", path);
        return;
    }
    const kit_file_t *second = judge_data(j, "lab02/worked-examples.txt");
    const kit_file_t *again = judge_data(j, "lab01/worked-examples.txt");
    if (!second || !again)
        return;
    if (first == second)
        judge_fail(j, "two data files share one kit_file_t");
    else if (first->count != copy.count || strcmp(first->path, copy.path) != 0)
        judge_fail(j, "the first data file changed after a second was read");
    else
        for (size_t i = 0; i < copy.count; i++)
            if (strcmp(first->tensors[i].name, copy.tensors[i].name) != 0 ||
                memcmp(first->tensors[i].data, copy.tensors[i].data,
                       copy.tensors[i].rows * copy.tensors[i].cols * sizeof(double)) != 0) {
                judge_fail(j, "tensor %s of the first data file changed", copy.tensors[i].name);
                break;
            }
    kit_free(&copy);
}

/* ---- why a test failed, and the hints the report shows for it ---- */

/* lowrank_storage(d, k, r) on the reference, its out[] against want[]. */
static call_t *storage_call(judge_t *j, size_t r)
{
    call_t *c = call_new(j, "lowrank_storage");
    call_size(c, "d", 12);
    call_size(c, "k", 12);
    call_size(c, "r", r);
    call_out(c, "out", 4);
    return c;
}

/* A check of the test's own finds a wrong value: its own hint. */
static void t_wrong_value(judge_t *j)
{
    static const double wrong[4] = {1, 2, 3, 4};
    expect_call(j, storage_call(j, 4), 0, "out", wrong, 1, 4, 1e-9);
}

/* Only a context line: the test's own check, its own hint. */
static void t_context_only(judge_t *j)
{
    judge_fail(j, "(a case's context, nothing else)");
}

/* LAB_EARG for a call the test expects accepted (r = 0 is rejected): the
 * rejection's hint, not the test's, which is about values. */
static void t_rejected(judge_t *j)
{
    static const double any[4] = {0};
    expect_call(j, storage_call(j, 0), 0, "out", any, 1, 4, 1e-9);
}

/* A guard test whose valid call, made first, gave a wrong value. */
static void t_needs_working(judge_t *j)
{
    t_wrong_value(j);
    (void)judge_needs_working(j, "lowrank_storage");
}

/* An engine reason and context lines: not the test's own hint. */
static void t_engine_reason(judge_t *j)
{
    judge_fail_why(j, JUDGE_WHY_INPUT, "lowrank_storage changed its input, on purpose");
    judge_fail(j, "(the case's context)");
}

/* An engine reason and a wrong value: both hints. */
static void t_reason_and_value(judge_t *j)
{
    judge_fail_why(j, JUDGE_WHY_CRASH, "lowrank_storage crashed, on purpose");
    t_wrong_value(j);
}

static const judge_test_t tests[] = {
    {"lab01.1", "a grader error", 1, "-", t_grader_error},
    {"lab01.1", "a test after a grader error passes", 1, "-", t_passes},
    {"lab01.1", "a worker leaves through exit", 1, "-", t_exit},
    {"lab01.1", "the runner is still there after that", 1, "-", t_runner_still_there},
    {"lab01.1", "a test leaves state behind", 1, "-", t_leaves_state},
    {"lab01.1", "the next test in the same worker starts clean", 1, "-", t_starts_clean},
    {"lab01.1", "data files stay valid while the test runs", 1, "-", t_data_files_stay},
    {"lab01.2", "a wrong value", 1, "own hint of a wrong value", t_wrong_value},
    {"lab01.2", "a context line alone", 1, "own hint of a context line", t_context_only},
    {"lab01.2", "a valid call rejected", 1, "own hint of a rejected call", t_rejected},
    {"lab01.2", "a guard test without a working function", 1, "own hint of a guard", t_needs_working},
    {"lab01.2", "an engine reason with a context line", 1, "own hint of an engine reason", t_engine_reason},
    {"lab01.2", "an engine reason and a wrong value", 1, "own hint beside a crash", t_reason_and_value},
};

int main(int argc, char **argv)
{
    static const char *const sources[] = {"lowrank.c", NULL};
    static const judge_lab_t lab = {"01", "the engine's own tests", "01-rank-factorization",
                                    sources, "lowrank.h", tests, sizeof tests / sizeof tests[0]};
    return judge_main(argc, argv, &lab);
}
