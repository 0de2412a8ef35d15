#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Fetch Debian's linux-source-6.12 (the version pinned in lib.sh) and extract
# it, once, into $PRISTINE. The pristine tree is never modified.
. "$(dirname "$0")/lib.sh"

[ -f "$PRISTINE/.zcrx-pristine" ] && exit 0

# The .deb of exactly $KSRC_DEBVER in $DL (apt-get download writes an
# epoch's ':' as %3a and keeps '~'), or nothing.
find_deb() {
	local f v
	for f in "$DL"/"${KSRC_PKG}"_*.deb; do
		[ -f "$f" ] || continue
		v=$(dpkg-deb -f "$f" Version 2>/dev/null) || continue
		if [ "$v" = "$KSRC_DEBVER" ]; then
			echo "$f"
			return 0
		fi
	done
	return 0
}

mkdir -p "$DL"
deb=$(find_deb)
if [ -z "$deb" ]; then
	msg "downloading $KSRC_PKG=$KSRC_DEBVER"
	if ! (cd "$DL" && apt-get download "$KSRC_PKG=$KSRC_DEBVER") >&2; then
		# A fresh machine's package lists may not know the version yet.
		msg "updating the package lists (apt-get update)"
		SUDO=
		[ "$(id -u)" -eq 0 ] || SUDO=sudo
		$SUDO apt-get update -qq >&2 || true
		(cd "$DL" && apt-get download "$KSRC_PKG=$KSRC_DEBVER") >&2 || {
			msg "apt has these versions of $KSRC_PKG:"
			apt-cache policy "$KSRC_PKG" >&2 || true
			die "cannot download $KSRC_PKG=$KSRC_DEBVER (the version" \
			    "is pinned in scripts/lib.sh, KSRC_PIN)"
		}
	fi
	deb=$(find_deb)
	[ -n "$deb" ] || die "apt-get download left no $KSRC_PKG $KSRC_DEBVER .deb in $DL"
fi

tmp=$ZCRX_CACHE/extract.$$
rm -rf "$tmp" && mkdir -p "$tmp"
msg "extracting $(basename "$deb")"
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" ./usr/src/$KSRC_PKG.tar.xz
tar -xJf "$tmp/usr/src/$KSRC_PKG.tar.xz" -C "$tmp"
grep -q "^SUBLEVEL = ${KSRC_KVER##*.}\$" "$tmp/$KSRC_PKG/Makefile" ||
	die "extracted source is not $KSRC_KVER"
rm -rf "$PRISTINE"
mv "$tmp/$KSRC_PKG" "$PRISTINE"
rm -rf "$tmp"
touch "$PRISTINE/.zcrx-pristine"
msg "pristine source in $PRISTINE"
