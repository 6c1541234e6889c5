/*
 * build_runner.c - the compile policy: how a submission becomes a runner
 * (which files are copied, with which flags they are compiled, how a
 * student's main() is set aside, how the compiler's messages are worded).
 * Every program of the build runs in the compiler's sandbox (compile_sandbox.c).
 */
#define _GNU_SOURCE
#include "build_cache.h"
#include "compile_sandbox.h"
#include "engine.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
static int build_hit_limit; /* a build stopped by a limit depends on the load: never cached */

/* The wall time the whole build may take: SANDBOX_BUILD_SECONDS, times the
 * machine's load factor (a busy machine compiles slowly; the per-program CPU
 * limit is what stops a compile-time bomb). */
static double build_seconds = SANDBOX_BUILD_SECONDS;

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
    if (rc == SANDBOX_TIMEOUT || rc >= 128)
        build_hit_limit = 1;
    if (rc == SANDBOX_TIMEOUT)
        append(msg, cap, "the build was stopped while %s: it took longer than %.0f s (a submission "
               "must compile and link within %.0f s%s)\n", what, build_seconds, SANDBOX_BUILD_SECONDS,
               build_seconds > SANDBOX_BUILD_SECONDS ? ", more on a busy machine" : "");
    else if (rc >= 128 || strstr(out, "out of memory") || strstr(out, "terminated program") ||
             strstr(out, "limit exceeded") || strstr(out, "internal compiler error") ||
             strstr(out, "File too large")) {
        build_hit_limit = 1;
        append(msg, cap, "note: the build runs with limits: %d MiB of memory and %d s of CPU time per "
               "program, files of at most %d MiB, %.0f s for the whole build\n",
               SANDBOX_MEMORY_MIB, SANDBOX_CPU_SECONDS, SANDBOX_FILE_MIB, SANDBOX_BUILD_SECONDS);
    }
    return -1;
}

/* A main() in the student's object (their own test program) would replace
 * the runner's: rename it, and say where it was.  Its points are unaffected. */
