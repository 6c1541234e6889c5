# loralab - a C course kit that teaches LoRA step by step and grades it.
#   make grade         grade every lab in labs/ (installs what is missing first)
#   make test          the kit's own test suite (what CI runs)
#   make help          every target, one line each
.DEFAULT_GOAL := help
SHELL := /bin/bash

# What a student's copy shares with this Makefile (variables, visible tests,
# demos, plots); `make handout` ships it with the student Makefile.
include mk/common.inc
# ---------------------------------------------------------------- build
# Every lab's grader and its mistake models: one recipe, shared with the
# Gradescope bundle's build.sh.
GRADER_ORDER := deps-grade
include grader/engine/grader.mk

.PHONY: grader
grader: $(GRADERS) ## build every lab's grader into grader/bin/

# ---------------------------------------------------------------- grading
.PHONY: grade
# LAB=NN builds that lab's grader only (an unknown NN: the recipe says so).
grade: deps-grade $(if $(filter $(LAB),$(LAB_IDS)),$(BIN)/grade-$(LAB),$(if $(LAB),,$(GRADERS))) ## grade labs/ (LAB=NN for one lab, SUB=dir for a submission folder)
	@rc=0; full=; todo=; for id in $(if $(LAB),$(LAB),$(LAB_IDS)); do \
	  if [ ! -x $(BIN)/grade-$$id ]; then echo "no lab $$id here (labs: $(LAB_IDS))"; exit 2; fi; \
	  $(BIN)/grade-$$id $(GRADE_FLAGS) $(if $(SUB),"$(SUB)"); r=$$?; echo; \
	  case $$r in 0) full="$$full $$id";; 1) todo="$$todo $$id";; *) rc=$$r;; esac; \
	done; \
	$(grade-next); exit $$rc

# ---------------------------------------------------------------- skeletons
.PHONY: skeletons check-skeletons
skeletons: ## regenerate every labs/NN-*/X.c skeleton from its marked solution
	@for s in solutions/[0-9][0-9]-*/*.c; do \
	  d=labs/$$(basename $$(dirname $$s)); $(PY) tools/skelgen.py $$s > $$d/$$(basename $$s) || exit 1; \
	  echo "generated $$d/$$(basename $$s)"; done

check-skeletons: ## fail if a committed skeleton drifted from its solution
	@for s in solutions/[0-9][0-9]-*/*.c; do \
	  d=labs/$$(basename $$(dirname $$s)); $(PY) tools/skelgen.py --check $$s $$d/$$(basename $$s) || exit 1; \
	done; echo "skeletons match their solutions"

