"""The command line: `build_parser()` (also fed to shtab) and `main()`.

Parsing does no I/O and imports no command: each command module is imported only when
it runs, so that the warm path (`ls`, `pick`, `preview`) stays light.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys

from fuzzyaws import KINDS, PICKERS, __version__
from fuzzyaws.status import ABORTED, FuzzyAwsError

PRINTS = ("id", "arn", "name", "address", "json")
SHELLS = ("zsh", "bash", "fish")

# shtab `.complete` annotations: plain dicts, so that parsing needs no shtab; the functions
# they name are defined by the completion script's preamble (commands/completion.py)
COMPLETE_IDS = {s: "__fuzzyaws_complete_ids" for s in ("bash", "zsh")} | {"tcsh": "`__fuzzyaws_complete_ids`"}
COMPLETE_PROFILES = {s: "__fuzzyaws_complete_profiles" for s in ("bash", "zsh")} | {"tcsh": "`__fuzzyaws_complete_profiles`"}
COMPLETE_REGIONS = {s: "__fuzzyaws_complete_regions" for s in ("bash", "zsh")} | {"tcsh": "`__fuzzyaws_complete_regions`"}
COMPLETE_FILE = {"bash": "_shtab_compgen_files", "zsh": "_files", "tcsh": "f"}
COMPLETE_DIR = {"bash": "_shtab_compgen_dirs", "zsh": "_files -/", "tcsh": "d"}



def _common() -> argparse.ArgumentParser:
    """Options accepted before and after the command (`fuzzyaws -v ls`, `fuzzyaws ls -v`).
    SUPPRESS keeps a subcommand's parser from resetting a value given before it."""
    common = argparse.ArgumentParser(add_help=False, argument_default=argparse.SUPPRESS)
    common.add_argument("--profile", action="append", metavar="NAME",
                        help="AWS profile (repeatable; default: the one boto3 would use)").complete = COMPLETE_PROFILES
    common.add_argument("--region", action="append", metavar="NAME",
                        help="AWS region (repeatable; 'all' = every region enabled for the account)").complete = COMPLETE_REGIONS
    common.add_argument("--cache-dir", metavar="DIR", help="cache directory (default: $XDG_CACHE_HOME/fuzzyaws)").complete = COMPLETE_DIR
    common.add_argument("--ttl", type=float, metavar="SECONDS", help="seconds cached data stays fresh (default 300)")
    common.add_argument("--config", metavar="FILE", help="config file (default: $XDG_CONFIG_HOME/fuzzyaws/config.toml)").complete = COMPLETE_FILE
    common.add_argument("-v", "--verbose", action="store_true", help="log each shard on stderr")
    return common


def _kind_option(parser, what: str) -> None:
    parser.add_argument("--kind", action="append", choices=KINDS, metavar="KIND",
                        help=f"{what} only this kind: {', '.join(KINDS)} (repeatable)")


def build_parser() -> argparse.ArgumentParser:
    common = _common()
    parser = argparse.ArgumentParser(
        prog="fuzzyaws", parents=[common],
        description="A fuzzy finder for AWS resources: EC2, RDS, ElastiCache and ECS "
                    "across accounts and regions.",
        epilog="exit status: 0 ok, 1 no match or some shards failed, 2 usage, 3 AWS credentials, 130 aborted")
    parser.add_argument("--version", action="version", version=f"fuzzyaws {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    ls = commands.add_parser("ls", parents=[common], help="print resources, filtered with fzf's query syntax",
                             description="Print one line per resource from the cache (refreshing what "
                                         "is missing or expired), filtered with fzf's extended-search syntax.")
    ls.add_argument("query", nargs="*", help="fzf query: terms, 'exact, ^prefix, suffix$, !not, a | b")
    _kind_option(ls, "list")
    out = ls.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print a JSON array of the full records")
    out.add_argument("--keys", action="store_true", help="print one ARN per line")
    ls.add_argument("--offline", action="store_true", help="print what is cached, however old; no network")

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
                      help="print what the picker would offer (header, then KEY<TAB>LINE) and exit")

    preview = commands.add_parser("preview", parents=[common], help="print the preview of one resource",
                                  description="Print what the preview pane shows for one resource "
                                              "(from the cache only).")
    preview.add_argument("key", metavar="ARN|ID").complete = COMPLETE_IDS

    _action_parsers(commands, common)

    init = commands.add_parser("init", help="print the shell integration (Ctrl-G widget)",
                               description="Print the shell code that binds the fuzzyaws widget to "
                                           "Ctrl-G, e.g. eval \"$(fuzzyaws init zsh)\" in ~/.zshrc.")
    init.add_argument("shell", choices=SHELLS)
    init.add_argument("--key", metavar="KEY", help="bind this key instead of Ctrl-G (e.g. '^T', '\\C-t', ctrl-t)")
    init.add_argument("--no-bind", action="store_true",
                      help="define the widget without binding it (also FUZZYAWS_NO_BIND=1)")

    completion = commands.add_parser("completion", help="print shell completions (shtab)",
                                     description="Print the completion script for a shell, e.g. "
                                                 "fuzzyaws completion zsh > ~/.zfunc/_fuzzyaws")
    completion.add_argument("shell", choices=("bash", "zsh", "tcsh"))

    refresh = commands.add_parser("refresh", parents=[common], help="collect every resource now",
                                  description="Collect every shard (account × region × kind) now, "
                                              "whatever its age.")
    _kind_option(refresh, "collect")

    cache = commands.add_parser("cache", parents=[common], help="show or clear the cache")
    cache_commands = cache.add_subparsers(dest="cache_command", metavar="ACTION")
    cache_commands.required = True
    cache_commands.add_parser("info", parents=[common], help="where the cache is, its shards, ages and size")
    cache_commands.add_parser("clear", parents=[common], help="delete everything cached")

    demo = commands.add_parser("demo", help="run a command on an embedded demo fleet (needs fuzzyaws[demo])",
                               description="Run any fuzzyaws command against an embedded fake AWS "
                                           "(moto) seeded with a demo fleet, with a throwaway cache.")
    demo.add_argument("args", nargs=argparse.REMAINDER, metavar="COMMAND...",
                      help="the fuzzyaws command to run, e.g. `ls web`")
    return parser


