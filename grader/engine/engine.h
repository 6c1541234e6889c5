/* engine.h - what the engine's own files share (not for test tables). */
#ifndef LORALAB_ENGINE_H
#define LORALAB_ENGINE_H

#include "judge.h"
#include "lab.h"

#define OUTPUT_KEEP 4096            /* bytes of student output kept for the report */
#define OUTPUT_MAX (1 << 20)        /* more than this is an output flood */
#define RESULT_MAX ((size_t)1 << 28) /* cap on the answer channel */
#define MEMORY_LIMIT ((rlim_t)256 << 20) /* address space of a runner */

double opt_wall_seconds(void);
int opt_cpu_seconds(void);
const char *judge_empty_dir(void);
const char *judge_runner_path(void);
const char *judge_sources_text(void);

#endif
