/*
 * judge.c - the grade-NN program: judge_main (check the test table, make the
 * temporary folders, build, run the tests, write the reports) and what a
 * test table calls on its judge_t (failures, data files, random streams).
 *
 * This process decides the score.  It never runs student code: the tests run
 * in forked workers (grader code only, schedule.c), and a test's calls into
 * student code run in a sandboxed runner executed for that test (call.c,
 * run_sandbox.c).  The other files: options.c (the command line),
 * build_runner.c (the compile policy), wire.c (requests and answers),
 * expect.c (the checks).
 */
#define _GNU_SOURCE
#include "engine.h"
#include "report.h"

#include <errno.h>
#include <ftw.h>
#include <libgen.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

engine_run_t grading;

const char *judge_empty_dir(void) { return grading.empty; }
const char *judge_runner_path(void) { return grading.runner; }
const char *judge_sources_text(void) { return grading.sources_text; }
void judge_internal_error(void) { grading.internal_error = 1; }
const char *judge_root(void) { return grading.root; }

rng_t *judge_rng(judge_t *j) { return &j->rng; }
int judge_failed(const judge_t *j) { return j->failed; }
unsigned judge_why(const judge_t *j) { return j->why; }

void judge_blame_first_call(judge_t *j)
{
    j->why = (j->why & ~(unsigned)JUDGE_WHY_RESULT) | JUDGE_WHY_WORKING;
}

int judge_needs_working(judge_t *j, const char *func)
{
    if (!j->failed)
        return 1;
    judge_blame_first_call(j);
    judge_fail_why(j, 0, "(a valid call, made first, must give the reference's result: this test's "
                   "points need a working %s)", func);
    return 0;
}

static void judge_vfail(judge_t *j, unsigned why, const char *fmt, va_list ap)
{
    j->failed = 1;
    j->why |= why;
    if (j->log_len + 2 >= LOG_MAX)
        return;
    int n = vsnprintf(j->log + j->log_len, LOG_MAX - j->log_len - 1, fmt, ap);
    if (n < 0)
        return;
    j->log_len += (size_t)n < LOG_MAX - j->log_len - 1 ? (size_t)n : LOG_MAX - j->log_len - 2;
    j->log[j->log_len++] = '\n';
    j->log[j->log_len] = '\0';
}

/* A test's own line: a wrong value, unless it is a context line "(...)". */
void judge_fail(judge_t *j, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    judge_vfail(j, fmt[0] == '(' ? 0 : JUDGE_WHY_RESULT, fmt, ap);
    va_end(ap);
}

void judge_fail_why(judge_t *j, unsigned why, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    judge_vfail(j, why, fmt, ap);
    va_end(ap);
}

int call_end(judge_t *j, call_t *c, int ok, const char *fmt, ...)
{
    if (!ok) {
        va_list ap;
        va_start(ap, fmt);
        judge_vfail(j, 0, fmt, ap); /* the case's context */
        va_end(ap);
    }
    call_free(c);
    return ok;
}

const kit_file_t *judge_data(judge_t *j, const char *relpath)
{
    for (judge_data_file_t *d = j->data; d; d = d->next)
        if (strcmp(d->relpath, relpath) == 0)
            return &d->file;
    char path[PATH_MAX * 2];
    snprintf(path, sizeof path, "%s/data/%s", grading.root, relpath);
    judge_data_file_t *d = calloc(1, sizeof *d);
    if (!d || strlen(relpath) >= sizeof d->relpath || kit_read(path, &d->file) != 0) {
        judge_fail_why(j, JUDGE_WHY_GRADER, "grader error: cannot read the data file %s (see stderr)", path);
        judge_internal_error();
        free(d);
        return NULL;
    }
    snprintf(d->relpath, sizeof d->relpath, "%s", relpath);
    d->next = j->data;
    j->data = d;
    return &d->file;
}

void judge_free_data(judge_t *j)
{
    while (j->data) {
        judge_data_file_t *d = j->data;
        j->data = d->next;
        kit_free(&d->file);
        free(d);
    }
}

