# lab.mk - Lab 01's figures, included by the root Makefile (`make plots`).
PLOTS += plots/lab01-spectrum.svg plots/lab01-error.svg plots/lab01-ratio.svg

$(eval $(call demo-data,01,spectrum,spectrum))
$(eval $(call demo-data,01,error,errors))
$(eval $(call demo-data,01,ratio,ratios))
plots/lab01-%.svg: labs/01-rank-factorization/plots/%.gp $(B)/plots/lab01-%.dat | deps-plots
	gnuplot -e "datafile='$(B)/plots/lab01-$*.dat'; outfile='$@'" $<
