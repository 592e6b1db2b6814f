"""`fuzzyaws completion bash|zsh|tcsh|fish`: the completion script for `build_parser()`:
shtab's for bash, zsh and tcsh; for fish (which shtab lacks), `complete` commands made
here from the same parser.

Every command and option completes from the parser. Arguments annotated in cli.py with
`.complete = COMPLETE_*` complete dynamically, through the functions of the preamble
below (the only module that imports shtab: parsing must stay light):

- resource IDs (`connect`/`tunnel`/`run` QUERY|ID|ARN, `run --targets`, `--via`,
  `preview`, the lifecycle verbs, `cp --targets`): the `id` field (the third) of
  `fuzzyaws ls --offline`, which the actions take as they are; zsh and fish describe each
  with its whole line. Of the `--profile` and `--region` already typed on the line (bash,
  zsh, fish). Offline: what is cached, however old, never the network, never boto3: the
  cost of a warm `ls`.
- profiles: the section names of the AWS config file (`[default]`, `[profile NAME]`) and
  credentials file (`[NAME]`), honouring AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE,
  read with awk at completion time (tcsh: sed over ~/.aws/config and ~/.aws/credentials).
- regions: `all` and the regions of the commercial, China and GovCloud partitions, as the
  installed botocore's endpoints.json knows them when the script is generated (read as a
  file, botocore is not imported), else a built-in list. A fixed list rather than the
  cache: a region not yet cached is exactly the one a user wants to name.
"""
from __future__ import annotations

import shtab

from fuzzyaws import regions
from fuzzyaws.parser import build_parser
from fuzzyaws.status import ExitStatus

# Profile names, one per line, from the AWS config and credentials files: an awk program
# (shared by the bash, zsh and fish preambles). `file=...` operands tell it which file it reads.
_PROFILES_AWK = r"""
    /^[ \t]*\[/ {
      name = $0
      sub(/^[ \t]*\[[ \t]*/, "", name); sub(/[ \t]*\].*$/, "", name)
      if (file == "config" && name != "default" && sub(/^profile[ \t]+/, "", name) == 0) next
      if (name != "" && !seen[name]++) print name
    }"""
_PROFILES = r"""
__fuzzyaws_profiles() {
  local config="${AWS_CONFIG_FILE:-$HOME/.aws/config}" creds="${AWS_SHARED_CREDENTIALS_FILE:-$HOME/.aws/credentials}"
  [ -r "$config" ] || config=/dev/null
  [ -r "$creds" ] || creds=/dev/null
  command awk '@AWK@' file=config "$config" file=creds "$creds" 2>/dev/null
}
""".replace("@AWK@", _PROFILES_AWK)

PREAMBLE = {
    "bash": _PROFILES + r"""
# $1: the word being completed (shtab's compgen functions print the candidates); the IDs
# are those of the --profile and --region already on the line
__fuzzyaws_complete_ids() {
  local -a scope=()
  local i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case ${COMP_WORDS[i]} in
      --profile|--region) scope+=("${COMP_WORDS[i]}" "${COMP_WORDS[i+1]}") ;;
    esac
  done
  compgen -W "$(command fuzzyaws ls --offline "${scope[@]}" 2>/dev/null | command cut -f3)" -- "$1"
}
__fuzzyaws_complete_profiles() {
  compgen -W "$(__fuzzyaws_profiles)" -- "$1"
}
__fuzzyaws_complete_regions() {
  compgen -W "@REGIONS@" -- "$1"
}
""",
    "zsh": _PROFILES + r"""
# _arguments actions: each resource's ID, described by its picker line (spaces squeezed);
# those of the --profile and --region already on the line
__fuzzyaws_complete_ids() {
  local -a ids scope fields
  local row i
  for (( i = 2; i < CURRENT; i++ )); do
    [[ ${words[i]} == (--profile|--region) ]] && scope+=(${words[i]} ${(Q)words[i+1]})
  done
  for row in ${(f)"$(command fuzzyaws ls --offline $scope 2>/dev/null)"}; do
    fields=("${(@ps:\t:)row}")
    ids+=("${fields[3]//:/\\:}:${(j: :)${fields:#-}}")
  done
  _describe -t resources 'resource ID' ids
}
__fuzzyaws_complete_profiles() {
  local -a profiles
  profiles=(${(f)"$(__fuzzyaws_profiles)"})
  compadd -a profiles
}
__fuzzyaws_complete_regions() {
  compadd -- @REGIONS@
}
""",
    # tcsh has no functions: aliases, run by the `complete` rules' backquotes (the rules
    # are /-separated, so the commands hide their slashes in here)
    "tcsh": r"""
alias __fuzzyaws_complete_ids 'fuzzyaws ls --offline | cut -f3'
alias __fuzzyaws_complete_profiles 'cat ~/.aws/config ~/.aws/credentials |& sed -n -e "s/^[[:space:]]*\[[[:space:]]*profile[[:space:]][[:space:]]*\([^][:space:]]*\)[[:space:]]*\].*/\1/p" -e "s/^[[:space:]]*\[\([^][:space:]]*\)\].*/\1/p" | sort -u'
alias __fuzzyaws_complete_regions 'echo @REGIONS@'
""",
}


