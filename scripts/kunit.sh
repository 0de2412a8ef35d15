#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build the UML kernel with kunit.py from the project's .kunitconfig and run
# the KUnit suites. The same kernel boots the UML VM tests (uml-run.sh).
# Usage: scripts/kunit.sh [build|run]   (default: run)
. "$(dirname "$0")/lib.sh"

mode=${1:-run}
"$ZCRX_ROOT/scripts/apply.sh"
mkdir -p "$BUILD_UML" "$OUT"
cd "$TREE"

# kunit.py rewrites .config only when .kunitconfig asks for something it
# lacks; that keeps incremental builds incremental.
args=(--build_dir="$BUILD_UML" --kunitconfig="$ZCRX_ROOT/kunit/.kunitconfig"
      --jobs="$JOBS" --make_options "CC=$(kcc)")
case $mode in
build)
	run_logged "$OUT/kunit-build.log" "UML kernel build" \
		python3 tools/testing/kunit/kunit.py build "${args[@]}"
	;;
run)
	run_logged "$OUT/kunit-build.log" "UML kernel build" \
		python3 tools/testing/kunit/kunit.py build "${args[@]}"
	rc=0
	python3 tools/testing/kunit/kunit.py exec --build_dir="$BUILD_UML" \
		--timeout=600 --raw_output=all >"$OUT/kunit.log" 2>&1 || rc=$?
	python3 tools/testing/kunit/kunit.py parse <"$OUT/kunit.log" | tee "$OUT/kunit-parsed.log" || rc=1
	if ! "$ZCRX_ROOT/scripts/check-klog.sh" "$OUT/kunit.log"; then
		rc=1
	fi
	exit "$rc"
	;;
*)
	die "usage: kunit.sh [build|run]"
	;;
esac
