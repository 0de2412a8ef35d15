#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Check a VM console log (UML or QEMU) for kernel error reports: KASAN,
# lockdep, kmemleak, WARN/BUG/oops/panic, UBSAN, refcount, stalls.
#
# Usage: scripts/check-klog.sh LOG
# Exits 0 if the log is clean; else prints the offending lines (with their
# line numbers) and exits 1. Patterns were checked against the boot logs of
# both VM kernels so that no benign boot line matches.
set -euo pipefail

log=${1:?usage: check-klog.sh LOG}
[ -r "$log" ] || { echo "check-klog: cannot read $log" >&2; exit 2; }

# Extended regexps, one per line; any match is a failure.
BAD='BUG: KASAN
BUG:
WARNING:
------------\[ cut here \]------------
Oops
Kernel panic
general protection fault
UBSAN:
refcount_t:
possible circular locking
possible recursive locking
inconsistent lock state
WARNING: possible
lockdep
INFO: lockdep is turned off
turning off the locking correctness validator
unreferenced object 0x
self-detected stall
detected stalls on CPU
blocked for more than [0-9]+ seconds
kernel BUG at'

# Benign lines that a pattern above would match.
BENIGN='RCU lockdep checking is enabled'

bad=$(tr -d '\r' <"$log" | grep -n -E -e "$BAD" | grep -v -E -e "$BENIGN" || true)
if [ -n "$bad" ]; then
	n=$(printf '%s\n' "$bad" | wc -l)
	echo "check-klog: $n kernel error line(s) in $log:"
	printf '%s\n' "$bad" | head -n 60 | sed 's/^/  /'
	[ "$n" -le 60 ] || echo "  ... ($((n - 60)) more)"
	exit 1
fi
echo "check-klog: $log: no kernel error reports"
