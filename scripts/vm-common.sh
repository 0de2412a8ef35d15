# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Helpers shared by scripts/uml-run.sh and scripts/qemu-run.sh. Source it
# after lib.sh; do not run it.

# Build the static VM tests and the guest scripts into $OUT/vm.
vm_build_tests() {
	make -s -C "$ZCRX_ROOT/tests/vm" O="$OUT/vm" ||
		die "building tests/vm failed"
	make -s -C "$ZCRX_ROOT/examples" O="$OUT/vm" ||
		die "building examples failed"
}

# Run "$@" (a VM) in its own process group with a time limit of $1 seconds,
# stdin from /dev/null and stdout+stderr into $2. Returns the VM's exit
# status (124 on timeout). Whatever the VM left behind in its process group
# is killed afterwards.
vm_run_logged() {
	local tmo=$1 log=$2 pid rc=0
	shift 2
	setsid timeout -k 10 "$tmo" "$@" </dev/null >"$log" 2>&1 &
	pid=$!
	# shellcheck disable=SC2064 # expand $pid now
	trap "kill -KILL -- -$pid 2>/dev/null" EXIT
	# shellcheck disable=SC2064
	trap "kill -KILL -- -$pid 2>/dev/null; exit 130" INT TERM
	wait "$pid" || rc=$?
	kill -KILL -- "-$pid" 2>/dev/null || true
	trap - EXIT INT TERM
	return "$rc"
}

# Print the per-test lines of a console log, check it for kernel error
# reports and check the VMTESTS line; the last line printed is that
# VMTESTS line. Returns non-zero on any failure.
vm_report() {
	local log=$1 rc=0 line p f s
	tr -d '\r' <"$log" |
		grep -a -E '^(TEST |KUNIT-SUITE |t_[A-Za-z0-9_]+: (FAIL|SKIP): )' || true
	"$ZCRX_ROOT/scripts/check-klog.sh" "$log" || rc=1
	if ! tr -d '\r' <"$log" | grep -a -q '^ZCRX-VM-DONE'; then
		msg "the guest did not reach ZCRX-VM-DONE (crash, hang or timeout): see $log"
		rc=1
	fi
	line=$(tr -d '\r' <"$log" | grep -a '^VMTESTS: ' | tail -n1 || true)
	if [[ $line =~ ^VMTESTS:\ ([0-9]+)\ passed,\ ([0-9]+)\ failed,\ ([0-9]+)\ skipped$ ]]; then
		p=${BASH_REMATCH[1]} f=${BASH_REMATCH[2]} s=${BASH_REMATCH[3]}
		[ "$f" -eq 0 ] || rc=1
		if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
			msg "no VM test passed or failed ($s skipped)"
			rc=1
		fi
		echo "$line"
	else
		msg "no VMTESTS line in $log: the tests did not run to the end"
		echo "VMTESTS: 0 passed, 1 failed, 0 skipped"
		rc=1
	fi
	return "$rc"
}
