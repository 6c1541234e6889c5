/*
 * mistakes.c - record a test's calls, replay them on the mistake models when
 * the test fails, and name the models whose outputs match the student's
 * (see mistakes.h for the rule).
 *
 * Runs in the test's worker process (a fork of the judge: grader code only).
 * The reference is replayed in this process, as call.c times it; each model
 * in a forked child with a CPU, memory and wall-clock limit, since a model of
 * a mistake may crash, loop or write outside its tensors.  A model that does
 * any of that is simply not named.
 */
#define _GNU_SOURCE
#include "mistakes.h"
#include "build_cache.h"
#include "close.h"
#include "engine.h"
#include "protocol.h"

#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* One recorded call: copies of its inputs and of what came back.  after[i]
 * is the student's tensor i after the call, ref[i] the reference's. */
typedef struct {
    char *func;
    int nargs;
    mistake_arg_t args[MAX_ARGS];
    long long ret, ref_ret;
    double ref_seconds;
    double *ref[MAX_ARGS];
} recorded_t;

static recorded_t recorded[MISTAKES_MAX_CALLS];
static int n_recorded;
static size_t recorded_bytes;
static double failing_tol = -1.0; /* the loosest tolerance of this test's failed checks */

/* The generated table's length; 0 in a judge linked without one. */
static size_t model_count(void)
{
    return &mistake_model_count ? mistake_model_count : 0;
}

static double *copy_of(const double *p, size_t count)
{
    double *c = malloc(count ? count * sizeof(double) : 1);
    if (c && count)
        memcpy(c, p, count * sizeof(double));
    return c;
}

void mistakes_record(const char *func, const mistake_arg_t *args, int nargs, long long ret,
                     double ref_seconds)
{
    if (!model_count() || n_recorded == MISTAKES_MAX_CALLS || nargs > MAX_ARGS)
        return;
    size_t bytes = 0;
    for (int i = 0; i < nargs; i++)
        if (args[i].kind == ARG_IN || args[i].kind == ARG_OUT)
            bytes += args[i].count * sizeof(double) * (args[i].kind == ARG_IN ? 3 : 2);
    if (recorded_bytes + bytes > MISTAKES_MAX_BYTES)
        return;
    recorded_t *r = &recorded[n_recorded];
    memset(r, 0, sizeof *r);
    r->func = strdup(func); /* the test's string may not outlive the call */
    r->nargs = nargs;
    r->ret = ret;
    r->ref_seconds = ref_seconds;
    for (int i = 0; i < nargs; i++) {
        mistake_arg_t *a = &r->args[i];
        *a = args[i];
        a->before = a->kind == ARG_IN ? copy_of(args[i].before, a->count) : NULL;
        a->after = a->kind == ARG_IN || a->kind == ARG_OUT ? copy_of(args[i].after, a->count) : NULL;
        if (!r->func || (a->kind == ARG_IN && !a->before) ||
            ((a->kind == ARG_IN || a->kind == ARG_OUT) && !a->after))
            return; /* out of memory: this call is not kept (its copies leak with the worker) */
    }
    recorded_bytes += bytes;
    n_recorded++;
}

/* Forget the calls recorded: a worker's next test starts with none. */
void mistakes_reset(void)
{
    for (int c = 0; c < n_recorded; c++) {
        free(recorded[c].func);
        for (int i = 0; i < recorded[c].nargs; i++) {
            free((void *)recorded[c].args[i].before);
            free((void *)recorded[c].args[i].after);
            free(recorded[c].ref[i]);
        }
    }
    n_recorded = 0;
    recorded_bytes = 0;
    failing_tol = -1.0;
}

void mistakes_note_tolerance(double tol)
{
    if (tol > failing_tol)
        failing_tol = tol;
}

/* Runs table's version of r's function on r's inputs, laid out as the
 * runner lays them out (guards around every tensor, outputs poisoned).
 * out[i] receives tensor i after the call (caller frees).  Returns 0, or -1
 * if the function is missing or wrote outside a tensor. */
