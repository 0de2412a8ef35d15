#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Fetch Debian's linux-source-6.12 (the version pinned in lib.sh) and extract
# it, once, into $PRISTINE. The pristine tree is never modified.
. "$(dirname "$0")/lib.sh"

[ -f "$PRISTINE/.zcrx-pristine" ] && exit 0

dl=$ZCRX_CACHE/dl
mkdir -p "$dl"
deb=$(ls "$dl"/${KSRC_PKG}_*.deb 2>/dev/null | head -n1 || true)
if [ -z "$deb" ]; then
	msg "downloading $KSRC_PKG=$KSRC_DEBVER"
	(cd "$dl" && apt-get download "$KSRC_PKG=$KSRC_DEBVER") >&2 || {
		msg "apt has these versions of $KSRC_PKG:"
		apt-cache policy "$KSRC_PKG" >&2 || true
		die "cannot download $KSRC_PKG=$KSRC_DEBVER (run 'apt-get update'?" \
		    "the version is pinned in scripts/lib.sh)"
	}
	deb=$(ls "$dl"/${KSRC_PKG}_*.deb | head -n1)
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
