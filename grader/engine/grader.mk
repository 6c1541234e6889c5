# grader.mk - the one recipe for a lab's grader: its judge grader/bin/grade-NN
# (engine + test table + reference solution) and its runner library
# grader/bin/lib/librunner-NN.a (runner main + adapter + common library,
# linked statically with the student's objects at grading time).
#
# Used by the kit's Makefile (include) and by the Gradescope bundle's build.sh
# (make -f grader/engine/grader.mk in the bundle's kit/ folder), so the list of
# the engine's files and the flags they are built with live here only.
# Run from the kit's root.  In: B (objects), BIN (programs), LAB_IDS (default:
# every labs/NN-* here), STUDENT_CFLAGS (how a student's file is compiled:
# the mistake models are), GRADER_DEBUG (-g by default; the bundle drops it),
# GRADER_OPT (-O2 by default),
# GRADER_ORDER (order-only prerequisites of every object: the kit's deps-grade).
# Header dependencies come from the compiler (-MMD -MP): the .d files beside
# the objects are included at the end.

B       ?= build
BIN     ?= grader/bin
CC      ?= cc
# (mk/common.inc: debug information that names the kit's folder ".")
KIT_PREFIX_MAP ?= '-fdebug-prefix-map=$(CURDIR)=.'
GRADER_DEBUG ?= -g $(KIT_PREFIX_MAP)
# (tests/test_platforms.py, which only proves a zip's parts compile, sets -O0)
GRADER_OPT ?= -O2
GRADER_CFLAGS = -std=c11 $(GRADER_OPT) $(GRADER_DEBUG) -Wall -Wextra -Werror -D_POSIX_C_SOURCE=200809L
DEPFLAGS = -MMD -MP
LABS    ?= $(sort $(notdir $(wildcard labs/[0-9][0-9]-*)))
LAB_IDS ?= $(foreach l,$(LABS),$(firstword $(subst -, ,$(l))))
labdir  ?= labs/$(filter $(1)-%,$(LABS))
soldir  ?= solutions/$(filter $(1)-%,$(LABS))

# The judge's own files, one concern each (grader/engine/engine.h says which).
ENGINE_JUDGE := judge options build_runner build_cache schedule call wire run_sandbox expect report compile_sandbox \
  test_registry mistakes contract alloc_fault
