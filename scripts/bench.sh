#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The benchmark: build a UML kernel without the debug options of the test
# kernels ($ZCRX_CACHE/build/uml-bench, config/uml-bench.kunitconfig: no
# KASAN, lockdep or kmemleak, so kernel code runs at native speed), boot it
# on the host's root as uml-run.sh does and run examples/vnic-bench.sh in
# it: on one vnic pair, every receiver on its own steered rx queue (read()
# with epoll, io_uring multishot recv with a buffer ring,
# TCP_ZEROCOPY_RECEIVE, recv-zc with eager and with batched refill) for
# each MTU, send() size and connection count, several runs each; then
# print the table, keep the data in $OUT/bench (bench-runs.dat: every run,
# bench.dat: the rows) and plot it with gnuplot ($OUT/bench/bench.png:
# CPU per GiB and MiB/s against send() size, one panel per MTU). Then
# the registration cost: examples/zcrx_regcost registers NODEV areas of
# 1 MiB to 1 GiB (time, CPU and kernel memory per 4 KiB buffer).
# -d uses the debug test kernel ($BUILD_UML) instead. Without vnic in the
# kernel (or with -l) the guest runs the receivers over loopback with
# recv-zc NODEV, which shows the plumbing only.
#
# UML has one CPU: sender, receiver and the NIC's softirq share it, and
# its syscalls and softirqs cost what UML makes them cost, so the figures
# compare the receivers with each other; they are not what hardware does.
# Nothing here checks a number; the run fails only if a byte was wrong, a
# program failed or the kernel log has an error. The default matrix (3
# MTUs x 3 sizes x 1, 2 connections x 5 receivers x 3 runs) is sized to
# finish in about 20 minutes on a 2-core machine once the kernel is built.
#
# Usage: scripts/bench.sh [-t SECONDS] [-b BYTES] [-c CONNS] [-s SIZES] [-m MTUS]
#                         [-r RUNS] [-R RECEIVERS] [-a AREAS] [-l] [-d]
#   -t  time limit of the whole boot (default 1800)
#   -b  bytes per run over all connections (default by send() size:
#       4K 48M, 64K 160M, 1M 256M)
#   -c  connection counts, comma separated (default 1,2)
#   -s  send() sizes, comma separated (default 4K,64K,1M)
#   -m  MTUs, comma separated (default 1500,4148,9000)
#   -r  runs per row (default 3)
#   -R  receivers, comma separated (default read,multishot,tcpzc,zc-eager,
#       zc-batch; single: one io_uring recv at a time)
#   -a  area sizes for the registration cost, comma separated (default
#       1M,16M,256M,1G; "none" skips it)
#   -l  loopback and NODEV even if the kernel has vnic
#   -d  the debug test kernel (KASAN, lockdep), not the bench kernel
. "$(dirname "$0")/lib.sh"
. "$ZCRX_ROOT/scripts/vm-common.sh"

tmo=1800
args=()
debug=0
areas=1M,16M,256M,1G
while getopts t:b:c:s:m:r:R:a:ld opt; do
	case $opt in
	t) tmo=$OPTARG ;;
	b | c | s | m | r | R)
		[[ $OPTARG =~ ^[A-Za-z0-9,-]+$ ]] || die "bad -$opt value: $OPTARG"
		args+=("-$opt" "$OPTARG")
		;;
	a)
		[[ $OPTARG =~ ^([0-9]+[KMG]?(,[0-9]+[KMG]?)*|none)$ ]] ||
			die "bad -a value: $OPTARG"
		areas=$OPTARG
		;;
	l) args+=(-l) ;;
	d) debug=1 ;;
	*) die "usage: $0 [-t SECONDS] [-b BYTES] [-c CONNS] [-s SIZES] [-m MTUS] [-r RUNS] [-R RECEIVERS] [-a AREAS] [-l] [-d]" ;;
	esac
done

