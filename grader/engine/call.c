/*
 * call.c - one call into student code: the test builds it (call_in, call_out,
 * ...), call_run times the reference on the same inputs, derives the call's
 * time limit, runs it in a fresh runner (run_sandbox.c), decodes the answer
 * (wire.c), checks the guard zones (expect.c) and explains in words what
 * went wrong when there is no answer.
 */
#define _GNU_SOURCE
#include "engine.h"
#include "mistakes.h"
#include "protocol.h"
#include "runner.h"

#include <fcntl.h>
#include <math.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

call_t *call_new(judge_t *j, const char *func)
{
    call_t *c = calloc(1, sizeof *c);
    if (!c) {
        fprintf(stderr, "grader: out of memory\n");
        engine_exit(2);
    }
    c->j = j;
    c->func = func;
    return c;
}

static call_arg_t *add(call_t *c, const char *name, char kind)
{
    if (c->nargs == MAX_CALL_ARGS) {
        c->overflow = 1;
        return &c->args[MAX_CALL_ARGS - 1];
    }
    call_arg_t *a = &c->args[c->nargs++];
    a->name = name;
    a->kind = kind;
    return a;
}

void call_in(call_t *c, const char *name, const double *data, size_t count)
{
    call_arg_t *a = add(c, name, ARG_IN);
    a->in = data;
    a->count = count;
}

void call_null(call_t *c, const char *name) { add(c, name, ARG_NULL); }

void call_out(call_t *c, const char *name, size_t count) { add(c, name, ARG_OUT)->count = count; }

void call_size(call_t *c, const char *name, size_t v) { add(c, name, ARG_SIZE)->z = v; }

void call_real(call_t *c, const char *name, double v) { add(c, name, ARG_REAL)->d = v; }

void call_int(call_t *c, const char *name, long long v) { add(c, name, ARG_INT)->l = v; }

void call_free(call_t *c)
{
    if (!c)
        return;
    for (int i = 0; i < c->nargs; i++)
        free(c->args[i].back);
    free(c);
}

const double *call_output(call_t *c, const char *name)
{
    for (int i = 0; i < c->nargs; i++)
        if (strcmp(c->args[i].name, name) == 0 && c->args[i].back)
            return c->args[i].back + GUARD;
    judge_fail_why(c->j, JUDGE_WHY_GRADER, "grader bug: no tensor called %s in this call", name);
    return NULL;
}

long long call_return(const call_t *c) { return c->ret; }

const char *call_printed(const call_t *c) { return c->printed; }

double call_cpu_seconds(const call_t *c) { return c->cpu_seconds; }

void call_repeat(call_t *c, unsigned n) { c->repeat = n > REPEAT_MAX ? REPEAT_MAX : n; }

/* ---- the time limit: the reference's own time on the same inputs ---- */

/* This thread's CPU time: unlike the wall clock, it does not grow when the
 * machine is busy, so a loaded machine does not stretch the limits. */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

int stderr_silence(void)
{
    static int devnull = -1;
    if (devnull < 0)
        devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
    fflush(stderr);
    int saved = devnull >= 0 ? fcntl(2, F_DUPFD_CLOEXEC, 10) : -1;
    if (saved >= 0)
        dup2(devnull, 2);
    return saved;
}

void stderr_restore(int saved)
{
    fflush(stderr);
    if (saved >= 0) {
        dup2(saved, 2);
        close(saved);
    }
}

/* Runs the reference (linked into this judge through the adapter) on a copy
 * of the call's arguments, laid out as the runner lays them out, and returns
 * its fastest CPU time in seconds (a few runs when it is quick), or -1 if the
 * reference lacks the function. */
