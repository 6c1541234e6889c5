# ratio.gp - Lab 01: the compression ratio d k / (r (d + k)) against r for four layer shapes, from the table printed by `lab01-demo ratios`.
#
#   gnuplot -e "datafile='build/plots/lab01-ratio.dat'; outfile='plots/lab01-ratio.svg'" \
#           labs/01-rank-factorization/plots/ratio.gp
#
# Optional: -e "fmt='png'" writes a PNG (pngcairo) instead of SVG.

if (!exists("datafile") || !exists("outfile")) {
    print "ratio.gp: set both datafile and outfile, e.g."
    print "  gnuplot -e \"datafile='lab01-ratio.dat'; outfile='lab01-ratio.svg'\" ratio.gp"
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
# One block per shape (gnuplot index 0..3); columns: d k r full factored ratio percent.
set title "Lab 01: compression ratio d k / (r (d + k)) of a rank-r factorization (lab01-demo ratios)" font ",13"
set logscale xy 2
set logscale y 10
set format y "%g"
set xrange [1:1024]
set xtics (1, 4, 16, 64, 256, 1024)
set xlabel "rank r"
set ylabel "entries of W / entries of B and A"
set key top right box opaque
shape(i) = (i == 0 ? "768 x 768 (BERT-base)" : (i == 1 ? "4096 x 4096" : (i == 2 ? "12288 x 12288 (GPT-3)" : "4096 x 11008")))
colour(i) = (i == 0 ? 0x1b9e77 : (i == 1 ? 0xd95f02 : (i == 2 ? 0x7570b3 : 0xe7298a)))
set label "1,536 at r = 4" at 5, 1536 textcolor rgb "#7570b3"
plot for [i=0:3] datafile index i using 3:6 with linespoints lw 2 pt 7 ps 0.6 lc rgb colour(i) title shape(i), \
     1 with lines dt 2 lc rgb "#888888" title "ratio 1 (no saving)"
unset output
