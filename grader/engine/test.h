/*
 * test.h - a lab's hidden test, its name, points and hint written where its
 * body is:
 *
 *     TEST("lab02.1", 4, "zero B gives exactly the base layer",
 *          "What must hold, true for any wrong value this test can find.")
 *     {
 *         ... body: checks through j (judge_t *) ...
 *     }
 *
 * The hint is shown only when the test's own checks find a wrong value;
 * every other reason (a crash, a changed input, ...) has the engine's own
 * hint (report.c; docs/new-lab.md, "Hints").
 *
 * Each TEST puts a pointer to its entry in the linker section loralab_tests
 * (the linker defines __start_loralab_tests and __stop_loralab_tests around
 * it, as for any section named like a C identifier).  judge_main_registered() collects them in report order: by task
 * number ("lab05.2" before "lab05.10"), then by source line; the tests of a
 * task must sit in one file (grade-NN --check-tests says so).
 *
 * Checked when the test file compiles: the name is 1 to JUDGE_MAX_NAME
 * characters, the hint is not empty, points > 0.  Checked when the grader is
 * linked (the Makefile runs grade-NN --check-tests): names unique, the task is
 * "lab<id>.<n>" for this lab, a task's tests in one file.
 */
#ifndef LORALAB_TEST_H
#define LORALAB_TEST_H

#include "judge.h"

typedef struct {
    judge_test_t test;
    const char *file; /* the file's name (not its path) and line of the TEST: its place in the report */
    int line;
    int derived;      /* CONTRACT_TEST: generated from the description (describe.h) */
} judge_test_entry_t;

/* Runs the registered tests of `lab` (its tests and n_tests are ignored);
 * --check-tests as the only option checks them, prints a summary and exits:
 * 0 when they are well formed, 1 otherwise. */
int judge_main_registered(int argc, char **argv, const judge_lab_t *lab);

/* The file's name only: a grader handed out in binary form must not name the
 * folder of the hidden tests (make handout checks). */
#ifdef __FILE_NAME__
#define JUDGE_TEST_FILE_ __FILE_NAME__
#else
#define JUDGE_TEST_FILE_ __FILE__
#endif

#define JUDGE_TEST_CAT2_(a, b) a##b
#define JUDGE_TEST_CAT_(a, b) JUDGE_TEST_CAT2_(a, b)

/* One expansion per line: every __LINE__ below is the same number.  The
 * section holds pointers, not the entries, so that no alignment padding can
 * fall between two of them. */
#define TEST(task_, points_, name_, hint_) JUDGE_TEST_(0, task_, points_, name_, hint_)
/* A contract test derived from a lab's functions.txt (the generated
 * functions.c): the same, but it may share its task with tests of one other
 * file, the lab's own, after which it is reported. */
#define CONTRACT_TEST(task_, points_, name_, hint_) JUDGE_TEST_(1, task_, points_, name_, hint_)

#define JUDGE_TEST_(derived_, task_, points_, name_, hint_)                                        \
    _Static_assert(sizeof(name_) > 1 && sizeof(name_) - 1 <= JUDGE_MAX_NAME,                       \
                   "test names are 1 to JUDGE_MAX_NAME characters: " name_);                       \
    _Static_assert(sizeof(hint_) > 1, "a test needs a hint: " name_);                              \
    _Static_assert((points_) > 0, "a test is worth points > 0: " name_);                           \
    static void JUDGE_TEST_CAT_(judge_test_body_, __LINE__)(judge_t * j);                          \
    static const judge_test_entry_t JUDGE_TEST_CAT_(judge_test_entry_, __LINE__) = {               \
        {task_, name_, points_, hint_, JUDGE_TEST_CAT_(judge_test_body_, __LINE__)},               \
        JUDGE_TEST_FILE_, __LINE__, derived_};                                                     \
    static const judge_test_entry_t *const JUDGE_TEST_CAT_(judge_test_ref_, __LINE__)              \
        __attribute__((used, section("loralab_tests"))) =                                          \
            &JUDGE_TEST_CAT_(judge_test_entry_, __LINE__);                                         \
    static void JUDGE_TEST_CAT_(judge_test_body_, __LINE__)(judge_t * j)

/* A lab's grader main, after its tests: the lab's id, title, folder under
 * labs/, the header force-included when compiling, then the files the
 * student submits.
 *
 *     JUDGE_LAB_MAIN("02", "the LoRA forward pass", "02-forward-pass", "lora_forward.h",
 *                    "lora_forward.c")
 */
#define JUDGE_LAB_MAIN(id_, title_, dir_, header_, ...)                                    \
    int main(int argc, char **argv)                                                       \
    {                                                                                     \
        static const char *const sources_[] = {__VA_ARGS__, NULL};                        \
        static const judge_lab_t lab_ = {id_, title_, dir_, sources_, header_, NULL, 0};  \
        return judge_main_registered(argc, argv, &lab_);                                  \
    }

#endif
