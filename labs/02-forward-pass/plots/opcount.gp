# opcount.gp - Lab 02: multiplications per input row of a LoRA layer against
# the rank r, from the table printed by `lab02-demo opcounts`.
#
#   gnuplot -e "datafile='build/plots/lab02-opcount.dat'; outfile='plots/lab02-opcount.svg'" \
#           labs/02-forward-pass/plots/opcount.gp
#
# Optional: -e "fmt='png'" writes a PNG (pngcairo) instead of SVG.
# The data file holds one block per layer shape (gnuplot index 0, 1, 2) with
# the columns: d_in d_out r base factored merged merged/factored factored/base.

if (!exists("datafile") || !exists("outfile")) {
    print "opcount.gp: set both datafile and outfile, e.g."
    print "  gnuplot -e \"datafile='lab02-opcount.dat'; outfile='lab02-opcount.svg'\" opcount.gp"
    exit status 2
}
if (!exists("fmt")) fmt = "svg"

if (fmt eq "png") {
    set terminal pngcairo size 1200,520 enhanced font "sans,11" background rgb "white"
} else {
    set terminal svg size 1200,520 dynamic enhanced font "sans,12" background rgb "white"
}
set output outfile

shape(i) = (i == 0 ? "768 x 768" : (i == 1 ? "4096 x 4096" : "4096 -> 11008"))
colour(i) = (i == 0 ? 0x1b9e77 : (i == 1 ? 0xd95f02 : 0x7570b3))

set multiplot layout 1,2 title "Lab 02: cost of one LoRA layer per input row (from lab02-demo opcounts)" font ",14"

# ---- left: absolute counts
set logscale xy 2
set format y "10^{%L}"
set logscale y 10
set xrange [1:1024]
set xtics (1, 4, 16, 64, 256, 1024)
set xlabel "rank r"
set ylabel "multiplications per input row"
set grid xtics ytics mytics lc rgb "#dddddd"
set key top left box opaque font ",10" spacing 1.1 width 1
set title "factored (x A^T) B^T  vs  forming B A on every call"
# Colour = layer shape, dash = way of computing: a short key built by hand.
plot for [i=0:2] datafile index i using 3:6 with linespoints lw 2 pt 7 ps 0.5 dt 2 lc rgb colour(i) notitle, \
     for [i=0:2] datafile index i using 3:5 with linespoints lw 2 pt 5 ps 0.5 dt 1 lc rgb colour(i) notitle, \
     for [i=0:2] datafile index i using 3:4 with lines lw 1.5 dt 3 lc rgb colour(i) notitle, \
     for [i=0:2] keyentry with lines lw 3 lc rgb colour(i) title "layer ".shape(i), \
     keyentry with linespoints lw 2 pt 7 dt 2 lc rgb "black" title "merged: B A every call", \
     keyentry with linespoints lw 2 pt 5 dt 1 lc rgb "black" title "factored: B (A x)", \
     keyentry with lines lw 1.5 dt 3 lc rgb "black" title "base x W_0^T alone"

# ---- right: ratios
unset format y
set format y "%g"
set logscale y 10
set yrange [0.9:1000]
set ylabel "ratio"
set title "how many times more: merged / factored, and factored / base"
plot for [i=0:2] datafile index i using 3:7 with linespoints lw 2 pt 7 ps 0.5 dt 1 lc rgb colour(i) notitle, \
     for [i=0:2] datafile index i using 3:8 with linespoints lw 2 pt 5 ps 0.5 dt 3 lc rgb colour(i) notitle, \
     for [i=0:2] keyentry with lines lw 3 lc rgb colour(i) title "layer ".shape(i), \
     keyentry with linespoints lw 2 pt 7 dt 1 lc rgb "black" title "merged / factored", \
     keyentry with linespoints lw 2 pt 5 dt 3 lc rgb "black" title "factored / base"

unset multiplot
unset output
