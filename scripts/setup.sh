#!/bin/bash
# Set up a Debian 12 machine (as root) to build, run and test ckpt:
#   - the build and test dependencies from Debian's packages;
#   - a criu 4.x that passes `criu check` on the running kernel, built from the
#     source tarball of Debian's newer suites (Debian 12's criu 3.17.1 fails on
#     recent kernels: "vdso: Unexpected rt vDSO area bounds").
# Idempotent: when everything is already there it returns in about a second.
set -euo pipefail

CRIU_PREFIX=${CRIU_PREFIX:-/usr/local}
CKPT_CACHE=${CKPT_CACHE:-/var/cache/ckpt-setup}

PKGS=(build-essential meson ninja-build pkg-config git
	libprotobuf-c-dev protobuf-c-compiler libprotobuf-dev protobuf-compiler python3-protobuf
	libnl-3-dev libnet1-dev libcap-dev libbsd-dev libgnutls28-dev libnftables-dev uuid-dev
	libyajl-dev check iptables nftables iproute2 xz-utils
	runc crun busybox-static util-linux procps psmisc
	scdoc bash-completion man-db clang llvm libclang-rt-14-dev valgrind cppcheck clang-tidy
	clang-format python3 socat)

log() { printf 'setup: %s\n' "$*" >&2; }

missing_packages() {
	local p
	for p in "${PKGS[@]}"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
			printf '%s\n' "$p"
	done
}

install_packages() {
	local missing
	missing=$(missing_packages)
	[ -z "$missing" ] && return 0
	log "installing: $(echo $missing)"
	apt-get update -qq
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

criu_ok() {
	local bin=$CRIU_PREFIX/sbin/criu
	[ -x "$bin" ] || return 1
	"$bin" --version 2>/dev/null | grep -q '^Version: [4-9]\.' || return 1
	"$bin" check >/dev/null 2>&1
}

# The mirror the machine's own apt sources use (never a host written here).
debian_mirror() {
	local uri=""
	if [ -f /etc/apt/sources.list.d/debian.sources ]; then
		uri=$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)
	fi
	if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
		uri=$(awk '/^deb / && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list)
	fi
	[ -n "$uri" ] || { log "cannot find the Debian mirror in the apt sources"; return 1; }
	printf '%s\n' "${uri%/}"
}

# Fetch criu's orig tarball from trixie or sid with a private apt state, so the
# system's apt lists and sources stay untouched.
fetch_criu_source() {
	local dir=$CKPT_CACHE/apt mirror
	local tarball
	tarball=$(ls "$CKPT_CACHE"/criu_4.*.orig.tar.* 2>/dev/null | sort -V | tail -1 || true)
	if [ -n "$tarball" ]; then
		printf '%s\n' "$tarball"
		return 0
	fi
	mirror=$(debian_mirror)
	mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial" "$dir/etc"
	cat >"$dir/etc/sources.list" <<SRC
deb-src [trusted=yes] $mirror trixie main
deb-src [trusted=yes] $mirror sid main
SRC
	local aopts=(-o Dir::Etc::SourceList="$dir/etc/sources.list" -o Dir::Etc::SourceParts=/nonexistent
		-o Dir::State::Lists="$dir/lists" -o Dir::Cache="$dir/cache" -o APT::Sandbox::User=root)
	log "fetching criu source package lists"
	apt-get "${aopts[@]}" update -qq >/dev/null 2>&1 || true
	(cd "$CKPT_CACHE" && apt-get "${aopts[@]}" source --download-only criu >/dev/null 2>&1) || true
	# The .dsc may 404 while the .orig tarball arrives: trust the file.
	tarball=$(ls "$CKPT_CACHE"/criu_4.*.orig.tar.* 2>/dev/null | sort -V | tail -1 || true)
	[ -n "$tarball" ] || { log "could not download criu's source tarball"; return 1; }
	printf '%s\n' "$tarball"
}

build_criu() {
	local tarball src
	tarball=$(fetch_criu_source)
	src=$CKPT_CACHE/src
	rm -rf "$src" && mkdir -p "$src"
	tar -C "$src" --strip-components=1 -xf "$tarball"
	log "building criu from $(basename "$tarball")"
	make -C "$src" -j"$(nproc)" criu >"$CKPT_CACHE/build.log" 2>&1 ||
		{ tail -30 "$CKPT_CACHE/build.log" >&2; return 1; }
	install -D -m 0755 "$src/criu/criu" "$CRIU_PREFIX/sbin/criu"
	# Keep the schema of the installed criu beside it: ckpt generates its
	# protobuf code from this file at build time.
	install -D -m 0644 "$src/images/rpc.proto" "$CRIU_PREFIX/share/criu/rpc.proto"
}

main() {
	[ "$(id -u)" = 0 ] || { log "must run as root"; exit 1; }
	install_packages
	mkdir -p "$CKPT_CACHE"
	if ! criu_ok || [ ! -f "$CRIU_PREFIX/share/criu/rpc.proto" ]; then
		build_criu
		criu_ok || { log "criu built but 'criu check' fails on this kernel"; "$CRIU_PREFIX/sbin/criu" check || true; exit 1; }
	fi
	log "criu: $("$CRIU_PREFIX/sbin/criu" --version | head -1) at $CRIU_PREFIX/sbin/criu"
}

main "$@"
