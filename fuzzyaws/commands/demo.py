"""`fuzzyaws demo COMMAND...`: run any command against an embedded fake AWS (moto behind
fuzzyaws.fakeaws's proxy) seeded with a demo fleet, with a throwaway cache and AWS config.

The command runs in this process (the fake AWS lives in its threads), in an environment
pointing at it; child processes, such as fzf's preview command, inherit that environment.
"""
from __future__ import annotations

import importlib.util
import os
import tempfile

from fuzzyaws.status import UsageError


def run(app, opts) -> int:
    missing = [m for m in ("moto", "flask", "flask_cors") if importlib.util.find_spec(m) is None]
    if missing:
        raise UsageError(f"the demo needs moto[server] ({missing[0]} is missing): "
                         "pip install 'fuzzyaws[demo]'")
    argv = list(opts.argv) or ["ls"]
    if argv[0] == "demo":
        raise UsageError("the demo is already a demo")
    from fuzzyaws.cli import execute
    from fuzzyaws.fakeaws import FakeAWS, Fleet
    from fuzzyaws.fakeaws.demo import ACCOUNT_NAMES, REGIONS

    app.console.info("starting the demo fleet (fake AWS on 127.0.0.1)...")
    with FakeAWS() as aws, tempfile.TemporaryDirectory(prefix="fuzzyaws-demo-") as tmp:
        Fleet(aws).demo()
        profiles = {name: account for account, name in ACCOUNT_NAMES.items()}
        env = {k: v for k, v in app.env.items() if not k.startswith(("AWS_", "FUZZYAWS_"))}
        env.update(aws.write_aws_config(os.path.join(tmp, "aws"), profiles))
        config = os.path.join(tmp, "config.toml")  # the user's own config must not leak in
        with open(config, "w") as fh:
            fh.write(f"profiles = {list(profiles)!r}\nregions = {list(REGIONS)!r}\n")
        env.update(FUZZYAWS_CONFIG=config, FUZZYAWS_CACHE_DIR=os.path.join(tmp, "cache"))
        # boto3 reads the process environment: the demo's, for the command it runs
        saved = dict(os.environ)
        os.environ.clear()
        os.environ.update(env)
        try:
            return execute(_globals(app.flags) + argv, env, app.console)
        finally:
            os.environ.clear()
            os.environ.update(saved)


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
