"""One bounded pool of worker threads per run, for every AWS call that can overlap.

Shards are its tasks; a shard's own independent calls (`gather`) are tasks of the same
pool, so threads stay bounded however many accounts × regions there are, and nothing
waits on a nested pool. A task waiting in `gather` runs its own still-queued sub-tasks
itself, so the pool cannot deadlock on tasks waiting for tasks.

The threads are daemons and the caller waits in short slices: Ctrl-C reaches the main
thread at once, `cancel()` drops what is queued, and calls in flight are abandoned
(the process exits without waiting for them).
"""
from __future__ import annotations

import threading
from collections import deque
from queue import Empty, SimpleQueue


class Cancelled(Exception):
    """The pool was cancelled before the task ran."""


class Task:
    def __init__(self, fn, finished=None):
        self.fn = fn
        self._finished = finished  # a queue told when this task is done
        self.done = threading.Event()
        self.result = None
        self.error: "BaseException | None" = None
        self._claimed = False
        self._claim_lock = threading.Lock()

    def claim(self) -> bool:
        """True for exactly one caller: the one that runs it."""
        with self._claim_lock:
            if self._claimed:
                return False
            self._claimed = True
            return True

    def run(self) -> None:
        try:
            self.result = self.fn()
        except BaseException as exc:  # noqa: BLE001 - handed to whoever waits for it
            self.error = exc
        finally:
            self.finish()

    def finish(self) -> None:
        self.done.set()
        if self._finished is not None:
            self._finished.put(self)

    def get(self):
        self.done.wait()
        if self.error is not None:
            raise self.error
        return self.result


class Pool:
    def __init__(self, size: int, on_exit=None):
        self.size = max(1, size)
        self._on_exit = on_exit  # run by each thread as it ends (to close what it opened)
        self._queue: deque = deque()
        self._cond = threading.Condition()
        self._threads: list = []
        self._idle = 0
        self._cancelled = False

    def submit(self, fn, finished=None) -> Task:
        task = Task(fn, finished)
        with self._cond:
            if self._cancelled:
                task.error = Cancelled()
                task.finish()
                return task
            self._queue.append(task)
            if self._idle == 0 and len(self._threads) < self.size:
                thread = threading.Thread(target=self._work, name=f"fuzzyaws-{len(self._threads)}",
                                          daemon=True)
                self._threads.append(thread)
                thread.start()
            self._cond.notify()
        return task

    def _work(self) -> None:
        try:
            while True:
                with self._cond:
                    self._idle += 1
                    while not self._queue and not self._cancelled:
                        self._cond.wait()
                    self._idle -= 1
                    if self._cancelled:
                        return
                    task = self._queue.popleft()
                if task.claim():
                    task.run()
        finally:
            if self._on_exit is not None:
                self._on_exit()

    def gather(self, *calls) -> list:
        """The results of `calls` (no-argument functions), run concurrently on the pool;
        the first exception is raised. Safe to call from a task of the same pool."""
        if len(calls) <= 1 or self.size == 1:
            return [call() for call in calls]
        tasks = [self.submit(call) for call in calls[1:]]
        first = calls[0]()
        return [first] + self.results(tasks)

    def results(self, tasks: list) -> list:
        """The results of `tasks` (submitted), in order; the first exception is raised.
        Those still queued are run here rather than waited for: safe from a task."""
        for task in tasks:
            if task.claim():
                task.run()
        return [task.get() for task in tasks]

    def each(self, calls, done) -> None:
        """Run `calls` on the pool, calling `done(task)` in this thread as each finishes.
        Waits in short slices, so that Ctrl-C is seen at once."""
        finished: SimpleQueue = SimpleQueue()
        tasks = [self.submit(call, finished) for call in calls]
        for _ in tasks:
            while True:
                try:
                    task = finished.get(timeout=0.2)
                    break
                except Empty:
                    continue
            done(task)

    def close(self) -> None:
        """End the threads once the work is done."""
        self.cancel()
        for thread in self._threads:
            thread.join()

    def cancel(self) -> None:
        """Drop every queued task and end the idle threads; running ones are abandoned."""
        with self._cond:
            self._cancelled = True
            for task in self._queue:
                if task.claim():
                    task.error = Cancelled()
                    task.finish()
            self._queue.clear()
            self._cond.notify_all()
