# lab.mk - Lab 08's figures, its benchmark and its adapter-file cross-check,
# included by the root Makefile (`make plots`, `make bench`, `make test`).
PLOTS += plots/lab08-latency.svg plots/lab08-throughput.svg plots/lab08-pool.svg
LAB_BENCH += lab08-bench
LAB_TESTS += lab08-files-crosscheck

$(eval $(call demo-data,08,latency,latency))
$(eval $(call demo-data,08,throughput,throughput))
$(B)/plots/lab08-pool.dat: $(B)/demo/lab08
	@mkdir -p $(@D)
	$(B)/demo/lab08 pool $(B)/lab08-pool > $@
plots/lab08-latency.svg: labs/08-serving-adapters/plots/latency.gp data/course/latency.tsv $(B)/plots/lab08-latency.dat | deps-plots
	gnuplot -e "latency='data/course/latency.tsv'; datafile='$(B)/plots/lab08-latency.dat'; outfile='$@'" $<
plots/lab08-throughput.svg: labs/08-serving-adapters/plots/throughput.gp $(B)/plots/lab08-throughput.dat | deps-plots
	gnuplot -e "datafile='$(B)/plots/lab08-throughput.dat'; outfile='$@'" $<
plots/lab08-pool.svg: labs/08-serving-adapters/plots/pool.gp $(B)/plots/lab08-pool.dat | deps-plots
	gnuplot -e "datafile='$(B)/plots/lab08-pool.dat'; outfile='$@'" $<

# make bench: the reference's batched kernel against a blocked C matrix
# product measured in the same run (bar: its FLOP rate within 2x).
.PHONY: lab08-bench
lab08-bench: $(B)/demo/lab08
	$(B)/demo/lab08 bench

# The pool's files are Lab 05's format: Lab 05's decoder (its demo's `load`,
# the reference when the kit has it, else the student's Lab 05) reads a file labs/common/lora_file.c
# wrote, and lora_file.c reads the F64 file Lab 05's encoder wrote, value
# for value.
.PHONY: lab08-files-crosscheck
lab08-files-crosscheck: $(B)/demo/lab08 $(B)/demo/lab05
	@rm -rf $(B)/lab08-files && mkdir -p $(B)/lab08-files
	@$(B)/demo/lab08 write $(B)/lab08-files/w.safetensors 2>/dev/null | tail -n +2 > $(B)/lab08-files/written.txt
	@$(B)/demo/lab05 load $(B)/lab08-files/w.safetensors 2>/dev/null | tail -n +3 > $(B)/lab08-files/lab05-read.txt
	@cmp -s $(B)/lab08-files/written.txt $(B)/lab08-files/lab05-read.txt || { \
	  echo "lab08-files-crosscheck: Lab 05's decoder reads other values than lora_file_write wrote" \
	    "(Lab 05's demo links your labs/05-*/safetensors.c when the kit has no reference: finish Lab 05 first)"; exit 1; }
	@$(B)/demo/lab05 save $(B)/lab08-files 2>/dev/null | sed -n '/^file f64/,$$p' | grep -E '^[AB] ' > $(B)/lab08-files/lab05-wrote.txt
	@$(B)/demo/lab08 read $(B)/lab08-files/f64.safetensors 2>/dev/null | tail -n +2 > $(B)/lab08-files/lab08-read.txt
	@cmp -s $(B)/lab08-files/lab05-wrote.txt $(B)/lab08-files/lab08-read.txt || { \
	  echo "lab08-files-crosscheck: lora_file_read reads other values than Lab 05's encoder wrote"; exit 1; }
	@echo "lab08-files-crosscheck: Lab 05 reads lora_file_write's file and lora_file_read reads Lab 05's, value for value"
