/*
 * schedule.c - running the tests: --jobs forked workers, each running the
 * tests the judge hands it one after the other (a test's state put back
 * before the next: test_state_reset), the time budget all workers share,
 * and how busy the machine is (which stretches the limits' floors).
 */
#define _GNU_SOURCE
#include "engine.h"
#include "mistakes.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* Microseconds spent in calls, shared by every test worker (MAP_SHARED). */
static atomic_llong *spent_us;

double opt_call_cap_seconds(void) { return grading.call_cap; }
/* The cores online, read once (run_tests, before the workers fork): sysconf
 * reads a file of /sys each time, and every call asks for the load. */
static long online_cores(void)
{
    static long cores;
    if (cores < 1)
        cores = sysconf(_SC_NPROCESSORS_ONLN);
    return cores;
}

double machine_load_factor(void)
{
    double load[1];
    long cores = online_cores();
    if (getloadavg(load, 1) != 1 || cores < 1)
        return 1.0;
    double f = load[0] / (double)cores;
    return f < 1.0 ? 1.0 : f > LOAD_FACTOR_MAX ? LOAD_FACTOR_MAX : f;
}
double opt_budget_seconds(void) { return grading.budget; }
double budget_spent(void) { return spent_us ? (double)atomic_load(spent_us) * 1e-6 : 0.0; }
double budget_left(void) { return grading.budget - budget_spent(); }
void budget_charge(double seconds)
{
    if (spent_us && seconds > 0)
        atomic_fetch_add(spent_us, (long long)(seconds * 1e6));
}

/* The time budget, shared by every test worker: 0, or -1 (errno set). */
int budget_start(void)
{
    spent_us = mmap(NULL, sizeof *spent_us, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (spent_us == MAP_FAILED) {
        spent_us = NULL;
        return -1;
    }
    atomic_init(spent_us, 0);
    return 0;
}

_Noreturn void engine_exit(int status)
{
    fflush(NULL);
    if (grading.main_pid && getpid() != grading.main_pid)
        _exit(status);
    exit(status);
}

static const char *current_test = "";
const char *judge_test_name(void) { return current_test; }

/* A test matches --test NAME when NAME is its name, its task (lab05.1), or
 * a part of its name. */
int test_matches(const judge_test_t *t, const char *name)
{
    return strcmp(name, t->name) == 0 || strcmp(name, t->task) == 0 || strstr(t->name, name) != NULL;
}

int selected(const judge_test_t *t)
{
    if (grading.n_only == 0)
        return 1;
    for (int k = 0; k < grading.n_only; k++)
        if (test_matches(t, grading.only[k]))
            return 1;
    return 0;
}

int die_with_parent(pid_t parent)
{
    return prctl(PR_SET_PDEATHSIG, SIGKILL) == 0 && getppid() == parent ? 0 : -1;
}

/* A whole read (out = 0) or write (out = 1) on a pipe: 0, or -1 at its end
 * or on an error. */
static int pipe_all(int fd, void *p, size_t len, int out)
{
    for (size_t done = 0; done < len;) {
        ssize_t k = out ? write(fd, (char *)p + done, len - done) : read(fd, (char *)p + done, len - done);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        done += (size_t)k;
    }
    return 0;
}

#define HEAD_LEN 10 /* a result's first line: its verdict and why (run_one) */

/* The judge state one test leaves behind, put back as a fresh fork of the
 * judge has it: a pooled worker runs many tests, one after the other. */
static judge_t j;
static void test_state_reset(void)
{
    memset(&j, 0, offsetof(judge_t, log));
    j.log[0] = '\0';
    grading.internal_error = 0; /* another test's grader error is not this one's */
    mistakes_reset();
    alloc_fault_end();
    alloc_fault_requested = 0;
    alloc_leaks_reset();
}

/* One test, in a worker: its result written to fd as one frame, the frame's
 * length (4 bytes) then "F0000a0\n" (the verdict, then why it failed:
 * JUDGE_WHY_* bits, hex) and the test's log. */
static void run_one(const judge_test_t *t, int fd)
{
    static char frame[4 + HEAD_LEN + LOG_MAX + 1];
    test_state_reset();
    char key[256];
    snprintf(key, sizeof key, "%s %s", t->task, t->name);
    rng_seed(&j.rng, grading.seed ^ rng_hash_string(key));
    current_test = t->name;
    t->run(&j);
    runner_session_end();
    if (j.failed && !grading.internal_error) /* name the mistake, where a model's outputs match */
        mistakes_diagnose(&j);
    judge_free_data(&j);
    uint32_t len = (uint32_t)(HEAD_LEN + j.log_len);
    memcpy(frame, &len, 4);
    snprintf(frame + 4, HEAD_LEN + 1, "%c%0*x\n", grading.internal_error ? 'E' : j.failed ? 'F' : 'P',
             HEAD_LEN - 2, j.why | (grading.internal_error ? JUDGE_WHY_GRADER : 0u));
    memcpy(frame + 4 + HEAD_LEN, j.log, j.log_len);
    if (pipe_all(fd, frame, 4 + len, 1) != 0)
        _exit(3);
}

/* A worker: the tests the judge hands it (their numbers, 4 bytes each, on
 * cmd), one after the other, each result a frame on res; the end of cmd
 * ends it.  Forking once per worker, not once per test, spares each test
 * the copies of the judge's pages it writes (a fault each, which a
 * virtual machine makes costly): a test's results do not depend on the
 * tests run before it in the same worker (test_state_reset; the student's
 * code runs in a runner of its own for each test, run_sandbox.c). */
static _Noreturn void worker_loop(int cmd, int res)
{
    uint32_t k;
    while (pipe_all(cmd, &k, 4, 0) == 0 && k < grading.lab->n_tests)
        run_one(&grading.lab->tests[k], res);
    _exit(0);
}

typedef struct {
    pid_t pid;
    int cmd, res; /* the judge's ends: tests to the worker, results from it */
    long test;    /* the test it runs, -1: idle */
} worker_t;

static void worker_start(worker_t *w, worker_t *all, int n_all)
{
    int cmd[2], res[2];
    if (pipe2(cmd, O_CLOEXEC) || pipe2(res, O_CLOEXEC)) {
        perror("grader: pipe");
        exit(2);
    }
    fflush(NULL);
    pid_t judge = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        perror("grader: fork");
        exit(2);
    }
    if (pid == 0) {
        /* A worker dies with its judge (and its runner with it: run_sandbox.c),
         * whoever stops the judge and however. */
        if (die_with_parent(judge) != 0)
            _exit(1);
        for (int i = 0; i < n_all; i++) /* the other workers' ends: theirs alone */
            if (all[i].pid > 0) {
                close(all[i].cmd);
                close(all[i].res);
            }
        close(cmd[1]);
        close(res[0]);
        worker_loop(cmd[0], res[1]);
    }
    close(cmd[0]);
    close(res[1]);
    *w = (worker_t){pid, cmd[1], res[0], -1};
}

