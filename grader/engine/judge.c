/*
 * judge.c - the grade-NN program: options, compiling the submission into a
 * runner, running every test in its own worker, and the report.
 *
 * This process decides the score.  It never runs student code: each test runs
 * in a forked worker (grader code only), and each call into student code runs
 * in a freshly executed, sandboxed runner (call.c).
 */
#define _GNU_SOURCE
#include "compile_sandbox.h"
#include "engine.h"
#include "mistakes.h" /* MISTAKES HOOK */
#include "report.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define LOG_MAX 16384
#define DEFAULT_CALL_CAP 10.0 /* seconds: no call runs longer, whatever the reference takes */
#define DEFAULT_BUDGET 10.0  /* seconds: all calls of one grading together */

struct judge {
    rng_t rng;
    kit_file_t data;
    int have_data;
    int failed;
    size_t log_len;
    char log[LOG_MAX];
};

static struct {
    const judge_lab_t *lab;
    unsigned long long seed;
    const char *format, *out, *only, *sub;
    double call_cap, budget;
    /* Microseconds spent in calls, shared by every test worker (MAP_SHARED). */
    atomic_llong *spent_us;
    int jobs, list;
    /* --also FORMAT:FILE: further reports of the same run (grade-all keeps the
     * text feedback and the JSON scores of one run, so both agree). */
    const char *also_format[4], *also_path[4];
    int n_also;
    char root[PATH_MAX], tmp[PATH_MAX], empty[PATH_MAX + 8], runner[PATH_MAX + 8];
    char work[PATH_MAX + 8], scratch[PATH_MAX + 16]; /* the build's folder; a mount point for its sandbox */
    char sources_text[512];
    int internal_error;
} G;

double opt_call_cap_seconds(void) { return G.call_cap; }
double machine_load_factor(void)
{
    double load[1];
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    if (getloadavg(load, 1) != 1 || cores < 1)
        return 1.0;
    double f = load[0] / (double)cores;
    return f < 1.0 ? 1.0 : f > LOAD_FACTOR_MAX ? LOAD_FACTOR_MAX : f;
}
double opt_budget_seconds(void) { return G.budget; }
double budget_spent(void) { return G.spent_us ? (double)atomic_load(G.spent_us) * 1e-6 : 0.0; }
double budget_left(void) { return G.budget - budget_spent(); }
void budget_charge(double seconds)
{
    if (G.spent_us && seconds > 0)
        atomic_fetch_add(G.spent_us, (long long)(seconds * 1e6));
}
const char *judge_empty_dir(void) { return G.empty; }
const char *judge_runner_path(void) { return G.runner; }
const char *judge_sources_text(void) { return G.sources_text; }
static const char *current_test = "";
const char *judge_test_name(void) { return current_test; }
void judge_internal_error(void) { G.internal_error = 1; }
const char *judge_root(void) { return G.root; }

rng_t *judge_rng(judge_t *j) { return &j->rng; }
int judge_failed(const judge_t *j) { return j->failed; }

void judge_fail(judge_t *j, const char *fmt, ...)
{
    va_list ap;
    j->failed = 1;
    if (j->log_len + 2 >= LOG_MAX)
        return;
    va_start(ap, fmt);
    int n = vsnprintf(j->log + j->log_len, LOG_MAX - j->log_len - 1, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    j->log_len += (size_t)n < LOG_MAX - j->log_len - 1 ? (size_t)n : LOG_MAX - j->log_len - 2;
    j->log[j->log_len++] = '\n';
    j->log[j->log_len] = '\0';
}

const kit_file_t *judge_data(judge_t *j, const char *relpath)
{
    if (j->have_data && strstr(j->data.path, relpath))
        return &j->data;
    char path[PATH_MAX * 2];
    snprintf(path, sizeof path, "%s/data/%s", G.root, relpath);
    if (j->have_data)
        kit_free(&j->data);
    j->have_data = 0;
    if (kit_read(path, &j->data) != 0) {
        judge_fail(j, "grader error: cannot read the data file %s (see stderr)", path);
        judge_internal_error();
        return NULL;
    }
    j->have_data = 1;
    return &j->data;
}

const double *judge_tensor(judge_t *j, const kit_file_t *f, const char *name,
                           size_t rows, size_t cols)
{
    const double *p = f ? kit_get(f, name, rows, cols) : NULL;
    if (!p) {
        judge_fail(j, "grader error: tensor %s (%zu x %zu) missing from the data file", name, rows, cols);
        judge_internal_error();
    }
    return p;
}

static _Noreturn void usage_error(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "grade-%s: ", G.lab->id);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nusage: grade-%s [--seed N] [--list] [--test NAME] "
            "[--format text|gradescope|junit|tap|verdict] [--out FILE] [--also FORMAT:FILE] "
            "[--timeout SECONDS] [--budget SECONDS] [--jobs N] [SUBMISSION_DIR]\n", G.lab->id);
    exit(2);
}