static int set_aside_main(const char *name, const char *obj, int index, double deadline, char *msg, size_t cap)
{
    static char out[16384];
    /* The object's format named: GNU nm then tries no other, and loads no
     * linker plugin to ask (LLVMgold, where installed, is most of its time). */
#if defined(__x86_64__)
    char *nm[] = {"nm", "--target=elf64-x86-64", "--defined-only", "-l", (char *)obj, NULL};
#else
    char *nm[] = {"nm", "--defined-only", "-l", (char *)obj, NULL};
#endif
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

static int compile_and_link(const char *lib, char *msg, size_t cap);

/* The link, with gold first: it links the runner in half the CPU time of
 * GNU ld (ld.bfd), the default.  gold's result is kept only when it linked
 * without a word; any message or failure (gold missing, a real link error,
 * a limit) and the default linker links again, so a student reads only its
 * messages ("linking failed ..." below) and its verdict.  LORALAB_LINK_GOLD
 * is grader.mk's probe: 1 when cc -fuse-ld=gold linked a static program
 * where the grader was built; 0 and gold is never tried (nor with
 * LORALAB_NO_GOLD set: the default linker's runner, to compare). */
#ifndef LORALAB_LINK_GOLD
#define LORALAB_LINK_GOLD 0
#endif
static int link_with_gold(char *const argv[], const char *built, double deadline)
{
    static char out[16384];
    if (!LORALAB_LINK_GOLD || getenv("LORALAB_NO_GOLD"))
        return -1;
    int rc = sandbox_run(argv, deadline, out, sizeof out);
    if (rc == 0 && out[0] == '\0')
        return 0;
    unlink(built);
    return -1;
}

static int move_runner(const char *built, char *msg, size_t cap)
{
    if (rename(built, grading.runner) != 0) {
        snprintf(msg, cap, "cannot move the runner to %s: %s", grading.runner, strerror(errno));
        return -2;
    }
    return 0;
}

/* The key of this build in make test's cache (build_cache.h): called once
 * the sources and headers are in the work folder and the compiler answered
 * (its version in `version`).  The recipe's id stands for this file: the
 * compile flags and the judge's words about the build live here.  Each
 * compiled file is keyed under its name; the header the compiler is told
 * to include is named, the include folder's files come whole. */
static void build_key(cache_key_t *k, const char *lib, const char *version)
{
    cache_key_text(k, "loralab runner build", "3");
    cache_key_text(k, "lab", grading.lab->id);
    cache_key_text(k, "header", grading.lab->header);
    cache_key_text(k, "sandbox", sandbox_name());
    cache_key_text(k, "cc --version", version);
    for (const char *const *s = grading.lab->sources; *s; s++) {
        char path[PATH_MAX * 2];
        snprintf(path, sizeof path, "%s/%s", grading.work, *s);
        cache_key_file(k, *s, path);
    }
    char inc[PATH_MAX + 16];
    snprintf(inc, sizeof inc, "%s/include", grading.work);
    cache_key_dir(k, inc);
    cache_key_digest(k, "runner library", lib);
    cache_key_recipe(k);
}

/* Build the runner from the submission.  Returns 0 (msg: any warnings and
 * notes), -1 with the reason (compiler messages included) in msg, or -2 when
 * the grader cannot build anything here (no sandbox, no compiler). */
int build_runner(char *msg, size_t cap)
{
    char common[PATH_MAX + 16], labdir[PATH_MAX + 16], lib[PATH_MAX + 64], inc[PATH_MAX + 16];
    msg[0] = '\0';
    snprintf(common, sizeof common, "%s/labs/common", grading.root);
    snprintf(labdir, sizeof labdir, "%s/labs/%s", grading.root, grading.lab->dir);
    snprintf(lib, sizeof lib, "%s/grader/bin/lib/librunner-%s.a", grading.root, grading.lab->id);
    snprintf(inc, sizeof inc, "%s/include", grading.work);
    if (access(lib, R_OK) != 0) {
        snprintf(msg, cap, "grader files missing: %s (run make grader)", lib);
        return -2;
    }
    for (const char *const *s = grading.lab->sources; *s; s++) {
        char from[PATH_MAX * 2], src[PATH_MAX * 2];
        snprintf(from, sizeof from, "%s/%s", grading.sub, *s);
        snprintf(src, sizeof src, "%s/%s", grading.work, *s);
        struct stat st;
        /* lstat: a symbolic link could point at the reference solution. */
        if (lstat(from, &st) == 0 && S_ISLNK(st.st_mode)) {
            snprintf(msg, cap, "%s in %s is a symbolic link; submit the file itself", *s, grading.sub);
            return -1;
        }
        if (stat(from, &st) != 0 || !S_ISREG(st.st_mode)) {
            snprintf(msg, cap, "missing file: %s is not in %s (the submission folder must hold "
                     "the lab's file names)", *s, grading.sub);
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
    if (sandbox_choose(grading.work, grading.scratch, grading.root, msg, cap) != 0)
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
    /* make test: the same files built before give the same runner. */
    cache_key_t key = {0};
    if (build_cache_enabled()) {
        build_key(&key, lib, msg);
        msg[0] = '\0';
        if ((rc = build_cache_lookup(&key, grading.runner, msg, cap)) != 1) {
            cache_key_free(&key);
            return rc;
        }
    }
    msg[0] = '\0';
    build_hit_limit = 0;
    rc = compile_and_link(lib, msg, cap);
    if (build_cache_enabled() && !build_hit_limit)
        build_cache_store(&key, rc, grading.runner, msg);
    cache_key_free(&key);
    return rc;
}

/* Compile each submitted file, set a stray main() aside, link the runner. */
static int compile_and_link(const char *lib, char *msg, size_t cap)
{
    char objs[8][PATH_MAX + 16];
    int nobj = 0, rc;
    build_seconds = SANDBOX_BUILD_SECONDS * machine_load_factor();
    double deadline = sandbox_now() + build_seconds;
    char header[PATH_MAX];
    snprintf(header, sizeof header, "include/%s", grading.lab->header);
    for (const char *const *s = grading.lab->sources; *s && nobj < 8; s++) {
        snprintf(objs[nobj], sizeof objs[nobj], "%s.o", *s);
        char *argv[] = {"cc", "-std=c11", "-O2", "-g1", "-Wall", "-Wextra", "-fno-common",
                        "-I", "include", "-include", header, "-c", (char *)*s, "-o", objs[nobj], NULL};
        char what[PATH_MAX];
        snprintf(what, sizeof what, "compiling %s", *s);
        if ((rc = build_step(argv, deadline, msg, cap, what)) != 0 ||
            (rc = set_aside_main(*s, objs[nobj], nobj, deadline, msg, cap)) != 0)
            return rc;
        nobj++;
    }
    char lib_copy[PATH_MAX + 32], built[PATH_MAX + 32];
    snprintf(lib_copy, sizeof lib_copy, "%s/librunner.a", grading.work);
    snprintf(built, sizeof built, "%s/runner", grading.work);
    if (copy_file(lib, lib_copy) != 0) {
        snprintf(msg, cap, "grader files missing: cannot copy %s", lib);
        return -2;
    }
    /* argv[1] and argv[2]: gold's two flags, or moved past when the default
     * linker links.  -S: the runner carries no debug info (nothing reads it;
     * the linker's messages read the objects'). */
    char *argv[24];
    int n = 0;
    argv[n++] = "cc";
    argv[n++] = "-fuse-ld=gold";
    argv[n++] = "-Wl,--no-threads";
    argv[n++] = "-static";
    argv[n++] = "-Wl,-S";
    argv[n++] = "-o";
    argv[n++] = "runner";
    argv[n++] = "-Wl," ALLOC_FAULT_WRAP; /* the oom test's allocators (alloc_fault.c) */
    for (int i = 0; i < nobj; i++)
        argv[n++] = objs[i];
    argv[n++] = "librunner.a";
    argv[n++] = "-lm";
    argv[n] = NULL;
    if (link_with_gold(argv, built, deadline) == 0)
        return move_runner(built, msg, cap);
    argv[2] = "cc"; /* the default linker: its messages, its verdict */
    size_t before = strlen(msg);
    if ((rc = build_step(argv + 2, deadline, msg, cap, "linking")) != 0) {
        if (rc == -1 && strlen(msg) + 80 < cap) { /* say what failed before the linker's words */
            char *tail = strdup(msg + before);
            msg[before] = '\0';
            append(msg, cap, "linking failed (is a function defined twice, or one of the lab's own?):\n%s",
                   tail ? tail : "");
            free(tail);
        }
        return rc;
    }
    return move_runner(built, msg, cap);
}
