/*
 * call.c - one call into student code: build the request, time the reference
 * on the same inputs, start a fresh runner in a sandbox, collect what it
 * sends back, explain what went wrong.
 *
 * The sandbox is set up in the forked child before execve, so it covers the
 * student's code from its first instruction (constructors included):
 *   - a seccomp allow-list (libseccomp): no open, no fork/clone, no exec but
 *     the runner itself, no sockets; calls that name a process (signals,
 *     limits) only for the runner itself, and limits read, never changed;
 *     anything else raises SIGSYS, which the runner reports by name;
 *   - limits: CPU seconds, address space, no files written, no core dumps;
 *   - a wall-clock limit per call derived from the reference's own time on
 *     the same inputs (LIMIT_FACTOR x reference + LIMIT_FLOOR), within the
 *     submission's time budget shared by every test (judge.c), and caps on
 *     what it may print (bytes and lines).
 * A failure to build the sandbox is reported on a pipe that closes at
 * execve; the runner's own channel (fd 3) is only ever the student's claim.
 */
#define _GNU_SOURCE
#include "engine.h"
#include "mistakes.h" /* MISTAKES HOOK */
#include "protocol.h"
#include "runner.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <math.h>
#include <poll.h>
#include <seccomp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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
    long long ret;
    char printed[OUTPUT_KEEP + 1];
};

call_t *call_new(judge_t *j, const char *func)
{
    call_t *c = calloc(1, sizeof *c);
    if (!c) {
        fprintf(stderr, "grader: out of memory\n");
        exit(2);
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
    judge_fail(c->j, "grader bug: no tensor called %s in this call", name);
    return NULL;
}

long long call_return(const call_t *c) { return c->ret; }

const char *call_printed(const call_t *c) { return c->printed; }

/* ---- the request ---- */

typedef struct {
    char *p;
    size_t len, cap;
} buf_t;

static void put(buf_t *b, const void *data, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            fprintf(stderr, "grader: out of memory\n");
            exit(2);
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
}

/* The argument table first, then the input tensors' data (protocol.h). */
static void encode(const call_t *c, buf_t *b)
{
    uint32_t magic = REQ_MAGIC, len = (uint32_t)strlen(c->func), n = (uint32_t)c->nargs;
    put(b, &magic, 4);
    put(b, &len, 4);
    put(b, c->func, len);
    put(b, &n, 4);
    for (int i = 0; i < c->nargs; i++) {
        const call_arg_t *a = &c->args[i];
        uint8_t kind = (uint8_t)a->kind;
        uint64_t count = a->count;
        put(b, &kind, 1);
        if (a->kind == ARG_IN || a->kind == ARG_OUT)
            put(b, &count, 8);
        if (a->kind == ARG_SIZE)
            put(b, &a->z, 8);
        if (a->kind == ARG_REAL)
            put(b, &a->d, 8);
        if (a->kind == ARG_INT)
            put(b, &a->l, 8);
    }
    for (int i = 0; i < c->nargs; i++)
        if (c->args[i].kind == ARG_IN)
            put(b, c->args[i].in, c->args[i].count * sizeof(double));
}

/* The judge checks its own request against the adapter's table (linked into
 * the judge as well), so a runner that says "bad request" can only mean the
 * student's code interfered.  NULL (and a grader-bug failure) if malformed. */
static const runner_fn_t *valid_request(call_t *c)
{
    const runner_fn_t *fn = runner_functions;
    while (fn->name && strcmp(fn->name, c->func) != 0)
        fn++;
    uint64_t bytes = GUARD_GAP;
    const char *why = c->overflow ? "too many arguments" :
                      !fn->name ? "no such function in the lab's adapter" :
                      strlen(c->func) > MAX_NAME ? "function name too long" :
                      strlen(fn->sig) != (size_t)c->nargs ? "wrong number of arguments" : NULL;
    for (int i = 0; !why && i < c->nargs; i++) {
        char want = fn->sig[i], kind = c->args[i].kind;
        if (want == 'p' ? !(kind == ARG_IN || kind == ARG_OUT || kind == ARG_NULL)
                        : kind != (want == 'z' ? ARG_SIZE : want == 'd' ? ARG_REAL : ARG_INT))
            why = "an argument's kind does not match the function's signature";
        else if ((kind == ARG_IN || kind == ARG_OUT) && c->args[i].count > MAX_TENSOR)
            why = "a tensor larger than the runner accepts";
        else if (kind == ARG_IN && c->args[i].count && !c->args[i].in)
            why = "an input tensor without data";
        if (kind == ARG_IN || kind == ARG_OUT)
            bytes += (c->args[i].count + 2 * GUARD) * sizeof(double) + 4096 + GUARD_GAP;
    }
    if (!why && bytes > MEMORY_LIMIT / 2)
        why = "its tensors take more than half of the runner's memory limit";
    if (!why)
        return fn;
    judge_fail(c->j, "grader bug: the request for %s is malformed: %s", c->func, why);
    judge_internal_error();
    return NULL;
}

/* ---- the time limit: the reference's own time on the same inputs ---- */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* This thread's CPU time: unlike the wall clock, it does not grow when the
 * machine is busy, so a loaded machine does not stretch the limits. */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
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
                exit(2);
            }
            a[i].p = block[i] + GUARD;
        }
    }
    /* The reference explains rejected arguments on stderr: not in the report. */
    static int devnull = -1;
    if (devnull < 0)
        devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
    fflush(stderr);
    int saved_stderr = devnull >= 0 ? fcntl(2, F_DUPFD_CLOEXEC, 10) : -1;
    if (saved_stderr >= 0)
        dup2(devnull, 2);
    double best = INFINITY, spent = 0.0;
    for (int rep = 0; rep < REF_RUNS_MAX && (rep == 0 || spent < REF_RUNS_SECONDS); rep++) {
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
        (void)fn->call(a);
        double t = cpu_now() - t0;
        spent += t;
        best = t < best ? t : best;
    }
    fflush(stderr);
    if (saved_stderr >= 0) {
        dup2(saved_stderr, 2);
        close(saved_stderr);
    }
    for (int i = 0; i < c->nargs; i++)
        free(block[i]);
    return best;
}

