# levels.gp - Lab 09: the 16 levels of NF4, int4 and FP4 (from `lab09-demo levels`),
# NF4's in units of the standard normal (level * Q(offset)) under the normal density.
#   gnuplot -e "datafile='build/plots/lab09-levels.dat'; outfile='plots/lab09-levels.svg'" levels.gp
if (!exists("datafile") || !exists("outfile")) {
    print "levels.gp: set both datafile and outfile"
    exit status 2
}
set terminal svg size 1000,480 dynamic enhanced font "sans,12" background rgb "white"
set output outfile
set multiplot layout 1,2 title "Lab 09: the 4-bit data types (from lab09-demo levels)" font ",13"
set title "NF4 levels in standard deviations, under N(0, 1)"
set xlabel "z"
set ylabel "density"
set xrange [-2.2:2.2]
set yrange [0:0.45]
set grid xtics ytics lc rgb "#dddddd"
phi(x) = exp(-x*x/2) / sqrt(2*pi)
plot phi(x) with lines lw 2 lc rgb "black" title "N(0, 1) density", \
     datafile using 5:(phi($5)) with impulses lw 2 lc rgb "#1b9e77" title "NF4 levels x Q(0.9677083)", \
     datafile using 5:(phi($5)) with points pt 7 lc rgb "#1b9e77" notitle
set title "the levels of each type, normalized to [-1, 1]"
set xlabel "code"
set ylabel "level"
set xrange [-0.5:15.5]
set yrange [-1.2:1.1]
set key top left
plot datafile using 1:2 with linespoints lw 2 pt 7 lc rgb "#1b9e77" title "NF4", \
     datafile using 1:3 with linespoints lw 2 pt 5 lc rgb "#d95f02" title "int4 ((c - 8) / 7)", \
     datafile using 1:4 with linespoints lw 2 pt 9 lc rgb "#7570b3" title "FP4 (E2M1) / 6"
unset multiplot
unset output
