/*
 * schedule.c - running the tests: each selected test in its own forked
 * worker (at most --jobs at a time), the time budget all workers share, and
 * how busy the machine is (which stretches the limits' floors).
 */
#define _GNU_SOURCE
#include "engine.h"
#include "mistakes.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
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

#define HEAD_LEN 10 /* a worker's first line: its verdict and why (run_worker) */

static void run_worker(const judge_test_t *t, int fd)
{
    /* Zero in every worker: only workers run this, and each is a fresh fork
     * of a judge that never touched it (no memset: its pages stay untouched
     * until the test writes them). */
    static judge_t j;
    /* The parent's flag says another test had a grader error: not this one. */
    grading.internal_error = 0;
    char key[256];
    snprintf(key, sizeof key, "%s %s", t->task, t->name);
    rng_seed(&j.rng, grading.seed ^ rng_hash_string(key));
    current_test = t->name;
    t->run(&j);
    runner_session_end();
    if (j.failed && !grading.internal_error) /* name the mistake, where a model's outputs match */
        mistakes_diagnose(&j);
    judge_free_data(&j);
    /* "F0000a0\n": the verdict, then why it failed (JUDGE_WHY_* bits, hex). */
    char head[HEAD_LEN + 1];
    snprintf(head, sizeof head, "%c%0*x\n", grading.internal_error ? 'E' : j.failed ? 'F' : 'P', HEAD_LEN - 2,
             j.why | (grading.internal_error ? JUDGE_WHY_GRADER : 0u));
    if (write(fd, head, HEAD_LEN) == HEAD_LEN && j.log_len)
        (void)!write(fd, j.log, j.log_len);
    close(fd);
    _exit(0);
}

void run_tests(result_t *res, size_t n)
{
    /* Where the judge reads a worker's log: a mapping of its own, in no
     * worker (MADV_DONTFORK), since a page the judge writes while a worker
     * shares it is copied (a fault and a TLB flush each time). */
    char *log_in = mmap(NULL, LOG_MAX + HEAD_LEN + 8, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (log_in == MAP_FAILED) {
        perror("grader: mmap");
        exit(2);
    }
    (void)madvise(log_in, LOG_MAX + HEAD_LEN + 8, MADV_DONTFORK);
    (void)online_cores();
    /* The heap's free chunks merged and its free pages returned before the
     * workers fork: a worker's first large allocation would otherwise merge
     * the judge's small free chunks, writing (copying) every page they lie
     * in, and reuse pages the judge no longer needs, each a copy too. */
    malloc_trim(0);
    size_t next = 0, done = 0, running = 0;
    pid_t pids[64];
    int fds[64];
    size_t which[64];
    while (done < n) {
        while (running < (size_t)grading.jobs && next < n) {
            if (!res[next].selected) {
                next++;
                continue;
            }
            int p[2];
            if (pipe2(p, O_CLOEXEC)) {
                perror("grader: pipe");
                exit(2);
            }
            fflush(NULL);
            pid_t pid = fork();
            if (pid < 0) {
                perror("grader: fork");
                exit(2);
            }
            if (pid == 0) {
                close(p[0]);
                run_worker(&grading.lab->tests[next], p[1]);
            }
            close(p[1]);
            pids[running] = pid;
            fds[running] = p[0];
            which[running] = next++;
            running++;
        }
        if (running == 0) {
            for (size_t i = 0; i < n; i++)
                done += !res[i].selected;
            break;
        }
        /* Read the first worker to finish; logs fit in a pipe (LOG_MAX). */
        struct pollfd pf[64];
        for (size_t i = 0; i < running; i++)
            pf[i] = (struct pollfd){fds[i], POLLIN, 0};
        if (poll(pf, (nfds_t)running, -1) < 0 && errno != EINTR) {
            perror("grader: poll");
            exit(2);
        }
        for (size_t i = 0; i < running; i++) {
            if (!pf[i].revents)
                continue;
            /* Read into log_in, then kept in a block as long as the log. */
            size_t len = 0;
            ssize_t k;
            while (len < LOG_MAX + HEAD_LEN + 4 &&
                   (k = read(fds[i], log_in + len, LOG_MAX + HEAD_LEN + 4 - len)) > 0)
                len += (size_t)k;
            char *buf = malloc(len + 1);
            if (!buf) {
                fprintf(stderr, "grader: out of memory\n");
                exit(2);
            }
            memcpy(buf, log_in, len);
            buf[len] = '\0';
            close(fds[i]);
            int st;
            waitpid(pids[i], &st, 0);
            result_t *r = &res[which[i]];
            if (len < HEAD_LEN || buf[HEAD_LEN - 1] != '\n' || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
                r->passed = 0;
                r->why = JUDGE_WHY_GRADER;
                r->log = strdup("grader bug: this test's worker died\n");
                grading.internal_error = 1;
                free(buf);
            } else {
                r->passed = buf[0] == 'P';
                if (buf[0] == 'E')
                    grading.internal_error = 1;
                r->why = (unsigned)strtoul(buf + 1, NULL, 16);
                memmove(buf, buf + HEAD_LEN, len - HEAD_LEN);
                buf[len - HEAD_LEN] = '\0';
                r->log = buf;
            }
            r->score = r->passed ? r->test->points : 0;
            done++;
            pids[i] = pids[running - 1];
            fds[i] = fds[running - 1];
            which[i] = which[running - 1];
            pf[i] = pf[running - 1];
            running--;
            i--;
        }
    }
    munmap(log_in, LOG_MAX + HEAD_LEN + 8);
}
