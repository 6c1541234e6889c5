/*
 * compile_sandbox.c - the compiler's sandbox (see compile_sandbox.h for what
 * it guarantees).  Two ways to build the same confinement:
 *
 *   landlock  the child restricts itself (PR_SET_NO_NEW_PRIVS, then a Landlock
 *             ruleset) before execve: read+execute on SYSTEM_PATHS, read on
 *             /etc/ld.so.cache, read+write on /dev/null and the work folder;
 *             every other file and folder is denied (EACCES), for the child
 *             and everything it starts.  No TCP, no signals or abstract
 *             sockets outside the sandbox where the kernel can say so (ABI 4, 6).
 *   userns    where Landlock is missing: a user + mount namespace whose root
 *             is an empty tmpfs holding read-only binds of the same paths and
 *             a writable bind of the work folder; the child chroots into it.
 *             The kit tree is then not denied but absent (ENOENT).
 */
#define _GNU_SOURCE
#include "compile_sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/landlock.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Rights of newer Landlock ABIs than this system's header may know. */
#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#define LL_NET_BIND_CONNECT_TCP 3ULL  /* ABI 4: handled, no rule: no TCP at all */
#define LL_SCOPE_UNIX_AND_SIGNAL 3ULL /* ABI 6: no abstract sockets, signals outside */

/* What a C compiler, assembler and linker read: programs, libraries, headers.
 * /usr/local/include is on cpp's search path (an unreadable one is an error);
 * /etc/alternatives holds the cc -> gcc symbolic links of Debian and Ubuntu.
 * Not /usr/share, /usr/src, /home, /opt, /etc, /proc, /tmp: the kit could be
 * in any of those. */
static const char *const SYSTEM_PATHS[] = {
    "/usr/bin", "/usr/sbin", "/usr/lib", "/usr/lib32", "/usr/lib64", "/usr/libx32", "/usr/libexec",
    "/usr/include", "/usr/local/bin", "/usr/local/lib", "/usr/local/libexec", "/usr/local/include",
    "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc/alternatives", NULL};
#define LD_CACHE "/etc/ld.so.cache"

enum kind { NONE, LANDLOCK, USERNS };
static struct {
    enum kind kind;
    int abi;
    char work[PATH_MAX], newroot[PATH_MAX];
} S;

double sandbox_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

const char *sandbox_name(void)
{
    return S.kind == LANDLOCK ? "landlock" : S.kind == USERNS ? "user namespace" : "none";
}

/* ---- in the child, between fork and execve ---- */

static int status_fd = -1; /* the parent reads why the setup failed here */

static _Noreturn void fail(const char *fmt, ...)
{
    char buf[512];
    int saved = errno;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    if ((size_t)n >= sizeof buf)
        n = sizeof buf - 1;
    n += snprintf(buf + n, sizeof buf - (size_t)n, ": %s", strerror(saved));
    if ((size_t)n >= sizeof buf)
        n = sizeof buf - 1;
    (void)!write(status_fd, buf, (size_t)n);
    _exit(127);
}

static void landlock_rule(int ruleset, const char *path, uint64_t access, int optional)
{
    int fd = open(path, O_PATH | O_CLOEXEC);
    if (fd < 0) {
        if (optional && errno == ENOENT)
            return;
        fail("landlock: cannot open %s", path);
    }
    struct stat st;
    if (fstat(fd, &st) != 0)
        fail("landlock: cannot stat %s", path);
    if (!S_ISDIR(st.st_mode)) /* a file takes file rights only */
        access &= LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE |
                  LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_TRUNCATE;
    struct landlock_path_beneath_attr rule = {.allowed_access = access, .parent_fd = fd};
    if (syscall(__NR_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &rule, 0) != 0)
        fail("landlock: cannot add the rule for %s", path);
    close(fd);
}

