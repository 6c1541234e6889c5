# spectrum.gp - Lab 01: the singular values of a low-rank-plus-noise matrix and of a full-rank one, from the table printed by `lab01-demo spectrum`.
#
#   gnuplot -e "datafile='build/plots/lab01-spectrum.dat'; outfile='plots/lab01-spectrum.svg'" \
#           labs/01-rank-factorization/plots/spectrum.gp
#
# Optional: -e "fmt='png'" writes a PNG (pngcairo) instead of SVG.

if (!exists("datafile") || !exists("outfile")) {
    print "spectrum.gp: set both datafile and outfile, e.g."
    print "  gnuplot -e \"datafile='lab01-spectrum.dat'; outfile='lab01-spectrum.svg'\" spectrum.gp"
    exit status 2
}
if (!exists("fmt")) fmt = "svg"
if (fmt eq "png") {
    set terminal pngcairo size 900,520 enhanced font "sans,11" background rgb "white"
} else {
    set terminal svg size 900,520 dynamic enhanced font "sans,12" background rgb "white"
}
set output outfile
set grid xtics ytics mytics lc rgb "#dddddd"
# Columns: index s_low s_full s_low/s_low[0] s_full/s_full[0].
set title "Lab 01: singular value spectrum of two 64 x 64 matrices (lab01-demo spectrum)" font ",13"
set logscale y 10
set format y "10^{%L}"
set xrange [0:65]
set xlabel "index i (singular values sorted descending)"
set ylabel "s_i / s_1"
set key top right box opaque
set arrow from 4.5, graph 0 to 4.5, graph 1 nohead dt 2 lc rgb "#888888"
set label "r = 4" at 5, graph 0.93 textcolor rgb "#555555"
plot datafile using 1:4 with linespoints lw 2 pt 7 ps 0.5 lc rgb "#d95f02" title "rank 4 plus noise (std 0.01)", \
     datafile using 1:5 with linespoints lw 2 pt 5 ps 0.5 lc rgb "#1b9e77" title "full rank (Gaussian)"
unset output
