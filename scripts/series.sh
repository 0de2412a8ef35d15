# SPDX-License-Identifier: GPL-2.0
# Helpers to read the project's kernel change series (the file `series` at
# the top of the clone). Source it after lib.sh.
#
# The series lists one kernel commit per "patch" line, in order:
#   patch DIR/NAME.patch       a commit: message header, "---", then hunks
#                              for existing kernel files (may be hunk-less)
#   file SRC DST               a new kernel file DST, taken from the
#                              project's SRC, added by the patch above

SERIES_SIGNOFF=${SERIES_SIGNOFF:-zcrx-lts developers <zcrx-lts@localhost>}

# Print "index<TAB>patchfile<TAB>src dst;src dst;..." for each commit.
series_entries() {
	awk '
	/^[ \t]*(#|$)/ { next }
	$1 == "patch" { if (n) print n "\t" p "\t" f; n++; p = $2; f = ""; next }
	$1 == "file"  { f = f $2 " " $3 ";"; next }
	{ print "series: bad line: " $0 > "/dev/stderr"; exit 1 }
	END { if (n) print n "\t" p "\t" f }
	' "$ZCRX_ROOT/series"
}

# Subject line of a project patch file.
patch_subject() {
	sed -n 's/^Subject: //p' "$1" | head -n1
}

# The hunks part of a project patch file (everything after the first
# line that is exactly "---").
patch_hunks() {
	sed -n '/^---$/,$p' "$1" | sed '1d'
}

# The message part (before "---"), without the Subject line.
patch_body() {
	sed -n '/^---$/q;p' "$1" | sed '1{/^Subject: /d}'
}

# Existing kernel files a project patch file changes.
patch_files() {
	patch_hunks "$1" | sed -n 's|^+++ b/\([^\t ]*\).*|\1|p'
}

# Write a git-style unified diff that creates DST with SRC's content.
new_file_diff() {
	local src=$1 dst=$2 n
	n=$(wc -l <"$src")
	printf 'diff --git a/%s b/%s\nnew file mode 100644\n' "$dst" "$dst"
	printf -- '--- /dev/null\n+++ b/%s\n@@ -0,0 +1,%d @@\n' "$dst" "$n"
	sed 's/^/+/' "$src"
}

# Export the series as numbered patches into directory $1.
series_export() {
	local out=$1 idx pf files slug f src dst
	local total
	total=$(series_entries | wc -l)
	rm -rf "$out" && mkdir -p "$out"
	while IFS=$'\t' read -r idx pf files; do
		[ -f "$ZCRX_ROOT/$pf" ] || die "series: missing $pf"
		slug=$(basename "$pf" .patch)
		slug=${slug#[0-9][0-9][0-9][0-9]-}
		{
			printf 'From: zcrx-lts developers <zcrx-lts@localhost>\n'
			printf 'Subject: [PATCH %02d/%02d] %s\n' "$idx" "$total" "$(patch_subject "$ZCRX_ROOT/$pf")"
			patch_body "$ZCRX_ROOT/$pf"
			printf '\nSigned-off-by: %s\n' "$SERIES_SIGNOFF"
			printf -- '---\n'
			patch_hunks "$ZCRX_ROOT/$pf"
			IFS=';' read -ra f <<<"$files"
			for pair in "${f[@]}"; do
				[ -n "$pair" ] || continue
				src=${pair% *}
				dst=${pair#* }
				[ -f "$ZCRX_ROOT/$src" ] || die "series: missing $src"
				new_file_diff "$ZCRX_ROOT/$src" "$dst"
			done
			printf -- '-- \nzcrx-lts\n'
		} >"$out/$(printf '%04d' "$idx")-$slug.patch"
	done < <(series_entries)
}

# Files (kernel paths) that the exported patches in $1 touch.
series_touched() {
	cat "$1"/*.patch 2>/dev/null | sed -n 's|^+++ b/\([^\t ]*\).*|\1|p' | sort -u
}
