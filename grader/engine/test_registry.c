/*
 * test_registry.c - the tests a lab's TEST()s registered (test.h), in report
 * order, and grade-NN --check-tests, which the Makefile runs on each grader
 * it links.
 */
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bounds of the section the linker gathers from every test file; weak, so a
 * grader with no test at all still links and --check-tests says so. */
extern const judge_test_entry_t *const __start_loralab_tests[] __attribute__((weak));
extern const judge_test_entry_t *const __stop_loralab_tests[] __attribute__((weak));

typedef struct {
    const judge_test_entry_t *entry;
    long task_number; /* n of "labNN.n"; -1 when the task does not read so */
    size_t file_rank; /* where the test's file first appears in the section */
} keyed_t;

/* n of "lab<id>.<n>" (n > 0, no leading zero), else -1. */
static long task_number(const char *task, const char *lab_id)
{
    size_t id_len = strlen(lab_id);
    if (strncmp(task, "lab", 3) != 0 || strncmp(task + 3, lab_id, id_len) != 0 || task[3 + id_len] != '.')
        return -1;
    const char *digits = task + 4 + id_len;
    if (digits[0] < '1' || digits[0] > '9' || strspn(digits, "0123456789") != strlen(digits) ||
        strlen(digits) > 6)
        return -1;
    return strtol(digits, NULL, 10);
}

static int by_report_order(const void *pa, const void *pb)
{
    const keyed_t *a = pa, *b = pb;
    if (a->task_number != b->task_number)
        return a->task_number < b->task_number ? -1 : 1;
    if (a->entry->derived != b->entry->derived) /* a task's derived tests after its own */
        return a->entry->derived - b->entry->derived;
    if (a->file_rank != b->file_rank)
        return a->file_rank < b->file_rank ? -1 : 1;
    return (a->entry->line > b->entry->line) - (a->entry->line < b->entry->line);
}

/* The registered tests in report order (n_out of them), keys alongside. */
static keyed_t *collect(const char *lab_id, size_t *n_out)
{
    size_t n = __start_loralab_tests && __stop_loralab_tests
                   ? (size_t)(__stop_loralab_tests - __start_loralab_tests) : 0;
    keyed_t *keyed = calloc(n ? n : 1, sizeof *keyed);
    if (!keyed) {
        perror("grader: calloc");
        exit(2);
    }
    for (size_t i = 0; i < n; i++) {
        const judge_test_entry_t *e = __start_loralab_tests[i];
        size_t rank = i;
        for (size_t k = 0; k < i; k++)
            if (strcmp(keyed[k].entry->file, e->file) == 0) {
                rank = keyed[k].file_rank;
                break;
            }
        keyed[i] = (keyed_t){e, task_number(e->test.task, lab_id), rank};
    }
    qsort(keyed, n, sizeof *keyed, by_report_order);
    *n_out = n;
    return keyed;
}

/* Every rule a test table must follow; prints each breach, returns their count. */
static int check_tests(const judge_lab_t *lab, const keyed_t *keyed, size_t n)
{
    int bad = 0, points = 0;
    if (n == 0) {
        fprintf(stderr, "grade-%s: no test is registered (no TEST() in the lab's test files)\n", lab->id);
        return 1;
    }
    for (size_t i = 0; i < n; i++) {
        const judge_test_entry_t *e = keyed[i].entry;
        const judge_test_t *t = &e->test;
        const char *name = t->name ? t->name : "(no name)";
#define BREACH(...)                                                                                \
    do {                                                                                           \
        fprintf(stderr, "%s:%d: test \"%s\": ", e->file, e->line, name);                           \
        fprintf(stderr, __VA_ARGS__);                                                              \
        fputc('\n', stderr);                                                                       \
        bad++;                                                                                     \
    } while (0)
        if (!t->name || !t->name[0] || strlen(t->name) > JUDGE_MAX_NAME)
            BREACH("names are 1 to %d characters", JUDGE_MAX_NAME);
        if (!t->task || keyed[i].task_number < 0)
            BREACH("task \"%s\" is not lab%s.<n> (n = 1, 2, ...)", t->task ? t->task : "", lab->id);
        if (t->points <= 0)
            BREACH("points must be > 0 (has %d)", t->points);
        if (!t->hint || strspn(t->hint, " \t\n") == strlen(t->hint))
            BREACH("the hint is empty");
        if (!t->run)
            BREACH("no body");
        for (size_t k = 0; k < i && t->name; k++) {
            const judge_test_entry_t *o = keyed[k].entry;
            if (o->test.name && strcmp(o->test.name, t->name) == 0)
                BREACH("the name is taken by the test at %s:%d", o->file, o->line);
            if (o->test.task && t->task && strcmp(o->test.task, t->task) == 0 && strcmp(o->file, e->file) != 0 &&
                !o->derived && !e->derived) {
                BREACH("task %s has tests in %s and %s: keep a task's tests in one file", t->task,
                       o->file, e->file);
                break;
            }
        }
#undef BREACH
        points += t->points;
    }
    if (bad == 0)
        printf("grade-%s: %zu tests, %d points, %s to %s: well formed\n", lab->id, n, points,
               keyed[0].entry->test.task, keyed[n - 1].entry->test.task);
    return bad;
}

int judge_main_registered(int argc, char **argv, const judge_lab_t *lab)
{
    size_t n;
    keyed_t *keyed = collect(lab->id, &n);
    if (argc == 2 && strcmp(argv[1], "--check-tests") == 0) {
        int bad = check_tests(lab, keyed, n);
        free(keyed);
        return bad ? 1 : 0;
    }
    /* The table judge_main expects; it lives as long as the process. */
    judge_test_t *tests = calloc(n ? n : 1, sizeof *tests);
    if (!tests) {
        perror("grader: calloc");
        return 2;
    }
    for (size_t i = 0; i < n; i++)
        tests[i] = keyed[i].entry->test;
    free(keyed);
    static judge_lab_t filled; /* judge_main keeps a pointer to it */
    filled = *lab;
    filled.tests = tests;
    filled.n_tests = n;
    return judge_main(argc, argv, &filled);
}
