"""The embedded demo, from the user's side: one fake AWS in the background (a moto server
with the demo fleet: fakeaws/demo_server.py) shared by every `fuzzyaws demo` command, with
its own persistent cache, AWS config and stand-ins for session-manager-plugin, ssh and
the database clients, all in one directory ($XDG_CACHE_HOME/fuzzyaws-demo).

The first command starts the server (two at once: one starts it, the other waits for it);
a later one only reads `server.json` and asks the server whether it is there, which is
cheap, and imports neither moto nor boto3 for what the warm path does. A server that
died or stopped answering is started again; the port it prefers being taken, it takes
another. `fuzzyaws demo stop` ends it; so do 30 minutes without a request.
"""
from __future__ import annotations

import json
import os
import socket
import sys
import time

from fuzzyaws.config import home
from fuzzyaws.status import UsageError

START_TIMEOUT = 180.0  # seconds to start moto and seed the fleet on a slow machine


def directory(env) -> str:
    base = env.get("XDG_CACHE_HOME") or os.path.join(home(env), ".cache")
    return os.path.join(base, "fuzzyaws-demo")


class Demo:
    def __init__(self, env: dict):
        self.env = env
        self.dir = directory(env)

    # -- the server -----------------------------------------------------------------------
    def running(self) -> "dict | None":
        """What server.json says of a server that answers, or None."""
        try:
            with open(os.path.join(self.dir, "server.json")) as fh:
                info = json.load(fh)
        except (OSError, ValueError):
            return None
        return info if _answers(info.get("endpoint", "")) else None

    def ensure(self, console) -> dict:
        """The running server, started (and waited for) if there is none."""
        info = self.running()
        if info is not None:
            return info
        os.makedirs(self.dir, mode=0o700, exist_ok=True)
        import fcntl
        with open(os.path.join(self.dir, "server.lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # another `demo` may be starting it right now
            info = self.running()
            if info is None:
                self._kill_stale()
                info = self._start(console)
        return info

    def _start(self, console) -> dict:
        import subprocess
        missing = [m for m in ("moto", "flask", "flask_cors") if not _installed(m)]
        if missing:
            raise UsageError(f"the demo needs moto[server] ({missing[0]} is missing): "
                             "pip install 'fuzzyaws[demo]'")
        console.info("starting the demo's fake AWS on 127.0.0.1 (once; `fuzzyaws demo stop` ends it)...")
        env = {k: v for k, v in self.env.items() if not k.startswith(("AWS_", "FUZZYAWS_"))}
        with open(os.path.join(self.dir, "server.log"), "ab") as log:
            proc = subprocess.Popen([sys.executable, "-I", "-m", "fuzzyaws.fakeaws.demo_server", self.dir],
                                    stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env,
                                    start_new_session=True)  # it outlives this command
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            info = self.running()
            if info is not None and info.get("pid") == proc.pid:
                return info
            if proc.poll() is not None:
                raise UsageError(f"the demo's fake AWS did not start: see {self.dir}/server.log")
            time.sleep(0.2)
        proc.kill()
        raise UsageError(f"the demo's fake AWS took too long to start: see {self.dir}/server.log")

    def _kill_stale(self) -> None:
        """A server.json left by a server that no longer answers: end it, forget it."""
        path = os.path.join(self.dir, "server.json")
        try:
            with open(path) as fh:
                pid = json.load(fh).get("pid")
            os.remove(path)
        except (OSError, ValueError):
            return
        _terminate(pid)

    def stop(self) -> bool:
        """End the server; False if none was running."""
        info = self.running()
        if info is None:
            self._kill_stale()
            return False
        _terminate(info.get("pid"))
        try:
            os.remove(os.path.join(self.dir, "server.json"))
        except OSError:
            pass
        return True

    # -- what a command in the demo runs with ---------------------------------------------
    def environment(self, info: "dict | None") -> dict:
        """The user's environment, minus their AWS and fuzzyaws settings, plus the demo's:
        its endpoint and keys, config, cache, and stand-ins first on PATH."""
        env = {k: v for k, v in self.env.items() if not k.startswith(("AWS_", "FUZZYAWS_"))}
        env.update((info or {}).get("files", {}))
        env.update(FUZZYAWS_CONFIG=os.path.join(self.dir, "config.toml"),
                   FUZZYAWS_CACHE_DIR=os.path.join(self.dir, "cache"), FUZZYAWS_DEMO="1",
                   PATH=os.pathsep.join([os.path.join(self.dir, "bin"), env.get("PATH", os.defpath)]))
        return env


def _installed(module: str) -> bool:
    import importlib.util
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # ValueError: a module set to None (blocked)
        return False


def _answers(endpoint: str) -> bool:
    """The fake AWS at `endpoint` answers its ping (which also counts as use)."""
    host, _, port = endpoint.removeprefix("http://").rstrip("/").partition(":")
    if not port.isdigit():
        return False
    try:
        with socket.create_connection((host, int(port)), timeout=2) as conn:
            conn.sendall(b"GET /fuzzyaws/ping HTTP/1.0\r\nHost: demo\r\n\r\n")
            status = conn.recv(64).split(b" ", 2)
            return len(status) > 1 and status[0].startswith(b"HTTP/1.") and status[1] == b"200"
    except OSError:
        return False


def _terminate(pid) -> None:
    import signal
    if not isinstance(pid, int) or pid <= 1:
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except OSError:
        return
    for _ in range(100):  # up to 10 s to close
        try:
            os.kill(pid, 0)
        except OSError:
            return
        time.sleep(0.1)
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass
