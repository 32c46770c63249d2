# bash completion for ckpt(1)                            -*- shell-script -*-
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Commands and flags come from ckpt's own --help (the same text the man pages
# are checked against), so they cannot drift from the binary being completed.
# Values are completed for the flags that take a fixed set, paths for the
# ones that take a file or directory, and container ids (from the runtimes'
# state directories, or the --root given) where a container is named.

# Where runc, crun and youki keep their containers' state, one directory per id.
_CKPT_RUNTIME_ROOTS=${_CKPT_RUNTIME_ROOTS:-"/run/runc /run/crun /run/youki"}

# The subcommands, from the "Commands:" list of `ckpt --help`.
_ckpt_commands()
{
	"$1" --help 2>/dev/null | awk '
		/^Commands:/ { on = 1; next }
		/^$/ { on = 0 }
		on && /^  [a-z]/ { print $1 }'
}

# "FLAG VALUE" lines (VALUE empty for a switch) from the option lines of
# `ckpt [COMMAND] --help`: "  -p, --pid PID    description".
_ckpt_flags()
{
	local bin=$1 cmd=$2
	{
		if [[ -n $cmd ]]; then "$bin" "$cmd" --help; else "$bin" --help; fi
	} 2>/dev/null | awk '
		/^ +-/ {
			sub(/^ +/, "")
			i = index($0, "  ")
			part = i ? substr($0, 1, i - 1) : $0
			n = split(part, w, /[ ,]+/)
			val = ""
			for (k = 1; k <= n; k++) if (w[k] !~ /^-/) val = w[k]
			for (k = 1; k <= n; k++) if (w[k] ~ /^-/) {
				f = w[k]; opt = ""
				if (f ~ /\[=/) { opt = "optional" }
				sub(/\[.*$/, "", f)
				print f, (val != "" ? val : opt)
			}
		}'
}

# The value of FLAG on the command line before the word being completed
# ("--root DIR", or "--root=DIR", which bash splits into "--root" "=" "DIR").
_ckpt_option_value()
{
	local flag=$1 i
	for ((i = 1; i < COMP_CWORD; i++)); do
		[[ ${COMP_WORDS[i]} == "$flag" ]] || continue
		if [[ ${COMP_WORDS[i + 1]} == "=" ]]; then
			((i + 2 < COMP_CWORD)) && printf '%s\n' "${COMP_WORDS[i + 2]}"
		elif ((i + 1 < COMP_CWORD)); then
			printf '%s\n' "${COMP_WORDS[i + 1]}"
		fi
	done | tail -n 1
}

# Where to look for container ids: the --root given (the runtime's own
# state root), else the default root of the --runtime given, else every
# runtime's default root.
_ckpt_state_roots()
{
	local root runtime r
	root=$(_ckpt_option_value --root)
	if [[ -n $root ]]; then
		printf '%s\n' "${root/#\~/$HOME}"
		return
	fi
	runtime=$(_ckpt_option_value --runtime)
	for r in $_CKPT_RUNTIME_ROOTS; do
		[[ -z $runtime || ${r##*/} == "$runtime" ]] && printf '%s\n' "$r"
	done
}

_ckpt_container_ids()
{
	local root d roots
	roots=$(_ckpt_state_roots)
	local IFS=$'\n'
	for root in $roots; do
		for d in "$root"/*/; do
			[[ -d $d ]] || continue
			d=${d%/}
			printf '%s\n' "${d##*/}"
		done
	done
}

# Completions of $2 among the words of $1 (commands, flags, values and
# container ids have no blanks).
_ckpt_reply()
{
	local IFS=$' \t\n'
	COMPREPLY=($(compgen -W "$1" -- "$2"))
}

_ckpt_paths()
{
	local IFS=$'\n'
	compopt -o filenames 2>/dev/null
	if [[ $1 == dir ]]; then
		COMPREPLY=($(compgen -d -- "$2"))
	else
		COMPREPLY=($(compgen -f -- "$2"))
	fi
}

# Completes the value of FLAG (whose --help placeholder is VALUE).
_ckpt_value()
{
	local flag=$1 value=$2 cur=$3
	case $flag in
	--manage-cgroups-mode) _ckpt_reply "soft full strict ignore props none" "$cur"; return ;;
	--network-lock) _ckpt_reply "iptables nftables skip" "$cur"; return ;;
	--empty-ns) _ckpt_reply "network" "$cur"; return ;;
	--log-format) _ckpt_reply "text json" "$cur"; return ;;
	--runtime) _ckpt_reply "runc crun youki" "$cur"; return ;;
	--pid | -p) _ckpt_reply "$(cd /proc 2>/dev/null && printf '%s\n' [0-9]*)" "$cur"; return ;;
	--inherit-fd) [[ -z $cur ]] && COMPREPLY=("fd["); return ;;
	--lsm-profile) _ckpt_reply "apparmor: selinux:" "$cur"; compopt -o nospace 2>/dev/null; return ;;
	esac
	case $value in
	DIR) _ckpt_paths dir "$cur" ;;
	FILE | PATH | SOCK*) _ckpt_paths file "$cur" ;;
	ID | CONTAINER* | *-ID) _ckpt_reply "$(_ckpt_container_ids)" "$cur" ;;
	*) COMPREPLY=() ;;
	esac
}

