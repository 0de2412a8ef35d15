#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Check the series against every version of Debian's linux-source-6.12 that
# apt offers (`apt-cache madison`): each is fetched into $ZCRX_CACHE, the
# series is applied to it in order with `patch -p1` (no fuzz allowed, as in
# the builds), and the newest and the oldest get the UML kernel built and the
# KUnit suites run (scripts/kunit.sh with ZCRX_KSRC_DEBVER). A patch that
# does not apply is named with the files and hunks that failed. Prints a
# table, version by version, and exits non-zero if any version failed.
#
# Not part of `make test`: fetching five sources and two UML builds take
# about half an hour on 2 cores.
#
# Usage: scripts/check-versions.sh [-n] [-k] [VERSION...]
#   -n  apply only, build nothing
#   -k  keep the working trees and UML builds of versions other than the
#       pinned one (default: removed after the check; the sources stay)
#   VERSION  Debian versions to check (default: all apt offers)
. "$(dirname "$0")/lib.sh"
. "$ZCRX_ROOT/scripts/series.sh"

build=1
keep=0
while getopts nk opt; do
	case $opt in
	n) build=0 ;;
	k) keep=1 ;;
	*) die "usage: $0 [-n] [-k] [VERSION...]" ;;
	esac
done
shift $((OPTIND - 1))

work=$ZCRX_CACHE/check-versions
mkdir -p "$work"

offered() {
	apt-cache madison "$KSRC_PKG" 2>/dev/null | awk -F'|' '{ gsub(/ /, "", $2); print $2 }' |
		sort -uV
}

if [ $# -gt 0 ]; then
	versions=("$@")
else
	mapfile -t versions < <(offered)
	if [ ${#versions[@]} -eq 0 ]; then
		msg "apt knows no $KSRC_PKG: updating the package lists"
		SUDO=
		[ "$(id -u)" -eq 0 ] || SUDO=sudo
		$SUDO apt-get update -qq || die "apt-get update failed"
		mapfile -t versions < <(offered)
	fi
	[ ${#versions[@]} -gt 0 ] || die "apt offers no $KSRC_PKG"
fi
mapfile -t versions < <(printf '%s\n' "${versions[@]}" | sort -uV)
oldest=${versions[0]}
newest=${versions[${#versions[@]} - 1]}

# The exported series, once: it does not depend on the version.
patches=$work/patches
series_export "$patches"

# apply_series DEBVER: apply the series to a copy of the files it touches
# in that version's pristine tree. Prints "ok" or what failed.
apply_series() {
	local v=$1 kver=${1%%-*} stage=$work/stage log=$work/apply.log
	local pristine=$ZCRX_CACHE/pristine-$kver p f bad
	rm -rf "$stage" && mkdir -p "$stage"
	while read -r f; do
		if [ -f "$pristine/$f" ]; then
			mkdir -p "$stage/$(dirname "$f")"
			cp -p "$pristine/$f" "$stage/$f"
		fi
	done < <(series_touched "$patches")
	for p in $(series_patches "$patches"); do
		if ! patch -p1 -f -F0 --no-backup-if-mismatch -d "$stage" <"$p" \
			>"$log" 2>&1; then
			# "patching file F" then "Hunk #N FAILED at L." lines
			bad=$(awk '/^patching file / { f = $3 }
				/FAILED at/ { h[f] = h[f] " " $2 }
				/No file to patch|can.t find file/ { h["?"] = " missing file" }
				END { for (k in h) printf "%s (hunk%s) ", k, h[k] }' "$log")
			echo "FAIL $(basename "$p" .patch): ${bad:-see $log}"
			cp "$log" "$work/apply-$kver.log"
			rm -rf "$stage"
			return 1
		fi
	done
	rm -rf "$stage"
	echo ok
}

# kunit_of DEBVER: build the UML kernel of that version and run the KUnit
# suites. Prints the KUnit summary or what failed.
kunit_of() {
	local v=$1 kver=${1%%-*} log=$work/kunit-$kver.log line
	if ! ZCRX_KSRC_DEBVER=$v "$ZCRX_ROOT/scripts/kunit.sh" run >"$log" 2>&1; then
		line=$(grep -a 'Testing complete' "$log" | tail -n1 | sed 's/.*Testing complete. //')
		# else the first compiler error, file and message
		[ -n "$line" ] || line=$(grep -a -m1 -o '[^ /]*/[^ ]*\.[ch]:[0-9]*:[0-9]*: error: .*' "$log" |
			sed 's|.*/\([^/]*/[^/]*:[0-9]*\):[0-9]*: error:|\1:|' | cut -c1-90)
		echo "FAIL ${line:-build or boot failed} ($log)"
		return 1
	fi
	grep -a 'Testing complete' "$log" | tail -n1 | sed 's/.*Testing complete. //'
}

rows=()
rc=0
for v in "${versions[@]}"; do
	kver=${v%%-*}
	msg "checking $KSRC_PKG $v"
	if ! ZCRX_KSRC_DEBVER=$v "$ZCRX_ROOT/scripts/kernel-src.sh" \
		>"$work/src-$kver.log" 2>&1; then
		rows+=("$(printf '%-30s %-40s %s' "$v" "FAIL: cannot fetch" "$work/src-$kver.log")")
		rc=1
		continue
	fi
	applied=$(apply_series "$v") || rc=1
	kunit="-"
	if [ "$build" = 1 ] && [ "$applied" = ok ] &&
	   { [ "$v" = "$newest" ] || [ "$v" = "$oldest" ]; }; then
		msg "  UML build and KUnit for $v (log: $work/kunit-$kver.log)"
		kunit=$(kunit_of "$v") || rc=1
		if [ "$keep" = 0 ] && [ "$v" != "$KSRC_PIN" ]; then
			rm -rf "$ZCRX_CACHE/tree-$kver" "$ZCRX_CACHE/build/uml-$kver" \
				"$ZCRX_CACHE/out-$kver" "$ZCRX_CACHE/patches-$kver"
		fi
	fi
	pin=
	[ "$v" = "$KSRC_PIN" ] && pin=" (pinned)"
	rows+=("$(printf '%-30s %-40s %s' "$v$pin" "series: $applied" "UML KUnit: $kunit")")
done

echo
printf '%-30s %-40s %s\n' "$KSRC_PKG" "series (patch -p1 -F0)" "UML build + KUnit (newest, oldest)"
printf '%s\n' "${rows[@]}"
if [ "$rc" -eq 0 ]; then
	echo "all ${#versions[@]} versions good; pinned: $KSRC_PIN (scripts/lib.sh)"
	[ "$newest" = "$KSRC_PIN" ] ||
		msg "note: the newest good version is $newest, the pin is $KSRC_PIN"
fi
exit "$rc"