static int valid_format(const char *f)
{
    return !strcmp(f, "text") || !strcmp(f, "gradescope") || !strcmp(f, "junit") || !strcmp(f, "tap")
           || !strcmp(f, "verdict");
}

static void parse_options(int argc, char **argv)
{
    G.seed = RNG_DEFAULT_SEED;
    G.format = "text";
    G.call_cap = DEFAULT_CALL_CAP;
    G.budget = DEFAULT_BUDGET;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    G.jobs = cores < 1 ? 1 : cores > 8 ? 8 : (int)cores;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        char *end;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            printf("usage: grade-%s [--seed N] [--list] [--sources] [--test NAME] "
                   "[--format text|gradescope|junit|tap|verdict] [--out FILE] [--also FORMAT:FILE] "
                   "[--timeout SECONDS] [--budget SECONDS] [--jobs N] [SUBMISSION_DIR]\n"
                   "Grades Lab %s (%s) in SUBMISSION_DIR (default: labs/%s).\n"
                   "Each call may take %d x the reference's time on the same inputs + %.1f s,\n"
                   "at most --timeout (default %.0f s); all calls together at most --budget\n"
                   "(default %.0f s).\n"
                   "Exit status: 0 all passed, 1 some failed, 2 the grader could not run.\n",
                   G.lab->id, G.lab->id, G.lab->title, G.lab->dir, LIMIT_FACTOR, LIMIT_FLOOR,
                   DEFAULT_CALL_CAP, DEFAULT_BUDGET);
            exit(0);
        }
        if (strcmp(a, "--list") == 0) {
            G.list = 1;
            continue;
        }
        if (strcmp(a, "--sources") == 0) { /* the file names a submission must hold */
            for (const char *const *s = G.lab->sources; *s; s++)
                printf("%s\n", *s);
            exit(0);
        }
        if (a[0] != '-') {
            if (G.sub)
                usage_error("more than one submission folder: %s and %s", G.sub, a);
            G.sub = a;
            continue;
        }
        if (!v)
            usage_error("%s needs a value", a);
        i++;
        if (strcmp(a, "--seed") == 0) {
            errno = 0;
            G.seed = strtoull(v, &end, 10);
            if (errno || *end || *v == '-' || !*v)
                usage_error("--seed takes a whole number >= 0, not \"%s\"", v);
        } else if (strcmp(a, "--test") == 0) {
            G.only = v;
        } else if (strcmp(a, "--format") == 0) {
            if (!valid_format(v))
                usage_error("--format is text, gradescope, junit, tap or verdict, not \"%s\"", v);
            G.format = v;
        } else if (strcmp(a, "--out") == 0) {
            G.out = v;
        } else if (strcmp(a, "--also") == 0) {
            const char *colon = strchr(v, ':');
            static char fmts[4][16];
            size_t n = colon ? (size_t)(colon - v) : 0;
            if (G.n_also == 4)
                usage_error("--also may be given at most 4 times");
            if (!colon || !colon[1] || n >= sizeof fmts[0])
                usage_error("--also takes FORMAT:FILE, for example text:feedback.txt, not \"%s\"", v);
            memcpy(fmts[G.n_also], v, n);
            fmts[G.n_also][n] = '\0';
            if (!valid_format(fmts[G.n_also]))
                usage_error("--also: the format is text, gradescope, junit, tap or verdict, not \"%s\"", fmts[G.n_also]);
            G.also_format[G.n_also] = fmts[G.n_also];
            G.also_path[G.n_also++] = colon + 1;
        } else if (strcmp(a, "--timeout") == 0) {
            G.call_cap = strtod(v, &end);
            if (*end || !(G.call_cap >= 0.05 && G.call_cap <= 600))
                usage_error("--timeout takes seconds between 0.05 and 600, not \"%s\"", v);
        } else if (strcmp(a, "--budget") == 0) {
            G.budget = strtod(v, &end);
            if (*end || !(G.budget >= 0.1 && G.budget <= 3600))
                usage_error("--budget takes seconds between 0.1 and 3600, not \"%s\"", v);
        } else if (strcmp(a, "--jobs") == 0) {
            long n = strtol(v, &end, 10);
            if (*end || n < 1 || n > 64)
                usage_error("--jobs takes a number from 1 to 64, not \"%s\"", v);
            G.jobs = (int)n;
        } else {
            usage_error("unknown option %s", a);
        }
    }
}

