# loralab - a C course kit that teaches LoRA step by step and grades it.
#   make grade         grade every lab in labs/ (installs what is missing first)
#   make test          the kit's own test suite (what CI runs)
#   make help          every target, one line each
.DEFAULT_GOAL := help
SHELL := /bin/bash

# What a student's copy shares with this Makefile (variables, visible tests,
# demos, plots); `make handout` ships it with the student Makefile.
include mk/common.inc
ENGINE_SRC := grader/engine/judge.c grader/engine/call.c grader/engine/report.c grader/engine/compile_sandbox.c

# ---------------------------------------------------------------- build
$(B)/engine/%.o: grader/engine/%.c grader/engine/*.h labs/common/*.h | deps-build
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(COMMON_INC) -Igrader/engine -c $< -o $@

# Per lab NN: the runner library (runner main + adapter + common, linked
# statically with the student's object at grading time) and the judge
# (engine + test table + the reference solution, which never enters a runner).
define LAB_RULES
$(B)/lab$(1)/adapter.o: grader/labs/$(1)/adapter.c $(call labdir,$(1))/*.h grader/engine/runner.h
	@mkdir -p $$(@D)
	$(CC) $(CFLAGS) $(COMMON_INC) -I$(call labdir,$(1)) -Igrader/engine -c $$< -o $$@
$(BIN)/lib/librunner-$(1).a: $(B)/engine/runner_main.o $(B)/lab$(1)/adapter.o $(COMMON_OBJ)
	@mkdir -p $$(@D)
	rm -f $$@ && ar rcs $$@ $$^
$(B)/lab$(1)/reference.o: $(call soldir,$(1))/*.c $(call labdir,$(1))/*.h
	@mkdir -p $$(@D)/ref
	for f in $(call soldir,$(1))/*.c; do \
	  $(CC) $(CFLAGS) $(COMMON_INC) -I$(call labdir,$(1)) -c $$$$f -o $$(@D)/ref/$$$$(basename $$$$f .c).o || exit 1; done
	ld -r $$(@D)/ref/*.o -o $$@
# The adapter links into the judge too: there it calls the reference, which
# the judge times on each call's inputs to derive the call's time limit.
$(BIN)/grade-$(1): grader/labs/$(1)/tests.c $(wildcard grader/labs/$(1)/questions_tests.c) $(B)/lab$(1)/reference.o $(B)/lab$(1)/adapter.o $(addprefix $(B)/engine/,judge.o call.o report.o compile_sandbox.o) $(B)/libcommon.a $(BIN)/lib/librunner-$(1).a
	@mkdir -p $$(@D)
	$(CC) $(CFLAGS) $(COMMON_INC) -I$(call labdir,$(1)) -Igrader/engine grader/labs/$(1)/tests.c \
	  $(B)/lab$(1)/reference.o $(B)/lab$(1)/adapter.o $(addprefix $(B)/engine/,judge.o call.o report.o compile_sandbox.o) $(B)/libcommon.a \
	  -lseccomp -lm -o $$@
endef
$(foreach id,$(LAB_IDS),$(eval $(call LAB_RULES,$(id))))

GRADERS := $(addprefix $(BIN)/grade-,$(LAB_IDS))
.PHONY: grader
grader: $(GRADERS) ## build every lab's grader into grader/bin/

# ---------------------------------------------------------------- grading
.PHONY: grade
grade: deps $(GRADERS) ## grade labs/ (LAB=NN for one lab, SUB=dir for a submission folder)
	@rc=0; for id in $(if $(LAB),$(LAB),$(LAB_IDS)); do \
	  if [ ! -x $(BIN)/grade-$$id ]; then echo "no lab $$id here (labs: $(LAB_IDS))"; exit 2; fi; \
	  $(BIN)/grade-$$id $(GRADE_FLAGS) $(SUB) || { r=$$?; [ $$r -le 1 ] || rc=$$r; }; echo; \
	done; \
	echo "next: edit the TODOs in labs/NN-*/, then 'make check LAB=NN' and 'make grade LAB=NN'"; \
	exit $$rc

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
.PHONY: test unit-tests visible-tests demo-tests grader-tests
TEST_STAGES := unit-tests check-skeletons visible-tests demo-tests grader-tests lab-tests plots sanitize valgrind
test: deps ## the kit's whole test suite (what CI runs)
	@pass=0; fail=0; failed=; for t in $(TEST_STAGES); do \
	  echo "=== make $$t"; \
	  if $(MAKE) --no-print-directory $$t; then pass=$$((pass+1)); else fail=$$((fail+1)); failed="$$failed $$t"; fi; \
	done; \
	[ -z "$$failed" ] || echo "failed stages:$$failed"; \
	echo "kit: $$pass passed, $$fail failed"; [ $$fail = 0 ]

