# error.gp - Lab 01: the relative reconstruction error of the best rank-r approximation against r, from the table printed by `lab01-demo errors`.
#
#   gnuplot -e "datafile='build/plots/lab01-error.dat'; outfile='plots/lab01-error.svg'" \
#           labs/01-rank-factorization/plots/error.gp
#
# Optional: -e "fmt='png'" writes a PNG (pngcairo) instead of SVG.

if (!exists("datafile") || !exists("outfile")) {
    print "error.gp: set both datafile and outfile, e.g."
    print "  gnuplot -e \"datafile='lab01-error.dat'; outfile='lab01-error.svg'\" error.gp"
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
# Columns: r err_low err_full measured_low (NaN where not measured).
set title "Lab 01: ||M - M_r||_F / ||M||_F of the best rank-r approximation (lab01-demo errors)" font ",13"
set logscale y 10
set format y "10^{%L}"
set xrange [0:64]
set yrange [1e-4:1.5]
set xlabel "rank r"
set ylabel "relative Frobenius error"
set key top right box opaque
set datafile missing "NaN"
plot datafile using 1:2 with lines lw 2 lc rgb "#d95f02" title "rank 4 plus noise: Eckart-Young sqrt(sum of dropped s^2)", \
     datafile using 1:4 with points pt 6 ps 1.2 lc rgb "#000000" title "rank 4 plus noise: measured from lowrank\\_best\\_approx", \
     datafile using 1:3 with lines lw 2 lc rgb "#1b9e77" title "full rank (Gaussian)"
unset output