static double reference_seconds(const call_t *c, const runner_fn_t *fn)
{
    if (!fn->addr)
        return -1.0;
    runner_arg_t a[MAX_ARGS];
    double *block[MAX_ARGS] = {0};
    memset(a, 0, sizeof a);
    for (int i = 0; i < c->nargs; i++) {
        const call_arg_t *s = &c->args[i];
        a[i].kind = s->kind;
        a[i].count = s->count;
        a[i].z = s->z;
        a[i].d = s->d;
        a[i].l = s->l;
        if (s->kind == ARG_IN || s->kind == ARG_OUT) {
            block[i] = malloc((s->count + 2 * GUARD) * sizeof(double));
            if (!block[i]) {
                fprintf(stderr, "grader: out of memory\n");
                engine_exit(2);
            }
            a[i].p = block[i] + GUARD;
        }
    }
    /* The reference explains rejected arguments on stderr: not in the report. */
    int saved_stderr = stderr_silence();
    double best = INFINITY, spent = 0.0;
    const double times = c->repeat > 1 ? c->repeat : 1.0; /* the limit's multiple of the time */
    for (int rep = 0; rep < REF_RUNS_MAX &&
                      (rep == 0 || (spent < REF_RUNS_SECONDS && LIMIT_FACTOR * best * times >= LIMIT_FLOOR));
         rep++) {
        uint64_t g = GUARD_BITS, poison = POISON_BITS;
        for (int i = 0; i < c->nargs; i++) {
            if (!block[i])
                continue;
            for (uint64_t k = 0; k < GUARD; k++) {
                memcpy(&block[i][k], &g, 8);
                memcpy(&a[i].p[a[i].count + k], &g, 8);
            }
            if (a[i].kind == ARG_IN)
                memcpy(a[i].p, c->args[i].in, a[i].count * sizeof(double));
            else
                for (uint64_t k = 0; k < a[i].count; k++)
                    memcpy(&a[i].p[k], &poison, 8);
        }
        double t0 = cpu_now();
        alloc_fault_requested = c->oom; /* the call's conditions (alloc_fault.c) */
        (void)fn->call(a);
        alloc_fault_requested = 0;
        double t = cpu_now() - t0;
        spent += t;
        best = t < best ? t : best;
    }
    stderr_restore(saved_stderr);
    for (int i = 0; i < c->nargs; i++)
        free(block[i]);
    return best;
}


/* ---- reading the answer ---- */

static const char *syscall_name(int nr)
{
    char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
    static char buf[64];
    snprintf(buf, sizeof buf, "%s", name ? name : "unknown");
    free(name);
    return buf;
}

static void show_printed(call_t *c)
{
    if (!c->printed[0])
        return;
    judge_fail_why(c->j, 0, "  what it printed (first lines):");
    char *save = NULL, *copy = strdup(c->printed);
    int lines = 0;
    for (char *l = strtok_r(copy, "\n", &save); l && lines < 8; l = strtok_r(NULL, "\n", &save))
        judge_fail_why(c->j, 0, "  | %s", l), lines++;
    free(copy);
}

/* "0.4 ms" or "1.25 s". */
static const char *fmt_time(char *buf, size_t n, double s)
{
    if (s < 0.01)
        snprintf(buf, n, "%.2g ms", s * 1e3);
    else
        snprintf(buf, n, "%.2f s", s);
    return buf;
}


static void explain_guard_page(call_t *c, const outcome_t *o)
{
    uint32_t idx, access;
    int64_t elem;
    memcpy(&idx, o->res.p + 4, 4);
    memcpy(&access, o->res.p + 8, 4);
    memcpy(&elem, o->res.p + 12, 8);
    const call_arg_t *a = idx < (uint32_t)c->nargs ? &c->args[idx] : NULL;
    if (!a || (a->kind != ARG_IN && a->kind != ARG_OUT)) {
        judge_fail_why(c->j, JUDGE_WHY_CRASH, "%s crashed: segmentation fault: it read or wrote memory it does not "
                   "own [signal %d]", c->func, SIGSEGV);
        return;
    }
    judge_fail_why(c->j, JUDGE_WHY_OUTSIDE,
                   "%s %s outside the %s tensor %s (%zu elements): at index %lld, %s its %s, "
               "in a guard page [segmentation fault]. Check the loop bounds and the row strides.",
               c->func, access == SEGV_WRITE ? "wrote" : access == SEGV_READ ? "read" : "reached",
               a->kind == ARG_OUT ? "output" : "input", a->name, a->count, (long long)elem,
               elem < 0 ? "before" : "past", elem < 0 ? "start" : "end");
}

