# update_size.gp - Lab 03: the size of the first update ||Delta W x|| against
# the rank r for three scalings with alpha fixed, from `lab03-demo update-size`.
#
#   gnuplot -e "datafile='build/plots/lab03-update-size.dat'; outfile='plots/lab03-update-size.svg'" \
#           labs/03-init-scaling/plots/update_size.gp
#
# Optional: -e "fmt='png'" writes a PNG (pngcairo) instead of SVG.
# Columns: r, alpha/r, alpha/sqrt(r), none (s = 1).

if (!exists("datafile") || !exists("outfile")) {
    print "update_size.gp: set both datafile and outfile, e.g."
    print "  gnuplot -e \"datafile='lab03-update-size.dat'; outfile='lab03-update-size.svg'\" update_size.gp"
    exit status 2
}
if (!exists("fmt")) fmt = "svg"

if (fmt eq "png") {
    set terminal pngcairo size 900,560 enhanced font "sans,11" background rgb "white"
} else {
    set terminal svg size 900,560 dynamic enhanced font "sans,12" background rgb "white"
}
set output outfile

set title "Lab 03: first SGD step from the init (B = 0), 128 x 128 layer, alpha = 16, same lr\n(from lab03-demo update-size)"
set logscale xy 2
set xrange [0.8:160]
set xtics (1, 2, 4, 8, 16, 32, 64, 128)
set format y "2^{%L}"
set xlabel "rank r"
set ylabel "mean ||{/Symbol D}W x|| after one step"
set grid xtics ytics lc rgb "#dddddd"
set key bottom left box opaque

plot datafile using 1:2 with linespoints lw 2 pt 7 lc rgb "#d95f02" title "alpha / r (paper, PEFT default)", \
     datafile using 1:3 with linespoints lw 2 pt 5 lc rgb "#1b9e77" title "alpha / sqrt(r) (rsLoRA)", \
     datafile using 1:4 with linespoints lw 2 pt 9 lc rgb "#7570b3" title "no scaling (s = 1)"

unset output
