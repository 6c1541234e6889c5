/*
 * run_sandbox.c - the runner process of a test: started, limited, filtered,
 * executed, fed each call's request and watched until it answers, dies or
 * runs out of time.
 *
 * The sandbox is set up in the child (vforked) before execve, so it covers the
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
#include <sched.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
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


/* The allow-list, exported as a BPF program, for a runner whose pid is
 * `self` (the only process its kill/tkill/tgkill/prlimit64 may name). */
static int build_filter(const char *runner_path, pid_t self_pid, struct sock_filter *code,
                        size_t cap, unsigned short *len)
{
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
        SCMP_SYS(recvmsg), /* the next call's answer pipe, on the control socket */
    };
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_TRAP);
    if (!ctx)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
        rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed[i], 0);
    /* Calls that name a process: only this one.  Signals to itself (abort()
     * raises SIGABRT through tgkill); limits and affinity read, never set. */
    scmp_datum_t self = (scmp_datum_t)self_pid;
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
        p[1] = -1;
        size_t got = 0, bytes = cap * sizeof code[0];
        ssize_t k;
        while (got < bytes && (k = read(p[0], (char *)code + got, bytes - got)) > 0)
            got += (size_t)k;
        rc = got == 0 || got % sizeof code[0] || got == bytes ? -1 : 0;
        *len = (unsigned short)(got / sizeof code[0]);
    } else {
        rc = -1;
    }
    for (int i = 0; i < 2; i++)
        if (p[i] >= 0)
            close(p[i]);
    seccomp_release(ctx);
    return rc;
}

/* The filter is built once per grading (sandbox_prepare, in the judge before
 * the test workers fork), not once per call: libseccomp's work is the same
 * for every runner but the pid.  It is built twice, for two pids no process
 * can have (above the kernel's PID_MAX_LIMIT, 2^22); the instructions where
 * the two programs differ are the comparisons with the pid, and only there
 * may they differ.  Each runner, before it loads the filter, writes its own
 * pid into those instructions: the program it loads is then the one
 * build_filter(runner, getpid()) exports, instruction for instruction. */
#define PID_MARK_A 0x5eed0001u
#define PID_MARK_B 0x5eed0002u
#define FILTER_CAP 4096
#define PID_SLOTS_MAX 16
static struct {
    int state;                       /* 0 not built, 1 ready, -1 failed */
    char *runner;                    /* the one pointer execve may be given */
    struct sock_filter code[FILTER_CAP];
    unsigned short len;
    unsigned short pid_slot[PID_SLOTS_MAX];
    int n_pid_slots;
} filter;