# Kit-wide pieces beyond the labs (instructor workflow, platforms) live in mk/.
-include $(filter-out mk/deps.mk,$(wildcard mk/*.mk))

# ---------------------------------------------------------------- the kit's tests
.PHONY: test test-quick unit-tests visible-tests demo-tests grader-tests grade-quick
# make test's stages: the grader tests one lab a stage, the lab tests split
# where they are long, so that a stage that waits (hanging submissions sleep
# out their budget) leaves its core to another.
LAB_TESTS_STAGED := instructor-tests platform-tests
# instructor-tests is three stages (grade-all-test, and handout-test's two
# parts: mk/instructor.mk).
TEST_STAGES := unit-tests check-skeletons visible-tests demo-tests grader-engine-tests \
  $(addprefix grader-test-,$(LAB_IDS)) grade-all-test handout-copies-test handout-figures-test platform-tests lab-tests-other \
  sanitize valgrind
# `make plots` is not a stage of its own: handout-figures-test runs it in the
# students' copy, every lab's reference dropped in (the same recipe,
# mk/common.inc, the same sources and scripts: the kit's tree differs only
# in building the demos from solutions/, which the shared build does for
# demo-tests), so make test no longer draws the kit's figures twice, nor
# rewrites plots/*.svg in the tree (the timing figures differ run to run).
# make test runs the stages side by side (TEST_JOBS at a time, the slowest
# first), each into its own log, build/test-logs/STAGE.log, printed when the
# stage fails.  What several stages use is built once before they start, so
# no two stages build the same file at the same time.
# Four at a time on two cores: the grader tests spend much of their time
# waiting for hanging submissions to use up their budget (on a built tree,
# session 12: three at a time 305 s, four 276 s).
TEST_JOBS  ?= 4
TEST_LOGS  := $(B)/test-logs
TEST_ORDER  = $(filter $(TEST_STAGES),$(TEST_SLOW_FIRST)) $(filter-out $(TEST_SLOW_FIRST),$(TEST_STAGES))
# By their wall time in a fresh clone's run (session 14, longest first: a
# long stage started last would run alone at the end, one core idle;
# valgrind early: one process, which a late start leaves running alone;
# grader-engine-tests, 15 s, before the last four grader tests: last, it
# ran alone for its final 10 s, session 18).
TEST_SLOW_FIRST := handout-copies-test handout-figures-test grader-test-01 grader-test-05 grader-test-07 \
  grade-all-test platform-tests valgrind sanitize grader-test-04 grader-test-06 lab-tests-other \
  grader-engine-tests grader-test-02 grader-test-03 grader-test-08 grader-test-09
TEST_SHARED = $(GRADERS) $(B)/tests/check_common $(addprefix $(B)/demo/lab,$(LAB_IDS)) $(VISIBLE_BINS)
# A submission built before is not built again (the same files graded by
# several stages, or by the run before): grader/engine/build_cache.h.  The
# folder is kept between runs, in the user's cache folder: every clone of
# the kit on the machine shares it (a fresh clone of a commit tested before
# builds nothing again).  LORALAB_CACHE_DIR moves it.  At the end of a run,
# the entries it did not use are removed (a hit marks its entry), so it
# holds the last run's builds.
LORALAB_CACHE_DIR ?= $(if $(XDG_CACHE_HOME),$(XDG_CACHE_HOME),$(if $(HOME),$(HOME)/.cache,$(abspath $(B))))/loralab
TEST_BUILD_CACHE := $(LORALAB_CACHE_DIR)/build-cache
# The kit's own compiles in the stages (the students' copy, the Gradescope
# bundle, the folder with a space build the kit again; sanitize, the
# models) go through ccache when it is installed (deps-test installs it when
# it can; without it, everything is compiled), with ccache's own cache
# folder and settings (~/.cache/ccache unless the user's configuration says
# otherwise), which every clone shares (the kit's objects do not depend on
# its folder: mk/common.inc).
# CC is a link named like the compiler to ccache, which finds the compiler
# on PATH; the graders' sandboxed compiles run `cc` and never see it.
# Depend mode (CCACHE_DEPEND): a compile that writes its dependencies (-MMD:
# the kit's objects, the models, make check's) is looked up without running
# the preprocessor first, which a miss paid for in full (session 17, the
# shared build with ccache's cache empty: 154 CPU-s instead of 181).
# LORALAB_CCACHE=0 compiles everything.
TEST_CCACHE := $(abspath $(B))/ccache
test_cc_name = $(notdir $(firstword $(CC)))
define test_ccache_env
if [ "$${LORALAB_CCACHE:-1}" != 0 ] && ccache=$$(command -v ccache) && [ "$(words $(CC))" = 1 ]; then \
  mkdir -p $(TEST_CCACHE)/bin && ln -sf "$$ccache" $(TEST_CCACHE)/bin/$(test_cc_name) && \
  export CC=$(TEST_CCACHE)/bin/$(test_cc_name) CCACHE_NOHASHDIR=1 CCACHE_DEPEND=1; \
fi
endef
test: deps-test ## the kit's whole test suite (what CI runs)
	@start=$$(date +%s); rm -rf $(TEST_LOGS); mkdir -p $(TEST_LOGS) "$(TEST_BUILD_CACHE)"; touch $(TEST_LOGS)/.start; \
	export LORALAB_BUILD_CACHE="$(TEST_BUILD_CACHE)"; $(test_ccache_env); \
	echo "=== build what the stages share"; \
	TIMEFORMAT='%U %S'; { time $(MAKE) --no-print-directory -j$(TEST_JOBS) $(TEST_SHARED) \
	  > $(TEST_LOGS)/build.log 2>&1; } 2> $(TEST_LOGS)/build.cpu || { \
	  cat $(TEST_LOGS)/build.log; echo "kit: the build failed"; exit 1; }; \
	$(MAKE) --no-print-directory -j$(TEST_JOBS) -k $(addprefix test-stage-,$(TEST_ORDER)); \
	pass=0; fail=0; failed=; for t in $(TEST_STAGES); do \
	  if grep -q '^ok' $(TEST_LOGS)/$$t.result 2>/dev/null; then pass=$$((pass+1)); \
	  else fail=$$((fail+1)); failed="$$failed $$t"; \
	    echo "=== make $$t FAILED; its failures (whole log: $(TEST_LOGS)/$$t.log):"; \
	    grep -E -A6 '^ *FAIL|\*\*\*|rror' $(TEST_LOGS)/$$t.log | head -n 80; fi; \
	done; \
	[ -z "$$failed" ] || echo "failed stages:$$failed"; \
	$(MAKE) --no-print-directory build-cache-prune "BUILD_CACHE_DIR=$(TEST_BUILD_CACHE)" SINCE=$(TEST_LOGS)/.start; \
	echo "kit: $$pass passed, $$fail failed in $$(( $$(date +%s) - start )) s" \
	  "(cpu $$(cat $(TEST_LOGS)/*.cpu | awk '{s += $$1 + $$2} END {printf "%.0f", s}') s)"; [ $$fail = 0 ]

# The end of make test: the build cache's entries the run did not use (not
# stored, and no hit marked them, since SINCE was made) are removed.
.PHONY: build-cache-prune
build-cache-prune:
	@[ -d "$(BUILD_CACHE_DIR)" ] && [ -e "$(SINCE)" ] || { echo "usage: make build-cache-prune BUILD_CACHE_DIR=DIR SINCE=FILE"; exit 2; }
	@find "$(BUILD_CACHE_DIR)" -mindepth 1 -maxdepth 1 ! -newer "$(SINCE)" -exec rm -rf {} +

# One stage of make test: its output to its log; its verdict, wall time and
# CPU time (user + system, children included: what the stage costs whatever
# else runs on the machine) to STAGE.result.
test-stage-%:
	@t0=$$(date +%s); TIMEFORMAT='%U %S'; \
	if { time $(MAKE) --no-print-directory -Otarget $* > $(TEST_LOGS)/$*.log 2>&1; } 2> $(TEST_LOGS)/$*.cpu; \
	then r=ok; else r=FAILED; fi; \
	echo "$$r $$(( $$(date +%s) - t0 )) s (cpu $$(awk '{printf "%.0f", $$1 + $$2}' $(TEST_LOGS)/$*.cpu) s)" > $(TEST_LOGS)/$*.result; \
	echo "=== make $*: $$(cat $(TEST_LOGS)/$*.result)"

# The loop before each commit (under a minute): build, skeleton drift, every
# lab's reference at full marks and skeleton at 0, the visible tests.
test-quick: deps-check deps-grade deps-python ## the quick loop: build, skeletons, references full marks, skeletons 0, visible tests
	@start=$$(date +%s); \
	$(MAKE) --no-print-directory -j$(TEST_JOBS) -Otarget unit-tests check-skeletons visible-tests grade-quick deps-tests && \
	echo "test-quick: passed in $$(( $$(date +%s) - start )) s (make test runs everything)"

# The README's two commands on a fresh Debian 12 root (debootstrap; root and
# network needed; the root is cached in /var/cache/loralab-fresh).
.PHONY: fresh-check
fresh-check: ## run make grade and make test in a fresh Debian 12 root, from the committed tree
	@bash tools/fresh_check.sh

# grade-quick's judges: grade-NN without its mistake models (mistakes.h: the
# table's symbols are weak, such a judge never diagnoses), in build/quick/.
# Scores never depend on the models, so a clean clone's test-quick builds
# none of the ~270 (make grader and make test build and test them).  A judge
# finds the kit three folders above itself: labs/, the runner library.
QUICK_GRADERS := $(addprefix $(B)/quick/grade-,$(LAB_IDS))
define QUICK_RULES
$(B)/quick/grade-$(1): $(B)/lab$(1)/tests.o $(B)/lab$(1)/reference.o $(call adapter_obj,$(1)) $(ENGINE_OBJ) $(B)/libcommon.a $(BIN)/lib/librunner-$(1).a
	@mkdir -p $$(@D)
	$(CC) $(GRADER_CFLAGS) $(B)/lab$(1)/tests.o $(B)/lab$(1)/reference.o $(call adapter_obj,$(1)) $(ENGINE_OBJ) $(B)/libcommon.a \
	  $(GRADER_LIBS) -o $$@
	$$@ --check-tests >/dev/null || { $$@ --check-tests; rm -f $$@; exit 1; }
endef
$(foreach id,$(LAB_IDS),$(eval $(call QUICK_RULES,$(id))))
grade-quick: $(QUICK_GRADERS) ## every lab's reference scores full marks and its skeleton 0
	@for id in $(LAB_IDS); do \
	  out=$$($(B)/quick/grade-$$id solutions/$$id-*/ 2>&1); r=$$?; \
	  echo "$$out" | grep -qE '^Score: ([0-9]+)/\1$$' && [ $$r = 0 ] || { \
	    echo "$$out"; echo "grade-quick: Lab $$id's reference is not at full marks (exit $$r)"; exit 1; }; \
	  out=$$($(B)/quick/grade-$$id labs/$$id-*/ 2>&1); r=$$?; \
	  echo "$$out" | grep -qE '^Score: 0/[0-9]+$$' && [ $$r = 1 ] || { \
	    echo "$$out"; echo "grade-quick: Lab $$id's skeleton does not score 0 (exit $$r)"; exit 1; }; \
	done; echo "grade-quick: every reference at full marks, every skeleton at 0 (labs $(LAB_IDS))"

# Its test file and labs/common's objects (make check's) compiled one file a
# command: a compiler cache (make test's ccache) keeps each.
$(B)/tests/check_common: tests/check_common.c $(call check-common,) | deps-check
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(CHECK_CFLAGS) -MMD -MP -MF $@.d -MT $@ $(COMMON_INC) -c $< -o $@.o
	$(CC) $(CFLAGS) $@.o $(call check-common,) $(CHECK_LIBS) -o $@
-include $(wildcard $(B)/tests/*.d)
unit-tests: $(B)/tests/check_common ## Check suites of labs/common
	$(B)/tests/check_common

visible-tests: $(addprefix visible-test-,$(LAB_IDS)) ## every lab's visible tests pass on its reference solution
	@echo "visible tests: every lab's pass on its reference"
# Each lab's visible tests on its reference, built plainly once (a file, in
# make test's shared build): visible-test-NN runs them as make check SAN=0
# does, valgrind-labNN under valgrind (make sanitize builds its own, with
# ASan/UBSan).  Rebuilt when a source or header of the lab, labs/common or
# the recipe changes.
VISIBLE_BINS := $(foreach id,$(LAB_IDS),$(B)/check-ref/$(id)/check-lab$(id))
define VISIBLE_RULE
$(B)/check-ref/$(1)/check-lab$(1): $(wildcard $(call soldir,$(1))/*.c $(call labdir,$(1))/*.h $(call labdir,$(1))/given/* $(call labdir,$(1))/tests/*) \
  $(wildcard labs/common/*.h) $(B)/libcommon.a mk/common.inc | $(B)/.deps-check
	@$$(call check-build,$(1),$(call soldir,$(1)),$(B)/check-ref/$(1),-Werror,$(B)/libcommon.a) > $(B)/check-ref-$(1).log 2>&1 || { \
	  cat $(B)/check-ref-$(1).log; exit 1; }
.PHONY: visible-test-$(1)
visible-test-$(1): $(B)/check-ref/$(1)/check-lab$(1)
	@$$< > $(B)/check-ref-$(1).log 2>&1 || { cat $(B)/check-ref-$(1).log; exit 1; }
valgrind-lab$(1): $(B)/check-ref/$(1)/check-lab$(1)
endef
$(foreach id,$(LAB_IDS),$(eval $(call VISIBLE_RULE,$(id))))

demo-tests: $(B)/libcommon.a ## every lab's demo reproduces the course's printed numbers
	$(foreach id,$(LAB_IDS),$(MAKE) --no-print-directory $(B)/demo/lab$(id) >/dev/null && $(B)/demo/lab$(id) examples >/dev/null &&) true
	@echo "demos: every printed course number reproduced"

# One target per lab, so that under make -j (make test) the labs spread over the cores.
.PHONY: grader-engine-tests lab-tests-other
grader-engine-tests: engine-tests build-cache-test wire-cap-test describe-test alloc-leak-test ## the engine's own tests (workers, build cache, argument cap, descriptions, leak count)
grader-tests: grader-engine-tests $(addprefix grader-test-,$(LAB_IDS)) ## graders: reference full marks, skeleton 0, broken and hostile solutions lose points
	@echo "grader tests: labs $(LAB_IDS) passed"
# The engine's own behaviour (workers, data files): a test table posing as Lab 01.
.PHONY: engine-tests
$(BIN)/engine-test: tests/engine_test.c $(B)/lab01/reference.o $(call adapter_obj,01) $(ENGINE_OBJ) $(B)/libcommon.a $(BIN)/lib/librunner-01.a
	@mkdir -p $(B)/tests
	$(CC) $(GRADER_CFLAGS) $(DEPFLAGS) -MT $@ -MF $(B)/tests/engine_test.d $(GRADER_INC) -Ilabs/01-rank-factorization \
	  $< $(B)/lab01/reference.o $(call adapter_obj,01) $(ENGINE_OBJ) $(B)/libcommon.a $(GRADER_LIBS) -o $@
# A judge that is late (LD_PRELOAD): tests/late_judge.c.
$(B)/tests/late_judge.so: tests/late_judge.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -shared -fPIC $< -ldl -o $@
engine-tests: $(BIN)/engine-test $(BIN)/grade-01 $(B)/tests/late_judge.so ## the grading engine's own behaviour (workers, data files, a late judge)
	$(PY) tests/test_engine.py
.PHONY: alloc-leak-test
# Linked as the runner is (static, the allocators and free wrapped).
$(B)/tests/alloc_leak_test: tests/alloc_leak_test.c grader/engine/alloc_fault.c grader/engine/runner.h
	@mkdir -p $(@D)
	$(CC) $(GRADER_CFLAGS) -Igrader/engine tests/alloc_leak_test.c grader/engine/alloc_fault.c -static \
	  $(ALLOC_FAULT_LDFLAGS) -o $@
alloc-leak-test: $(B)/tests/alloc_leak_test ## alloc_fault.c: the blocks a call leaves allocated are counted, with their bytes
	$<
.PHONY: describe-test
describe-test: ## grader/engine/describe.py: each functions.txt parses, bad descriptions refused, the header checked
	$(PY) tests/test_describe.py
.PHONY: build-cache-test
build-cache-test: $(BIN)/grade-02 ## make test's build cache: hits give the same report, any changed byte rebuilds
	$(PY) tests/test_build_cache.py
.PHONY: wire-cap-test
wire-cap-test: $(BIN)/lib/librunner-07.a ## the wire's argument cap: Lab 07's 19 parameters pass, MAX_ARGS + 1 is a bad request
	$(PY) tests/test_wire_cap.py
# The red team's attacks on the two sandboxes (one code for every lab): on the
# compiler's, every attack on the labs of REDTEAM_FULL, a lab of one file and
# one of two (the sandbox's fallbacks, and the two bombs its CPU limit stops,
# on the first only); on the runner's, every attack on the first of them (the
# runner is the same program whatever the lab's files: runner_main.c,
# run_sandbox.c).  Elsewhere, the attacks whose
# outcome depends on the lab (--lab-only: its files, its time limits, its
# outputs).
REDTEAM_FULL ?= 01 05
redteam_opts = $(if $(filter $(1),$(REDTEAM_FULL)),$(if $(filter $(1),$(firstword $(REDTEAM_FULL))),,$(2)),--lab-only)
grader-test-%: $(GRADERS)
	$(PY) tests/test_grader.py $*
	$(PY) tests/test_redteam_compile.py $(call redteam_opts,$*,--no-fallbacks --no-cpu-bombs) $*
	$(PY) tests/test_redteam_run.py $(call redteam_opts,$*,--lab-only) $*

.PHONY: lab-tests deps-tests space-path-test
LAB_TESTS += deps-tests space-path-test
space-path-test: ## the kit in a folder whose name has a space: make grade, make check, the Gradescope bundle
	$(PY) tests/test_space_path.py
deps-tests: ## mk/deps.sh's messages: not root, no apt, lock held, no network (simulated)
	$(PY) tests/test_deps.py
# The labs' own lab tests (LAB_TESTS_OF_LABS: labs/NN-*/lab.mk) run in
# handout-figures-test: `make lab-tests` in the students' copy, every
# reference dropped in, the same recipes on the same files (its test checks
# that the copy's lab-tests holds every one of them); here, the kit's own.
lab-tests-other: $(filter-out $(LAB_TESTS_STAGED) $(LAB_TESTS_OF_LABS),$(LAB_TESTS)) | deps-test ## the kit's lab tests make test does not run in a stage of their own or in the students' copy
lab-tests: $(LAB_TESTS) | deps-test ## each lab's extra checks (cross-checks against numpy, file formats)
	@echo "lab tests: $(if $(LAB_TESTS),$(LAB_TESTS),none) passed"

# ---------------------------------------------------------------- sanitizers
# (SAN_FLAGS: mk/common.inc)
# Both split into one target per lab, so that under make -j they spread.
.PHONY: sanitize valgrind sanitize-common valgrind-common
sanitize: sanitize-common $(addprefix sanitize-lab,$(LAB_IDS)) ## ASan/UBSan: common tests and every lab's visible tests on its solution
	@echo "sanitizers: clean"
# labs/common instrumented once, for check_common and every lab's judge (defined
# before the rules that name it: a prerequisite list is expanded when read).
SAN_COMMON_OBJ := $(COMMON_SRC:labs/common/%.c=$(B)/san/common/%.o)
sanitize-common: $(SAN_COMMON_OBJ) | deps-check
	@mkdir -p $(B)/san
	$(CC) $(CFLAGS) $(SAN_FLAGS) $(CHECK_CFLAGS) $(COMMON_INC) -c tests/check_common.c -o $(B)/san/check_common.o
	$(CC) $(CFLAGS) $(SAN_FLAGS) $(B)/san/check_common.o $(SAN_COMMON_OBJ) $(CHECK_LIBS) -o $(B)/san/check_common
	CK_FORK=no $(B)/san/check_common
# Lab NN's visible tests on its solution, then the judge itself, instrumented,
# grading the reference (runners stay plain).
# The engine and the common library instrumented once, for every lab's judge.
SAN_ENGINE_OBJ := $(ENGINE_JUDGE:%=$(B)/san/engine/%.o) $(SAN_COMMON_OBJ)
$(B)/san/engine/%.o: grader/engine/%.c | deps-grade
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SAN_FLAGS) $(DEPFLAGS) $(COMMON_INC) -Igrader/engine -c $< -o $@
$(B)/san/common/%.o: labs/common/%.c | deps-check
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SAN_FLAGS) $(DEPFLAGS) $(COMMON_INC) -c $< -o $@
.SECONDARY: $(SAN_ENGINE_OBJ)
-include $(wildcard $(B)/san/engine/*.d $(B)/san/common/*.d)
# Lab NN's judge, instrumented (its mistake models linked as they are), grades
# the reference (full marks) and the lab's first broken solution with a
# mistake: line (a diagnosis names it), so mistakes.c runs under the sanitizers.
# It needs the lab's runner library (its runners stay plain), which also
# makes grader/bin: `make sanitize` works on a clean clone.
# What is compiled here for the test code only is cheaper than the kit's -O2 -g
# (the plain builds hold that code to -Werror at -O2): the visible tests at
# -O0 -g1 (Lab 05's, with the sanitizers: 2.1 CPU-s at -O2 -g, 0.4 s), the
# judge's own per-lab part (hidden tests, adapter, reference) at -O1 -g1
# (Lab 07: 2.3 CPU-s, 1.35 s); the solution's visible-test files keep the
# students' flags, the engine and labs/common the kit's.
SAN_TEST_FLAGS  := -O0 -g1
SAN_JUDGE_FLAGS := -O1 -g1
san_mut = $(firstword $(call models_muts,$(1)))
sanitize-lab%: $(SAN_ENGINE_OBJ) $(BIN)/lib/librunner-%.a | deps-check deps-grade
	$(call check-one,$*,$(call soldir,$*),$(B)/san/$*,$(SAN_FLAGS) -Werror,CK_FORK=no,$(SAN_COMMON_OBJ),$(SAN_TEST_FLAGS))
	$(if $(call described,$*),$(MAKE) --no-print-directory $(B)/lab$*/gen/adapter.c)
	$(MAKE) --no-print-directory $(call grader_models,$*)
	mkdir -p $(B)/san/$*-judge && objs=() && \
	for f in $(call grader_tests,$*) $(call derived_tests,$*) $(call adapter_src,$*) $(wildcard $(call soldir,$*)/*.c) \
	  $(wildcard $(call labdir,$*)/given/*.c); do o=$(B)/san/$*-judge/$$(echo "$$f" | tr / _).o; objs+=("$$o"); \
	  $(CC) $(CFLAGS) $(SAN_FLAGS) $(SAN_JUDGE_FLAGS) $(COMMON_INC) -I$(call labdir,$*) -Igrader/engine \
	    $(if $(call described,$*),-I$(B)/lab$*/gen) -MMD -MF "$$o.d" -c "$$f" -o "$$o" || exit 1; done && \
	$(CC) $(CFLAGS) $(SAN_FLAGS) "$${objs[@]}" $(SAN_ENGINE_OBJ) $(call grader_models,$*) $(GRADER_LIBS) -o $(BIN)/asan-grade-$*
	$(BIN)/asan-grade-$* $(call soldir,$*) >/dev/null
	rm -rf $(B)/san/$*-mut && $(PY) tools/apply_mut.py apply $(call san_mut,$*) $(call soldir,$*) $(B)/san/$*-mut
	$(BIN)/asan-grade-$* $(B)/san/$*-mut > $(B)/san/$*-mut.txt; [ $$? = 1 ] && grep -q '^ *diagnosis: ' $(B)/san/$*-mut.txt || { \
	  cat $(B)/san/$*-mut.txt; echo "sanitize: lab $*'s judge did not diagnose $(call san_mut,$*)"; exit 1; }
	rm -f $(BIN)/asan-grade-$*

