"""A large organization's refresh on every core: its accounts split among child processes.

One Python process parses responses on one core at a time (the GIL), and an
organization's refresh is CPU-bound: botocore's parsing of 300 accounts × 17 regions of
answers alone outlasts every wait on the network. So when there are enough shards of
`[org]` accounts (assumed roles), the accounts are split among `processes` (one per core
by default): the parent keeps a share and everything else (its profiles, a source), and
each child refreshes the shards of its accounts into the same cache, which is safe across
processes (each shard is fetched under its lock, writes are serialized by an flock, and
every write renews the views' generation).

A child is `python -m fuzzyaws.inventory.processes`: it reads the settings, its targets,
its jobs and the roles' credentials the parent already assumed (so no role is assumed
twice) as one pickle on stdin, and writes each shard's Outcome as a pickle on stdout as
it finishes, for the parent to report as its own; what it says on stderr, the parent says;
what its cache could not write (a full disk), it hands the parent last (`Kept`), so that
the run still lists it.
A child that dies has its shards reported failed. A child runs in a session of its own, so
Ctrl-C reaches the parent only, which ends its children; a child whose parent is gone
ends at its next shard.
"""
from __future__ import annotations

import os
import pickle
import subprocess
import sys
import threading
from collections import Counter

SHARDS_PER_PROCESS = 200  # fewer are not worth a process's start (~0.3 s of CPU)


def split(jobs: list, processes: int) -> tuple:
    """(the parent's jobs, [each child's jobs]): the jobs of accounts reached through a
    role, whole accounts at a time (an account's listings and its role stay in one
    process), spread so that each process gets about as many shards."""
    movable = Counter(target.account for _, target, _ in jobs if target.role_arn and not target.source)
    count = min(processes, sum(movable.values()) // SHARDS_PER_PROCESS, len(movable))
    if count <= 1:
        return jobs, []
    loads = [len(jobs) - sum(movable.values())] + [0] * (count - 1)
    where = {}
    for account, shards in movable.most_common():  # the largest first, each to the least loaded
        part = loads.index(min(loads))
        where[account], loads[part] = part, loads[part] + shards
    parts: list = [[] for _ in range(count)]
    for job in jobs:
        parts[where.get(job[1].account, 0)].append(job)
    return parts[0], parts[1:]


def count(settings) -> int:
    return settings.processes or os.cpu_count() or 1


class Kept:
    """What a child's cache could not write (Cache.kept()), for the parent's to keep."""

    def __init__(self, values: dict, deleted: set):
        self.values, self.deleted = values, deleted


class Child:
    """A child refreshing `jobs`; `follow(done, warn)` reports each Outcome as it comes."""

    def __init__(self, app, jobs: list, targets: list, started: float, force: bool):
        accounts = {target.account for _, target, _ in jobs}
        order = {"settings": app.settings, "jobs": jobs, "started": started, "force": force,
                 "targets": [t for t in targets if t.account in accounts],
                 "roles": app.aws.sessions.assumed()}
        self.jobs, self.cache = jobs, app.cache
        # in a session of its own: Ctrl-C is the parent's, which ends its children; what it
        # says on stderr is said by the parent (held back while a picker owns the terminal)
        self.proc = subprocess.Popen([sys.executable, "-m", "fuzzyaws.inventory.processes"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     env=app.env, start_new_session=True)
        # sent from a thread: the child reads it once it has imported botocore (~0.5 s),
        # which this process spends on its own shards
        threading.Thread(target=self._send, args=(pickle.dumps(order),), daemon=True).start()
        self.thread: "threading.Thread | None" = None

    def _send(self, order: bytes) -> None:
        try:
            self.proc.stdin.write(order)
            self.proc.stdin.close()
        except OSError:  # it died at once: follow() reports its shards
            pass

    def follow(self, done, warn) -> None:
        """Report its outcomes with `done(outcome)`, in a thread of its own; then its
        warnings with `warn(text, once=text)`, and, if it ended early, its other shards as
        failed."""
        said: list = []
        drain = threading.Thread(target=lambda: said.extend(self.proc.stderr), daemon=True)
        drain.start()

        def read():
            from fuzzyaws.aws.errors import AwsError
            from fuzzyaws.console import PREFIX
            from fuzzyaws.inventory.refresh import Outcome
            seen = set()
            try:
                while True:
                    outcome = pickle.load(self.proc.stdout)
                    if isinstance(outcome, Kept):
                        self.cache.keep(outcome.values, outcome.deleted)
                        continue
                    seen.add(outcome.sid)
                    done(outcome)
            except (EOFError, OSError, pickle.UnpicklingError):
                pass
            status = self.proc.wait()
            drain.join()
            for line in said:
                text = line.decode("utf-8", "replace").rstrip("\n")
                text = text.removeprefix(PREFIX).removeprefix("warning: ")
                if text:
                    warn(text, once=text)
            error = AwsError(f"a refresh process ended early (exit status {status})")
            for sid, _, _ in self.jobs:
                if sid not in seen:
                    done(Outcome(sid=sid, status="failed", error=error))

        self.thread = threading.Thread(target=read, daemon=True)
        self.thread.start()

    def wait(self) -> None:
        while self.thread.is_alive():
            self.thread.join(0.2)  # in slices: Ctrl-C reaches the main thread at once

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


def main() -> int:
    """A child's side: refresh the jobs read on stdin, writing each Outcome to stdout."""
    from fuzzyaws.app import App
    from fuzzyaws.aws.errors import AwsError
    from fuzzyaws.inventory import refresh

    order = pickle.load(sys.stdin.buffer)
    out = sys.stdout.buffer
    app = App(order["settings"])
    app.aws.use(order["targets"], order["roles"])

    def send(data: bytes) -> None:
        try:
            out.write(data)
            out.flush()
        except OSError:  # the parent is gone: so is the point of going on
            os._exit(1)

    def done(outcome) -> None:
        try:
            send(pickle.dumps(outcome))
        except Exception:  # noqa: BLE001 - an error that cannot be pickled is sent as text
            send(pickle.dumps(outcome.replace(error=AwsError(str(outcome.error)))))

    try:
        refresh.run_shards(app, order["jobs"], order["targets"], order["started"], order["force"], done)
        if app.cache.in_memory:  # the disk refused it: the parent's run lists it all the same
            from fuzzyaws.inventory.processes import Kept as Handed  # not __main__'s: the parent unpickles it
            send(pickle.dumps(Handed(*app.cache.kept())))
    finally:
        app.close()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as exc:  # noqa: BLE001 - the parent reports this process's shards failed
        sys.stderr.write(f"fuzzyaws: a refresh process failed: {type(exc).__name__}: {exc}\n")
        sys.exit(1)
