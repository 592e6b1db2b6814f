"""The application: what every command runs against.

`cli.main` builds one App per run: the settings (the environment included), one console,
the cache (opened on first use, closed at the end) and AWS access (made on first use: it
imports boto3, which the warm path never does). Tests build one with a console on string
streams, the fake AWS's environment and a scripted picker, and run commands in-process.
"""
from __future__ import annotations

import os

from fuzzyaws.console import Console


class App:
    def __init__(self, settings, console: "Console | None" = None, *, flags: "dict | None" = None,
                 picker=None, become=None):
        self.settings = settings
        self.env = settings.env
        self.flags = flags or {}  # the global options given, for the commands fzf and ssh run
        # how a hint names us: inside the demo, `fuzzyaws demo refresh` is what works
        self.prog = "fuzzyaws demo" if self.env.get("FUZZYAWS_DEMO") else "fuzzyaws"
        self.console = console or Console()
        self._picker = picker  # a Picker for every pick (tests); None: by name, see picker()
        self._become = become
        self._cache = None
        self._aws = None

    @property
    def cache(self):
        if self._cache is None:
            from fuzzyaws.cache import Cache
            console = self.console
            self._cache = Cache(self.settings.cache_dir, default=self.settings.default_cache_dir,
                                warn=lambda cause, detail="": console.warn(
                                    f"{cause}: {detail}" if detail else cause, once=cause))
        return self._cache

    @property
    def aws(self):
        """AWS access for this run (aws/access.py); imports boto3 when first used."""
        if self._aws is None:
            from fuzzyaws.aws.access import Aws
            self._aws = Aws(self.settings, self.cache, warn=self.console.warn)
        return self._aws

    def picker(self, name: "str | None" = None):
        """The picker to show: `--picker NAME`, else the setting (auto: fzf if on PATH)."""
        if self._picker is not None:
            return self._picker
        from fuzzyaws.pickers import choose
        return choose(name or self.settings.picker, self.env)

    def become(self, argv: list, env: "dict | None" = None) -> int:
        """Hand the terminal to `argv` (the plugin, ssh) by replacing this process, as the
        AWS CLI does with session-manager-plugin. Returns only where replaced by tests."""
        if self._become is not None:
            return self._become(argv, {**self.env, **(env or {})})
        self.console.flush()
        self.close()
        os.execvpe(argv[0], argv, {**self.env, **(env or {})})
        return 1  # not reached

    def child(self, argv: list, extra: "dict | None" = None, env: "dict | None" = None, stdout=None) -> int:
        """Run `argv` in the foreground (in `env`, default ours, plus `extra`) and return its
        exit status. While it owns the terminal, Ctrl-C is its own (it cancels a psql query),
        not ours."""
        import signal
        import subprocess
        proc = subprocess.Popen(argv, env={**(self.env if env is None else env), **(extra or {})}, stdout=stdout)
        # ignored only once it runs: an ignored signal would be inherited across exec
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            return proc.wait()
        finally:
            signal.signal(signal.SIGINT, previous)

    def close(self) -> None:
        if self._cache is not None:
            self._cache.close()
