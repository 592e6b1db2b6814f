# fuzzyaws shell integration for fish 3.4 or newer: in ~/.config/fish/config.fish,
#
#     fuzzyaws init fish | source          # --key KEY binds another key, --no-bind none
#
# Ctrl-G (the function `fuzzyaws-widget`) runs `fuzzyaws pick --multi` on the terminal. The
# word under the cursor, unless it is a flag, is the starting query and is replaced by the
# picked IDs, quoted with `string escape`; after a flag they are inserted after it. On an
# empty line, one pick gives `fuzzyaws connect ID`, several `fuzzyaws run --targets ID... -- `.
# Esc / Ctrl-C in the picker leaves the line as it was. Bound in the default and the vi
# insert mode.
#
#   FUZZYAWS_CTRL_G_OPTS   more `fuzzyaws pick` options, as shell words ('--kind ec2',
#                          "--print name", '--picker builtin')
#   FUZZYAWS_NO_BIND       set (not 0) when this is loaded: define the widget, bind no key
#
# The widget only edits the line: picking, listing and printing are `fuzzyaws pick`'s.

# Runs `fuzzyaws pick` for the query $argv[1] and prints the picked values, one per line.
# Its status is pick's: 0 picked, 1 nothing matched or picked, 130 aborted, 2 or 3 an
# error (on stderr).
# It runs with FUZZYAWS_WIDGET=1: a message starts on a line of its own, not after the
# typed text.
function __fuzzyaws_pick
    FUZZYAWS_WIDGET=1 eval command fuzzyaws pick --multi $FUZZYAWS_CTRL_G_OPTS --query=(string escape -- $argv[1]) </dev/tty
end

function fuzzyaws-widget --description 'Pick AWS resources with fuzzyaws onto the command line'
    # (a quoted variable is one string even when a substitution gave no line)
    set -l line (commandline -b | string collect)
    set -l point (commandline -C)
    # the text left and right of the cursor, and the word under it: its two parts
    set -l left (string sub -l $point -- "$line" | string collect)
    set -l right (string sub -s (math $point + 1) -- "$line" | string collect)
    set -l wleft (string match -r -- '\S*$' "$left")
    set -l wright (string match -r -- '^\S*' "$right")
    set -l query ''
    string match -q -- '-*' "$wleft$wright"; or set query "$wleft$wright"
    set -l picked (__fuzzyaws_pick "$query")
    set -l ret $status
    # (with no arguments, string would read the terminal)
    set -q picked[1]; and set picked (string match -v -- '' $picked)
    if test $ret -eq 0; and not set -q picked[1]
        set ret 1
    end
    if test $ret -eq 0
        set -l quoted (string join ' ' -- (string escape -- $picked))
        if not string match -qr -- '\S' "$line"
            if test (count $picked) -eq 1
                set left "fuzzyaws connect $quoted"
            else
                set left "fuzzyaws run --targets $quoted -- "
            end
            set right ''
        else if test -n "$query" -o -z "$wleft$wright"
            set left (string sub -l (math (string length -- "$left") - (string length -- "$wleft")) -- "$left" | string collect)
            set left "$left$quoted"
            set right (string sub -s (math (string length -- "$wright") + 1) -- "$right" | string collect)
        else
            set left "$left$wright $quoted"
            set right (string sub -s (math (string length -- "$wright") + 1) -- "$right" | string collect)
        end
        commandline -r -- "$left$right"
        commandline -C (string length -- "$left")
    end
    commandline -f repaint
    return $ret
end

# Binds key $argv[1] (bind notation: \cg) to the widget in the default and vi insert modes.
function __fuzzyaws_bind
    bind $argv[1] fuzzyaws-widget
    bind -M insert $argv[1] fuzzyaws-widget
end

# fuzzyaws-bind: `fuzzyaws init` rewrites what follows for --key and --no-bind
if contains -- "$FUZZYAWS_NO_BIND" '' 0
    __fuzzyaws_bind \cg
end
