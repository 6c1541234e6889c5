# rank_sweep.gp - Lab 04: LoRA's trainable parameters against the rank r for
# several models and target sets, from `lab04-demo rank-sweep`.
#
#   gnuplot -e "datafile='build/plots/lab04-rank-sweep.dat'; outfile='plots/lab04-rank-sweep.svg'" \
#           labs/04-param-counting/plots/rank_sweep.gp
#
# Columns: r, gpt3 {q,v}, gpt3 {q,k,v,o}, llama-7b {q,v}, llama-7b all linear,
# bert-base {query,value}, gpt2-small {c_attn}.
if (!exists("datafile") || !exists("outfile")) {
    print "rank_sweep.gp: set both datafile and outfile"
    exit status 2
}
set terminal svg size 900,560 dynamic enhanced font "sans,12" background rgb "white"
set output outfile
set title "Lab 04: trainable parameters = sum over adapted matrices of r (d_{in} + d_{out})\n(from lab04-demo rank-sweep; counts from data/lab04)"
set logscale xy
set xrange [0.8:320]
set xtics (1, 2, 4, 8, 16, 32, 64, 128, 256)
set format y "10^{%L}"
set xlabel "rank r"
set ylabel "trainable LoRA parameters"
set grid xtics ytics lc rgb "#dddddd"
set key top left box opaque
plot datafile using 1:2 with linespoints lw 2 pt 7 lc rgb "#d95f02" title "GPT-3 175B: Wq, Wv", \
     datafile using 1:3 with linespoints lw 2 pt 5 lc rgb "#e6ab02" title "GPT-3 175B: Wq, Wk, Wv, Wo", \
     datafile using 1:4 with linespoints lw 2 pt 9 lc rgb "#1b9e77" title "LLaMA-7B: q\\_proj, v\\_proj", \
     datafile using 1:5 with linespoints lw 2 pt 11 lc rgb "#66a61e" title "LLaMA-7B: all 7 linear kinds", \
     datafile using 1:6 with linespoints lw 2 dt 2 pt 13 ps 1.6 lc rgb "#7570b3" title "BERT-base: query, value (same counts as GPT-2 small)", \
     datafile using 1:7 with linespoints lw 2 pt 15 lc rgb "#e7298a" title "GPT-2 small: c\\_attn (fused q|k|v)"
unset output
