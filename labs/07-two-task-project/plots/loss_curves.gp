# loss_curves.gp - Lab 07: training loss of both tasks against epoch, full and
# simplified backprop, from `lab07-demo curves` (lr 0.1, r = 4, default seed).
#
#   gnuplot -e "datafile='build/plots/lab07-curves.dat'; outfile='plots/lab07-loss-curves.svg'" \
#           labs/07-two-task-project/plots/loss_curves.gp
#
# Columns: epoch, loss A full, loss B full, loss A simplified, loss B simplified,
# then the four accuracies.
if (!exists("datafile") || !exists("outfile")) {
    print "loss_curves.gp: set both datafile and outfile"
    exit status 2
}
set terminal svg size 900,520 dynamic enhanced font "sans,12" background rgb "white"
set output outfile
set title "Lab 07: binary cross-entropy per epoch, both tasks on one frozen network (lab07-demo curves)"
set xlabel "epoch (full-batch gradient descent, lr = 0.1, r = 4)"
set ylabel "training loss (mean BCE)"
set logscale x 10
set xrange [1:3000]
set grid xtics ytics lc rgb "#dddddd"
set key top right box opaque
set arrow from 300, graph 0 to 300, graph 1 nohead dt 2 lc rgb "#888888"
set label "the project stops at 300" at 310, graph 0.95 tc rgb "#555555"
plot datafile using ($1+1):2 with lines lw 2 lc rgb "#1b9e77" title "task A (sum > 0), full backprop", \
     datafile using ($1+1):4 with lines lw 2 dt 2 lc rgb "#66c2a5" title "task A, simplified backprop", \
     datafile using ($1+1):3 with lines lw 2 lc rgb "#d95f02" title "task B (x[0] > 0), full backprop", \
     datafile using ($1+1):5 with lines lw 2 dt 2 lc rgb "#fc8d62" title "task B, simplified backprop"
unset output
