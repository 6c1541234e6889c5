/* engine.h - what the engine's own files share (not for test tables). */
#ifndef LORALAB_ENGINE_H
#define LORALAB_ENGINE_H

#include "judge.h"
#include "lab.h"

#define OUTPUT_KEEP 4096            /* bytes of student output kept for the report */
#define OUTPUT_MAX (1 << 20)        /* more bytes than this is an output flood */
#define OUTPUT_MAX_LINES 10000      /* and so are more lines than this */
#define RESULT_MAX ((size_t)1 << 28) /* cap on the answer channel */
#define MEMORY_LIMIT ((rlim_t)256 << 20) /* address space of a runner */

/* Time: each call may run LIMIT_FACTOR x the reference's time on the same
 * inputs + LIMIT_FLOOR seconds (never more than --timeout), and all calls of
 * one grading together at most --budget seconds of wall time (a counter
 * shared by every test worker).  The reference is timed REF_RUNS_MAX times
 * while its runs take less than REF_RUNS_SECONDS in all; the fastest counts. */
#define LIMIT_FACTOR 50
#define LIMIT_FLOOR 0.2
#define REF_RUNS_MAX 3
#define REF_RUNS_SECONDS 0.02
#define SETUP_SECONDS 30.0 /* the judge's sandbox setup before execve (not the student's time) */
#define BUDGET_TICK 0.02 /* seconds between charges to the budget while a call runs */
/* How much slower than idle the machine is now: the 1-minute load average
 * per online core, at least 1, at most LOAD_FACTOR_MAX.  The floor of each
 * call's limit and the budget's free allowance per call (BUDGET_FREE: the
 * first seconds of every call are not charged, so correct calls cost the
 * budget nothing however busy the machine is) are multiplied by it; on an
 * idle machine the limits stay tight. */
#define LOAD_FACTOR_MAX 8.0
#define BUDGET_FREE 0.05
double machine_load_factor(void);
double opt_call_cap_seconds(void);
double opt_budget_seconds(void);
double budget_left(void);
double budget_spent(void);
void budget_charge(double seconds);
const char *judge_empty_dir(void);
const char *judge_runner_path(void);
const char *judge_sources_text(void);
const char *judge_test_name(void); /* the test this worker runs */

#endif
