/*
 * engine.h - what the engine's own files share (not for test tables, which
 * see judge.h only).  One concern a file:
 *   judge.c          judge_main; what a test calls on its judge_t
 *   options.c        the command line
 *   build_runner.c   the compile policy (compile_sandbox.c: the compiler's sandbox)
 *   schedule.c       test workers, the shared time budget, the load factor
 *   call.c           one call: built, timed against the reference, run, explained
 *   contract.c       calls built from a description (describe.h), the tests derived from it
 *   wire.c           the request encoded and checked, the answer decoded
 *   run_sandbox.c    the runner process: seccomp filter, limits, spawn
 *   expect.c         expect_* and the guard-zone check
 *   report.c         the report formats;  runner_main.c: the runner itself
 *   alloc_fault.c    the allocators made to fail for the oom test (runner and judge)
 */
#ifndef LORALAB_ENGINE_H
#define LORALAB_ENGINE_H

#include "judge.h"
#include "lab.h"
#include "protocol.h"
#include "report.h"
#include "runner.h"

#include <limits.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#define OUTPUT_KEEP 4096            /* bytes of student output kept for the report */
#define OUTPUT_MAX (1 << 20)        /* more bytes than this is an output flood */
#define OUTPUT_MAX_LINES 10000      /* and so are more lines than this */
#define RESULT_MAX ((size_t)1 << 28) /* cap on the answer channel */
#define MEMORY_LIMIT ((rlim_t)256 << 20) /* address space of a runner */

/* Time: each call may run LIMIT_FACTOR x the reference's time on the same
 * inputs + LIMIT_FLOOR seconds (never more than --timeout), and all calls of
 * one grading together at most --budget idle-machine seconds (wall time
 * divided by the load factor below, at least the CPU time; a counter shared
 * by every test worker: run_sandbox.c).  The reference is timed REF_RUNS_MAX times
 * while its runs take less than REF_RUNS_SECONDS in all; the fastest counts.
 * Once LIMIT_FACTOR x its time is below LIMIT_FLOOR, it is not run again: the
 * floor is then most of the limit, and a slower first run only widens the
 * limit (never fails a call). */
#define LIMIT_FACTOR 50
#define LIMIT_FLOOR 0.2
#define REF_RUNS_MAX 3
#define REF_RUNS_SECONDS 0.02
#define SETUP_SECONDS 30.0 /* the judge's sandbox setup before execve (not the student's time) */
#define BUDGET_TICK 0.02 /* seconds between charges to the budget while a call runs */
/* How much slower than idle the machine is now: the 1-minute load average
 * per online core, at least 1, at most LOAD_FACTOR_MAX.  The floor of each
 * call's limit and the budget's free allowance per call (BUDGET_FREE: the
 * first seconds of every call are not charged, so correct calls cost the
 * budget nothing however busy the machine is) are multiplied by it; on an
 * idle machine the limits stay tight. */
#define LOAD_FACTOR_MAX 8.0
#define BUDGET_FREE 0.05
double machine_load_factor(void);
double opt_call_cap_seconds(void);
double opt_budget_seconds(void);
double budget_left(void);
double budget_spent(void);
void budget_charge(double seconds);
double now(void); /* CLOCK_MONOTONIC seconds */
int budget_start(void); /* before the first worker: 0, or -1 (errno set) */
/* In a child just forked or cloned by `parent`: the child dies (SIGKILL) when
 * its parent does; -1 when the parent is already gone (the child then exits). */
int die_with_parent(pid_t parent); /* schedule.c */
const char *judge_empty_dir(void);
const char *judge_runner_path(void);
const char *judge_sources_text(void);
const char *judge_test_name(void); /* the test this worker runs */


/* ---- one grading run (judge.c): set from the command line (options.c) and
 * judge_main before the first test starts; a worker inherits it. ---- */
#define LOG_MAX 16384        /* bytes of one test's report */
#define DEFAULT_CALL_CAP 10.0 /* seconds: no call runs longer, whatever the reference takes */
#define DEFAULT_BUDGET 10.0  /* seconds: all calls of one grading together */
typedef struct {
    const judge_lab_t *lab;
    unsigned long long seed;
    const char *format, *out, *sub;
    /* --test NAME, repeatable: a test runs when it matches any of them
     * (schedule.c selected); none given: every test. */
#define MAX_ONLY 256
    const char *only[MAX_ONLY];
    int n_only;
    double call_cap, budget;
    int jobs, list;
    /* --also FORMAT:FILE: further reports of the same run (grade-all keeps the
     * text feedback and the JSON scores of one run, so both agree). */
    const char *also_format[4], *also_path[4];
    int n_also;
    char root[PATH_MAX], tmp[PATH_MAX], empty[PATH_MAX + 8], runner[PATH_MAX + 8];
    char work[PATH_MAX + 8], scratch[PATH_MAX + 16]; /* the build's folder; a mount point for its sandbox */
    char sources_text[512];
    int internal_error;
    pid_t main_pid; /* the judge's own process; test workers are its children */
} engine_run_t;
extern engine_run_t grading;

