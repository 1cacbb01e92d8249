# Bar chart of each engine's time relative to native code, per benchmark.
#   gnuplot -e "datafile='ratios.tsv'; outfile='ratios.png'; subtitle='...'" ratios.gp
# ratios.tsv (written by run.py): a header row of engine names, then one row
# per benchmark (and a last "geomean" row); "?" where an engine failed.
if (!exists("subtitle")) subtitle = ""
set terminal pngcairo size 1600,700 font "sans,10" noenhanced
set output outfile
set datafile separator "\t"
set datafile missing "?"
set title "Run time relative to native code (clang-19 -O2), log scale; lower is better; a missing bar is a failure\n" . subtitle
set ylabel "time / native time"
set logscale y 2
set format y "%g×"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set key outside right top vertical
set xtics rotate by -40 scale 0 nomirror
set ytics nomirror
set grid ytics
set yrange [0.25:*]
set arrow from graph 0, first 1 to graph 1, first 1 nohead dashtype 2 linewidth 2 linecolor rgb "black" front
columns = system("head -1 '" . datafile . "' | awk -F'\t' '{print NF}'") + 0
plot for [i=2:columns] datafile using i:xtic(1) title columnheader(i)
