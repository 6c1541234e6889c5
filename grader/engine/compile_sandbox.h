/*
 * compile_sandbox.h - running the compiler (and nm, objcopy, the linker) on a
 * submission so that nothing outside one fresh work folder reaches the build.
 *
 * Whatever a source file tries (#include, #line, .incbin, pragmas), the
 * programs started here may read only the system's programs, libraries and
 * headers (SANDBOX_SYSTEM_PATHS), /etc/ld.so.cache and the work folder, and
 * write only the work folder.  The kit tree (solutions/, grader/, data/,
 * build/) and every other student's folder are out of reach.
 *
 * How: Linux Landlock (kernel 5.13+) in the child before execve; where the
 * kernel lacks it, a user + mount namespace whose root holds only those paths.
 * Neither available: sandbox_choose fails and the judge refuses to grade
 * (exit 2); a compile never runs unconfined.  LORALAB_SANDBOX=landlock,
 * userns or none-available forces a path (the kit's tests use it).
 *
 * Each run also gets: stdin from /dev/null, a clean environment (PATH, LC_ALL=C,
 * TMPDIR = the work folder), limits on memory, CPU time and file size, its own
 * process group, killed whole at the deadline and again once it has exited.
 */
#ifndef LORALAB_COMPILE_SANDBOX_H
#define LORALAB_COMPILE_SANDBOX_H

#include <stddef.h>

/* Limits of one sandboxed program (the build as a whole has SANDBOX_BUILD_SECONDS). */
#define SANDBOX_MEMORY_MIB 1024   /* RLIMIT_AS */
#define SANDBOX_CPU_SECONDS 5     /* RLIMIT_CPU, per process: what stops a compile-time bomb */
#define SANDBOX_FILE_MIB 64       /* RLIMIT_FSIZE: largest file it may write */
/* Wall time of the whole build (every compile and the link): generous, as a
 * loaded machine compiles slowly; CPU time is what bounds a bomb. */
#define SANDBOX_BUILD_SECONDS 20.0

/* Returned by sandbox_run besides an exit status. */
#define SANDBOX_TIMEOUT (-1) /* past the deadline (or killed by a signal): the group was killed */
#define SANDBOX_BROKEN (-2)  /* the sandbox could not be set up: a grader error, nothing ran */

/* Pick the sandbox for programs working in `work` (an absolute, fresh,
 * empty folder); `scratch` is a folder the user-namespace fallback may use
 * as a mount point (empty, not inside `work`).  `kit_root` must not lie
 * under a readable system path (checked).  Returns 0, or -1 with a message
 * for the person running the grader in msg. */
int sandbox_choose(const char *work, const char *scratch, const char *kit_root, char *msg, size_t cap);

/* "landlock" or "user namespace": which one sandbox_choose picked. */
const char *sandbox_name(void);

/* Run argv[0] (found in the grader's PATH; the program itself gets
 * PATH=/usr/local/bin:/usr/bin:/bin) inside the sandbox with the work folder as its current folder, until it exits or
 * `deadline` (CLOCK_MONOTONIC seconds).  Its stdout and stderr go into out
 * (at most cap-1 bytes kept, NUL-terminated).  Returns its exit status,
 * SANDBOX_TIMEOUT or SANDBOX_BROKEN (out then says why). */
int sandbox_run(char *const argv[], double deadline, char *out, size_t cap);

/* CLOCK_MONOTONIC now, in seconds (for deadlines). */
double sandbox_now(void);

#endif