# gnuplot, for the plot (only the bench needs it: make test does not).
"$ZCRX_ROOT/scripts/setup.sh" bench

if [ "$debug" -eq 1 ]; then
	build=$BUILD_UML
	[ -x "$build/linux" ] ||
		die "no UML kernel at $build/linux: build it with scripts/kunit.sh build"
else
	build=$ZCRX_CACHE/build/uml-bench
	"$ZCRX_ROOT/scripts/apply.sh"
	mkdir -p "$build" "$OUT"
	(cd "$TREE" && run_logged "$OUT/bench-build.log" "UML bench kernel build" \
		python3 tools/testing/kunit/kunit.py build --build_dir="$build" \
		--kunitconfig="$ZCRX_ROOT/config/uml-bench.kunitconfig" \
		--jobs="$JOBS" --make_options "CC=$(kcc)") ||
		die "building the bench kernel failed: see $OUT/bench-build.log"
fi
linux=$build/linux
grep -q '^CONFIG_HOSTFS=y' "$build/.config" ||
	die "$linux lacks CONFIG_HOSTFS=y: it cannot boot the host's root"
grep -q '^CONFIG_KASAN=y' "$build/.config" &&
	msg "note: $linux has KASAN: figures are not native speed"
grep -q '^CONFIG_VNIC=y' "$build/.config" ||
	msg "the UML kernel has no vnic: the bench falls back to loopback"

# The plot of $1/bench.dat into $1/bench.png: one column per MTU, receiver
# CPU s/GiB (thread), guest CPU s/GiB and MiB/s against send() size, one
# line per receiver, at the largest connection count measured.
bench_plot() {
	local d=$1 pd=$1/plot mtu r c f n=0 mtus recvs col
	rm -rf "$pd"
	mkdir -p "$pd"
	c=$(awk '!/^#/ && $4 > c { c = $4 } END { print c + 0 }' "$d/bench.dat")
	mtus=$(awk '!/^#/ && !s[$1]++ { print $1 }' "$d/bench.dat")
	recvs=$(awk '!/^#/ && !s[$5]++ { print $5 }' "$d/bench.dat")
	for mtu in $mtus; do
		n=$((n + 1))
		for r in $recvs; do
			awk -v m="$mtu" -v r="$r" -v c="$c" \
				'!/^#/ && $1 == m && $5 == r && $4 == c' \
				"$d/bench.dat" | sort -n -k3 >"$pd/$mtu-$r.dat"
		done
	done
	{
		echo "set terminal pngcairo size $((460 * n)),1100 font 'sans,10'"
		echo "set output '$d/bench.png'"
		echo "set multiplot layout 3,$n title 'make bench (UML, vnic): $c connection(s), medians; $(date +%F)'"
		echo "set logscale x 2"
		echo "set xrange [3000:1500000]"
		echo "set xtics ('4K' 4096, '16K' 16384, '64K' 65536, '256K' 262144, '1M' 1048576)"
		echo "set grid"
		echo "set key top right font ',8'"
		echo "set yrange [0:*]"
		for col in "8:receiver thread CPU, s/GiB" "9:guest CPU (all), s/GiB" "7:MiB/s"; do
			for mtu in $mtus; do
				echo "set title 'MTU $mtu: ${col#*:}'"
				echo "set xlabel 'send() size'"
				local plot="plot" sep=""
				for r in $recvs; do
					[ -s "$pd/$mtu-$r.dat" ] || continue
					plot+="$sep '$pd/$mtu-$r.dat' using 3:${col%%:*} with linespoints title '$r'"
					sep=","
				done
				if [ "$sep" ]; then
					echo "$plot"
				else
					echo "set label 1 'no data' at graph 0.5,0.5 center"
					echo "plot NaN notitle"
					echo "unset label 1"
				fi
			done
		done
		echo "unset multiplot"
	} >"$pd/bench.gp"
	gnuplot "$pd/bench.gp" >"$d/plot.log" 2>&1
}

