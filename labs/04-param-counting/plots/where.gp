# where.gp - Lab 04: where LLaMA-7B's parameters sit against where LoRA's sit,
# as shares of each total, from `lab04-demo where`.
#
#   gnuplot -e "datafile='build/plots/lab04-where.dat'; outfile='plots/lab04-where.svg'" \
#           labs/04-param-counting/plots/where.gp
#
# Rows: embeddings, attention, MLP, norms, lm_head.  Columns: place, full
# model %, LoRA q v r = 8 %, LoRA all linear r = 8 %, then the counts.
if (!exists("datafile") || !exists("outfile")) {
    print "where.gp: set both datafile and outfile"
    exit status 2
}
set terminal svg size 900,560 dynamic enhanced font "sans,12" background rgb "white"
set output outfile
set title "Lab 04: LLaMA-7B, share of each total by place (from lab04-demo where)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border rgb "#333333"
set boxwidth 0.9
set yrange [0:105]
set ylabel "% of that total"
set grid ytics lc rgb "#dddddd"
set key top right box opaque
set xtics noenhanced
plot datafile using 2:xtic(1) lc rgb "#999999" title "full model", \
     '' using 3 lc rgb "#d95f02" title "LoRA q\\_proj, v\\_proj, r = 8", \
     '' using 4 lc rgb "#1b9e77" title "LoRA on all 7 linear kinds, r = 8"
unset output
