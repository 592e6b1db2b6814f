"""What each command is asked to do: one frozen, typed options object per command, made by
cli.py from the parsed command line. Nothing below cli.py sees an argparse Namespace."""
from __future__ import annotations

from fuzzyaws.frozen import Frozen


class Target(Frozen):
    """What the actions share: which resource (or a picker starting with this query)."""
    query: str = ""
    picker: "str | None" = None
    offline: bool = False


class Ls(Frozen):
    query: str = ""
    kinds: "tuple | None" = None
    output: str = "lines"  # lines | keys | json
    offline: bool = False


class Pick(Frozen):
    query: str = ""
    kinds: "tuple | None" = None
    multi: bool = False
    print: str = "id"  # id | arn | name | address | json
    picker: "str | None" = None
    fullscreen: bool = False
    offline: bool = False
    list: bool = False  # print what the picker would offer, and exit
    columns: "int | None" = None  # with list: lay the lines out this wide
    ansi: bool = False  # with list: in colour


class Preview(Frozen):
    key: str


class Refresh(Frozen):
    kinds: "tuple | None" = None


class Cache(Frozen):
    action: str  # info | clear


class Snapshot(Frozen):
    action: str  # push
    url: str  # s3://BUCKET/PREFIX
    kinds: "tuple | None" = None


class Connect(Target):
    yes: bool = False  # start a stopped instance without asking
    user: "str | None" = None
    ssh: bool = False
    direct: bool = False
    identity: "str | None" = None  # ssh -i: the user's own key, no one-time key pushed
    container: "str | None" = None
    command: "str | None" = None
    client: bool = False
    iam: bool = False
    via: "str | None" = None
    local_port: "int | None" = None
    extra: tuple = ()  # after `--`: arguments for ssh or the client


class Tunnel(Target):
    remote_port: "int | None" = None
    local_port: "int | None" = None
    via: "str | None" = None


class SshProxy(Frozen):
    host: str
    port: int = 22


class Run(Target):
    command: tuple = ()  # after `--`
    targets: tuple = ()
    targets_from_stdin: bool = False
    concurrency: str = "50"
    max_errors: str = "0"
    timeout: int = 120
    json: bool = False
    yes: bool = False


class Cp(Frozen):
    paths: tuple  # sources, then the destination; one side HOST:path
    multi: bool = False
    targets: tuple = ()
    user: "str | None" = None
    recursive: bool = False
    picker: "str | None" = None
    offline: bool = False


class SshConfig(Frozen):
    offline: bool = False


class Lifecycle(Frozen):
    verb: str  # start | stop | reboot
    targets: tuple = ()  # QUERY, or IDs, ARNs and Name tags
    picker: "str | None" = None
    offline: bool = False
    yes: bool = False
    no_wait: bool = False
    timeout: float = 600.0


class Open(Target):
    print: bool = False  # only print the URL


class Copy(Frozen):
    text: tuple = ()


class Init(Frozen):
    shell: str
    key: "str | None" = None
    no_bind: bool = False


class Completion(Frozen):
    shell: str


class Demo(Frozen):
    argv: tuple = ()  # the fuzzyaws command to run on the demo fleet
