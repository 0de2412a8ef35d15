#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The KUnit microbenchmarks of zcrx (docs/bench-kunit.md): build the UML
# bench kernel ($ZCRX_CACHE/build/uml-bench, config/uml-bench.kunitconfig,
# the kernel scripts/bench.sh boots: no KASAN, lockdep or kmemleak), run
# only the io_uring_zcrx_bench suite in it and print its zcrx_bench: lines
# as a table. Nothing checks a number: the run fails only if a case failed
# (a CQE or a buffer missing) or the kernel log has an error.
#
# -d runs the suite as a smoke test on a debug kernel instead (the test
# kernel's kunit/.kunitconfig plus the bench, in build/uml-bench-debug so
# that the test kernel keeps its case count; seeded from a copy of the
# test kernel's build if that exists): it checks the counts under KASAN,
# lockdep and kmemleak in a few seconds, its numbers mean nothing.
#
# Usage: scripts/bench-kunit.sh [-n] [-d] [-t SECONDS]
#   -n  do not build: run the kernel already built
#   -d  the smoke run on a debug kernel
#   -t  kunit.py's timeout (default 300)
. "$(dirname "$0")/lib.sh"

SUITE=io_uring_zcrx_bench
build=$ZCRX_CACHE/build/uml-bench
kunitconfig=(--kunitconfig="$ZCRX_ROOT/config/uml-bench.kunitconfig")
name=bench-kunit
do_build=1
tmo=300
while getopts ndt: opt; do
	case $opt in
	n) do_build=0 ;;
	d)
		build=$ZCRX_CACHE/build/uml-bench-debug
		kunitconfig=(--kunitconfig="$ZCRX_ROOT/kunit/.kunitconfig"
			     --kconfig_add CONFIG_IO_URING_ZCRX_KUNIT_BENCH=y)
		name=bench-kunit-debug
		;;
	t)
		[[ $OPTARG =~ ^[0-9]+$ ]] || die "bad -t value: $OPTARG"
		tmo=$OPTARG
		;;
	*) die "usage: $0 [-n] [-d] [-t SECONDS]" ;;
	esac
done

if [ "$do_build" -eq 1 ]; then
	"$ZCRX_ROOT/scripts/apply.sh"
	# The debug kernel differs from the test kernel in one option: start
	# from a copy of its build, and only zcrx.c is compiled again.
	if [ "$name" = bench-kunit-debug ] && [ ! -e "$build/.config" ] &&
	   [ -x "$BUILD_UML/linux" ]; then
		msg "seeding $build from $BUILD_UML"
		rm -rf "$build"
		cp -a "$BUILD_UML" "$build"
	fi
	mkdir -p "$build" "$OUT"
	(cd "$TREE" && run_logged "$OUT/$name-build.log" "UML $name kernel build" \
		python3 tools/testing/kunit/kunit.py build --build_dir="$build" \
		"${kunitconfig[@]}" --jobs="$JOBS" --make_options "CC=$(kcc)") ||
		die "building the kernel failed: see $OUT/$name-build.log"
fi
[ -x "$build/linux" ] || die "no kernel at $build/linux: run without -n"
grep -q '^CONFIG_IO_URING_ZCRX_KUNIT_BENCH=y' "$build/.config" ||
	die "$build/linux lacks CONFIG_IO_URING_ZCRX_KUNIT_BENCH=y"

log=$OUT/$name.log
load=$(cut -d' ' -f1-3 /proc/loadavg)
msg "running $SUITE in $build/linux (load average $load, $(nproc) CPUs; log: $log)"
rc=0
(cd "$TREE" && python3 tools/testing/kunit/kunit.py exec --build_dir="$build" \
	--timeout="$tmo" --raw_output=all "$SUITE") >"$log" 2>&1 || rc=$?
(cd "$TREE" && python3 tools/testing/kunit/kunit.py parse <"$log") \
	>"$OUT/$name-parsed.log" 2>&1 || rc=1
grep -q "ok [0-9]* $SUITE\$" "$log" || rc=1
"$ZCRX_ROOT/scripts/check-klog.sh" "$log" || rc=1

# case=C path=P iters=N ns/op=X op=O ms/GiB=Y base=B ratio=R -> columns
echo
tr -d '\r' <"$log" | sed -n 's/.* zcrx_bench: \(case=\|note=\)/\1/p' | awk '
	/^note=/ { print "# " $0; next }
	{
		delete f
		for (i = 1; i <= NF; i++) {
			split($i, kv, "=")
			f[kv[1]] = kv[2]
		}
		if (!hdr++)
			printf "%-10s %-17s %9s %-5s %9s %9s %8s  %s\n", "case", "path",
			       "iters", "op", "ns/op", "mean", "ms/GiB", "base/this"
		printf "%-10s %-17s %9s %-5s %9s %9s %8s  %s\n", f["case"], f["path"],
		       f["iters"], f["op"], f["ns/op"], f["mean"], f["ms/GiB"],
		       f["ratio"] " (" f["base"] ")"
	}'
echo "# ns/op and ms/GiB: the median over samples of 2048 skbs (recv) or 4096 buffers (pool);"
echo "# mean: all time over all operations; base/this: the base row's median / this one's"
echo "# load average at start: $load ($(nproc) CPUs), kernel: $build/linux"
if [ "$rc" -ne 0 ]; then
	tail -n 40 "$OUT/$name-parsed.log" >&2 || true
	msg "$SUITE FAILED: see $log"
fi
exit "$rc"
