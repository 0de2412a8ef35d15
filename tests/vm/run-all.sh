#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Run the VM tests inside the guest (POSIX sh; works with busybox).
#
# Usage: run-all.sh DIR [GLOB]
# Runs every executable DIR/t_* (matching GLOB if given, e.g. 't_netdev*')
# under `timeout` (ZCRX_TEST_TIMEOUT seconds, default 120) and counts test
# cases, not programs:
# - a program in the kselftest shape (tests/vm/tst.h) prints "ok N name",
#   "not ok N name # why" or "ok N name # SKIP why" per case and a plan
#   "1..N"; each case becomes one line "TEST <prog>/<case>: PASS|FAIL|SKIP".
#   A case that never reported (the program died or timed out before its
#   "# Totals:" line, or printed fewer cases than its plan) counts as one
#   more failure, and so does a non-zero exit status after only passing
#   cases;
# - any other program (the examples) is one case: exit 0 = pass, 77 = skip,
#   anything else = fail, reported as "TEST <prog>: PASS|FAIL|SKIP".
# Last line: "VMTESTS: N passed, N failed, N skipped".
# IP_LIB_DIR is set to DIR for every test: ip loads the vnic link kind
# from the plugin DIR/link_vnic.so built beside the tests.

dir=${1:?usage: run-all.sh DIR [GLOB]}
glob=${2:-t_*}
tmo=${ZCRX_TEST_TIMEOUT:-120}
tmp=${TMPDIR:-/tmp}/run-all.$$
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

# report NAME RC OUTPUT-FILE: print the TEST lines of one program and, last,
# "COUNTS pass fail skip".
report() {
	awk -v name="$1" -v rc="$2" -v tmo="$tmo" '
	function verdict(line,    s) {
		s = line
		sub(/^(not )?ok [0-9]+ /, "", s)
		cname = s
		why = ""
		if (index(s, " # ")) {
			cname = substr(s, 1, index(s, " # ") - 1)
			why = substr(s, index(s, " # ") + 3)
		}
	}
	/^1\.\.[0-9]+/ { plan = substr($1, 4) + 0; next }
	/^# Totals: / { totals = 1; next }
	/^not ok [0-9]+ / {
		verdict($0); n++; f++
		print "TEST " name "/" cname ": FAIL: " why
		next
	}
	/^ok [0-9]+ / {
		verdict($0); n++
		if (why ~ /^SKIP/) {
			s++
			sub(/^SKIP ?/, "", why)
			print "TEST " name "/" cname ": SKIP: " why
		} else {
			p++
			print "TEST " name "/" cname ": PASS"
		}
		next
	}
	END {
		timedout = (rc == 124 || rc == 137 || rc == 143)
		if (!n) {
			if (rc == 0) { p++; print "TEST " name ": PASS" }
			else if (rc == 77) { s++; print "TEST " name ": SKIP" }
			else if (timedout) {
				f++
				print "TEST " name ": FAIL (exit " rc ": timed out after " tmo "s or killed)"
			} else { f++; print "TEST " name ": FAIL (exit " rc ")" }
		} else if (plan > n) {
			f++
			print "TEST " name ": FAIL (" plan - n " of " plan " cases did not report; exit " rc (timedout ? ", timed out after " tmo "s or killed" : "") ")"
		} else if (timedout || (!totals && rc != 0 && rc != 77)) {
			f++
			print "TEST " name ": FAIL (exit " rc (timedout ? ": timed out after " tmo "s or killed" : "") ", in the case after the last one reported)"
		} else if (rc != 0 && rc != 77 && !f) {
			f++
			print "TEST " name ": FAIL (exit " rc " after " n " cases that did not fail)"
		}
		print "COUNTS " p + 0 " " f + 0 " " s + 0
	}' "$3"
}

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
	# The output goes to the console as it comes (a hang still shows
	# where) and to a file for the count.
	{ run_timeout "$t" </dev/null 2>&1; echo $? >"$tmp.rc"; } | tee "$tmp.out"
	rc=$(cat "$tmp.rc")
	report "$name" "$rc" "$tmp.out" >"$tmp.rep"
	grep -v '^COUNTS ' "$tmp.rep"
	# shellcheck disable=SC2046 # three numbers
	set -- $(sed -n 's/^COUNTS //p' "$tmp.rep")
	pass=$((pass + $1))
	fail=$((fail + $2))
	skip=$((skip + $3))
done
rm -f "$tmp.rc" "$tmp.out" "$tmp.rep"

echo "VMTESTS: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
