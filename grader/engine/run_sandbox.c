/*
 * run_sandbox.c - one runner process: forked, limited, filtered, executed,
 * fed its request and watched until it answers, dies or runs out of time.
 *
 * The sandbox is set up in the forked child before execve, so it covers the
 * student's code from its first instruction (constructors included):
 *   - a seccomp allow-list (libseccomp): no open, no fork/clone, no exec but
 *     the runner itself, no sockets; calls that name a process (signals,
 *     limits) only for the runner itself, and limits read, never changed;
 *     anything else raises SIGSYS, which the runner reports by name;
 *   - limits: CPU seconds, address space, no files written, no core dumps;
 *   - a wall-clock limit per call (call.c derives it from the reference's
 *     time), within the submission's time budget shared by every test
 *     (schedule.c), and caps on what it may print (bytes and lines).
 * A failure to build the sandbox is reported on a pipe that closes at
 * execve; the runner's own channel (fd 3) is only ever the student's claim.
 */
#define _GNU_SOURCE
#include "engine.h"
#include "protocol.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <math.h>
#include <poll.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}


/* The allow-list, exported as a BPF program while the child may still
 * allocate; it is loaded after the resource limits, which then cannot be
 * changed any more (prlimit64 may only read this process's own limits). */
static int build_filter(const char *runner_path, struct sock_fprog *prog)
{
    static struct sock_filter code[4096];
    static const int allowed[] = {
        SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev),
        SCMP_SYS(close), SCMP_SYS(fstat), SCMP_SYS(newfstatat), SCMP_SYS(lseek),
        SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mprotect), SCMP_SYS(mremap),
        SCMP_SYS(brk), SCMP_SYS(madvise), SCMP_SYS(exit), SCMP_SYS(exit_group),
        SCMP_SYS(rt_sigaction), SCMP_SYS(rt_sigprocmask), SCMP_SYS(rt_sigreturn),
        SCMP_SYS(sigaltstack), SCMP_SYS(clock_gettime), SCMP_SYS(clock_getres),
        SCMP_SYS(gettimeofday), SCMP_SYS(time), SCMP_SYS(nanosleep),
        SCMP_SYS(clock_nanosleep), SCMP_SYS(getpid), SCMP_SYS(gettid),
        SCMP_SYS(getuid), SCMP_SYS(geteuid), SCMP_SYS(getgid), SCMP_SYS(getegid),
        SCMP_SYS(arch_prctl), SCMP_SYS(set_tid_address), SCMP_SYS(set_robust_list),
        SCMP_SYS(rseq), SCMP_SYS(getrlimit), SCMP_SYS(getrandom),
        SCMP_SYS(futex), SCMP_SYS(uname), SCMP_SYS(readlink), SCMP_SYS(ioctl),
        SCMP_SYS(sched_yield), SCMP_SYS(getcwd),
    };
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_TRAP);
    if (!ctx)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
        rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed[i], 0);
    /* Calls that name a process: only this one.  Signals to itself (abort()
     * raises SIGABRT through tgkill); limits and affinity read, never set. */
    scmp_datum_t self = (scmp_datum_t)getpid();
    rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(kill), 1, SCMP_A0(SCMP_CMP_EQ, self));
    rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tkill), 1, SCMP_A0(SCMP_CMP_EQ, self));
    rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1, SCMP_A0(SCMP_CMP_EQ, self));
    rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prlimit64), 2, SCMP_A0(SCMP_CMP_EQ, 0),
                           SCMP_A2(SCMP_CMP_EQ, 0));
    rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(sched_getaffinity), 1,
                           SCMP_A0(SCMP_CMP_EQ, 0));
    /* execve of exactly this path pointer: the runner, once.  After the exec
     * the address space is new and nothing there knows this address. */
    rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(execve), 1,
                           SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)(uintptr_t)runner_path));
    int p[2] = {-1, -1};
    if (rc == 0 && pipe(p) == 0 && seccomp_export_bpf(ctx, p[1]) == 0) {
        close(p[1]);
        size_t got = 0;
        ssize_t k;
        while (got < sizeof code && (k = read(p[0], (char *)code + got, sizeof code - got)) > 0)
            got += (size_t)k;
        rc = got == 0 || got % sizeof code[0] || got == sizeof code ? -1 : 0;
        prog->len = (unsigned short)(got / sizeof code[0]);
        prog->filter = code;
    } else {
        rc = -1;
    }
    if (p[0] >= 0)
        close(p[0]);
    seccomp_release(ctx);
    return rc;
}

