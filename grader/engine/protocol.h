/*
 * protocol.h - the wire format between the judge (grade-NN, which decides the
 * score and never runs student code) and the runner (a program executed for
 * one test, that holds the student's code and nothing else).
 *
 * The runner's descriptors: 0 a pipe at end of file (student code that reads
 * stdin gets nothing), 1 and 2 its output, RUNNER_RESULT_FD (3) the answers,
 * RUNNER_CTL_FD (4) the control socket.  One runner serves the calls of a
 * test in turn (run_sandbox.c): for each, the judge writes a request on the
 * control socket, the runner answers on fd 3, then writes one byte, "done",
 * on the control socket.  At end of file on the control socket it exits 0.
 * Started without a control socket (a test's hand-made runner), it reads one
 * request from stdin, answers it on fd 3 and exits.
 *
 * Request, judge -> runner, on the control socket.  The argument table comes
 * first, so the runner can lay every tensor out before reading any data:
 *   u32 REQ_MAGIC (or REQ_MAGIC_OOM: allocations fail; or REQ_MAGIC_OOM_NTH, u32 n: the n-th fails), u32 name length, name bytes, u32 argument count, then each
 *   argument: u8 kind, and
 *     ARG_IN   u64 count                     (input tensor, guarded)
 *     ARG_OUT  u64 count                     (output tensor, guarded, poisoned)
 *     ARG_NULL nothing                       (a NULL pointer)
 *     ARG_SIZE u64 value                     (size_t parameter)
 *     ARG_REAL double value                  (double parameter)
 *     ARG_INT  i64 value                     (integer parameter)
 *   then, for every ARG_IN in order, its count doubles.
 * A request may start with u32 REQ_REPEAT_MAGIC, u32 n (1..REPEAT_MAX)
 * before REQ_MAGIC: the runner then calls the function n times in a row on
 * the same tensors and answers for the last call (call_repeat, judge.h).
 * Response, runner -> judge, on the runner's fd 3 (then "done" on the control socket):
 *   u32 RES_MAGIC, u8 status (RES_CALLED or RES_MISSING), i64 return value,
 *   u64 allocations the function made and left allocated (all calls of a
 *   repeated request together), u64 their bytes (alloc_fault.c), u32 tensor
 *   count, then for every ARG_IN/ARG_OUT in order: u64 total (GUARD + count
 *   + GUARD doubles) and the doubles, guards included.
 *   RES_BADREQ (status only) if the request could not be read, then exits
 *   with RUNNER_EXIT_BADREQ.
 * If a forbidden system call is trapped, the runner writes instead
 *   u32 SYS_MAGIC, i32 system call number, and exits with RUNNER_EXIT_SYSCALL.
 * If it touches a guard page around a tensor (SIGSEGV), it writes
 *   u32 SEGV_MAGIC, u32 argument index, u32 access (SEGV_WRITE, SEGV_READ or
 *   SEGV_UNKNOWN), i64 element index relative to the tensor's first element,
 *   and dies of the SIGSEGV.
 * The student's code runs in this process before main (constructors) and can
 * write anything on fd 3 or on the control socket, so every message is only a
 * claim about the student's own call: the judge decodes a message only when
 * it is complete and well formed, and no message can make a test pass that
 * the numbers do not pass, or turn a test into a grader error.  A call whose
 * answer is not exactly one well-formed message ends its runner.  Failures of
 * the judge's own sandbox setup travel on a separate pipe that closes at
 * execve.
 * All numbers are in the machine's byte order (both ends are this machine).
 */
#ifndef LORALAB_PROTOCOL_H
#define LORALAB_PROTOCOL_H

#include <stdint.h>

#define REQ_MAGIC 0x51524c4cu /* "LLRQ" */
#define REQ_MAGIC_OOM 0x4f524c4cu /* "LLRO": the same request, every allocation the
                                       * function makes fails (alloc_fault.c) */
#define REQ_MAGIC_OOM_NTH 0x4e524c4cu /* "LLRN", then u32 n >= 1: the same request, only the
                                       * n-th allocation the function makes fails */
#define RES_MAGIC 0x53524c4cu /* "LLRS" */
#define SYS_MAGIC 0x59534c4cu /* "LLSY" */
#define SEGV_MAGIC 0x47534c4cu /* "LLSG" */
#define REQ_REPEAT_MAGIC 0x50524c4cu /* "LLRP" */
#define REPEAT_MAX 1000

enum arg_kind {
    ARG_IN = 'i',
    ARG_OUT = 'o',
    ARG_NULL = 'n',
    ARG_SIZE = 'z',
    ARG_REAL = 'd',
    ARG_INT = 'l'
};

/* The runner's own exit statuses: a message on fd 3 is believed only
 * together with the status the runner gives it. */
#define RUNNER_EXIT_WRITE 120   /* fd 3 (or the control socket) could not be written */
#define RUNNER_EXIT_SYSCALL 121 /* after a SYS_MAGIC message */
#define RUNNER_EXIT_BADREQ 122  /* after a RES_BADREQ message */
#define RUNNER_RESULT_FD 3
#define RUNNER_CTL_FD 4
enum res_status { RES_CALLED = 1, RES_MISSING = 2, RES_BADREQ = 3 };

enum segv_access { SEGV_UNKNOWN = 0, SEGV_READ = 1, SEGV_WRITE = 2 };

/* Doubles of guard before and after every tensor, and the bit patterns that
 * fill guards and unwritten outputs (signalling NaNs no arithmetic makes). */
#define GUARD 16
#define GUARD_BITS 0x7ff4c0dec0dec0deull
#define POISON_BITS 0x7ff4badbadbadbadull

/* Bytes of inaccessible guard pages before and after every tensor's guard
 * words in the runner: a write (or read) this far outside a tensor faults. */
#define GUARD_GAP ((uint64_t)2 << 20)

/* Largest tensor and argument list a request may carry.  MAX_ARGS is above
 * the longest student function (Lab 07's project_checks, 19 parameters), so
 * no lab packs arguments to fit the wire; the runner refuses a longer list. */
#define MAX_TENSOR ((uint64_t)1 << 24)
#define MAX_ARGS 24
#define MAX_NAME 64

#endif
