#!/bin/bash
# The public API three ways: the functions declared CKPT_PUBLIC in
# include/ckpt.h, the names listed in src/lib/libckpt.sym, and what the built
# libckpt.so exports. All three must be the same set, and nothing else may
# leak out of the library (TAP).
#
#   test-symbols.sh HEADER SYMFILE LIBCKPT_SO
set -u
header=$1 sym=$2 so=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

grep -A3 '^CKPT_PUBLIC' "$header" | tr '\n' ' ' | grep -o 'ckpt_[a-z0-9_]*(' | tr -d '(' | sort -u >"$tmp/header"
sed -n 's/^[[:space:]]*\(ckpt_[a-z0-9_]*\);$/\1/p' "$sym" | sort -u >"$tmp/sym"
nm -D --defined-only "$so" | awk '$2 ~ /^[TDBRVW]$/ {print $3}' | sed 's/@.*//' | grep -v '^CKPT_' | sort -u >"$tmp/so"

echo "1..3"
n=1
for pair in "header sym" "header so" "sym so"; do
	set -- $pair
	if diff -u "$tmp/$1" "$tmp/$2" >"$tmp/diff"; then
		echo "ok $n - $1 and $2 list the same $(wc -l <"$tmp/$1") functions"
	else
		echo "not ok $n - $1 and $2 differ"
		sed 's/^/# /' "$tmp/diff"
	fi
	n=$((n + 1))
done
