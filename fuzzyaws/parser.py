"""The command line as argparse sees it: every command's options, their help, and the
typed options each command gets (`COMMANDS`). `build_parser(only=NAME)` builds just the
parser of the command that runs; `build_parser()` builds all of them, for --help, errors
and shtab. The warm commands' usual command lines are parsed without it (cli.quick.py):
argparse's import alone (re, gettext, locale) costs more than a warm `ls`.
"""
from __future__ import annotations

import argparse
import os
import sys

from fuzzyaws import KINDS, PICKERS, __version__
from fuzzyaws import options as o
from fuzzyaws.quick import PRINTS
from fuzzyaws.status import UsageError

SHELLS = ("zsh", "bash", "fish")
EXIT_STATUS = ("exit status: 0 ok, 1 no match or some shards/targets failed, 2 usage, "
               "3 AWS credentials, 130 aborted")

# shtab `.complete` annotations: plain dicts, so that parsing needs no shtab; the functions
# they name are defined by the completion script's preamble (commands/completion.py)
COMPLETE_IDS = {s: "__fuzzyaws_complete_ids" for s in ("bash", "zsh")} | {"tcsh": "`__fuzzyaws_complete_ids`"}
COMPLETE_PROFILES = {s: "__fuzzyaws_complete_profiles" for s in ("bash", "zsh")} | {"tcsh": "`__fuzzyaws_complete_profiles`"}
COMPLETE_REGIONS = {s: "__fuzzyaws_complete_regions" for s in ("bash", "zsh")} | {"tcsh": "`__fuzzyaws_complete_regions`"}
COMPLETE_FILE = {"bash": "_shtab_compgen_files", "zsh": "_files", "tcsh": "f"}
COMPLETE_DIR = {"bash": "_shtab_compgen_dirs", "zsh": "_files -/", "tcsh": "d"}



class Formatter(argparse.HelpFormatter):
    """argparse's help layout, sized without `shutil` (argparse makes one per option it
    adds, and shutil's import costs the warm path more than the parsing itself)."""

    def __init__(self, prog, **kw):
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns
        except (OSError, ValueError, AttributeError):
            columns = 80
        kw.setdefault("width", columns - 2)
        super().__init__(prog, **kw)


class Parser(argparse.ArgumentParser):
    """argparse, with errors as one line and exit 2 (see `fuzzyaws CMD --help`)."""

    def __init__(self, *args, **kw):
        kw.setdefault("formatter_class", Formatter)
        super().__init__(*args, **kw)

    def error(self, message):
        raise UsageError(f"error: {message} (see {self.prog} --help)")


def _common() -> argparse.ArgumentParser:
    """Options accepted before and after the command (`fuzzyaws -v ls`, `fuzzyaws ls -v`).
    SUPPRESS keeps a subcommand's parser from resetting a value given before it."""
    common = Parser(add_help=False, argument_default=argparse.SUPPRESS)
    common.add_argument("--profile", action="append", metavar="NAME",
                        help="AWS profile (repeatable; default: the one boto3 would use)").complete = COMPLETE_PROFILES
    common.add_argument("--region", action="append", metavar="NAME",
                        help="AWS region (repeatable; 'all' = every region enabled for the account)").complete = COMPLETE_REGIONS
    common.add_argument("--cache-dir", metavar="DIR", help="cache directory (default: $XDG_CACHE_HOME/fuzzyaws)").complete = COMPLETE_DIR
    common.add_argument("--ttl", metavar="SECONDS", help="seconds cached data stays fresh (default 300)")
    common.add_argument("--config", metavar="FILE", help="config file (default: $XDG_CONFIG_HOME/fuzzyaws/config.toml)").complete = COMPLETE_FILE
    common.add_argument("-v", "--verbose", action="store_true", help="log each shard on stderr")
    common.add_argument("--traceback", action="store_true",
                        help="on an error, show the Python traceback (for bug reports; also FUZZYAWS_TRACEBACK=1)")
    return common


def _kind_option(parser, what: str) -> None:
    parser.add_argument("--kind", action="append", metavar="KIND",
                        help=f"{what} only this kind: {', '.join(KINDS)}, or an indexed kind "
                             "like kms:key (repeatable)")


def _target_options(parser) -> None:
    parser.add_argument("query", nargs="?", default="", metavar="QUERY|ID|ARN",
                        help="act at once on a single unambiguous match; otherwise pick, starting with this query").complete = COMPLETE_IDS
    parser.add_argument("--picker", choices=PICKERS, help="auto (fzf if on PATH), fzf or builtin")
    parser.add_argument("--offline", action="store_true", help="use the cached inventory as it is")


