/*
 * late_judge.c - an LD_PRELOAD shim for tests/test_engine.py: a judge that
 * is late.  Two ways, chosen by the environment:
 *
 * LATE_JUDGE_MS (the default, 2000): on a busy machine a worker whose poll
 * ended at a budget tick (nothing ready) may wait long for a core, and the
 * runner answers meanwhile.  Every poll that would wait returns after at
 * most 1 ms, and when nothing was ready the process sleeps LATE_JUDGE_MS
 * before going on.
 *
 * LATE_JUDGE_EXEC_MS: the worker is kept off a core just after it started a
 * runner (clone returned: the runner is executed and runs its constructors).
 * Polls are left alone.  The worker waits on a run queue, as on a busy
 * machine, not in a sleep: it is pinned to its core with the lowest
 * priority beside a process that spins there for LATE_JUDGE_EXEC_MS.  A
 * constructor that sleeps meanwhile has that time before the call's limit
 * starts, and the report must say so (a judge that measured from when it
 * resumed reported it as allowed only the limit).
 *
 * The runner is static: the shim reaches only the judge.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

int poll(struct pollfd *fds, nfds_t n, int timeout)
{
    static int (*real)(struct pollfd *, nfds_t, int);
    if (!real)
        real = (int (*)(struct pollfd *, nfds_t, int))dlsym(RTLD_NEXT, "poll");
    if (getenv("LATE_JUDGE_EXEC_MS"))
        return real(fds, n, timeout);
    int r = real(fds, n, timeout > 1 ? 1 : timeout);
    if (r == 0 && timeout != 0) {
        const char *s = getenv("LATE_JUDGE_MS");
        long ms = s ? atol(s) : 2000;
        struct timespec d = {ms / 1000, (ms % 1000) * 1000000L};
        nanosleep(&d, NULL);
    }
    return r;
}

/* Runnable but off a core for ms: a lowest-priority worker pinned beside a
 * spinning child.  Its nice value is set back after (root may; another
 * user's worker stays at 19, slower on a busy machine). */
static void wait_for_a_core(long ms)
{
    cpu_set_t all, one;
    int cpu = sched_getcpu();
    if (cpu < 0 || sched_getaffinity(0, sizeof all, &all) != 0)
        return;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    pid_t hog = fork();
    if (hog == 0) {
        sched_setaffinity(0, sizeof one, &one);
        double end = seconds() + ms * 1e-3;
        while (seconds() < end)
            ;
        _exit(0);
    }
    if (hog < 0)
        return;
    int nice = getpriority(PRIO_PROCESS, 0);
    sched_setaffinity(0, sizeof one, &one);
    setpriority(PRIO_PROCESS, 0, 19);
    while (waitpid(hog, NULL, WNOHANG) == 0)
        ;
    sched_setaffinity(0, sizeof all, &all);
    setpriority(PRIO_PROCESS, 0, nice);
}

int clone(int (*fn)(void *), void *stack, int flags, void *arg, ...)
{
    static int (*real)(int (*)(void *), void *, int, void *, ...);
    if (!real)
        real = (int (*)(int (*)(void *), void *, int, void *, ...))dlsym(RTLD_NEXT, "clone");
    /* The optional arguments are positional: as many as the last one the
     * flags use. */
    int extra = flags & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID) ? 3
                : flags & CLONE_SETTLS ? 2 : flags & CLONE_PARENT_SETTID ? 1 : 0;
    va_list ap;
    va_start(ap, arg);
    pid_t *ptid = extra >= 1 ? va_arg(ap, pid_t *) : NULL;
    void *tls = extra >= 2 ? va_arg(ap, void *) : NULL;
    pid_t *ctid = extra >= 3 ? va_arg(ap, pid_t *) : NULL;
    va_end(ap);
    int pid = real(fn, stack, flags, arg, ptid, tls, ctid);
    const char *s = getenv("LATE_JUDGE_EXEC_MS");
    if (pid > 0 && s)
        wait_for_a_core(atol(s));
    return pid;
}
