#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Boot the x86_64 VM kernel ($BUILD_X86, from scripts/build-x86.sh) under
# QEMU with an initramfs made here ($OUT/initramfs.cpio.gz: busybox, the
# static tests of tests/vm, the host's ip, ethtool and tc with their libraries,
# guest-init.sh as /init), and check the result: the KUnit suites built in
# run at boot (their KTAP is parsed with kunit.py), then the VM tests. The
# console goes to $OUT/qemu.log, checked with check-klog.sh. Exits non-zero
# on any failure; the last line printed is the VMTESTS line.
#
# Usage: scripts/qemu-run.sh [-t SECONDS] [-f GLOB] [-a tcg|kvm|auto]
#                             [-k ARGS] [-l NAME] [-n] [-e]
#   -t  time limit of the whole boot (default 900)
#   -f  run only the VM tests matching GLOB (e.g. 't_netdev*')
#   -k  more kernel parameters (e.g. swiotlb=force)
#   -l  console log $OUT/NAME.log (default qemu)
#   -n  no KUnit at boot (kunit.enable=0), VM tests only
#   -e  two e1000e NICs (QEMU's 82574) joined back to back by a QEMU hub,
#       behind an emulated Intel IOMMU (intel-iommu, no interrupt
#       remapping) that the guest runs in strict mode (intel_iommu=on
#       iommu.strict=1): every device DMA is translated, and a write to
#       an unmapped or stale buffer is a DMAR fault in the log, which
#       check-klog.sh fails on (tests/vm/t_zcrx_e1000e.c)
#   -a  accelerator (default auto: KVM only if /dev/kvm exists and a probe
#       boot with it works, the result cached in $OUT/kvm-probe; else TCG)
. "$(dirname "$0")/lib.sh"
. "$ZCRX_ROOT/scripts/vm-common.sh"

tmo=900
filter='t_*'
accel=${ZCRX_ACCEL:-auto}
kargs=
logname=qemu
kunit=1
e1000e=0
while getopts t:f:a:k:l:ne opt; do
	case $opt in
	t) tmo=$OPTARG ;;
	f) filter=$OPTARG ;;
	a) accel=$OPTARG ;;
	k) kargs=$OPTARG ;;
	l) logname=$OPTARG ;;
	n) kunit=0 ;;
	e) e1000e=1 ;;
	*) die "usage: $0 [-t SECONDS] [-f GLOB] [-a tcg|kvm|auto] [-k ARGS] [-l NAME] [-n] [-e]" ;;
	esac
done
[ "$kunit" = 1 ] || kargs="kunit.enable=0 $kargs"

# The NICs of -e: the IOMMU first (it must exist before the devices it
# translates for), then one hub with a port per NIC, so what one sends
# the other receives.
devs=(-nic none)
if [ "$e1000e" = 1 ]; then
	devs+=(-device intel-iommu,intremap=off
	       -netdev hubport,id=e1k0,hubid=7 -device e1000e,netdev=e1k0,mac=52:54:00:7a:00:01
	       -netdev hubport,id=e1k1,hubid=7 -device e1000e,netdev=e1k1,mac=52:54:00:7a:00:02)
	kargs="intel_iommu=on iommu.strict=1 $kargs"
fi

kernel=$BUILD_X86/arch/x86/boot/bzImage
[ -f "$kernel" ] || die "no x86_64 kernel at $kernel: run scripts/build-x86.sh"
command -v qemu-system-x86_64 >/dev/null ||
	die "qemu-system-x86_64 missing: run scripts/setup.sh"
[ -x /bin/busybox ] || die "/bin/busybox missing: run scripts/setup.sh"

# gen_init_cpio from the kernel tree writes the archive from a list, with
# device nodes and owners, without root and without a staging directory.
gen_init_cpio() {
	local bin=$OUT/gen_init_cpio src=$TREE/usr/gen_init_cpio.c
	if [ ! -x "$bin" ] || [ "$src" -nt "$bin" ]; then
		gcc -O2 -o "$bin" "$src" || die "cannot build $src"
	fi
	"$bin" "$@"
}

# The gen_init_cpio list of the initramfs, on stdout.
initramfs_list() {
	local f d lib applet
	declare -A dirs=()
	local -a files=()	# "archive-path host-path"
	local -a links=()	# busybox applets

	add_dir() {	# add $1 and its parents
		local p=$1
		while [ "$p" != / ] && [ -z "${dirs[$p]:-}" ]; do
			dirs[$p]=1
			p=$(dirname "$p")
		done
	}
	add_file() {	# add_file ARCHIVE-PATH HOST-PATH
		[ -e "$2" ] || die "initramfs: $2 does not exist"
		add_dir "$(dirname "$1")"
		files+=("$1 $(readlink -f "$2")")
	}

	for d in /proc /sys /dev /tmp /root /etc /run /tests; do
		add_dir "$d"
	done
	add_file /init "$OUT/vm/guest-init.sh"
	for f in "$OUT"/vm/*; do
		[ -f "$f" ] || continue	# the tests and scripts, not build dirs
		add_file "/tests/${f##*/}" "$f"
	done
	add_file /bin/busybox /bin/busybox
	for f in /usr/sbin/ip /usr/sbin/ethtool /usr/sbin/tc; do
		add_file "$f" "$f"
		for lib in $(ldd "$f" | grep -o '/[^ ]*'); do
			add_file "$lib" "$lib"
		done
	done
	# busybox applet links, except for the tools taken from the host.
	for applet in $(/bin/busybox --list-full); do
		case $applet in
		bin/busybox | */ip | */ethtool | */tc) continue ;;
		esac
		add_dir "$(dirname "/$applet")"
		links+=("/$applet")
	done

	printf '%s\n' "${!dirs[@]}" | sort | while read -r d; do
		echo "dir $d 0755 0 0"
	done
	echo "nod /dev/console 0600 0 0 c 5 1"
	echo "nod /dev/null 0666 0 0 c 1 3"
	printf '%s\n' "${files[@]}" | sort -u | while read -r f d; do
		echo "file $f $d 0755 0 0"
	done
	printf '%s\n' "${links[@]}" | sort -u | while read -r f; do
		echo "slink $f /bin/busybox 0777 0 0"
	done
}

