# lab.mk - Lab 05's figure and its safetensors cross-check, included by the
# root Makefile (`make plots`, `make test`'s lab-tests stage).
PLOTS += plots/lab05-drift.svg
LAB_TESTS += lab05-safetensors-crosscheck

$(eval $(call demo-data,05,drift,drift))
plots/lab05-drift.svg: labs/05-merge-switch/plots/drift.gp $(B)/plots/lab05-drift.dat | deps-plots
	gnuplot -e "datafile='$(B)/plots/lab05-drift.dat'; outfile='$@'" $<

# A reader written with Python's standard library checks the files the C code
# writes, and the C code reads files Python writes (tools/read_safetensors.py).
.PHONY: lab05-safetensors-crosscheck
lab05-safetensors-crosscheck: $(B)/demo/lab05 | deps-python
	$(PY) labs/05-merge-switch/tools/read_safetensors.py $(B)/demo/lab05

# A header cut short after `{"a":` (13 bytes with its spaces): the decoder's
# message names the byte where the reader stopped.
LAB_TESTS += lab05-decoder-messages
.PHONY: lab05-decoder-messages
lab05-decoder-messages: $(B)/demo/lab05
	@mkdir -p $(B)/lab05-bad
	@printf '\015\000\000\000\000\000\000\000{"a":        ' > $(B)/lab05-bad/cut.safetensors
	@! $(B)/demo/lab05 load $(B)/lab05-bad/cut.safetensors > /dev/null 2> $(B)/lab05-bad/err.txt
	@grep -q "header JSON: expected '{' at header byte 13 (file byte 21): the 13-byte header ends there" \
	  $(B)/lab05-bad/err.txt || { cat $(B)/lab05-bad/err.txt; exit 1; }
	@echo "lab05-decoder-messages: a cut header is rejected at header byte 13 (file byte 21)"
