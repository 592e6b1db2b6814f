"""The peaks of a process and of the processes it starts, read from /proc while it runs:
for tests/test_org_scale.py, tests/test_ec2_xml.py and bench/org.py."""
from __future__ import annotations

import glob
import os
import threading


def descendants(pid: int) -> list:
    """`pid` and every process it started, and they started, while they run (a process's
    children are listed under the thread that started each: a pool's thread, say)."""
    found, todo = [], [pid]
    while todo:
        pid = todo.pop()
        found.append(pid)
        for path in glob.glob(f"/proc/{pid}/task/*/children"):
            try:
                with open(path) as fh:
                    todo += [int(child) for child in fh.read().split()]
            except OSError:  # it has ended (or is ending)
                pass
    return found


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
            tree = descendants(self.pid)
            self.processes = max(self.processes, len(tree))
            for pid in tree:
                try:
                    self.fds = max(self.fds, len(os.listdir(f"/proc/{pid}/fd")))
                    with open(f"/proc/{pid}/status") as fh:
                        status = dict(line.split(":", 1) for line in fh)
                    self.threads = max(self.threads, int(status["Threads"]))
                    self.rss_kb = max(self.rss_kb, int(status["VmHWM"].split()[0]))
                except (OSError, KeyError, ValueError):  # it has ended (or is ending)
                    pass
            self.stopped.wait(self.every)
