"""A sent command as the fake simulates it: each invocation's planned start and end
(schedule.py fills them in) and, from those, its Status at any time t:

    Pending --delivery--> InProgress --run time--> Success | Failed | TimedOut

The two timeouts are the real API's, which are easy to mix up:
- ``TimeoutSeconds`` is the *delivery* timeout: "If this time is reached and the
  command hasn't already started running, it won't run." It never stops a command
  that is running: Pending (or Delayed, for a host that never gets it) becomes
  TimedOut / DeliveryTimedOut.
- the ``executionTimeout`` parameter is the *execution* timeout: a command still
  running then is killed, TimedOut / ExecutionTimedOut with ResponseCode 137.
Cancelled / Cancelled comes from CancelCommand, Cancelled / Terminated from MaxErrors.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

TERMINAL = {"Success", "Failed", "TimedOut", "Cancelled"}
TIMEOUT_EXIT_CODE = 137  # the Linux agent's CommandStoppedPreemptivelyExitCode (128 + SIGKILL)


@dataclass
class Invocation:
    """One instance's run of a command."""

    instance_id: str
    ctx: dict[str, Any]
    outcome: str
    exit_code: int
    stdout: str
    stderr: str
    run_seconds: float
    deliverable: bool
    start: float | None = None  # None: never starts (see SimulatedCommand.delivery_deadline)
    end: float = math.inf
    end_kind: str = "exit"  # exit | execution_timeout
    terminated_at: float | None = None  # stopped by MaxErrors before starting
    cancelled_at: float | None = None

    def state(self, t: float, command: SimulatedCommand) -> tuple[str, str, int]:
        """(Status, StatusDetails, ResponseCode) at time t."""
        cancelled = self.cancelled_at if self.cancelled_at is not None else command.cancelled_at
        if cancelled is not None and t >= cancelled and not self._ended_by(cancelled, command):
            code = TIMEOUT_EXIT_CODE if self.started_by(cancelled) else -1
            return "Cancelled", "Cancelled", code
        if self.terminated_at is not None and t >= self.terminated_at:
            return "Cancelled", "Terminated", -1
        deadline = command.delivery_deadline
        if self.start is None or self.start > t:
            if self.start is None and t >= deadline:
                return "TimedOut", "DeliveryTimedOut", -1
            if not self.deliverable and t >= command.requested + command.delivery_seconds:
                return "Delayed", "Delayed", -1
            return "Pending", "Pending", -1
        if t < self.end:
            return "InProgress", "InProgress", -1
        if self.end_kind == "execution_timeout":
            return "TimedOut", "ExecutionTimedOut", TIMEOUT_EXIT_CODE
        if self.exit_code == 0:
            return "Success", "Success", 0
        return "Failed", "Failed", self.exit_code

    def started_by(self, t: float) -> bool:
        return self.start is not None and self.start <= t

    def _ended_by(self, t: float, command: SimulatedCommand) -> bool:
        if self.terminated_at is not None and self.terminated_at <= t:
            return True
        if self.start is None:
            return command.delivery_deadline <= t
        return self.end <= t


@dataclass
class SimulatedCommand:
    """One accepted SendCommand and its invocations, in the order of InstanceIds."""

    command_id: str
    account: str
    region: str
    document: str
    plugin: str
    parameters: dict[str, list[str]]
    comment: str
    requested: float
    timeout_seconds: int
    execution_timeout: int
    max_concurrency: str
    max_errors: str
    delivery_seconds: float
    visible_after: float  # GetCommandInvocation
    listed_after: float  # ListCommandInvocations
    instance_ids: list[str]
    invocations: dict[str, Invocation] = field(default_factory=dict)
    cancelled_at: float | None = None

    @property
    def delivery_deadline(self) -> float:
        return self.requested + self.timeout_seconds
