"""Running the CLI against the fake AWS: in this process (`cli(...)`, the way most tests
run, as httpie tests with its MockEnvironment) or as a subprocess (`cli.process(...)`,
`cli.start(...)`) where the process itself is the point."""
from __future__ import annotations

import io
import os
import subprocess
import sys
from dataclasses import dataclass

from fuzzyaws.cli import execute
from fuzzyaws.console import Console


class Answers:
    """A terminal that answers confirmation prompts with the given lines, and records them."""

    def __init__(self, *answers: str):
        self.answers = list(answers)
        self.asked: list = []

    def __call__(self):
        terminal = self

        class Tty(io.BytesIO):
            def write(self, data):
                terminal.asked.append(data.decode())
                return len(data)

            def readline(self, *_):
                return (terminal.answers.pop(0) + "\n").encode() if terminal.answers else b""

        return Tty()


def exec_as_child(argv: list, env: dict) -> int:
    """What replaces exec in-process: the program runs as a child, its status returned."""
    return subprocess.run(argv, env=env, stdin=subprocess.DEVNULL).returncode


@dataclass
class CLI:
    """`fuzzyaws` with the fake AWS's env, a private cache and config dir."""
    aws: object
    home: str
    account: str = "123456789012"
    region: str = "us-east-1"
    extra: dict = None

    @property
    def cache_dir(self) -> str:
        return os.path.join(self.home, "cache")

    def __post_init__(self):
        # written once: the AWS config files' mtimes are part of the cached plan's key
        self._base = self.aws.env(self.account, self.region, base=os.environ)

    def env(self, **more) -> dict:
        env = {k: v for k, v in self._base.items() if not k.startswith("FUZZYAWS_")}
        env.update(FUZZYAWS_CACHE_DIR=self.cache_dir, XDG_CONFIG_HOME=os.path.join(self.home, "config"),
                   HOME=self.home, LANG="C.UTF-8")
        env.update(self.extra or {})
        env.update(more)
        return env

    def __call__(self, *args, env=None, input=None, tty=None, picker=None, timeout=None) -> subprocess.CompletedProcess:
        """Run in this process: the status, stdout and stderr as a subprocess would give them."""
        env = env or self.env()
        out, err = io.StringIO(), io.StringIO()
        console = Console(stdin=io.StringIO(input or ""), stdout=out, stderr=err,
                          tty=tty or (lambda: None))
        saved = dict(os.environ)
        os.environ.clear()
        os.environ.update(env)  # boto3 reads the process environment
        cwd = os.getcwd()
        os.chdir(self.home)
        try:
            status = execute(list(args), env, console, picker=picker, become=exec_as_child)
        finally:
            os.chdir(cwd)
            os.environ.clear()
            os.environ.update(saved)
        return subprocess.CompletedProcess(list(args), status, out.getvalue(), err.getvalue())

    def process(self, *args, env=None, input=None, timeout=120) -> subprocess.CompletedProcess:
        """Run as a subprocess, the way a user does."""
        return subprocess.run([sys.executable, "-m", "fuzzyaws", *args], env=env or self.env(),
                              capture_output=True, text=True, cwd=self.home, input=input,
                              timeout=timeout)

    def start(self, *args, env=None, **kw) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "fuzzyaws", *args], env=env or self.env(),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                cwd=self.home, **kw)
