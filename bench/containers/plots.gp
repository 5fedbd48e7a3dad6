# Plots of bench/containers/run.sh (run in the output directory): latency distribution,
# throughput vs concurrency (per-container shims and grouped), memory per idle container vs K.
set terminal pngcairo size 800,500 noenhanced
set grid
set key left top

set output "latency.png"
set title "ctr run --rm hello: latency distribution (CDF)"
set xlabel "wall time of ctr run --rm (s)"
set ylabel "fraction of runs"
set key right bottom
n = int(system("head -1 latency.dat | wc -w"))
plot for [i=2:n] "latency.dat" using i:1 with steps lw 2 title columnhead(i)

set output "throughput.png"
set title "Containers per second (hello run to completion; client: see results.md) vs concurrent clients"
set xlabel "concurrent clients"
set ylabel "containers / s"
set key left top
set logscale x 2
n = int(system("head -1 throughput.dat | wc -w"))
plot for [i=2:n] "throughput.dat" using 1:i with linespoints lw 2 pt 7 title columnhead(i)
unset logscale x

set output "density.png"
set title "Memory (PSS of shim + container processes) per idle container vs K"
set xlabel "idle containers K"
set ylabel "MB PSS per container"
set logscale x 10
n = int(system("head -1 density.dat | wc -w"))
if (system("test -s density_cri.dat && echo 1") eq "1") {
  plot for [i=2:n] "density.dat" using 1:i with linespoints lw 2 pt 7 title columnhead(i), \
       for [i=2:3] "density_cri.dat" using 1:i with linespoints lw 2 pt 5 dt 2 title columnhead(i)
} else {
  plot for [i=2:n] "density.dat" using 1:i with linespoints lw 2 pt 7 title columnhead(i)
}
