# lab.mk - Lab 06's figure and extra check, included by the root Makefile.
PLOTS += plots/lab06-loss-curves.svg
LAB_TESTS += lab06-numpy

$(eval $(call demo-data,06,loss-curves,curves))
plots/lab06-loss-curves.svg: labs/06-train-adapter/plots/loss_curves.gp $(B)/plots/lab06-loss-curves.dat | deps-plots
	gnuplot -e "datafile='$(B)/plots/lab06-loss-curves.dat'; outfile='$@'" $<

# The exercise's algorithm written in numpy, line for line as the exercise prints it, and
# torch.optim.Adam's update in numpy, against the C code on one problem.
.PHONY: lab06-numpy
lab06-numpy: $(B)/demo/lab06 | deps-python
	@mkdir -p $(B)/lab06
	$(B)/demo/lab06 dump > $(B)/lab06/dump.txt
	$(PY) labs/06-train-adapter/tests/crosscheck_numpy.py $(B)/lab06/dump.txt

# The course's tables (data/course) beside the kit's rank table (Lab 06) and
# Lab 07's accuracy by rank (its seeds data, made by labs/07-*/lab.mk).
PLOTS += plots/lab06-course-rank.svg plots/lab06-course-results.svg
# lab06-rank.dat: r (0 = full fine-tuning) params mse_sgd mse_adam sgd/floor adam/floor
$(B)/plots/lab06-rank.dat: $(B)/demo/lab06
	@mkdir -p $(@D)
	$(B)/demo/lab06 rank-table | sed -n \
	  -e 's/^| r = \([0-9]*\) (\([0-9]*\) params) | \([^ ]*\) | \([^ ]*\) | \([^ ]*\) | \([^ ]*\) |.*/\1 \2 \3 \4 \5 \6/p' \
	  -e 's/^| full (\([0-9]*\) params) | \([^ ]*\) | \([^ ]*\) | .*/0 \1 \2 \3 1 1/p' > $@
	@test $$(wc -l < $@) -ge 5 || { echo "$@: rank-table rows not found (did its format change?)"; exit 1; }
plots/lab06-course-rank.svg: labs/06-train-adapter/plots/course_rank.gp data/course/rank.tsv data/course/weight_types.tsv $(B)/plots/lab06-rank.dat $(B)/plots/lab07-seeds.dat | deps-plots
	gnuplot -e "rank='data/course/rank.tsv'; types='data/course/weight_types.tsv'; lab06='$(B)/plots/lab06-rank.dat'; lab07='$(B)/plots/lab07-seeds.dat'; outfile='$@'" $<
plots/lab06-course-results.svg: labs/06-train-adapter/plots/course_results.gp data/course/gpt3_results.tsv data/course/deberta_xxl.tsv $(B)/plots/lab06-rank.dat | deps-plots
	gnuplot -e "gpt3='data/course/gpt3_results.tsv'; deberta='data/course/deberta_xxl.tsv'; lab06='$(B)/plots/lab06-rank.dat'; outfile='$@'" $<
