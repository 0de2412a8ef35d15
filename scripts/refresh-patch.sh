#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Developer tool: rewrite the hunks of one series patch from the working
# tree. Edit existing kernel files in $TREE, then run
#   scripts/refresh-patch.sh net_provider/NAME.patch path/in/kernel.c ...
# The hunks become diff(pristine + earlier patches, $TREE) for the files
# named (default: the files the patch already changes). The message header
# is kept. When several patches change one file, refresh the last of them.
# A file that an earlier patch creates is refreshed the same way, and its
# project copy (DIR/KPATH) becomes the tree's.
#
#   scripts/refresh-patch.sh -r PATCH [FILE...]
# renumbers instead: the hunks become diff(before, before + the patch's own
# hunks), so line numbers and context are exact again after a hand edit of
# this patch or of an earlier one (patch applies them with an offset). The
# tree is not read, so it works for a patch in the middle of the series,
# including its hunks on a file an earlier patch creates.
. "$(dirname "$0")/lib.sh"
. "$ZCRX_ROOT/scripts/series.sh"

renumber=0
if [ "${1:-}" = -r ]; then
	renumber=1
	shift
fi
pf=${1:?usage: refresh-patch.sh [-r] PATCH [FILE...]}
shift
pf=${pf#"$ZCRX_ROOT"/}
if [ $# -gt 0 ]; then
	files=("$@")
else
	mapfile -t files < <(patch_files "$ZCRX_ROOT/$pf")
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
series_export "$tmp/series"
idx=$(series_entries | awk -F'\t' -v p="$pf" '$2 == p { print $1 }')
[ -n "$idx" ] || die "$pf is not in the series"

# The tree holds every patch: a file a later patch changes too cannot be
# refreshed here without taking that patch's hunks along.
for p in $(series_patches "$tmp/series"); do
	[ "$renumber" = 0 ] || break
	n=$((10#$(basename "$p" | cut -c1-4)))
	[ "$n" -gt "$idx" ] || continue
	for f in "${files[@]}"; do
		if grep -q "^+++ b/$f\(\s\|$\)" "$p"; then
			die "$f is also changed by the later $(basename "$p"): refresh" \
			    "that one, or edit this patch's hunks for $f by hand"
		fi
	done
done

# Copy the pristine kernel files named on stdin into directory $1, unless
# it has them already (from an earlier patch).
stage_pristine() {
	local f
	while read -r f; do
		if [ -f "$PRISTINE/$f" ] && [ ! -f "$1/$f" ]; then
			mkdir -p "$1/$(dirname "$f")"
			cp "$PRISTINE/$f" "$1/$f"
		fi
	done
}

mkdir -p "$tmp/stage"
for p in $(series_patches "$tmp/series"); do
	n=$((10#$(basename "$p" | cut -c1-4)))
	[ "$n" -lt "$idx" ] || break
	sed -n 's|^+++ b/\([^\t ]*\).*|\1|p' "$p" | stage_pristine "$tmp/stage"
	patch -p1 -s -f -F0 --no-backup-if-mismatch -d "$tmp/stage" <"$p" \
		>/dev/null || die "$(basename "$p") does not apply with -F0:" \
			"refresh or renumber it first"
done

# What the files look like after this patch: the tree, or when renumbering
# the stage with the patch's own hunks applied.
after=$TREE
if [ "$renumber" = 1 ]; then
	after=$tmp/after
	cp -a "$tmp/stage" "$after"
	patch_files "$ZCRX_ROOT/$pf" | stage_pristine "$after"
	# A hand edit that left a hunk's line counts wrong would be cut off
	# by patch without a word: check every count first.
	bad=$(patch_hunks "$ZCRX_ROOT/$pf" | awk '
		function check() {
			if (h != "" && (o != 0 || n != 0))
				print h " (header minus lines: old " o ", new " n ")"
			h = ""
		}
		/^@@ / {
			check(); h = $0
			split($2, a, ","); o = (a[2] == "" ? 1 : a[2])
			split($3, b, ","); n = (b[2] == "" ? 1 : b[2])
			next
		}
		h == "" { next }
		/^diff --git / { check(); next }
		/^ / || /^$/ { o--; n--; next }
		/^-/ { o--; next }
		/^\+/ { n--; next }
		/^\\/ { next }
		{ check() }
		END { check() }')
	[ -z "$bad" ] || die "$pf: hunks whose line counts do not match:" \
		"$bad"
	# Offsets are what renumbering is for; say where each hunk landed.
	if ! patch_hunks "$ZCRX_ROOT/$pf" |
	     patch -p1 -f -F0 --no-backup-if-mismatch -d "$after" \
		   >"$tmp/renumber.log" 2>&1; then
		cat "$tmp/renumber.log" >&2
		die "the hunks of $pf do not apply to the patches before it"
	fi
	grep -v '^patching file' "$tmp/renumber.log" >&2 || true
fi

# The hunks of FILE in the current patch, verbatim.
old_hunks() {
	patch_hunks "$ZCRX_ROOT/$pf" | awk -v f="$1" '
		/^diff --git / { on = ($3 == "a/" f) }
		on { print }'
}

{
	sed -n '/^---$/q;p' "$ZCRX_ROOT/$pf"
	echo '---'
	# Files the patch changes that were not named keep their hunks.
	patch_files "$ZCRX_ROOT/$pf" | while read -r f; do
		printf '%s\n' "${files[@]}" | grep -qxF "$f" || old_hunks "$f"
	done
	for f in "${files[@]}"; do
		base=$tmp/stage/$f
		[ -f "$base" ] || base=$PRISTINE/$f
		[ -f "$base" ] || die "$f is not an existing kernel file"
		if ! cmp -s "$base" "$after/$f"; then
			printf 'diff --git a/%s b/%s\n' "$f" "$f"
			diff -u -p --label "a/$f" --label "b/$f" "$base" "$after/$f" || true
		fi
	done
} >"$tmp/new.patch"
mv "$tmp/new.patch" "$ZCRX_ROOT/$pf"

# A file an earlier patch of the series creates: its project copy is the
# series' final content, which the tree now holds (renumbering changes no
# content).
[ "$renumber" = 1 ] || for f in "${files[@]}"; do
	src=$(series_entries | cut -f4 | tr ';' '\n' |
	      awk -v f="$f" '$2 == f { print $1 }')
	[ -n "$src" ] && cp "$TREE/$f" "$ZCRX_ROOT/$src"
done
msg "refreshed $pf (${#files[@]} files)"
