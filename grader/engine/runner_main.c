/*
 * runner_main.c - the process that runs student code, the calls of one test.
 *
 * The judge forks, applies resource limits and a seccomp filter (no files, no
 * new processes, no signals or limits for other processes), then executes
 * this statically linked program, which holds the student's object, the lab
 * adapter and labs/common and nothing of the grader's expected values.  For
 * each request on the control socket (protocol.h) it lays every tensor out
 * between guard words and guard pages, calls the function, and sends every
 * tensor back, guard words included, on fd 3, with what the call left
 * allocated (alloc_fault.c), then says "done" and makes the tensors
 * inaccessible until the next request lays them out again.
 * All checking is done by the judge: nothing this process says is trusted
 * (the student's code may have run before main).
 *
 * Memory layout of the tensors, one mapping (protocol.h, GUARD_GAP):
 *   [gap][slack|guard|tensor 0|guard][gap][slack|guard|tensor 1|guard][gap]...
 * where each gap is inaccessible and each tensor's trailing guard words end
 * on a page boundary, so a write past the end faults at once.
 */
#define _GNU_SOURCE
#include "protocol.h"
#include "runner.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <ucontext.h>
#include <unistd.h>

static int result_fd = RUNNER_RESULT_FD; /* this call's answer pipe */
static int request_fd; /* the control socket, or stdin for a lone request */

