# errors.gp - Lab 09: relative MSE of NF4, int4 and FP4 (blocks of 64) by kind of
# weights, from `lab09-demo errors build/lab09/weights.txt` (make lab09-errors).
#   gnuplot -e "datafile='build/plots/lab09-errors.dat'; outfile='plots/lab09-errors.svg'" errors.gp
if (!exists("datafile") || !exists("outfile")) {
    print "errors.gp: set both datafile and outfile"
    exit status 2
}
set terminal svg size 1100,480 dynamic enhanced font "sans,12" background rgb "white"
set output outfile
set title "Lab 09: quantization error by data type, blocks of 64 (from lab09-demo errors)" font ",13"
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set ylabel "MSE / mean square of the weights"
set xtics rotate by -30
set grid ytics lc rgb "#dddddd"
set key top left
plot datafile using 2:xtic(1) lc rgb "#1b9e77" title "NF4", \
     datafile using 4 lc rgb "#d95f02" title "int4", \
     datafile using 6 lc rgb "#7570b3" title "FP4 (E2M1)"
unset output