/* The sandbox could not be built: that is the grader's failure, not the
 * student's.  Say so on the setup pipe, which closes unwritten at execve, so
 * nothing the student's code does can write on it. */
static _Noreturn void setup_failed(int fd, const char *what)
{
    char msg[160];
    int n = snprintf(msg, sizeof msg, "%s: %s", what, strerror(errno));
    (void)!write(fd, msg, (size_t)(n > 0 ? (n < (int)sizeof msg ? n : (int)sizeof msg - 1) : 0));
    _exit(125);
}

static _Noreturn void child(const char *runner, int in_r, int res_w, int out_w, int setup_w,
                            double limit)
{
    char *path = strdup(runner);
    char *argv[] = {"runner", NULL};
    char *envp[] = {NULL};
    rlim_t cpu_s = (rlim_t)ceil(limit) + 1;
    struct rlimit cpu = {cpu_s, cpu_s + 1};
    struct rlimit mem = {MEMORY_LIMIT + (MAX_ARGS + 1) * GUARD_GAP,
                         MEMORY_LIMIT + (MAX_ARGS + 1) * GUARD_GAP};
    struct rlimit zero = {0, 0};
    struct rlimit nofile = {8, 8};
    struct sock_fprog prog;

    setpgid(0, 0);
    /* First every pipe above the numbers it is going to, then 0..3 (inherited
     * by the runner) and the setup pipe as fd 4, which closes at execve. */
    int fds[4] = {in_r, out_w, res_w, setup_w};
    for (int i = 0; i < 4; i++)
        if ((fds[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 10)) < 0)
            setup_failed(setup_w, "fcntl");
    if (dup3(fds[3], 4, O_CLOEXEC) < 0)
        setup_failed(setup_w, "dup3");
    setup_w = 4;
    if (dup2(fds[0], 0) < 0 || dup2(fds[1], 1) < 0 || dup2(fds[1], 2) < 0 || dup2(fds[2], 3) < 0)
        setup_failed(setup_w, "dup2");
    if (syscall(SYS_close_range, 5u, ~0u, 0u) != 0)
        for (int fd = 5; fd < 65536; fd++)
            close(fd);
    if (chdir(judge_empty_dir()) != 0)
        setup_failed(setup_w, "chdir to the empty run folder");
    /* The filter is built first (it allocates, which the address-space limit
     * could refuse) and loaded last (then no limit can be changed). */
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || !path || build_filter(path, &prog) != 0)
        setup_failed(setup_w, "seccomp filter (libseccomp)");
    if (setrlimit(RLIMIT_CPU, &cpu) || setrlimit(RLIMIT_AS, &mem) ||
        setrlimit(RLIMIT_FSIZE, &zero) || setrlimit(RLIMIT_CORE, &zero) ||
        setrlimit(RLIMIT_NPROC, &zero) || setrlimit(RLIMIT_NOFILE, &nofile))
        setup_failed(setup_w, "setrlimit");
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0)
        setup_failed(setup_w, "loading the seccomp filter");
    execve(path, argv, envp);
    /* Only reached if execve failed: the filter is in place, write and exit. */
    setup_failed(setup_w, "execve of the runner");
}

static void set_nonblock(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }


