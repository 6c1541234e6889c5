/*
 * report.c - one grading run, five ways: text for people (one line per test
 * with its points, then "Score: x/y"), Gradescope's results.json, JUnit XML
 * and TAP for CI systems, and the verdict: JSON for the kit's own tools
 * (build status, per-test pass, points and why it failed), so that no tool
 * reads English.  Under a failed test every format shows the same lines
 * (details): its log, then a hint for each reason it failed (why_hints),
 * the test's own hint only for a wrong value of its own checks.  Student
 * output can hold any bytes: everything is cleaned to printable ASCII before
 * it goes into a structured format.
 */
#define _GNU_SOURCE
#include "report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void clean(char *s)
{
    for (unsigned char *p = (unsigned char *)s; *p; p++)
        if ((*p < 0x20 && *p != '\n' && *p != '\t') || *p >= 0x7f)
            *p = '?';
}

static int totals(const report_t *r, int *max)
{
    int got = 0;
    *max = 0;
    for (size_t i = 0; i < r->n; i++) {
        if (!r->results[i].selected)
            continue;
        *max += r->results[i].test->points;
        got += r->results[i].score;
    }
    return got;
}

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fprintf(f, "\\%c", *s);
        else if (*s == '\n')
            fputs("\\n", f);
        else if (*s == '\t')
            fputs("\\t", f);
        else
            fputc(*s, f);
    }
    fputc('"', f);
}

static void xml_str(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&apos;", f); break;
        default: fputc(*s, f);
        }
    }
}

/* A hint for each reason a test can fail other than its own checks' wrong
 * values (judge.h), true for that reason whatever the test: the test's own
 * hint is about the values it checks. */
static const struct {
    unsigned why;
    const char *name; /* in the verdict's "why" */
    const char *hint;
} why_hints[] = {
    {JUDGE_WHY_GRADER, "grader",
     "The grader itself went wrong on this test (see the line above), not your code: tell the "
     "course staff."},
    {JUDGE_WHY_BUILD, "build",
     "Your files did not compile: fix the compiler's errors at the top of this report (make check "
     "shows them too)."},
    {JUDGE_WHY_STUB, "stub",
     "Replace the skeleton's stub with your own code for this function."},
    {JUDGE_WHY_MISSING, "missing",
     "Keep every function of the lab's header in the files you submit, with the header's name and "
     "signature, and not static."},
    {JUDGE_WHY_CRASH, "crash",
     "Your code crashed instead of returning: make check builds it with AddressSanitizer and "
     "UndefinedBehaviorSanitizer where the compiler has them, which name the line of a bad memory "
     "access; try the sizes of the failing case there."},
    {JUDGE_WHY_OUTSIDE, "outside",
     "Your code read or wrote outside an array it was given: check every loop bound and every "
     "index (row times row length plus column) against the shapes in the header; make check "
     "(AddressSanitizer) names the line."},
    {JUDGE_WHY_TIME, "time",
     "A call did not finish in time, or the time budget of all calls ran out: look for a loop that"
     " never ends or does far more work than the task needs, and for sleeps or reads of input."},
    {JUDGE_WHY_EXIT, "exit",
     "A library function must return to its caller: never call exit() or _exit(); report bad "
     "arguments through the return value the header gives."},
    {JUDGE_WHY_SYSCALL, "syscall",
     "Compute in memory only: no files, no processes or programs, no network, no signals to other "
     "processes, no changes to the process's limits."},
    {JUDGE_WHY_FLOOD, "flood",
     "Remove the debug printing from your functions: a call may print only a little."},
    {JUDGE_WHY_CHANNEL, "channel",
     "Leave standard input and file descriptors 3 and 4 alone (the grader talks to your code "
     "through them), and run none of your code before main."},
    {JUDGE_WHY_INPUT, "input",
     "Your function must leave its input arrays as they were: write only to its outputs (work on a"
     " copy if you need scratch space)."},
    {JUDGE_WHY_LEAK, "leak",
     "Free every block your function allocates before it returns, on its error paths too."},
    {JUDGE_WHY_REJECTED, "rejected",
     "Your function returned LAB_EARG for arguments it must accept: compare each of its argument "
     "checks with the rules in the header."},
    {JUDGE_WHY_WORKING, "working",
     "This test gives its points only once the ordinary valid call it makes first passes: fix what"
     " the lines above say about that call first."},
};

/* Its own hint goes with a failed test when one of its own checks found a
 * wrong value, or no line gave a reason (a test that only adds context to a
 * check it made itself), and the grader did not go wrong. */
static int own_hint_shown(const result_t *res)
{
    return (res->why & JUDGE_WHY_RESULT || !res->why) && !(res->why & JUDGE_WHY_GRADER) && res->test->hint;
}

