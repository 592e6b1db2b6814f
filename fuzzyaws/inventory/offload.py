"""Large pages read into records on another core, while the next page is fetched.

A shard's pages come one after another (each holds the token of the next), and one
process reads them on one core at a time (the GIL). For an account of 100,000 instances,
reading each page of 1,000 (~45 ms) was on that chain, after the page's own round trip.
`Reader.read(fn, *args)` sends the call to a child process, which runs `fn(*args)` (an
importable function: pickle sends it by name) and sends the result back, so the chain is
left with the round trips alone. The child imports neither boto3 nor botocore.

The child starts on first use and ends with the run (or at once when its parent is gone:
its stdin closes). It runs in a session of its own, so Ctrl-C is the parent's alone. If
it cannot be started or dies, each call left raises OffloadError: the caller reads the
page itself.
"""
from __future__ import annotations

import os
import pickle
import subprocess
import sys
import threading
from collections import deque

from fuzzyaws.workers import Task


class OffloadError(Exception):
    """The reading process could not do the call."""


class Reader:
    def __init__(self, env: dict):
        self._env = env
        # held while a call is sent, so that the tasks waiting are in the order sent; never
        # by the thread reading the answers, which must go on reading while a send waits
        # for the child to read (the child may be waiting for its answer to be read)
        self._sending = threading.Lock()
        self._waiting: deque = deque()  # tasks sent, answered in the order sent
        self._proc = None
        self._broken = False

    def read(self, fn, *args) -> Task:
        """`fn(*args)` in the child; the task's get() gives its result or raises."""
        task = Task(None)
        with self._sending:
            try:
                request = pickle.dumps((fn, args), protocol=pickle.HIGHEST_PROTOCOL)
                self._start()
                self._waiting.append(task)
                self._proc.stdin.write(request)
                self._proc.stdin.flush()
            except Exception as exc:  # noqa: BLE001 - not started, gone, or not to be sent
                self._broken = True
                try:
                    self._waiting.remove(task)
                except ValueError:  # not sent, or failed already by the thread reading answers
                    if task.done.is_set():
                        return task
                task.error = OffloadError(f"cannot reach the reading process: {exc}")
                task.finish()
        return task

    def _start(self) -> None:
        if self._broken:
            raise OSError("it ended")
        if self._proc is None:
            self._proc = subprocess.Popen([sys.executable, "-m", "fuzzyaws.inventory.offload"],
                                          stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                          stderr=subprocess.DEVNULL, env=self._env, start_new_session=True)
            threading.Thread(target=self._answers, daemon=True).start()

    def _answers(self) -> None:
        out = self._proc.stdout
        try:
            while True:
                ok, value = pickle.load(out)
                task = self._waiting.popleft()
                if ok:
                    task.result = value
                else:
                    task.error = OffloadError(value)
                task.finish()
        except Exception:  # noqa: BLE001 - ended, or not making sense: the callers read themselves
            pass
        # no answer will come: the child is ended (a send then fails at once, so that the
        # lock is free), the calls sent fail, and so does every call from now on
        self._broken = True
        self._proc.kill()
        with self._sending:
            while self._waiting:
                task = self._waiting.popleft()
                task.error = OffloadError("the reading process ended")
                task.finish()

    def close(self) -> None:
        with self._sending:
            proc, self._broken = self._proc, True
        if proc is None:
            return
        try:
            proc.stdin.close()
            proc.wait(timeout=2)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait()


def main() -> int:
    """The child's side: answer each (fn, args) read on stdin with (ok, result or error)."""
    requests, out = sys.stdin.buffer, sys.stdout.buffer
    while True:
        try:
            fn, args = pickle.load(requests)
        except EOFError:  # the run is over, or its process is gone
            return 0
        try:
            answer = (True, fn(*args))
        except Exception as exc:  # noqa: BLE001 - the caller reads the page itself and says why
            answer = (False, f"{type(exc).__name__}: {exc}")
        try:
            out.write(pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL))
            out.flush()
        except OSError:
            return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception:  # noqa: BLE001 - its parent sees the pipe close and reads itself
        os._exit(1)
