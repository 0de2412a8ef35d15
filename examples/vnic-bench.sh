#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The benchmark, run in the test VM by scripts/bench.sh (POSIX sh).
# On one vnic pair (see vnic-lib.sh) every receiver of vnic-lib.sh gets
# the same traffic from tcp_sender, each on its own steered rx queue:
# read() with epoll, io_uring multishot recv from a buffer ring,
# TCP_ZEROCOPY_RECEIVE, and recv-zc (zcrx_server bound to queue 1) with
# eager and with batched refill; for each MTU, send() size and connection
# count, RUNS runs each (the receivers take turns within a run). It
# prints one row per (MTU, send() size, connections, receiver) with the
# medians over the runs, and the ratios of recv-zc against the best
# copying receiver and against TCP_ZEROCOPY_RECEIVE. Without vnic in the
# kernel, or with -l, the same receivers run over loopback with recv-zc
# NODEV, which only shows the plumbing: everything copies there.
#
# Usage: vnic-bench.sh [-b BYTES] [-c CONNS] [-s SIZES] [-m MTUS] [-r RUNS]
#                      [-R RECEIVERS] [-o DIR] [-l]
#   -b  bytes per run, over all connections (default by send() size:
#       up to 4K 48M, up to 64K 160M, larger 256M)
#   -c  connection counts, comma separated (default 1,2)
#   -s  send() sizes, comma separated (default 4K,64K,1M)
#   -m  MTUs, comma separated (default 1500,4148,9000; 4148 is the MTU
#       whose TCP payload, with timestamps, is one 4096-byte page)
#   -r  runs per row (default 3)
#   -R  receivers, comma separated (default read,multishot,tcpzc,zc-eager,
#       zc-batch; also: single, one io_uring recv at a time)
#   -o  write the raw runs (bench-runs.dat) and the rows (bench.dat) there
#   -l  loopback and NODEV even if there is a vnic
# Table lines start with "bench: ". Exit 0 when every run checked every
# byte; nothing about the numbers is checked.

VNIC_PROG=vnic-bench
VNIC_BIN=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=examples/vnic-lib.sh
. "$VNIC_BIN/vnic-lib.sh"

bytes=
conns=1,2
sizes=4K,64K,1M
mtus=1500,4148,9000
runs=3
recvs=read,multishot,tcpzc,zc-eager,zc-batch
outdir=
loopback=
while getopts b:c:s:m:r:R:o:l opt; do
	case $opt in
	b) bytes=$OPTARG ;;
	c) conns=$OPTARG ;;
	s) sizes=$OPTARG ;;
	m) mtus=$OPTARG ;;
	r) runs=$OPTARG ;;
	R) recvs=$OPTARG ;;
	o) outdir=$OPTARG ;;
	l) loopback=1 ;;
	*) echo "usage: $0 [-b BYTES] [-c CONNS] [-s SIZES] [-m MTUS] [-r RUNS] [-R RECEIVERS] [-o DIR] [-l]" >&2
	   exit 2 ;;
	esac
done
sizes=$(echo "$sizes" | tr , ' ')
mtus=$(echo "$mtus" | tr , ' ')
conns=$(echo "$conns" | tr , ' ')
recvs=$(echo "$recvs" | tr , ' ')
for r in $recvs; do
	vnic_receiver "$r" || { vnic_msg "unknown receiver $r (known: $VNIC_RECEIVERS)"; exit 2; }
done
case $runs in
'' | *[!0-9]* | 0) vnic_msg "bad -r $runs"; exit 2 ;;
esac

# "48M" -> 50331648
to_bytes() {
	case $1 in
	*[Kk]) echo $((${1%?} * 1024)) ;;
	*[Mm]) echo $((${1%?} * 1048576)) ;;
	*[Gg]) echo $((${1%?} * 1073741824)) ;;
	*) echo $(($1)) ;;
	esac
}

