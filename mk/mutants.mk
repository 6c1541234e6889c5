# mutants.mk - mutation testing of the hidden tests (tools/mutation_test.py; the
# results and what they mean: docs/mutants.md).
#   make mutants LAB=NN [N=60] [SEED=1] [JOBS=2]   one lab (all labs, one after
#                                                   another, without LAB)
# Each mutant changes one operator of solutions/NN-*/ inside its solution
# regions and is graded by grader/bin/grade-NN under nice; the report is
# build/mutants/labNN.txt.  N=all grades every candidate instead of a sample.
# SEED and JOBS have kit-wide defaults (mk/instructor.mk): only values given
# on the command line or in the environment reach the tool.
given = $(filter command line environment,$(origin $(1)))
.PHONY: mutants
mutants: $(if $(LAB),$(BIN)/grade-$(LAB),$(GRADERS)) ## kill rate of LAB=NN's hidden tests on single-operator mutants of the reference [N=60 SEED=1 JOBS=2]
	@for id in $(if $(LAB),$(LAB),$(LAB_IDS)); do \
	  $(PY) tools/mutation_test.py --lab $$id $(if $(filter all,$(N)),--all,$(if $(N),--sample $(N))) \
	    $(if $(call given,SEED),--seed $(SEED)) $(if $(call given,JOBS),-j $(JOBS)) || exit 1; done

.PHONY: mutate-test
mutate-test: ## tools/mutation_test.py's own test: the operators, the regions, the sample, the equivalence check
	$(PY) tests/test_mutation_test.py