VALGRIND := valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
valgrind: valgrind-common $(addprefix valgrind-lab,$(LAB_IDS)) ## valgrind: common tests, visible tests, and the graders' judge processes
	@echo "valgrind: clean"
valgrind-common: $(B)/tests/check_common | deps-test
	CK_FORK=no $(VALGRIND) $(B)/tests/check_common
# The judge under valgrind cannot build its sandbox (valgrind's own system
# calls would hit the filter), so it grades an empty folder here, in every
# format at once (--also: one valgrind start, not five); the full grading
# path runs under ASan/UBSan in 'make sanitize'.
VG_FORMATS := gradescope junit tap verdict
valgrind-lab%: $(BIN)/grade-% | deps-test
	CK_FORK=no $(VALGRIND) $(B)/check-ref/$*/check-lab$*
	@mkdir -p $(B)/vg/empty && rm -f $(addprefix $(B)/vg/$*.,$(VG_FORMATS))
	$(VALGRIND) $(BIN)/grade-$* --format text $(foreach f,$(VG_FORMATS),--also $(f):$(B)/vg/$*.$(f)) \
	  $(B)/vg/empty > $(B)/vg/$*.text; r=$$?; [ $$r = 1 ] && grep -q '^Score: 0/' $(B)/vg/$*.text || { \
	  echo "valgrind: grade-$* (exit $$r, formats text $(VG_FORMATS)) failed"; exit 1; }; \
	for f in $(VG_FORMATS); do [ -s $(B)/vg/$*.$$f ] || { echo "valgrind: grade-$* wrote no $$f"; exit 1; }; done

# ---------------------------------------------------------------- benchmarks
.PHONY: bench
bench: $(GRADERS) ## time grading each reference, sleeping, spinning and hanging submissions, and each lab's own benchmarks
	@$(PY) tests/bench_grader.py $(LAB_IDS)
	@$(MAKE) --no-print-directory $(B)/demo/lab01 >/dev/null && $(B)/demo/lab01 bench
	@$(if $(LAB_BENCH),$(MAKE) --no-print-directory $(LAB_BENCH),true)

.PHONY: clean
clean: ## remove build outputs (build/, grader/bin/)
	rm -rf $(B) $(BIN)

.PHONY: clean-cache
clean-cache: ## remove make test's build cache (in ~/.cache/loralab; ccache's cache: ccache -C)
	rm -rf "$(TEST_BUILD_CACHE)"
