# storage.gp - Lab 04: bytes to serve N fine-tuned variants (fp16), one full
# copy per task against one shared base plus one adapter per task, from
# `lab04-demo storage`.
#
#   gnuplot -e "datafile='build/plots/lab04-storage.dat'; outfile='plots/lab04-storage.svg'" \
#           labs/04-param-counting/plots/storage.gp
#
# Columns: tasks, then bytes: gpt3 full copies, gpt3 base + adapters (r = 4,
# Wq Wv), llama-7b full copies, llama-7b base + adapters (r = 8, q v).
if (!exists("datafile") || !exists("outfile")) {
    print "storage.gp: set both datafile and outfile"
    exit status 2
}
set terminal svg size 900,560 dynamic enhanced font "sans,12" background rgb "white"
set output outfile
set title "Lab 04: storage for N tasks in fp16 (from lab04-demo storage)"
set logscale y
set xrange [1:100]
set format y "10^{%L}"
set xlabel "number of tasks"
set ylabel "bytes"
set grid xtics ytics lc rgb "#dddddd"
set key outside below box
plot datafile using 1:2 with lines lw 2 lc rgb "#d95f02" title "GPT-3: one full copy per task", \
     datafile using 1:3 with lines lw 2 dt 2 lc rgb "#d95f02" title "GPT-3: one base + one adapter per task", \
     datafile using 1:4 with lines lw 2 lc rgb "#1b9e77" title "LLaMA-7B: one full copy per task", \
     datafile using 1:5 with lines lw 2 dt 2 lc rgb "#1b9e77" title "LLaMA-7B: one base + one adapter per task"
unset output
