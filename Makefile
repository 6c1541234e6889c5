# loralab - a C course kit that teaches LoRA step by step and grades it.
#   make grade         grade every lab in labs/ (installs what is missing first)
#   make test          the kit's own test suite (what CI runs)
#   make help          every target, one line each
.DEFAULT_GOAL := help
SHELL := /bin/bash

CC      ?= cc
CFLAGS  := -std=c11 -O2 -g -Wall -Wextra -Werror -D_POSIX_C_SOURCE=200809L
PY      := /usr/bin/python3
LABS    := $(sort $(notdir $(wildcard labs/[0-9][0-9]-*)))
LAB_IDS := $(foreach l,$(LABS),$(firstword $(subst -, ,$(l))))
B       := build
BIN     := grader/bin
COMMON_SRC := $(wildcard labs/common/*.c)
COMMON_INC := -Ilabs/common
ENGINE_SRC := grader/engine/judge.c grader/engine/call.c grader/engine/report.c

# The lab folder and files for LAB=NN.
labdir   = labs/$(filter $(1)-%,$(LABS))
soldir   = solutions/$(filter $(1)-%,$(LABS))

include mk/deps.mk

.PHONY: help
help: ## list every target with one line each
	@awk 'BEGIN{FS=":.*## "} /^[a-zA-Z_-]+:.*## /{printf "  make %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)
	@echo "  Labs here: $(LAB_IDS)   (LAB=NN picks one; SUB=dir grades a submission folder)"

# ---------------------------------------------------------------- build
$(B)/common/%.o: labs/common/%.c labs/common/*.h | deps-build
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(COMMON_INC) -c $< -o $@
COMMON_OBJ := $(patsubst labs/common/%.c,$(B)/common/%.o,$(COMMON_SRC))
$(B)/libcommon.a: $(COMMON_OBJ)
	ar rcs $@ $^

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
	@mkdir -p $$(@D)
	$(CC) $(CFLAGS) $(COMMON_INC) -I$(call labdir,$(1)) -c $(call soldir,$(1))/*.c -o $$@
$(BIN)/grade-$(1): grader/labs/$(1)/tests.c $(B)/lab$(1)/reference.o $(addprefix $(B)/engine/,judge.o call.o report.o) $(B)/libcommon.a $(BIN)/lib/librunner-$(1).a
	@mkdir -p $$(@D)
	$(CC) $(CFLAGS) $(COMMON_INC) -I$(call labdir,$(1)) -Igrader/engine grader/labs/$(1)/tests.c \
	  $(B)/lab$(1)/reference.o $(addprefix $(B)/engine/,judge.o call.o report.o) $(B)/libcommon.a \
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