# Bytes of one run at send() size $1: -b, else by size, so that every run
# lasts about a second or more in UML and the default matrix fits 20 min.
run_bytes() {
	if [ -n "$bytes" ]; then
		to_bytes "$bytes"
		return
	fi
	_s=$(to_bytes "$1")
	if [ "$_s" -le 4096 ]; then
		to_bytes 48M
	elif [ "$_s" -le 65536 ]; then
		to_bytes 160M
	else
		to_bytes 256M
	fi
}

tmp=$(mktemp -d /tmp/vnic-bench.XXXXXX) || exit 1
trap 'vnic_cleanup; rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

if [ -z "$loopback" ]; then
	vnic_setup "$tmp"
	case $? in
	0) ;;
	77)
		echo "bench: no vnic in this kernel: loopback, recv-zc NODEV (the plumbing only: everything copies)"
		loopback=1
		vnic_cleanup
		;;
	*) exit 1 ;;
	esac
fi
if [ -n "$loopback" ]; then
	RXNS=
	mtus=lo
else
	vnic_steer_receivers || { vnic_msg "cannot steer the flows"; exit 1; }
fi

# A field of a summary line, -1 if it is not there.
field() {
	_v=$(vnic_field "$1" "$2")
	echo "${_v:--1}"
}

# One line per run into $tmp/runs (the columns of bench-runs.dat).
record() {
	_f=$1 _q=$6
	_dma=0 _prov=0 _nobuf=0
	if [ -n "$RXNS" ]; then
		_dma=$(vnic_delta "$_f.s0" "$_f.s1" "rx${_q}_dma_ns")
		_prov=$(vnic_delta "$_f.s0" "$_f.s1" "rx${_q}_provider_bytes")
		_nobuf=$(vnic_delta "$_f.s0" "$_f.s1" "rx${_q}_drops_nobuf")
	fi
	_o=$_f.out
	echo "$2 $3 $(to_bytes "$3") $4 $5 $7 $(field "$_o" bytes)" \
		"$(field "$_o" secs) $(field "$_o" MiB/s) $(field "$_o" cpu_ns)" \
		"$(field "$_o" syscalls) $(field "$_o" copy_bytes)" \
		"$(field "$_o" zc_bytes) $(field "$_o" guest_busy_ms)" \
		"$(field "$_o" guest_user_ms) $(field "$_o" guest_sys_ms)" \
		"$(field "$_o" guest_softirq_ms) $_dma $_prov $_nobuf" >>"$tmp/runs"
}

nrecv=$(echo "$recvs" | wc -w)
start=$(date +%s)
fail=0
n=0
for mtu in $mtus; do
	if [ "$mtu" != lo ] && ! vnic_mtu "$mtu"; then
		vnic_msg "cannot set MTU $mtu"
		fail=1
		continue
	fi
	for size in $sizes; do
		total=$(run_bytes "$size")
		for c in $conns; do
			per=$((total / c))
			echo "bench: mtu $mtu, send() $size, $c x $per bytes, $runs runs of: $recvs ($(($(date +%s) - start)) s so far)"
			run=1
			while [ "$run" -le "$runs" ]; do
				for r in $recvs; do
					vnic_receiver "$r"
					n=$((n + 1))
					# shellcheck disable=SC2086 # VNIC_R_ARGS are words
					if vnic_run "$tmp/r$n" "$VNIC_R_PORT" "$c" \
						"$per" "$size" $VNIC_R_ARGS; then
						record "$tmp/r$n" "$mtu" "$size" "$c" "$r" \
							"$VNIC_R_QUEUE" "$run"
					else
						fail=1
					fi
					rm -f "$tmp/r$n".*
				done
				run=$((run + 1))
			done
		done
	done
done
secs=$(($(date +%s) - start))