def _ls(commands, common):
    ls = commands.add_parser("ls", parents=[common], help="print resources, filtered with fzf's query syntax",
                             description="Print one line per resource from the cache (refreshing what "
                                         "is missing or expired), filtered with fzf's extended-search syntax.")
    ls.add_argument("query", nargs="*", help="fzf query: terms, 'exact, ^prefix, suffix$, !not, a | b")
    _kind_option(ls, "list")
    out = ls.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print a JSON array of the full records")
    out.add_argument("--keys", action="store_true", help="print one ARN per line")
    ls.add_argument("--offline", action="store_true", help="print what is cached, however old; no network")


def _pick(commands, common):
    pick = commands.add_parser("pick", parents=[common], help="choose resources in fzf or the built-in picker",
                               description="Choose resources with fzf (when on PATH) or the built-in "
                                           "picker, and print them, one per line.")
    pick.add_argument("query", nargs="*", help="start with this query")
    pick.add_argument("-q", "--query", dest="query_option", metavar="QUERY", help="start with this query")
    _kind_option(pick, "offer")
    pick.add_argument("-m", "--multi", action="store_true", help="mark several with Tab")
    pick.add_argument("--print", choices=PRINTS, default="id", help="what to print of each (default: id)")
    pick.add_argument("--picker", choices=PICKERS, help="auto (fzf if on PATH), fzf or builtin")
    pick.add_argument("--fullscreen", action="store_true", help="use the whole terminal")
    pick.add_argument("--offline", action="store_true", help="never touch the network")
    pick.add_argument("--list", action="store_true",
                      help="print what the picker would offer (header, then LINE<TAB>KEY) and exit")
    # how fzf's reload asks for the lines it shows
    pick.add_argument("--columns", type=int, help=argparse.SUPPRESS)
    pick.add_argument("--ansi", action="store_true", help=argparse.SUPPRESS)


def _preview(commands, common):
    preview = commands.add_parser("preview", parents=[common], help="print the preview of one resource",
                                  description="Print what the preview pane shows for one resource "
                                              "(from the cache only).")
    preview.add_argument("key", metavar="ARN|ID").complete = COMPLETE_IDS


def _connect(commands, common):
    connect = commands.add_parser(
        "connect", parents=[common], help="open a shell on an instance, task or database",
        usage="fuzzyaws connect [options] [QUERY|ID|ARN] [-- ARGS for ssh or the client]",
        description="EC2: an SSM session (or --ssh); ECS: execute-command; RDS/ElastiCache: a tunnel "
                    "through a jump host and optionally the client.")
    _target_options(connect)
    connect.add_argument("--user", metavar="USER", help="log in as USER (SSM: run the shell as USER; ssh: login)")
    connect.add_argument("--yes", "-y", action="store_true", help="start a stopped instance without asking")
    connect.add_argument("--ssh", action="store_true", help="use ssh (through SSM when the host is SSM-managed)")
    connect.add_argument("--direct", action="store_true", help="with --ssh: connect to the private address, not through SSM")
    connect.add_argument("--identity", "-i", metavar="FILE",
                         help="with --ssh: log in with this key (else a one-time key is pushed with "
                              "EC2 Instance Connect)").complete = COMPLETE_FILE
    connect.add_argument("--container", metavar="NAME", help="ECS: the container (default: pick when several)")
    connect.add_argument("--command", dest="remote_command", metavar="CMD",
                         help="ECS: the command to run (default /bin/sh)")
    connect.add_argument("--client", action="store_true",
                         help="RDS/ElastiCache: start psql, mysql or redis-cli on the tunnel")
    connect.add_argument("--iam", action="store_true", help="RDS: log in with an IAM auth token")
    connect.add_argument("--via", metavar="JUMPHOST", help="RDS/ElastiCache: the jump host (default: tagged Role=jumphost)").complete = COMPLETE_IDS
    connect.add_argument("--local-port", type=int, metavar="PORT", help="RDS/ElastiCache: local end of the tunnel")