/* Why the process ended without a complete answer, in words. */
static void explain_death(call_t *c, const outcome_t *o, double limit, double ref, double floor_s,
                          double uncapped)
{
    judge_t *j = c->j;
    const char *todo = strstr(c->printed, LAB_TODO_MARKER);
    if (todo) {
        char line[160];
        size_t n = strcspn(todo, "\n");
        snprintf(line, sizeof line, "%.*s", (int)(n < 150 ? n : 150), todo);
        judge_fail_why(j, JUDGE_WHY_STUB, "%s: the skeleton's stub is still there; write the function", line);
        return;
    }
    char t1[32], t2[32], t3[32];
    if (o->timed_out && o->cut)
        judge_fail_why(j, JUDGE_WHY_TIME, "%s was stopped after %s: the time budget of the submission (%.0f s in "
                   "all calls together) ran out during this call", c->func,
                   fmt_time(t1, sizeof t1, o->seconds), opt_budget_seconds());
    else if (o->timed_out && ref >= 0 && limit < uncapped)
        judge_fail_why(j, JUDGE_WHY_TIME,
                       "%s did not return within %s, the most any one call may take (--timeout %.2f s%s; "
                   "%d x the reference's %s on the same inputs + %.2f s would be %s): an endless loop, "
                   "a sleep, or far too slow", c->func, fmt_time(t1, sizeof t1, limit),
                   opt_call_cap_seconds(), limit > opt_call_cap_seconds() + 1e-9 ?
                   ", raised for the machine's load" : "", LIMIT_FACTOR, fmt_time(t2, sizeof t2, ref),
                   floor_s, fmt_time(t3, sizeof t3, uncapped));
    else if (o->timed_out && ref >= 0)
        judge_fail_why(j, JUDGE_WHY_TIME, "%s did not return within its limit of %s (%d x the reference's %s on the "
                   "same inputs + %.2f s%s): an endless loop, a sleep, or far too slow",
                   c->func, fmt_time(t1, sizeof t1, limit), LIMIT_FACTOR,
                   fmt_time(t2, sizeof t2, ref), floor_s,
                   floor_s > LIMIT_FLOOR ? ", the floor raised for the machine's load" : "");
    else if (o->timed_out)
        judge_fail_why(j, JUDGE_WHY_TIME, "%s did not return within %s (wall clock): an endless loop, a sleep, or "
                   "waiting for input that never comes", c->func, fmt_time(t1, sizeof t1, limit));
    else if (o->flooded == 1)
        judge_fail_why(j, JUDGE_WHY_FLOOD, "%s printed more than %d bytes or %d lines: output flood, stopped",
                   c->func, OUTPUT_MAX, OUTPUT_MAX_LINES);
    else if (o->flooded == 2)
        judge_fail_why(j, JUDGE_WHY_CHANNEL, "%s wrote more than the expected answer to the grader's channel (fd 3)",
                       c->func);
    else if (message_is(o, SYS_MAGIC, 8) && WIFEXITED(o->status) && WEXITSTATUS(o->status) == RUNNER_EXIT_SYSCALL) {
        int32_t nr;
        memcpy(&nr, o->res.p + 4, 4);
        judge_fail_why(j, JUDGE_WHY_SYSCALL, "%s made a forbidden system call: %s (student code may not open files, "
                   "start processes or programs, use the network, or touch other processes "
                   "or its own limits)", c->func, syscall_name(nr));
    } else if (message_is(o, SEGV_MAGIC, 20) && WIFSIGNALED(o->status) &&
               WTERMSIG(o->status) == SIGSEGV)
        explain_guard_page(c, o);
    else if (message_is(o, RES_MAGIC, 5) && o->res.p[4] == RES_BADREQ && WIFEXITED(o->status) &&
             WEXITSTATUS(o->status) == RUNNER_EXIT_BADREQ)
        /* Only with the runner's own status: the same bytes before exit(3)
         * or a crash are the student's, explained as that exit or crash. */
        judge_fail_why(j, JUDGE_WHY_CHANNEL, "the runner process reported a malformed request after your code could "
                   "run (code that runs before main, or that reads stdin or writes on fd 3, "
                   "breaks the grader's protocol): %s gets no result", c->func);
    else if (o->answered || (WIFEXITED(o->status) && WEXITSTATUS(o->status) == 0 && o->res.len > 0))
        judge_fail_why(j, JUDGE_WHY_CHANNEL, "%s returned, but the grader's channel (fd 3) did not carry exactly one "
                   "answer: student code must not write on file descriptor 3", c->func);
    else if (WIFEXITED(o->status) && WEXITSTATUS(o->status) == RUNNER_EXIT_WRITE)
        judge_fail_why(j, JUDGE_WHY_CHANNEL,
                       "the grader's channel (fd 3 or fd 4) was closed or broken during %s: student "
                   "code must not close, read or write file descriptors 3 and 4", c->func);
    else if (WIFEXITED(o->status))
        judge_fail_why(j, JUDGE_WHY_EXIT, "%s called exit(%d) (or _exit) instead of returning: a library function "
                   "must return to its caller", c->func, WEXITSTATUS(o->status));
    else if (WIFSIGNALED(o->status)) {
        int sig = WTERMSIG(o->status);
        const char *why =
            sig == SIGSEGV ? "segmentation fault: it read or wrote memory it does not own "
                             "(an index out of range, or a NULL pointer; note malloc returns "
                             "NULL beyond the memory limit)" :
            sig == SIGBUS ? "bus error: a bad memory access" :
            sig == SIGFPE ? "arithmetic exception (integer division by zero?)" :
            sig == SIGABRT ? "abort(): an assert failed or abort() was called" :
            sig == SIGXCPU ? "CPU time limit exceeded: an endless loop?" :
            sig == SIGILL ? "illegal instruction" :
            sig == SIGSYS ? "a forbidden system call (no files, processes, network, "
                             "other processes or limits)" :
            sig == SIGKILL ? "killed (memory or time limit)" : "killed by a signal";
        /* SIGXCPU: the runner's CPU limit; SIGSYS: a forbidden system call */
        judge_fail_why(j, sig == SIGXCPU ? JUDGE_WHY_TIME : sig == SIGSYS ? JUDGE_WHY_SYSCALL : JUDGE_WHY_CRASH,
                       "%s crashed: %s [signal %d]", c->func, why, sig);
    } else {
        judge_fail_why(j, JUDGE_WHY_CRASH, "%s ended without an answer", c->func);
    }
    show_printed(c);
}