mode="vnic pair, each receiver on its own steered rx queue"
[ -z "$loopback" ] || mode="loopback, recv-zc NODEV (copies)"
echo "bench: == $n runs of $nrecv receivers in $secs s ($mode); medians of $runs runs =="
if [ -n "$outdir" ] && mkdir -p "$outdir"; then
	{
		echo "# vnic-bench.sh raw runs, one line per run: mtu send send_bytes conns receiver run bytes secs MiB/s cpu_ns syscalls copy_bytes zc_bytes guest_busy_ms guest_user_ms guest_sys_ms guest_softirq_ms dma_ns provider_bytes drops_nobuf"
		cat "$tmp/runs" 2>/dev/null
	} >"$outdir/bench-runs.dat"
	data=$outdir/bench.dat
else
	data=/dev/null
fi
[ -s "$tmp/runs" ] && awk -v data="$data" -v lo="$loopback" '
# Median of the nv values v[1..nv] (sorted in place).
function median(    i, j, t) {
	for (i = 2; i <= nv; i++)
		for (j = i; j > 1 && v[j - 1] > v[j]; j--) {
			t = v[j]; v[j] = v[j - 1]; v[j - 1] = t
		}
	if (nv % 2)
		return v[(nv + 1) / 2]
	return (v[nv / 2] + v[nv / 2 + 1]) / 2
}
# Median of metric m of row k; spread[k, m] = (max - min) / median.
function med(k, m,    i, md) {
	nv = cnt[k]
	for (i = 1; i <= nv; i++)
		v[i] = val[k, m, i]
	md = median()
	spread[k, m] = md ? (v[nv] - v[1]) / md : 0
	return md
}
function ratio(a, b) {
	return b > 0 ? sprintf("%6.2fx", a / b) : "     -"
}
BEGIN {
	g = 1073741824
	metrics = "mibs rx tot sirq sysc cpb prov dma"
	nm = split(metrics, mname, " ")
}
{
	k = $1 " " $2 " " $4 " " $5
	if (!(k in cnt)) {
		order[++nk] = k
		mtu[k] = $1; size[k] = $2; sbytes[k] = $3; conns[k] = $4
		recv[k] = $5
		has[$1 " " $2 " " $4, $5] = k
		if (!(($1 " " $2 " " $4) in grp)) {
			grp[$1 " " $2 " " $4] = 1
			gorder[++ng] = $1 " " $2 " " $4
		}
	}
	i = ++cnt[k]
	gib = $7 / g
	val[k, "mibs", i] = $9
	val[k, "rx", i] = gib ? $10 / 1e9 / gib : 0
	val[k, "tot", i] = gib ? $14 / 1e3 / gib : 0
	val[k, "sirq", i] = gib ? $17 / 1e3 / gib : 0
	val[k, "sysc", i] = gib ? $11 / gib : 0
	val[k, "cpb", i] = $7 ? ($12 >= 0 ? $12 / $7 : -1) : 0
	val[k, "prov", i] = $7 ? $19 / $7 : 0
	val[k, "dma", i] = gib ? $18 / 1e6 / gib : 0
	nobuf[k] += $20
}
END {
	print "bench:  mtu   send c receiver     MiB/s  rx CPU  total softirq  syscalls copied  prov     DMA  spread %"
	print "bench:                                  s/GiB  s/GiB  s/GiB    k/GiB   B/B    B/B  ms/GiB  cpu MiB/s"
	if (data != "/dev/null")
		print "# vnic-bench.sh rows, medians of the runs: mtu send send_bytes conns receiver runs MiB/s rx_cpu_s_per_gib total_cpu_s_per_gib softirq_s_per_gib syscalls_per_gib copied_per_byte provider_per_byte dma_ms_per_gib spread_rx_cpu spread_mibs drops_nobuf" > data
	for (o = 1; o <= nk; o++) {
		k = order[o]
		for (j = 1; j <= nm; j++)
			m[k, mname[j]] = med(k, mname[j])
		cp = m[k, "cpb"] < 0 ? "     -" : sprintf("%6.2f", m[k, "cpb"])
		printf "bench: %4s %6s %1d %-10s %7.1f %7.2f %6.2f %7.2f %9.1f %s %6.2f %7.1f %4.0f %5.0f\n",
			mtu[k], size[k], conns[k], recv[k], m[k, "mibs"],
			m[k, "rx"], m[k, "tot"], m[k, "sirq"],
			m[k, "sysc"] / 1000, cp, m[k, "prov"], m[k, "dma"],
			100 * spread[k, "rx"], 100 * spread[k, "mibs"]
		if (data != "/dev/null")
			printf "%s %s %d %d %s %d %.1f %.4f %.4f %.4f %.0f %.4f %.4f %.1f %.4f %.4f %d\n",
				mtu[k], size[k], sbytes[k], conns[k], recv[k],
				cnt[k], m[k, "mibs"], m[k, "rx"], m[k, "tot"],
				m[k, "sirq"], m[k, "sysc"], m[k, "cpb"],
				m[k, "prov"], m[k, "dma"], spread[k, "rx"],
				spread[k, "mibs"], nobuf[k] > data
	}
	print "bench:"
	print "bench: == recv-zc against the best copying receiver (read or multishot, lowest rx CPU/GiB) and TCP_ZEROCOPY_RECEIVE =="
	print "bench:  mtu   send c recv-zc   against           MiB/s  rx CPU   total"
	for (o = 1; o <= ng; o++) {
		gk = gorder[o]
		best = ""
		for (j = 1; j <= 2; j++) {
			c = j == 1 ? "read" : "multishot"
			if (!((gk, c) in has))
				continue
			kc = has[gk, c]
			if (best == "" || m[kc, "rx"] < m[best, "rx"])
				best = kc
		}
		for (j = 1; j <= 2; j++) {
			z = j == 1 ? "zc-eager" : "zc-batch"
			if (!((gk, z) in has))
				continue
			kz = has[gk, z]
			for (t = 1; t <= 2; t++) {
				kc = t == 1 ? best : has[gk, "tcpzc"]
				if (kc == "")
					continue
				printf "bench: %4s %6s %1d %-9s %-16s %s %s %s\n",
					mtu[kz], size[kz], conns[kz], z,
					recv[kc] (t == 1 ? " (best)" : ""),
					ratio(m[kz, "mibs"], m[kc, "mibs"]),
					ratio(m[kz, "rx"], m[kc, "rx"]),
					ratio(m[kz, "tot"], m[kc, "tot"])
			}
		}
	}
}' "$tmp/runs"
echo "bench:"
echo "bench: MiB/s: from the receiver's first accept to its last EOF. rx CPU: the receiving thread's CPU time"
echo "bench:   (CLOCK_THREAD_CPUTIME_ID, in ns: the bench kernel's sched_clock reads the host's clock,"
echo "bench:   CONFIG_UML_HOST_SCHED_CLOCK; without it UML counts 10 ms ticks); under UML softirqs run in the task they interrupt, so the thread"
echo "bench:   carries the softirq work that lands while it runs, and the sender carries the rest (vnic's rx"
echo "bench:   NAPI mostly runs when the sender's transmit re-enables BHs). total: the whole guest's busy CPU"
echo "bench:   over the receiver's window (/proc/stat: user+system+irq+softirq, tick-sampled), the sender and"
echo "bench:   the NIC emulation included; softirq: its softirq part. syscalls: counted by each receiver in its"
echo "bench:   loop. copied: bytes a CPU copy delivered per byte (read, multishot: all; tcpzc: the copybuf"
echo "bench:   and read() tails; recv-zc: fdinfo copy_bytes). prov: payload vnic placed in zcrx buffers"
echo "bench:   (rx<q>_provider_bytes) per byte. DMA: rx<q>_dma_ns, vnic's DMA emulation, a cost real NICs"
echo "bench:   do not put on the CPU. spread: (max - min) / median over the runs."
echo "bench: TCP_ZEROCOPY_RECEIVE maps only whole, page-aligned payload pages: at MTU 1500 (1448-byte"
echo "bench:   payloads) it copies everything, at 4148 (4096-byte payloads) it can map all, at 9000 two"
echo "bench:   pages of each segment's 8948 bytes."
exit "$fail"
