# throughput.gp - many adapters in one batch (`lab08-demo throughput`): rows
# per second of CPU against the number of distinct adapters in the batch,
# one panel per batch size (blocks 1 .. 3 of the data: batch 16, 64, 256).
# Columns: 1 batch, 2 distinct, 3 gather, 4 segment, 5 merge per task,
# 6 pre-merged copies, 7 row by row, 8 merge per request.
#
#   gnuplot -e "datafile='build/plots/lab08-throughput.dat'; outfile='plots/lab08-throughput.svg'" \
#           labs/08-serving-adapters/plots/throughput.gp
if (!exists("datafile") || !exists("outfile")) {
    print "throughput.gp: set datafile and outfile"
    exit status 2
}
set terminal svg size 1300,480 dynamic enhanced font "sans,12" background rgb "white"
set output outfile
set multiplot layout 1,3 title "Rows per second against distinct adapters per batch (make plots)" font ",14"
set logscale x 2
set xrange [0.8:80]
set xtics (1, 2, 4, 8, 16, 32, 64)
set xlabel "distinct adapters in the batch"
set ylabel "rows per second of CPU (thousands)"
set yrange [0:*]
set grid xtics ytics lc rgb "#dddddd"
set key bottom left box opaque font ",10"
do for [blk = 1:3] {
    set title sprintf("batch %d", blk == 1 ? 16 : blk == 2 ? 64 : 256)
    plot datafile index blk using 2:($3/1e3) with linespoints lw 2 pt 7 lc rgb "#1b9e77" title "gather", \
         datafile index blk using 2:($4/1e3) with linespoints lw 2 pt 5 lc rgb "#66a61e" title "segment", \
         datafile index blk using 2:($5/1e3) with linespoints lw 2 pt 9 lc rgb "#d95f02" title "merge per task", \
         datafile index blk using 2:($6/1e3) with linespoints lw 1 dt 2 pt 11 lc rgb "#7570b3" title "pre-merged copies", \
         datafile index blk using 2:($7/1e3) with linespoints lw 1 pt 13 lc rgb "#e7298a" title "row by row", \
         datafile index blk using 2:($8/1e3) with linespoints lw 1 pt 3 lc rgb "#666666" title "merge per request"
}
unset multiplot
unset output
