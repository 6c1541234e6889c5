# course_results.gp - lesson 5's results (the course's GPT-3 table,
# data/course/gpt3_results.tsv, and DeBERTa XXL's GLUE numbers,
# data/course/deberta_xxl.tsv) beside the kit's own comparison of LoRA with
# full fine-tuning: Lab 06's final MSE against the number of trained
# parameters (`lab06-demo rank-table`: r = 1, 2, 4, 8 and full fine-tuning).
#
#   gnuplot -e "gpt3='data/course/gpt3_results.tsv'; deberta='data/course/deberta_xxl.tsv'; \
#               lab06='build/plots/lab06-rank.dat'; outfile='plots/lab06-course-results.svg'" \
#           labs/06-train-adapter/plots/course_results.gp
if (!exists("gpt3") || !exists("deberta") || !exists("lab06") || !exists("outfile")) {
    print "course_results.gp: set gpt3, deberta, lab06 and outfile"
    exit status 2
}
set terminal svg size 1400,520 dynamic enhanced font "sans,12" background rgb "white"
set output outfile
set multiplot layout 1,3 title "LoRA against full fine-tuning: the course's results (left, middle) beside Lab 06 (right)" font ",14"
set grid xtics ytics lc rgb "#dddddd"

set title "course, lesson 5 (LoRA paper, Table 4): GPT-3 175B"
set datafile separator "\t"
set logscale x 10
set xrange [1:1e6]
set format x "10^{%L}"
set xlabel "trainable parameters (millions)"
set ylabel "accuracy (%)"
set yrange [70:93]
set key bottom right box opaque font ",10"
plot gpt3 using 2:3:1 with labels offset 0,1 font ",9" notitle, \
     gpt3 using 2:3 with points pt 7 ps 1.2 lc rgb "#1b9e77" title "WikiSQL", \
     gpt3 using 2:4:1 with labels offset 0,1 font ",9" notitle, \
     gpt3 using 2:4 with points pt 5 ps 1.2 lc rgb "#d95f02" title "MNLI-m"

set title "DeBERTa XXL on GLUE (Table 2): LoRA (4.7M) minus fine-tuning (1.5B)"
unset logscale x
set format x "%g"
set xrange [-0.6:7.6]
set xlabel ""
set ylabel "points"
set yrange [-0.6:1.2]
set style fill solid 0.8 border -1
set boxwidth 0.7
unset key
plot deberta using 0:($4-$3):xtic(1) with boxes lc rgb "#7570b3" notitle, \
     0 with lines lc rgb "#444444" notitle

set title "kit, Lab 06 (lab06-demo rank-table): task of true rank 4"
set datafile separator whitespace
set logscale x 2
set xrange [30:500]
set xtics (40, 80, 160, 320)
set xlabel "trained parameters"
set ylabel "final MSE (noise variance 0.01)"
set logscale y 10
set yrange [0.005:0.5]
set key top right box opaque
plot lab06 using ($1 > 0 ? $2 : NaN):3 with linespoints lw 2 pt 7 lc rgb "#7570b3" title "LoRA r = 1, 2, 4, 8 (SGD)", \
     lab06 using ($1 > 0 ? $2 : NaN):4 with linespoints lw 2 pt 5 dt 2 lc rgb "#e7298a" title "LoRA (Adam)", \
     lab06 using ($1 == 0 ? $2 : NaN):3 with points pt 9 ps 1.6 lc rgb "#000000" title "full fine-tuning"
unset multiplot
unset output
