#!/bin/bash
# The ckpt benchmark, in one command (as root):
#
#   bench/run.sh [--quick] [--out DIR] [--reps N] [--only PARTS]
#
# Installs what it needs (idempotently, like scripts/setup.sh), builds ckpt
# and the bench programs into build-bench (-Dbench=true), runs bench/bench.py
# and prints the markdown table; JSON, markdown and a PNG plot go to the
# results dir (default /var/tmp/ckpt-bench/results-DATE). See
# docs/performance.md.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(dirname "$HERE")
BUILD=${CKPT_BENCH_BUILD:-$TOP/build-bench}
CACHE=${CKPT_BENCH_CACHE:-/var/cache/ckpt-bench}
LIBCRIU=$CACHE/libcriu/usr
PY=/usr/bin/python3 # Debian's, where python3-matplotlib installs

log() { printf 'bench: %s\n' "$*" >&2; }

[ "$(id -u)" = 0 ] || { log "must run as root"; exit 1; }

# ckpt's own dependencies and criu 4.x
"$TOP/scripts/setup.sh"

installed() { dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | grep -q '^install ok installed$'; }

if ! installed python3-matplotlib; then
	log "installing python3-matplotlib (for the plot)"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-matplotlib >/dev/null
fi

# Debian 12 ships libcriu inside its `criu` package, whose criu 3.17.1 does
# not work on this kernel. Installing it would put that criu on PATH, so the
# package is downloaded and only its libcriu and headers are extracted here;
# the libcriu client is pointed at the same criu 4.x as every other method.
if [ ! -e "$LIBCRIU/include/criu/criu.h" ]; then
	log "extracting Debian's libcriu into $CACHE/libcriu"
	mkdir -p "$CACHE"
	chmod 0755 "$CACHE"
	(cd "$CACHE" && rm -f criu_*.deb && apt-get download criu >/dev/null 2>&1) ||
		{ apt-get update -qq && (cd "$CACHE" && apt-get download criu >/dev/null 2>&1); } ||
		log "cannot download Debian's criu package: the benchmark runs without libcriu"
	deb=$(ls "$CACHE"/criu_*.deb 2>/dev/null | head -1 || true)
	if [ -n "$deb" ]; then
		tmp=$(mktemp -d "$CACHE/x.XXXXXX")
		dpkg-deb -x "$deb" "$tmp"
		mkdir -p "$LIBCRIU/include" "$LIBCRIU/lib"
		rm -rf "$LIBCRIU/include/criu" "$LIBCRIU/lib/"*
		cp -a "$tmp/usr/include/criu" "$LIBCRIU/include/"
		cp -a "$tmp"/usr/lib/*-linux-gnu "$LIBCRIU/lib/"
		find "$LIBCRIU/lib" -name 'libcompel*' -delete
		rm -rf "$tmp"
	fi
fi

opts=(-Dbench=true -Dtests=disabled -Dlibcriu_dir="$LIBCRIU")
if [ -f "$BUILD/build.ninja" ]; then
	meson configure "$BUILD" "${opts[@]}" >/dev/null
else
	meson setup "$BUILD" "${opts[@]}" >/dev/null
fi
ninja -C "$BUILD" >/dev/null

exec "$PY" "$HERE/bench.py" --build "$BUILD" "$@"