/* A data file a test read (judge_data): kept until the test ends, as the
 * test may hold several at once. */
typedef struct judge_data_file {
    struct judge_data_file *next;
    char relpath[256];
    kit_file_t file;
} judge_data_file_t;

struct judge {
    rng_t rng;
    judge_data_file_t *data; /* every file this test read, newest first */
    int failed;
    unsigned why; /* JUDGE_WHY_* bits (judge.h) */
    size_t log_len;
    char log[LOG_MAX];
};

void judge_free_data(judge_t *j);          /* judge.c: at the end of a test */
/* judge.c: judge_fail with the reason `why` (JUDGE_WHY_* bits; 0: a context
 * line, no reason of its own), for the engine's own failures */
void judge_fail_why(judge_t *j, unsigned why, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* judge.c: the test failed on the valid call a guard test makes first: the
 * wrong values so far (JUDGE_WHY_RESULT) count as JUDGE_WHY_WORKING */
void judge_blame_first_call(judge_t *j);
void parse_options(int argc, char **argv);  /* options.c */
/* Leave with `status`.  A test worker leaves with _exit (no atexit handler:
 * the judge's cleanup of the temporary folder is the judge's alone). */
_Noreturn void engine_exit(int status);
int build_runner(char *msg, size_t cap);    /* build_runner.c: 0, -1 (the submission's fault), -2 (the grader's) */
int selected(const judge_test_t *t);        /* schedule.c: --test picks it */
int test_matches(const judge_test_t *t, const char *name); /* schedule.c: one --test NAME */
void run_tests(result_t *res, size_t n);    /* schedule.c */

/* ---- one call (call.c) ---- */
#define MAX_CALL_ARGS MAX_ARGS

typedef struct {
    const char *name;
    char kind;
    const double *in;   /* ARG_IN: the judge's own copy (the original values) */
    size_t count;
    double *back;       /* ARG_IN/ARG_OUT: what came back, guards included */
    uint64_t z;
    double d;
    int64_t l;
} call_arg_t;

struct call {
    judge_t *j;
    const char *func;
    call_arg_t args[MAX_CALL_ARGS];
    int nargs;
    int overflow;
    int oom;             /* allocations of the call fail: ALLOC_FAULT_EVERY, or only the oom-th (alloc_fault.c) */
    long long ret;
    /* What the call left allocated, as the runner says (alloc_fault.c): a claim
     * of the student's process, so it may only fail the student's own call. */
    unsigned long long leaked, leaked_bytes;
    unsigned repeat;    /* call_repeat(): the runner calls the function this many times (0: once) */
    double cpu_seconds; /* call_cpu_seconds() */
    char printed[OUTPUT_KEEP + 1];
};

/* A growing byte buffer (the request; the runner's answer). */
typedef struct {
    char *p;
    size_t len, cap;
} buf_t;

/* How one runner process ended (run_sandbox.c). */
typedef struct {
    buf_t res;           /* fd 3 */
    size_t printed_len;  /* bytes of output seen in all */
    size_t printed_lines;
    int timed_out, flooded;
    int cut;             /* stopped because the submission's time budget ran out */
    int answered;        /* the runner said "done", but fd 3 did not hold one answer */
    int status;          /* from waitpid */
    double seconds;      /* wall time from execve (or the request) to the end */
    double allowed;      /* the time the call had, from the same start: its limit, moved by its
                          * runner's wait for a core, and the worker's before it resumed */
    double cpu_seconds;  /* user + system CPU time of the runner process (wait4) */
    char setup[256];     /* why the sandbox could not be built, if it could not */
} outcome_t;

/* wire.c */
/* *p (realloc'd, *cap bytes) grown to hold need bytes, doubling from first:
 * 0 when memory runs out (*p and *cap unchanged). */
int grow(char **p, size_t *cap, size_t need, size_t first);
void put(buf_t *b, const void *data, size_t n);
void encode(const call_t *c, buf_t *b);
const runner_fn_t *valid_request(call_t *c);
int message_is(const outcome_t *o, uint32_t magic, size_t size);
int decode(call_t *c, const outcome_t *o);
/* run_sandbox.c: run the call req on the test's runner (started if there is
 * none) within limit seconds (output kept in c->printed) */
void spawn(call_t *c, const buf_t *req, outcome_t *o, double limit);
/* run_sandbox.c: the test is over: its runner, if any, is stopped */
void runner_session_end(void);
/* run_sandbox.c: build the runners' seccomp filter once, before the test
 * workers fork (0, or -1: each call then reports the sandbox as broken) */
int sandbox_prepare(void);
/* expect.c: did the function write into the guard zones around a tensor? */
int guards_intact(call_t *c);

#endif