const double *judge_tensor(judge_t *j, const kit_file_t *f, const char *name,
                           size_t rows, size_t cols)
{
    const double *p = f ? kit_get(f, name, rows, cols) : NULL;
    if (!p) {
        judge_fail_why(j, JUDGE_WHY_GRADER, "grader error: tensor %s (%zu x %zu) missing from the data file",
                       name, rows, cols);
        judge_internal_error();
    }
    return p;
}

/* The kit's root: this program lives in <root>/grader/bin/. */
static void find_root(void)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) {
        fprintf(stderr, "grade-%s: cannot find my own path (/proc/self/exe)\n", grading.lab->id);
        exit(2);
    }
    exe[n] = '\0';
    snprintf(grading.root, sizeof grading.root, "%s", dirname(dirname(dirname(exe))));
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* atexit: in the judge only.  A worker (a fork) that calls exit() would
 * otherwise remove the folder that the judge and every other worker use. */
static void cleanup(void)
{
    if (grading.tmp[0] && getpid() == grading.main_pid)
        nftw(grading.tmp, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* LORALAB_GRADE_LOG=FILE (the kit's own measurements): one line per grading,
 * "lab wall_s cpu_s build submission", the CPU time of the judge and of every
 * process it waited for (compiler, workers, runners). */
static double started;
static double seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void log_grading(int built)
{
    const char *path = getenv("LORALAB_GRADE_LOG");
    FILE *f = path && *path ? fopen(path, "a") : NULL;
    if (!f)
        return;
    struct rusage me, kids;
    getrusage(RUSAGE_SELF, &me);
    getrusage(RUSAGE_CHILDREN, &kids);
    double cpu = (double)(me.ru_utime.tv_sec + me.ru_stime.tv_sec + kids.ru_utime.tv_sec + kids.ru_stime.tv_sec) +
                 1e-6 * (double)(me.ru_utime.tv_usec + me.ru_stime.tv_usec + kids.ru_utime.tv_usec +
                                 kids.ru_stime.tv_usec);
    fprintf(f, "%s %.3f %.3f %s %s\n", grading.lab->id, seconds_now() - started, cpu,
            built == 0 ? "built" : "nobuild", grading.sub);
    fclose(f);
}

int judge_main(int argc, char **argv, const judge_lab_t *lab)
{
    started = seconds_now();
    grading.lab = lab;
    signal(SIGPIPE, SIG_IGN);
    parse_options(argc, argv);
    find_root();
    /* A table error is the kit's bug, not the student's: refuse to grade
     * (exit 2) rather than print a report tools cannot read back. */
    for (size_t i = 0; i < lab->n_tests; i++) {
        const judge_test_t *t = &lab->tests[i];
        if (strlen(t->name) > JUDGE_MAX_NAME || t->points <= 0 || !t->run || !t->hint) {
            fprintf(stderr, "grade-%s: test table entry %zu (%s) is malformed: names are at most "
                    "%d characters, points > 0, a hint and a run function are required\n",
                    lab->id, i + 1, t->name, JUDGE_MAX_NAME);
            return 2;
        }
        for (size_t k = 0; k < i; k++)
            if (!strcmp(lab->tests[k].name, t->name)) {
                fprintf(stderr, "grade-%s: two tests are named \"%s\"\n", lab->id, t->name);
                return 2;
            }
    }
    if (grading.list) {
        for (size_t i = 0; i < lab->n_tests; i++)
            printf("%-8s %3d  %s\n", lab->tests[i].task, lab->tests[i].points, lab->tests[i].name);
        return 0;
    }
    static char default_sub[PATH_MAX + 64];
    if (!grading.sub) {
        snprintf(default_sub, sizeof default_sub, "%s/labs/%s", grading.root, lab->dir);
        grading.sub = default_sub;
    }
    struct stat st;
    if (stat(grading.sub, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "grade-%s: the submission folder %s does not exist\n", lab->id, grading.sub);
        return 2;
    }
    /* "a.c, b.c": snprintf returns what it would have written, so an
     * unchecked off += could pass the end (and the next size wrap around). */
    size_t off = 0;
    for (const char *const *s = lab->sources; *s; s++) {
        size_t room = sizeof grading.sources_text - off;
        int n = snprintf(grading.sources_text + off, room, "%s%s", off ? ", " : "", *s);
        if (n < 0 || (size_t)n >= room)
            break; /* cut: what fits stays */
        off += (size_t)n;
    }
    const char *tmpbase = getenv("TMPDIR");
    snprintf(grading.tmp, sizeof grading.tmp, "%s/loralab-grade-XXXXXX", tmpbase && *tmpbase ? tmpbase : "/tmp");
    if (!mkdtemp(grading.tmp)) {
        fprintf(stderr, "grade-%s: cannot make a temporary folder: %s\n", lab->id, strerror(errno));
        return 2;
    }
    grading.main_pid = getpid();
    atexit(cleanup);
    /* Absolute: the compiler runs inside it, so a relative TMPDIR would break. */
    char abs_tmp[PATH_MAX];
    if (!realpath(grading.tmp, abs_tmp) || strlen(abs_tmp) >= sizeof grading.tmp) {
        fprintf(stderr, "grade-%s: cannot resolve the temporary folder %s\n", lab->id, grading.tmp);
        return 2;
    }
    memcpy(grading.tmp, abs_tmp, strlen(abs_tmp) + 1);
    snprintf(grading.empty, sizeof grading.empty, "%s/run", grading.tmp);
    snprintf(grading.runner, sizeof grading.runner, "%s/runner", grading.tmp);
    mkdir(grading.empty, 0555);
    snprintf(grading.work, sizeof grading.work, "%s/build", grading.tmp);
    snprintf(grading.scratch, sizeof grading.scratch, "%s/sandbox-root", grading.tmp);
    if (mkdir(grading.work, 0700) != 0) {
        fprintf(stderr, "grade-%s: cannot make %s: %s\n", lab->id, grading.work, strerror(errno));
        return 2;
    }

    for (int k = 0; k < grading.n_only; k++) { /* each --test must name a test */
        size_t i = 0;
        while (i < lab->n_tests && !test_matches(&lab->tests[i], grading.only[k]))
            i++;
        if (i == lab->n_tests) {
            fprintf(stderr, "grade-%s: no test matches --test \"%s\" (see --list)\n", lab->id, grading.only[k]);
            return 2;
        }
    }
    static char compile_msg[16384];
    int built = build_runner(compile_msg, sizeof compile_msg);
    if (built == -2) {
        fprintf(stderr, "grade-%s: %s\n", lab->id, compile_msg);
        return 2;
    }
    if (built == 0 && budget_start() != 0) {
        fprintf(stderr, "grade-%s: mmap: %s\n", lab->id, strerror(errno));
        return 2;
    }
    result_t *res = calloc(lab->n_tests, sizeof *res);
    if (!res) {
        fprintf(stderr, "grade-%s: out of memory\n", lab->id);
        return 2;
    }
    for (size_t i = 0; i < lab->n_tests; i++) {
        res[i].test = &lab->tests[i];
        res[i].selected = selected(&lab->tests[i]);
    }
    if (built == 0) {
        sandbox_prepare(); /* once here, not in every test worker */
        run_tests(res, lab->n_tests);
    }
    else
        for (size_t i = 0; i < lab->n_tests; i++) {
            res[i].log = strdup("not run: the submission did not build (see above)\n");
            res[i].why = JUDGE_WHY_BUILD;
        }

    report_t rep = {lab, grading.sub, grading.seed, grading.format, built == 0, compile_msg, res, lab->n_tests};
    int rc = report_write(&rep, grading.out);
    for (int k = 0; k < grading.n_also; k++) {
        rep.format = grading.also_format[k];
        rc |= report_write(&rep, grading.also_path[k]);
    }
    for (size_t i = 0; i < lab->n_tests; i++)
        free(res[i].log);
    if (rc != 0) {
        free(res);
        return 2;
    }
    int all_passed = built == 0;
    for (size_t i = 0; i < lab->n_tests; i++)
        all_passed &= !res[i].selected || res[i].passed;
    free(res);
    log_grading(built);
    return grading.internal_error ? 2 : all_passed ? 0 : 1;
}