static int run_on(const runner_fn_t *table, const recorded_t *r, double **out, long long *ret)
{
    const runner_fn_t *fn = table;
    while (fn->name && strcmp(fn->name, r->func) != 0)
        fn++;
    if (!fn->name || !fn->addr || !fn->call)
        return -1;
    runner_arg_t a[MAX_ARGS];
    double *block[MAX_ARGS] = {0};
    memset(a, 0, sizeof a);
    uint64_t g = GUARD_BITS, poison = POISON_BITS;
    int rc = 0;
    for (int i = 0; i < r->nargs; i++) {
        const mistake_arg_t *s = &r->args[i];
        a[i] = (runner_arg_t){s->kind, s->count, NULL, s->z, s->d, s->l};
        out[i] = NULL;
        if (s->kind != ARG_IN && s->kind != ARG_OUT)
            continue;
        block[i] = malloc((s->count + 2 * GUARD) * sizeof(double));
        if (!block[i])
            rc = -1;
        if (rc)
            break;
        a[i].p = block[i] + GUARD;
        for (uint64_t k = 0; k < GUARD; k++) {
            memcpy(&block[i][k], &g, 8);
            memcpy(&a[i].p[s->count + k], &g, 8);
        }
        if (s->kind == ARG_IN)
            memcpy(a[i].p, s->before, s->count * sizeof(double));
        else
            for (uint64_t k = 0; k < s->count; k++)
                memcpy(&a[i].p[k], &poison, 8);
    }
    if (rc == 0)
        *ret = fn->call(a);
    for (int i = 0; i < r->nargs; i++) {
        if (!block[i])
            continue;
        for (uint64_t k = 0; rc == 0 && k < GUARD; k++)
            if (memcmp(&block[i][k], &g, 8) || memcmp(&a[i].p[r->args[i].count + k], &g, 8))
                rc = -1;
        if (rc == 0)
            out[i] = copy_of(a[i].p, r->args[i].count);
        rc = rc == 0 && !out[i] ? -1 : rc;
        free(block[i]);
    }
    return rc;
}

/* Equal within tol * max(1, |want|): the rule of expect_close, with "never
 * written" (the poison) equal only to itself, and tol 0 meaning bit for bit
 * (up to the sign of zero). */
static int same_value(double got, double want, double tol)
{
    uint64_t gb, wb;
    memcpy(&gb, &got, 8);
    memcpy(&wb, &want, 8);
    if (gb == wb)
        return 1;
    if (gb == POISON_BITS || wb == POISON_BITS)
        return 0;
    /* the kit's one closeness rule, both ways round: a match is symmetric */
    return values_close(got, want, tol) && values_close(want, got, tol);
}

/* Same return value and every tensor within tol. */
static int same_call(const recorded_t *r, double *const *got, long long got_ret,
                     double *const *want, long long want_ret, double tol)
{
    if (got_ret != want_ret)
        return 0;
    for (int i = 0; i < r->nargs; i++)
        for (size_t k = 0; got[i] && k < r->args[i].count; k++)
            if (!same_value(got[i][k], want[i][k], tol))
                return 0;
    return 1;
}

/* Bytes of data (heap and private mappings) this process has now: the
 * sixth field of /proc/self/statm, in pages (read with one read into the
 * stack, not through stdio: nothing allocated in the forked child). */
static size_t data_bytes(void)
{
    char buf[256];
    ssize_t k = -1;
    int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        k = read(fd, buf, sizeof buf - 1);
        close(fd);
    }
    if (k <= 0)
        return 0;
    buf[k] = '\0';
    unsigned long pages[6] = {0};
    if (sscanf(buf, "%lu %lu %lu %lu %lu %lu", &pages[0], &pages[1], &pages[2], &pages[3],
               &pages[4], &pages[5]) != 6)
        return 0;
    return (size_t)pages[5] * (size_t)sysconf(_SC_PAGESIZE);
}

/* A model's results on a recorded call, kept in make test's build cache
 * (build_cache.h; unset, every replay runs): the same judge (its build ID),
 * model, function and inputs give the same results in every grading, and
 * make test diagnoses the same calls of a lab's tests again and again (a
 * Lab 07 replay is a training run).  The key holds the inputs whole; only
 * what a model returns, when it ran cleanly, is kept. */
static void replay_key(cache_key_t *k, const mistake_model_t *m, const recorded_t *r)
{
    cache_key_text(k, "loralab model replay", "2");
    cache_key_text(k, "model", m->name);
    cache_key_model(k, m->name);
    cache_key_text(k, "function", r->func);
    for (int i = 0; i < r->nargs; i++) {
        const mistake_arg_t *a = &r->args[i];
        char s[160];
        snprintf(s, sizeof s, "%c %zu %llu %a %lld", a->kind, a->count, (unsigned long long)a->z, a->d,
                 (long long)a->l);
        cache_key_text(k, "argument", s);
        if (a->kind == ARG_IN)
            cache_key_bytes(k, "values", a->before, a->count * sizeof(double));
    }
}

