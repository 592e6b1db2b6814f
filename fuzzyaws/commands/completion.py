"""`fuzzyaws completion bash|zsh|tcsh`: shtab's completion script for `build_parser()`.

Every command and option completes from the parser. Arguments annotated in cli.py with
`.complete = COMPLETE_*` complete dynamically, through the functions of the preamble
below (the only module that imports shtab: parsing must stay light):

- resource IDs (`connect`/`tunnel`/`run` QUERY|ID|ARN, `run --targets`, `--via`,
  `preview`): `fuzzyaws ls --offline --keys`, the ID being the ARN's last part (zsh adds
  each resource's line as its description, from `fuzzyaws pick --list --offline`: LINE<TAB>KEY), of the
  `--profile` and `--region` already typed on the line (bash, zsh).
  Offline: what is cached, however old, never the network, never boto3.
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
from fuzzyaws.cli import build_parser
from fuzzyaws.status import ExitStatus

# Profile names, one per line, from the AWS config and credentials files (POSIX sh + awk,
# shared by the bash and zsh preambles). `file=...` operands tell awk which file it reads.
_PROFILES = r"""
__fuzzyaws_profiles() {
  local config="${AWS_CONFIG_FILE:-$HOME/.aws/config}" creds="${AWS_SHARED_CREDENTIALS_FILE:-$HOME/.aws/credentials}"
  [ -r "$config" ] || config=/dev/null
  [ -r "$creds" ] || creds=/dev/null
  command awk '
    /^[ \t]*\[/ {
      name = $0
      sub(/^[ \t]*\[[ \t]*/, "", name); sub(/[ \t]*\].*$/, "", name)
      if (file == "config" && name != "default" && sub(/^profile[ \t]+/, "", name) == 0) next
      if (name != "" && !seen[name]++) print name
    }' file=config "$config" file=creds "$creds" 2>/dev/null
}
"""

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
  compgen -W "$(command fuzzyaws ls --offline --keys "${scope[@]}" 2>/dev/null | command sed 's,.*[:/],,')" -- "$1"
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
  local -a ids scope
  local row i
  for (( i = 2; i < CURRENT; i++ )); do
    [[ ${words[i]} == (--profile|--region) ]] && scope+=(${words[i]} ${(Q)words[i+1]})
  done
  for row in ${(f)"$(command fuzzyaws pick --list --offline $scope 2>/dev/null)"}; do
    [[ $row == *$'\t'* ]] || continue  # the header
    ids+=("${${row##*$'\t'}##*[:/]}:${(j: :)${(s: :)row%$'\t'*}}")
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
alias __fuzzyaws_complete_ids 'fuzzyaws ls --offline --keys | sed "s,.*[:/],,"'
alias __fuzzyaws_complete_profiles 'cat ~/.aws/config ~/.aws/credentials |& sed -n -e "s/^[[:space:]]*\[[[:space:]]*profile[[:space:]][[:space:]]*\([^][:space:]]*\)[[:space:]]*\].*/\1/p" -e "s/^[[:space:]]*\[\([^][:space:]]*\)\].*/\1/p" | sort -u'
alias __fuzzyaws_complete_regions 'echo @REGIONS@'
""",
}


def script(shell: str) -> str:
    """The completion script for `shell` (bash, zsh or tcsh)."""
    preamble = PREAMBLE[shell].replace("@REGIONS@", " ".join(["all"] + regions.known()))
    return shtab.complete(build_parser(), shell=shell, preamble=preamble)


def run(app, opts) -> ExitStatus:
    app.console.out(script(opts.shell))
    return ExitStatus.OK
