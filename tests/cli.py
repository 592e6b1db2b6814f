"""Running the CLI the way a user does: a subprocess, against the fake AWS."""
from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass


@dataclass
class CLI:
    """`fuzzyaws` as a subprocess with the fake AWS's env, a private cache and config dir."""
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

    def start(self, *args, env=None, **kw) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "fuzzyaws", *args], env=env or self.env(),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                cwd=self.home, **kw)

    def __call__(self, *args, env=None, input=None, timeout=120) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "fuzzyaws", *args], env=env or self.env(),
                              capture_output=True, text=True, cwd=self.home, input=input,
                              timeout=timeout)