int sandbox_prepare(void)
{
    static struct sock_filter other[FILTER_CAP];
    unsigned short other_len = 0;
    if (filter.state)
        return filter.state > 0 ? 0 : -1;
    filter.state = -1;
    /* A copy on the heap, made once: as random an address as the judge's heap. */
    filter.runner = strdup(judge_runner_path());
    if (!filter.runner ||
        build_filter(filter.runner, (pid_t)PID_MARK_A, filter.code, FILTER_CAP, &filter.len) != 0 ||
        build_filter(filter.runner, (pid_t)PID_MARK_B, other, FILTER_CAP, &other_len) != 0 ||
        other_len != filter.len)
        return -1;
    filter.n_pid_slots = 0;
    for (unsigned short i = 0; i < filter.len; i++) {
        const struct sock_filter *a = &filter.code[i], *b = &other[i];
        if (a->code == b->code && a->jt == b->jt && a->jf == b->jf && a->k == b->k)
            continue;
        if (a->code != b->code || a->jt != b->jt || a->jf != b->jf || a->k != PID_MARK_A ||
            b->k != PID_MARK_B || filter.n_pid_slots == PID_SLOTS_MAX)
            return -1;
        filter.pid_slot[filter.n_pid_slots++] = i;
    }
    /* kill, tkill and tgkill compare with the pid (libseccomp shares one
     * comparison between them): at least one slot. */
    if (filter.n_pid_slots < 1)
        return -1;
    filter.state = 1;
    return 0;
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

/* The child starts as a vfork (clone with CLONE_VM | CLONE_VFORK): it shares
 * the judge's memory, on a stack of its own, and the judge waits until it has
 * executed the runner or exited.  Copying the test worker's page tables for
 * every call (fork) was the judge's largest cost.  The child has its own
 * file descriptors, working folder, limits, signal dispositions and seccomp
 * state, as a forked one does; it allocates nothing, and the only shared
 * memory it writes is the filter's pid slots (the judge, waiting, reads them
 * only for the next runner, which writes its own) and its own arguments'
 * exec_at (read by the judge when it resumes). */
typedef struct {
    int nul_r, out_w, res_w, ctl_r, setup_w;
    pid_t parent;     /* the test worker starting it */
    double cpu_limit; /* seconds of CPU the whole session may use */
    sigset_t mask;    /* the judge's signal mask, which the runner inherits */
    double exec_at;   /* written by the child just before it executes the runner */
} child_args_t;

static int child(void *arg)
{
    child_args_t *ca = arg;
    int setup_w = ca->setup_w;
    char *argv[] = {"runner", NULL};
    char *envp[] = {NULL};
    rlim_t cpu_s = (rlim_t)ceil(ca->cpu_limit) + 1;
    struct rlimit cpu = {cpu_s, cpu_s + 1};
    struct rlimit mem = {MEMORY_LIMIT + (MAX_ARGS + 1) * GUARD_GAP,
                         MEMORY_LIMIT + (MAX_ARGS + 1) * GUARD_GAP};
    struct rlimit zero = {0, 0};
    struct rlimit nofile = {8, 8};
    struct sock_fprog prog = {filter.len, filter.code};

    /* Signal handlers are the judge's code: none may run in this child (all
     * signals are blocked until the exec; caught ones go back to default). */
    for (int sig = 1; sig < NSIG; sig++) {
        struct sigaction sa;
        if (sig == SIGKILL || sig == SIGSTOP || sigaction(sig, NULL, &sa) != 0)
            continue;
        if (sa.sa_handler != SIG_DFL && sa.sa_handler != SIG_IGN) {
            sa.sa_handler = SIG_DFL;
            sa.sa_flags = 0;
            sigaction(sig, &sa, NULL);
        }
    }
    setpgid(0, 0);
    /* The runner dies with the worker that started it (the kill survives
     * the exec).  Its process group is its own, so a grader stopped from
     * outside (Ctrl-C in grade-all: SIGTERM to the judge's group; a timeout:
     * SIGKILL to it) never reaches it: a runner sleeping in a call outlived
     * its grading.  A worker already gone before the prctl: exit now. */
    if (die_with_parent(ca->parent) != 0)
        setup_failed(setup_w, "the test worker is gone");
    /* First every descriptor above the numbers it is going to, then 0..4
     * (inherited by the runner: protocol.h) and the setup pipe as fd 5,
     * which closes at execve. */
    int fds[5] = {ca->nul_r, ca->out_w, ca->res_w, ca->ctl_r, setup_w};
    for (int i = 0; i < 5; i++)
        if ((fds[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 10)) < 0)
            setup_failed(setup_w, "fcntl");
    if (dup3(fds[4], 5, O_CLOEXEC) < 0)
        setup_failed(setup_w, "dup3");
    setup_w = 5;
    if (dup2(fds[0], 0) < 0 || dup2(fds[1], 1) < 0 || dup2(fds[1], 2) < 0 ||
        dup2(fds[2], RUNNER_RESULT_FD) < 0 || dup2(fds[3], RUNNER_CTL_FD) < 0)
        setup_failed(setup_w, "dup2");
    if (syscall(SYS_close_range, 6u, ~0u, 0u) != 0)
        for (int fd = 6; fd < 65536; fd++)
            close(fd);
    if (chdir(judge_empty_dir()) != 0)
        setup_failed(setup_w, "chdir to the empty run folder");
    /* The filter, built once for the grading, gets this process's pid; it
     * is loaded last (then no limit can be changed). */
    if (filter.state != 1)
        errno = EINVAL;
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || filter.state != 1)
        setup_failed(setup_w, "seccomp filter (libseccomp)");
    uint32_t me = (uint32_t)getpid();
    for (int i = 0; i < filter.n_pid_slots; i++)
        filter.code[filter.pid_slot[i]].k = me;
    if (setrlimit(RLIMIT_CPU, &cpu) || setrlimit(RLIMIT_AS, &mem) ||
        setrlimit(RLIMIT_FSIZE, &zero) || setrlimit(RLIMIT_CORE, &zero) ||
        setrlimit(RLIMIT_NPROC, &zero) || setrlimit(RLIMIT_NOFILE, &nofile))
        setup_failed(setup_w, "setrlimit");
    ca->exec_at = now();
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0)
        setup_failed(setup_w, "loading the seccomp filter");
    sigprocmask(SIG_SETMASK, &ca->mask, NULL);
    execve(filter.runner, argv, envp);
    /* Only reached if execve failed: the filter is in place, write and exit. */
    setup_failed(setup_w, "execve of the runner");
}

