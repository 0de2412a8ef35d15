#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The main job: fetch Debian's 6.12 source, apply the zcrx-lts series,
# build the x86_64 kernel, boot it under QEMU and run the zero-copy
# receive demos in it (the t_example_* tests: zcrx_loopback, the example
# programs' self-checks and examples/vnic-demo.sh, zero copy on a vnic
# queue), then say what the run proved.
. "$(dirname "$0")/lib.sh"

"$ZCRX_ROOT/scripts/setup.sh"
"$ZCRX_ROOT/scripts/build-x86.sh"

mkdir -p "$OUT"
rc=0
"$ZCRX_ROOT/scripts/qemu-run.sh" -f 't_example_*' >"$OUT/demo.log" 2>&1 || rc=$?
log=$OUT/qemu.log

echo
echo "== zcrx-lts demo =="
echo "kernel:  $(tr -d '\r' <"$log" | grep -a -m1 -o 'Linux version [^ ]*' || echo '?')"
echo "series:  $(ls "$PATCH_OUT"/*.patch | wc -l) patches on Debian's $KSRC_PKG $KSRC_DEBVER ($PATCH_OUT)," \
	"+ $(ls "$PATCH_OUT"/test/*.patch | wc -l) test-only (vnic)"
echo "KUnit:   $(sed -n 's/.*Testing complete. //p' "$OUT/qemu-kunit.log" 2>/dev/null |
	tail -n1) at boot ($(tr -d '\r' <"$log" | sed -n 's/^KUNIT-SUITE \([^:]*\):.*/\1/p' |
	tr '\n' ' ' | sed 's/ $//'))"
echo
tr -d '\r' <"$log" | sed -n '/^receiver /,/^note: /p'
echo
tr -d '\r' <"$log" | sed -n 's/^vnic-demo: //p'
echo
tr -d '\r' <"$log" | grep -a -E '^TEST t_example' || true
vnic=$(tr -d '\r' <"$log" | sed -n 's/^TEST t_example_vnic_demo: //p')
if [ "$rc" -eq 0 ]; then
	echo "proved: the patched 6.12 kernel registers a zcrx ifq with upstream's ABI,"
	echo "        delivers a verified TCP stream through IORING_OP_RECV_ZC into the"
	echo "        registered area and takes every buffer back through the refill ring,"
	if [ "$vnic" = PASS ]; then
		echo "        and with the ifq bound to a steered rx queue of the header-split"
		echo "        vnic the payload reaches userspace without a copy (fdinfo zc_bytes,"
		echo "        rx1_provider_bytes above), while a plain recv on another queue copies,"
	else
		echo "        (the vnic zero-copy part was skipped: $vnic),"
	fi
	echo "        with no KASAN, lockdep, kmemleak or WARN report in the kernel log."
else
	echo "the demo FAILED: see $OUT/demo.log and $log"
	tail -n 20 "$OUT/demo.log"
fi
exit "$rc"