/* The kit's root: this program lives in <root>/grader/bin/. */
static void find_root(void)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) {
        fprintf(stderr, "grade-%s: cannot find my own path (/proc/self/exe)\n", G.lab->id);
        exit(2);
    }
    exe[n] = '\0';
    snprintf(G.root, sizeof G.root, "%s", dirname(dirname(dirname(exe))));
}

/* ---- building the runner ----
 *
 * The submission's files and the lab's public headers are copied into a
 * fresh work folder; every program of the build (cc, nm, objcopy, the link)
 * then runs in the compiler's sandbox (compile_sandbox.c), which lets it read
 * only that folder and the system's compiler, libraries and headers.  So no
 * #include, #line, .incbin or pragma reaches the reference, the hidden tests
 * or another student's files, and inline assembly needs no rule here: at run
 * time the runner's seccomp filter stops what it could do.  The work folder
 * uses names relative to it: messages say "lora_forward.c:12:". */

static int copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb");
    if (!in)
        return -1;
    FILE *out = fopen(to, "wb");
    if (!out) {
        fclose(in);
        return -1;
    }
    char buf[65536];
    size_t n, total = 0;
    int rc = 0;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0) {
        total += n;
        if (total > (4u << 20) || fwrite(buf, 1, n, out) != n) {
            rc = -1;
            break;
        }
    }
    fclose(in);
    if (fclose(out))
        rc = -1;
    return rc;
}

/* The *.h files of dir (the lab's contract, labs/common) into the work
 * folder's include/: the only kit files the compiler can see. */
static int copy_headers(const char *dir, const char *to, char *msg, size_t cap)
{
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(msg, cap, "grader files missing: cannot read %s: %s", dir, strerror(errno));
        return -2;
    }
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n < 3 || strcmp(e->d_name + n - 2, ".h") != 0)
            continue;
        char from[PATH_MAX * 2], dst[PATH_MAX * 2];
        snprintf(from, sizeof from, "%s/%s", dir, e->d_name);
        snprintf(dst, sizeof dst, "%s/%s", to, e->d_name);
        if (copy_file(from, dst) != 0) {
            snprintf(msg, cap, "grader files missing: cannot copy %s: %s", from, strerror(errno));
            rc = -2;
        }
    }
    closedir(d);
    return rc;
}

