# lab.mk - Lab 02's figures, included by the root Makefile (`make plots`).
PLOTS += plots/lab02-lora-layer.svg plots/lab02-opcount.svg

plots/lab02-lora-layer.svg: labs/02-forward-pass/diagrams/lora_layer.dot | deps-plots
	dot -Tsvg $< -o $@
$(eval $(call demo-data,02,opcount,opcounts))
plots/lab02-opcount.svg: labs/02-forward-pass/plots/opcount.gp $(B)/plots/lab02-opcount.dat | deps-plots
	gnuplot -e "datafile='$(B)/plots/lab02-opcount.dat'; outfile='$@'" $<

# Lesson 1's latency table (data/course) beside Lab 02's operation count.
PLOTS += plots/lab02-course-latency.svg
plots/lab02-course-latency.svg: labs/02-forward-pass/plots/course_latency.gp data/course/latency.tsv $(B)/plots/lab02-opcount.dat | deps-plots
	gnuplot -e "latency='data/course/latency.tsv'; datafile='$(B)/plots/lab02-opcount.dat'; outfile='$@'" $<
