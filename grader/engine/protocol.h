/*
 * protocol.h - the wire format between the judge (grade-NN, which decides the
 * score and never runs student code) and the runner (a freshly executed
 * program that holds the student's code and nothing else).
 *
 * Request, judge -> runner, on the runner's stdin:
 *   u32 REQ_MAGIC, u32 name length, name bytes, u32 argument count, then each
 *   argument: u8 kind, and
 *     ARG_IN   u64 count, count doubles      (input tensor, guarded)
 *     ARG_OUT  u64 count                     (output tensor, guarded, poisoned)
 *     ARG_NULL nothing                       (a NULL pointer)
 *     ARG_SIZE u64 value                     (size_t parameter)
 *     ARG_REAL double value                  (double parameter)
 *     ARG_INT  i64 value                     (integer parameter)
 * Response, runner -> judge, on the runner's fd 3:
 *   u32 RES_MAGIC, u8 status (RES_CALLED or RES_MISSING), i64 return value,
 *   u32 tensor count, then for every ARG_IN/ARG_OUT in order: u64 total
 *   (GUARD + count + GUARD doubles) and the doubles, guards included.
 * If a forbidden system call is trapped, the runner writes instead
 *   u32 SYS_MAGIC, i32 system call number, and exits.
 * All numbers are in the machine's byte order (both ends are this machine).
 */
#ifndef LORALAB_PROTOCOL_H
#define LORALAB_PROTOCOL_H

#include <stdint.h>

#define REQ_MAGIC 0x51524c4cu /* "LLRQ" */
#define RES_MAGIC 0x53524c4cu /* "LLRS" */
#define SYS_MAGIC 0x59534c4cu /* "LLSY" */
#define SETUP_MAGIC 0x45534c4cu /* "LLSE": the judge could not build the sandbox */

enum arg_kind {
    ARG_IN = 'i',
    ARG_OUT = 'o',
    ARG_NULL = 'n',
    ARG_SIZE = 'z',
    ARG_REAL = 'd',
    ARG_INT = 'l'
};

enum res_status { RES_CALLED = 1, RES_MISSING = 2, RES_BADREQ = 3 };

/* Doubles of guard before and after every tensor, and the bit patterns that
 * fill guards and unwritten outputs (signalling NaNs no arithmetic makes). */
#define GUARD 16
#define GUARD_BITS 0x7ff4c0dec0dec0deull
#define POISON_BITS 0x7ff4badbadbadbadull

/* Largest tensor and argument list a request may carry. */
#define MAX_TENSOR ((uint64_t)1 << 24)
#define MAX_ARGS 16
#define MAX_NAME 64

#endif
