# Bash completion for nnc: subcommands, their flags, --emit= stages and .nn
# files. Use it with `source compiler/tools/nnc/nnc.bash` (in ~/.bashrc), or
# copy it to /usr/share/bash-completion/completions/nnc.
# test/Frontend/completion.test checks that the flags here are the ones
# `nnc help CMD` lists; a new subcommand adds its words below.

_nnc() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
  local commands="build check summary export import lsp help"
  local stages="ast nn grad linalg vector llvm llvm-ir asm"
  local common="--stdlib --seq-len --help"
  COMPREPLY=()

  # --emit=STAGE: bash splits at '=' unless COMP_WORDBREAKS lacks it.
  if [[ $cur == --emit=* ]]; then
    COMPREPLY=($(compgen -P --emit= -W "$stages" -- "${cur#--emit=}"))
    return
  fi
  if [[ $cur == = && $prev == --emit ]]; then
    COMPREPLY=($(compgen -W "$stages"))
    return
  fi
  if [[ $prev == = && ${COMP_WORDS[COMP_CWORD - 2]} == --emit ]]; then
    COMPREPLY=($(compgen -W "$stages" -- "$cur"))
    return
  fi

  # The subcommand: the first word that is neither a flag nor a flag's value.
  local cmd="" i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case ${COMP_WORDS[i]} in
    -* | =) ;;
    *)
      cmd=${COMP_WORDS[i]}
      break
      ;;
    esac
  done

  # import's --pytorch takes a file (export's is a switch).
  if [[ $prev == --pytorch && $cmd == import ]]; then
    compopt -o filenames 2>/dev/null
    COMPREPLY=($(compgen -f -- "$cur"))
    return
  fi
  case $prev in
  -o | --runtime-lib | --load)
    compopt -o filenames 2>/dev/null
    COMPREPLY=($(compgen -f -- "$cur"))
    return
    ;;
  --stdlib)
    compopt -o filenames 2>/dev/null
    COMPREPLY=($(compgen -d -- "$cur"))
    return
    ;;
  --batch | --seq-len | --distributed | --testing-negate-grad | --model)
    return # a number or a name: nothing to offer
    ;;
  esac

  local flags
  case $cmd in
  "")
    COMPREPLY=($(compgen -W "$commands --help --version" -- "$cur"))
    return
    ;;
  help)
    [[ $COMP_CWORD -eq $((i + 1)) ]] &&
      COMPREPLY=($(compgen -W "$commands" -- "$cur"))
    return
    ;;
  build)
    flags="-o --emit= --batch --runtime-lib --grad-norms --check-numerics
           --distributed --time -v --testing-negate-grad= $common"
    ;;
  check) flags="--print-program $common" ;;
  summary) flags="--json $common" ;;
  export) flags="--load -o --pytorch --model $common" ;;
  import) flags="--pytorch -o $common" ;;
  lsp) flags="$common" ;;
  *) return ;;
  esac

  if [[ $cur == -* || $cmd == lsp ]]; then
    COMPREPLY=($(compgen -W "$flags" -- "$cur"))
    [[ ${COMPREPLY[0]} == *= ]] && compopt -o nospace 2>/dev/null
    return
  fi
  # FILE: .nn files and directories.
  compopt -o filenames 2>/dev/null
  COMPREPLY=($(compgen -d -- "$cur") $(compgen -f -X '!*.nn' -- "$cur"))
}
complete -F _nnc nnc
