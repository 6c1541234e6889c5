# loss_curves.gp - Lab 03: training loss against step for r = 1, 4, 16 with
# each scaling, from `lab03-demo loss-curves`.
#
#   gnuplot -e "datafile='build/plots/lab03-loss-curves.dat'; outfile='plots/lab03-loss-curves.svg'" \
#           labs/03-init-scaling/plots/loss_curves.gp
#
# Optional: -e "fmt='png'" writes a PNG (pngcairo) instead of SVG.
# The data file holds one block per scaling (index 0: alpha/r, 1: alpha/sqrt(r),
# 2: none) with the columns: step, loss at r = 1, r = 4, r = 16.

if (!exists("datafile") || !exists("outfile")) {
    print "loss_curves.gp: set both datafile and outfile, e.g."
    print "  gnuplot -e \"datafile='lab03-loss-curves.dat'; outfile='lab03-loss-curves.svg'\" loss_curves.gp"
    exit status 2
}
if (!exists("fmt")) fmt = "svg"

if (fmt eq "png") {
    set terminal pngcairo size 1400,480 enhanced font "sans,11" background rgb "white"
} else {
    set terminal svg size 1400,480 dynamic enhanced font "sans,12" background rgb "white"
}
set output outfile

scaling(i) = (i == 0 ? "alpha / r" : (i == 1 ? "alpha / sqrt(r) (rsLoRA)" : "no scaling (s = 1)"))

set multiplot layout 1,3 title "Lab 03: SGD on A and B only, target = a rank-4 change of W_0, alpha = 8, lr = 0.005 (from lab03-demo loss-curves)" font ",13"
set logscale y 10
set format y "10^{%L}"
set yrange [1e-3:100]
set xlabel "step"
set ylabel "loss (mean over the batch of summed squared errors)"
set grid xtics ytics lc rgb "#dddddd"
set key top right box opaque

do for [i=0:2] {
    set title scaling(i)
    plot datafile index i using 1:2 with lines lw 2 lc rgb "#7570b3" title "r = 1", \
         datafile index i using 1:3 with lines lw 2 lc rgb "#1b9e77" title "r = 4", \
         datafile index i using 1:4 with lines lw 2 lc rgb "#d95f02" title "r = 16"
}

unset multiplot
unset output
