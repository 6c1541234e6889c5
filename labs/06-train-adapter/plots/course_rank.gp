# course_rank.gp - lesson 4's rank and weight-type tables (the course's
# numbers, data/course/rank.tsv and weight_types.tsv) beside what the kit
# measures on its own tasks: Lab 06's rank table (final MSE over full
# fine-tuning's, `lab06-demo rank-table`) and Lab 07's mean accuracy by rank
# over 10 data draws (`lab07-demo seeds`, index 2).
#
#   gnuplot -e "rank='data/course/rank.tsv'; types='data/course/weight_types.tsv'; \
#               lab06='build/plots/lab06-rank.dat'; lab07='build/plots/lab07-seeds.dat'; \
#               outfile='plots/lab06-course-rank.svg'" labs/06-train-adapter/plots/course_rank.gp
# lab06 columns: r (0 = full fine-tuning) params mse_sgd mse_adam sgd/floor adam/floor.
if (!exists("rank") || !exists("types") || !exists("lab06") || !exists("lab07") || !exists("outfile")) {
    print "course_rank.gp: set rank, types, lab06, lab07 and outfile"
    exit status 2
}
set terminal svg size 1200,900 dynamic enhanced font "sans,12" background rgb "white"
set output outfile
set multiplot layout 2,2 title "Which rank, which weights: the course's GPT-3 tables (top) beside the kit's tasks (bottom)" font ",14"
set grid xtics ytics lc rgb "#dddddd"

# ---- the course: accuracy against r (Wq, Wv)
set title "course, lesson 4 (LoRA paper, Table 6): GPT-3, Wq and Wv at rank r"
set datafile separator "\t"
set logscale x 2
set xrange [0.8:80]
set xtics (1, 2, 4, 8, 16, 32, 64)
set xlabel "rank r"
set ylabel "validation accuracy (%)"
set yrange [70:93]
set key bottom right box opaque
set arrow 1 from 0.8, 73.8 to 80, 73.8 nohead dt 2 lc rgb "#1b9e77"
set arrow 2 from 0.8, 89.5 to 80, 89.5 nohead dt 2 lc rgb "#d95f02"
set label 1 "full fine-tuning 73.8" at 1, 74.4 tc rgb "#1b9e77"
set label 2 "full fine-tuning 89.5" at 1, 88.9 tc rgb "#d95f02"
plot rank using 1:2 with linespoints lw 2 pt 7 lc rgb "#1b9e77" title "WikiSQL", \
     rank using 1:3 with linespoints lw 2 pt 5 lc rgb "#d95f02" title "MultiNLI"
unset arrow 1
unset arrow 2
unset label 1
unset label 2

# ---- the course: one 18M budget spread over weight types
set title "course, lesson 4 (Table 5): one 18,874,368-parameter budget (Lab 04 counts it)"
unset logscale x
set xrange [-0.6:6.6]
set xtics rotate by -30 font ",10"
set xlabel ""
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set yrange [68:93]
plot types using 4:xtic(sprintf("%s, r = %d", stringcolumn(1), column(2))) lc rgb "#1b9e77" title "WikiSQL", \
     types using 5 lc rgb "#d95f02" title "MultiNLI"
set style data linespoints
set xtics norotate font ",12"

# ---- the kit, Lab 06: the loss a rank leaves, over full fine-tuning's
set title "kit, Lab 06 (lab06-demo rank-table): task of true rank 4"
set datafile separator whitespace
set logscale x 2
set xrange [0.8:10]
set xtics (1, 2, 4, 8)
set xlabel "rank r"
set ylabel "final MSE / full fine-tuning's"
set logscale y 10
set yrange [0.8:50]
set format y "%g"
set key top right box opaque
plot lab06 using ($1 > 0 ? $1 : NaN):5 with linespoints lw 2 pt 7 lc rgb "#7570b3" title "SGD", \
     lab06 using ($1 > 0 ? $1 : NaN):6 with linespoints lw 2 pt 5 dt 2 lc rgb "#e7298a" title "Adam", \
     1 with lines dt 2 lc rgb "#666666" title "full fine-tuning"

# ---- the kit, Lab 07: accuracy by rank
set title "kit, Lab 07 (lab07-demo seeds): mean accuracy over 10 data draws"
unset logscale y
set yrange [70:93]
set ylabel "training-set accuracy (%)"
set key bottom right box opaque
plot lab07 index 2 using 1:(100*$2) with linespoints lw 2 pt 7 lc rgb "#1b9e77" title "task A (sum > 0)", \
     lab07 index 2 using 1:(100*$3) with linespoints lw 2 pt 5 lc rgb "#d95f02" title "task B (x[0] > 0)"
unset multiplot
unset output