static void enter_landlock(void)
{
    /* Every filesystem right this kernel knows is handled (denied unless a
     * rule grants it): ABI 1 has 13, 2 adds REFER, 3 TRUNCATE, 5 IOCTL_DEV. */
    int abi = S.abi;
    uint64_t fs = abi >= 5 ? (1ULL << 16) - 1 : abi >= 3 ? (1ULL << 15) - 1
                : abi >= 2 ? (1ULL << 14) - 1 : (1ULL << 13) - 1;
    struct { uint64_t fs, net, scoped; } attr = {fs, abi >= 4 ? LL_NET_BIND_CONNECT_TCP : 0,
                                                 abi >= 6 ? LL_SCOPE_UNIX_AND_SIGNAL : 0};
    size_t size = abi >= 6 ? 24 : abi >= 4 ? 16 : 8;
    int rs = (int)syscall(__NR_landlock_create_ruleset, &attr, size, 0);
    if (rs < 0)
        fail("landlock: cannot create a ruleset (ABI %d)", abi);
    uint64_t read_exec = LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR;
    for (const char *const *p = SYSTEM_PATHS; *p; p++)
        landlock_rule(rs, *p, read_exec, 1);
    landlock_rule(rs, LD_CACHE, LANDLOCK_ACCESS_FS_READ_FILE, 1);
    landlock_rule(rs, "/dev/null", fs & (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE |
                                         LANDLOCK_ACCESS_FS_TRUNCATE), 0);
    /* The work folder: its files are read, written, made, replaced (ld and
     * objcopy write a new file), removed (gcc's temporary files). */
    landlock_rule(rs, S.work, fs & (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR |
                                    LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_MAKE_REG |
                                    LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_TRUNCATE), 0);
    if (syscall(__NR_landlock_restrict_self, rs, 0) != 0)
        fail("landlock: cannot restrict the compiler");
    close(rs);
}

static void write_file(const char *path, const char *text, int optional)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0 && optional && errno == ENOENT)
        return;
    if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
        fail("user namespace: cannot write %s", path);
    close(fd);
}

/* mkdir -p of newroot + path (path absolute). */
static void make_dirs(const char *path)
{
    char p[PATH_MAX * 2];
    int n = snprintf(p, sizeof p, "%s%s", S.newroot, path);
    if (n < 0 || (size_t)n >= sizeof p)
        fail("user namespace: path too long: %s", path);
    for (char *s = p + strlen(S.newroot) + 1; *s; s++)
        if (*s == '/') {
            *s = '\0';
            if (mkdir(p, 0755) != 0 && errno != EEXIST)
                fail("user namespace: cannot make %s", p);
            *s = '/';
        }
    if (mkdir(p, 0755) != 0 && errno != EEXIST)
        fail("user namespace: cannot make %s", p);
}

/* Bind path at the same place in the new root, read-only unless writable.
 * The remount keeps the flags the kernel locks (nosuid, nodev, noexec, atime). */
static void bind_same(const char *path, int writable, int optional)
{
    struct stat st;
    if (lstat(path, &st) != 0) {
        if (optional && errno == ENOENT)
            return;
        fail("user namespace: cannot stat %s", path);
    }
    char dst[PATH_MAX * 2];
    snprintf(dst, sizeof dst, "%s%s", S.newroot, path);
    char parent[PATH_MAX];
    snprintf(parent, sizeof parent, "%s", path);
    char *slash = strrchr(parent, '/');
    if (slash && slash != parent) {
        *slash = '\0';
        make_dirs(parent);
    }
    if (S_ISLNK(st.st_mode)) { /* /lib -> usr/lib: the same link */
        char target[PATH_MAX];
        ssize_t n = readlink(path, target, sizeof target - 1);
        if (n < 0)
            fail("user namespace: cannot read the link %s", path);
        target[n] = '\0';
        if (symlink(target, dst) != 0 && errno != EEXIST)
            fail("user namespace: cannot make the link %s", dst);
        return;
    }
    if (S_ISDIR(st.st_mode)) {
        make_dirs(path);
    } else {
        int fd = open(dst, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0)
            fail("user namespace: cannot make %s", dst);
        close(fd);
    }
    if (mount(path, dst, NULL, MS_BIND | MS_REC, NULL) != 0)
        fail("user namespace: cannot bind %s", path);
    struct statvfs sv;
    if (statvfs(path, &sv) != 0)
        fail("user namespace: cannot statvfs %s", path);
    unsigned long keep = MS_NOSUID | (writable ? 0 : MS_RDONLY);
    keep |= (sv.f_flag & ST_NODEV ? MS_NODEV : 0) | (sv.f_flag & ST_NOEXEC ? MS_NOEXEC : 0) |
            (sv.f_flag & ST_NOATIME ? MS_NOATIME : 0) | (sv.f_flag & ST_NODIRATIME ? MS_NODIRATIME : 0) |
            (sv.f_flag & ST_RELATIME ? MS_RELATIME : 0) | (sv.f_flag & ST_RDONLY ? MS_RDONLY : 0);
    if (mount(NULL, dst, NULL, MS_BIND | MS_REMOUNT | keep, NULL) != 0)
        fail("user namespace: cannot make %s read-only", path);
}

