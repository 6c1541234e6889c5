# platforms.mk - the kit on teaching platforms (included by the root Makefile).
#   make gradescope LAB=NN   Gradescope autograder: build/gradescope/lab-NN-autograder.zip
#   make classroom LAB=NN    GitHub Classroom template repository: build/classroom/lab-NN/
# Without LAB=NN, both do every lab.  docs/instructors-platforms.md explains
# the upload and the settings step by step; tests/test_platforms.py tests both
# (make test runs it in its lab-tests stage through LAB_TESTS).
PLATFORM_LABS = $(if $(LAB),$(LAB),$(LAB_IDS))
# CLASSROOM_GRADER=private (default): the workflow fetches the grader from a
# private repository; embedded: the grader (hidden tests and reference
# solution included) is committed into the student repository.
CLASSROOM_GRADER ?= private

.PHONY: gradescope classroom platform-tests
gradescope: ## Gradescope autograder zip of a lab (LAB=NN; all labs without LAB)
	@for id in $(PLATFORM_LABS); do \
	  case " $(LAB_IDS) " in *" $$id "*) ;; *) echo "no lab $$id here (labs: $(LAB_IDS))"; exit 2;; esac; \
	  $(PY) tools/gradescope/pack.py $$id || exit 2; done

classroom: ## GitHub Classroom template repo of a lab in build/classroom/lab-NN/ (LAB=NN)
	@for id in $(PLATFORM_LABS); do \
	  case " $(LAB_IDS) " in *" $$id "*) ;; *) echo "no lab $$id here (labs: $(LAB_IDS))"; exit 2;; esac; \
	  $(MAKE) --no-print-directory $(BIN)/grade-$$id >/dev/null || exit 2; \
	  $(PY) tools/classroom/make_template.py $$id --grader $(CLASSROOM_GRADER) || exit 2; done

LAB_TESTS += platform-tests
# Every lab's zip and template are made and checked, and each lab's own parts
# of its grader are built from its zip; the whole run (setup.sh builds the
# grader and the models it is run with (every model of the zip is applied to
# its reference; make grader compiles them all by the same grader.mk),
# run_autograder grades six submissions, the Classroom
# workflow runs) on PLATFORM_FULL only: Lab 05, two submitted files, a
# described adapter with drivers, data files.  That run is one code for
# every lab, and a full build from a zip costs a minute of CPU a lab.
PLATFORM_FULL ?= 05
platform-tests: ## Gradescope zips and Classroom templates of every lab; PLATFORM_FULL (05) built and run as the platforms would
	$(PY) tests/test_platforms.py --full $(PLATFORM_FULL) $(LAB_IDS)
