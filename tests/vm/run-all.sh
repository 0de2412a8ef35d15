#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Run the VM tests inside the guest (POSIX sh; works with busybox).
#
# Usage: run-all.sh DIR [GLOB]
# Runs every executable DIR/t_* (matching GLOB if given, e.g. 't_netdev*')
# under `timeout` (ZCRX_TEST_TIMEOUT seconds, default 120), prints
# "TEST <name>: PASS|FAIL|SKIP" for each and, last,
# "VMTESTS: N passed, N failed, N skipped".
# Test convention: exit 0 = pass, 77 = skip, anything else = fail.
# IP_LIB_DIR is set to DIR for every test: ip loads the vnic link kind
# from the plugin DIR/link_vnic.so built beside the tests.

dir=${1:?usage: run-all.sh DIR [GLOB]}
glob=${2:-t_*}
tmo=${ZCRX_TEST_TIMEOUT:-120}
pass=0
fail=0
skip=0

IP_LIB_DIR=$(cd "$dir" && pwd) || IP_LIB_DIR=$dir
export IP_LIB_DIR

if command -v timeout >/dev/null 2>&1; then
	run_timeout() { timeout "$tmo" "$@"; }
else
	echo "run-all: no timeout command, running tests without a time limit"
	run_timeout() { "$@"; }
fi

for t in "$dir"/t_*; do
	if [ ! -f "$t" ] || [ ! -x "$t" ]; then
		continue
	fi
	name=${t##*/}
	# shellcheck disable=SC2254 # $glob is a pattern
	case $name in
	$glob) ;;
	*) continue ;;
	esac
	run_timeout "$t" </dev/null
	rc=$?
	case $rc in
	0)
		pass=$((pass + 1))
		echo "TEST $name: PASS"
		;;
	77)
		skip=$((skip + 1))
		echo "TEST $name: SKIP"
		;;
	124 | 137 | 143)
		# coreutils timeout exits 124; busybox's kills the test.
		fail=$((fail + 1))
		echo "TEST $name: FAIL (exit $rc: timed out after ${tmo}s or killed)"
		;;
	*)
		fail=$((fail + 1))
		echo "TEST $name: FAIL (exit $rc)"
		;;
	esac
done

echo "VMTESTS: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
