# loss_curves.gp - Lab 06: MSE against step for SGD and Adam at r = 1, 2, 4, 8,
# with full fine-tuning of the same matrix as the floor, from `lab06-demo curves`.
#
#   gnuplot -e "datafile='build/plots/lab06-loss-curves.dat'; outfile='plots/lab06-loss-curves.svg'" \
#           labs/06-train-adapter/plots/loss_curves.gp
#
# Optional: -e "fmt='png'" writes a PNG (pngcairo) instead of SVG.
# The data file holds two blocks (index 0: SGD, 1: Adam) with the columns:
# step, MSE at r = 1, r = 2, r = 4, r = 8, full fine-tuning.

if (!exists("datafile") || !exists("outfile")) {
    print "loss_curves.gp: set both datafile and outfile, e.g."
    print "  gnuplot -e \"datafile='lab06-loss-curves.dat'; outfile='lab06-loss-curves.svg'\" loss_curves.gp"
    exit status 2
}
if (!exists("fmt")) fmt = "svg"

if (fmt eq "png") {
    set terminal pngcairo size 1200,480 enhanced font "sans,11" background rgb "white"
} else {
    set terminal svg size 1200,480 dynamic enhanced font "sans,12" background rgb "white"
}
set output outfile

opt(i) = (i == 0 ? "SGD, lr = 0.02" : "Adam (PyTorch defaults), lr = 0.01")

set multiplot layout 1,2 title "Lab 06: LoRA on a regression whose change of W has rank 4 (N = 160, d_{in} = 24, d_{out} = 16; from lab06-demo curves)" font ",13"
set logscale y 10
set format y "10^{%L}"
set yrange [5e-3:2]
set xlabel "step"
set ylabel "MSE (the loss the course's exercise prints)"
set grid xtics ytics lc rgb "#dddddd"
set key top right box opaque

do for [i=0:1] {
    set title opt(i)
    plot datafile index i using 1:2 with lines lw 2 lc rgb "#7570b3" title "r = 1", \
         datafile index i using 1:3 with lines lw 2 lc rgb "#e7298a" title "r = 2", \
         datafile index i using 1:4 with lines lw 2 lc rgb "#1b9e77" title "r = 4", \
         datafile index i using 1:5 with lines lw 2 dt 2 lc rgb "#d95f02" title "r = 8", \
         datafile index i using 1:6 with lines lw 2 lc rgb "black" title "full fine-tuning (floor)"
}

unset multiplot
unset output