/* ---- the sandbox ---- */

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

typedef struct {
    buf_t res;           /* fd 3 */
    size_t printed_len;  /* bytes of output seen in all */
    size_t printed_lines;
    int timed_out, flooded;
    int cut;             /* stopped because the submission's time budget ran out */
    int status;          /* from waitpid */
    double seconds;      /* wall time from execve to the end */
    char setup[256];     /* why the sandbox could not be built, if it could not */
} outcome_t;

static void spawn(call_t *c, const buf_t *req, outcome_t *o, double limit)
{
    int in[2], res[2], out[2], setup[2];
    memset(o, 0, sizeof *o);
    if (pipe2(in, O_CLOEXEC) || pipe2(res, O_CLOEXEC) || pipe2(out, O_CLOEXEC) ||
        pipe2(setup, O_CLOEXEC)) {
        fprintf(stderr, "grader: pipe: %s\n", strerror(errno));
        exit(2);
    }
    /* The call's clock starts when the runner is executed (the setup pipe
     * closes empty at execve): forking and building the sandbox are the
     * judge's costs, which a busy machine can stretch. */
    double start = now(), deadline = start + SETUP_SECONDS, exec_at = -1.0;
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "grader: fork: %s\n", strerror(errno));
        exit(2);
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
    while (waitpid(pid, &o->status, 0) < 0 && errno == EINTR)
        ;
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
    judge_fail(c->j, "  what it printed (first lines):");
    char *save = NULL, *copy = strdup(c->printed);
    int lines = 0;
    for (char *l = strtok_r(copy, "\n", &save); l && lines < 8; l = strtok_r(NULL, "\n", &save))
        judge_fail(c->j, "  | %s", l), lines++;
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

/* The one message the runner may send when it did not answer: a message that
 * is exactly `size` bytes long and starts with `magic`. */
static int message_is(const outcome_t *o, uint32_t magic, size_t size)
{
    return o->res.len == size && memcmp(o->res.p, &magic, 4) == 0;
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
        judge_fail(c->j, "%s crashed: segmentation fault: it read or wrote memory it does not "
                   "own [signal %d]", c->func, SIGSEGV);
        return;
    }
    judge_fail(c->j, "%s %s outside the %s tensor %s (%zu elements): at index %lld, %s its %s, "
               "in a guard page [segmentation fault]. Check the loop bounds and the row strides.",
               c->func, access == SEGV_WRITE ? "wrote" : access == SEGV_READ ? "read" : "reached",
               a->kind == ARG_OUT ? "output" : "input", a->name, a->count, (long long)elem,
               elem < 0 ? "before" : "past", elem < 0 ? "start" : "end");
}