/* The failure text shown for one test: its log, then a hint for each reason
 * it failed (why_hints), and its own hint when one of its own checks found a
 * wrong value (or no line gave a reason). */
static char *details(const result_t *res)
{
    char *s = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&s, &len);
    if (res->log)
        fputs(res->log, m);
    if (!res->passed) {
        for (size_t k = 0; k < sizeof why_hints / sizeof *why_hints; k++)
            if (res->why & why_hints[k].why)
                fprintf(m, "hint: %s\n", why_hints[k].hint);
        if (own_hint_shown(res))
            fprintf(m, "hint: %s\n", res->test->hint);
    }
    fclose(m);
    clean(s);
    return s;
}

/* The report's opening lines (lab, submission, seed, build), cleaned. */
static char *header_string(const report_t *r)
{
    char *s = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&s, &len);
    fprintf(f, "Lab %s: %s\n", r->lab->id, r->lab->title);
    fprintf(f, "submission: %s\nseed: %llu (repeat with --seed %llu)\n", r->submission, r->seed, r->seed);
    if (r->built) {
        fprintf(f, "build: ok\n");
        if (r->compile_msg[0])
            fprintf(f, "compiler warnings:\n%s", r->compile_msg);
    } else {
        fprintf(f, "build: FAILED, every test scores 0\n%s\n", r->compile_msg);
    }
    fclose(f);
    clean(s);
    return s;
}