static void append(char *msg, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void append(char *msg, size_t cap, const char *fmt, ...)
{
    size_t len = strlen(msg);
    if (len + 1 >= cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg + len, cap - len, fmt, ap);
    va_end(ap);
}

#define INCLUDE_RULE "a submission may include only the C library's headers and the lab's own headers"

/* The compiler's messages, with "fatal error: PATH: Permission denied" (the
 * sandbox refused a file) said as what it is. */
static void append_compiler_output(char *msg, size_t cap, const char *out)
{
    /* cc1: "x.c:3:10: fatal error: PATH: Permission denied";
     * as: "x.s:6: Error: can't open PATH for reading: Permission denied". */
    static const char *const says[][2] = {{": fatal error: ", ": Permission denied"},
                                          {": Error: can't open ", " for reading: Permission denied"}};
    while (*out) {
        const char *nl = strchr(out, '\n');
        size_t n = nl ? (size_t)(nl - out) + 1 : strlen(out);
        const char *f = NULL, *d = NULL;
        size_t skip = 0;
        for (int k = 0; k < 2 && !d; k++) {
            f = memmem(out, n, says[k][0], strlen(says[k][0]));
            d = f ? memmem(f, n - (size_t)(f - out), says[k][1], strlen(says[k][1])) : NULL;
            skip = strlen(says[k][0]);
        }
        if (f && d)
            append(msg, cap, "%.*s: error: cannot include %.*s: " INCLUDE_RULE "\n", (int)(f - out), out,
                   (int)(d - f - (ptrdiff_t)skip), f + skip);
        else
            append(msg, cap, "%.*s", (int)n, out);
        out += n;
    }
}

/* Run one build step in the sandbox; on failure, say why in msg.
 * Returns 0, -1 (the submission's fault) or -2 (the grader's). */
static int build_step(char *const argv[], double deadline, char *msg, size_t cap, const char *what)
{
    static char out[16384];
    int rc = sandbox_run(argv, deadline, out, sizeof out);
    if (rc == SANDBOX_BROKEN) {
        snprintf(msg, cap, "the compiler's sandbox (%s) failed while %.300s: %.500s", sandbox_name(), what, out);
        return -2;
    }
    append_compiler_output(msg, cap, out);
    if (rc == 0)
        return 0;
    if (rc == SANDBOX_TIMEOUT)
        append(msg, cap, "the build was stopped while %s: it took longer than %.0f s (a submission "
               "must compile and link within %.0f s)\n", what, SANDBOX_BUILD_SECONDS, SANDBOX_BUILD_SECONDS);
    else if (rc >= 128 || strstr(out, "out of memory") || strstr(out, "terminated program") ||
             strstr(out, "limit exceeded") || strstr(out, "internal compiler error") ||
             strstr(out, "File too large"))
        append(msg, cap, "note: the build runs with limits: %d MiB of memory and %d s of CPU time per "
               "program, files of at most %d MiB, %.0f s for the whole build\n",
               SANDBOX_MEMORY_MIB, SANDBOX_CPU_SECONDS, SANDBOX_FILE_MIB, SANDBOX_BUILD_SECONDS);
    return -1;
}

/* A main() in the student's object (their own test program) would replace
 * the runner's: rename it, and say where it was.  Its points are unaffected. */
static int set_aside_main(const char *name, const char *obj, int index, double deadline, char *msg, size_t cap)
{
    static char out[16384];
    char *nm[] = {"nm", "--defined-only", "-l", (char *)obj, NULL};
    int rc = sandbox_run(nm, deadline, out, sizeof out);
    if (rc == SANDBOX_BROKEN) {
        snprintf(msg, cap, "the compiler's sandbox (%s) failed while reading %.300s: %.500s", sandbox_name(), obj, out);
        return -2;
    }
    if (rc != 0)
        return 0; /* then a second main fails the link, with its message */
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        char type, sym[64];
        if (sscanf(line, "%*s %c %63s", &type, sym) != 2 || strcmp(sym, "main") != 0 ||
            !(type >= 'A' && type <= 'Z'))
            continue;
        const char *where = strchr(line, '\t');
        const char *base = where ? strrchr(where + 1, '/') : NULL;
        char loc[256];
        snprintf(loc, sizeof loc, "%s", base ? base + 1 : where ? where + 1 : name);
        char to[128]; /* one name per file: two files may each have a main */
        snprintf(to, sizeof to, "main=loralab_set_aside_main_%d", index);
        char *rename_main[] = {"objcopy", "--redefine-sym", to, (char *)obj, NULL};
        int r = build_step(rename_main, deadline, msg, cap, "setting main() aside");
        if (r != 0)
            return r;
        append(msg, cap, "%s: note: your main() was set aside and not run: the grader calls your "
               "functions from its own main (a test main may stay in the file)\n", loc);
        return 0;
    }
    return 0;
}

/* Build the runner from the submission.  Returns 0 (msg: any warnings and
 * notes), -1 with the reason (compiler messages included) in msg, or -2 when
 * the grader cannot build anything here (no sandbox, no compiler). */