/* Why the process ended without a complete answer, in words. */
static void explain_death(call_t *c, const outcome_t *o, double limit, double ref, double floor_s)
{
    judge_t *j = c->j;
    const char *todo = strstr(c->printed, LAB_TODO_MARKER);
    if (todo) {
        char line[160];
        size_t n = strcspn(todo, "\n");
        snprintf(line, sizeof line, "%.*s", (int)(n < 150 ? n : 150), todo);
        judge_fail(j, "%s: the skeleton's stub is still there; write the function", line);
        return;
    }
    char t1[32], t2[32];
    if (o->timed_out && o->cut)
        judge_fail(j, "%s was stopped after %s: the time budget of the submission (%.0f s in "
                   "all calls together) ran out during this call", c->func,
                   fmt_time(t1, sizeof t1, o->seconds), opt_budget_seconds());
    else if (o->timed_out && ref >= 0)
        judge_fail(j, "%s did not return within its limit of %s (%d x the reference's %s on the "
                   "same inputs + %.2f s%s): an endless loop, a sleep, or far too slow",
                   c->func, fmt_time(t1, sizeof t1, limit), LIMIT_FACTOR,
                   fmt_time(t2, sizeof t2, ref), floor_s,
                   floor_s > LIMIT_FLOOR ? ", the floor raised for the machine's load" : "");
    else if (o->timed_out)
        judge_fail(j, "%s did not return within %s (wall clock): an endless loop, a sleep, or "
                   "waiting for input that never comes", c->func, fmt_time(t1, sizeof t1, limit));
    else if (o->flooded == 1)
        judge_fail(j, "%s printed more than %d bytes or %d lines: output flood, stopped",
                   c->func, OUTPUT_MAX, OUTPUT_MAX_LINES);
    else if (o->flooded == 2)
        judge_fail(j, "%s wrote more than the expected answer to the grader's channel (fd 3)", c->func);
    else if (message_is(o, SYS_MAGIC, 8) && WIFEXITED(o->status) && WEXITSTATUS(o->status) == 121) {
        int32_t nr;
        memcpy(&nr, o->res.p + 4, 4);
        judge_fail(j, "%s made a forbidden system call: %s (student code may not open files, "
                   "start processes or programs, use the network, or touch other processes "
                   "or its own limits)", c->func, syscall_name(nr));
    } else if (message_is(o, SEGV_MAGIC, 20) && WIFSIGNALED(o->status) &&
               WTERMSIG(o->status) == SIGSEGV)
        explain_guard_page(c, o);
    else if (message_is(o, RES_MAGIC, 5) && o->res.p[4] == RES_BADREQ)
        judge_fail(j, "the runner process reported a malformed request after your code could "
                   "run (code that runs before main, or that reads stdin or writes on fd 3, "
                   "breaks the grader's protocol): %s gets no result", c->func);
    else if (WIFEXITED(o->status) && WEXITSTATUS(o->status) == 0 && o->res.len > 0)
        judge_fail(j, "%s returned, but the grader's channel (fd 3) did not carry exactly one "
                   "answer: student code must not write on file descriptor 3", c->func);
    else if (WIFEXITED(o->status))
        judge_fail(j, "%s called exit(%d) (or _exit) instead of returning: a library function "
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
        judge_fail(j, "%s crashed: %s [signal %d]", c->func, why, sig);
    } else {
        judge_fail(j, "%s ended without an answer", c->func);
    }
    show_printed(c);
}

/* 1: a complete, well-formed answer, decoded; 0: a complete "function
 * missing" answer (failure recorded); -1: anything else. */
static int decode(call_t *c, const outcome_t *o)
{
    const char *p = o->res.p;
    size_t len = o->res.len, at = 0;
    uint32_t magic = 0, ntensors = 0, want_tensors = 0;
    uint8_t status = 0;
    int64_t ret = 0;
#define TAKE(dst, n) do { if (at + (n) > len) return -1; memcpy((dst), p + at, (n)); at += (n); } while (0)
    TAKE(&magic, 4);
    if (magic != RES_MAGIC)
        return -1;
    TAKE(&status, 1);
    if (status != RES_CALLED && status != RES_MISSING)
        return -1;
    TAKE(&ret, 8);
    TAKE(&ntensors, 4);
    for (int i = 0; i < c->nargs; i++)
        want_tensors += c->args[i].kind == ARG_IN || c->args[i].kind == ARG_OUT;
    if (ntensors != want_tensors)
        return -1;
    for (int i = 0; i < c->nargs; i++) {
        call_arg_t *a = &c->args[i];
        if (a->kind != ARG_IN && a->kind != ARG_OUT)
            continue;
        uint64_t total;
        TAKE(&total, 8);
        if (total != a->count + 2 * GUARD || at + total * sizeof(double) > len)
            return -1;
        free(a->back);
        a->back = malloc(total * sizeof(double));
        if (!a->back) {
            fprintf(stderr, "grader: out of memory\n");
            exit(2);
        }
        TAKE(a->back, total * sizeof(double));
    }
#undef TAKE
    if (at != len)
        return -1;
    if (status == RES_MISSING) {
        judge_fail(c->j, "function %s is not defined in %s: it was deleted, renamed or "
                   "made static", c->func, judge_sources_text());
        return 0;
    }
    c->ret = ret;
    return 1;
}

