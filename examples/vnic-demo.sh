#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Zero-copy receive on a header-split NIC, shown in the test VM (busybox sh
# in QEMU's initramfs, or the host's tools under UML). Also the VM test
# t_example_vnic_demo; scripts/demo.sh prints its lines.
#
#   init netns                              its own netns
#   vA 10.77.0.1 (tcp_sender)  --vnic-->  vB 10.77.0.2, 4 rx queues, header split
#                                            zcrx-nic-setup vB 9000 1:
#                                            tcp dport 9000 -> queue 1: zcrx_server -i vB -q 1
#                                            RSS: queues 0, 2, 3
#                                            tcp dport 9001 -> queue 2: copy_receiver
#
# Both receivers get the same traffic (2 connections, VNIC_DEMO_BYTES each,
# default 4M: QEMU without KVM runs a debug kernel slowly) one after the
# other and check every byte. The proof of zero copy: the ifq's zc_bytes
# in the ring's fdinfo (bytes recv-zc delivered from the area's buffers
# without a copy) next to rx1_provider_bytes from ethtool -S vB (payload
# the NIC wrote into the area), while queue 2 puts nothing in provider
# memory. The NIC's DMA emulation time (rx<q>_dma_ns)
# is reported apart: it is the virtual device's cost, a real NIC's DMA
# engine does that work.
#
# Exit: 0 pass, 77 skip (no vnic in the kernel), 1 fail.
# Timing is only reported, never checked.

VNIC_PROG=vnic-demo
VNIC_BIN=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=examples/vnic-lib.sh
. "$VNIC_BIN/vnic-lib.sh"

bytes=${VNIC_DEMO_BYTES:-4M}
conns=2
msg=64K

tmp=$(mktemp -d /tmp/vnic-demo.XXXXXX) || exit 1
trap 'vnic_cleanup; rm -rf "$tmp"' EXIT
# Killed (the runner's time limit): say how far it got.
trap 'vnic_msg "killed; receiver and sender output so far:"
	tail -n 5 "$tmp"/*.out "$tmp"/*.err "$tmp"/*.tx >&2 2>/dev/null
	exit 143' INT TERM

vnic_setup "$tmp"
rc=$?
if [ "$rc" -eq 77 ]; then
	echo "vnic-demo: SKIP: the kernel has no vnic driver"
	exit 77
fi
[ "$rc" -eq 0 ] || exit 1
vnic_steer 9000 1 9001 2 || { vnic_msg "cannot steer the flows"; exit 1; }
hds=$($RXNS ethtool -g "$VNIC_RX" 2>/dev/null |
	sed -n 's/^TCP data split:[[:space:]]*//p' | tail -n1)

vnic_msg "recv-zc: zcrx_server -i $VNIC_RX -q 1, $conns x $bytes from tcp_sender"
vnic_run "$tmp/zc" 9000 "$conns" "$bytes" "$msg" \
	"$VNIC_BIN/zcrx_server" -i "$VNIC_RX" -q 1 -o || exit 1
vnic_msg "copy: copy_receiver on queue 2, $conns x $bytes from tcp_sender"
vnic_run "$tmp/cp" 9001 "$conns" "$bytes" "$msg" \
	"$VNIC_BIN/copy_receiver" || exit 1

# Everything a row of the table needs, for run $1 on queue $2.
row() {
	_o=$tmp/$1.out
	rx_bytes=$(vnic_field "$_o" bytes)
	mibs=$(vnic_field "$_o" MiB/s)
	cpu=$(vnic_field "$_o" cpu_s)
	zc=$(vnic_field "$_o" zc_bytes)
	cp=$(vnic_field "$_o" copy_bytes)
	prov=$(vnic_delta "$tmp/$1.s0" "$tmp/$1.s1" "rx$2_provider_bytes")
	pkts=$(vnic_delta "$tmp/$1.s0" "$tmp/$1.s1" "rx$2_packets")
	hdsp=$(vnic_delta "$tmp/$1.s0" "$tmp/$1.s1" "rx$2_hds_packets")
	nobuf=$(vnic_delta "$tmp/$1.s0" "$tmp/$1.s1" "rx$2_drops_nobuf")
	dma=$(vnic_delta "$tmp/$1.s0" "$tmp/$1.s1" "rx$2_dma_ns")
}

