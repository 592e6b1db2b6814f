"""A real terminal for tests: a tmux server of its own, a pane running a command,
send-keys to type, capture-pane to read the screen — the way fzf tests its bindings."""
from __future__ import annotations

import os
import shlex
import subprocess
import time


class Tmux:
    def __init__(self, tmp_path, width: int = 160, height: int = 40):
        self.socket = str(tmp_path / "tmux.sock")
        self.width, self.height = width, height

    def _tmux(self, *args, check=True) -> str:
        return subprocess.run(["tmux", "-S", self.socket, *args], capture_output=True, text=True,
                              check=check).stdout

    def start(self, command: str, env: dict, cwd) -> None:
        """Run `command` (a shell command line) in a new session with exactly `env`."""
        exports = "".join(f"export {k}={shlex.quote(v)}; " for k, v in env.items()
                          if k.isidentifier())
        script = f"{exports}cd {shlex.quote(str(cwd))}; {command}"
        self._tmux("-f", os.devnull, "new-session", "-d", "-s", "t", "-x", str(self.width),
                   "-y", str(self.height), "env", "-i", "PATH=" + env.get("PATH", os.defpath),
                   "TERM=xterm-256color", "bash", "--norc", "--noprofile", "-c", script)

    def keys(self, *keys: str) -> None:
        self._tmux("send-keys", "-t", "t", *keys)

    def type(self, text: str) -> None:
        self._tmux("send-keys", "-t", "t", "-l", text)

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", "t", check=False)

    def wait_for(self, predicate, timeout: float = 15.0) -> str:
        """Poll the screen until predicate(screen) is true; the last screen either way."""
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if predicate(screen) or time.monotonic() > deadline:
                return screen
            time.sleep(0.1)

    def mark_two_and_answer(self, ready, answer: str = "y", timeout: float = 15.0) -> str:
        """In a picker whose screen satisfies `ready`: mark two rows, accept them, and answer
        the [y/N] question that follows; the screen that asked it."""
        self.wait_for(ready, timeout)
        self.keys("Tab", "Tab", "Enter")
        screen = self.wait_for(lambda s: "[y/N]" in s, timeout)
        self.type(answer)
        self.keys("Enter")
        return screen

    def alive(self) -> bool:
        return "t" in self._tmux("list-sessions", "-F", "#{session_name}", check=False).split()

    def wait_exit(self, timeout: float = 15.0) -> bool:
        deadline = time.monotonic() + timeout
        while self.alive() and time.monotonic() < deadline:
            time.sleep(0.1)
        return not self.alive()

    def kill(self) -> None:
        self._tmux("kill-server", check=False)

    def set_option(self, name: str, value: str) -> None:
        """A server option (`set-clipboard on`: applications may set tmux's buffer)."""
        self._tmux("set-option", "-s", name, value)

    def buffer(self) -> str:
        """tmux's newest paste buffer ("" if there is none)."""
        return self._tmux("show-buffer", check=False)
