/*
 * runner_main.c - the process that runs student code, one call per process.
 *
 * The judge forks, applies resource limits and a seccomp filter (no files, no
 * new processes, no signals to others), then executes this statically linked
 * program, which holds the student's object, the lab adapter and labs/common
 * and nothing of the grader's expected values.  It reads one request from
 * stdin, lays every tensor out between guard zones, calls the function, and
 * sends every tensor back, guards included, on fd 3.  All checking is done by
 * the judge: nothing this process says is trusted beyond the raw numbers.
 */
#define _GNU_SOURCE
#include "protocol.h"
#include "runner.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RESULT_FD 3

static int read_all(void *buf, size_t n)
{
    char *p = buf;
    while (n) {
        ssize_t k = read(0, p, n);
        if (k <= 0)
            return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

static void write_all(const void *buf, size_t n)
{
    const char *p = buf;
    while (n) {
        ssize_t k = write(RESULT_FD, p, n);
        if (k <= 0)
            _exit(120);
        p += k;
        n -= (size_t)k;
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
    if (write(RESULT_FD, buf, sizeof buf) < 0)
        _exit(121);
    _exit(121);
}

static void bad_request(const char *what)
{
    uint32_t magic = RES_MAGIC;
    uint8_t st = RES_BADREQ;
    write_all(&magic, 4);
    write_all(&st, 1);
    fprintf(stderr, "runner: bad request: %s\n", what);
    _exit(122);
}

static double *guarded(uint64_t count, uint64_t fill)
{
    double *base = malloc((count + 2 * GUARD) * sizeof(double));
    if (!base)
        bad_request("out of memory for a tensor");
    uint64_t g = GUARD_BITS;
    for (uint64_t i = 0; i < GUARD; i++) {
        memcpy(&base[i], &g, 8);
        memcpy(&base[GUARD + count + i], &g, 8);
    }
    for (uint64_t i = 0; i < count; i++)
        memcpy(&base[GUARD + i], &fill, 8);
    return base + GUARD;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigsys;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSYS, &sa, NULL);
    setvbuf(stdout, NULL, _IONBF, 0);

    uint32_t magic, len, nargs;
    char name[MAX_NAME + 1];
    runner_arg_t args[MAX_ARGS];
    if (read_all(&magic, 4) || magic != REQ_MAGIC || read_all(&len, 4) || len > MAX_NAME ||
        read_all(name, len))
        bad_request("header");
    name[len] = '\0';
    if (read_all(&nargs, 4) || nargs > MAX_ARGS)
        bad_request("argument count");
    memset(args, 0, sizeof args);
    for (uint32_t i = 0; i < nargs; i++) {
        uint8_t kind;
        if (read_all(&kind, 1))
            bad_request("argument kind");
        args[i].kind = (char)kind;
        switch (kind) {
        case ARG_IN:
        case ARG_OUT:
            if (read_all(&args[i].count, 8) || args[i].count > MAX_TENSOR)
                bad_request("tensor size");
            args[i].p = guarded(args[i].count, POISON_BITS);
            if (kind == ARG_IN && read_all(args[i].p, args[i].count * sizeof(double)))
                bad_request("tensor data");
            break;
        case ARG_NULL:
            break;
        case ARG_SIZE:
            if (read_all(&args[i].z, 8))
                bad_request("size");
            break;
        case ARG_REAL:
            if (read_all(&args[i].d, 8))
                bad_request("double");
            break;
        case ARG_INT:
            if (read_all(&args[i].l, 8))
                bad_request("integer");
            break;
        default:
            bad_request("unknown argument kind");
        }
    }

    const runner_fn_t *fn = runner_functions;
    while (fn->name && strcmp(fn->name, name) != 0)
        fn++;
    if (!fn->name || strlen(fn->sig) != nargs)
        bad_request("unknown function or wrong argument count");
    for (uint32_t i = 0; i < nargs; i++) {
        char want = fn->sig[i], kind = args[i].kind;
        int ok = want == 'p' ? (kind == ARG_IN || kind == ARG_OUT || kind == ARG_NULL)
                             : (want == 'z' ? kind == ARG_SIZE
                                            : want == 'd' ? kind == ARG_REAL : kind == ARG_INT);
        if (!ok)
            bad_request("argument kind does not match the signature");
    }

    uint8_t status = fn->addr ? RES_CALLED : RES_MISSING;
    int64_t ret = fn->addr ? fn->call(args) : 0;

    uint32_t out_magic = RES_MAGIC, ntensors = 0;
    for (uint32_t i = 0; i < nargs; i++)
        ntensors += args[i].kind == ARG_IN || args[i].kind == ARG_OUT;
    write_all(&out_magic, 4);
    write_all(&status, 1);
    write_all(&ret, 8);
    write_all(&ntensors, 4);
    for (uint32_t i = 0; i < nargs; i++) {
        if (args[i].kind != ARG_IN && args[i].kind != ARG_OUT)
            continue;
        uint64_t total = args[i].count + 2 * GUARD;
        write_all(&total, 8);
        write_all(args[i].p - GUARD, total * sizeof(double));
    }
    return 0;
}