static void worker_stop(worker_t *w)
{
    close(w->cmd);
    close(w->res);
    int st;
    waitpid(w->pid, &st, 0);
    w->pid = 0;
}

/* A worker's result for its test: 0, or -1 when it died before writing it
 * whole (a grader bug: the test is failed, the worker replaced). */
static int take_result(worker_t *w, result_t *r)
{
    uint32_t len = 0;
    if (pipe_all(w->res, &len, 4, 0) != 0 || len < HEAD_LEN || len > HEAD_LEN + LOG_MAX)
        return -1;
    char *buf = malloc(len + 1);
    if (!buf) {
        fprintf(stderr, "grader: out of memory\n");
        exit(2);
    }
    if (pipe_all(w->res, buf, len, 0) != 0 || buf[HEAD_LEN - 1] != '\n') {
        free(buf);
        return -1;
    }
    buf[len] = '\0';
    r->passed = buf[0] == 'P';
    if (buf[0] == 'E')
        grading.internal_error = 1;
    r->why = (unsigned)strtoul(buf + 1, NULL, 16);
    memmove(buf, buf + HEAD_LEN, len - HEAD_LEN + 1);
    r->log = buf;
    return 0;
}

void run_tests(result_t *res, size_t n)
{
    (void)online_cores();
    /* The heap's free chunks merged and its free pages returned before the
     * workers fork: a worker's first large allocation would otherwise merge
     * the judge's small free chunks, writing (copying) every page they lie
     * in, and reuse pages the judge no longer needs, each a copy too. */
    malloc_trim(0);
    size_t todo = 0;
    for (size_t i = 0; i < n; i++)
        todo += res[i].selected != 0;
    int nw = grading.jobs < 1 ? 1 : grading.jobs > 64 ? 64 : grading.jobs;
    if ((size_t)nw > todo)
        nw = (int)todo;
    worker_t w[64] = {{0}};
    for (int i = 0; i < nw; i++)
        worker_start(&w[i], w, nw);
    size_t next = 0, done = 0;
    while (done < todo) {
        /* Every idle worker gets the next selected test. */
        for (int i = 0; i < nw; i++) {
            while (next < n && !res[next].selected)
                next++;
            if (w[i].test >= 0 || next >= n)
                continue;
            if (!w[i].pid)
                worker_start(&w[i], w, nw);
            uint32_t k = (uint32_t)next;
            w[i].test = (long)next++;
            /* A worker that died meanwhile takes no test: its result pipe's
             * end of file fails this test below. */
            (void)pipe_all(w[i].cmd, &k, 4, 1);
        }
        /* Wait for the first result (logs fit in a pipe: LOG_MAX). */
        struct pollfd pf[64];
        for (int i = 0; i < nw; i++)
            pf[i] = (struct pollfd){w[i].pid && w[i].test != -1 ? w[i].res : -1, POLLIN, 0};
        if (poll(pf, (nfds_t)nw, -1) < 0 && errno != EINTR) {
            perror("grader: poll");
            exit(2);
        }
        for (int i = 0; i < nw; i++) {
            if (!pf[i].revents)
                continue;
            result_t *r = &res[w[i].test];
            if (take_result(&w[i], r) != 0) {
                r->passed = 0;
                r->why = JUDGE_WHY_GRADER;
                r->log = strdup("grader bug: this test's worker died\n");
                grading.internal_error = 1;
                worker_stop(&w[i]); /* a new one starts for the next test */
            }
            r->score = r->passed ? r->test->points : 0;
            w[i].test = -1;
            done++;
        }
    }
    for (int i = 0; i < nw; i++)
        if (w[i].pid)
            worker_stop(&w[i]);
}
