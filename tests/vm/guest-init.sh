#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# PID 1 of the zcrx-lts test VMs, for UML (host root over hostfs; run as
# init=/path/to/guest-init.sh) and QEMU (busybox initramfs; run as /init).
#
# Mounts the pseudo file systems, brings lo up, prints the KUnit results of
# the suites that ran at boot, runs run-all.sh on the test directory, asks
# kmemleak for leaks (printing any report), prints ZCRX-VM-DONE and powers
# the machine off. Parameters, from the kernel command line:
#   zcrx.tests=DIR     directory of t_* test binaries (required)
#   zcrx.filter=GLOB   run only the tests matching GLOB (default t_*)
#   zcrx.timeout=SECS  time limit of one test (default 120)
#   zcrx.halt=poweroff|reboot  how to stop (default poweroff; QEMU without
#                      ACPI needs reboot, which -no-reboot turns into an exit)

PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
umask 022

# Mount a file system of type $1 on $2 unless something is mounted there.
mnt() {
	grep -q " $2 " /proc/mounts 2>/dev/null && return 0
	mkdir -p "$2" 2>/dev/null
	mount -t "$1" "$1" "$2" || echo "guest-init: cannot mount $1 on $2"
}

# PID 1 must not exit: stop the machine, whatever happens.
halt_vm() {
	sync
	# busybox's applets, not the host's systemd ones (UML runs the host's
	# root), stop the kernel directly.
	case $halt in
	reboot)
		busybox reboot -f
		echo b >/proc/sysrq-trigger
		;;
	*)
		busybox poweroff -f
		echo o >/proc/sysrq-trigger
		;;
	esac
	sleep 5
	echo o >/proc/sysrq-trigger
	while :; do sleep 3600; done
}

mount -t proc proc /proc 2>/dev/null
mnt sysfs /sys
mnt devtmpfs /dev
mnt debugfs /sys/kernel/debug
mnt tmpfs /tmp

tests=
filter='t_*'
halt=poweroff
set -f	# no globbing of the words of the command line
# shellcheck disable=SC2013 # words, not lines
for arg in $(cat /proc/cmdline); do
	case $arg in
	zcrx.tests=*) tests=${arg#zcrx.tests=} ;;
	zcrx.filter=*) filter=${arg#zcrx.filter=} ;;
	zcrx.timeout=*) ZCRX_TEST_TIMEOUT=${arg#zcrx.timeout=} ;;
	zcrx.halt=*) halt=${arg#zcrx.halt=} ;;
	esac
done
set +f
export ZCRX_TEST_TIMEOUT

echo "guest-init: $(uname -r), cmdline: $(cat /proc/cmdline)"

if ! ip link set lo up 2>/dev/null; then
	busybox ip link set lo up 2>/dev/null || busybox ifconfig lo up ||
		echo "guest-init: cannot bring lo up"
fi

# KUnit suites that ran at boot (their full KTAP went to the console).
for r in /sys/kernel/debug/kunit/*/results; do
	[ -r "$r" ] || continue	# debugfs files have size 0: no -s
	suite=${r%/results}
	suite=${suite##*/}
	ok=$(grep -c '^ *ok ' "$r")
	nok=$(grep -c '^ *not ok ' "$r")
	if [ "$ok" -eq 0 ] && [ "$nok" -eq 0 ]; then
		continue	# did not run (kunit.enable=0)
	elif [ "$nok" -eq 0 ]; then
		echo "KUNIT-SUITE $suite: PASS ($ok ok lines)"
	else
		echo "KUNIT-SUITE $suite: FAIL ($nok not ok, $ok ok lines)"
	fi
done

# Run the tests from a scratch directory, next to run-all.sh if it is
# beside this script, else from the test directory.
here=$(dirname "$0")
runner=$here/run-all.sh
[ -f "$runner" ] || runner=$tests/run-all.sh
cd /tmp || cd /
if [ -z "$tests" ]; then
	echo "guest-init: no zcrx.tests=DIR on the kernel command line"
	echo "VMTESTS: 0 passed, 1 failed, 0 skipped"
elif [ ! -f "$runner" ]; then
	echo "guest-init: no run-all.sh beside $0 nor in $tests"
	echo "VMTESTS: 0 passed, 1 failed, 0 skipped"
else
	sh "$runner" "$tests" "$filter"
fi

# Leaks: objects must be 5 s old to be reported, hence the pause.
if [ -e /sys/kernel/debug/kmemleak ]; then
	echo scan >/sys/kernel/debug/kmemleak
	sleep 5
	echo scan >/sys/kernel/debug/kmemleak
	echo "guest-init: kmemleak report start"
	cat /sys/kernel/debug/kmemleak
	echo "guest-init: kmemleak report end"
fi

# KCSAN's counters, so a run without reports shows it was watching.
if [ -r /sys/kernel/debug/kcsan ]; then
	echo "guest-init: kcsan counters"
	sed -n '/^enabled/,/^$/p' /sys/kernel/debug/kcsan | sed 's/^/guest-init: kcsan /'
fi

echo "ZCRX-VM-DONE"
halt_vm
