#!/bin/sh
# SPDX-License-Identifier: MIT
# run.sh DIR TEST...: run each test program in DIR and count the results.
# A test exits 0 (pass), 77 (skip) or anything else (fail); its output
# goes to DIR/TEST.log and is shown when it fails. V=1 shows it always.

dir=$1
shift
pass=0
fail=0
skip=0

for t in "$@"; do
	bin=$dir/$t
	log=$dir/$t.log
	if [ ! -x "$bin" ]; then
		echo "FAIL $t: did not build (see $(dirname "$dir")/build.log)"
		fail=$((fail + 1))
		continue
	fi
	"$bin" >"$log" 2>&1
	rc=$?
	case $rc in
	0)
		echo "PASS $t"
		pass=$((pass + 1))
		;;
	77)
		echo "SKIP $t: $(tail -n 1 "$log")"
		skip=$((skip + 1))
		;;
	66)
		# ThreadSanitizer's exit code; its report is in the log
		echo "FAIL $t: ThreadSanitizer found a data race"
		fail=$((fail + 1))
		;;
	*)
		echo "FAIL $t (exit $rc): $(tail -n 1 "$log")"
		fail=$((fail + 1))
		;;
	esac
	if [ "${V:-0}" = 1 ] || { [ $rc != 0 ] && [ $rc != 77 ]; }; then
		sed 's/^/    /' "$log"
	fi
done

[ $skip = 0 ] || echo "$skip skipped"
echo "$pass passed, $fail failed"
[ $fail = 0 ]