def _tunnel(commands, common):
    tunnel = commands.add_parser(
        "tunnel", parents=[common], help="forward a local port through SSM",
        description="SSM port forwarding to an instance port, or to a database / cache / any host "
                    "through a jump host. Runs until Ctrl-C.")
    _target_options(tunnel)
    tunnel.add_argument("--remote-port", type=int, metavar="PORT", help="port on the target (default: the resource's port)")
    tunnel.add_argument("--local-port", type=int, metavar="PORT", help="local port (default: the same if free, else any free one)")
    tunnel.add_argument("--via", metavar="JUMPHOST", help="forward through this jump host (id, name or ARN)").complete = COMPLETE_IDS


def _ssh_proxy(commands, common):
    # argparse %-formats help texts: a literal % is written %% here and printed as %
    proxy = commands.add_parser(
        "ssh-proxy", parents=[common], help="ssh ProxyCommand through SSM: ProxyCommand fuzzyaws ssh-proxy %%h %%p",
        description="Reach an instance's ssh port through SSM (AWS-StartSSHSession), as an ssh "
                    "ProxyCommand: connect --ssh uses it; in ~/.ssh/config: ProxyCommand fuzzyaws ssh-proxy %h %p")
    proxy.add_argument("host", metavar="INSTANCE", help="instance id, name or ARN")
    proxy.add_argument("port", type=int, nargs="?", default=22)


def _cp(commands, common):
    cp = commands.add_parser(
        "cp", parents=[common], help="copy files to or from instances (scp through SSM)",
        usage="fuzzyaws cp [options] SRC... DST   (one side HOST:path, HOST a query, ID or name)",
        description="Copy files with scp through SSM, with a one-time key pushed by EC2 Instance "
                    "Connect: fuzzyaws cp app.conf web-01:/tmp/, fuzzyaws cp --multi app.conf 'prod web':/tmp/, "
                    "fuzzyaws cp web-01:/var/log/app.log .")
    cp.add_argument("paths", nargs="*", metavar="SRC... DST", help="(after -- when they follow --targets)")
    cp.add_argument("-m", "--multi", action="store_true", help="to several hosts: mark them in the picker")
    cp.add_argument("--targets", nargs="+", metavar="ID",
                    help="to these hosts (IDs, ARNs or Name tags); the destination is :path, "
                         "e.g. cp --targets i-1 i-2 -- app.conf :/tmp/").complete = COMPLETE_IDS
    cp.add_argument("-r", "--recursive", action="store_true", help="copy directories")
    cp.add_argument("--user", metavar="USER", help="log in as USER (default: by platform, or ssh_user)")
    cp.add_argument("--picker", choices=PICKERS, help="auto (fzf if on PATH), fzf or builtin")
    cp.add_argument("--offline", action="store_true", help="use the cached inventory as it is")


def _ssh_config(commands, common):
    config = commands.add_parser(
        "ssh-config", parents=[common], help="print ssh Host blocks for the cached instances (through SSM)",
        description="Print ssh Host blocks for the cached instances and hybrid nodes, named by ID and "
                    "Name tag, with ProxyCommand fuzzyaws ssh-proxy: fuzzyaws ssh-config > "
                    "~/.ssh/fuzzyaws.config, and Include fuzzyaws.config at the top of ~/.ssh/config.")
    config.add_argument("--offline", action="store_true", help="use the cached inventory as it is")


def _run(commands, common):
    run = commands.add_parser(
        "run", parents=[common], help="run a command on many instances (SSM Run Command)",
        usage="fuzzyaws run [options] [QUERY|ID|ARN] -- COMMAND [ARG...]",
        description="Run a command on the picked instances with SSM Run Command and print each host's "
                    "output: fuzzyaws run 'prod web' -- uptime")
    _target_options(run)
    run.add_argument("--targets", nargs="+", metavar="ID", help="instance IDs or ARNs (no picker)").complete = COMPLETE_IDS
    run.add_argument("--targets-from-stdin", action="store_true", help="read IDs or ARNs, one per line, from stdin")
    run.add_argument("--concurrency", default="50", metavar="N|N%", help="SSM MaxConcurrency (default 50)")
    run.add_argument("--max-errors", default="0", metavar="N|N%", help="SSM MaxErrors (default 0)")
    run.add_argument("--timeout", type=int, default=120, metavar="SECONDS", help="give up after this long (default 120)")
    run.add_argument("--json", action="store_true", help="print the results as JSON")
    run.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")