static int replay_model(const mistake_model_t *m, const recorded_t *r, double **got, long long *ret)
{
    if (!build_cache_enabled())
        return run_on(m->functions, r, got, ret);
    cache_key_t k = {0};
    replay_key(&k, m, r);
    size_t want = sizeof *ret, n = 0;
    for (int i = 0; i < r->nargs; i++)
        if (r->args[i].kind == ARG_IN || r->args[i].kind == ARG_OUT)
            want += r->args[i].count * sizeof(double);
    char *blob = NULL;
    if (build_cache_get(&k, &blob, &n) == 0 && n == want) {
        size_t off = sizeof *ret;
        memcpy(ret, blob, sizeof *ret);
        int rc = 0;
        for (int i = 0; i < r->nargs; i++) {
            got[i] = NULL;
            if (r->args[i].kind != ARG_IN && r->args[i].kind != ARG_OUT)
                continue;
            got[i] = copy_of((const double *)(const void *)(blob + off), r->args[i].count);
            off += r->args[i].count * sizeof(double);
            rc |= !got[i];
        }
        free(blob);
        cache_key_free(&k);
        return rc ? -1 : 0;
    }
    free(blob);
    int rc = run_on(m->functions, r, got, ret);
    char *out = rc == 0 ? malloc(want) : NULL;
    if (out) {
        size_t off = sizeof *ret;
        memcpy(out, ret, sizeof *ret);
        for (int i = 0; i < r->nargs; i++)
            if (r->args[i].kind == ARG_IN || r->args[i].kind == ARG_OUT) {
                memcpy(out + off, got[i], r->args[i].count * sizeof(double));
                off += r->args[i].count * sizeof(double);
            }
        build_cache_put(&k, out, want);
        free(out);
    }
    cache_key_free(&k);
    return rc;
}

/* 1 if model m matches the student on every recorded call (decisive calls,
 * where the student differs from the reference, first: most models fail
 * there at once) and the reference on not all of them. */
static int model_is_mistake(const mistake_model_t *m, double tol, const int *order)
{
    int differs = 0, matches = 1;
    for (int k = 0; matches && k < n_recorded; k++) {
        const recorded_t *r = &recorded[order[k]];
        double *got[MAX_ARGS] = {0}, *student[MAX_ARGS];
        long long ret = 0;
        for (int i = 0; i < r->nargs; i++)
            student[i] = (double *)r->args[i].after;
        matches = replay_model(m, r, got, &ret) == 0 &&
                  same_call(r, got, ret, student, r->ret, tol);
        differs |= matches && !same_call(r, got, ret, r->ref, r->ref_ret, tol);
        for (int i = 0; i < r->nargs; i++)
            free(got[i]);
    }
    return matches && differs;
}

/* In a forked child: for each model of which[], in order, one byte, 'M' if
 * it is the student's mistake, else 'N'.  One child runs many models (a
 * fork per model costs more than most replays); if a model crashes or
 * loops, the parent starts a new child at the next one. */
static _Noreturn void models_child(const size_t *which, size_t n, double tol, const int *order,
                                   int fd, double cpu_seconds)
{
    int devnull = open("/dev/null", O_WRONLY);
    if (devnull >= 0) {
        dup2(devnull, 1);
        dup2(devnull, 2);
    }
    rlim_t cpu = (rlim_t)ceil(cpu_seconds) + 1;
    struct rlimit cpu_l = {cpu, cpu + 1};
    size_t data = data_bytes();
    struct rlimit data_l = {data + MISTAKES_MEMORY, data + MISTAKES_MEMORY};
    struct rlimit no_core = {0, 0};
    setrlimit(RLIMIT_CPU, &cpu_l);
    setrlimit(RLIMIT_DATA, &data_l);
    setrlimit(RLIMIT_CORE, &no_core);
    for (size_t k = 0; k < n; k++) {
        char verdict = model_is_mistake(&mistake_models[which[k]], tol, order) ? 'M' : 'N';
        if (write(fd, &verdict, 1) != 1)
            break;
    }
    _exit(0);
}

/* Sets matched[k] for each model which[k] that is the student's mistake;
 * each model gets `limit` seconds of wall clock, all of them end by
 * `deadline` (models not reached are not named). */
static void run_models(const size_t *which, size_t n, double tol, const int *order, double limit,
                       double deadline, int *matched)
{
    size_t next = 0;
    while (next < n && now() + limit <= deadline) {
        int p[2];
        if (pipe2(p, O_CLOEXEC) != 0)
            return;
        fflush(NULL);
        pid_t parent = getpid();
        pid_t pid = fork();
        if (pid < 0) {
            close(p[0]);
            close(p[1]);
            return;
        }
        if (pid == 0) {
            /* Replays end with the worker that asked for them. */
            if (die_with_parent(parent) != 0)
                _exit(1);
            close(p[0]);
            models_child(which + next, n - next, tol, order, p[1], deadline - now() + 1.0);
        }
        close(p[1]);
        int alive = 1;
        while (alive && next < n) {
            struct pollfd pf = {p[0], POLLIN, 0};
            char verdict;
            double wait = fmin(limit, deadline - now());
            if (wait > 0 && poll(&pf, 1, (int)(wait * 1000) + 1) > 0 && read(p[0], &verdict, 1) == 1) {
                matched[next++] = verdict == 'M';
            } else { /* crashed, looped or out of time: this model is not named */
                matched[next++] = 0;
                alive = 0;
            }
        }
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        close(p[0]);
    }
}

