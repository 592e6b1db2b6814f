# fuzzyaws shell integration for bash 4 or newer: in ~/.bashrc,
#
#     eval "$(fuzzyaws init bash)"         # --key KEY binds another key, --no-bind none
#
# Ctrl-G (the function `fuzzyaws-widget`, bound with `bind -x`) runs `fuzzyaws pick --multi`
# on the terminal. The word under the cursor, unless it is a flag, is the starting query
# and is replaced by the picked IDs, quoted with printf %q; after a flag they are inserted
# after it. On an empty line, one pick gives `fuzzyaws connect ID`, several
# `fuzzyaws run --targets ID... -- `. Esc / Ctrl-C in the picker leaves the line as it was.
#
#   FUZZYAWS_CTRL_G_OPTS   more `fuzzyaws pick` options, as shell words ('--kind ec2',
#                          "--print name", '--picker builtin')
#   FUZZYAWS_NO_BIND       set (not 0) when this is loaded: define the widget, bind no key
#
# bash 3.2 (macOS's /bin/bash) has no READLINE_LINE for `bind -x` to edit: there the key
# says so and leaves the line alone; use `cmd $(fuzzyaws pick --multi)` instead.
#
# The widget only edits the line: picking, listing and printing are `fuzzyaws pick`'s.

# Runs `fuzzyaws pick` for the query $1 and puts the picked values in the caller's
# __fuzzyaws_picked array. Its status is pick's: 0 picked, 1 nothing matched or picked,
# 130 aborted, 2 or 3 an error (on stderr).
# It runs with FUZZYAWS_WIDGET=1: a message starts on a line of its own, not after the
# typed text.
__fuzzyaws_pick() {
  local opts=() out line
  eval "opts=(${FUZZYAWS_CTRL_G_OPTS-})" || return 2
  out=$(FUZZYAWS_WIDGET=1 command fuzzyaws pick --multi ${opts[@]+"${opts[@]}"} --query="$1" </dev/tty) || return
  while IFS= read -r line; do
    [[ -z $line ]] || __fuzzyaws_picked+=("$line")
  done <<<"$out"
  (( ${#__fuzzyaws_picked[@]} )) || return 1
}

fuzzyaws-widget() {
  if [[ -z ${READLINE_LINE+set} ]]; then
    # shellcheck disable=SC2016 # the $(...) is advice, not to run
    builtin printf '\nfuzzyaws: the widget needs bash 4 or newer, run by its key (bash %s has no READLINE_LINE); use: cmd $(fuzzyaws pick --multi)\n' "$BASH_VERSION" >&2
    return 2
  fi
  local line=$READLINE_LINE
  # the text left and right of the cursor, and the word under it: its two parts
  local left=${line:0:READLINE_POINT} right=${line:READLINE_POINT}
  local wleft=${left##*[[:space:]]} wright=${right%%[[:space:]]*} query='' picked='' item quoted
  [[ $wleft$wright == -* ]] || query=$wleft$wright
  local __fuzzyaws_picked=()
  __fuzzyaws_pick "$query"
  local ret=$?
  (( ret == 0 )) || return $ret
  for item in "${__fuzzyaws_picked[@]}"; do
    builtin printf -v quoted %q "$item"
    picked+=${picked:+ }$quoted
  done
  if [[ -z ${line//[[:space:]]/} ]]; then
    if (( ${#__fuzzyaws_picked[@]} == 1 )); then
      left="fuzzyaws connect $picked"
    else
      left="fuzzyaws run --targets $picked -- "
    fi
    right=
  elif [[ -n $query || -z $wleft$wright ]]; then
    left=${left:0:${#left}-${#wleft}}$picked
    right=${right:${#wright}}
  else
    left+="$wright $picked"
    right=${right:${#wright}}
  fi
  READLINE_LINE=$left$right
  READLINE_POINT=${#left}
}

# Binds key $1 (readline notation: '\C-g') to the widget in the emacs and vi keymaps.
__fuzzyaws_bind() {
  local keymap
  for keymap in emacs-standard vi-insert vi-command; do
    builtin bind -m "$keymap" -x "\"$1\": fuzzyaws-widget"
  done
}

# fuzzyaws-bind: `fuzzyaws init` rewrites what follows for --key and --no-bind
if [[ ${FUZZYAWS_NO_BIND:-0} == 0 && $- == *i* ]]; then
  __fuzzyaws_bind '\C-g'
fi
