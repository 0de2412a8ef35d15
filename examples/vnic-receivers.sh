#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Every receiver of the benchmark (vnic-lib.sh's list) on a vnic pair, as
# the VM test t_example_vnic_receivers (POSIX sh: busybox in QEMU, the
# host's tools under UML): each case runs one receiver on its steered rx
# queue against tcp_sender, 2 connections x VNIC_RX_BYTES (default 1M: the
# nine cases move about what the demo moves, within the runner's 120 s
# under QEMU without KVM), and passes when the receiver checked every byte
# and exited 0 and, for the zero-copy ones, when some bytes really were not
# copied: recv-zc's fdinfo zc_bytes (and the NIC's rx1_provider_bytes),
# TCP_ZEROCOPY_RECEIVE's mapped bytes at MTU 4148 (one 4096-byte page of
# payload per segment) and 9000. Nothing is timed. Output in the kselftest
# shape, one line per case.
# Exit: 0 pass, 77 skip (no vnic), 1 fail.

VNIC_PROG=vnic-receivers
VNIC_BIN=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=examples/vnic-lib.sh
. "$VNIC_BIN/vnic-lib.sh"

bytes=${VNIC_RX_BYTES:-1M}
conns=2
msg=64K

tmp=$(mktemp -d /tmp/vnic-receivers.XXXXXX) || exit 1
trap 'vnic_cleanup; rm -rf "$tmp"' EXIT
trap 'exit 143' INT TERM

vnic_setup "$tmp"
rc=$?
if [ "$rc" -eq 77 ]; then
	echo "vnic-receivers: SKIP: the kernel has no vnic driver"
	exit 77
fi
[ "$rc" -eq 0 ] || exit 1
vnic_steer_receivers || { vnic_msg "cannot steer the flows"; exit 1; }

n=0
pass=0
failed=0
# One case: MTU, receiver, and what must hold besides every byte checked
# (an awk condition over zc=zc_bytes, prov=rx<q>_provider_bytes), if any.
case_run() {
	_mtu=$1 _r=$2 _cond=${3:-1}
	n=$((n + 1))
	_f=$tmp/c$n
	_why=
	if ! vnic_mtu "$_mtu"; then
		_why="cannot set MTU $_mtu"
	else
		vnic_receiver "$_r"
		# shellcheck disable=SC2086 # VNIC_R_ARGS are words
		if ! vnic_run "$_f" "$VNIC_R_PORT" "$conns" "$bytes" "$msg" \
			$VNIC_R_ARGS 2>"$_f.run"; then
			_why="the receiver or the sender failed: $(tr '\n' ' ' <"$_f.run" | cut -c1-300)"
		else
			_zc=$(vnic_field "$_f.out" zc_bytes)
			_prov=$(vnic_delta "$_f.s0" "$_f.s1" "rx${VNIC_R_QUEUE}_provider_bytes")
			sed "s/^/# /" "$_f.out"
			awk -v zc="${_zc:-0}" -v prov="${_prov:-0}" \
				"BEGIN { exit !($_cond) }" ||
				_why="not zero copy: zc_bytes=${_zc:-none} rx${VNIC_R_QUEUE}_provider_bytes=$_prov, want $_cond"
		fi
	fi
	if [ -z "$_why" ]; then
		echo "ok $n mtu$_mtu-$_r"
		pass=$((pass + 1))
	else
		echo "not ok $n mtu$_mtu-$_r # $_why"
		failed=$((failed + 1))
	fi
}

echo "1..9"
case_run 1500 read
case_run 1500 multishot
case_run 1500 single
case_run 1500 tcpzc
case_run 4148 tcpzc "zc > 0"
case_run 9000 read
case_run 9000 tcpzc "zc > 0"
case_run 1500 zc-eager "zc > 0 && prov >= zc"
case_run 4148 zc-batch "zc > 0 && prov >= zc"
echo "# Totals: pass:$pass fail:$failed skip:0"
[ "$failed" -eq 0 ]