/* The reference's results on every recorded call, in this process, its
 * messages about rejected arguments kept off the judge's stderr.  0 if the
 * reference ran every call. */
static int replay_reference(void)
{
    int rc = 0;
    fflush(stderr);
    int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
    int saved = devnull >= 0 ? fcntl(2, F_DUPFD_CLOEXEC, 10) : -1;
    if (saved >= 0)
        dup2(devnull, 2);
    for (int c = 0; rc == 0 && c < n_recorded; c++)
        rc = run_on(runner_functions, &recorded[c], recorded[c].ref, &recorded[c].ref_ret);
    fflush(stderr);
    if (saved >= 0) {
        dup2(saved, 2);
        close(saved);
    }
    if (devnull >= 0)
        close(devnull);
    return rc;
}

static int affects(const mistake_model_t *m, const char *func)
{
    if (!m->affects)
        return 1;
    char key[MAX_NAME + 3];
    snprintf(key, sizeof key, " %s ", func);
    return strstr(m->affects, key) != NULL;
}

/* A model can be the student's mistake only if the mutation changes every
 * decisive call's function (elsewhere it gives the reference's results,
 * which the student's are not), or, with no decisive call, at least one
 * call's function (it must differ from the reference somewhere).  This
 * skips replaying, say, a training run for a mistake in a loss function. */
static int may_match(const mistake_model_t *m, const int *order, int n_decisive)
{
    for (int k = 0; k < n_decisive; k++)
        if (!affects(m, recorded[order[k]].func))
            return 0;
    for (int c = 0; n_decisive == 0 && c < n_recorded; c++)
        if (affects(m, recorded[c].func))
            return 1;
    return n_decisive > 0;
}

void mistakes_diagnose(judge_t *j)
{
    if (!model_count() || !n_recorded || replay_reference() != 0)
        return;
    double tol = failing_tol >= 0.0 ? failing_tol : 1e-9;
    double ref_total = 0.0;
    for (int c = 0; c < n_recorded; c++)
        ref_total += recorded[c].ref_seconds > 0 ? recorded[c].ref_seconds : 0.0;
    double limit = MISTAKES_MODEL_FLOOR * machine_load_factor() + 20.0 * ref_total;
    double deadline = now() + MISTAKES_TEST_SECONDS * machine_load_factor();
    /* Decisive calls first: where the student's results are not the
     * reference's (a model must match the student there, so most models
     * fail at once). */
    int order[MISTAKES_MAX_CALLS], n_order = 0, n_decisive = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (int c = 0; c < n_recorded; c++) {
            double *student[MAX_ARGS];
            for (int i = 0; i < recorded[c].nargs; i++)
                student[i] = (double *)recorded[c].args[i].after;
            int same = same_call(&recorded[c], student, recorded[c].ret, recorded[c].ref,
                                 recorded[c].ref_ret, tol);
            if (same == pass)
                order[n_order++] = c;
        }
        if (pass == 0)
            n_decisive = n_order;
    }
    /* Cheapest decisive call first (insertion sort, at most
     * MISTAKES_MAX_CALLS): a model that is not the mistake usually shows it
     * there, before a long call such as a training run. */
    for (int k = 1; k < n_decisive; k++)
        for (int i = k; i > 0 && recorded[order[i]].ref_seconds < recorded[order[i - 1]].ref_seconds; i--) {
            int t = order[i];
            order[i] = order[i - 1];
            order[i - 1] = t;
        }
    /* Specific mistakes first; a stub's "computes nothing" only when no
     * specific mistake gives the same results. */
    size_t *which = calloc(model_count(), sizeof *which);
    int *matched = calloc(model_count(), sizeof *matched);
    int named = 0, more = 0;
    for (int pass = 0; which && matched && pass < 2 && !named; pass++) {
        size_t n = 0;
        for (size_t m = 0; m < model_count(); m++)
            if (mistake_models[m].generic == pass && may_match(&mistake_models[m], order, n_decisive))
                which[n++] = m;
        memset(matched, 0, model_count() * sizeof *matched);
        run_models(which, n, tol, order, limit, deadline, matched);
        for (size_t k = 0; k < n; k++) {
            if (!matched[k])
                continue;
            const mistake_model_t *model = &mistake_models[which[k]];
            if (named++ < MISTAKES_MAX_SHOWN) {
                judge_fail_why(j, 0, "diagnosis: %s", model->mistake);
                judge_fail_why(j, 0, "  what to change: %s", model->hint);
            } else {
                more++;
            }
        }
    }
    free(which);
    free(matched);
    if (more)
        judge_fail_why(j, 0, "diagnosis: %d more known mistakes give the same results on this test", more);
}
