# Bar chart of 64-byte UDP packets/s per path (median, min-max bars) from report.py's data:
# gnuplot -e "datafile='pps.dat'; outfile='pps.png'" pps.gp
set terminal pngcairo size 1000,560 font "sans,10" noenhanced
set output outfile
set title "sluice benchmark: 64-byte UDP packets/s per path (median, min-max of the runs)"
set ylabel "Mpps received"
set yrange [0:*]
set style fill solid 0.75 border -1
set boxwidth 0.7
set grid ytics
set xtics rotate by -30 left
set key off
set bmargin 7
set palette defined (1 "#4477aa", 2 "#228833", 3 "#cc6677", 4 "#ccbb44")
unset colorbox
set cbrange [1:4]
plot datafile using 0:2:5:xtic(1) with boxes lc palette, \
     datafile using 0:2:3:4 with yerrorbars lc rgb "black" pt -1, \
     datafile using 0:4:(sprintf("%.2f", $2)) with labels offset 0,1.2