# The registration cost table from zcrx_regcost's lines in log $1.
regcost_table() {
	tr -d '\r' <"$1" | grep -a '^zcrx_regcost: area=' | awk '
	function f(k,   i) {
		for (i = 2; i <= NF; i++)
			if (index($i, k "=") == 1)
				return substr($i, length(k) + 2)
		return ""
	}
	NR == 1 {
		printf "== registration cost (NODEV, median of %s; UML bench kernel) ==\n", f("runs")
		printf "%10s %9s %10s %10s %10s %12s %14s %7s\n", "area", "buffers",
			"reg ms", "CPU ms", "ns/buffer", "kernel KiB", "kernel B/buffer", "spread"
	}
	{
		printf "%9.0fM %9d %10.3f %10.3f %10.1f %12.0f %14.1f %6.0f%%\n",
			f("area") / 1048576, f("bufs"), f("reg_ms"), f("cpu_ms"),
			f("ns_per_buf"), f("kmem_bytes") / 1024, f("kmem_per_buf"),
			100 * f("spread")
	}
	END {
		if (NR)
			print "kernel memory: growth of Slab + VmallocUsed across the registration (noise below a few MiB)"
	}'
}

vm_build_tests
# The guest runs the tests of one directory: a directory of its own with
# just the bench (the UML guest mounts a tmpfs on /tmp, so not there).
bench=$OUT/bench
rm -rf "$bench"
mkdir -p "$bench"
{
	echo '#!/bin/sh'
	echo "sh $OUT/vm/vnic-bench.sh ${args[*]} -o $bench || exit 1"
	[ "$areas" = none ] || echo "exec $OUT/vm/zcrx_regcost -s $areas -r 3"
} >"$bench/t_bench"
chmod 0755 "$bench/t_bench"

log=$OUT/bench.log
msg "booting UML ($linux) for the bench, console log: $log"
start=$SECONDS
rc=0
# mem: a 1 GiB area of the registration cost, faulted in, and the guest.
vm_run_logged "$tmo" "$log" "$linux" mem=2560M rootfstype=hostfs rootflags=/ rw \
	init="$OUT/vm/guest-init.sh" con=none con0=fd:0,fd:1 kunit.enable=0 \
	zcrx.tests="$bench" zcrx.filter=t_bench zcrx.timeout="$tmo" || rc=$?
case $rc in
0) msg "UML exited after $((SECONDS - start)) s" ;;
124 | 137) msg "UML timed out after $tmo s" ;;
*) msg "UML exited with status $rc after $((SECONDS - start)) s" ;;
esac

fail=0
vm_report "$log" >/dev/null || fail=1
[ "$rc" -eq 0 ] || fail=1
echo
tr -d '\r' <"$log" | sed -n 's/^bench: //p'
regcost_table "$log"
tr -d '\r' <"$log" | grep -a -E '^(vnic-bench|zcrx_server|copy_receiver|epoll_receiver|tcp_sender|zcrx_regcost): ' |
	grep -a -v -E ' conns=| listening on |: ifq [0-9]+ on |, [0-9]+ bytes a call;|zcrx_regcost: area=' || true
echo
if [ -s "$bench/bench.dat" ]; then
	bench_plot "$bench" || msg "the plot failed: see $bench/plot.log"
	msg "data: $bench/bench.dat (rows), $bench/bench-runs.dat (every run)"
	[ ! -s "$bench/bench.png" ] || msg "plot: $bench/bench.png"
fi
if [ "$fail" -eq 0 ]; then
	msg "bench done (kernel log clean; log: $log)"
else
	tr -d '\r' <"$log" | grep -a -E '^TEST ' || true
	"$ZCRX_ROOT/scripts/check-klog.sh" "$log" || true
	msg "bench FAILED: see $log"
fi
exit "$fail"
