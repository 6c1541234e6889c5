/*
 * late_judge.c - an LD_PRELOAD shim for tests/test_engine.py: a judge that
 * is late.  On a busy machine a worker whose poll ended at a budget tick
 * (nothing ready) may wait long for a core, and the runner answers
 * meanwhile.  Here every poll that would wait returns after at most 1 ms,
 * and when nothing was ready the process sleeps LATE_JUDGE_MS (2000 by
 * default: past any call's limit at a load factor of 8) before going on.
 * The runner is static: the shim reaches only the judge.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <poll.h>
#include <stdlib.h>
#include <time.h>

int poll(struct pollfd *fds, nfds_t n, int timeout)
{
    static int (*real)(struct pollfd *, nfds_t, int);
    if (!real)
        real = (int (*)(struct pollfd *, nfds_t, int))dlsym(RTLD_NEXT, "poll");
    int r = real(fds, n, timeout > 1 ? 1 : timeout);
    if (r == 0 && timeout != 0) {
        const char *s = getenv("LATE_JUDGE_MS");
        long ms = s ? atol(s) : 2000;
        struct timespec d = {ms / 1000, (ms % 1000) * 1000000L};
        nanosleep(&d, NULL);
    }
    return r;
}
