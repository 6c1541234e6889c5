# memory.gp - Lab 09: memory for weights and training state by model size (from
# `lab09-demo memory`; assumptions printed there), against one 48 GB GPU.
#   gnuplot -e "datafile='build/plots/lab09-memory.dat'; outfile='plots/lab09-memory.svg'" memory.gp
if (!exists("datafile") || !exists("outfile")) {
    print "memory.gp: set both datafile and outfile"
    exit status 2
}
set terminal svg size 1000,480 dynamic enhanced font "sans,12" background rgb "white"
set output outfile
set title "Lab 09: memory of weights + adapters + Adam state, activations not counted (from lab09-demo memory)" font ",12"
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set logscale y 10
set yrange [1:3000]
set ylabel "GB (1e9 bytes)"
set grid ytics lc rgb "#dddddd"
set key top left
plot datafile using 2:xtic(1) lc rgb "#999999" title "fp16 weights only", \
     datafile using 3 lc rgb "#e7298a" title "full fine-tuning, Adam", \
     datafile using 4 lc rgb "#d95f02" title "LoRA r = 64, fp16 base", \
     datafile using 5 lc rgb "#7570b3" title "QLoRA, NF4 base", \
     datafile using 6 lc rgb "#1b9e77" title "QLoRA, NF4 + DQ base", \
     48 with lines lw 2 dt 2 lc rgb "black" title "48 GB"
unset output