/* Did the function write into the guard zones around a tensor? */
static int guards_intact(call_t *c)
{
    int ok = 1;
    for (int i = 0; i < c->nargs; i++) {
        const call_arg_t *a = &c->args[i];
        if (!a->back)
            continue;
        long first = 0, last = 0;
        int hit = 0;
        for (long g = 0; g < 2 * GUARD; g++) {
            long idx = g < GUARD ? g - GUARD : (long)a->count + (g - GUARD);
            const double *cell = a->back + GUARD + idx;
            uint64_t bits;
            memcpy(&bits, cell, 8);
            if (bits != GUARD_BITS) {
                if (!hit)
                    first = idx;
                last = idx;
                hit = 1;
            }
        }
        if (hit) {
            if (first == last)
                judge_fail(c->j, "%s wrote outside %s (%zu elements): at index %ld. Check the "
                           "loop bounds and the row strides.", c->func, a->name, a->count, first);
            else
                judge_fail(c->j, "%s wrote outside %s (%zu elements): at indices %ld .. %ld. "
                           "Check the loop bounds and the row strides.", c->func, a->name,
                           a->count, first, last);
            ok = 0;
        }
    }
    return ok;
}

/* MISTAKES HOOK: hands a completed call to mistakes_record() (mistakes.c). */
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
        judge_fail(c->j, "%s not run: the time budget of the submission is used up (%.1f s spent "
                   "in calls, the budget is %.0f s for all calls together): some function is "
                   "far too slow, sleeps or loops", c->func, budget_spent(), opt_budget_seconds());
        return 0;
    }
    double ref = reference_seconds(c, fn);
    double floor_s = LIMIT_FLOOR * machine_load_factor();
    double limit = ref >= 0 ? LIMIT_FACTOR * ref + floor_s : opt_call_cap_seconds();
    if (limit > opt_call_cap_seconds())
        limit = opt_call_cap_seconds();
    buf_t req = {0};
    outcome_t o;
    encode(c, &req);
    spawn(c, &req, &o, limit);
    free(req.p);
    if (getenv("LORALAB_CALL_TIMES")) /* a diagnostic for tests/bench_grader.py */
        fprintf(stderr, "call-time %s\t%s reference %.6f limit %.6f took %.6f\n", judge_test_name(),
                c->func, ref, limit, o.seconds);
    if (o.setup[0]) {
        judge_fail(c->j, "grader error: cannot sandbox the student's code: %s", o.setup);
        judge_internal_error();
        free(o.res.p);
        return 0;
    }
    int got = (!o.timed_out && !o.flooded && WIFEXITED(o.status) && WEXITSTATUS(o.status) == 0)
                  ? decode(c, &o) : -1;
    if (got < 0)
        explain_death(c, &o, limit, ref, floor_s);
    free(o.res.p);
    if (got <= 0)
        return 0;
    if (!guards_intact(c))
        return 0;
    record_for_diagnosis(c, ref); /* MISTAKES HOOK: a completed call, for mistakes.c */
    return 1;
}

/* ---- checks ---- */

static int same_class(double g, double w)
{
    if (isnan(w))
        return isnan(g);
    if (isinf(w))
        return g == w;
    return isfinite(g);
}

static const char *fmt_num(char *buf, size_t n, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, 8);
    if (bits == POISON_BITS)
        snprintf(buf, n, "(never written)");
    else
        snprintf(buf, n, "%.17g", v);
    return buf;
}

static void where(char *buf, size_t n, const char *what, size_t idx, size_t rows, size_t cols)
{
    if (rows > 1 && cols > 1)
        snprintf(buf, n, "%s[%zu][%zu]", what, idx / cols, idx % cols);
    else
        snprintf(buf, n, "%s[%zu]", what, idx);
}

