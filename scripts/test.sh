#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Every test of the project, in one run: checkpatch on the series, the
# series applying to pristine 6.12, liburing-ext's host tests, the KUnit
# suites on UML, the VM tests on UML (host root over hostfs) and on QEMU
# x86_64 (KUnit at boot, then the VM tests; the vnic zero-copy tests again
# with swiotlb=force; the e1000e zero-copy test on two emulated 82574s
# behind an IOMMU), each kernel log checked for
# KASAN, lockdep, kmemleak, WARN, BUG and Oops. Prints a table of stages
# and ends with one line "N passed, N failed".
#
# Usage: scripts/test.sh [STAGE...]   (default: all stages)
. "$(dirname "$0")/lib.sh"

stages=("$@")
[ ${#stages[@]} -gt 0 ] ||
	stages=(checkpatch patches liburing-ext kunit uml qemu qemu-swiotlb qemu-e1000e)

logdir=$OUT/test
mkdir -p "$logdir"
total_pass=0
total_fail=0
report=()

# A kernel log with an error report (check-klog.sh prints a count then).
klog_bad() {
	grep -q '^check-klog: [0-9]* kernel error line' "$1"
}

# count STAGE PASSED FAILED NOTE
count() {
	total_pass=$((total_pass + $2))
	total_fail=$((total_fail + $3))
	report+=("$(printf '%-14s %4d passed %4d failed  %s' "$1" "$2" "$3" "$4")")
}

# The last "N passed, N failed" (or VMTESTS) counts in a log, as "P F".
counts_of() {
	tr -d '\r' <"$1" | sed -n -E \
		's/^(VMTESTS: )?([0-9]+) passed, ([0-9]+) failed.*/\2 \3/p' | tail -n1
}

stage_checkpatch() {
	local log=$logdir/checkpatch.log p f
	"$ZCRX_ROOT/scripts/checkpatch.sh" >"$log" 2>&1 || true
	p=$(grep -c ': clean$' "$log" || true)
	f=$(grep -c 'has style problems' "$log" || true)
	[ "$p" -gt 0 ] || f=$((f + 1))
	count checkpatch "$p" "$f" "checkpatch.pl --strict per patch"
}

stage_patches() {
	local log=$logdir/patches.log
	if "$ZCRX_ROOT/scripts/patches-check.sh" >"$log" 2>&1; then
		count patches 1 0 "series applies to pristine $KSRC_KVER"
	else
		tail -n 5 "$log" >&2
		count patches 0 1 "series does not apply: $log"
	fi
}

stage_liburing_ext() {
	local log=$logdir/liburing-ext.log c
	make -s -C "$ZCRX_ROOT/liburing-ext" O="$OUT/liburing-ext" check \
		>"$log" 2>&1 || true
	c=$(counts_of "$log")
	if [ -z "$c" ]; then
		tail -n 5 "$log" >&2
		count liburing-ext 0 1 "no result: $log"
		return
	fi
	# shellcheck disable=SC2086 # two numbers
	count liburing-ext $c "host tests of the helpers"
}

stage_kunit() {
	local log=$logdir/kunit.log p f line
	"$ZCRX_ROOT/scripts/kunit.sh" run >"$log" 2>&1 || true
	line=$(grep -a 'Testing complete. Ran' "$log" | tail -n1 || true)
	p=$(sed -n -E 's/.*passed: ([0-9]+).*/\1/p' <<<"$line")
	f=$(sed -n -E 's/.*failed: ([0-9]+).*/\1/p' <<<"$line")
	p=${p:-0}
	f=${f:-0}
	if [ -z "$line" ]; then
		tail -n 20 "$log" >&2
		f=$((f + 1))
	fi
	if klog_bad "$log"; then
		grep -A5 '^check-klog: [0-9]' "$log" >&2
		f=$((f + 1))
	else
		p=$((p + 1))
	fi
	count kunit "$p" "$f" "KUnit cases on UML + a clean kernel log"
}

# vm_stage NAME LOG NOTE -- COMMAND...
vm_stage() {
	local name=$1 log=$2 note=$3 c p f
	shift 4
	"$@" >"$log" 2>&1 || true
	c=$(counts_of "$log")
	p=${c% *}
	f=${c#* }
	[ -n "$c" ] || { p=0; f=1; }
	# KUnit cases run at boot (QEMU), as kunit.py parsed them
	c=$(sed -n -E 's/^KUNIT: Testing complete\. Ran [0-9]+ tests: passed: ([0-9]+)(, failed: ([0-9]+))?.*/\1 \3/p' \
		"$log" | tail -n1)
	if [ -n "$c" ]; then
		# shellcheck disable=SC2086 # two numbers
		set -- $c
		p=$((p + $1))
		f=$((f + ${2:-0}))
	fi
	if klog_bad "$log"; then
		grep -A5 '^check-klog: [0-9]' "$log" >&2
		f=$((f + 1))
	else
		p=$((p + 1))
	fi
	grep -a -E ': (FAIL|SKIP): |KUnit: failures' "$log" >&2 || true
	count "$name" "$p" "$f" "$note"
}

stage_uml() {
	local log=$logdir/uml.log
	if ! "$ZCRX_ROOT/scripts/kunit.sh" build >"$logdir/uml-build.log" 2>&1; then
		tail -n 20 "$logdir/uml-build.log" >&2
		count uml 0 1 "UML kernel build failed"
		return
	fi
	vm_stage uml "$log" "VM test cases on UML + a clean kernel log" -- \
		"$ZCRX_ROOT/scripts/uml-run.sh"
}

stage_qemu() {
	local log=$logdir/qemu.log
	if ! "$ZCRX_ROOT/scripts/build-x86.sh" >"$logdir/x86-build.log" 2>&1; then
		tail -n 20 "$logdir/x86-build.log" >&2
		count qemu 0 1 "x86_64 kernel build failed"
		return
	fi
	vm_stage qemu "$log" "KUnit cases at boot + VM test cases on QEMU x86_64 + klog" -- \
		"$ZCRX_ROOT/scripts/qemu-run.sh"
}

# The zero-copy tests on vnic again, every DMA map bounced through
# swiotlb: the device writes the bounce buffer, only the page pool's and
# the provider's syncs bring the bytes to the area, and DMA_API_DEBUG
# checks each map, sync and unmap.
stage_qemu_swiotlb() {
	local log=$logdir/qemu-swiotlb.log
	if ! "$ZCRX_ROOT/scripts/build-x86.sh" >"$logdir/x86-build.log" 2>&1; then
		tail -n 20 "$logdir/x86-build.log" >&2
		count qemu-swiotlb 0 1 "x86_64 kernel build failed"
		return
	fi
	vm_stage qemu-swiotlb "$log" "vnic zero-copy cases on QEMU with swiotlb=force + klog" -- \
		"$ZCRX_ROOT/scripts/qemu-run.sh" -n -l qemu-swiotlb \
		-k "swiotlb=131072,force" -f 't_zcrx_vnic*'
}

# Zero copy on e1000e: two of QEMU's 82574 back to back behind an
# emulated Intel IOMMU in strict mode (qemu-run.sh -e), where a DMAR fault
# fails the log check like a KASAN report.
stage_qemu_e1000e() {
	local log=$logdir/qemu-e1000e.log
	if ! "$ZCRX_ROOT/scripts/build-x86.sh" >"$logdir/x86-build.log" 2>&1; then
		tail -n 20 "$logdir/x86-build.log" >&2
		count qemu-e1000e 0 1 "x86_64 kernel build failed"
		return
	fi
	vm_stage qemu-e1000e "$log" "e1000e zero-copy cases on QEMU behind intel-iommu + klog" -- \
		"$ZCRX_ROOT/scripts/qemu-run.sh" -n -e -l qemu-e1000e \
		-k "zcrx.timeout=600" -f 't_zcrx_e1000e*'
}

"$ZCRX_ROOT/scripts/setup.sh"
# Every stage compares with or builds from the tree: bring it up to date
# with the project's files first.
"$ZCRX_ROOT/scripts/apply.sh"
for s in "${stages[@]}"; do
	start=$SECONDS
	msg "stage $s"
	"stage_${s//-/_}"
	msg "stage $s: $((SECONDS - start)) s"
done

echo
printf '%s\n' "${report[@]}"
echo "logs: $logdir"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
