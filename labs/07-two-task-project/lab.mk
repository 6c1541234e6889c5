# lab.mk - Lab 07 (the two-task project), included by the root Makefile:
# its figures (make plots), the numpy cross-check and the data-file check
# (make test's lab-tests stage) and the benchmark (make bench).
L07 := labs/07-two-task-project
PLOTS += plots/lab07-loss-curves.svg plots/lab07-accuracy.svg plots/lab07-crossover.svg \
         plots/lab07-network.svg plots/lab07-seeds.svg
LAB_TESTS += lab07-data lab07-numpy-crosscheck
LAB_BENCH += lab07-bench

# The data file every implementation trains on (regenerate: make lab07-data-update).
.PHONY: lab07-data lab07-data-update lab07-numpy-crosscheck lab07-bench
lab07-data-update: $(B)/demo/lab07
	LORALAB_SEED=20261124 $(B)/demo/lab07 write-data > data/lab07/two-task.txt
# The committed file is what the demo writes today, bit for bit.
lab07-data: $(B)/demo/lab07
	@mkdir -p $(B)/lab07
	LORALAB_SEED=20261124 $(B)/demo/lab07 write-data > $(B)/lab07/two-task.txt
	cmp $(B)/lab07/two-task.txt data/lab07/two-task.txt
	@echo "lab07 data: data/lab07/two-task.txt is reproduced by lab07-demo write-data"

lab07-numpy-crosscheck: $(B)/demo/lab07 | deps-python
	@mkdir -p $(B)/lab07
	$(B)/demo/lab07 losses --data data/lab07/two-task.txt > $(B)/lab07/c-losses.txt
	$(PY) $(L07)/crosscheck/two_task.py check data/lab07/two-task.txt $(B)/lab07/c-losses.txt

lab07-bench: $(B)/demo/lab07 | deps-python
	$(PY) $(L07)/crosscheck/two_task.py bench data/lab07/two-task.txt $(B)/demo/lab07

$(eval $(call demo-data,07,curves,curves))
$(eval $(call demo-data,07,crossover,crossover))
plots/lab07-loss-curves.svg: $(L07)/plots/loss_curves.gp $(B)/plots/lab07-curves.dat | deps-plots
	gnuplot -e "datafile='$(B)/plots/lab07-curves.dat'; outfile='$@'" $<
plots/lab07-accuracy.svg: $(L07)/plots/accuracy.gp $(B)/plots/lab07-curves.dat | deps-plots
	gnuplot -e "datafile='$(B)/plots/lab07-curves.dat'; outfile='$@'" $<
plots/lab07-crossover.svg: $(L07)/plots/crossover.gp $(B)/plots/lab07-crossover.dat | deps-plots
	gnuplot -e "datafile='$(B)/plots/lab07-crossover.dat'; outfile='$@'" $<
plots/lab07-network.svg: $(L07)/diagrams/network.dot | deps-plots
	dot -Tsvg $< -o $@

# The project over 50 data seeds (about 4 s of CPU): the distribution behind
# the graded draw's accuracies.
$(eval $(call demo-data,07,seeds,seeds))
plots/lab07-seeds.svg: $(L07)/plots/seeds.gp $(B)/plots/lab07-seeds.dat | deps-plots
	gnuplot -e "datafile='$(B)/plots/lab07-seeds.dat'; outfile='$@'" $<

# The course's 21.5x amplification beside the project's trained LoRA 1 (about 1 s).
PLOTS += plots/lab07-amplification.svg
$(eval $(call demo-data,07,amplification,amplification))
plots/lab07-amplification.svg: $(L07)/plots/amplification.gp data/course/amplification.tsv $(B)/plots/lab07-amplification.dat | deps-plots
	gnuplot -e "course='data/course/amplification.tsv'; datafile='$(B)/plots/lab07-amplification.dat'; outfile='$@'" $<
