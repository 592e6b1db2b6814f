# fuzzyaws shell integration for zsh: in ~/.zshrc,
#
#     eval "$(fuzzyaws init zsh)"          # --key KEY binds another key, --no-bind none
#
# Ctrl-G (the widget `fuzzyaws-widget`) runs `fuzzyaws pick --multi` on the terminal. The
# word under the cursor, unless it is a flag, is the starting query and is replaced by the
# picked IDs, quoted with ${(q)...}; after a flag they are inserted after it. On an empty
# line, one pick gives `fuzzyaws connect ID`, several `fuzzyaws run --targets ID... -- `.
# Esc / Ctrl-C in the picker leaves the line as it was.
#
#   FUZZYAWS_CTRL_G_OPTS   more `fuzzyaws pick` options, as shell words ('--kind ec2',
#                          "--print name", '--picker builtin')
#   FUZZYAWS_NO_BIND       set (not 0) when this is loaded: define the widget, bind no key
#
# The widget only edits the line: picking, listing and printing are `fuzzyaws pick`'s.

# Runs `fuzzyaws pick` for the query $1 and puts the picked values in $reply. Its status is
# pick's: 0 picked, 1 nothing matched or picked, 130 aborted, 2 or 3 an error (on stderr).
# It runs with FUZZYAWS_WIDGET=1: a message starts on a line of its own, not after the
# typed text.
__fuzzyaws_pick() {
  builtin emulate -L zsh
  local out
  out="$(FUZZYAWS_WIDGET=1 command fuzzyaws pick --multi ${(Q)${(z)FUZZYAWS_CTRL_G_OPTS-}} --query="$1" </dev/tty)" || return
  reply=(${(f)out})
  (( $#reply )) || return 1
}

fuzzyaws-widget() {
  builtin emulate -L zsh
  # the word under the cursor: its part left of the cursor and its part right of it
  local left=${LBUFFER##*[[:space:]]} right=${RBUFFER%%[[:space:]]*} query= picked
  [[ $left$right == -* ]] || query=$left$right
  local -a reply
  __fuzzyaws_pick "$query"
  local ret=$?
  if (( ret == 0 )); then
    picked=${(j: :)${(q)reply}}
    if [[ -z ${BUFFER//[[:space:]]/} ]]; then
      if (( $#reply == 1 )); then
        BUFFER="fuzzyaws connect $picked"
      else
        BUFFER="fuzzyaws run --targets $picked -- "
      fi
      CURSOR=$#BUFFER
    elif [[ -n $query || -z $left$right ]]; then
      LBUFFER=${LBUFFER:0:$#LBUFFER-$#left}$picked
      RBUFFER=${RBUFFER:$#right}
    else
      LBUFFER+="$right $picked"
      RBUFFER=${RBUFFER:$#right}
    fi
  fi
  builtin zle reset-prompt
  return ret
}

# Binds key $1 (bindkey notation: '^G') to the widget in the emacs and vi keymaps.
__fuzzyaws_bind() {
  builtin emulate -L zsh
  local keymap
  for keymap in emacs viins vicmd; do
    builtin bindkey -M $keymap "$1" fuzzyaws-widget
  done
}

builtin zle -N fuzzyaws-widget

# fuzzyaws-bind: `fuzzyaws init` rewrites what follows for --key and --no-bind
if [[ ${FUZZYAWS_NO_BIND:-0} == 0 ]]; then
  __fuzzyaws_bind '^G'
fi
