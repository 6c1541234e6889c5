# failures.gp - how many students failed each hidden test (tools/grade_all.py).
# Variables: datafile, outfile, maxscore, lab.
set terminal svg size 900,420 dynamic font "sans,11"
set output outfile
set title sprintf("Lab %s: students who failed each test (test number:task, in gradebook order)", lab)
set ylabel "students who failed"
set style fill solid 0.7 border -1
set boxwidth 0.8
set yrange [0:*]
set xtics rotate by -60 font ",9"
set grid ytics
plot datafile using 1:3:xtic(2) with boxes lc rgb "#cc6677" notitle
