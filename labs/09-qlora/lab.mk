# lab.mk - Lab 09 (QLoRA), included by the root Makefile: its figures (make
# plots), the run of Labs 06 and 07 on a 4-bit base (lab09-reuse), and the
# error table on the kit's own trained weights.
L09 := labs/09-qlora
PLOTS += plots/lab09-levels.svg plots/lab09-errors.svg plots/lab09-memory.svg plots/lab09-loss.svg

# lab09-reuse: Labs 06 and 07's demos compiled in (their main renamed), their
# lab code and Lab 09's qlora.c (each the reference when the kit has it),
# each compiled on its own (cc-each: mk/common.inc), then linked.
$(B)/lab09/reuse: $(wildcard $(L09)/reuse/*.c) $(L09)/reuse/reuse.h labs/06-train-adapter/demo.c \
  labs/07-two-task-project/demo.c $(call demo-srcs,06) $(call demo-srcs,07) $(call demo-srcs,09) $(B)/libcommon.a
	@$(call cc-each,$@,$(STUDENT_CFLAGS) $(if $(wildcard $(call soldir,09)/*.c),-Werror) -D_POSIX_C_SOURCE=200809L \
	  $(COMMON_INC) -Ilabs/06-train-adapter -Ilabs/07-two-task-project -I$(L09),$(filter-out %/demo.c,$(filter %.c,$^)))
-include $(wildcard $(B)/lab09/reuse.o/*.d)

# The trained weights of Labs 06 and 07, made by their own code.
$(B)/lab09/weights.txt: $(B)/lab09/reuse
	$(B)/lab09/reuse weights > $@

.PHONY: lab09-errors lab09-reuse
lab09-errors: $(B)/demo/lab09 $(B)/lab09/weights.txt ## Lab 09: NF4, int4, FP4 error on normal, outlier and the kit's trained weights
	$(B)/demo/lab09 errors $(B)/lab09/weights.txt
lab09-reuse: $(B)/lab09/reuse ## Lab 09: Labs 06 and 07 trained on 4-bit bases over several seeds
	$(B)/lab09/reuse lab06
	$(B)/lab09/reuse lab07

$(eval $(call demo-data,09,levels,levels))
$(eval $(call demo-data,09,curves,curves))
plots/lab09-levels.svg: $(L09)/plots/levels.gp $(B)/plots/lab09-levels.dat | deps-plots
	gnuplot -e "datafile='$(B)/plots/lab09-levels.dat'; outfile='$@'" $<
plots/lab09-loss.svg: $(L09)/plots/loss.gp $(B)/plots/lab09-curves.dat | deps-plots
	gnuplot -e "datafile='$(B)/plots/lab09-curves.dat'; outfile='$@'" $<
# errors: one line per kind of weights: name relMSE_NF4 worst_NF4 relMSE_int4 ... (from the table)
$(B)/plots/lab09-errors.dat: $(B)/demo/lab09 $(B)/lab09/weights.txt
	@mkdir -p $(@D)
	$(B)/demo/lab09 errors $(B)/lab09/weights.txt 2>/dev/null | sed -n \
	  -e 's/^| \([^|]*[^ |]\) *| *[0-9]* | \([^ ]*\) | \([^ ]*\) | \([^ ]*\) | \([^ ]*\) | \([^ ]*\) | \([^ ]*\) | .*/"\1" \2 \3 \4 \5 \6 \7/p' > $@
	@test $$(wc -l < $@) -ge 4 || { echo "$@: error-table rows not found (did its format change?)"; exit 1; }
plots/lab09-errors.svg: $(L09)/plots/errors.gp $(B)/plots/lab09-errors.dat | deps-plots
	gnuplot -e "datafile='$(B)/plots/lab09-errors.dat'; outfile='$@'" $<
# memory: model, fp16 weights, full FT, LoRA fp16 base, QLoRA NF4, QLoRA NF4 + DQ (GB)
$(B)/plots/lab09-memory.dat: $(B)/demo/lab09
	@mkdir -p $(@D)
	$(B)/demo/lab09 memory | sed -n \
	  -e 's/^| LLaMA \([0-9]*B\) | [^|]* | [^|]* | [^|]* | \([0-9.]*\) GB | \([0-9.]*\) GB | \([0-9.]*\) GB | \([0-9.]*\) GB | \([0-9.]*\) GB |/\1 \2 \3 \4 \5 \6/p' > $@
	@test $$(wc -l < $@) -eq 3 || { echo "$@: memory-table rows not found (did its format change?)"; exit 1; }
plots/lab09-memory.svg: $(L09)/plots/memory.gp $(B)/plots/lab09-memory.dat | deps-plots
	gnuplot -e "datafile='$(B)/plots/lab09-memory.dat'; outfile='$@'" $<