void spawn(call_t *c, const buf_t *req, outcome_t *o, double limit)
{
    int in[2], res[2], out[2], setup[2];
    memset(o, 0, sizeof *o);
    if (pipe2(in, O_CLOEXEC) || pipe2(res, O_CLOEXEC) || pipe2(out, O_CLOEXEC) ||
        pipe2(setup, O_CLOEXEC)) {
        fprintf(stderr, "grader: pipe: %s\n", strerror(errno));
        engine_exit(2);
    }
    /* The call's clock starts when the runner is executed (the setup pipe
     * closes empty at execve): forking and building the sandbox are the
     * judge's costs, which a busy machine can stretch. */
    double start = now(), deadline = start + SETUP_SECONDS, exec_at = -1.0;
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "grader: fork: %s\n", strerror(errno));
        engine_exit(2);
    }
    if (pid == 0)
        child(judge_runner_path(), in[0], res[1], out[1], setup[1], limit);
    close(in[0]);
    close(res[1]);
    close(out[1]);
    close(setup[1]);
    set_nonblock(in[1]);
    set_nonblock(res[0]);
    set_nonblock(out[0]);
    set_nonblock(setup[0]);

    size_t sent = 0, kept = 0;
    int in_fd = in[1], res_fd = res[0], out_fd = out[0], setup_fd = setup[0];
    size_t setup_len = 0;
    double charged = start, free_s = BUDGET_FREE * machine_load_factor();
    while (res_fd >= 0 || out_fd >= 0) {
        struct pollfd p[4];
        int n = 0;
        if (setup_fd >= 0)
            p[n++] = (struct pollfd){setup_fd, POLLIN, 0};
        if (in_fd >= 0)
            p[n++] = (struct pollfd){in_fd, POLLOUT, 0};
        if (res_fd >= 0)
            p[n++] = (struct pollfd){res_fd, POLLIN, 0};
        if (out_fd >= 0)
            p[n++] = (struct pollfd){out_fd, POLLIN, 0};
        /* The budget is charged as the call runs, so calls running at the
         * same time in other workers see it shrink. */
        double t = now();
        if (exec_at >= 0 && t > exec_at + free_s)
            budget_charge(t - (charged > exec_at + free_s ? charged : exec_at + free_s));
        charged = t;
        double left = deadline - t;
        if (exec_at >= 0 && budget_left() <= 0) {
            o->timed_out = o->cut = 1;
            break;
        }
        if (left <= 0 && exec_at < 0 && !setup_len) {
            snprintf(o->setup, sizeof o->setup, "building the sandbox took more than %.0f s",
                     SETUP_SECONDS);
            break;
        }
        if (left <= 0) {
            o->timed_out = 1;
            break;
        }
        int wait_ms = left < BUDGET_TICK ? (int)(left * 1000) + 1 : (int)(BUDGET_TICK * 1000);
        if (poll(p, (nfds_t)n, wait_ms) < 0 && errno != EINTR)
            break;
        for (int i = 0; i < n; i++) {
            if (!p[i].revents)
                continue;
            if (p[i].fd == setup_fd) {
                ssize_t k = read(setup_fd, o->setup + setup_len, sizeof o->setup - 1 - setup_len);
                if (k > 0)
                    setup_len += (size_t)k;
                if (k == 0 || (k < 0 && errno != EAGAIN && errno != EINTR) ||
                    setup_len == sizeof o->setup - 1) {
                    close(setup_fd);
                    setup_fd = -1;
                    if (!setup_len) { /* executed: the call starts now */
                        exec_at = charged = now();
                        deadline = exec_at + limit;
                    }
                }
                continue;
            }
            if (p[i].fd == in_fd) {
                ssize_t k = write(in_fd, req->p + sent, req->len - sent);
                if (k > 0)
                    sent += (size_t)k;
                if ((k < 0 && errno != EAGAIN) || sent == req->len) {
                    close(in_fd);
                    in_fd = -1;
                }
                continue;
            }
            char tmp[65536];
            ssize_t k = read(p[i].fd, tmp, sizeof tmp);
            if (k == 0 || (k < 0 && errno != EAGAIN && errno != EINTR)) {
                close(p[i].fd);
                if (p[i].fd == res_fd)
                    res_fd = -1;
                else
                    out_fd = -1;
            } else if (k > 0 && p[i].fd == res_fd) {
                if (o->res.len + (size_t)k > RESULT_MAX) {
                    o->flooded = 2;
                    break;
                }
                put(&o->res, tmp, (size_t)k);
            } else if (k > 0) {
                size_t room = OUTPUT_KEEP - kept;
                size_t take = (size_t)k < room ? (size_t)k : room;
                memcpy(c->printed + kept, tmp, take);
                kept += take;
                o->printed_len += (size_t)k;
                for (ssize_t b = 0; b < k; b++)
                    o->printed_lines += tmp[b] == '\n';
                if (o->printed_len > OUTPUT_MAX || o->printed_lines > OUTPUT_MAX_LINES)
                    o->flooded = 1;
            }
        }
        if (o->flooded)
            break;
    }
    c->printed[kept] = '\0';
    if (in_fd >= 0)
        close(in_fd);
    if (res_fd >= 0)
        close(res_fd);
    if (out_fd >= 0)
        close(out_fd);
    kill(pid, SIGKILL);
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    while (wait4(pid, &o->status, 0, &ru) < 0 && errno == EINTR)
        ;
    o->cpu_seconds = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 +
                     (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6;
    double end = now();
    o->seconds = exec_at >= 0 ? end - exec_at : 0.0;
    if (exec_at >= 0 && end > exec_at + free_s)
        budget_charge(end - (charged > exec_at + free_s ? charged : exec_at + free_s));
    /* A setup failure written just before the child exited. */
    if (setup_fd >= 0) {
        ssize_t k = read(setup_fd, o->setup + setup_len, sizeof o->setup - 1 - setup_len);
        setup_len += k > 0 ? (size_t)k : 0;
        close(setup_fd);
    }
    if (setup_len)
        o->setup[setup_len] = '\0';
}
