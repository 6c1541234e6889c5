# lab.mk - Lab 03's figures, included by the root Makefile (`make plots`).
PLOTS += plots/lab03-update-size.svg plots/lab03-loss-curves.svg

$(eval $(call demo-data,03,update-size,update-size))
$(eval $(call demo-data,03,loss-curves,loss-curves))
plots/lab03-update-size.svg: labs/03-init-scaling/plots/update_size.gp $(B)/plots/lab03-update-size.dat | deps-plots
	gnuplot -e "datafile='$(B)/plots/lab03-update-size.dat'; outfile='$@'" $<
plots/lab03-loss-curves.svg: labs/03-init-scaling/plots/loss_curves.gp $(B)/plots/lab03-loss-curves.dat | deps-plots
	gnuplot -e "datafile='$(B)/plots/lab03-loss-curves.dat'; outfile='$@'" $<
