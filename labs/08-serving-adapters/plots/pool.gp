# pool.gp - the LRU adapter pool (`lab08-demo pool`): hit rate and the bytes
# of adapter files read against the number of slots, for a skewed stream of
# requests.  Columns: 1 slots, 2 hits, 3 misses, 4 evictions, 5 hit rate,
# 6 KiB read.
#
#   gnuplot -e "datafile='build/plots/lab08-pool.dat'; outfile='plots/lab08-pool.svg'" \
#           labs/08-serving-adapters/plots/pool.gp
if (!exists("datafile") || !exists("outfile")) {
    print "pool.gp: set datafile and outfile"
    exit status 2
}
set terminal svg size 800,480 dynamic enhanced font "sans,12" background rgb "white"
set output outfile
set title "An LRU pool of adapter slots, 48 adapters, 4000 requests, P(task k) ~ 1/(k+1) (make plots)"
set xlabel "slots in the pool"
set ylabel "hit rate"
set y2label "adapter files read (MiB)"
set yrange [0:1]
set y2range [0:*]
set ytics nomirror
set y2tics
set grid xtics ytics lc rgb "#dddddd"
set key center right box opaque
plot datafile using 1:5 axes x1y1 with linespoints lw 2 pt 7 lc rgb "#1b9e77" title "hit rate", \
     datafile using 1:($6/1024) axes x1y2 with linespoints lw 2 pt 5 lc rgb "#d95f02" title "MiB read on misses"
unset output
