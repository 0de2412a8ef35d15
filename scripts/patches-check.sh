#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Export the series and check that it applies, in order, with `patch -p1`
# to a full copy of the pristine Debian 6.12 tree, and that the result is
# the tree the builds use. Prints where the patches are.
. "$(dirname "$0")/lib.sh"
. "$ZCRX_ROOT/scripts/series.sh"

"$ZCRX_ROOT/scripts/kernel-src.sh"
series_export "$PATCH_OUT"
tmp=$ZCRX_CACHE/patches-check
rm -rf "$tmp"
mkdir -p "$tmp"
cp -a "$PRISTINE/." "$tmp"	# a symlinked pristine stays untouched
for p in $(series_patches "$PATCH_OUT"); do
	patch -p1 -f -s -F0 --no-backup-if-mismatch -d "$tmp" <"$p" ||
		die "$(basename "$p") does not apply with patch -p1"
done
if [ -f "$TREE/.zcrx-touched" ]; then
	while read -r f; do
		cmp -s "$tmp/$f" "$TREE/$f" ||
			die "$f differs between the applied series and $TREE (run scripts/apply.sh)"
	done < <(series_touched "$PATCH_OUT")
fi
rm -rf "$tmp"
msg "$(series_patches "$PATCH_OUT" | wc -l) patches apply to pristine $KSRC_KVER"
msg "the product: $(ls "$PATCH_OUT"/*.patch | wc -l) patches in $PATCH_OUT"
msg "test-only (vnic, the KUnit bench, the UML bench clock; applied on top by the builds): $(ls "$PATCH_OUT"/test/*.patch | wc -l) in $PATCH_OUT/test"
