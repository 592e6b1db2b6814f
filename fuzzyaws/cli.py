"""The command line: parse → typed options → App → command → exit status.

Parsing does no I/O and imports no command. The usual command lines of the warm commands
(`ls`, `pick`, `preview`) are parsed by quick.py, anything else by argparse (parser.py),
only the parser of the command that runs. Each command module is imported only when it
runs, and is `run(app, opts)`.
Everything after the first `--` is the remote command (run) or arguments for ssh or a
client (connect): it is never parsed as our options.
"""
from __future__ import annotations

import os
import sys

from fuzzyaws.quick import command_of

# commands that share a module
MODULES = {"start": "lifecycle", "stop": "lifecycle", "reboot": "lifecycle"}


def parse(argv: list) -> tuple:
    """(command name, global flags, options) for a command line."""
    rest: list = []
    if "--" in argv and command_of(argv) != "demo":
        at = argv.index("--")
        argv, rest = argv[:at], argv[at + 1:]
    name = command_of(argv)
    if not rest:
        from fuzzyaws import quick
        parsed = quick.parse(argv)
        if parsed is not None:
            return parsed
    from fuzzyaws.parser import COMMANDS, build_parser
    from fuzzyaws.status import UsageError
    try:
        args = build_parser(only=name if name in COMMANDS else None).parse_args(argv)
    except UsageError as exc:
        if name not in COMMANDS:
            raise
        # unknown options are reported by the top parser: point at the command's own help
        raise UsageError(str(exc).replace("(see fuzzyaws --help)", f"(see fuzzyaws {name} --help)")) from None
    args.rest = rest
    flags = {"profiles": getattr(args, "profile", None), "regions": getattr(args, "region", None),
             "cache_dir": getattr(args, "cache_dir", None), "ttl": getattr(args, "ttl", None),
             "config": getattr(args, "config", None), "verbose": getattr(args, "verbose", False),
             "traceback": getattr(args, "traceback", False)}
    return args.command, {k: v for k, v in flags.items() if v not in (None, False)}, COMMANDS[args.command][1](args)


def execute(argv: list, env: dict, console=None, **seams) -> int:
    """Run one command line in `env`; the exit status. Errors are one line on the console
    (or a traceback with --traceback / FUZZYAWS_TRACEBACK=1). `seams` go to the App
    (tests give a picker and what replaces exec)."""
    from fuzzyaws.console import Console
    from fuzzyaws.status import AuthError, ExitStatus, exit_status
    console = console or Console(fresh_line=env.get("FUZZYAWS_WIDGET") == "1")
    app = None
    try:
        name, flags, opts = parse(argv)
        from fuzzyaws import config
        from fuzzyaws.app import App
        app = App(config.load(flags, env), console, flags=flags, **seams)
        module = __import__(f"fuzzyaws.commands.{MODULES.get(name, name.replace('-', '_'))}", fromlist=["run"])
        try:
            return int(module.run(app, opts))
        except AuthError as exc:
            from fuzzyaws.aws.login import renewed
            if not renewed(app, opts, exc):
                raise
        app.close()  # the same command again, with new sessions
        app = App(config.load(flags, env), console, flags=flags, **seams)
        return int(module.run(app, opts))
    except SystemExit as exc:  # --help, --version
        return exc.code if isinstance(exc.code, int) else 0
    except BaseException as exc:  # noqa: BLE001 - every failure ends as one line and a status
        if "--traceback" in argv or env.get("FUZZYAWS_TRACEBACK", "") not in ("", "0"):
            import traceback
            console.flush()
            traceback.print_exc()
        status, message = exit_status(exc)
        if message:
            console.error(message)
        elif status == ExitStatus.ABORTED and console.interactive:
            console.stderr.write("\n")  # after the ^C the terminal echoed
        return int(status)
    finally:
        if app is not None:
            app.close()
        console.flush()


def main(argv=None) -> int:
    status = execute(sys.argv[1:] if argv is None else list(argv), dict(os.environ))
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        # `fuzzyaws ls | head`: the reader left; keep Python's flush at exit quiet too
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return status