/* A call that ran to completion, handed to mistakes.c: if the test fails,
 * the mistake models replay it. */
static void record_for_diagnosis(const call_t *c, double ref)
{
    mistake_arg_t args[MAX_CALL_ARGS];
    for (int i = 0; i < c->nargs; i++) {
        const call_arg_t *a = &c->args[i];
        args[i] = (mistake_arg_t){a->kind, a->count, a->in, a->back ? a->back + GUARD : NULL,
                                  a->z, a->d, a->l};
    }
    mistakes_record(c->func, args, c->nargs, c->ret, ref);
}

int call_run(call_t *c)
{
    const runner_fn_t *fn = valid_request(c);
    if (!fn)
        return 0;
    double left = budget_left();
    if (left <= 0.0) {
        judge_fail_why(c->j, JUDGE_WHY_TIME, "%s not run: the time budget of the submission is used up (%.1f s spent "
                   "in calls, the budget is %.0f s for all calls together): some function is "
                   "far too slow, sleeps or loops", c->func, budget_spent(), opt_budget_seconds());
        return 0;
    }
    double ref = reference_seconds(c, fn);
    double floor_s = LIMIT_FLOOR * machine_load_factor();
    /* A repeated call (call_repeat) is long by design: its limit grows with
     * the repetitions and, like the floor, with the machine's load. */
    double reps = c->repeat > 1 ? c->repeat * machine_load_factor() : 1.0;
    /* The cap (--timeout) stretches with the load like the floor, so the
     * verdict on a call does not depend on how busy the machine is. */
    double cap = opt_call_cap_seconds() * machine_load_factor();
    const double uncapped = ref >= 0 ? LIMIT_FACTOR * ref * reps + floor_s : cap;
    double limit = uncapped;
    if (limit > cap)
        limit = cap;
    buf_t req = {0};
    outcome_t o;
    encode(c, &req);
    spawn(c, &req, &o, limit);
    free(req.p);
    c->cpu_seconds = o.cpu_seconds;
    if (getenv("LORALAB_CALL_TIMES")) /* a diagnostic for tests/bench_grader.py */
        fprintf(stderr, "call-time %s\t%s reference %.6f limit %.6f allowed %.6f took %.6f\n",
                judge_test_name(), c->func, ref, limit, o.allowed, o.seconds);
    if (o.setup[0]) {
        judge_fail_why(c->j, JUDGE_WHY_GRADER, "grader error: cannot sandbox the student's code: %s", o.setup);
        judge_internal_error();
        free(o.res.p);
        return 0;
    }
    int got = (!o.timed_out && !o.flooded && WIFEXITED(o.status) && WEXITSTATUS(o.status) == 0)
                  ? decode(c, &o) : -1;
    if (got < 0)
        explain_death(c, &o, limit, ref, floor_s, uncapped);
    free(o.res.p);
    if (got <= 0)
        return 0;
    if (!guards_intact(c))
        return 0;
    if (!c->oom) /* the models replay in this process, with memory (a model that crashes without it must not) */
        record_for_diagnosis(c, ref);
    return 1;
}

