# latency.gp - lesson 1's latency table (the course's GPU numbers,
# data/course/latency.tsv) beside the overhead this CPU measures for the same
# variants of a small transformer-shaped stack (`lab08-demo latency`:
# blocks per sequence length 1, 8, 32; columns 1 batch, 12 LoRA unmerged %,
# 13 LoRA merged %, 14 Houlsby adapter %).
#
#   gnuplot -e "latency='data/course/latency.tsv'; datafile='build/plots/lab08-latency.dat'; \
#               outfile='plots/lab08-latency.svg'" labs/08-serving-adapters/plots/latency.gp
if (!exists("latency") || !exists("datafile") || !exists("outfile")) {
    print "latency.gp: set latency, datafile and outfile"
    exit status 2
}
set terminal svg size 1200,520 dynamic enhanced font "sans,12" background rgb "white"
set output outfile
set multiplot layout 1,2 title "Latency overhead over the base model: the course's GPU table and this CPU (make plots)" font ",14"

set title "the course (LoRA paper, Table 1): GPT-2 medium, one RTX8000"
set datafile separator "\t"
set logscale x 2
set xrange [0.7:100]
set xtics (1, 2, 4, 16, 32, 64)
set xlabel "batch size (sequence length 128, 256, 512)"
set ylabel "extra time over the base (%)"
set yrange [-10:35]
set grid xtics ytics lc rgb "#dddddd"
set key top right box opaque
plot latency using 1:(100*($6/$3-1)) with linespoints lw 2 pt 5 lc rgb "#7570b3" title "Adapter^H", \
     latency using 1:(0) with linespoints lw 2 pt 9 lc rgb "#1b9e77" title "LoRA merged"

set title "this CPU (lab08-demo latency): 2 layers, width 64, CPU time, best run"
set datafile separator whitespace
set xlabel "batch size (sequence length 1: solid, 8: dashed)"
plot datafile index 0 using 1:14 with linespoints lw 2 pt 5 lc rgb "#7570b3" title "Adapter^H, seq 1", \
     datafile index 0 using 1:12 with linespoints lw 2 pt 7 lc rgb "#d95f02" title "LoRA unmerged, seq 1", \
     datafile index 0 using 1:13 with linespoints lw 2 pt 9 lc rgb "#1b9e77" title "LoRA merged, seq 1", \
     datafile index 1 using 1:14 with linespoints lw 1 dt 2 pt 5 lc rgb "#7570b3" notitle, \
     datafile index 1 using 1:12 with linespoints lw 1 dt 2 pt 7 lc rgb "#d95f02" notitle, \
     datafile index 1 using 1:13 with linespoints lw 1 dt 2 pt 9 lc rgb "#1b9e77" notitle
unset multiplot
unset output