static int build_runner(char *msg, size_t cap)
{
    char common[PATH_MAX + 16], labdir[PATH_MAX + 16], lib[PATH_MAX + 64], inc[PATH_MAX + 16];
    char objs[8][PATH_MAX + 16];
    int nobj = 0;
    msg[0] = '\0';
    snprintf(common, sizeof common, "%s/labs/common", G.root);
    snprintf(labdir, sizeof labdir, "%s/labs/%s", G.root, G.lab->dir);
    snprintf(lib, sizeof lib, "%s/grader/bin/lib/librunner-%s.a", G.root, G.lab->id);
    snprintf(inc, sizeof inc, "%s/include", G.work);
    if (access(lib, R_OK) != 0) {
        snprintf(msg, cap, "grader files missing: %s (run make grader)", lib);
        return -2;
    }
    for (const char *const *s = G.lab->sources; *s; s++) {
        char from[PATH_MAX * 2], src[PATH_MAX * 2];
        snprintf(from, sizeof from, "%s/%s", G.sub, *s);
        snprintf(src, sizeof src, "%s/%s", G.work, *s);
        struct stat st;
        /* lstat: a symbolic link could point at the reference solution. */
        if (lstat(from, &st) == 0 && S_ISLNK(st.st_mode)) {
            snprintf(msg, cap, "%s in %s is a symbolic link; submit the file itself", *s, G.sub);
            return -1;
        }
        if (stat(from, &st) != 0 || !S_ISREG(st.st_mode)) {
            snprintf(msg, cap, "missing file: %s is not in %s (the submission folder must hold "
                     "the lab's file names)", *s, G.sub);
            return -1;
        }
        if (copy_file(from, src) != 0) {
            snprintf(msg, cap, "cannot read %s (or it is larger than 4 MiB)", from);
            return -1;
        }
    }
    int rc;
    if (mkdir(inc, 0700) != 0 || (rc = copy_headers(common, inc, msg, cap)) != 0 ||
        (rc = copy_headers(labdir, inc, msg, cap)) != 0) {
        if (!msg[0])
            snprintf(msg, cap, "cannot make %s: %s", inc, strerror(errno));
        return -2;
    }
    /* No sandbox, or no compiler in it, is the machine's fault: exit 2. */
    if (sandbox_choose(G.work, G.scratch, G.root, msg, cap) != 0)
        return -2;
    char *probe[] = {"cc", "--version", NULL};
    rc = sandbox_run(probe, sandbox_now() + 30, msg, cap);
    if (rc != 0) {
        char why[300];
        snprintf(why, sizeof why, "%.*s", (int)strcspn(msg, "\n"), msg);
        snprintf(msg, cap, "the C compiler (cc) does not run in the compiler's sandbox (%s): %s",
                 sandbox_name(), rc == SANDBOX_TIMEOUT ? "no answer in 30 s" : why[0] ? why : "no output");
        return -2;
    }
    msg[0] = '\0';
    double deadline = sandbox_now() + SANDBOX_BUILD_SECONDS;
    char header[PATH_MAX];
    snprintf(header, sizeof header, "include/%s", G.lab->header);
    for (const char *const *s = G.lab->sources; *s && nobj < 8; s++) {
        snprintf(objs[nobj], sizeof objs[nobj], "%s.o", *s);
        char *argv[] = {"cc", "-std=c11", "-O2", "-g", "-Wall", "-Wextra", "-fno-common",
                        "-I", "include", "-include", header, "-c", (char *)*s, "-o", objs[nobj], NULL};
        char what[PATH_MAX];
        snprintf(what, sizeof what, "compiling %s", *s);
        if ((rc = build_step(argv, deadline, msg, cap, what)) != 0 ||
            (rc = set_aside_main(*s, objs[nobj], nobj, deadline, msg, cap)) != 0)
            return rc;
        nobj++;
    }
    char lib_copy[PATH_MAX + 32], built[PATH_MAX + 32];
    snprintf(lib_copy, sizeof lib_copy, "%s/librunner.a", G.work);
    snprintf(built, sizeof built, "%s/runner", G.work);
    if (copy_file(lib, lib_copy) != 0) {
        snprintf(msg, cap, "grader files missing: cannot copy %s", lib);
        return -2;
    }
    char *argv[16];
    int n = 0;
    argv[n++] = "cc";
    argv[n++] = "-static";
    argv[n++] = "-o";
    argv[n++] = "runner";
    for (int i = 0; i < nobj; i++)
        argv[n++] = objs[i];
    argv[n++] = "librunner.a";
    argv[n++] = "-lm";
    argv[n] = NULL;
    size_t before = strlen(msg);
    if ((rc = build_step(argv, deadline, msg, cap, "linking")) != 0) {
        if (rc == -1 && strlen(msg) + 80 < cap) { /* say what failed before the linker's words */
            char *tail = strdup(msg + before);
            msg[before] = '\0';
            append(msg, cap, "linking failed (is a function defined twice, or one of the lab's own?):\n%s",
                   tail ? tail : "");
            free(tail);
        }
        return rc;
    }
    if (rename(built, G.runner) != 0) {
        snprintf(msg, cap, "cannot move the runner to %s: %s", G.runner, strerror(errno));
        return -2;
    }
    return 0;
}

