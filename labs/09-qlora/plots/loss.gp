# loss.gp - Lab 09: LoRA's loss against step on a full-precision base and on NF4,
# int4 and FP4 bases (from `lab09-demo curves`).
#   gnuplot -e "datafile='build/plots/lab09-curves.dat'; outfile='plots/lab09-loss.svg'" loss.gp
if (!exists("datafile") || !exists("outfile")) {
    print "loss.gp: set both datafile and outfile"
    exit status 2
}
set terminal svg size 900,480 dynamic enhanced font "sans,12" background rgb "white"
set output outfile
set title "Lab 09: LoRA (r = 4) with and without a 4-bit base (from lab09-demo curves)" font ",13"
set logscale y 10
set format y "10^{%L}"
set xlabel "Adam step"
set ylabel "MSE on the full-precision task"
set grid xtics ytics lc rgb "#dddddd"
set key top right box opaque
plot datafile using 1:2 with lines lw 2 lc rgb "black" title "full-precision base", \
     datafile using 1:3 with lines lw 2 lc rgb "#1b9e77" title "NF4 base", \
     datafile using 1:4 with lines lw 2 dt 2 lc rgb "#d95f02" title "int4 base", \
     datafile using 1:5 with lines lw 2 dt 3 lc rgb "#7570b3" title "FP4 base"
unset output
