# accuracy.gp - Lab 07: training-set accuracy of both tasks against epoch, from
# `lab07-demo curves` (columns 6-9: acc A full, acc B full, acc A simplified,
# acc B simplified).
#
#   gnuplot -e "datafile='build/plots/lab07-curves.dat'; outfile='plots/lab07-accuracy.svg'" \
#           labs/07-two-task-project/plots/accuracy.gp
if (!exists("datafile") || !exists("outfile")) {
    print "accuracy.gp: set both datafile and outfile"
    exit status 2
}
set terminal svg size 900,520 dynamic enhanced font "sans,12" background rgb "white"
set output outfile
set title "Lab 07: accuracy per epoch on the 200 training samples (lab07-demo curves)"
set xlabel "epoch (full-batch gradient descent, lr = 0.1, r = 4)"
set ylabel "accuracy (%)"
set logscale x 10
set xrange [1:3000]
set yrange [40:100]
set grid xtics ytics lc rgb "#dddddd"
set key bottom right box opaque
set arrow from 300, graph 0 to 300, graph 1 nohead dt 2 lc rgb "#888888"
set arrow from 1, 90 to 3000, 90 nohead dt 3 lc rgb "#aa0000"
set label "90%" at 1.2, 91.5 tc rgb "#aa0000"
plot datafile using ($1+1):(100*$6) with lines lw 2 lc rgb "#1b9e77" title "task A (sum > 0), full", \
     datafile using ($1+1):(100*$8) with lines lw 2 dt 2 lc rgb "#66c2a5" title "task A, simplified", \
     datafile using ($1+1):(100*$7) with lines lw 2 lc rgb "#d95f02" title "task B (x[0] > 0), full", \
     datafile using ($1+1):(100*$9) with lines lw 2 dt 2 lc rgb "#fc8d62" title "task B, simplified"
unset output