# fish: the command word on the line (past the global options and their values), the
# completers, and `complete` rules made from the parser by fish_script()
FISH_PREAMBLE = r"""# fuzzyaws completions for fish, made from its parser: in ~/.config/fish/completions/,
#     fuzzyaws completion fish > ~/.config/fish/completions/fuzzyaws.fish
function __fuzzyaws_command --description 'the fuzzyaws command on the line, if any'
    set -l words (commandline -opc)
    set -e words[1]
    set -l skip 0
    for word in $words
        if test $skip = 1
            set skip 0
        else if contains -- $word @VALUED@
            set skip 1
        else if not string match -q -- '-*' $word
            echo $word
            return 0
        end
    end
    return 1
end
function __fuzzyaws_using --argument-names name
    set -l command (__fuzzyaws_command); and test "$command" = "$name"
end
function __fuzzyaws_complete_ids --description 'the cached IDs, each with its line'
    set -l words (commandline -opc)
    set -l scope
    for i in (seq 2 (count $words))
        if contains -- $words[$i] --profile --region; and set -q words[(math $i + 1)]
            set -a scope $words[$i] $words[(math $i + 1)]
        end
    end
    # the id (third field), a tab, then the line's fields but the empty ones ("-")
    command fuzzyaws ls --offline $scope 2>/dev/null |
        command awk -F '\t' '{ d = $1; for (i = 2; i <= NF; i++) if ($i != "-") d = d " " $i; print $3 "\t" d }'
end
function __fuzzyaws_complete_profiles
    set -l config ~/.aws/config
    set -l creds ~/.aws/credentials
    set -q AWS_CONFIG_FILE; and set config $AWS_CONFIG_FILE
    set -q AWS_SHARED_CREDENTIALS_FILE; and set creds $AWS_SHARED_CREDENTIALS_FILE
    test -r "$config"; or set config /dev/null
    test -r "$creds"; or set creds /dev/null
    command awk '@AWK@' file=config $config file=creds $creds 2>/dev/null
end
complete -c fuzzyaws -f
"""
FISH_COMPLETERS = {"__fuzzyaws_complete_ids": "-a '(__fuzzyaws_complete_ids)'",
                   "__fuzzyaws_complete_profiles": "-a '(__fuzzyaws_complete_profiles)'",
                   "__fuzzyaws_complete_regions": "-a '@REGIONS@'",
                   "_shtab_compgen_files": "-F", "_shtab_compgen_dirs": "-a '(__fish_complete_directories)'"}


def _fish_word(text: str) -> str:
    """`text` as one single-quoted fish word."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _fish_rule(action, condition: "str | None") -> "str | None":
    """The `complete` rule for one argparse action (None: nothing to offer)."""
    import argparse
    if action.help == argparse.SUPPRESS or isinstance(action, argparse._SubParsersAction):
        return None
    rule = ["complete -c fuzzyaws"]
    if condition:
        rule.append(f"-n {_fish_word(condition)}")
    for option in action.option_strings:
        rule.append(f"-l {option[2:]}" if option.startswith("--") else f"-s {option[1:]}")
    completer = getattr(action, "complete", None)
    if action.option_strings and action.nargs != 0:  # takes a value: files only if it is one
        rule.append("-r" if completer and completer["bash"] == "_shtab_compgen_files" else "-x")
    if action.choices:
        rule.append("-a " + _fish_word(" ".join(action.choices)))
    elif completer:
        rule.append(FISH_COMPLETERS[completer["bash"]])
    elif not action.option_strings:
        return None  # free text (a query, a command): nothing to offer
    if action.help:
        rule.append("-d " + _fish_word(action.help))
    return " ".join(rule)


def fish_script() -> str:
    """`complete` rules for every command and option of the parser."""
    from fuzzyaws.parser import _common
    from fuzzyaws.quick import VALUED
    parser = build_parser()
    common = {o for a in _common()._actions for o in a.option_strings}
    rules = [FISH_PREAMBLE.replace("@VALUED@", " ".join(VALUED)).replace("@AWK@", _PROFILES_AWK)]
    rules += [r for a in parser._actions if (r := _fish_rule(a, None if set(a.option_strings) & common
                                                               else "not __fuzzyaws_command"))]
    commands = parser._subparsers._group_actions[0]
    for choice in commands._choices_actions:
        name = choice.dest
        rules.append(f"complete -c fuzzyaws -n 'not __fuzzyaws_command' -a {name} -d {_fish_word(choice.help)}")
        sub = commands.choices[name]
        using = f"__fuzzyaws_using {name}"
        rules += [r for a in sub._actions if not set(a.option_strings) & common and (r := _fish_rule(a, using))]
        if sub._subparsers is not None:  # cache info|clear
            actions = sub._subparsers._group_actions[0]
            words = " ".join(actions.choices)
            for action in actions._choices_actions:
                rules.append(f"complete -c fuzzyaws -n {_fish_word(f'{using}; and not __fish_seen_subcommand_from {words}')} "
                             f"-a {action.dest} -d {_fish_word(action.help)}")
    rules.append("complete -c fuzzyaws -n '__fuzzyaws_using demo' -a "
                 + _fish_word(" ".join(["stop", "shell", *commands.choices])))
    return "\n".join(rules) + "\n"


def script(shell: str) -> str:
    """The completion script for `shell` (bash, zsh, tcsh or fish)."""
    if shell == "fish":
        text = fish_script()
    else:
        text = shtab.complete(build_parser(), shell=shell, preamble=PREAMBLE[shell])
    return text.replace("@REGIONS@", " ".join(["all"] + regions.known()))


def run(app, opts) -> ExitStatus:
    app.console.out(script(opts.shell))
    return ExitStatus.OK
