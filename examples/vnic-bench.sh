#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The benchmark, run in the test VM by scripts/bench.sh (POSIX sh).
# On one vnic pair (see vnic-lib.sh), for each MTU and send() size it runs
# zcrx_server bound to rx queue 1 (tcp dport 9000 steered there) and then
# copy_receiver on rx queue 2 (dport 9001) with the same traffic from
# tcp_sender, and prints a table: throughput, the receiver's CPU seconds
# per GiB, the NIC's DMA emulation time per GiB (the virtual device's
# cost, reported apart) and the zc/copy ratios. Without vnic in the kernel,
# or with -l, it compares zcrx_server -n (NODEV) with copy_receiver over
# loopback instead, which only shows the plumbing: NODEV copies too.
#
# Usage: vnic-bench.sh [-b BYTES] [-c CONNS] [-s SIZES] [-m MTUS] [-l]
#   -b  bytes per connection and run (default 32M)
#   -c  connections (default 2)
#   -s  send() sizes, comma separated (default 4K,64K,1M)
#   -m  MTUs, comma separated (default 1500,9000; not with loopback)
#   -l  loopback and NODEV even if there is a vnic
# Table lines start with "bench: ". Exit 0 when every run checked every
# byte; nothing about the numbers is checked.

VNIC_PROG=vnic-bench
VNIC_BIN=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=examples/vnic-lib.sh
. "$VNIC_BIN/vnic-lib.sh"

bytes=32M
conns=2
sizes=4K,64K,1M
mtus=1500,9000
loopback=
while getopts b:c:s:m:l opt; do
	case $opt in
	b) bytes=$OPTARG ;;
	c) conns=$OPTARG ;;
	s) sizes=$OPTARG ;;
	m) mtus=$OPTARG ;;
	l) loopback=1 ;;
	*) echo "usage: $0 [-b BYTES] [-c CONNS] [-s SIZES] [-m MTUS] [-l]" >&2
	   exit 2 ;;
	esac
done
sizes=$(echo "$sizes" | tr , ' ')
mtus=$(echo "$mtus" | tr , ' ')

tmp=$(mktemp -d /tmp/vnic-bench.XXXXXX) || exit 1
trap 'vnic_cleanup; rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

if [ -z "$loopback" ]; then
	vnic_setup "$tmp"
	case $? in
	0) ;;
	77)
		echo "bench: no vnic in this kernel: NODEV over loopback instead (the plumbing only: NODEV copies too)"
		loopback=1
		vnic_cleanup
		;;
	*) exit 1 ;;
	esac
fi
if [ -n "$loopback" ]; then
	RXNS=
	mtus=lo
	zc_args="-n"
else
	vnic_steer 9000 1 9001 2 || { vnic_msg "cannot steer the flows"; exit 1; }
	zc_args="-i $VNIC_RX -q 1"
fi

# One result line per run into $tmp/rows:
#   mtu size mode bytes secs mib/s cpu_s zc_bytes copy_bytes dma_ns drops
record() {
	_f=$1 _mtu=$2 _size=$3 _mode=$4 _q=$5
	_dma=0 _drops=0
	if [ -n "$RXNS" ]; then
		_dma=$(vnic_delta "$_f.s0" "$_f.s1" "rx${_q}_dma_ns")
		_drops=$(vnic_delta "$_f.s0" "$_f.s1" "rx${_q}_drops_nobuf")
	fi
	echo "$_mtu $_size $_mode $(vnic_field "$_f.out" bytes)" \
		"$(vnic_field "$_f.out" secs) $(vnic_field "$_f.out" MiB/s)" \
		"$(vnic_field "$_f.out" cpu_s) $(vnic_field "$_f.out" zc_bytes)" \
		"$(vnic_field "$_f.out" copy_bytes) $_dma $_drops" >>"$tmp/rows"
}

fail=0
n=0
for mtu in $mtus; do
	if [ "$mtu" != lo ] && ! vnic_mtu "$mtu"; then
		vnic_msg "cannot set MTU $mtu"
		fail=1
		continue
	fi
	for size in $sizes; do
		n=$((n + 1))
		echo "bench: run $n: mtu $mtu, send() $size, $conns x $bytes: recv-zc, then copy"
		# shellcheck disable=SC2086 # $zc_args are words
		if vnic_run "$tmp/zc$n" 9000 "$conns" "$bytes" "$size" \
			"$VNIC_BIN/zcrx_server" $zc_args; then
			record "$tmp/zc$n" "$mtu" "$size" zc 1
		else
			fail=1
		fi
		if vnic_run "$tmp/cp$n" 9001 "$conns" "$bytes" "$size" \
			"$VNIC_BIN/copy_receiver"; then
			record "$tmp/cp$n" "$mtu" "$size" copy 2
		else
			fail=1
		fi
	done
done

mode=vnic
[ -z "$loopback" ] || mode="loopback, zc = NODEV (copies)"
echo "bench: == recv-zc vs copy ($mode), $conns connections x $bytes per run =="
[ -s "$tmp/rows" ] && awk -v lo="$loopback" '
function row(m, mode) {
	if (lo)
		printf "bench: %5s %6s %-5s %9.1f %12.2f %12s %7.1f %9s\n",
			mtu[m], size[m], mode, mibs[m], cpu[m], "-", zcp[m], "-"
	else
		printf "bench: %5s %6s %-5s %9.1f %12.2f %12.1f %7.1f %9d\n",
			mtu[m], size[m], mode, mibs[m], cpu[m], dma[m], zcp[m],
			drops[m]
}
BEGIN {
	print "bench:   mtu   send mode      MiB/s  CPU s/GiB    DMA ms/GiB    zc %  nobuf drops"
	g = 1073741824
}
{
	k = $1 " " $2
	if (!(k in seen)) { seen[k] = 1; order[++n] = k }
	m = k " " $3
	mtu[m] = $1; size[m] = $2; mibs[m] = $6
	gib = $4 / g
	cpu[m] = gib ? $7 / gib : 0
	dma[m] = gib ? $10 / 1e6 / gib : 0
	zcp[m] = $4 ? 100 * $8 / $4 : 0
	drops[m] = $11
}
END {
	for (i = 1; i <= n; i++) {
		k = order[i]; z = k " zc"; c = k " copy"
		if (z in mtu) row(z, "zc")
		if (c in mtu) row(c, "copy")
		if (!(z in mtu) || !(c in mtu))
			continue
		printf "bench: %5s %6s %-5s %8.2fx %11.2fx", mtu[z], size[z],
			"zc/cp", mibs[c] ? mibs[z] / mibs[c] : 0,
			cpu[c] ? cpu[z] / cpu[c] : 0
		if (!lo && dma[c])
			printf " %11.2fx", dma[z] / dma[c]
		printf "\n"
	}
}' "$tmp/rows"
echo "bench: MiB/s and CPU: the receiver process (user+system time of its thread, softirq work it ran included);"
echo "bench: DMA: rx<q>_dma_ns, the time the virtual NIC spent emulating DMA, not receiver work;"
echo "bench: zc %: bytes recv-zc delivered without a copy (fdinfo zc_bytes) over bytes received."
exit "$fail"