/* ---- running the tests ---- */

static int selected(const judge_test_t *t)
{
    return !G.only || strcmp(G.only, t->name) == 0 || strcmp(G.only, t->task) == 0 ||
           strstr(t->name, G.only) != NULL;
}

static void run_worker(const judge_test_t *t, int fd)
{
    static judge_t j;
    memset(&j, 0, sizeof j);
    char key[256];
    snprintf(key, sizeof key, "%s %s", t->task, t->name);
    rng_seed(&j.rng, G.seed ^ rng_hash_string(key));
    current_test = t->name;
    t->run(&j);
    if (j.failed && !G.internal_error) /* MISTAKES HOOK: name the mistake, if a model matches */
        mistakes_diagnose(&j);
    char head[2] = {G.internal_error ? 'E' : j.failed ? 'F' : 'P', '\n'};
    if (write(fd, head, 2) == 2 && j.log_len)
        (void)!write(fd, j.log, j.log_len);
    close(fd);
    _exit(0);
}

static void run_tests(result_t *res, size_t n)
{
    size_t next = 0, done = 0, running = 0;
    pid_t pids[64];
    int fds[64];
    size_t which[64];
    while (done < n) {
        while (running < (size_t)G.jobs && next < n) {
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
                run_worker(&G.lab->tests[next], p[1]);
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
            char *buf = calloc(1, LOG_MAX + 8);
            size_t len = 0;
            ssize_t k;
            while (len < LOG_MAX + 4 && (k = read(fds[i], buf + len, LOG_MAX + 4 - len)) > 0)
                len += (size_t)k;
            close(fds[i]);
            int st;
            waitpid(pids[i], &st, 0);
            result_t *r = &res[which[i]];
            if (len < 2 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
                r->passed = 0;
                r->log = strdup("grader bug: this test's worker died\n");
                G.internal_error = 1;
                free(buf);
            } else {
                r->passed = buf[0] == 'P';
                if (buf[0] == 'E')
                    G.internal_error = 1;
                memmove(buf, buf + 2, len - 2);
                buf[len - 2] = '\0';
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
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void cleanup(void)
{
    if (G.tmp[0])
        nftw(G.tmp, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int judge_main(int argc, char **argv, const judge_lab_t *lab)
{
    G.lab = lab;
    signal(SIGPIPE, SIG_IGN);
    parse_options(argc, argv);
    find_root();
    /* A table error is the kit's bug, not the student's: refuse to grade
     * (exit 2) rather than print a report tools cannot read back. */
    for (size_t i = 0; i < lab->n_tests; i++) {
        const judge_test_t *t = &lab->tests[i];
        if (strlen(t->name) > JUDGE_MAX_NAME || t->points <= 0 || !t->run || !t->hint) {
            fprintf(stderr, "grade-%s: test table entry %zu (%s) is malformed: names are at most "
                    "%d characters, points > 0, a hint and a run function are required\n",
                    lab->id, i + 1, t->name, JUDGE_MAX_NAME);
            return 2;
        }
        for (size_t k = 0; k < i; k++)
            if (!strcmp(lab->tests[k].name, t->name)) {
                fprintf(stderr, "grade-%s: two tests are named \"%s\"\n", lab->id, t->name);
                return 2;
            }
    }
    if (G.list) {
        for (size_t i = 0; i < lab->n_tests; i++)
            printf("%-8s %3d  %s\n", lab->tests[i].task, lab->tests[i].points, lab->tests[i].name);
        return 0;
    }
    static char default_sub[PATH_MAX + 64];
    if (!G.sub) {
        snprintf(default_sub, sizeof default_sub, "%s/labs/%s", G.root, lab->dir);
        G.sub = default_sub;
    }
    struct stat st;
    if (stat(G.sub, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "grade-%s: the submission folder %s does not exist\n", lab->id, G.sub);
        return 2;
    }
    size_t off = 0;
    for (const char *const *s = lab->sources; *s; s++)
        off += (size_t)snprintf(G.sources_text + off, sizeof G.sources_text - off, "%s%s",
                                off ? ", " : "", *s);
    const char *tmpbase = getenv("TMPDIR");
    snprintf(G.tmp, sizeof G.tmp, "%s/loralab-grade-XXXXXX", tmpbase && *tmpbase ? tmpbase : "/tmp");
    if (!mkdtemp(G.tmp)) {
        fprintf(stderr, "grade-%s: cannot make a temporary folder: %s\n", lab->id, strerror(errno));
        return 2;
    }
    atexit(cleanup);
    /* Absolute: the compiler runs inside it, so a relative TMPDIR would break. */
    char abs_tmp[PATH_MAX];
    if (!realpath(G.tmp, abs_tmp) || strlen(abs_tmp) >= sizeof G.tmp) {
        fprintf(stderr, "grade-%s: cannot resolve the temporary folder %s\n", lab->id, G.tmp);
        return 2;
    }
    memcpy(G.tmp, abs_tmp, strlen(abs_tmp) + 1);
    snprintf(G.empty, sizeof G.empty, "%s/run", G.tmp);
    snprintf(G.runner, sizeof G.runner, "%s/runner", G.tmp);
    mkdir(G.empty, 0555);
    snprintf(G.work, sizeof G.work, "%s/build", G.tmp);
    snprintf(G.scratch, sizeof G.scratch, "%s/sandbox-root", G.tmp);
    if (mkdir(G.work, 0700) != 0) {
        fprintf(stderr, "grade-%s: cannot make %s: %s\n", lab->id, G.work, strerror(errno));
        return 2;
    }

    result_t *res = calloc(lab->n_tests, sizeof *res);
    int any = 0;
    for (size_t i = 0; i < lab->n_tests; i++) {
        res[i].test = &lab->tests[i];
        res[i].selected = selected(&lab->tests[i]);
        any |= res[i].selected;
    }
    if (!any) {
        fprintf(stderr, "grade-%s: no test matches --test \"%s\" (see --list)\n", lab->id, G.only);
        return 2;
    }
    static char compile_msg[16384];
    int built = build_runner(compile_msg, sizeof compile_msg);
    if (built == -2) {
        fprintf(stderr, "grade-%s: %s\n", lab->id, compile_msg);
        return 2;
    }
    if (built == 0) {
        /* The time budget, shared by every test worker. */
        G.spent_us = mmap(NULL, sizeof *G.spent_us, PROT_READ | PROT_WRITE,
                          MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (G.spent_us == MAP_FAILED) {
            fprintf(stderr, "grade-%s: mmap: %s\n", lab->id, strerror(errno));
            return 2;
        }
        atomic_init(G.spent_us, 0);
        run_tests(res, lab->n_tests);
    }
    else
        for (size_t i = 0; i < lab->n_tests; i++)
            res[i].log = strdup("not run: the submission did not build (see above)\n");

    report_t rep = {lab, G.sub, G.seed, G.format, built == 0, compile_msg, res, lab->n_tests};
    int rc = report_write(&rep, G.out);
    for (int k = 0; k < G.n_also; k++) {
        rep.format = G.also_format[k];
        rc |= report_write(&rep, G.also_path[k]);
    }
    for (size_t i = 0; i < lab->n_tests; i++)
        free(res[i].log);
    if (rc != 0) {
        free(res);
        return 2;
    }
    int all_passed = built == 0;
    for (size_t i = 0; i < lab->n_tests; i++)
        all_passed &= !res[i].selected || res[i].passed;
    free(res);
    return G.internal_error ? 2 : all_passed ? 0 : 1;
}
