#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Check a VM console log (UML or QEMU) for kernel error reports: KASAN,
# lockdep, kmemleak, WARN/BUG/oops/panic, UBSAN, refcount, stalls, and
# IOMMU (DMAR) faults.
#
# Usage: scripts/check-klog.sh LOG
# Exits 0 if the log is clean; else prints the offending lines (with their
# line numbers) and exits 1. The patterns were checked against real boot
# logs of the UML and the x86_64 kernels: no benign boot line matches.
set -euo pipefail

log=${1:?usage: check-klog.sh LOG}
[ -r "$log" ] || { echo "check-klog: cannot read $log" >&2; exit 2; }

# Extended regexps; a line matching any of them is a failure.
BAD=(
	'BUG: KASAN' 'BUG:' 'kernel BUG at' 'Oops' 'Kernel panic'
	'general protection fault' 'UBSAN:' 'refcount_t:'
	'WARNING:' '------------\[ cut here \]------------'
	'WARNING: possible' 'possible circular locking'
	'possible recursive locking' 'inconsistent lock state' 'lockdep'
	'turning off the locking correctness validator'
	'unreferenced object 0x'
	'self-detected stall' 'detected stalls on CPU'
	'blocked for more than [0-9]+ seconds'
	# IOMMU faults (a device DMA to an unmapped or stale address), not
	# the DMAR and iommu boot banners: VT-d's fault record and its
	# handler line, AMD-Vi's page fault event.
	'DMAR: DRHD: handling fault' 'DMAR: \[(DMA (Read|Write)|INTR-REMAP)'
	'\[fault reason 0x' 'IO_PAGE_FAULT'
)

# Benign lines that a pattern above would match.
BENIGN=(
	# PROVE_RCU's boot banner.
	'RCU lockdep checking is enabled'
)

join() { local IFS='|'; echo "$*"; }

# A "cut here" line belongs to the WARNING that follows it: it is benign
# when that WARNING is.
bad=$(tr -d '\r' <"$log" | BAD=$(join "${BAD[@]}") BENIGN=$(join "${BENIGN[@]}") awk '
	{ line[NR] = $0 }
	END {
		for (i = 1; i <= NR; i++) {
			l = line[i]
			if (l !~ ENVIRON["BAD"] || l ~ ENVIRON["BENIGN"])
				continue
			if (l ~ /cut here/ && i < NR && line[i + 1] ~ ENVIRON["BENIGN"])
				continue
			print i ":" l
		}
	}')

if [ -n "$bad" ]; then
	n=$(printf '%s\n' "$bad" | wc -l)
	echo "check-klog: $n kernel error line(s) in $log:"
	printf '%s\n' "$bad" | head -n 60 | sed 's/^/  /'
	[ "$n" -le 60 ] || echo "  ... ($((n - 60)) more)"
	exit 1
fi
echo "check-klog: $log: no kernel error reports"