/* A new user and mount namespace in which this process is uid (0 becomes 1:
 * a user other than root inside); uid is read before the unshare, after which
 * it reads as the overflow id.  what starts fail()'s message. */
static void unshare_as(uid_t uid, const char *what)
{
    if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0)
        fail("%sunshare(CLONE_NEWUSER | CLONE_NEWNS)", what);
    char map[64];
    write_file("/proc/self/setgroups", "deny", 1);
    snprintf(map, sizeof map, "%u %u 1\n", uid ? uid : 1, uid);
    write_file("/proc/self/uid_map", map, 0);
}

static void enter_userns(void)
{
    /* Inside, a user id other than 0: execve then drops the namespace's
     * capabilities, so the compiler cannot undo the mounts. */
    uid_t uid = geteuid();
    gid_t gid = getegid();
    unshare_as(uid, "user namespace: ");
    char map[64];
    snprintf(map, sizeof map, "%u %u 1\n", gid ? gid : 1, gid);
    write_file("/proc/self/gid_map", map, 0);
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
        fail("user namespace: cannot make the mounts private");
    if (mount("tmpfs", S.newroot, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755") != 0)
        fail("user namespace: cannot mount a tmpfs on %s", S.newroot);
    for (const char *const *p = SYSTEM_PATHS; *p; p++)
        bind_same(*p, 0, 1);
    make_dirs("/etc");
    bind_same(LD_CACHE, 0, 1);
    make_dirs("/dev");
    bind_same("/dev/null", 1, 0);
    bind_same(S.work, 1, 0);
    if (mount(NULL, S.newroot, NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, "size=1m") != 0)
        fail("user namespace: cannot make the new root read-only");
    if (chdir(S.newroot) != 0 || chroot(".") != 0)
        fail("user namespace: cannot chroot into %s", S.newroot);
    uid_t inner = uid ? uid : 1;
    gid_t inner_g = gid ? gid : 1;
    if (setresgid(inner_g, inner_g, inner_g) != 0 || setresuid(inner, inner, inner) != 0)
        fail("user namespace: cannot set the user id");
}

static void set_limit(int resource, rlim_t soft, rlim_t hard, const char *name)
{
    struct rlimit r = {soft, hard};
    if (setrlimit(resource, &r) != 0)
        fail("cannot set %s", name);
}

static _Noreturn void child(const char *exe, char *const argv[], char *const envp[], int out_fd)
{
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null < 0 || dup2(null, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(out_fd, 2) < 0)
        fail("cannot redirect the compiler's stdin and output");
    /* Nothing the judge has open reaches the compiler (fd 3 and up close at exec). */
    if (syscall(SYS_close_range, 3U, ~0U, 4U /* CLOSE_RANGE_CLOEXEC */) != 0)
        for (int fd = 3; fd < 1024; fd++)
            if (fd != status_fd)
                fcntl(fd, F_SETFD, FD_CLOEXEC);
    if (S.kind == USERNS)
        enter_userns();
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        fail("cannot set no_new_privs");
    if (S.kind == LANDLOCK)
        enter_landlock();
    else if (S.kind != USERNS)
        fail("no sandbox chosen");
    if (chdir(S.work) != 0)
        fail("cannot enter the work folder %s", S.work);
    /* Last, as nothing here may allocate after them (an instrumented judge's
     * allocator would not fit in RLIMIT_AS).  Per process: the compiler's
     * driver, cc1, as and ld each get these.  No RLIMIT_NPROC: it counts every
     * process of the user (and root ignores it); the compiler starts a fixed
     * chain of programs and runs no submission code, and the whole process
     * group is killed at the end. */
    set_limit(RLIMIT_AS, (rlim_t)SANDBOX_MEMORY_MIB << 20, (rlim_t)SANDBOX_MEMORY_MIB << 20, "RLIMIT_AS");
    set_limit(RLIMIT_CPU, SANDBOX_CPU_SECONDS, SANDBOX_CPU_SECONDS + 1, "RLIMIT_CPU");
    set_limit(RLIMIT_FSIZE, (rlim_t)SANDBOX_FILE_MIB << 20, (rlim_t)SANDBOX_FILE_MIB << 20, "RLIMIT_FSIZE");
    set_limit(RLIMIT_CORE, 0, 0, "RLIMIT_CORE");
    execve(exe, argv, envp);
    fail("cannot run %s", exe);
}

/* ---- in the judge ---- */

/* name as execvp would find it in the grader's PATH (the compiler the
 * instructor chose; the sandbox then decides whether it may run). */
static int find_program(const char *name, char *out, size_t cap)
{
    if (strchr(name, '/'))
        return snprintf(out, cap, "%s", name), access(out, X_OK);
    const char *path = getenv("PATH");
    for (const char *p = path ? path : "/usr/bin:/bin"; ; ) {
        size_t n = strcspn(p, ":");
        snprintf(out, cap, "%.*s%s%s", (int)n, n ? p : ".", "/", name);
        if (access(out, X_OK) == 0)
            return 0;
        if (!p[n])
            return -1;
        p += n + 1;
    }
}

int sandbox_run(char *const argv[], double deadline, char *out, size_t cap)
{
    int outp[2], statp[2];
    out[0] = '\0';
    if (S.kind == NONE) {
        snprintf(out, cap, "no sandbox was chosen (a grader bug)");
        return SANDBOX_BROKEN;
    }
    char exe[PATH_MAX];
    if (find_program(argv[0], exe, sizeof exe) != 0) {
        const char *path = getenv("PATH");
        snprintf(out, cap, "cannot find %s in PATH=%.300s", argv[0], path ? path : "(unset)");
        return SANDBOX_BROKEN;
    }
    /* A clean environment, made here (the child allocates nothing): no CPATH,
     * LIBRARY_PATH, GCC_EXEC_PREFIX of the grader's user; messages in plain
     * ASCII; temporary files in the work folder. */
    char tmpdir[PATH_MAX + 8];
    snprintf(tmpdir, sizeof tmpdir, "TMPDIR=%s", S.work);
    char *const envp[] = {"PATH=/usr/local/bin:/usr/bin:/bin", "LC_ALL=C", tmpdir, NULL};
    if (pipe2(outp, O_CLOEXEC) != 0)
        return snprintf(out, cap, "pipe: %s", strerror(errno)), SANDBOX_BROKEN;
    if (pipe2(statp, O_CLOEXEC) != 0) {
        close(outp[0]), close(outp[1]);
        return snprintf(out, cap, "pipe: %s", strerror(errno)), SANDBOX_BROKEN;
    }
    fflush(NULL);
    /* Subreaper while it runs: what the compiler starts and leaves (cc1 when
     * cc is killed) becomes this process's child, so it is reaped below and
     * not left to an init that may never reap it. */
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    pid_t pid = fork();
    if (pid == 0) {
        close(outp[0]);
        close(statp[0]);
        status_fd = statp[1];
        child(exe, argv, envp, outp[1]);
    }
    close(outp[1]);
    close(statp[1]);
    if (pid < 0) {
        close(outp[0]), close(statp[0]);
        prctl(PR_SET_CHILD_SUBREAPER, 0);
        return snprintf(out, cap, "fork: %s", strerror(errno)), SANDBOX_BROKEN;
    }
    setpgid(pid, pid); /* as the child does: no window where the group is not its own */
    /* The status pipe closes at execve; a message on it means the setup failed. */
    char why[512];
    ssize_t k, got = 0;
    while ((k = read(statp[0], why + got, sizeof why - 1 - (size_t)got)) > 0 ||
           (k < 0 && errno == EINTR))
        got += k > 0 ? k : 0;
    close(statp[0]);
    int broken = got > 0;
    why[got] = '\0';

    size_t len = 0;
    int timed_out = 0;
    while (!broken) {
        double left = deadline - sandbox_now();
        if (left <= 0) {
            timed_out = 1;
            break;
        }
        struct pollfd pf = {outp[0], POLLIN, 0};
        int r = poll(&pf, 1, (int)(left * 1000) + 1);
        if (r < 0 && errno != EINTR)
            break;
        if (r <= 0)
            continue;
        char buf[4096];
        k = read(outp[0], buf, sizeof buf);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        size_t take = (size_t)k < cap - 1 - len ? (size_t)k : cap - 1 - len; /* the rest is dropped */
        memcpy(out + len, buf, take);
        len += take;
    }
    out[len] = '\0';
    close(outp[0]);
    if (timed_out || broken)
        kill(-pid, SIGKILL);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    kill(-pid, SIGKILL); /* whatever it started and left behind */
    while (waitpid(-pid, NULL, 0) > 0 || errno == EINTR)
        ;
    prctl(PR_SET_CHILD_SUBREAPER, 0);
    if (broken) {
        snprintf(out, cap, "%s", why);
        return SANDBOX_BROKEN;
    }
    if (timed_out)
        return SANDBOX_TIMEOUT;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int landlock_version(void)
{
    long v = syscall(__NR_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
    return v < 0 ? 0 : (int)v;
}

/* Can this process make a user + mount namespace and mount a tmpfs there? */
static int userns_works(char *why, size_t cap)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0)
        return 0;
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        status_fd = p[1];
        unshare_as(geteuid(), "");
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
            mount("tmpfs", S.newroot, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m") != 0)
            fail("mount in a user namespace");
        _exit(0);
    }
    close(p[1]);
    ssize_t n = pid < 0 ? -1 : read(p[0], why, cap - 1);
    close(p[0]);
    why[n > 0 ? n : 0] = '\0';
    int st = 0;
    if (pid > 0)
        waitpid(pid, &st, 0);
    return pid > 0 && n <= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static int under(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0' || (n == 1 && dir[0] == '/'));
}

int sandbox_choose(const char *work, const char *scratch, const char *kit_root, char *msg, size_t cap)
{
    snprintf(S.work, sizeof S.work, "%s", work);
    snprintf(S.newroot, sizeof S.newroot, "%s", scratch);
    S.kind = NONE;
    /* The kit itself must not be readable through a system path. */
    char kit[PATH_MAX], sys[PATH_MAX];
    if (!realpath(kit_root, kit))
        snprintf(kit, sizeof kit, "%s", kit_root);
    for (const char *const *p = SYSTEM_PATHS; *p; p++)
        if (realpath(*p, sys) && under(kit, sys)) {
            snprintf(msg, cap, "the kit (%s) lies under %s, which the compiler's sandbox lets every "
                     "submission read: move the kit elsewhere (for example under /home or /opt)", kit, sys);
            return -1;
        }
    const char *force = getenv("LORALAB_SANDBOX");
    if (force && *force && strcmp(force, "landlock") && strcmp(force, "userns") &&
        strcmp(force, "none-available")) {
        snprintf(msg, cap, "LORALAB_SANDBOX is landlock, userns or none-available (or unset), not \"%s\"", force);
        return -1;
    }
    int want_landlock = !force || !*force || !strcmp(force, "landlock");
    int want_userns = !force || !*force || !strcmp(force, "userns");
    S.abi = landlock_version();
    if (want_landlock && S.abi >= 1) {
        S.kind = LANDLOCK;
        return 0;
    }
    char why[512] = "";
    if (want_userns) {
        if (mkdir(scratch, 0700) != 0 && errno != EEXIST) {
            snprintf(why, sizeof why, "cannot make %s: %s", scratch, strerror(errno));
        } else if (userns_works(why, sizeof why)) {
            S.kind = USERNS;
            return 0;
        }
    }
    char forced[128] = "";
    if (force && *force)
        snprintf(forced, sizeof forced, " (LORALAB_SANDBOX=%s)", force);
    snprintf(msg, cap, "refusing to compile the submission: no sandbox for the compiler is available "
             "here%s. Landlock: %s. User namespaces: %s. A submission is never compiled unconfined; "
             "grade on Linux 5.13 or later with Landlock enabled, or allow unprivileged user "
             "namespaces (sysctl kernel.unprivileged_userns_clone=1)", forced,
             !want_landlock ? "not tried" : S.abi < 1 ? "not in this kernel" : "available",
             !want_userns ? "not tried" : why[0] ? why : "not allowed");
    return -1;
}
