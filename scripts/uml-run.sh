#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Boot the UML kernel built by kunit.py ($BUILD_UML/linux) on the host's
# root (hostfs, read-write as root, but the guest mounts its own tmpfs on
# /tmp) and run the VM tests of tests/vm in it; the KUnit suites are not run
# (kunit.enable=0), kunit.py does that. The console goes to $OUT/uml.log,
# which is then checked with check-klog.sh; the per-test lines and the
# VMTESTS line are printed. Exits non-zero on any failure.
#
# Usage: scripts/uml-run.sh [-t SECONDS] [-f GLOB] [-k ARGS]
#   -t  time limit of the whole boot (default 300)
#   -f  run only the tests matching GLOB (e.g. 't_netdev*')
#   -k  more kernel parameters; NAME=VALUE words the kernel does not know
#       reach the tests' environment (e.g. ZCRX_FUZZ_SEED=42)
. "$(dirname "$0")/lib.sh"
. "$ZCRX_ROOT/scripts/vm-common.sh"

tmo=300
filter='t_*'
kargs=
while getopts t:f:k: opt; do
	case $opt in
	t) tmo=$OPTARG ;;
	f) filter=$OPTARG ;;
	k) kargs=$OPTARG ;;
	*) die "usage: $0 [-t SECONDS] [-f GLOB] [-k ARGS]" ;;
	esac
done

linux=$BUILD_UML/linux
[ -x "$linux" ] || die "no UML kernel at $linux: build it first with" \
	"kunit.py build --build_dir=$BUILD_UML --kunitconfig=$ZCRX_ROOT/kunit"
grep -q '^CONFIG_HOSTFS=y' "$BUILD_UML/.config" ||
	die "$linux lacks CONFIG_HOSTFS=y: it cannot boot the host's root"

vm_build_tests
log=$OUT/uml.log
mkdir -p "$OUT"
msg "booting UML ($linux), console log: $log"
start=$SECONDS
rc=0
# con0 is the console, on stdin (/dev/null: UML only logs that it cannot
# epoll it) and stdout; con=none disables the other lines (con=null needs
# CONFIG_NULL_CHAN, which kunit.py's config lacks).
vm_run_logged "$tmo" "$log" "$linux" mem=1G rootfstype=hostfs rootflags=/ rw \
	init="$OUT/vm/guest-init.sh" con=none con0=fd:0,fd:1 kunit.enable=0 \
	zcrx.tests="$OUT/vm" zcrx.filter="$filter" $kargs || rc=$?
case $rc in
0) msg "UML exited after $((SECONDS - start)) s" ;;
124 | 137) msg "UML timed out after $tmo s" ;;
*) msg "UML exited with status $rc after $((SECONDS - start)) s" ;;
esac

vm_report "$log" || exit 1
[ "$rc" -eq 0 ] || { msg "UML exit status $rc"; exit 1; }
