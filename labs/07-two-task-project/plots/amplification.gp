# amplification.gp - the course's "about 21.5x" (data/course/amplification.tsv)
# beside the same measure on the project's trained LoRA 1, per data seed,
# from `lab07-demo amplification` (columns: seed task ||dW|| proj_dW
# proj_W_top proj_random ||W2|| factor; the graded draw's rows, seed
# 20261124, are left out here: the README shows them).
#
#   gnuplot -e "course='data/course/amplification.tsv'; datafile='build/plots/lab07-amplification.dat'; \
#               outfile='plots/lab07-amplification.svg'" labs/07-two-task-project/plots/amplification.gp
if (!exists("course") || !exists("datafile") || !exists("outfile")) {
    print "amplification.gp: set course, datafile and outfile"
    exit status 2
}
set datafile separator "\t"
stats course using 5 nooutput
paper = STATS_max
set datafile separator whitespace
set terminal svg size 900,520 dynamic enhanced font "sans,12" background rgb "white"
set output outfile
set title "||{/Symbol D}W||_F / ||U^T W V||_F: the course's GPT-3 figure beside the project's LoRA 1 (lab07-demo amplification)"
set xlabel "data seed (the project: 8 x 16 weight W_2, r = 4, 300 epochs)"
set ylabel "amplification factor"
set logscale y 10
set yrange [0.005:50]
set format y "%g"
set xrange [0:21]
set grid xtics ytics lc rgb "#dddddd"
set key bottom right box opaque
set arrow from 0, paper to 21, paper nohead dt 2 lw 2 lc rgb "#000000"
set label sprintf("course: about %gx (GPT-3, r = 4, layer 48)", paper) at 0.5, paper * 1.4
set arrow from 0, 1 to 21, 1 nohead dt 3 lc rgb "#888888"
plot datafile using ($1 < 1000 && strcol(2) eq "A" ? $1 : NaN):8 with points pt 7 ps 1.2 lc rgb "#1b9e77" title "task A (sum > 0)", \
     datafile using ($1 < 1000 && strcol(2) eq "B" ? $1 : NaN):8 with points pt 5 ps 1.2 lc rgb "#d95f02" title "task B (x[0] > 0)"
unset output
