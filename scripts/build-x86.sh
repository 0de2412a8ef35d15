#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build the x86_64 VM kernel ($BUILD_X86/arch/x86/boot/bzImage) from $TREE.
#
# The .config is tinyconfig + config/x86_64.config + config/debug.config
# (or config/$ZCRX_X86_VARIANT.config, in its own build folder),
# merged with the kernel's merge_config.sh. It is regenerated only when a
# fragment or a Kconfig file of the tree changed, so rebuilds stay
# incremental. Every symbol a fragment asks for is checked in the result.
#
# Usage: scripts/build-x86.sh [--no-apply]
#   --no-apply (or ZCRX_NO_APPLY=1): build $TREE as it is, without running
#   scripts/apply.sh first.
. "$(dirname "$0")/lib.sh"

apply=${ZCRX_NO_APPLY:-0}
case "${1:-}" in
--no-apply) apply=1 ;;
"") ;;
*) die "usage: $0 [--no-apply]" ;;
esac
[ "$apply" = 1 ] || "$ZCRX_ROOT/scripts/apply.sh"
[ -f "$TREE/Makefile" ] || die "no kernel tree at $TREE: run scripts/apply.sh"

export ARCH=x86_64
FRAGS=("$TREE/kernel/configs/tiny.config" "$TREE/arch/x86/configs/tiny.config"
       "$ZCRX_ROOT/config/x86_64.config" "$X86_DEBUG_FRAG")
mkdir -p "$BUILD_X86"

# What the .config depends on: the fragments and every Kconfig file.
config_inputs_hash() {
	{
		cat "${FRAGS[@]}"
		(cd "$TREE" && find . -name 'Kconfig*' -type f -print0 | sort -z |
			xargs -0 cat)
	} | sha256sum | cut -d' ' -f1
}

# Print the fragment requests that the final .config does not honour.
unmet_requests() {
	local cfg=$1 line sym val
	cat "$ZCRX_ROOT/config/x86_64.config" "$X86_DEBUG_FRAG" |
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=*)
			grep -qxF -- "$line" "$cfg" || {
				sym=${line%%=*}
				val=$(grep -E "^(# )?${sym}[= ]" "$cfg" || echo "$sym undefined")
				printf '  wanted %s, got: %s\n' "$line" "$val"
			}
			;;
		"# CONFIG_"*" is not set")
			sym=${line#\# }
			sym=${sym%% *}
			if grep -qE "^$sym=[ym]" "$cfg"; then
				printf '  wanted %s, got: %s\n' "$line" \
					"$(grep -E "^$sym=" "$cfg")"
			fi
			;;
		esac
	done
}

stamp=$BUILD_X86/.zcrx-config-inputs
hash=$(config_inputs_hash)
if [ ! -f "$BUILD_X86/.config" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$hash" ]; then
	# shellcheck disable=SC2016 # $1 and $@ belong to the inner bash
	run_logged "$BUILD_X86/config.log" "configuring $BUILD_X86" \
		bash -c 'cd "$1" && shift && scripts/kconfig/merge_config.sh -n "$@"' _ \
		"$TREE" -O "$BUILD_X86" "${FRAGS[@]}"
	echo "$hash" >"$stamp"
else
	msg "config up to date ($BUILD_X86/.config)"
fi

unmet=$(unmet_requests "$BUILD_X86/.config")
if [ -n "$unmet" ]; then
	msg "config symbols requested by config/*.config but not set as asked:"
	printf '%s\n' "$unmet" >&2
fi

run_logged "$BUILD_X86/build.log" "building x86_64 bzImage" \
	make -C "$TREE" O="$BUILD_X86" CC="$(kcc)" -j"$JOBS" bzImage
msg "kernel: $BUILD_X86/arch/x86/boot/bzImage" \
	"($(du -h "$BUILD_X86/arch/x86/boot/bzImage" | cut -f1))"
