#!/bin/sh
# SPDX-License-Identifier: MIT
# Every man page formats without a groff warning, and every public
# function has one.
man=$(cd "$(dirname "$0")/../man" && pwd)
inc=$(cd "$(dirname "$0")/../include" && pwd)

command -v groff >/dev/null 2>&1 || { echo "skip: no groff"; exit 77; }

# .so lines name man3/...: resolve them from a directory where that exists
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
ln -s "$man" "$tmp/man3"

bad=0
for page in "$man"/*.3; do
	out=$(cd "$tmp" && groff -man -ww -z "man3/$(basename "$page")" 2>&1)
	if [ -n "$out" ]; then
		echo "$out"
		bad=$((bad + 1))
	fi
done

# public functions: declared in zcrx.h as io_uring_* with a "(" after
for fn in $(grep -o 'io_uring_[a-z_]*(' "$inc/liburing/zcrx.h" | tr -d '(' | sort -u); do
	case $fn in io_uring_prep_rw) continue ;; esac
	if [ ! -f "$man/$fn.3" ]; then
		echo "no man page for $fn"
		bad=$((bad + 1))
	fi
done

[ $bad = 0 ] || { echo "man-pages: $bad problems"; exit 1; }
echo "man-pages: $(ls "$man"/*.3 | wc -l) pages format cleanly"
