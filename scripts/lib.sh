# SPDX-License-Identifier: GPL-2.0
# Common settings for the zcrx-lts scripts. Source it; do not run it.
#
# Everything derived from the kernel (the Debian source, the patched tree, the
# build folders, logs) lives in $ZCRX_CACHE, outside the clone. The compiler
# cache lives apart from it in $CCACHE_DIR, so an empty $ZCRX_CACHE (a fresh
# machine, or .ci/run) still reuses earlier compiles.

set -euo pipefail

ZCRX_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ZCRX_CACHE=${ZCRX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/zcrx-lts}

# The one place the kernel source is pinned: the newest version of Debian's
# linux-source-6.12 that `make check-versions` found good. ZCRX_KSRC_DEBVER
# picks another one (check-versions does); its trees, builds and logs then
# get the version in their folder names, apart from the pinned one's.
KSRC_PKG=linux-source-6.12
KSRC_PIN=6.12.117-1~deb12u1
KSRC_DEBVER=${ZCRX_KSRC_DEBVER:-$KSRC_PIN}
KSRC_KVER=${KSRC_DEBVER%%-*}
if [ "$KSRC_DEBVER" = "$KSRC_PIN" ]; then
	ksrc_sfx=
else
	ksrc_sfx=-$KSRC_KVER
fi

DL=$ZCRX_CACHE/dl
PRISTINE=$ZCRX_CACHE/pristine-$KSRC_KVER
TREE=$ZCRX_CACHE/tree-$KSRC_KVER
BUILD_UML=$ZCRX_CACHE/build/uml$ksrc_sfx
# ZCRX_X86_VARIANT=NAME builds and boots another x86_64 kernel: its checker
# fragment is config/NAME.config instead of config/debug.config (kcsan:
# KCSAN, which cannot share a kernel with KASAN), in build/x86_64-NAME.
X86_VARIANT=${ZCRX_X86_VARIANT:-}
X86_DEBUG_FRAG=$ZCRX_ROOT/config/${X86_VARIANT:-debug}.config
BUILD_X86=$ZCRX_CACHE/build/x86_64$ksrc_sfx${X86_VARIANT:+-$X86_VARIANT}
OUT=${ZCRX_OUT:-$ZCRX_CACHE/out$ksrc_sfx}	# logs, VM binaries; ZCRX_OUT for parallel runs
PATCH_OUT=$ZCRX_CACHE/patches$ksrc_sfx

export CCACHE_DIR=${CCACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/zcrx-lts-ccache}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}
# Paths under ZCRX_CACHE are hashed relative to it, so a build in another
# (empty) ZCRX_CACHE, as .ci/run makes, still hits what an earlier build
# in another folder compiled. NOHASHDIR: the build folder's absolute path
# stays out of the hash too (it only shows in debug info).
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$ZCRX_CACHE}
export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}

JOBS=${JOBS:-$(nproc)}

msg() { printf '[zcrx-lts] %s\n' "$*" >&2; }
die() { printf '[zcrx-lts] error: %s\n' "$*" >&2; exit 1; }

# "ccache gcc" when ccache is installed, else "gcc".
kcc() {
	if command -v ccache >/dev/null 2>&1; then
		echo "ccache gcc"
	else
		echo "gcc"
	fi
}

# Run a long command with its output in a log, printing a progress line
# every 30 s and the tail of the log if it fails.
run_logged() {
	local log=$1 what=$2
	shift 2
	local start=$SECONDS rc=0
	mkdir -p "$(dirname "$log")"
	msg "$what (log: $log)"
	"$@" >"$log" 2>&1 &
	local pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		sleep 5
		if (((SECONDS - start) % 30 < 5)) && kill -0 "$pid" 2>/dev/null; then
			msg "  ... $what: $((SECONDS - start)) s, $(wc -l <"$log") log lines"
		fi
	done
	wait "$pid" || rc=$?
	if [ "$rc" -ne 0 ]; then
		tail -n 40 "$log" >&2
		msg "$what failed (rc $rc) after $((SECONDS - start)) s"
		return "$rc"
	fi
	msg "$what done in $((SECONDS - start)) s"
}
