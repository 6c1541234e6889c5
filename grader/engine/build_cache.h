/*
 * build_cache.h - built runners kept between gradings, for the kit's own
 * test suite only.
 *
 * `make test` grades about a thousand submissions, many of them the same
 * files more than once (the reference in every format, the same broken
 * solution in test_grader, the sample classes and the platform bundles);
 * compiling and statically linking each again is most of its time.  With
 * LORALAB_BUILD_CACHE=DIR set, the judge keeps each build's outcome (the
 * runner, or the compiler's refusal) under DIR, keyed by everything the build
 * reads: the lab, the sandbox, the compiler's version, the flags, every
 * submitted file and copied header byte for byte, a digest of the runner
 * library, and the build's recipe: runner_recipe_id below, a digest of the
 * engine's objects that build a runner (their steps, flags and words), not
 * the judge's build ID, which changes with every test of the lab: a commit
 * that changes a test builds no runner again.  The library and the recipe
 * are digested without debug information (grader.mk: the library is
 * stripped, cache-code-ids), so a comment that moves the lines of a header
 * builds nothing again either.  Nothing in the key depends
 * on where the kit is: the kit's debug
 * information names its folder "." (mk/common.inc), so another clone of the
 * same commit builds the same library and judges and finds the same
 * entries.  A hit compares the whole key, not only its hash.  Builds stopped
 * by a limit (time, memory) are never kept: they depend on the load.  An
 * entry a lookup cannot use (a kept result of the wrong size, a runner
 * missing) is replaced by the next store of its key.
 * make test keeps DIR from one run to the next, for every clone of the kit
 * on the machine (~/.cache/loralab/build-cache: the Makefile's
 * TEST_BUILD_CACHE): a hit marks its entry used (its time), and at the end
 * of each run the entries that run did not use are removed, so the folder
 * holds the last run's builds (and a run's removal never turns another
 * run's hit into a refused build: a refused build is an entry's marker,
 * not a missing runner).  The compiler's
 * red team never uses it (its attacks must meet the sandbox each time).
 * The same folder keeps the mistake models' results on recorded calls
 * (mistakes.c: build_cache_get/put), keyed by the model's code (its id
 * below), the function and the call's inputs whole: make test diagnoses the
 * same calls again and again, and a Lab 07 replay is a training run.
 * Unset (graders, Gradescope, grade-all): nothing is read or written.
 */
#ifndef LORALAB_BUILD_CACHE_H
#define LORALAB_BUILD_CACHE_H

#include <stddef.h>

typedef struct {
    char *data;
    size_t len, cap;
    int broken; /* a file could not be read: never look up or store */
} cache_key_t;

/* 1 when LORALAB_BUILD_CACHE names a folder to use. */
int build_cache_enabled(void);

void cache_key_text(cache_key_t *k, const char *label, const char *text);
void cache_key_bytes(cache_key_t *k, const char *label, const void *p, size_t n);
/* A file's name and whole content. */
void cache_key_file(cache_key_t *k, const char *label, const char *path);
/* Every regular file of dir, in name order (name and content). */
void cache_key_dir(cache_key_t *k, const char *dir);
/* A digest of a file's bytes (the kit's own large files: the runner
 * library), the same wherever the kit is: a clone elsewhere that built the
 * same library finds the same entries. */
void cache_key_digest(cache_key_t *k, const char *label, const char *path);
/* The running grader: its build ID (the linker's hash of its contents), or a
 * digest of the program where it has none. */
void cache_key_self(cache_key_t *k);
void cache_key_free(cache_key_t *k);

/* The ids that key builds and replays, generated beside each judge
 * (grader.mk: build/labNN/cache_ids.c, from digests of compiled objects):
 * runner_recipe_id digests the objects that build a runner (build_runner.o,
 * compile_sandbox.o, build_cache.o); a model's id digests its object and
 * what it runs on in the judge (mistakes.o, alloc_fault.o, the common objects).
 * Absent (weak: a judge linked without them), or a model not listed: the
 * judge's build ID stands in (cache_key_self). */
extern const char runner_recipe_id[] __attribute__((weak));
typedef struct {
    const char *name, *id; /* name: as mistake_model_t's; the list ends with {0, 0} */
} model_cache_id_t;
extern const model_cache_id_t mistake_model_ids[] __attribute__((weak));
/* The recipe's id, or the judge's build ID. */
void cache_key_recipe(cache_key_t *k);
/* Model `name`'s id, or the judge's build ID. */
void cache_key_model(cache_key_t *k, const char *name);

/* On a hit: the runner copied to runner_to (when the build succeeded), the
 * build's messages into msg, and its result (0 or -1) returned.  On a miss
 * (or anything unexpected): 1. */
int build_cache_lookup(const cache_key_t *k, const char *runner_to, char *msg, size_t cap);
/* Keep a finished build: rc 0 with the runner at runner_from, or -1 (the
 * submission's fault; runner_from ignored). */
void build_cache_store(const cache_key_t *k, int rc, const char *runner_from, const char *msg);

/* Any other result kept the same way (mistakes.c: a mistake model's results
 * on a recorded call): 0 and the bytes (caller frees) on a hit, 1 on a miss. */
int build_cache_get(const cache_key_t *k, char **data, size_t *n);
void build_cache_put(const cache_key_t *k, const void *data, size_t n);

#endif