$(B)/tests/check_common: tests/check_common.c $(COMMON_SRC) labs/common/*.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(COMMON_INC) $< $(COMMON_SRC) $(CHECK_LIBS) -o $@
unit-tests: $(B)/tests/check_common ## Check suites of labs/common
	$(B)/tests/check_common

visible-tests: ## every lab's visible tests pass on its reference solution
	$(foreach id,$(LAB_IDS),$(call check-one,$(id),$(call soldir,$(id)),$(B)/check-ref/$(id)) &&) true

demo-tests: $(B)/libcommon.a ## every lab's demo reproduces the course's printed numbers
	$(foreach id,$(LAB_IDS),$(MAKE) --no-print-directory $(B)/demo/lab$(id) >/dev/null && $(B)/demo/lab$(id) examples >/dev/null &&) true
	@echo "demos: every printed course number reproduced"

grader-tests: $(GRADERS) ## graders: reference full marks, skeleton 0, broken and hostile solutions lose points
	$(PY) tests/test_grader.py $(LAB_IDS)
	$(PY) tests/test_redteam_compile.py $(LAB_IDS)
	$(PY) tests/test_redteam_run.py $(LAB_IDS)

.PHONY: lab-tests
lab-tests: $(LAB_TESTS) ## each lab's extra checks (cross-checks against numpy, file formats)
	@echo "lab tests: $(if $(LAB_TESTS),$(LAB_TESTS),none) passed"

# ---------------------------------------------------------------- sanitizers
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
.PHONY: sanitize valgrind
sanitize: deps-build ## ASan/UBSan: common tests and every lab's visible tests on its solution
	@mkdir -p $(B)/san
	$(CC) $(CFLAGS) $(SAN) $(COMMON_INC) tests/check_common.c $(COMMON_SRC) $(CHECK_LIBS) -o $(B)/san/check_common
	CK_FORK=no $(B)/san/check_common
	$(foreach id,$(LAB_IDS),$(call check-one,$(id),$(call soldir,$(id)),$(B)/san/$(id),$(SAN),CK_FORK=no) &&) true
	@# The judge itself, instrumented, grading the reference (runners stay plain).
	$(foreach id,$(LAB_IDS),\
	  $(CC) $(CFLAGS) $(SAN) $(COMMON_INC) -I$(call labdir,$(id)) -Igrader/engine grader/labs/$(id)/tests.c \
	    grader/labs/$(id)/adapter.c $(wildcard $(call soldir,$(id))/*.c) $(ENGINE_SRC) $(COMMON_SRC) -lseccomp -lm -o $(BIN)/asan-grade-$(id) && \
	  $(BIN)/asan-grade-$(id) $(call soldir,$(id)) >/dev/null && rm -f $(BIN)/asan-grade-$(id) &&) true
	@echo "sanitizers: clean"

VALGRIND := valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
valgrind: $(B)/tests/check_common $(GRADERS) ## valgrind: common tests, visible tests, and the graders' judge processes
	CK_FORK=no $(VALGRIND) $(B)/tests/check_common
	$(foreach id,$(LAB_IDS),$(call check-one,$(id),$(call soldir,$(id)),$(B)/vg/$(id),,CK_FORK=no $(VALGRIND)) &&) true
	@# The judge under valgrind cannot build its sandbox (valgrind's own system
	@# calls would hit the filter), so it grades an empty folder here, in every
	@# format; the full grading path runs under ASan/UBSan in 'make sanitize'.
	@mkdir -p $(B)/vg/empty
	for id in $(LAB_IDS); do for f in text gradescope junit tap; do \
	  $(VALGRIND) $(BIN)/grade-$$id --format $$f $(B)/vg/empty >/dev/null; \
	  [ $$? = 1 ] || { echo "valgrind: grade-$$id --format $$f failed"; exit 1; }; done; done
	@echo "valgrind: clean"

# ---------------------------------------------------------------- benchmarks
.PHONY: bench
bench: $(GRADERS) ## time grading each reference, sleeping, spinning and hanging submissions, and each lab's own benchmarks
	@$(PY) tests/bench_grader.py $(LAB_IDS)
	@$(MAKE) --no-print-directory $(B)/demo/lab01 >/dev/null && $(B)/demo/lab01 bench
	@$(if $(LAB_BENCH),$(MAKE) --no-print-directory $(LAB_BENCH),true)

.PHONY: clean
clean: ## remove build outputs (build/, grader/bin/)
	rm -rf $(B) $(BIN)
