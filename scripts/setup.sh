#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Install what the project needs on a Debian 12 machine. Idempotent: it only
# calls apt-get when a package is missing.
# Usage: scripts/setup.sh [bench]
#   bench  also what only the benchmark needs (gnuplot for its plot);
#          scripts/bench.sh asks for it, make test does not.
. "$(dirname "$0")/lib.sh"

PKGS=(build-essential flex bison bc libelf-dev libssl-dev ccache python3
      qemu-system-x86 busybox-static liburing-dev cpio kmod rsync
      iproute2 ethtool xz-utils dpkg-dev patch patchutils)
case ${1:-} in
'') ;;
bench) PKGS+=(gnuplot-nox) ;;
*) die "usage: $0 [bench]" ;;
esac

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
msg "installing: ${missing[*]}"
$SUDO apt-get update -qq || die "apt-get update failed"
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
	--no-install-recommends "${missing[@]}" >/dev/null ||
	die "apt-get install failed for: ${missing[*]}"