def _target_options(parser) -> None:
    parser.add_argument("query", nargs="?", metavar="QUERY|ID|ARN",
                        help="act at once on a single unambiguous match; otherwise pick, starting with this query").complete = COMPLETE_IDS
    parser.add_argument("--picker", choices=PICKERS, help="auto (fzf if on PATH), fzf or builtin")
    parser.add_argument("--offline", action="store_true", help="use the cached inventory as it is")


def _action_parsers(commands, common) -> None:
    connect = commands.add_parser(
        "connect", parents=[common], help="open a shell on an instance, task or database",
        usage="fuzzyaws connect [options] [QUERY|ID|ARN] [-- ARGS for ssh or the client]",
        description="EC2: an SSM session (or --ssh); ECS: execute-command; RDS/ElastiCache: a tunnel "
                    "through a jump host and optionally the client.")
    _target_options(connect)
    connect.add_argument("--user", metavar="USER", help="log in as USER (SSM: run the shell as USER; ssh: login)")
    connect.add_argument("--ssh", action="store_true", help="use ssh (through SSM when the host is SSM-managed)")
    connect.add_argument("--direct", action="store_true", help="with --ssh: connect to the private address, not through SSM")
    connect.add_argument("--container", metavar="NAME", help="ECS: the container (default: pick when several)")
    connect.add_argument("--command", dest="remote_command", metavar="CMD",
                         help="ECS: the command to run (default /bin/sh)")
    connect.add_argument("--client", action="store_true",
                         help="RDS/ElastiCache: start psql, mysql or redis-cli on the tunnel")
    connect.add_argument("--iam", action="store_true", help="RDS: log in with an IAM auth token")
    connect.add_argument("--via", metavar="JUMPHOST", help="RDS/ElastiCache: the jump host (default: tagged Role=jumphost)").complete = COMPLETE_IDS
    connect.add_argument("--local-port", type=int, metavar="PORT", help="RDS/ElastiCache: local end of the tunnel")
    connect.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")

    tunnel = commands.add_parser(
        "tunnel", parents=[common], help="forward a local port through SSM",
        description="SSM port forwarding to an instance port, or to a database / cache / any host "
                    "through a jump host. Runs until Ctrl-C.")
    _target_options(tunnel)
    tunnel.add_argument("--remote-port", type=int, metavar="PORT", help="port on the target (default: the resource's port)")
    tunnel.add_argument("--local-port", type=int, metavar="PORT", help="local port (default: the same if free, else any free one)")
    tunnel.add_argument("--via", metavar="JUMPHOST", help="forward through this jump host (id, name or ARN)").complete = COMPLETE_IDS
    tunnel.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")

    proxy = commands.add_parser(
        "ssh-proxy", parents=[common], help="ssh ProxyCommand through SSM: ProxyCommand fuzzyaws ssh-proxy %%h %%p",
        description="Reach an instance's ssh port through SSM (AWS-StartSSHSession), as an ssh "
                    "ProxyCommand: connect --ssh uses it; in ~/.ssh/config: ProxyCommand fuzzyaws ssh-proxy %%h %%p")
    proxy.add_argument("host", metavar="INSTANCE", help="instance id, name or ARN")
    proxy.add_argument("port", type=int, nargs="?", default=22)

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


def main(argv=None) -> int:
    # Everything after the first `--` is the remote command (run) or extra arguments for ssh
    # or the client (connect): it is never parsed as our options.
    argv = sys.argv[1:] if argv is None else list(argv)
    rest = []
    if "--" in argv and argv[:1] != ["demo"]:
        at = argv.index("--")
        argv, rest = argv[:at], argv[at + 1:]
    args = build_parser().parse_args(argv)
    args.rest = rest
    try:
        module = importlib.import_module(f"fuzzyaws.commands.{args.command.replace('-', '_')}")
        return module.run(args)
    except FuzzyAwsError as exc:
        if str(exc):
            print(f"fuzzyaws: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return ABORTED
    except BrokenPipeError:
        # `fuzzyaws ls | head`: the reader left; say nothing, and keep Python's
        # own flush at exit from complaining about it.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