def _lifecycle(verb: str, what: str, until: str):
    def add(commands, common):
        parser = commands.add_parser(
            verb, parents=[common], help=f"{verb} {what}{until}",
            description=f"{verb.capitalize()} {what} (several with the picker's Tab, or named), after "
                        f"one confirmation that lists them{until}.")
        parser.add_argument("targets", nargs="*", metavar="QUERY|ID|ARN",
                            help="one query (pick, starting with it), or IDs, ARNs or Name tags").complete = COMPLETE_IDS
        parser.add_argument("--picker", choices=PICKERS, help="auto (fzf if on PATH), fzf or builtin")
        parser.add_argument("--offline", action="store_true", help="use the cached inventory as it is")
        parser.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
        if until:
            parser.add_argument("--no-wait", action="store_true", help="return once AWS has accepted the request")
            parser.add_argument("--timeout", type=float, default=600.0, metavar="SECONDS",
                                help="stop waiting after this long (default 600)")
    return add


def _open(commands, common):
    open_ = commands.add_parser("open", parents=[common], help="open a resource's AWS console page",
                                description="Open the AWS console page of a resource (any kind) in "
                                            "the browser, or print its URL.")
    _target_options(open_)
    open_.add_argument("--print", action="store_true", help="only print the URL (several with the picker's Tab)")


def _copy(commands, common):
    copy = commands.add_parser("copy", help="copy text to the terminal's clipboard (OSC 52)",
                               description="Put the arguments, one per line, on the clipboard of the "
                                           "terminal you sit at (OSC 52: works over ssh and in tmux "
                                           "with set-clipboard on). The pickers' Alt-C runs it.")
    copy.add_argument("text", nargs="+", metavar="TEXT")


def _init(commands, common):
    init = commands.add_parser("init", help="print the shell integration (Ctrl-G widget)",
                               description="Print the shell code that binds the fuzzyaws widget to "
                                           "Ctrl-G, e.g. eval \"$(fuzzyaws init zsh)\" in ~/.zshrc.")
    init.add_argument("shell", choices=SHELLS)
    init.add_argument("--key", metavar="KEY", help="bind this key instead of Ctrl-G (e.g. '^T', '\\C-t', ctrl-t)")
    init.add_argument("--no-bind", action="store_true",
                      help="define the widget without binding it (also FUZZYAWS_NO_BIND=1)")


def _completion(commands, common):
    completion = commands.add_parser("completion", help="print shell completions",
                                     description="Print the completion script for a shell, e.g. "
                                                 "fuzzyaws completion zsh > ~/.zfunc/_fuzzyaws, or "
                                                 "fuzzyaws completion fish > ~/.config/fish/completions/fuzzyaws.fish")
    completion.add_argument("shell", choices=("bash", "zsh", "tcsh", "fish"))


def _refresh(commands, common):
    refresh = commands.add_parser("refresh", parents=[common], help="collect every resource now",
                                  description="Collect every shard (account × region × kind) now, "
                                              "whatever its age.")
    _kind_option(refresh, "collect")


def _cache(commands, common):
    cache = commands.add_parser("cache", parents=[common], help="show or clear the cache")
    actions = cache.add_subparsers(dest="cache_action", metavar="ACTION", parser_class=Parser)
    actions.required = True
    actions.add_parser("info", parents=[common], help="where the cache is, its shards, ages and size")
    actions.add_parser("clear", parents=[common], help="delete everything cached")


def _snapshot(commands, common):
    snapshot = commands.add_parser("snapshot", parents=[common], help="push a shared snapshot of the inventory to S3",
                                   description="For a scheduled job with read-only roles: collect every "
                                               "shard now and write it to S3 (gzip'd JSON lines per shard and "
                                               "a manifest), for people whose config says snapshot = \"s3://...\".")
    actions = snapshot.add_subparsers(dest="snapshot_action", metavar="ACTION", parser_class=Parser)
    actions.required = True
    push = actions.add_parser("push", parents=[common], help="collect now and upload what changed")
    push.add_argument("url", metavar="s3://BUCKET/PREFIX")
    _kind_option(push, "push")


def _demo(commands, common):
    demo = commands.add_parser("demo", parents=[common],
                               help="run a command on an embedded demo fleet (needs fuzzyaws[demo])",
                               description="Run any fuzzyaws command against an embedded fake AWS "
                                           "(moto) with a fixed demo fleet and its own cache, started in "
                                           "the background on first use. `demo shell` opens your shell "
                                           "inside the demo; `demo stop` stops it.")
    demo.add_argument("args", nargs=argparse.REMAINDER, metavar="COMMAND...",
                      help="the fuzzyaws command to run, e.g. `ls web`")


