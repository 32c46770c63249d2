#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The bash completion, sourced into bash and called as bash calls it, against
# the ckpt binary just built. TAP on stdout.
#   test-completion.sh COMPLETION_FILE CKPT_BIN
set -u
comp=$1 bin=$2
n=0 failed=0
tmp=$(mktemp -d /tmp/ckpt-completion-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# shellcheck source=/dev/null
source "$comp"

# complete WORD...: the completions of the last word, sorted, one line.
complete_words()
{
	COMP_WORDS=("$bin" "$@")
	COMP_CWORD=$#
	COMP_LINE="${COMP_WORDS[*]}"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	_ckpt ckpt "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}" 2>/dev/null
	printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
}

check()
{
	local what=$1 want=$2 got=$3
	n=$((n + 1))
	if [[ $got == "$want" ]]; then
		echo "ok $n - $what"
	else
		echo "not ok $n - $what: want '$want', got '$got'"
		failed=$((failed + 1))
	fi
}

check "complete -p registers _ckpt for ckpt" "complete -F _ckpt ckpt" "$(complete -p ckpt)"
check "ckpt ch<TAB>" "check checkpoint" "$(complete_words ch)"
check "ckpt checkpoint --ima<TAB>" "--image-path" "$(complete_words checkpoint --ima)"
check "ckpt restore --pid<TAB>" "--pid-file" "$(complete_words restore --pid)"
check "ckpt --log-f<TAB> (global flags)" "--log-format" "$(complete_words --log-f)"
check "ckpt --log-format j<TAB>" "json" "$(complete_words --log-format j)"
check "a global flag's value is skipped" "checkpoint" "$(complete_words --log /tmp/x checkp)"
check "ckpt checkpoint --manage-cgroups-mode s<TAB>" "soft strict" \
	"$(complete_words checkpoint --manage-cgroups-mode s)"
check "ckpt checkpoint --network-lock <TAB>" "iptables nftables skip" \
	"$(complete_words checkpoint --network-lock '')"
check "ckpt restore --empty-ns <TAB>" "network" "$(complete_words restore --empty-ns '')"
check "ckpt checkpoint --network-lock=n<TAB>" "nftables" "$(complete_words checkpoint --network-lock = n)"

mkdir -p "$tmp/imgs/one" "$tmp/imgs/two"
touch "$tmp/imgs/file"
check "ckpt checkpoint --image-path DIR<TAB>: directories only" "$tmp/imgs/one $tmp/imgs/two" \
	"$(complete_words checkpoint --image-path "$tmp/imgs/")"
check "ckpt restore --pid-file FILE<TAB>: files" "$tmp/imgs/file $tmp/imgs/one $tmp/imgs/two" \
	"$(complete_words restore --pid-file "$tmp/imgs/")"
check "ckpt inspect <TAB>: directories" "$tmp/imgs/one $tmp/imgs/two" "$(complete_words inspect "$tmp/imgs/")"

mkdir -p "$tmp/runc/web1" "$tmp/crun/db1" "$tmp/youki/web2"
_CKPT_RUNTIME_ROOTS="$tmp/runc $tmp/crun $tmp/youki"
check "ckpt checkpoint <TAB>: container ids of every runtime" "db1 web1 web2" "$(complete_words checkpoint '')"
check "ckpt restore w<TAB>: container ids" "web1 web2" "$(complete_words restore w)"
check "ckpt checkpoint --leave-running <TAB>: after a switch" "db1 web1 web2" \
	"$(complete_words checkpoint --leave-running '')"

# --root DIR (or --root=DIR): the ids in that state root only; --runtime NAME: its default root
mkdir -p "$tmp/other/api1" "$tmp/other/api2"
check "ckpt checkpoint --root DIR <TAB>: ids of that root" "api1 api2" \
	"$(complete_words checkpoint --runtime runc --root "$tmp/other" '')"
check "ckpt restore --root=DIR a<TAB>: ids of that root" "api1 api2" \
	"$(complete_words restore --runtime crun --root = "$tmp/other" a)"
check "ckpt restore --root DIR w<TAB>: not the default roots' ids" "" \
	"$(complete_words restore --runtime runc --root "$tmp/other" w)"
check "ckpt checkpoint --runtime crun <TAB>: crun's ids" "db1" "$(complete_words checkpoint --runtime crun '')"
check "ckpt checkpoint --runtime runc --leave-running <TAB>" "web1" \
	"$(complete_words checkpoint --runtime runc --leave-running '')"

# every flag of every subcommand's --help is offered, and nothing else
commands=$("$bin" --help | awk '/^Commands:/ { on = 1; next } /^$/ { on = 0 } on && /^  [a-z]/ { print $1 }')
[[ $(wc -w <<<"$commands") -ge 8 ]] || check "ckpt --help lists the commands" "8 or more" "$commands"
for cmd in $commands; do
	help_flags=$("$bin" "$cmd" --help | grep -oE '^ +(-[a-z], )?--[a-z-]+' | grep -oE -- '--[a-z-]+' | sort |
		tr '\n' ' ' | sed 's/ $//')
	offered=$(complete_words "$cmd" -- | tr ' ' '\n' | grep -- '^--' | sort | tr '\n' ' ' | sed 's/ $//')
	check "every flag of $cmd --help is offered" "$help_flags" "$offered"
	[[ -n $help_flags ]] || check "$cmd --help lists flags" "some" "none"
done

echo "1..$n"
[[ $failed -eq 0 ]]
