# instructor.mk - the instructor's workflow: hand out, grade a class, benchmarks.
# Included by the root Makefile (it includes every mk/*.mk).
HANDOUT_OUT     ?= $(B)/handout
HANDOUT_GRADERS ?= 0
# Outside build/: `make clean` keeps the gradebooks.
GRADE_ALL_OUT   ?= grades/lab-$(LAB)
JOBS            ?= $(shell echo $$(( 2 * $$(nproc 2>/dev/null || echo 1) )))
SEED            ?= 20261124
CLASS_SIZE      ?= 200

.PHONY: handout grade-all sample-class bench-class instructor-tests
handout: deps-build $(if $(filter 1 yes,$(HANDOUT_GRADERS)),$(GRADERS)) ## students' copy + archive in build/handout (HANDOUT_GRADERS=1 ships graders)
	$(PY) tools/handout.py --out $(HANDOUT_OUT) $(if $(filter 1 yes,$(HANDOUT_GRADERS)),--graders)

grade-all: deps $(GRADERS) ## grade a class: LAB=NN SUBMISSIONS=dir [ROSTER=class.csv GRADE_ALL_OUT=dir JOBS=n SEED=n REGRADE=1]
	@[ -n "$(LAB)" ] && [ -n "$(SUBMISSIONS)" ] || { \
	  echo "usage: make grade-all LAB=NN SUBMISSIONS=dir   (one folder, .zip or .tar.gz per student)"; exit 2; }
	$(PY) tools/grade_all.py --lab $(LAB) --submissions $(SUBMISSIONS) --out $(GRADE_ALL_OUT) \
	  --jobs $(JOBS) --seed $(SEED) $(if $(REGRADE),--regrade) $(if $(ROSTER),--roster $(ROSTER))
	@echo "next: open $(GRADE_ALL_OUT)/summary.txt; send each student $(GRADE_ALL_OUT)/feedback/ID.txt (ID: the gradebook's id column)"

sample-class: $(GRADERS) ## write Lab NN's sample class (>= 30 synthetic submissions) to build/sample-class/labNN
	@[ -n "$(LAB)" ] || { echo "usage: make sample-class LAB=NN"; exit 2; }
	$(PY) tests/sample_class.py $(LAB) $(B)/sample-class/lab$(LAB)
	@echo "next: make grade-all LAB=$(LAB) SUBMISSIONS=$(B)/sample-class/lab$(LAB)"

bench-class: $(GRADERS) ## time grading a class of CLASS_SIZE (200) mixed submissions of LAB=NN (default 02); bar 60 s
	$(PY) tests/bench_class.py $(if $(LAB),$(LAB),02) $(CLASS_SIZE)

# Part of `make test` (its lab-tests stage).
LAB_TESTS += instructor-tests
instructor-tests: grade-all-test handout-test ## sample classes graded by grade-all; the handout builds, grades, holds no answers
# Targets of their own, so that make test runs them side by side (minutes
# each): the handout's test in two parts (tests/test_handout.py --part).
.PHONY: grade-all-test handout-test handout-copies-test handout-figures-test
grade-all-test: $(GRADERS)
	$(PY) tests/test_grade_all.py $(LAB_IDS)
handout-test: handout-copies-test handout-figures-test
handout-copies-test: $(GRADERS)
	$(PY) tests/test_handout.py --part copies
handout-figures-test: $(GRADERS)
	$(PY) tests/test_handout.py --part figures

# `make bench` times a class too.
LAB_BENCH += bench-class
