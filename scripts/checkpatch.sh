#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Export the series and run the kernel's checkpatch.pl --strict on every
# patch; any error, warning or check fails.
. "$(dirname "$0")/lib.sh"
. "$ZCRX_ROOT/scripts/series.sh"

"$ZCRX_ROOT/scripts/kernel-src.sh"
series_export "$PATCH_OUT"
rc=0
for p in $(series_patches "$PATCH_OUT"); do
	out=$(perl "$PRISTINE/scripts/checkpatch.pl" --strict --no-tree \
		--ignore FILE_PATH_CHANGES,UNKNOWN_COMMIT_ID --show-types "$p" 2>&1) || true
	if grep -q '^total: 0 errors, 0 warnings, 0 checks' <<<"$out"; then
		msg "checkpatch: $(basename "$p"): clean"
	else
		printf '%s\n' "$out" | grep -v '^NOTE\|^$\|mechanically\|maintainer, see' >&2
		rc=1
	fi
done
exit "$rc"
