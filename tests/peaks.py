"""The peaks of a process and of the processes it starts, read from /proc while it runs:
for tests/test_org_scale.py and bench/org.py."""
from __future__ import annotations

import os
import threading


class Peaks(threading.Thread):
    """Peak open files, threads and RSS (the most any one of the processes reached) and how
    many processes there were at once, read every `every` seconds until `stopped` is set.
    RSS is VmHWM (high-water mark): wait4's ru_maxrss also counts the parent's RSS at the
    fork, before the exec (a pytest worker's hundreds of MB), which would hide a small child."""

    def __init__(self, pid: int, every: float = 0.01):
        super().__init__(daemon=True)
        self.pid, self.every = pid, every
        self.fds = self.threads = self.rss_kb = self.processes = 0
        self.stopped = threading.Event()

    def run(self):
        while not self.stopped.is_set():
            try:
                with open(f"/proc/{self.pid}/task/{self.pid}/children") as fh:
                    children = [int(child) for child in fh.read().split()]
            except OSError:
                children = []
            self.processes = max(self.processes, 1 + len(children))
            for pid in [self.pid] + children:
                try:
                    self.fds = max(self.fds, len(os.listdir(f"/proc/{pid}/fd")))
                    with open(f"/proc/{pid}/status") as fh:
                        status = dict(line.split(":", 1) for line in fh)
                    self.threads = max(self.threads, int(status["Threads"]))
                    self.rss_kb = max(self.rss_kb, int(status["VmHWM"].split()[0]))
                except (OSError, KeyError, ValueError):  # it has ended (or is ending)
                    pass
            self.stopped.wait(self.every)
