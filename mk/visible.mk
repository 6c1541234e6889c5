# visible.mk - the stored expected values of the labs' visible tests
# (data/labNN/visible-expected.txt; data/VISIBLE.md says why).  Each is
# written by tools/visible/labNN.c linked with the reference solution.
#   make visible-expected         rewrite every stored file
#   make visible-expected-check   fail if a stored file differs from what the
#                                 reference writes today (run by visible-tests)
VISIBLE_LABS := $(patsubst tools/visible/lab%.c,%,$(wildcard tools/visible/lab[0-9][0-9].c))

define VISIBLE_RULES
$(B)/visible/gen-lab$(1): tools/visible/lab$(1).c tools/visible/gen.h $(call soldir,$(1))/*.c $(call labdir,$(1))/*.h $(B)/libcommon.a
	@mkdir -p $$(@D)
	$(CC) $(CFLAGS) $(COMMON_INC) -I$(call labdir,$(1)) -Itools/visible $$< \
	  $(filter-out %/demo.c,$(wildcard $(call soldir,$(1))/*.c)) $(B)/libcommon.a -lm -o $$@
endef
$(foreach id,$(VISIBLE_LABS),$(eval $(call VISIBLE_RULES,$(id))))

.PHONY: visible-expected visible-expected-check
visible-expected: $(addprefix $(B)/visible/gen-lab,$(VISIBLE_LABS)) ## rewrite data/labNN/visible-expected.txt from the reference
	@for id in $(VISIBLE_LABS); do mkdir -p data/lab$$id && \
	  $(B)/visible/gen-lab$$id > data/lab$$id/visible-expected.txt 2>/dev/null || exit 1; \
	  echo "wrote data/lab$$id/visible-expected.txt"; done

visible-expected-check: $(addprefix $(B)/visible/gen-lab,$(VISIBLE_LABS))
	@for id in $(VISIBLE_LABS); do \
	  $(B)/visible/gen-lab$$id 2>/dev/null | cmp -s - data/lab$$id/visible-expected.txt || \
	  { echo "data/lab$$id/visible-expected.txt is not what the reference writes today: make visible-expected"; exit 1; }; done
	@echo "visible expected values: $(foreach id,$(VISIBLE_LABS),data/lab$(id)/visible-expected.txt) match the reference"
visible-tests: visible-expected-check
