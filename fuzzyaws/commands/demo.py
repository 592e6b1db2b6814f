"""`fuzzyaws demo [COMMAND...]`: any fuzzyaws command on the embedded demo fleet (fuzzyaws/demo.py:
one fake AWS in the background, shared by every demo command, with its own cache).

    fuzzyaws demo ls web              any command (default: ls)
    fuzzyaws demo shell               your shell, where `fuzzyaws` and Ctrl-G are the demo's
    fuzzyaws demo stop                end the fake AWS (it also ends after 30 idle minutes)

The command runs in this process, in the demo's environment; what it starts (fzf's
preview, the stand-ins for session-manager-plugin and ssh) inherits that environment.
"""
from __future__ import annotations

import os

from fuzzyaws.demo import Demo
from fuzzyaws.status import ExitStatus, UsageError

SHELLS = ("zsh", "bash", "fish")


def run(app, opts) -> int:
    argv = list(opts.argv) or ["ls"]
    demo = Demo(app.env)
    if argv[0] == "demo":
        raise UsageError("the demo is already a demo")
    if argv == ["stop"]:
        app.console.info("stopped the demo's fake AWS" if demo.stop() else "the demo was not running")
        return ExitStatus.OK
    helping = any(word in ("-h", "--help", "--version") for word in argv)
    env = demo.environment(None if helping else demo.ensure(app.console))
    if argv[0] == "shell":
        return shell(app, demo, env, argv[1:])
    from fuzzyaws.cli import execute
    os.environ.clear()  # boto3 reads the process environment: the demo's, for this command
    os.environ.update(env)
    return execute(_globals(app.flags) + argv, env, app.console)


def _globals(flags: dict) -> list:
    """The global options given before `demo`, for the command it runs."""
    out = ["-v"] if flags.get("verbose") else []
    for name, flag in (("profiles", "--profile"), ("regions", "--region")):
        for value in flags.get(name) or ():
            out += [flag, value]
    for name in ("ttl", "config"):
        if flags.get(name) is not None:
            out += ["--" + name, str(flags[name])]
    return out + (["--traceback"] if flags.get("traceback") else [])


def shell(app, demo, env: dict, args: list) -> int:
    """The user's shell ($SHELL: zsh, bash or fish; else bash) in the demo's environment,
    with the widget and completions loaded and the prompt marked `(demo)`. Their own rc
    file is read first; `exit` is back in their own shell, untouched."""
    name = os.path.basename(env.get("SHELL") or "bash")
    name = name if name in SHELLS else "bash"
    folder = os.path.join(demo.dir, "shell")
    os.makedirs(folder, exist_ok=True)
    user_home = env.get("HOME", "")
    if name == "zsh":
        user = env.get("ZDOTDIR") or user_home
        _write(os.path.join(folder, ".zshrc"),
               f'[[ -r {_q(user)}/.zshrc ]] && ZDOTDIR={_q(user)} source {_q(user)}/.zshrc\n'
               'eval "$(fuzzyaws init zsh)"\n'
               'autoload -Uz compinit && compinit -u\n'
               'eval "$(fuzzyaws completion zsh)"\n'
               "PS1=\"(demo) $PS1\"\n")
        argv, env = ["zsh", "-i"], {**env, "ZDOTDIR": folder}
    elif name == "bash":
        rc = os.path.join(folder, "bashrc")
        _write(rc, f'[[ -r {_q(user_home)}/.bashrc ]] && source {_q(user_home)}/.bashrc\n'
                   'eval "$(fuzzyaws init bash)"\n'
                   'source <(fuzzyaws completion bash)\n'
                   'PS1="(demo) $PS1"\n')
        argv = ["bash", "--rcfile", rc, "-i"]
    else:
        argv = ["fish", "-C", "fuzzyaws init fish | source; functions -c fish_prompt __fuzzyaws_user_prompt; "
                              "function fish_prompt; echo -n '(demo) '; __fuzzyaws_user_prompt; end"]
    app.console.info(f"a {name} on the demo fleet: try `fuzzyaws ls`, Ctrl-G, `fuzzyaws connect`; "
                     "`exit` to leave")
    return app.child(argv + args, env=env)


def _q(text: str) -> str:
    import shlex
    return shlex.quote(text)


def _write(path: str, text: str) -> None:
    with open(path, "w") as fh:
        fh.write(text)