# name -> (adds its parser, makes its options from the parsed namespace)
COMMANDS = {
    "ls": (_ls, lambda a: o.Ls(query=" ".join(a.query), kinds=_kinds(a), offline=a.offline,
                               output="json" if a.json else "keys" if a.keys else "lines")),
    "pick": (_pick, lambda a: o.Pick(query=a.query_option if a.query_option is not None else " ".join(a.query),
                                     kinds=_kinds(a), multi=a.multi, print=a.print, picker=a.picker,
                                     fullscreen=a.fullscreen, offline=a.offline, list=a.list,
                                     columns=a.columns, ansi=a.ansi)),
    "preview": (_preview, lambda a: o.Preview(key=a.key)),
    "connect": (_connect, lambda a: o.Connect(
        query=a.query, picker=a.picker, offline=a.offline, yes=a.yes, user=a.user, ssh=a.ssh,
        direct=a.direct, identity=a.identity, container=a.container, command=a.remote_command, client=a.client, iam=a.iam, via=a.via,
        local_port=a.local_port, extra=tuple(a.rest))),
    "tunnel": (_tunnel, lambda a: o.Tunnel(query=a.query, picker=a.picker, offline=a.offline,
                                           remote_port=a.remote_port, local_port=a.local_port, via=a.via)),
    "ssh-proxy": (_ssh_proxy, lambda a: o.SshProxy(host=a.host, port=a.port)),
    "run": (_run, lambda a: o.Run(
        query=a.query, picker=a.picker, offline=a.offline, command=tuple(a.rest),
        targets=tuple(a.targets or ()), targets_from_stdin=a.targets_from_stdin,
        concurrency=a.concurrency, max_errors=a.max_errors, timeout=a.timeout, json=a.json, yes=a.yes)),
    **{verb: (_lifecycle(verb, what, until), lambda a, verb=verb: o.Lifecycle(
        verb=verb, targets=tuple(a.targets), picker=a.picker, offline=a.offline, yes=a.yes,
        no_wait=getattr(a, "no_wait", False), timeout=getattr(a, "timeout", 0.0)))
       for verb, what, until in (
           ("start", "EC2 instances or RDS databases", ", then wait until they are running"),
           ("stop", "EC2 instances or RDS databases", ", then wait until they are stopped"),
           ("reboot", "EC2 instances", ""))},  # a reboot has no state to wait for
    "cp": (_cp, lambda a: o.Cp(paths=tuple(a.paths) + tuple(a.rest), multi=a.multi, targets=tuple(a.targets or ()),
                               user=a.user, recursive=a.recursive, picker=a.picker, offline=a.offline)),
    "ssh-config": (_ssh_config, lambda a: o.SshConfig(offline=a.offline)),
    "open": (_open, lambda a: o.Open(query=a.query, picker=a.picker, offline=a.offline, print=a.print)),
    "copy": (_copy, lambda a: o.Copy(text=tuple(a.text))),
    "init": (_init, lambda a: o.Init(shell=a.shell, key=a.key, no_bind=a.no_bind)),
    "completion": (_completion, lambda a: o.Completion(shell=a.shell)),
    "refresh": (_refresh, lambda a: o.Refresh(kinds=_kinds(a))),
    "cache": (_cache, lambda a: o.Cache(action=a.cache_action)),
    "snapshot": (_snapshot, lambda a: o.Snapshot(action=a.snapshot_action, url=a.url, kinds=_kinds(a))),
    "demo": (_demo, lambda a: o.Demo(argv=tuple(a.args))),
}


def _kinds(args) -> "tuple | None":
    kinds = getattr(args, "kind", None)
    if not kinds:
        return None
    from fuzzyaws.kinds import problem
    for kind in kinds:
        if problem(kind):
            raise UsageError(f"--kind: {problem(kind)}")
    return tuple(dict.fromkeys(kinds))


def build_parser(only: "str | None" = None) -> argparse.ArgumentParser:
    """The parser; with `only`, just that command's subparser (what one run needs)."""
    common = _common()
    parser = Parser(prog="fuzzyaws", parents=[common], epilog=EXIT_STATUS,
                    description="A fuzzy finder for AWS resources of every type, across "
                                "accounts and regions.")
    parser.add_argument("--version", action="version", version=f"fuzzyaws {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    commands.required = True
    for name, (add, _) in COMMANDS.items():
        if only is None or name == only:
            add(commands, common)
    return parser