ENGINE_SRC := $(ENGINE_JUDGE:%=grader/engine/%.c)
ENGINE_OBJ := $(ENGINE_JUDGE:%=$(B)/engine/%.o)
GRADER_INC := -Ilabs/common -Igrader/engine
# The allocators through alloc_fault.c (the oom test), in the judge as in the
# runner: runner.h's ALLOC_FAULT_WRAP, which build_runner.c gives the runner's link.
ALLOC_FAULT_LDFLAGS := -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=aligned_alloc,--wrap=posix_memalign,--wrap=free
# -z now: every symbol bound once, at the judge's start, not again in each
# forked test worker (lazy binding wrote the GOT's pages in every worker:
# a copy-on-write fault each, the worker's largest share of faults).
GRADER_LIBS := -lseccomp -lm $(ALLOC_FAULT_LDFLAGS) -Wl,-z,now
# The mistake models a lab's judge links (mistakes.h; made below).
grader_models = $(call models_objs,$(1))
grader_tests = $(sort $(filter-out %/adapter.c %/runner_drivers.c,$(wildcard grader/labs/$(1)/*.c)))
PY      ?= python3

# A lab whose student functions are described in grader/labs/NN/functions.txt
# (grader/engine/describe.py says how) gets its adapter and its derived
# contract tests generated under $(B)/labNN/gen/; a lab without one keeps a
# hand-written grader/labs/NN/adapter.c.
described = $(wildcard grader/labs/$(1)/functions.txt)
adapter_src = $(if $(call described,$(1)),$(B)/lab$(1)/gen/adapter.c,grader/labs/$(1)/adapter.c)
derived_tests = $(if $(call described,$(1)),$(B)/lab$(1)/gen/functions.c)
# (its object has a name of its own: a build folder from before the lab was
# described holds a rule for $(B)/labNN/adapter.o that needs the old source)
adapter_obj = $(if $(call described,$(1)),$(B)/lab$(1)/gen/adapter.o,$(B)/lab$(1)/adapter.o)

# The common library (the kit's Makefile has these from mk/common.inc).
ifndef COMMON_OBJ
COMMON_SRC := $(wildcard labs/common/*.c)
COMMON_OBJ := $(patsubst labs/common/%.c,$(B)/common/%.o,$(COMMON_SRC))
$(B)/common/%.o: labs/common/%.c
	@mkdir -p $(@D)
	$(CC) $(GRADER_CFLAGS) $(DEPFLAGS) -Ilabs/common -c $< -o $@
$(B)/libcommon.a: $(COMMON_OBJ)
	rm -f $@ && ar rcs $@ $^
-include $(wildcard $(B)/common/*.d)
endif

$(B)/engine/%.o: grader/engine/%.c | $(GRADER_ORDER)
	@mkdir -p $(@D)
	$(CC) $(GRADER_CFLAGS) $(DEPFLAGS) $(GRADER_INC) $(ENGINE_DEFS) -c $< -o $@
# The judge links a runner with gold (build_runner.c) where cc -fuse-ld=gold
# links a static program here: probed when build_runner.o is compiled (a
# recursive variable: no other make pays for it).  The judge falls back to
# the default linker anyway.
GOLD_PROBE = $(shell mkdir -p $(B)/engine && printf 'int main(void) { return 0; }\n' > $(B)/engine/gold-probe.c && \
  $(CC) -static -fuse-ld=gold -Wl,--no-threads -Wl,-S $(B)/engine/gold-probe.c -o $(B)/engine/gold-probe >/dev/null 2>&1 && \
  $(B)/engine/gold-probe && echo 1 || echo 0; rm -f $(B)/engine/gold-probe $(B)/engine/gold-probe.c)
$(B)/engine/build_runner.o: ENGINE_DEFS = -DLORALAB_LINK_GOLD=$(GOLD_PROBE)

# ---- mistake models, linked into each lab's judge (grade-NN), never into a
# runner: see grader/engine/mistakes.h.
#
# A model is a broken solution grader/broken/NN/NAME.mut with a `mistake:`
# line.  tools/apply_mut.py applies it to the reference (the same applier as
# tests/test_grader.py; a stub starts from the skeleton labs/NN-*/X.c); its
# .c files and the lab's adapter become one object (ld -r) in which only the
# adapter's table stays global, renamed mistake_NN_NAME, so the mutant's
# functions never meet the reference's.  table.c lists {name, mistake, hint,
# table, stub?, functions it may change} for mistakes.c.  A model is compiled
# as a student's file is (STUDENT_CFLAGS: mk/common.inc in the kit, lab.conf
# in the Gradescope bundle), warnings off, then -O1 -g0: a clean build
# compiles some 300 models, and -O2 -g took 28% more CPU for them (Lab 05,
# measured); without FMA (x86-64's baseline) the arithmetic is the same.
#   models_objs(NN): the objects grade-NN links (table.o and every model)
# Every lab's models are found by one grep, run the first time a make needs
# them (a lazy variable that sets itself), not once a lab and a use: a make
# that names none (make help) starts no process for them.
ALL_MODEL_MUTS = $(eval ALL_MODEL_MUTS := $$(shell grep -l '^mistake:' grader/broken/*/*.mut 2>/dev/null))$(ALL_MODEL_MUTS)
models_muts = $(filter grader/broken/$(1)/%,$(ALL_MODEL_MUTS))
models_objs = $(B)/lab$(1)/models/table.o $(patsubst grader/broken/$(1)/%.mut,$(B)/lab$(1)/models/%.o,$(call models_muts,$(1)))
MODEL_CFLAGS = $(STUDENT_CFLAGS) -w -O1 -g0 -D_POSIX_C_SOURCE=200809L
$(if $(STUDENT_CFLAGS),,$(error grader.mk: STUDENT_CFLAGS is not set (the flags of a student's files: mk/common.inc)))

# Under make test (LORALAB_BUILD_CACHE set: make test's build cache, which
# every copy of the kit it makes shares), a model's object is kept there as
# model-labNN-KEY.o: the students' copies, the Gradescope bundle and the folder
# with a space each build the judges again, ~300 models, and a model found
# costs a shell and a copy, not the compiler (even ccache's hit), ld and
# objcopy.  KEY (NAME.src/cache.key, written by models/.keys' recipe:
# apply_mut.py keys, one start for the lab's models, before any is built;
# a file, not a phony target, so a make with every model built starts no
# python: 9 starts in each of ~20 makes of make test were 20 CPU-s) hashes
# all that goes into the object:
# the model's sources as applied, the headers they may include, ld's and
# objcopy's argument files, the objects they link (the adapter's, the
# reference's files left as they are), the flags and the tools' versions.
# Without the variable nothing is kept.
MODEL_TOOLS = $(eval MODEL_TOOLS := $$(shell { $(CC) --version; ld --version; objcopy --version; } 2>&1 | grep -v '^ *$$$$' | head -n 30 | sha256sum | cut -c1-16))$(MODEL_TOOLS)
model_key_env = LORALAB_MODEL_KEY="$(MODEL_TOOLS) $(MODEL_CFLAGS) objcopy --strip-debug" \
  LORALAB_MODEL_KEY_FILES="$(wildcard labs/common/*.h $(call labdir,$(1))/*.h) $(call adapter_obj,$(1))"

# models/.keys holds the flags its keys were made with: a make with other
# flags (make MODEL_CFLAGS=...) makes the keys again (read by make itself:
# no process).
model_keys_stale = $(if $(subst $(MODEL_CFLAGS),,$(file <$(B)/lab$(1)/models/.keys))$(subst $(file <$(B)/lab$(1)/models/.keys),,$(MODEL_CFLAGS)),model-keys-stale)
.PHONY: model-keys-stale
model-keys-stale: ;

# In a lab of several files, a file that a mutation leaves as the reference's
# is not compiled again: its object, compiled once (models/base/), is linked.
model_base = $(if $(word 2,$(wildcard $(call soldir,$(1))/*.c)),$(patsubst %.c,$(B)/lab$(1)/models/base/%.o,$(notdir $(wildcard $(call soldir,$(1))/*.c))))
define MODEL_RULES
$(if $(call model_base,$(1)),.SECONDARY: $(call model_base,$(1)))
$(B)/lab$(1)/models/base/%.o: $(call soldir,$(1))/%.c $(wildcard $(call labdir,$(1))/*.h)
	@mkdir -p $$(@D)
	@$(CC) $(MODEL_CFLAGS) -MMD -MF $$@.d -Ilabs/common -I$(call labdir,$(1)) -c $$< -o $$@
# One python start applies every model of the lab (models/.applied: the
# sources of each model in models/NAME.src/, and table.c), not one a model;
# a model's object depends on its own .mut, so an edited .mut recompiles only
# its model.  Each model then costs one shell, the compiler, ld and objcopy
# (apply_mut.py's `models` writes ld's and objcopy's argument files).
$(B)/lab$(1)/models/.applied: $(wildcard grader/broken/$(1)/*.mut) $(wildcard grader/broken/$(1)) $(wildcard $(call soldir,$(1))/*.c $(call labdir,$(1))/*.c $(call labdir,$(1))/*.h) tools/apply_mut.py
	@mkdir -p $$(@D)
	@$(PY) tools/apply_mut.py models --table $(1) $(call soldir,$(1)) $$(@D) $(call models_muts,$(1))
	@touch $$@ && echo "  models lab$(1): $$(words $(call models_muts,$(1))) applied, table.c"
$(B)/lab$(1)/models/table.c: $(B)/lab$(1)/models/.applied ;
$(B)/lab$(1)/models/.keys: $(B)/lab$(1)/models/.applied $(call adapter_obj,$(1)) $(call model_base,$(1)) tools/apply_mut.py $(call model_keys_stale,$(1))
	@$$(call model_key_env,$(1)) $(PY) tools/apply_mut.py keys $(1) $(B)/lab$(1)/models $(call models_muts,$(1))
	@printf '%s\n' '$$(MODEL_CFLAGS)' > $$@
$(B)/lab$(1)/models/%.o: grader/broken/$(1)/%.mut $(wildcard $(call soldir,$(1))/*.c $(call labdir,$(1))/*.c $(call labdir,$(1))/*.h) $(call adapter_obj,$(1)) tools/apply_mut.py $(call model_base,$(1)) | $(B)/lab$(1)/models/.applied $(if $(LORALAB_BUILD_CACHE),$(B)/lab$(1)/models/.keys)
	@d=$$(@D)/$$*.src; [ -f $$$$d/link.rsp ] || $(PY) tools/apply_mut.py models $(1) $(call soldir,$(1)) $$(@D) $$< || exit 1; \
	  c=; if [ -n "$$$$LORALAB_BUILD_CACHE" ] && read -r k 2>/dev/null < $$$$d/cache.key; then \
	    c="$$$$LORALAB_BUILD_CACHE/model-lab$(1)-$$$$k.o"; \
	    if [ -f "$$$$c" ] && cp "$$$$c" $$@; then echo "  model lab$(1)/$$* (make test's cache)"; exit 0; fi; fi; \
	  for f in $$$$d/*.c; do [ -e "$$$$f" ] || continue; \
	    $(CC) $(MODEL_CFLAGS) -MMD -MF "$$$${f%.c}.d" -Ilabs/common -I$(call labdir,$(1)) -c "$$$$f" -o "$$$${f%.c}.o" || exit 1; done; \
	  ld -r @$$$$d/link.rsp $(call adapter_obj,$(1)) -o $$$$d/all.o && \
	  objcopy --strip-debug --redefine-syms=$$$$d/redefine.syms --keep-global-symbols=$$$$d/keep.syms $$$$d/all.o $$@ && \
	  { [ -z "$$$$c" ] || { cp $$@ "$$$$c.tmp.$$$$$$$$" && mv "$$$$c.tmp.$$$$$$$$" "$$$$c"; } || true; } && \
	  echo "  model lab$(1)/$$*"
$(B)/lab$(1)/models/table.o: $(B)/lab$(1)/models/table.c grader/engine/mistakes.h grader/engine/runner.h
	$(CC) $(GRADER_CFLAGS) -Ilabs/common -Igrader/engine -c $$< -o $$@
endef
$(foreach id,$(LAB_IDS),$(eval $(call MODEL_RULES,$(id))))

# The objects behind make test's cache ids (build_cache.h, cache_ids.c below).
CACHE_RECIPE_OBJS := $(addprefix $(B)/engine/,build_runner.o compile_sandbox.o build_cache.o)
CACHE_MODEL_OBJS  := $(addprefix $(B)/engine/,mistakes.o alloc_fault.o) $(COMMON_OBJ)
# Their digests, once for every lab: "RECIPE RUNS_ON", 32 hex digits each, of
# the objects' bytes without debug information (stripped into a scratch
# file one by one).  A comment that moves the lines of a header changes the
# objects' line tables, not what they do, and must not make the next make
# test build every runner again.  (The runner libraries and the models carry
# no debug information at all: a runner is linked with -S, and a model's
# line tables are the adapter's only.)
$(B)/engine/cache-code-ids: $(CACHE_RECIPE_OBJS) $(CACHE_MODEL_OBJS)
	@digest() { d=; for o in "$$@"; do objcopy --strip-debug "$$o" $@.strip || return 1; \
	    d="$$d $$(sha256sum < $@.strip)"; done; echo "$$d" | sha256sum | cut -c1-32; }; \
	  recipe=$$(digest $(CACHE_RECIPE_OBJS)) && runs_on=$$(digest $(CACHE_MODEL_OBJS)) && \
	  echo "$$recipe $$runs_on" > $@.tmp && rm -f $@.strip && mv $@.tmp $@

# Per lab NN.  The adapter links into the judge too: there it calls the
# reference, which the judge times on each call's inputs to derive the call's
# time limit.  The reference never enters a runner.
define GRADER_RULES
# describe.py writes both files; functions.c is made with adapter.c (make 4.2 has no grouped targets).
$(B)/lab$(1)/gen/adapter.c: grader/labs/$(1)/functions.txt grader/engine/describe.py $(wildcard grader/labs/$(1)/runner_drivers.c)
	@mkdir -p $$(@D)
	$(PY) grader/engine/describe.py grader/labs/$(1)/functions.txt $(B)/lab$(1)/gen
$(B)/lab$(1)/gen/functions.c: $(B)/lab$(1)/gen/adapter.c ;
$(call adapter_obj,$(1)): $(call adapter_src,$(1)) | $(GRADER_ORDER)
	@mkdir -p $$(@D)
	$(CC) $(GRADER_CFLAGS) $(DEPFLAGS) $(GRADER_INC) -I$(call labdir,$(1)) -c $$< -o $$@
$(BIN)/lib/librunner-$(1).a: $(B)/engine/runner_main.o $(B)/engine/alloc_fault.o $(call adapter_obj,$(1)) $(COMMON_OBJ)
	@mkdir -p $$(@D)
	rm -f $$@ && ar rcs $$@ $$^ && objcopy --strip-debug $$@
$(B)/lab$(1)/reference.o: $(wildcard $(call soldir,$(1))/*.c $(call labdir,$(1))/given/*.c) | $(GRADER_ORDER)
	@mkdir -p $$(@D)/ref
	for f in $(call soldir,$(1))/*.c $(wildcard $(call labdir,$(1))/given/*.c); do o=$$(@D)/ref/$$$$(basename "$$$$f" .c).o; \
	  $(CC) $(GRADER_CFLAGS) $(DEPFLAGS) -MT $$@ -MF $$$$o.d -Ilabs/common -I$(call labdir,$(1)) \
	    -c "$$$$f" -o $$$$o || exit 1; done
	ld -r $$(@D)/ref/*.o -o $$@
# The hidden tests: every .c of grader/labs/NN/ but the adapter, one object
# (the kit's test-quick links it into a judge without models too).  Once
# linked, --check-tests: names unique, tasks of this lab, a task's tests in one file.
$(B)/lab$(1)/tests.o: $(call grader_tests,$(1)) $(call derived_tests,$(1)) | $(GRADER_ORDER)
	@mkdir -p $$(@D)/tests
	for f in $(call grader_tests,$(1)) $(call derived_tests,$(1)); do o=$$(@D)/tests/$$$$(basename "$$$$f" .c).o; \
	  $(CC) $(GRADER_CFLAGS) $(DEPFLAGS) -MT $$@ -MF $$$$o.d $(GRADER_INC) -I$(call labdir,$(1)) $(if $(call described,$(1)),-I$(B)/lab$(1)/gen) \
	    -c "$$$$f" -o $$$$o || exit 1; done
	ld -r $$(addprefix $$(@D)/tests/,$$(notdir $$(patsubst %.c,%.o,$$(filter %.c,$$^)))) -o $$@
# make test's cache ids (build_cache.h): digests of the objects that build a
# runner (cache-code-ids), and of each model's object with the objects it
# runs on.
$(B)/lab$(1)/cache_ids.c: $(B)/engine/cache-code-ids $(call grader_models,$(1))
	@read -r recipe runs_on < $(B)/engine/cache-code-ids && \
	  { echo '/* Generated by grader/engine/grader.mk: make test'"'"'s cache ids (build_cache.h). */'; \
	  echo '#include "build_cache.h"'; \
	  echo "const char runner_recipe_id[] = \"$$$$recipe\";"; \
	  echo 'const model_cache_id_t mistake_model_ids[] = {'; \
	  set -- $(filter-out %/table.o,$(call grader_models,$(1))); [ $$$$# = 0 ] || sha256sum "$$$$@" | \
	    awk -v on="$$$$runs_on" '{ n = $$$$2; sub(/.*\//, "", n); sub(/\.o$$$$/, "", n); \
	      printf "    {\"%s\", \"%s on %s\"},\n", n, substr($$$$1, 1, 32), on }'; \
	  echo '    {0, 0}};'; } > $$@.tmp && mv $$@.tmp $$@
$(B)/lab$(1)/cache_ids.o: $(B)/lab$(1)/cache_ids.c grader/engine/build_cache.h
	$(CC) $(GRADER_CFLAGS) -Igrader/engine -c $$< -o $$@
$(BIN)/grade-$(1): $(B)/lab$(1)/tests.o $(B)/lab$(1)/reference.o $(call adapter_obj,$(1)) $(ENGINE_OBJ) $(B)/libcommon.a $(BIN)/lib/librunner-$(1).a $(call grader_models,$(1)) $(B)/lab$(1)/cache_ids.o
	@mkdir -p $$(@D)
	$(CC) $(GRADER_CFLAGS) $(B)/lab$(1)/tests.o $(B)/lab$(1)/reference.o $(call adapter_obj,$(1)) $(ENGINE_OBJ) $(call grader_models,$(1)) $(B)/lab$(1)/cache_ids.o $(B)/libcommon.a \
	  $(GRADER_LIBS) -o $$@
	$$@ --check-tests >/dev/null || { $$@ --check-tests; rm -f $$@; exit 1; }
endef
$(foreach id,$(LAB_IDS),$(eval $(call GRADER_RULES,$(id))))

GRADERS := $(addprefix $(BIN)/grade-,$(LAB_IDS))

-include $(wildcard $(B)/engine/*.d $(B)/lab*/*.d $(B)/lab*/gen/*.d $(B)/lab*/ref/*.d $(B)/lab*/tests/*.d)
