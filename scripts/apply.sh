#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Make $TREE equal to the pristine 6.12 source plus the project's series.
#
# The series is exported and applied with `patch -p1` to copies of the files
# it touches; only files whose content changed are written into $TREE, so
# incremental kernel builds stay incremental. Files an older series touched
# and the current one does not go back to their pristine content.
. "$(dirname "$0")/lib.sh"
. "$ZCRX_ROOT/scripts/series.sh"

"$ZCRX_ROOT/scripts/kernel-src.sh"

if [ ! -f "$TREE/.zcrx-tree" ]; then
	msg "creating the working tree $TREE"
	rm -rf "$TREE"
	cp -a "$PRISTINE" "$TREE"
	rm -f "$TREE/.zcrx-pristine"
	: >"$TREE/.zcrx-touched"
	touch "$TREE/.zcrx-tree"
fi

series_export "$PATCH_OUT"

stage=$ZCRX_CACHE/stage
rm -rf "$stage" && mkdir -p "$stage"
series_touched "$PATCH_OUT" >"$stage.list"
while read -r f; do
	if [ -f "$PRISTINE/$f" ]; then
		mkdir -p "$stage/$(dirname "$f")"
		cp -p "$PRISTINE/$f" "$stage/$f"
	fi
done <"$stage.list"

for p in $(series_patches "$PATCH_OUT"); do
	patch -p1 -s -f -F0 --no-backup-if-mismatch -d "$stage" <"$p" >"$stage.log" 2>&1 || {
		cat "$stage.log" >&2
		die "$(basename "$p") does not apply to the pristine $KSRC_KVER source"
	}
done

changed=0
while read -r f; do
	if ! cmp -s "$stage/$f" "$TREE/$f"; then
		mkdir -p "$TREE/$(dirname "$f")"
		cp "$stage/$f" "$TREE/$f"
		changed=$((changed + 1))
	fi
done <"$stage.list"

# Undo what an older series touched and this one does not.
while read -r f; do
	grep -qxF "$f" "$stage.list" && continue
	if [ -f "$PRISTINE/$f" ]; then
		cmp -s "$PRISTINE/$f" "$TREE/$f" || cp "$PRISTINE/$f" "$TREE/$f"
	else
		rm -f "$TREE/$f"
	fi
	changed=$((changed + 1))
done <"$TREE/.zcrx-touched"
cp "$stage.list" "$TREE/.zcrx-touched"
rm -rf "$stage" "$stage.list" "$stage.log"
msg "tree up to date ($(series_patches "$PATCH_OUT" | wc -l) patches, $changed files written)"
