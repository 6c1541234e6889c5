# drift.gp - Lab 05: how far the served weight W drifts from the exact
# W0 + s B A as tasks are switched, from `lab05-demo drift`.
#
#   gnuplot -e "datafile='build/plots/lab05-drift.dat'; outfile='plots/lab05-drift.svg'" \
#           labs/05-merge-switch/plots/drift.gp
#
# Columns: switches, then max |W - exact| for f32 naive (2 tasks, 3 tasks),
# f32 re-derived (2, 3; the demo's own float code), f64 naive (2, 3),
# f64 re-derived (2, 3; lab05.7), f32 naive with W + d compensated (2, 3),
# and the naive minus the compensated W round 3 tasks (the rounding of W + d).

if (!exists("datafile") || !exists("outfile")) {
    print "drift.gp: set both datafile and outfile, e.g."
    print "  gnuplot -e \"datafile='lab05-drift.dat'; outfile='lab05-drift.svg'\" drift.gp"
    exit status 2
}
set terminal svg size 900,720 dynamic enhanced font "sans,12" background rgb "white"
set output outfile
set title "Lab 05: drift of W from W_0 + s B A after n switches (16 x 16, r = 4, alpha = 8; lab05-demo drift)"
set logscale x 10
set logscale y 10
set format y "10^{%L}"
set format x "10^{%L}"
set yrange [1e-17:1e-2]
set xlabel "number of switches"
set ylabel "max |W - (W_0 + s B A)|"
set key outside below box maxrows 5
set grid
plot datafile using 1:3 with linespoints lw 2 pt 7 ps 0.6 lc rgb "#d62728" title "float32 naive, round 3 tasks (lab05.6)", \
     datafile using 1:2 with linespoints lw 2 pt 6 ps 0.6 lc rgb "#ff9896" title "float32 naive, back and forth (2 tasks)", \
     datafile using 1:11 with linespoints lw 2 pt 5 ps 0.5 lc rgb "#9467bd" title "float32, W + d compensated (Kahan), 3 tasks: deltas that do not cancel", \
     datafile using 1:12 with linespoints lw 1 pt 2 ps 0.5 lc rgb "#8c564b" title "float32, naive minus compensated, 3 tasks: the rounding of W + d", \
     datafile using 1:5 with linespoints lw 2 pt 4 ps 0.6 lc rgb "#2ca02c" title "float32 re-derived from W_0, 3 tasks (demo's float code)", \
     datafile using 1:4 with linespoints lw 1 pt 1 ps 0.6 lc rgb "#2ca02c" title "float32 re-derived, 2 tasks", \
     datafile using 1:7 with linespoints lw 2 pt 7 ps 0.6 lc rgb "#1f77b4" title "double naive, round 3 tasks (lab05.3)", \
     datafile using 1:6 with linespoints lw 2 pt 6 ps 0.6 lc rgb "#aec7e8" title "double naive, back and forth (2 tasks)", \
     datafile using 1:9 with linespoints lw 2 pt 4 ps 0.6 lc rgb "#98df8a" title "double re-derived (lab05.7), 3 tasks", \
     datafile using 1:8 with linespoints lw 1 pt 1 ps 0.6 lc rgb "#98df8a" title "double re-derived (lab05.7), 2 tasks"
