#!/usr/bin/env bash
# complete.sh NNC_BASH WORD... : what nnc.bash offers for the command line
# `WORD...` with the cursor on its last word (pass '' for an empty one), one
# candidate a line, sorted. COMP_WORDS is split at '=' as bash does by default.
source "$1"
shift
COMP_WORDS=("$@")
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
_nnc
printf '%s\n' "${COMPREPLY[@]}" | sort
