# crossover.gp - Lab 07: numbers stored, LoRA against full fine-tuning, by
# width d (the project's architecture, d_ff = 2 d, r = 4), from
# `lab07-demo crossover`.  Block 0 (index 0) columns: d, full 2 tasks, LoRA 2
# tasks, full per task, LoRA per task, per-task ratio.  Block 1 (index 1): the
# crossover width the demo computed, the project's width, GPT-3's width; the
# marks below are read from it, none is typed here.
#
#   gnuplot -e "datafile='build/plots/lab07-crossover.dat'; outfile='plots/lab07-crossover.svg'" \
#           labs/07-two-task-project/plots/crossover.gp
if (!exists("datafile") || !exists("outfile")) {
    print "crossover.gp: set both datafile and outfile"
    exit status 2
}
stats datafile index 1 using 1 nooutput
crossover_d = int(STATS_min)
stats datafile index 1 using 2 nooutput
project_d = int(STATS_min)
stats datafile index 1 using 3 nooutput
gpt3_d = int(STATS_min)
set terminal svg size 1300,520 dynamic enhanced font "sans,12" background rgb "white"
set output outfile
set multiplot layout 1,2 title "Lab 07: stored numbers, LoRA vs full fine-tuning (network of the project, d_ff = 2 d, r = 4; from lab07-demo crossover)" font ",13" noenhanced
set logscale xy 10
set format y "10^{%L}"
set xlabel "width d"
set grid xtics ytics lc rgb "#dddddd"
set key top left box opaque
set title "two tasks: base + 2 x (adapter + head) vs 2 x (network + head)"
set ylabel "numbers stored"
set arrow from crossover_d, graph 0 to crossover_d, graph 1 nohead dt 2 lc rgb "#888888"
set label sprintf("crossover d = %d", crossover_d) at crossover_d * 1.1, graph 0.1 tc rgb "#555555"
set arrow from project_d, graph 0 to project_d, graph 1 nohead dt 3 lc rgb "#aa0000"
set label sprintf("project: d = %d", project_d) at project_d * 0.9, graph 0.2 right tc rgb "#aa0000"
plot datafile index 0 using 1:2 with lines lw 2 lc rgb "#d95f02" title "full fine-tuning, 2 tasks", \
     datafile index 0 using 1:3 with lines lw 2 lc rgb "#1b9e77" title "LoRA, 2 tasks"
unset arrow
unset label
set title "per extra task: (network + head) / (adapter + head)"
set ylabel "ratio"
set format y "%g"
set arrow from gpt3_d, graph 0 to gpt3_d, graph 1 nohead dt 2 lc rgb "#888888"
set label sprintf("GPT-3 width %d", gpt3_d) at gpt3_d / 10.0, graph 0.9 tc rgb "#555555"
plot datafile index 0 using 1:6 with lines lw 2 lc rgb "#7570b3" title "full / LoRA, per task", \
     1 with lines dt 2 lc rgb "#888888" title "equal"
unset multiplot
unset output
