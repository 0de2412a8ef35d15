#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build every prefix of the series, product then test-only, as a UML
# kernel and run the KUnit cases that prefix has: one line per patch. A
# compiler warning in a C file the patch touches fails the line too.
# Not part of CI (slow: one incremental kernel build per patch); run it
# before changing the series' commit boundaries. Works in its own tree and
# build folder under $ZCRX_CACHE/check-bisect, so the main tree and builds
# stay as they are.
. "$(dirname "$0")/lib.sh"
. "$ZCRX_ROOT/scripts/series.sh"

work=$ZCRX_CACHE/check-bisect
tree=$work/tree
build=$work/build
"$ZCRX_ROOT/scripts/kernel-src.sh"
rm -rf "$work/patches" "$tree" && mkdir -p "$work" "$build"
series_export "$work/patches"
msg "check-bisect: copying the pristine source"
cp -al "$PRISTINE" "$tree"

# The .kunitconfig, without options whose symbol this prefix lacks (the
# suites and vnic arrive with their patches): kunit.py refuses a config
# that does not end up in .config.
kunitconfig_for_tree() {
	local line sym
	find "$tree" -name 'Kconfig*' -print0 |
		xargs -0 sed -n 's/^\(menu\)\?config \([A-Za-z0-9_]*\).*/\2/p' |
		sort -u >"$work/symbols"
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*)
			sym=${line%%=*}
			grep -qxF "${sym#CONFIG_}" "$work/symbols" || continue
			;;
		esac
		printf '%s\n' "$line"
	done <"$ZCRX_ROOT/kunit/.kunitconfig" >"$work/.kunitconfig"
}

kunit_args=(--build_dir="$build" --kunitconfig="$work/.kunitconfig"
	    --jobs="$JOBS" --make_options "CC=$(kcc)")
rc=0
rows=()
for p in $(series_patches "$work/patches"); do
	name=$(basename "$p" .patch)
	log=$work/$name.log
	if ! patch -p1 -s -F0 --no-backup-if-mismatch -d "$tree" <"$p" >"$log" 2>&1; then
		rows+=("$(printf '%-45s %s' "$name" "does not apply")")
		rc=1
		break
	fi
	kunitconfig_for_tree
	start=$SECONDS
	if ! (cd "$tree" && python3 tools/testing/kunit/kunit.py build \
		"${kunit_args[@]}") >>"$log" 2>&1; then
		rows+=("$(printf '%-45s %s' "$name" "BUILD FAILED (log: $log)")")
		rc=1
		continue
	fi
	built=$((SECONDS - start))
	# The C files this patch touches, compiled once more to see their
	# warnings (kunit.py hides them); patch replaced them, so touching
	# them leaves the pristine copy alone.
	warn=
	for f in $(sed -n 's|^+++ b/\(.*\.c\)$|\1|p' "$p"); do
		o=${f%.c}.o
		[ -f "$build/$o" ] || continue
		touch "$tree/$f"
		make -s -C "$tree" ARCH=um O="$build" CC="$(kcc)" "$o" \
			>>"$log" 2>&1 || true
	done
	grep -q 'warning:' "$log" && warn=", WARNINGS (log: $log)" && rc=1
	result="no KUnit suite yet"
	if grep -q '_KUNIT_TEST=y' "$work/.kunitconfig"; then
		if (cd "$tree" && python3 tools/testing/kunit/kunit.py exec \
			--build_dir="$build" --timeout=600) >>"$log" 2>&1 &&
		   "$ZCRX_ROOT/scripts/check-klog.sh" "$log" >/dev/null 2>&1; then
			result=$(grep -o 'Ran [0-9]* tests: passed: [0-9]*' "$log" |
				 tail -n1)
		else
			result="KUNIT FAILED (log: $log)"
			rc=1
		fi
	fi
	rows+=("$(printf '%-45s built in %4d s, %s%s' "$name" "$built" "$result" "$warn")")
	msg "check-bisect: ${rows[-1]}"
done

printf '\ncheck-bisect: every prefix of the series (UML, %s)\n' "$KSRC_KVER"
printf '%s\n' "${rows[@]}"
exit "$rc"