static void write_text(const report_t *r, FILE *f)
{
    int max, got = totals(r, &max);
    char *head = header_string(r);
    fprintf(f, "%s\n", head);
    free(head);
    for (size_t i = 0; i < r->n; i++) {
        const result_t *res = &r->results[i];
        if (!res->selected)
            continue;
        char name[JUDGE_MAX_NAME + 8];
        snprintf(name, sizeof name, "%s ", res->test->name);
        size_t nl = strlen(name), dots = 0;
        while (nl < 60 || dots < 3) /* at least three dots: the line stays parseable */
            name[nl++] = '.', dots++;
        name[nl] = '\0';
        fprintf(f, "%-8s %s %s %3d/%d\n", res->test->task, name, res->passed ? "PASS" : "FAIL",
                res->score, res->test->points);
        /* A failed build is said once, in the header, with the compiler's message. */
        if (!res->passed && r->built) {
            char *d = details(res), *save = NULL;
            for (char *l = strtok_r(d, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
                fprintf(f, "         %s\n", l);
            free(d);
        }
    }
    fprintf(f, "\nScore: %d/%d\n", got, max);
}

static void write_gradescope(const report_t *r, FILE *f)
{
    int max, got = totals(r, &max);
    char *head = header_string(r);
    fprintf(f, "{\n  \"score\": %d,\n  \"max_score\": %d,\n  \"output\": ", got, max);
    json_str(f, head);
    free(head);
    fprintf(f, ",\n  \"visibility\": \"visible\",\n  \"stdout_visibility\": \"hidden\",\n  \"tests\": [");
    int first = 1;
    for (size_t i = 0; i < r->n; i++) {
        const result_t *res = &r->results[i];
        if (!res->selected)
            continue;
        char name[256];
        snprintf(name, sizeof name, "%s %s", res->test->task, res->test->name);
        char *d = details(res);
        fprintf(f, "%s\n    {\"name\": ", first ? "" : ",");
        json_str(f, name);
        fprintf(f, ", \"number\": \"%s\", \"score\": %d, \"max_score\": %d, \"status\": \"%s\", "
                   "\"visibility\": \"visible\", \"output\": ",
                res->test->task, res->score, res->test->points, res->passed ? "passed" : "failed");
        json_str(f, d);
        fputc('}', f);
        free(d);
        first = 0;
    }
    fprintf(f, "\n  ]\n}\n");
}

static void write_junit(const report_t *r, FILE *f)
{
    int tests = 0, failures = 0, max;
    int got = totals(r, &max);
    for (size_t i = 0; i < r->n; i++) {
        tests += r->results[i].selected;
        failures += r->results[i].selected && !r->results[i].passed;
    }
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    fprintf(f, "<testsuites tests=\"%d\" failures=\"%d\">\n", tests, failures);
    fprintf(f, "  <testsuite name=\"lab%s\" tests=\"%d\" failures=\"%d\" errors=\"0\">\n",
            r->lab->id, tests, failures);
    fprintf(f, "    <properties><property name=\"seed\" value=\"%llu\"/>"
               "<property name=\"score\" value=\"%d/%d\"/></properties>\n", r->seed, got, max);
    for (size_t i = 0; i < r->n; i++) {
        const result_t *res = &r->results[i];
        if (!res->selected)
            continue;
        fprintf(f, "    <testcase classname=\"lab%s.%s\" name=\"", r->lab->id, res->test->task);
        xml_str(f, res->test->name);
        fprintf(f, " (%d/%d)\"", res->score, res->test->points);
        if (res->passed) {
            fprintf(f, "/>\n");
            continue;
        }
        char *d = details(res);
        fprintf(f, ">\n      <failure message=\"");
        size_t first = strcspn(d, "\n");
        char save = d[first];
        d[first] = '\0';
        xml_str(f, d);
        d[first] = save;
        fprintf(f, "\">");
        xml_str(f, d);
        fprintf(f, "</failure>\n    </testcase>\n");
        free(d);
    }
    fprintf(f, "  </testsuite>\n</testsuites>\n");
}

static void write_tap(const report_t *r, FILE *f)
{
    int count = 0, k = 0, max;
    int got = totals(r, &max);
    for (size_t i = 0; i < r->n; i++)
        count += r->results[i].selected;
    fprintf(f, "TAP version 13\n1..%d\n", count);
    for (size_t i = 0; i < r->n; i++) {
        const result_t *res = &r->results[i];
        if (!res->selected)
            continue;
        char name[256];
        snprintf(name, sizeof name, "%s %s (%d/%d)", res->test->task, res->test->name,
                 res->score, res->test->points);
        clean(name);
        for (char *p = name; *p; p++)
            if (*p == '#')
                *p = '_';
        fprintf(f, "%s %d - %s\n", res->passed ? "ok" : "not ok", ++k, name);
        if (!res->passed) {
            char *d = details(res), *save = NULL;
            fprintf(f, "  ---\n  message: |\n");
            for (char *l = strtok_r(d, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
                fprintf(f, "    %s\n", l);
            fprintf(f, "  ...\n");
            free(d);
        }
    }
    fprintf(f, "# Score: %d/%d\n", got, max);
}

/* {"verdict": 1, "lab", "seed", "built", "score", "max_score",
 *  "tests": [{"task", "name", "selected", "passed", "score", "max_score",
 *             "why": why it failed (why_hints' names, and "result": a wrong
 *                    value of its own checks), "hint": the test's own hint}]} */
static void write_verdict(const report_t *r, FILE *f)
{
    int max, got = totals(r, &max);
    fprintf(f, "{\"verdict\": 1, \"lab\": ");
    json_str(f, r->lab->id);
    fprintf(f, ", \"seed\": %llu, \"built\": %s, \"score\": %d, \"max_score\": %d, \"tests\": [",
            r->seed, r->built ? "true" : "false", got, max);
    for (size_t i = 0; i < r->n; i++) {
        const result_t *res = &r->results[i];
        char name[JUDGE_MAX_NAME + 8];
        snprintf(name, sizeof name, "%s", res->test->name);
        clean(name);
        fprintf(f, "%s\n  {\"task\": ", i ? "," : "");
        json_str(f, res->test->task);
        fprintf(f, ", \"name\": ");
        json_str(f, name);
        fprintf(f, ", \"selected\": %s, \"passed\": %s, \"score\": %d, \"max_score\": %d, \"why\": [",
                res->selected ? "true" : "false", res->passed ? "true" : "false", res->score,
                res->test->points);
        int n = 0;
        if (!res->passed && res->selected && own_hint_shown(res))
            fprintf(f, "\"result\""), n++;
        for (size_t k = 0; !res->passed && res->selected && k < sizeof why_hints / sizeof *why_hints; k++)
            if (res->why & why_hints[k].why)
                fprintf(f, "%s\"%s\"", n++ ? ", " : "", why_hints[k].name);
        char *hint = strdup(res->test->hint ? res->test->hint : "");
        if (hint)
            clean(hint);
        fprintf(f, "], \"hint\": ");
        json_str(f, hint ? hint : "");
        fputc('}', f);
        free(hint);
    }
    fprintf(f, "\n]}\n");
}

int report_write(const report_t *r, const char *path)
{
    FILE *f = stdout;
    char tmp[4096];
    if (path) {
        snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
        f = fopen(tmp, "w");
        if (!f) {
            fprintf(stderr, "grader: cannot write %s: %s\n", tmp, strerror(errno));
            return -1;
        }
    }
    if (strcmp(r->format, "gradescope") == 0)
        write_gradescope(r, f);
    else if (strcmp(r->format, "junit") == 0)
        write_junit(r, f);
    else if (strcmp(r->format, "tap") == 0)
        write_tap(r, f);
    else if (strcmp(r->format, "verdict") == 0)
        write_verdict(r, f);
    else
        write_text(r, f);
    if (!path)
        return fflush(f) == 0 ? 0 : -1;
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        fprintf(stderr, "grader: cannot write %s: %s\n", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}
