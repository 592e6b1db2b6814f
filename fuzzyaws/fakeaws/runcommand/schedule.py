"""When each invocation of a new command starts and ends, planned once at SendCommand
so every later read is a pure function of the (fake) clock.

Hosts pick the command up in the order of InstanceIds, ``delivery_seconds`` after
the send. MaxConcurrency ("N" or "N%") holds back invocations beyond it as Pending
until a running one ends; once more than MaxErrors invocations failed or timed out,
those not yet started end Cancelled / Terminated. One that cannot start before the
delivery deadline never starts (DeliveryTimedOut); one that would run past the
execution timeout ends there (ExecutionTimedOut).
"""

from __future__ import annotations

import heapq
import math

from .simulation import SimulatedCommand


def resolve_limit(spec: str, total: int, minimum: int) -> int:
    """A MaxConcurrency / MaxErrors value ("N" or "N%" of total) as a count."""
    if spec.endswith("%"):
        return max(minimum, total * int(spec[:-1]) // 100)
    return int(spec)


def schedule(command: SimulatedCommand) -> None:
    """Plan when each invocation starts and ends: MaxConcurrency, MaxErrors, timeouts."""
    invocations = [command.invocations[i] for i in command.instance_ids]
    total = len(invocations)
    concurrency = resolve_limit(command.max_concurrency, total, 1)
    max_errors = resolve_limit(command.max_errors, total, 0)
    clock = command.requested + command.delivery_seconds  # starts happen in order
    deadline = command.delivery_deadline
    running: list[tuple[float, int]] = []  # (end, index)
    errors = 0
    stopped_at: float | None = None

    def finish(index: int, end: float) -> None:
        nonlocal errors, stopped_at
        inv = invocations[index]
        if inv.end_kind == "execution_timeout" or inv.exit_code != 0:
            errors += 1
            if errors > max_errors and stopped_at is None:
                stopped_at = end

    for index, inv in enumerate(invocations):
        if not inv.deliverable:
            continue  # never received: Delayed until the delivery deadline
        start = clock
        while True:
            while running and running[0][0] <= start:
                end, done = heapq.heappop(running)
                finish(done, end)
            if len(running) < concurrency:
                break
            end, done = heapq.heappop(running)
            if end == math.inf:
                start = math.inf
                break
            start = max(start, end)
            finish(done, end)
        clock = start
        if stopped_at is not None and stopped_at <= start:
            inv.terminated_at = stopped_at
            continue
        if start >= deadline:
            continue  # start stays None: DeliveryTimedOut at the deadline
        inv.start = start
        if inv.outcome == "never" or inv.run_seconds >= command.execution_timeout:
            inv.end = start + command.execution_timeout
            inv.end_kind = "execution_timeout"
        else:
            inv.end = start + inv.run_seconds
        heapq.heappush(running, (inv.end, index))
