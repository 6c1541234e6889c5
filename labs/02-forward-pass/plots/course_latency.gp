# course_latency.gp - lesson 1's adapter latency table (the course's numbers,
# data/course/latency.tsv) beside what the kit counts in Lab 02: the extra
# multiplications an UNMERGED LoRA layer does per input row, from
# `lab02-demo opcounts` (column 8: factored / base).  Merged, LoRA adds
# nothing, which is the paper's "Fine-Tune / LoRA" column.
#
#   gnuplot -e "latency='data/course/latency.tsv'; datafile='build/plots/lab02-opcount.dat'; \
#               outfile='plots/lab02-course-latency.svg'" labs/02-forward-pass/plots/course_latency.gp
if (!exists("latency") || !exists("datafile") || !exists("outfile")) {
    print "course_latency.gp: set latency, datafile and outfile"
    exit status 2
}
set terminal svg size 1200,520 dynamic enhanced font "sans,12" background rgb "white"
set output outfile
set multiplot layout 1,2 title "Lesson 1's latency table beside Lab 02's count (make plots)" font ",14"

set title "the course (LoRA paper, Table 1): GPT-2 medium, one RTX8000"
set datafile separator "\t"
set logscale x 2
set xrange [0.7:48]
set xtics (1, 2, 4, 8, 16, 32)
set xlabel "batch size (sequence length 128, 256, 512)"
set ylabel "extra time over fine-tuned / merged LoRA (%)"
set yrange [-2:35]
set grid xtics ytics lc rgb "#dddddd"
set key top right box opaque
plot latency using 1:(100*($4/$3-1)) with linespoints lw 2 pt 7 lc rgb "#d95f02" title "Adapter^L (Lin et al.)", \
     latency using 1:(100*($6/$3-1)) with linespoints lw 2 pt 5 lc rgb "#7570b3" title "Adapter^H (Houlsby et al.)", \
     latency using 1:(0) with linespoints lw 2 pt 9 lc rgb "#1b9e77" title "LoRA merged (= fine-tuned)"

set title "the kit (lab02-demo opcounts): unmerged LoRA layer, per input row"
set datafile separator whitespace
set logscale x 2
set xrange [1:1024]
set xtics (1, 4, 16, 64, 256, 1024)
set xlabel "rank r"
set ylabel "extra multiplications over the base layer (%)"
set logscale y 10
set yrange [0.01:400]
set format y "%g"
plot datafile index 0 using 3:(100*($8-1)) with linespoints lw 2 pt 7 ps 0.6 lc rgb "#1b9e77" title "768 x 768 (BERT-base)", \
     datafile index 1 using 3:(100*($8-1)) with linespoints lw 2 pt 5 ps 0.6 lc rgb "#d95f02" title "4096 x 4096", \
     datafile index 2 using 3:(100*($8-1)) with linespoints lw 2 pt 9 ps 0.6 lc rgb "#7570b3" title "4096 -> 11008"
unset multiplot
unset output
