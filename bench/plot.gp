# gnuplot -e "dir='RESULTDIR'" bench/plot.gp: PNGs from report's .dat files.
set terminal pngcairo size 900,500 noenhanced
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set grid ytics
set key outside right top autotitle columnheader

# softirq_split.dat (traced time by kind, when the run had the softirq time
# histogram): a stacked bar per CPU, grouped by configuration.  Without it,
# the /proc/stat softirq share: a bar per configuration, grouped by CPU.
split = dir.'/softirq_split.dat'
have_split = system("test -s '".split."' && echo 1 || echo 0") + 0

set output dir.'/softirq.png'
set yrange [0:*]
if (have_split) {
	set title 'softirq time per CPU (bars: CPU number) by kind, grouped by configuration; traced, median of repeats'
	set ylabel '% of CPU time'
	set style histogram rowstacked title offset 0,-1
	set boxwidth 0.7 relative
	set key noautotitle
	set bmargin 4
	confs = system("awk '!/^#/ && NF && $1 != last { printf \"%s \", $1; last = $1 }' '".split."'")
	nbars = system("awk '!/^#/ && NF' '".split."' | wc -l") + 0
	# Wide enough for every configuration's name under its CPUs.
	set terminal pngcairo size (nbars * 45 + words(confs) * 40 + 320 > 900 ? nbars * 45 + words(confs) * 40 + 320 : 900),500 noenhanced
	set output dir.'/softirq.png'
	cmd = 'plot'
	do for [b = 1:words(confs)] {
		t(s) = b == 1 ? "title '".s."'" : 'notitle'
		cmd = cmd.sprintf(" newhistogram '%s' lt 1,", word(confs, b))
		cmd = cmd.sprintf(" split index %d using 3:xtic(substr(strcol(2), 4, 9)) %s,", b - 1, t('NET_RX'))
		cmd = cmd.sprintf(" '' index %d using 4 %s,", b - 1, t('NET_TX'))
		cmd = cmd.sprintf(" '' index %d using 5 %s,", b - 1, t('TASKLET (TSQ)'))
		cmd = cmd.sprintf(" '' index %d using 6 %s", b - 1, t('other'))
		cmd = cmd.(b < words(confs) ? ',' : '')
	}
	eval cmd
	set style histogram clustered gap 1
	set boxwidth
	set key autotitle columnheader
	set bmargin
	set terminal pngcairo size 900,500 noenhanced
} else {
	set title 'softirq time per CPU (median of repeats)'
	set ylabel '% of CPU time in softirq'
	ncol = system("head -1 ".dir."/softirq.dat | wc -w") + 0
	plot for [i=2:ncol] dir.'/softirq.dat' using i:xtic(1)
}

set output dir.'/throughput.png'
set title 'throughput and capacity per configuration (median, min-max bars)'
set ylabel 'requests/s'
set style histogram errorbars gap 1 lw 1
set xtics rotate by -30
plot dir.'/throughput.dat' using 2:3:4:xtic(1) title 'req/s', \
     '' using 5:6:7 title 'capacity (req/s / busiest CPU busy)'