static void set_nonblock(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

/* ---- the runner session ----
 *
 * One runner process serves the calls of a test, one after another (its
 * start, sandbox and exit cost more than most calls).  Each call has an
 * answer pipe of its own: the first is the runner's fd 3 from the start,
 * each later one is handed over on the control socket with the request
 * (SCM_RIGHTS).  The runner writes its answer, closes the pipe and writes one
 * byte, "done", on the control socket.  Student code cannot duplicate a
 * descriptor (the filter has no dup or fcntl), so the pipe's end of file
 * comes exactly when the call's answer is over: what was written before it
 * is the answer, however the call ran.  A call that does not end with one
 * well-formed answer (a crash, an exit, a forbidden system call, a timeout,
 * a flood, anything else on the pipe) ends the session, and the next call
 * starts a new runner: so every failure is the call's own, and the next call
 * starts clean.  A session ends with its test (runner_session_end,
 * schedule.c). */
static struct {
    pid_t pid;       /* 0: no runner */
    int ctl;         /* the judge's end of the control socket */
    int out;         /* the runner's stdout and stderr */
    int res;         /* the answer channel (the runner's fd 3) */
    int pidfd;       /* readable when the runner has exited */
    clockid_t clock; /* the runner's CPU time */
    double exec_at;  /* when the judge resumed after its exec (clone returned: CLONE_VFORK) */
    double born_at;  /* when it was executed: the child's last step before the exec */
    double exec_wait; /* its wait for a core then (queue_wait_seconds) */
    double judge_wait; /* the worker's own wait for a core then */
} session = {0, -1, -1, -1, -1, 0, 0.0, 0.0, -1.0, -1.0};

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* The runner is gone (or is made to go): its status and CPU seconds. */
static void reap(int *status, double *cpu)
{
    if (!session.pid)
        return;
    kill(session.pid, SIGKILL);
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    int st = 0;
    while (wait4(session.pid, &st, 0, &ru) < 0 && errno == EINTR)
        ;
    if (status)
        *status = st;
    if (cpu)
        *cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 +
               (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6;
    session.pid = 0;
    close_fd(&session.ctl);
    close_fd(&session.out);
    close_fd(&session.res);
    close_fd(&session.pidfd);
}

void runner_session_end(void) { reap(NULL, NULL); }

static double session_cpu(void)
{
    struct timespec ts;
    if (!session.pid || clock_gettime(session.clock, &ts) != 0)
        return 0.0;
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static _Noreturn void pipe_failed(const char *what)
{
    fprintf(stderr, "grader: %s: %s\n", what, strerror(errno));
    engine_exit(2);
}

static double queue_wait_of(pid_t pid);
static double queue_wait_seconds(void);

/* A new runner, sandboxed: returns the read end of its setup pipe. */
static int session_start(void)
{
    int nul[2], out[2], res[2], ctl[2], setup[2];
    if (pipe2(nul, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(res, O_CLOEXEC) ||
        pipe2(setup, O_CLOEXEC))
        pipe_failed("pipe");
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ctl))
        pipe_failed("socketpair");
    /* A filter that cannot be built is reported by the child, on the setup
     * pipe, as before (a grader error, not the student's failure). */
    sandbox_prepare();
    static char stack[256 * 1024] __attribute__((aligned(64)));
    /* The session's CPU limit only backs up the judge's clocks: every call
     * is stopped by its wall-clock limit, all of them by the budget. */
    double cpu_limit = opt_budget_seconds() + opt_call_cap_seconds() * machine_load_factor();
    child_args_t ca = {nul[0], out[1], res[1], ctl[1], setup[1], getpid(), cpu_limit, {{0}}, now()};
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, &ca.mask);
    pid_t pid = clone(child, stack + sizeof stack, CLONE_VM | CLONE_VFORK | SIGCHLD, &ca);
    int clone_errno = errno;
    /* The judge resumes when the child has executed the runner (or died):
     * the call's clock starts here, not when the worker next looks at the
     * setup pipe, which a busy machine can delay while the runner runs
     * (its constructors, its first call). */
    session.exec_at = now();
    /* The runner runs from the child's exec on (its constructors), and a
     * busy machine can keep the worker off a core before it resumes here.
     * That wait is the machine's (the request is not even sent), so the
     * limit is still measured from here; but the report measures from the
     * exec (born_at): a constructor that slept 0.9 s while the worker
     * waited, then answered within a 0.2 s limit, had 0.9 s and more, and
     * its report must not say 0.2 s (the red team checks every pass). */
    session.born_at = ca.exec_at < session.exec_at ? ca.exec_at : session.exec_at;
    sigprocmask(SIG_SETMASK, &ca.mask, NULL);
    if (pid < 0) {
        errno = clone_errno;
        pipe_failed("clone");
    }
    for (int fd = 0; fd < 2; fd++) /* stdin: a pipe with no writer, end of file at once */
        close(nul[fd]);
    close(out[1]);
    close(res[1]);
    close(ctl[1]);
    close(setup[1]);
    session.pid = pid;
    session.ctl = ctl[0];
    session.out = out[0];
    session.res = res[0];
    session.pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (session.pidfd < 0)
        pipe_failed("pidfd_open (the grader needs Linux 5.3 or later)");
    if (clock_getcpuclockid(pid, &session.clock) != 0)
        session.clock = CLOCK_MONOTONIC; /* a call's wall time stands in for its CPU time */
    session.exec_wait = queue_wait_seconds();
    session.judge_wait = queue_wait_of(getpid());
    set_nonblock(session.ctl);
    set_nonblock(session.out);
    set_nonblock(session.res);
    set_nonblock(setup[0]);
    return setup[0];
}

/* Bytes of the one answer the runner sends for c (protocol.h). */
static size_t answer_size(const call_t *c)
{
    size_t n = 4 + 1 + 8 + 16 + 4;
    for (int i = 0; i < c->nargs; i++)
        if (c->args[i].kind == ARG_IN || c->args[i].kind == ARG_OUT)
            n += 8 + (c->args[i].count + 2 * GUARD) * sizeof(double);
    return n;
}

static int answer_has_shape(const call_t *c, const outcome_t *o)
{
    uint32_t magic = RES_MAGIC;
    return o->res.len == answer_size(c) && memcmp(o->res.p, &magic, 4) == 0 &&
           (o->res.p[4] == RES_CALLED || o->res.p[4] == RES_MISSING);
}

/* Read what fd holds now into the call's answer or output; 0 at end of file. */
static int take(int fd, call_t *c, outcome_t *o, size_t *kept)
{
    char tmp[65536];
    for (;;) {
        ssize_t k = read(fd, tmp, sizeof tmp);
        if (k == 0 || (k < 0 && errno != EAGAIN && errno != EINTR))
            return 0;
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return 1;
        if (fd == session.res) {
            if (o->res.len + (size_t)k > RESULT_MAX) {
                o->flooded = 2;
                return 1;
            }
            put(&o->res, tmp, (size_t)k);
        } else {
            size_t room = OUTPUT_KEEP - *kept;
            size_t n = (size_t)k < room ? (size_t)k : room;
            memcpy(c->printed + *kept, tmp, n);
            *kept += n;
            o->printed_len += (size_t)k;
            for (ssize_t b = 0; b < k; b++)
                o->printed_lines += tmp[b] == '\n';
            if (o->printed_len > OUTPUT_MAX || o->printed_lines > OUTPUT_MAX_LINES) {
                o->flooded = 1;
                return 1;
            }
        }
    }
}

/* A fresh answer pipe for the next call of the running runner, its write
 * end handed over on the control socket: 0, or -1 (the runner is gone). */
static int hand_over_pipe(void)
{
    char junk[256]; /* bytes on the control socket between calls mean nothing */
    while (read(session.ctl, junk, sizeof junk) > 0)
        ;
    int res[2];
    if (pipe2(res, O_CLOEXEC))
        pipe_failed("pipe");
    char byte = 'R', cbuf[CMSG_SPACE(sizeof(int))];
    memset(cbuf, 0, sizeof cbuf);
    struct iovec iov = {&byte, 1};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
                         .msg_controllen = sizeof cbuf};
    struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &res[1], sizeof(int));
    ssize_t k = sendmsg(session.ctl, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    close(res[1]);
    if (k != 1) {
        close(res[0]);
        return -1;
    }
    set_nonblock(res[0]);
    close_fd(&session.res);
    session.res = res[0];
    return 0;
}

