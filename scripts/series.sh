# SPDX-License-Identifier: GPL-2.0
# Helpers to read the project's kernel change series (the file `series` at
# the top of the clone). Source it after lib.sh.
#
# The series lists one kernel commit per "patch" line, in order:
#   patch DIR/NAME.patch       a commit: message header, "---", then hunks
#                              for existing kernel files (may be hunk-less)
#   file DIR/KPATH             a new kernel file KPATH, added by the patch
#                              above; the project keeps it under DIR/
#                              (net_provider/, io_uring_zcrx/, vnic/), so
#                              its path says where it goes
#
# DIR/KPATH holds the file as the whole series leaves it. Later patches may
# change it with hunks like any kernel file's; the content the creating
# patch adds is then DIR/KPATH with those hunks reverse-applied, the last
# patch first (series_new_file_content).
#   group test                 the commits after it are test-only (vnic):
#                              the builds and tests apply them on top of
#                              the product, `make patches` exports them
#                              apart, in test/, never as part of the product
#
# Commits are numbered in one sequence across both groups, so the test-only
# ones always come after the product's.

SERIES_SIGNOFF=${SERIES_SIGNOFF:-zcrx-lts developers <zcrx-lts@localhost>}

# Print "index<TAB>patchfile<TAB>group<TAB>src dst;src dst;..." for each
# commit; group is "product" or "test".
series_entries() {
	awk '
	function out() { print n "\t" p "\t" g "\t" f }
	BEGIN { grp = "product" }
	/^[ \t]*(#|$)/ { next }
	$1 == "group" && ($2 == "test" || $2 == "product") { if (p != "") out(); p = ""; grp = $2; next }
	$1 == "patch" { if (p != "") out(); n++; p = $2; f = ""; g = grp; next }
	$1 == "file" && NF == 2 && $2 ~ /^[^\/]+\/./ {
		dst = $2; sub(/^[^\/]+\//, "", dst); f = f $2 " " dst ";"; next
	}
	{ print "series: bad line: " $0 > "/dev/stderr"; exit 1 }
	END { if (p != "") out() }
	' "$ZCRX_ROOT/series"
}

# The exported patches in directory $1, in the order they apply: the
# product's, then the test-only ones in $1/test.
series_patches() {
	local p
	for p in "$1"/*.patch "$1"/test/*.patch; do
		[ -f "$p" ] && echo "$p"
	done
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

# The hunks for kernel file $2 in project patch file $1, verbatim.
patch_file_hunks() {
	patch_hunks "$1" | awk -v f="$2" '
		/^diff --git / { on = ($3 == "a/" f) }
		on { print }'
}

# Print what the patch with index $1 creates as $3, the series' final
# content of which is project file $2: $2 with the hunks of every later
# patch for $3 reverse-applied, the last patch first.
series_new_file_content() {
	local idx=$1 src=$2 dst=$3 tmp pf
	local -a later=()
	tmp=$(mktemp)
	cp "$ZCRX_ROOT/$src" "$tmp"
	mapfile -t later < <(series_entries |
		awk -F'\t' -v i="$idx" '$1 > i { print $2 }')
	for ((j = ${#later[@]} - 1; j >= 0; j--)); do
		pf=$ZCRX_ROOT/${later[j]}
		grep -q "^+++ b/$dst\(\s\|$\)" "$pf" || continue
		if ! patch_file_hunks "$pf" "$dst" |
		     patch -R -s -f -F0 --no-backup-if-mismatch -r - "$tmp" \
			   >/dev/null 2>&1; then
			rm -f "$tmp"
			die "series: the hunks of ${later[j]} for $dst do not" \
			    "reverse-apply to $src as later patches leave it"
		fi
	done
	cat "$tmp"
	rm -f "$tmp"
}

# Write a git-style unified diff that creates DST with SRC's content.
new_file_diff() {
	local src=$1 dst=$2 n
	n=$(wc -l <"$src")
	printf 'diff --git a/%s b/%s\nnew file mode 100644\n' "$dst" "$dst"
	printf -- '--- /dev/null\n+++ b/%s\n@@ -0,0 +1,%d @@\n' "$dst" "$n"
	sed 's/^/+/' "$src"
}

# Export the series as numbered patches into directory $1: the product's
# there, the test-only ones in $1/test.
series_export() {
	local out=$1 idx pf files grp slug f src dst dir subj
	local total
	total=$(series_entries | awk -F'\t' '$3 == "product"' | wc -l)
	rm -rf "$out" && mkdir -p "$out"
	while IFS=$'\t' read -r idx pf grp files; do
		[ -f "$ZCRX_ROOT/$pf" ] || die "series: missing $pf"
		slug=$(basename "$pf" .patch)
		slug=${slug#[0-9][0-9][0-9][0-9]-}
		dir=$out
		subj=$(printf '[PATCH %02d/%02d]' "$idx" "$total")
		if [ "$grp" = test ]; then
			dir=$out/test
			subj='[PATCH test-only]'
			mkdir -p "$dir"
		fi
		{
			printf 'From: zcrx-lts developers <zcrx-lts@localhost>\n'
			printf 'Subject: %s %s\n' "$subj" "$(patch_subject "$ZCRX_ROOT/$pf")"
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
				series_new_file_content "$idx" "$src" "$dst" \
					>"$out/.new-file"
				new_file_diff "$out/.new-file" "$dst"
			done
			printf -- '-- \nzcrx-lts\n'
		} >"$dir/$(printf '%04d' "$idx")-$slug.patch"
	done < <(series_entries)
	rm -f "$out/.new-file"
}

# Files (kernel paths) that the exported patches in $1 touch.
series_touched() {
	series_patches "$1" | xargs -r cat | sed -n 's|^+++ b/\([^\t ]*\).*|\1|p' | sort -u
}