# What a word that is not a flag means after COMMAND.
_ckpt_positional()
{
	local cmd=$1 cur=$2
	case $cmd in
	inspect) _ckpt_paths dir "$cur" ;;
	checkpoint | restore) _ckpt_reply "$(_ckpt_container_ids)" "$cur" ;;
	*) COMPREPLY=() ;;
	esac
}

# The placeholder of FLAG in a "FLAG VALUE" table, or "" for a switch;
# returns 1 when FLAG is not there.
_ckpt_flag_value()
{
	local table=$1 flag=$2 f v
	while read -r f v; do
		if [[ $f == "$flag" ]]; then
			printf '%s' "$v"
			return 0
		fi
	done <<<"$table"
	return 1
}

_ckpt()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local bin=${COMP_WORDS[0]} cmd="" table value i w

	bin=${bin/#\~/$HOME}
	type -P -- "$bin" >/dev/null 2>&1 || [[ -x $bin ]] || bin=ckpt
	COMPREPLY=()

	# the subcommand: the first word that is neither a global flag nor its value
	table=$(_ckpt_flags "$bin" "")
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if [[ $w == -* ]]; then
			value=$(_ckpt_flag_value "$table" "$w") && [[ -n $value && $value != optional ]] && ((i++))
			continue
		fi
		[[ $w == "=" ]] && { ((i++)); continue; }
		cmd=$w
		break
	done
	[[ -n $cmd ]] && table=$(_ckpt_flags "$bin" "$cmd")

	# --flag=value (bash splits at "=")
	if [[ $prev == "=" && $COMP_CWORD -ge 2 ]]; then
		value=$(_ckpt_flag_value "$table" "${COMP_WORDS[COMP_CWORD - 2]}")
		_ckpt_value "${COMP_WORDS[COMP_CWORD - 2]}" "$value" "$cur"
		return 0
	fi
	if [[ $cur == "=" ]]; then
		value=$(_ckpt_flag_value "$table" "$prev")
		_ckpt_value "$prev" "$value" ""
		return 0
	fi
	# the value of the previous flag
	if [[ $prev == -* ]] && value=$(_ckpt_flag_value "$table" "$prev") && [[ -n $value && $value != optional ]]; then
		_ckpt_value "$prev" "$value" "$cur"
		return 0
	fi
	if [[ $cur == -* ]]; then
		_ckpt_reply "$(awk '{ print $1 }' <<<"$table")" "$cur"
		return 0
	fi
	if [[ -z $cmd ]]; then
		_ckpt_reply "$(_ckpt_commands "$bin")" "$cur"
		return 0
	fi
	_ckpt_positional "$cmd" "$cur"
	return 0
}

complete -F _ckpt ckpt
