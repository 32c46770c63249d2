#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# `meson install --destdir`, then what a user of the installed ckpt relies
# on: pkg-config finds libckpt and a program compiles, links and runs
# against it with the installed header only; the man pages, the bash
# completion and the ckpt binary are in place. TAP on stdout.
#   test-install.sh MESON BUILD_DIR CC
set -u
meson=$1 build=$2 cc=$3
n=0 failed=0
dest=$(mktemp -d /tmp/ckpt-install-XXXXXX)
trap 'rm -rf "$dest"' EXIT

ok()
{
	n=$((n + 1))
	if [[ $1 -eq 0 ]]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		[[ -n ${3:-} ]] && sed 's/^/# /' <<<"$3"
		failed=$((failed + 1))
	fi
}

out=$("$meson" install -C "$build" --no-rebuild --destdir "$dest" 2>&1)
ok $? "meson install --destdir" "$out"

pc=$(find "$dest" -name libckpt.pc | head -1)
ok $([[ -n $pc ]]; echo $?) "libckpt.pc is installed"
export PKG_CONFIG_PATH=${pc%/*} PKG_CONFIG_SYSROOT_DIR=$dest PKG_CONFIG_LIBDIR=${pc%/*}
flags=$(pkg-config --cflags --libs libckpt 2>&1)
ok $? "pkg-config --cflags --libs libckpt: $flags" "$flags"
[[ $flags == *"-I$dest/"* && $flags == *"-L$dest/"* && $flags == *-lckpt* ]]
ok $? "the flags point into the installed tree"

cat >"$dest/t.c" <<'C'
#include <ckpt.h>
#include <stdio.h>

int
main(void)
{
	ckpt_opts *o = NULL;
	int r = ckpt_opts_new(&o);

	if (r == 0)
		r = ckpt_opts_set_manifest_source(o, "container", "id", "runc", "/bundle");
	if (r == 0)
		r = ckpt_opts_set_flag(o, CKPT_FLAG_LEAVE_RUNNING, 1) ?: ckpt_opts_get_flag(o, CKPT_FLAG_LEAVE_RUNNING) - 1;
	ckpt_opts_free(o);
	printf("libckpt works: %d\n", r);
	return r != 0;
}
C
# shellcheck disable=SC2086
out=$("$cc" -std=gnu11 -Wall -Werror -o "$dest/t" "$dest/t.c" $flags 2>&1)
ok $? "a program compiles and links with those flags only" "$out"
libdir=$(grep -oE -- '-L[^ ]+' <<<"$flags" | head -1)
out=$(LD_LIBRARY_PATH="${libdir#-L}" "$dest/t" 2>&1)
rc=$?
# what the loader saw, should it fail (a failure once seen in a full run, not reproduced alone)
[[ $rc -eq 0 ]] || out+=$'\n'"$(ls -l "${libdir#-L}" 2>&1)"
ok $rc "it runs against the installed libckpt.so" "$out"

ok $([[ -x $(find "$dest" -path '*bin/ckpt' | head -1) ]]; echo $?) "the ckpt binary is installed"
if command -v scdoc >/dev/null; then
	for page in man1/ckpt.1 man1/ckpt-checkpoint.1 man1/ckpt-inspect.1 man3/libckpt.3; do
		f=$(find "$dest" -path "*/man/$page" | head -1)
		ok $([[ -n $f ]] && man -l "$f" >/dev/null 2>&1; echo $?) "man page $page is installed and renders"
	done
fi
f=$(find "$dest" -path '*/bash-completion/completions/ckpt' | head -1)
ok $([[ -n $f ]] && bash -c "source '$f' && complete -p ckpt" >/dev/null 2>&1; echo $?) \
	"the bash completion is installed and loads"

echo "1..$n"
[[ $failed -eq 0 ]]