line() {
	awk -v n="$1" -v q="$2" -v b="$rx_bytes" -v r="$mibs" -v c="$cpu" \
		-v z="$zc" -v p="$cp" -v pv="$prov" -v d="$dma" 'BEGIN {
		m = 1048576; g = m * 1024
		printf "vnic-demo: %-14s %5s %8.1f %8.1f %9.2f %10.1f %9.1f %11.1f %9.1f\n",
			n, q, b / m, r, b ? c / (b / g) : 0, z / m, p / m,
			pv / m, d / 1e6 }'
}

row zc 1
zc_bytes=$rx_bytes zc_zc=$zc zc_cp=$cp zc_prov=$prov zc_pkts=$pkts
zc_hds=$hdsp zc_nobuf=$nobuf
echo "vnic-demo: == io_uring zero-copy receive on a header-split NIC (vnic) =="
echo "vnic-demo: pair: $VNIC_TX $VNIC_TX_ADDR (tcp_sender, init netns) -> $VNIC_RX $VNIC_RX_ADDR (receivers, own netns), tcp-data-split ${hds:-?}"
echo "vnic-demo: steering: zcrx-nic-setup $VNIC_RX 9000 1 (tcp4/tcp6 dport 9000 -> rx queue 1, zcrx ifq bound; RSS off queue 1); 9001 -> rx queue 2 (ordinary pages)"
echo "vnic-demo: traffic: $conns connections x $bytes, ${msg} send()s, each receiver checks every byte"
echo "vnic-demo: receiver       queue      MiB    MiB/s CPU s/GiB zerocopy MiB copied MiB provider MiB    DMA ms"
line "recv-zc" 1
row cp 2
cp_prov=$prov cp_pkts=$pkts
line "io_uring recv" 2
echo "vnic-demo: (MiB/s, CPU: the receiver's own; zerocopy/copied: the ring's fdinfo ZcrxIfq line;"
echo "vnic-demo:  provider: rx<q>_provider_bytes, payload the NIC wrote into the zcrx area;"
echo "vnic-demo:  DMA: rx<q>_dma_ns, the virtual NIC's emulated DMA, not the receiver's work)"
echo "vnic-demo: queue 1: $zc_pkts packets, $zc_hds header-split, $zc_nobuf dropped for want of a buffer"

fail=
check() {
	if ! awk "BEGIN { exit !($2) }"; then
		echo "vnic-demo: FAIL: $1"
		fail=1
	fi
}
check "recv-zc delivered no byte without a copy (zc_bytes=$zc_zc)" \
	"$zc_zc > 0"
check "fdinfo zc_bytes + copy_bytes ($zc_zc + $zc_cp) != bytes received ($zc_bytes)" \
	"$zc_zc + $zc_cp == $zc_bytes"
check "queue 1 placed $zc_prov payload bytes in the area, fewer than the $zc_zc delivered zero-copy" \
	"$zc_prov >= $zc_zc"
check "no packet of port 9001 reached queue 2" "$cp_pkts > 0"
check "queue 2 has no provider, yet rx2_provider_bytes grew by $cp_prov" \
	"$cp_prov == 0"
[ -z "$fail" ] || exit 1
awk -v z="$zc_zc" -v b="$zc_bytes" 'BEGIN {
	printf "vnic-demo: PASS: %.1f%% of the bytes recv-zc delivered (%.0f of %.0f) were never copied: the NIC wrote them into the registered area and userspace read them there\n",
		b ? 100 * z / b : 0, z, b }'
exit 0