/* Seconds process pid has spent waiting for a core (the second field of
 * /proc/PID/schedstat: its time on a run queue, in ns; a sleep is not in
 * it), or -1 when the kernel does not say. */
static double queue_wait_of(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/schedstat", (int)pid);
    FILE *f = fopen(path, "re");
    unsigned long long run, wait;
    int ok = f && fscanf(f, "%llu %llu", &run, &wait) == 2;
    if (f)
        fclose(f);
    return ok ? (double)wait * 1e-9 : -1.0;
}

/* The runner's wait for a core. */
static double queue_wait_seconds(void) { return queue_wait_of(session.pid); }

/* The budget's share of the call's time from *charged to t (the part after
 * `from`, the end of the call's free allowance): the wall time over the
 * load factor, but never more than the wall time less the runner's wait
 * for a core over the same stretch, pro rata (mark: the wait and when it
 * was read, wait -1 when the kernel does not say), and at least
 * 1 / LOAD_FACTOR_MAX of the wall time. */
typedef struct {
    double t, wait;
} wait_mark_t;

static double budget_share(double t, double charged, wait_mark_t *mark, double from, double load)
{
    double wall = t - (charged > from ? charged : from);
    if (wall <= 0)
        return 0.0;
    double w = mark->wait >= 0 ? queue_wait_seconds() : -1.0;
    if (w < 0)
        return wall / load;
    double span = t - mark->t, share = span > 0 ? (w - mark->wait) / span : 0.0;
    *mark = (wait_mark_t){t, w};
    double ours = wall * (1.0 - fmin(fmax(share, 0.0), 1.0));
    return fmax(fmin(ours, wall / load), wall / LOAD_FACTOR_MAX);
}