static int read_all(void *buf, size_t n)
{
    char *p = buf;
    while (n) {
        ssize_t k = read(request_fd, p, n);
        if (k <= 0)
            return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

/* Every byte of iov[0 .. n), in as few writes as the pipe takes: one
 * answer is one writev, so the judge wakes once for it, not once a field
 * (on a virtual machine each wake-up costs more than the bytes). */
static void writev_all(struct iovec *iov, int n)
{
    while (n > 0) {
        ssize_t k = writev(result_fd, iov, n);
        if (k <= 0)
            _exit(RUNNER_EXIT_WRITE);
        while (n > 0 && (size_t)k >= iov->iov_len) {
            k -= (ssize_t)iov->iov_len;
            iov++;
            n--;
        }
        if (n > 0) {
            iov->iov_base = (char *)iov->iov_base + k;
            iov->iov_len -= (size_t)k;
        }
    }
}

/* SIGSYS comes from the judge's seccomp filter: tell the judge which call. */
static void on_sigsys(int sig, siginfo_t *info, void *ctx)
{
    (void)sig;
    (void)ctx;
    uint32_t magic = SYS_MAGIC;
    int32_t nr = info->si_syscall;
    char buf[8];
    memcpy(buf, &magic, 4);
    memcpy(buf + 4, &nr, 4);
    if (write(result_fd, buf, sizeof buf) < 0)
        _exit(RUNNER_EXIT_SYSCALL);
    _exit(RUNNER_EXIT_SYSCALL);
}

static runner_arg_t args[MAX_ARGS];
static uint32_t nargs;
static void *tensor_map;      /* the mapping of this call's tensors */
static size_t tensor_map_len;
/* The spans of the call laid out last (lay_out_tensors): while laid_out,
 * the mapping is laid out as they say. */
static size_t laid_span[MAX_ARGS];
static int laid_out;
static uintptr_t span_lo[MAX_ARGS], span_hi[MAX_ARGS]; /* accessible part of each tensor */
#define UNDERRUN_NEAR ((uintptr_t)64 << 10) /* a fault this close before a tensor is "before its start" */

/* SIGSEGV: if the address lies in a guard page, say which tensor and where,
 * then let the fault happen again with the default action (the process dies
 * of SIGSEGV, which is what the judge checks first). */
static void on_sigsegv(int sig, siginfo_t *info, void *ctx)
{
    (void)sig;
    uintptr_t at = (uintptr_t)info->si_addr;
    /* In the gap below tensor i+1 and above tensor i: past the end of i
     * (the common mistake), unless it is just before the start of i+1. */
    int best = -1;
    uintptr_t best_dist = GUARD_GAP + 1;
    for (uint32_t i = 0; i < nargs; i++)
        if (span_hi[i] && at < span_lo[i] && span_lo[i] - at <= UNDERRUN_NEAR)
            best = (int)i;
    for (uint32_t i = 0; best < 0 && i < nargs; i++) {
        if (span_hi[i] && at >= span_hi[i] && at - span_hi[i] < best_dist) {
            best = (int)i;
            best_dist = at - span_hi[i];
        }
    }
    if (best >= 0 && best_dist > GUARD_GAP)
        best = -1;
    for (uint32_t i = 0; best < 0 && i < nargs; i++)
        if (span_hi[i] && at < span_lo[i] && span_lo[i] - at <= GUARD_GAP)
            best = (int)i;
    if (best < 0)
        return; /* SA_RESETHAND: the fault repeats and kills the process */
    uint32_t access = SEGV_UNKNOWN;
#if defined(__x86_64__) && defined(REG_ERR)
    access = (((ucontext_t *)ctx)->uc_mcontext.gregs[REG_ERR] & 2) ? SEGV_WRITE : SEGV_READ;
#else
    (void)ctx;
#endif
    uint32_t magic = SEGV_MAGIC, idx = (uint32_t)best;
    int64_t elem = ((int64_t)at - (int64_t)(uintptr_t)args[best].p) / (int64_t)sizeof(double);
    char buf[20];
    memcpy(buf, &magic, 4);
    memcpy(buf + 4, &idx, 4);
    memcpy(buf + 8, &access, 4);
    memcpy(buf + 12, &elem, 8);
    (void)!write(result_fd, buf, sizeof buf);
}

static void bad_request(const char *what)
{
    uint32_t magic = RES_MAGIC;
    uint8_t st = RES_BADREQ;
    struct iovec iov[] = {{&magic, 4}, {&st, 1}};
    writev_all(iov, 2);
    fprintf(stderr, "runner: bad request: %s\n", what);
    _exit(RUNNER_EXIT_BADREQ);
}

static int is_tensor(char kind) { return kind == ARG_IN || kind == ARG_OUT; }

/* One mapping for all tensors, gaps inaccessible; fills guards and poison. */
static void lay_out_tensors(void)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE), total = GUARD_GAP, span[MAX_ARGS] = {0};
    for (uint32_t i = 0; i < nargs; i++) {
        if (!is_tensor(args[i].kind))
            continue;
        size_t bytes = (size_t)(args[i].count + 2 * GUARD) * sizeof(double);
        span[i] = (bytes + page - 1) / page * page;
        total += span[i] + GUARD_GAP;
    }
    /* The last call's mapping is laid out again when it is large enough
     * (its tail beyond this call's size unmapped, so the address space is
     * a new mapping's, RLIMIT_AS): every word of each tensor's span is
     * written below and the rest made inaccessible, so nothing of the last
     * call is left, and its page tables and pages are not freed and made
     * again (each tensor has a 2 MiB gap of its own: a page table each,
     * which a virtual machine makes costly).
     * A call whose spans are the last call's (a test calling a function
     * again on the same shapes, the common case) keeps the protections as
     * they are: the spans read-write, the gaps inaccessible.  Only the
     * student's code could have changed them, and it can do that in any
     * call anyway (mprotect is allowed); honest code finds the protections
     * it found when each call made the whole mapping inaccessible and then
     * each span read-write again, at an mprotect a span and one more (the
     * references' gradings of the nine labs: 3.57 CPU-s instead of 3.95,
     * session 18). */
    char *map = tensor_map;
    int same = map && laid_out && total == tensor_map_len && memcmp(span, laid_span, sizeof span) == 0;
    laid_out = 0;
    if (same) {
        /* (nothing to unmap or protect: the fill below is all that changes) */
    } else if (map && total <= tensor_map_len && mprotect(map, tensor_map_len, PROT_NONE) == 0) {
        if (total < tensor_map_len && munmap(map + total, tensor_map_len - total) != 0)
            bad_request("out of memory for the tensors");
    } else {
        if (map)
            munmap(map, tensor_map_len);
        map = mmap(NULL, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (map == MAP_FAILED) {
            tensor_map = NULL;
            bad_request("out of memory for the tensors");
        }
    }
    tensor_map = map;
    tensor_map_len = total;
    char *at = map + GUARD_GAP;
    uint64_t g = GUARD_BITS, poison = POISON_BITS;
    for (uint32_t i = 0; i < nargs; i++) {
        if (!span[i])
            continue;
        if (!same && mprotect(at, span[i], PROT_READ | PROT_WRITE) != 0)
            bad_request("out of memory for the tensors");
        uint64_t count = args[i].count;
        double *end = (double *)(at + span[i]), *first = end - GUARD - count;
        for (double *d = (double *)at; d < end; d++)
            memcpy(d, &g, 8); /* slack and guard words */
        for (uint64_t k = 0; k < count; k++)
            memcpy(&first[k], &poison, 8);
        args[i].p = first;
        span_lo[i] = (uintptr_t)at;
        span_hi[i] = (uintptr_t)end;
        at += span[i] + GUARD_GAP;
    }
    memcpy(laid_span, span, sizeof span);
    laid_out = 1;
}

static uint32_t repeat = 1; /* calls of the function (protocol.h: REQ_REPEAT_MAGIC) */

/* 0: end of file before a request (the judge ended the session). */
static int read_request(char *name)
{
    uint32_t magic, len;
    ssize_t first = read(request_fd, &magic, 1);
    if (first == 0 && request_fd == RUNNER_CTL_FD)
        return 0;
    if (first != 1 || read_all((char *)&magic + 1, 3))
        bad_request("header");
    if (magic == REQ_REPEAT_MAGIC &&
        (read_all(&repeat, 4) || repeat < 1 || repeat > REPEAT_MAX || read_all(&magic, 4)))
        bad_request("repeat count");
    uint32_t nth = 0;
    if (magic == REQ_MAGIC_OOM_NTH && (read_all(&nth, 4) || nth < 1 || nth > INT32_MAX))
        bad_request("allocation number");
    if ((magic != REQ_MAGIC && magic != REQ_MAGIC_OOM && magic != REQ_MAGIC_OOM_NTH) ||
        read_all(&len, 4) || len > MAX_NAME || read_all(name, len))
        bad_request("header");
    name[len] = '\0';
    alloc_fault_requested = magic == REQ_MAGIC_OOM ? ALLOC_FAULT_EVERY : (int)nth;
    if (read_all(&nargs, 4) || nargs > MAX_ARGS)
        bad_request("argument count");
    for (uint32_t i = 0; i < nargs; i++) {
        uint8_t kind;
        if (read_all(&kind, 1))
            bad_request("argument kind");
        args[i].kind = (char)kind;
        int bad = 0;
        switch (kind) {
        case ARG_IN:
        case ARG_OUT:
            bad = read_all(&args[i].count, 8) || args[i].count > MAX_TENSOR;
            break;
        case ARG_NULL:
            break;
        case ARG_SIZE:
            bad = read_all(&args[i].z, 8);
            break;
        case ARG_REAL:
            bad = read_all(&args[i].d, 8);
            break;
        case ARG_INT:
            bad = read_all(&args[i].l, 8);
            break;
        default:
            bad = 1;
        }
        if (bad)
            bad_request("argument table");
    }
    lay_out_tensors();
    for (uint32_t i = 0; i < nargs; i++)
        if (args[i].kind == ARG_IN && read_all(args[i].p, args[i].count * sizeof(double)))
            bad_request("tensor data");
    return 1;
}

/* After a call: nothing of it left for the next, which lays out the
 * mapping again (lay_out_tensors: every span refilled, everything else
 * inaccessible; until then the runner only reads its next request). */
static void forget_call(void)
{
    memset(args, 0, sizeof args);
    memset(span_lo, 0, sizeof span_lo);
    memset(span_hi, 0, sizeof span_hi);
    nargs = 0;
    repeat = 1;
}

/* Installed before any constructor of the student's code runs (the
 * executable's .preinit_array comes before every .init_array entry), so a
 * forbidden call made at load time is still reported by name. */
static void install_handlers(void)
{
    static char alt_stack[1 << 16];
    stack_t ss = {.ss_sp = alt_stack, .ss_size = sizeof alt_stack, .ss_flags = 0};
    sigaltstack(&ss, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigsys;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSYS, &sa, NULL);
    sa.sa_sigaction = on_sigsegv;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESETHAND;
    sigaction(SIGSEGV, &sa, NULL);
}
__attribute__((section(".preinit_array"), used)) static void (*const preinit)(void) = install_handlers;

/* One call: the request read, the function called, the answer written.
 * 0 when the judge has ended the session. */
static int serve_one(void)
{
    install_handlers(); /* again: the student's code may have changed them */
    char name[MAX_NAME + 1];
    if (!read_request(name))
        return 0;
    alloc_leaks_reset();

    const runner_fn_t *fn = runner_functions;
    while (fn->name && strcmp(fn->name, name) != 0)
        fn++;
    if (!fn->name || strlen(fn->sig) != nargs)
        bad_request("unknown function or wrong argument count");
    for (uint32_t i = 0; i < nargs; i++) {
        char want = fn->sig[i], kind = args[i].kind;
        int ok = want == 'p' ? (is_tensor(kind) || kind == ARG_NULL)
                             : (want == 'z' ? kind == ARG_SIZE
                                            : want == 'd' ? kind == ARG_REAL : kind == ARG_INT);
        if (!ok)
            bad_request("argument kind does not match the signature");
    }

    uint8_t status = fn->addr ? RES_CALLED : RES_MISSING;
    int64_t ret = 0;
    for (uint32_t k = 0; k < repeat && fn->addr; k++)
        ret = fn->call(args);
    fflush(stdout); /* what the call printed comes before its answer */
    fflush(stderr);

    uint32_t out_magic = RES_MAGIC, ntensors = 0;
    for (uint32_t i = 0; i < nargs; i++)
        ntensors += is_tensor(args[i].kind);
    unsigned long long leaks[2]; /* still allocated: allocations, bytes (alloc_fault.c) */
    alloc_leaks(&leaks[0], &leaks[1]);
    /* magic, status, return value, leaks, tensor count; then each tensor's
     * length and words (protocol.h), in one writev. */
    uint64_t totals[MAX_ARGS];
    struct iovec iov[5 + 2 * MAX_ARGS];
    int n = 0;
    iov[n++] = (struct iovec){&out_magic, 4};
    iov[n++] = (struct iovec){&status, 1};
    iov[n++] = (struct iovec){&ret, 8};
    iov[n++] = (struct iovec){leaks, sizeof leaks};
    iov[n++] = (struct iovec){&ntensors, 4};
    for (uint32_t i = 0; i < nargs; i++) {
        if (!is_tensor(args[i].kind))
            continue;
        totals[i] = args[i].count + 2 * GUARD;
        iov[n++] = (struct iovec){&totals[i], 8};
        iov[n++] = (struct iovec){args[i].p - GUARD, totals[i] * sizeof(double)};
    }
    writev_all(iov, n);
    return 1;
}

/* The next call's answer pipe, sent with one byte on the control socket
 * (SCM_RIGHTS): its descriptor, or -1 at end of file (the session is over). */
static int receive_pipe(void)
{
    char byte, cbuf[CMSG_SPACE(sizeof(int))];
    struct iovec iov = {&byte, 1};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
                         .msg_controllen = sizeof cbuf};
    ssize_t k;
    while ((k = recvmsg(RUNNER_CTL_FD, &msg, 0)) < 0 && errno == EINTR)
        ;
    if (k == 0)
        return -1;
    struct cmsghdr *cm = k == 1 ? CMSG_FIRSTHDR(&msg) : NULL;
    int fd = -1;
    if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
        cm->cmsg_len == CMSG_LEN(sizeof(int)))
        memcpy(&fd, CMSG_DATA(cm), sizeof fd);
    if (fd < 0)
        _exit(RUNNER_EXIT_BADREQ); /* no pipe to say so on */
    return fd;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    struct stat st;
    int session = fstat(RUNNER_CTL_FD, &st) == 0 && S_ISSOCK(st.st_mode);
    request_fd = session ? RUNNER_CTL_FD : 0;
    while (serve_one()) {
        if (!session)
            return 0;
        /* The answer pipe's end of file ends the call's answer; "done" says
         * this process wrote it and waits for the next request. */
        close(result_fd);
        const char done = 'D';
        if (write(RUNNER_CTL_FD, &done, 1) != 1)
            _exit(RUNNER_EXIT_WRITE);
        forget_call();
        if ((result_fd = receive_pipe()) < 0)
            return 0;
    }
    return 0;
}