static int compare(judge_t *j, const char *what, const double *got, const double *want,
                   size_t rows, size_t cols, double tol, int exact)
{
    if (!got)
        return 0;
    size_t count = rows * cols, bad = 0;
    double worst = 0.0;
    for (size_t i = 0; i < count; i++) {
        double g = got[i], w = want[i];
        int ok;
        if (!same_class(g, w) || isnan(g) || isinf(g))
            ok = same_class(g, w);
        else if (exact)
            ok = g == w;
        else
            ok = fabs(g - w) <= tol * fmax(1.0, fabs(w));
        if (isfinite(g) && isfinite(w) && fabs(g - w) > worst)
            worst = fabs(g - w);
        if (!ok) {
            if (bad < 4) {
                char at[64], gs[40], ws[40];
                where(at, sizeof at, what, i, rows, cols);
                judge_fail(j, "%s: got %s, expected %s", at, fmt_num(gs, sizeof gs, g),
                           fmt_num(ws, sizeof ws, w));
            }
            bad++;
        }
    }
    if (bad) {
        mistakes_note_tolerance(exact ? 0.0 : tol); /* MISTAKES HOOK */
        judge_fail(j, "%zu of %zu entries of %s (%zu x %zu) wrong; max |difference| %.3g; "
                   "tolerance %s", bad, count, what, rows, cols, worst,
                   exact ? "exact" : (tol == 1e-9 ? "1e-9 * max(1, |expected|)" : "see lab README"));
        return 0;
    }
    return 1;
}

int expect_close(judge_t *j, const char *what, const double *got, const double *want,
                 size_t rows, size_t cols, double tol)
{
    return compare(j, what, got, want, rows, cols, tol, 0);
}

int expect_exact(judge_t *j, const char *what, const double *got, const double *want,
                 size_t rows, size_t cols)
{
    return compare(j, what, got, want, rows, cols, 0.0, 1);
}

int expect_rounded(judge_t *j, const char *what, const double *got, const double *want,
                   size_t count, int decimals)
{
    if (!got)
        return 0;
    int ok = 1;
    double scale = pow(10.0, decimals);
    for (size_t i = 0; i < count; i++) {
        if (!isfinite(got[i]) || round(got[i] * scale) != round(want[i] * scale)) {
            char gs[40];
            judge_fail(j, "%s[%zu]: got %s, the course prints %.*f", what, i,
                       fmt_num(gs, sizeof gs, got[i]), decimals, want[i]);
            mistakes_note_tolerance(0.5 * pow(10.0, -decimals)); /* MISTAKES HOOK */
            ok = 0;
        }
    }
    return ok;
}

int expect_inputs_unchanged(judge_t *j, const call_t *c)
{
    int ok = 1;
    for (int i = 0; i < c->nargs; i++) {
        const call_arg_t *a = &c->args[i];
        if (a->kind != ARG_IN || !a->back)
            continue;
        for (size_t k = 0; k < a->count; k++) {
            if (memcmp(&a->back[GUARD + k], &a->in[k], 8) != 0) {
                char gs[40], ws[40];
                judge_fail(j, "%s changed its input %s: %s[%zu] was %s, is %s after the call "
                           "(inputs are const)", c->func, a->name, a->name, k,
                           fmt_num(ws, sizeof ws, a->in[k]),
                           fmt_num(gs, sizeof gs, a->back[GUARD + k]));
                ok = 0;
                break;
            }
        }
    }
    return ok;
}

int expect_return(judge_t *j, const call_t *c, long long want)
{
    if (c->ret == want)
        return 1;
    judge_fail(j, "%s returned %lld, expected %lld%s", c->func, c->ret, want,
               want == 0 ? " (LAB_OK)" : want == -1 ? " (LAB_EARG)" : "");
    return 0;
}

int expect_untouched(judge_t *j, call_t *c, const char *name)
{
    for (int i = 0; i < c->nargs; i++) {
        const call_arg_t *a = &c->args[i];
        if (strcmp(a->name, name) != 0 || !a->back)
            continue;
        for (size_t k = 0; k < a->count; k++) {
            uint64_t bits;
            memcpy(&bits, &a->back[GUARD + k], 8);
            if (bits != POISON_BITS) {
                judge_fail(j, "%s wrote %s[%zu] although it had to reject its arguments first",
                           c->func, name, k);
                return 0;
            }
        }
        return 1;
    }
    judge_fail(j, "grader bug: no tensor called %s in this call", name);
    return 0;
}
