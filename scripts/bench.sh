#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The benchmark: build a UML kernel without the debug options of the test
# kernels ($ZCRX_CACHE/build/uml-bench, config/uml-bench.kunitconfig: no
# KASAN, lockdep or kmemleak, so kernel code runs at native speed), boot it
# on the host's root as uml-run.sh does and run examples/vnic-bench.sh in
# it: zcrx_server bound to a steered vnic rx queue against copy_receiver on
# another queue of the same pair, for several send() sizes and MTUs, then
# print the table. -d uses the debug test kernel ($BUILD_UML) instead.
# Without vnic in the kernel (or with -l) the guest compares NODEV
# recv-zc with copy_receiver over loopback, which shows the plumbing only.
#
# UML has one CPU: sender, receiver and the NIC's softirq share it, so
# the figures compare the two receivers with each other; they are not
# what hardware does. Nothing here checks a number; the run fails only if
# a byte was wrong, a program failed or the kernel log has an error.
#
# Usage: scripts/bench.sh [-t SECONDS] [-b BYTES] [-c CONNS] [-s SIZES] [-m MTUS] [-l] [-d]
#   -t  time limit of the whole boot (default 1200)
#   -b  bytes per connection and run (default 32M)
#   -c  connections (default 2)
#   -s  send() sizes, comma separated (default 4K,64K,1M)
#   -m  MTUs, comma separated (default 1500,9000)
#   -l  loopback and NODEV even if the kernel has vnic
#   -d  the debug test kernel (KASAN, lockdep), not the bench kernel
. "$(dirname "$0")/lib.sh"
. "$ZCRX_ROOT/scripts/vm-common.sh"

tmo=1200
args=()
debug=0
while getopts t:b:c:s:m:ld opt; do
	case $opt in
	t) tmo=$OPTARG ;;
	b | c | s | m)
		[[ $OPTARG =~ ^[A-Za-z0-9,]+$ ]] || die "bad -$opt value: $OPTARG"
		args+=("-$opt" "$OPTARG")
		;;
	l) args+=(-l) ;;
	d) debug=1 ;;
	*) die "usage: $0 [-t SECONDS] [-b BYTES] [-c CONNS] [-s SIZES] [-m MTUS] [-l] [-d]" ;;
	esac
done

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

vm_build_tests
# The guest runs the tests of one directory: a directory of its own with
# just the bench (the UML guest mounts a tmpfs on /tmp, so not there).
bench=$OUT/bench
rm -rf "$bench"
mkdir -p "$bench"
{
	echo '#!/bin/sh'
	echo "exec sh $OUT/vm/vnic-bench.sh ${args[*]}"
} >"$bench/t_bench"
chmod 0755 "$bench/t_bench"

log=$OUT/bench.log
msg "booting UML ($linux) for the bench, console log: $log"
start=$SECONDS
rc=0
vm_run_logged "$tmo" "$log" "$linux" mem=1G rootfstype=hostfs rootflags=/ rw \
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
tr -d '\r' <"$log" | grep -a -E '^(vnic-bench|zcrx_server|copy_receiver|tcp_sender): ' |
	grep -a -v -E ' conns=| listening on ' || true
echo
if [ "$fail" -eq 0 ]; then
	msg "bench done (kernel log clean; log: $log)"
else
	tr -d '\r' <"$log" | grep -a -E '^TEST ' || true
	"$ZCRX_ROOT/scripts/check-klog.sh" "$log" || true
	msg "bench FAILED: see $log"
fi
exit "$fail"
