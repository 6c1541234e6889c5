# lab.mk - Lab 01's figures, included by the root Makefile (`make plots`).
PLOTS += plots/lab01-spectrum.svg plots/lab01-error.svg plots/lab01-ratio.svg

$(B)/plots/lab01-spectrum.dat: $(B)/demo/lab01
	@mkdir -p $(@D)
	$(B)/demo/lab01 spectrum > $@
$(B)/plots/lab01-error.dat: $(B)/demo/lab01
	@mkdir -p $(@D)
	$(B)/demo/lab01 errors > $@
$(B)/plots/lab01-ratio.dat: $(B)/demo/lab01
	@mkdir -p $(@D)
	$(B)/demo/lab01 ratios > $@
plots/lab01-%.svg: labs/01-rank-factorization/plots/%.gp $(B)/plots/lab01-%.dat | deps-plots
	gnuplot -e "datafile='$(B)/plots/lab01-$*.dat'; outfile='$@'" $<
