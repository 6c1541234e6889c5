# seeds.gp - Lab 07: the project's training-set accuracy over 50 data seeds,
# sorted (the distribution behind one graded draw), from `lab07-demo seeds`
# (index 1: k, acc A sorted, acc B sorted).  The graded draw (seed 20261124)
# is marked by its accuracies: 84.0% (A) and 69.0% (B).
#
#   gnuplot -e "datafile='build/plots/lab07-seeds.dat'; outfile='plots/lab07-seeds.svg'" \
#           labs/07-two-task-project/plots/seeds.gp
if (!exists("datafile") || !exists("outfile")) {
    print "seeds.gp: set both datafile and outfile"
    exit status 2
}
set terminal svg size 900,520 dynamic enhanced font "sans,12" background rgb "white"
set output outfile
set title "Lab 07: accuracy of the project over 50 data seeds, sorted (lab07-demo seeds; r = 4, 300 epochs)"
set xlabel "data seeds, from lowest to highest accuracy (each task sorted on its own)"
set ylabel "training-set accuracy (%)"
set xrange [0:51]
set yrange [55:100]
set grid xtics ytics lc rgb "#dddddd"
set key bottom right box opaque
set arrow from 0, 90 to 51, 90 nohead dt 3 lc rgb "#aa0000"
set label "90%" at 1, 91.5 tc rgb "#aa0000"
set arrow from 0, 84 to 51, 84 nohead dt 2 lc rgb "#1b9e77"
set label "graded draw, task A: 84.0%" at 1, 85.5 tc rgb "#1b9e77"
set arrow from 0, 69 to 51, 69 nohead dt 2 lc rgb "#d95f02"
set label "graded draw, task B: 69.0%" at 1, 70.5 tc rgb "#d95f02"
plot datafile index 1 using 1:(100*$2) with linespoints lw 2 pt 7 ps 0.5 lc rgb "#1b9e77" title "task A (sum > 0)", \
     datafile index 1 using 1:(100*$3) with linespoints lw 2 pt 5 ps 0.5 lc rgb "#d95f02" title "task B (x[0] > 0)"
unset output