void spawn(call_t *c, const buf_t *req, outcome_t *o, double limit)
{
    memset(o, 0, sizeof *o);
    /* A new runner's call starts when the runner is executed (its setup
     * pipe closes empty at execve): starting it and building the sandbox
     * are the judge's costs, which a busy machine can stretch.  A running
     * runner's call starts now. */
    double start = now(), deadline = start + SETUP_SECONDS, exec_at = -1.0, cpu0 = 0.0;
    double born = -1.0; /* for the report: when the runner could start on the call */
    int setup_fd = -1;
    double wait0 = -1.0; /* queue_wait_seconds() when the call started */
    double judge0 = -1.0; /* the worker's own wait for a core then */
    if (session.pid && hand_over_pipe() == 0) {
        exec_at = born = start;
        deadline = start + limit;
        cpu0 = session_cpu();
        wait0 = queue_wait_seconds();
        judge0 = queue_wait_of(getpid());
    } else {
        runner_session_end();
        setup_fd = session_start();
    }
    size_t sent = 0, kept = 0, setup_len = 0;
    int done = 0, exited = 0, res_open = 1, out_open = 1, ctl_open = 1, answered = 0;
    /* Past the deadline, the pipes get one more look (a poll that does not
     * wait) before the call is timed out: the worker, not the runner, may
     * have been late.  On a busy machine a worker whose poll ended at a
     * budget tick can wait long for a core; the runner's answer, written
     * meanwhile, is the call's, and the deadline is then when the worker
     * looked (a busy machine failed the reference's calls so). */
    int last_look = 0;
    /* The budget counts idle-machine seconds: wall time divided by the load
     * factor at the call's start, but never more than the call's own
     * seconds (its wall time less the time its runner waited for a core,
     * schedstat, as the deadline), at least 1 / LOAD_FACTOR_MAX of the wall
     * time and at least the CPU time the call used.  So a hanging
     * submission gets the same verdict however busy the machine is, and
     * still costs at most --budget x LOAD_FACTOR_MAX seconds of wall.  (Wall
     * time over the load factor alone, a one-minute average, charged a
     * machine that just got busy to the submission: the budget ran out
     * before a spinning call's deadline, which had moved by its wait.) */
    double load = machine_load_factor();
    double charged = start, free_s = BUDGET_FREE * load, charged_call = 0.0;
    wait_mark_t mark = {start, wait0};
    /* Until the answer pipe's end of file, then (if the answer is not one
     * well-formed message) until the runner says "done" or exits. */
    while (!answered && !exited && !o->flooded && !(done && !res_open)) {
        struct pollfd p[5];
        int n = 0;
        if (setup_fd >= 0)
            p[n++] = (struct pollfd){setup_fd, POLLIN, 0};
        if (ctl_open)
            p[n++] = (struct pollfd){session.ctl, (short)(sent < req->len ? POLLOUT : POLLIN), 0};
        if (res_open)
            p[n++] = (struct pollfd){session.res, POLLIN, 0};
        if (out_open)
            p[n++] = (struct pollfd){session.out, POLLIN, 0};
        p[n++] = (struct pollfd){session.pidfd, POLLIN, 0};
        /* The budget is charged as the call runs, so calls running at the
         * same time in other workers see it shrink. */
        double t = now();
        if (exec_at >= 0 && t > exec_at + free_s) {
            double ch = budget_share(t, charged, &mark, exec_at + free_s, load);
            budget_charge(ch);
            charged_call += ch;
        }
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
        if (left <= 0 && exec_at >= 0 && wait0 >= 0) {
            /* The time the runner waited for a core is the machine's, not
             * the call's: the deadline moves by the part of it the limit
             * does not allow for already (its floor and the cap grew with
             * the load factor: a core shared by `load` runnable tasks
             * waits 1 - 1 / load of the time), up to LOAD_FACTOR_MAX times
             * the limit.  The load factor (a one-minute average) lags a
             * machine that just got busy; on one busy for a minute the
             * whole wait moving the deadline too gave a spinning call
             * `load` times its idle-machine time, and a class entry that
             * spins in one function lost every test to the budget. */
            double w = queue_wait_seconds();
            double extra = (w - wait0) - (t - exec_at) * (1.0 - 1.0 / load);
            /* The worker's own wait is the machine's too, all of it (the
             * floor allows for the runner's only): a worker late to send
             * the request or to read the answer held the call back. */
            double judge = judge0 >= 0 ? queue_wait_of(getpid()) - judge0 : 0.0;
            extra = (extra > 0 ? extra : 0.0) + (judge > 0 ? judge : 0.0);
            double later = fmin(exec_at + limit + extra, exec_at + limit * LOAD_FACTOR_MAX);
            if (w >= 0 && later > t + 0.001) {
                deadline = later;
                last_look = 0;
                continue;
            }
        }
        if (left <= 0 && (last_look || exec_at < 0)) {
            o->timed_out = 1;
            break;
        }
        last_look = left <= 0;
        int wait_ms = last_look ? 0 : left < BUDGET_TICK ? (int)(left * 1000) + 1 : (int)(BUDGET_TICK * 1000);
        if (poll(p, (nfds_t)n, wait_ms) < 0 && errno != EINTR)
            break;
        for (int i = 0; i < n && !o->flooded; i++) {
            if (!p[i].revents)
                continue;
            int fd = p[i].fd;
            if (fd == setup_fd) {
                ssize_t k = read(setup_fd, o->setup + setup_len, sizeof o->setup - 1 - setup_len);
                if (k > 0)
                    setup_len += (size_t)k;
                if (k == 0 || (k < 0 && errno != EAGAIN && errno != EINTR) ||
                    setup_len == sizeof o->setup - 1) {
                    close_fd(&setup_fd);
                    if (!setup_len) { /* executed: the call started then */
                        exec_at = charged = session.exec_at;
                        born = session.born_at;
                        deadline = exec_at + limit;
                        wait0 = session.exec_wait;
                        judge0 = session.judge_wait;
                        mark = (wait_mark_t){exec_at, wait0};
                    }
                }
            } else if (fd == session.ctl && sent < req->len) {
                ssize_t k = send(fd, req->p + sent, req->len - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
                if (k > 0)
                    sent += (size_t)k;
                else if (k < 0 && errno != EAGAIN && errno != EINTR)
                    ctl_open = 0; /* the runner is gone: its exit tells why */
            } else if (fd == session.ctl) {
                char b[64];
                ssize_t k = read(fd, b, sizeof b);
                done |= k > 0 && exec_at >= 0 && !res_open;
                if (k == 0 || (k < 0 && errno != EAGAIN && errno != EINTR))
                    ctl_open = 0; /* closed: only its exit or the clock can end the call */
            } else if (fd == session.pidfd) {
                exited = 1;
            } else if (!take(fd, c, o, &kept)) {
                if (fd == session.res) {
                    res_open = 0;
                    answered = answer_has_shape(c, o);
                } else {
                    out_open = 0;
                }
            }
        }
    }
    /* What the runner wrote before it said "done" or exited is in the pipes. */
    if (!o->flooded && res_open)
        take(session.res, c, o, &kept);
    if (!o->flooded && out_open)
        take(session.out, c, o, &kept);
    c->printed[kept] = '\0';
    double end = now(), cpu = 0.0;
    o->seconds = exec_at >= 0 ? end - born : 0.0;
    /* An answer the worker found past the deadline (a late worker: its poll
     * returned late, or the last look) was allowed until it was found, and
     * the report says so (the red team checks every pass against it). */
    o->allowed = exec_at >= 0 ? (answered && end > deadline ? end : deadline) - born : limit;
    if (answered && !o->flooded) {
        o->status = 0; /* as if it had exited 0: the session goes on */
        cpu = session_cpu() - cpu0;
    } else {
        o->answered = done;
        reap(&o->status, &cpu);
        cpu -= cpu0;
    }
    close_fd(&session.res);
    o->cpu_seconds = cpu > 0 ? cpu : 0.0;
    if (exec_at >= 0 && end > exec_at + free_s) {
        double ch = budget_share(end, charged, &mark, exec_at + free_s, load);
        budget_charge(ch);
        charged_call += ch;
    }
    /* A call that kept a core busy longer than its wall share says. */
    if (exec_at >= 0 && o->cpu_seconds - BUDGET_FREE > charged_call)
        budget_charge(o->cpu_seconds - BUDGET_FREE - charged_call);
    /* A setup failure written just before the child exited. */
    if (setup_fd >= 0) {
        ssize_t k = read(setup_fd, o->setup + setup_len, sizeof o->setup - 1 - setup_len);
        setup_len += k > 0 ? (size_t)k : 0;
        close(setup_fd);
    }
    if (setup_len)
        o->setup[setup_len] = '\0';
}
