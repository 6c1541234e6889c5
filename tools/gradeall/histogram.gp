# histogram.gp - a class's score histogram (tools/grade_all.py writes the data).
# Variables: datafile, outfile, maxscore, lab.
set terminal svg size 720,400 dynamic font "sans,12"
set output outfile
set title sprintf("Lab %s: scores of the class", lab)
set xlabel sprintf("score (out of %d)", maxscore)
set ylabel "students"
set style fill solid 0.7 border -1
set boxwidth 0.9 relative
set xrange [0:maxscore]
set yrange [0:*]
set grid ytics
plot datafile using (($1 + $2) / 2):3:($2 - $1) with boxes lc rgb "#4477aa" notitle
