# lab.mk - Lab 05's figure and its safetensors cross-check, included by the
# root Makefile (`make plots`, `make test`'s lab-tests stage).
PLOTS += plots/lab05-drift.svg
LAB_TESTS += lab05-safetensors-crosscheck

$(B)/plots/lab05-drift.dat: $(B)/demo/lab05
	@mkdir -p $(@D)
	$(B)/demo/lab05 drift > $@
plots/lab05-drift.svg: labs/05-merge-switch/plots/drift.gp $(B)/plots/lab05-drift.dat | deps-build
	gnuplot -e "datafile='$(B)/plots/lab05-drift.dat'; outfile='$@'" $<

# A reader written with Python's standard library checks the files the C code
# writes, and the C code reads files Python writes (tools/read_safetensors.py).
.PHONY: lab05-safetensors-crosscheck
lab05-safetensors-crosscheck: $(B)/demo/lab05
	$(PY) labs/05-merge-switch/tools/read_safetensors.py $(B)/demo/lab05
