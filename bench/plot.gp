# gnuplot -e "dir='RESULTDIR'" bench/plot.gp: PNGs from report's .dat files.
set terminal pngcairo size 900,500 noenhanced
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set grid ytics
set key outside right top autotitle columnheader

set output dir.'/softirq.png'
set title 'softirq time per CPU (median of repeats)'
set ylabel '% of CPU time in softirq'
set yrange [0:*]
ncol = system("head -1 ".dir."/softirq.dat | wc -w") + 0
plot for [i=2:ncol] dir.'/softirq.dat' using i:xtic(1)

set output dir.'/throughput.png'
set title 'throughput and capacity per configuration (median, min-max bars)'
set ylabel 'requests/s'
set style histogram errorbars gap 1 lw 1
set xtics rotate by -30
plot dir.'/throughput.dat' using 2:3:4:xtic(1) title 'req/s', \
     '' using 5:6:7 title 'capacity (req/s / busiest CPU busy)'
