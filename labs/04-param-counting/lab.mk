# lab.mk - Lab 04's figures, included by the root Makefile (`make plots`),
# and its extra checks (`make test` runs LAB_TESTS).
PLOTS += plots/lab04-rank-sweep.svg plots/lab04-storage.svg plots/lab04-where.svg
LAB_TESTS += lab04-demo-commands

$(B)/plots/lab04-%.dat: $(B)/demo/lab04
	@mkdir -p $(@D)
	$(B)/demo/lab04 $* > $@
plots/lab04-rank-sweep.svg: labs/04-param-counting/plots/rank_sweep.gp $(B)/plots/lab04-rank-sweep.dat | deps-plots
	gnuplot -e "datafile='$(B)/plots/lab04-rank-sweep.dat'; outfile='$@'" $<
plots/lab04-storage.svg: labs/04-param-counting/plots/storage.gp $(B)/plots/lab04-storage.dat | deps-plots
	gnuplot -e "datafile='$(B)/plots/lab04-storage.dat'; outfile='$@'" $<
plots/lab04-where.svg: labs/04-param-counting/plots/where.gp $(B)/plots/lab04-where.dat | deps-plots
	gnuplot -e "datafile='$(B)/plots/lab04-where.dat'; outfile='$@'" $<

# The demo's other subcommands run, `models MODEL` prints the README's
# GPT-2 small by hand, and a bad config stops them with a
# message naming the file and line (the parser's errors, end to end).
.PHONY: lab04-demo-commands
lab04-demo-commands: $(B)/demo/lab04
	@for c in exercises budget storage-table models rank-sweep storage where; do \
	  $(B)/demo/lab04 $$c > /dev/null || { echo "lab04-demo $$c failed"; exit 1; }; done
	@$(B)/demo/lab04 models gpt2-small | grep -q '^  per layer (pc_model_params with layers = 1) *7,087,872$$'
	@$(B)/demo/lab04 models gpt2-small | grep -q '^  final LayerNorm (1) *1,536$$'
	@$(B)/demo/lab04 models bert-base | grep -q 'total (pc_model_params) *109,482,240   ok$$'
	@$(B)/demo/lab04 summary llama-7b 8 | grep -qx 'trainable params: 4,194,304 || all params: 6,742,609,920 || trainable%: 0.0622'
	@mkdir -p $(B)/lab04-bad && sed 's/^d_model 768/d_model -768/' data/lab04/gpt2-small.cfg > $(B)/lab04-bad/gpt2-small.cfg
	@! LAB04_DATA=$(B)/lab04-bad $(B)/demo/lab04 summary gpt2-small 4 2> $(B)/lab04-bad/err.txt
	@grep -q 'gpt2-small.cfg:16: d_model: -768 is out of range' $(B)/lab04-bad/err.txt || { cat $(B)/lab04-bad/err.txt; exit 1; }
	@echo "lab04-demo-commands: every subcommand runs; a bad config names its file and line"
