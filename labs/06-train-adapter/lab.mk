# lab.mk - Lab 06's figure and extra check, included by the root Makefile.
PLOTS += plots/lab06-loss-curves.svg
LAB_TESTS += lab06-numpy

$(B)/plots/lab06-loss-curves.dat: $(B)/demo/lab06
	@mkdir -p $(@D)
	$(B)/demo/lab06 curves > $@
plots/lab06-loss-curves.svg: labs/06-train-adapter/plots/loss_curves.gp $(B)/plots/lab06-loss-curves.dat | deps-build
	gnuplot -e "datafile='$(B)/plots/lab06-loss-curves.dat'; outfile='$@'" $<

# The exercise's algorithm written in numpy, line for line as the exercise prints it, and
# torch.optim.Adam's update in numpy, against the C code on one problem.
.PHONY: lab06-numpy
lab06-numpy: $(B)/demo/lab06
	@mkdir -p $(B)/lab06
	$(B)/demo/lab06 dump > $(B)/lab06/dump.txt
	$(PY) labs/06-train-adapter/tests/crosscheck_numpy.py $(B)/lab06/dump.txt
