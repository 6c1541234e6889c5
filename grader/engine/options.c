/*
 * options.c - the grade-NN command line: every option, its check, and the
 * usage text.  Fills `grading` (engine.h) before anything else runs.
 */
#define _GNU_SOURCE
#include "engine.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static _Noreturn void usage_error(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "grade-%s: ", grading.lab->id);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nusage: grade-%s [--seed N] [--list] [--test NAME]... "
            "[--format text|gradescope|junit|tap|verdict] [--out FILE] [--also FORMAT:FILE] "
            "[--timeout SECONDS] [--budget SECONDS] [--jobs N] [SUBMISSION_DIR]\n", grading.lab->id);
    exit(2);
}

static int valid_format(const char *f)
{
    return !strcmp(f, "text") || !strcmp(f, "gradescope") || !strcmp(f, "junit") || !strcmp(f, "tap")
           || !strcmp(f, "verdict");
}

void parse_options(int argc, char **argv)
{
    grading.seed = RNG_DEFAULT_SEED;
    grading.format = "text";
    grading.call_cap = DEFAULT_CALL_CAP;
    grading.budget = DEFAULT_BUDGET;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    grading.jobs = cores < 1 ? 1 : cores > 8 ? 8 : (int)cores;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        char *end;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            printf("usage: grade-%s [--seed N] [--list] [--sources] [--test NAME]... "
                   "[--format text|gradescope|junit|tap|verdict] [--out FILE] [--also FORMAT:FILE] "
                   "[--timeout SECONDS] [--budget SECONDS] [--jobs N] [SUBMISSION_DIR]\n"
                   "Grades Lab %s (%s) in SUBMISSION_DIR (default: labs/%s).\n"
                   "--test NAME runs only the tests NAME names (a test's name, a part of it, or\n"
                   "its task, as --list prints them); given several times, the tests any of\n"
                   "them names.  The Score line and the exit status count those tests only.\n"
                   "Each call may take %d x the reference's time on the same inputs + %.1f s,\n"
                   "at most --timeout (default %.0f s); all calls together at most --budget\n"
                   "(default %.0f s).\n"
                   "Exit status: 0 all passed, 1 some failed, 2 the grader could not run.\n",
                   grading.lab->id, grading.lab->id, grading.lab->title, grading.lab->dir, LIMIT_FACTOR, LIMIT_FLOOR,
                   DEFAULT_CALL_CAP, DEFAULT_BUDGET);
            exit(0);
        }
        if (strcmp(a, "--list") == 0) {
            grading.list = 1;
            continue;
        }
        if (strcmp(a, "--sources") == 0) { /* the file names a submission must hold */
            for (const char *const *s = grading.lab->sources; *s; s++)
                printf("%s\n", *s);
            exit(0);
        }
        if (a[0] != '-') {
            if (grading.sub)
                usage_error("more than one submission folder: %s and %s", grading.sub, a);
            grading.sub = a;
            continue;
        }
        if (!v)
            usage_error("%s needs a value", a);
        i++;
        if (strcmp(a, "--seed") == 0) {
            errno = 0;
            grading.seed = strtoull(v, &end, 10);
            if (errno || *end || *v == '-' || !*v)
                usage_error("--seed takes a whole number >= 0, not \"%s\"", v);
        } else if (strcmp(a, "--test") == 0) {
            if (grading.n_only == MAX_ONLY)
                usage_error("--test may be given at most %d times", MAX_ONLY);
            grading.only[grading.n_only++] = v;
        } else if (strcmp(a, "--format") == 0) {
            if (!valid_format(v))
                usage_error("--format is text, gradescope, junit, tap or verdict, not \"%s\"", v);
            grading.format = v;
        } else if (strcmp(a, "--out") == 0) {
            grading.out = v;
        } else if (strcmp(a, "--also") == 0) {
            const char *colon = strchr(v, ':');
            static char fmts[4][16];
            size_t n = colon ? (size_t)(colon - v) : 0;
            if (grading.n_also == 4)
                usage_error("--also may be given at most 4 times");
            if (!colon || !colon[1] || n >= sizeof fmts[0])
                usage_error("--also takes FORMAT:FILE, for example text:feedback.txt, not \"%s\"", v);
            memcpy(fmts[grading.n_also], v, n);
            fmts[grading.n_also][n] = '\0';
            if (!valid_format(fmts[grading.n_also]))
                usage_error("--also: the format is text, gradescope, junit, tap or verdict, not \"%s\"", fmts[grading.n_also]);
            grading.also_format[grading.n_also] = fmts[grading.n_also];
            grading.also_path[grading.n_also++] = colon + 1;
        } else if (strcmp(a, "--timeout") == 0) {
            grading.call_cap = strtod(v, &end);
            if (*end || !(grading.call_cap >= 0.05 && grading.call_cap <= 600))
                usage_error("--timeout takes seconds between 0.05 and 600, not \"%s\"", v);
        } else if (strcmp(a, "--budget") == 0) {
            grading.budget = strtod(v, &end);
            if (*end || !(grading.budget >= 0.1 && grading.budget <= 3600))
                usage_error("--budget takes seconds between 0.1 and 3600, not \"%s\"", v);
        } else if (strcmp(a, "--jobs") == 0) {
            long n = strtol(v, &end, 10);
            if (*end || n < 1 || n > 64)
                usage_error("--jobs takes a number from 1 to 64, not \"%s\"", v);
            grading.jobs = (int)n;
        } else {
            usage_error("unknown option %s", a);
        }
    }
}