# Does a probe boot under KVM reach the initramfs? Cached per host kernel
# and QEMU version, since nested KVM may hang instead of failing.
kvm_works() {
	local probe=$OUT/kvm-probe key
	[ -r /dev/kvm ] && [ -w /dev/kvm ] || return 1
	key="$(uname -r) $(qemu-system-x86_64 --version | head -n1)"
	if [ -f "$probe" ] && [ "$(head -n1 "$probe")" = "$key" ]; then
		[ "$(sed -n 2p "$probe")" = yes ]
		return
	fi
	msg "probing KVM (60 s at most)"
	local ok=no
	timeout -k 5 60 qemu-system-x86_64 -accel kvm -machine q35 -cpu host \
		-m 1G -smp 1 -nographic -no-reboot -kernel "$kernel" \
		-initrd "$initrd" -append "console=ttyS0 panic=-1 rdinit=/bin/true" \
		</dev/null >"$OUT/kvm-probe.log" 2>&1 || true
	grep -aq 'Run /bin/true as init process' "$OUT/kvm-probe.log" && ok=yes
	printf '%s\n%s\n' "$key" "$ok" >"$probe"
	msg "KVM probe: $ok (log: $OUT/kvm-probe.log)"
	[ "$ok" = yes ]
}

# Parse the KUnit KTAP of the boot with kunit.py (full output in
# $OUT/qemu-kunit.log); fail on a failed or crashed case.
kunit_report() {
	local log=$1 parsed=$OUT/qemu-kunit.log rc=0
	if ! grep -qE '^CONFIG_[A-Z0-9_]*KUNIT_TEST=y' "$BUILD_X86/.config"; then
		msg "KUnit: no suites built in, nothing to parse"
		return 0
	fi
	tr -d '\r' <"$log" |
		python3 "$TREE/tools/testing/kunit/kunit.py" parse >"$parsed" 2>&1 ||
		rc=$?
	# The failed cases and the summary line.
	sed -n -E 's/^\[[0-9:]+\] //; /\[(FAILED|CRASHED)\]|ERROR|Testing complete|Could not find/p' \
		"$parsed" | sed 's/^/KUNIT: /'
	if [ "$rc" -ne 0 ]; then
		msg "KUnit: failures (kunit.py parse exit $rc; see $parsed)"
		return 1
	fi
}

vm_build_tests
mkdir -p "$OUT"
initrd=$OUT/initramfs.cpio.gz
initramfs_list >"$OUT/initramfs.list"
gen_init_cpio "$OUT/initramfs.list" | gzip -1 >"$initrd.tmp" ||
	die "cannot write the initramfs"
mv "$initrd.tmp" "$initrd"
msg "initramfs: $initrd ($(du -h "$initrd" | cut -f1))"

case $accel in
auto) if kvm_works; then accel=kvm; else accel=tcg; fi ;;
kvm | tcg) ;;
*) die "unknown accelerator $accel (tcg, kvm or auto)" ;;
esac
cpu=max
[ "$accel" = kvm ] && cpu=host

log=$OUT/$logname.log
msg "booting $kernel under QEMU ($accel), console log: $log"
start=$SECONDS
rc=0
vm_run_logged "$tmo" "$log" qemu-system-x86_64 -accel "$accel" -machine q35 \
	-cpu "$cpu" -m 2G -smp 2 -nographic -no-reboot "${devs[@]}" \
	-kernel "$kernel" -initrd "$initrd" \
	-append "console=ttyS0 panic=-1 zcrx.tests=/tests zcrx.filter=$filter zcrx.halt=reboot $kargs" ||
	rc=$?
case $rc in
0) msg "QEMU exited after $((SECONDS - start)) s" ;;
124 | 137) msg "QEMU timed out after $tmo s" ;;
*) msg "QEMU exited with status $rc after $((SECONDS - start)) s" ;;
esac

fail=0
if [ "$kunit" = 1 ]; then
	kunit_report "$log" || fail=1
fi
vm_report "$log" || fail=1
[ "$rc" -eq 0 ] || { msg "QEMU exit status $rc"; fail=1; }
exit "$fail"
