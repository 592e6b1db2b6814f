"""``aws.commands``: how Run Command ends on each host, the timing knobs, the fake's
clock, and the record of every SendCommand; also the store of the commands the
handlers simulate.

How each host's command ends is set per instance, before the send:

    aws.commands.set(ids, outcome="fail", exit_code=2, stderr="disk full\\n")
    aws.commands.set(ids, outcome="slow", seconds=4)
    aws.commands.set(ids, outcome="never")      # runs until its execution timeout
    aws.commands.set(ids, outcome="undelivered")  # Delayed until the delivery timeout

Outcomes: success (exit 0 after `seconds`, default run_seconds), fail (exit_code,
default 1, non-zero), slow (like success, after `seconds`, default slow_seconds;
takes exit_code too), never (InProgress until the execution timeout, then TimedOut /
ExecutionTimedOut, or forever), undelivered (Pending, then Delayed, then TimedOut /
DeliveryTimedOut when TimeoutSeconds has passed). stdout / stderr: see output.py.

Records: ``aws.commands.sent`` lists every accepted SendCommand (SentCommand);
``aws.commands.duplicates()`` the (account, region, instance) that got more than
one. ``aws.commands.advance(seconds)`` moves the fake's clock forward (delivery
timeouts are at least 30 s).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .output import default_stderr, default_stdout, render
from .schedule import schedule
from .simulation import Invocation, SimulatedCommand

OUTCOMES = ("success", "fail", "slow", "never", "undelivered")
FIELDS = {"outcome", "exit_code", "stdout", "stderr", "seconds"}
DEFAULTS: dict[str, Any] = {
    "outcome": "success",
    "exit_code": None,
    "stdout": default_stdout,
    "stderr": None,
    "seconds": None,
}


@dataclass(frozen=True)
class SentCommand:
    """One accepted SendCommand."""

    time: float
    account: str
    region: str
    command_id: str
    document: str
    instance_ids: tuple[str, ...]
    parameters: dict[str, list[str]]
    timeout_seconds: int
    execution_timeout: int
    max_concurrency: str
    max_errors: str
    comment: str

    @property
    def commands(self) -> list[str]:
        return list(self.parameters.get("commands", []))


class Commands:
    """Per-instance outcomes, timing knobs and the record of every SendCommand.
    Thread-safe; tests change it while the proxy serves."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._by_instance: dict[str, dict[str, Any]] = {}
        self._commands: dict[str, SimulatedCommand] = {}
        self.sent: list[SentCommand] = []
        self._reset_knobs()

    def _reset_knobs(self) -> None:
        self.defaults: dict[str, Any] = dict(DEFAULTS)
        self.delivery_seconds = 0.1  # Pending before a host picks the command up
        self.run_seconds = 0.2  # run time of success / fail
        self.slow_seconds = 3.0  # run time of slow, unless seconds= says otherwise
        self.invocation_delay = 0.5  # GetCommandInvocation: InvocationDoesNotExist until then
        self.list_delay = 0.0  # ListCommandInvocations: invocations left out until then
        self._skew = 0.0

    # -- settings ----------------------------------------------------------------

    def set(self, instance_ids: str | Iterable[str], **settings: Any) -> None:
        """How commands sent from now on end on these instances (see module doc)."""
        unknown = set(settings) - FIELDS
        if unknown:
            raise TypeError(f"unknown command settings {sorted(unknown)}; known: {sorted(FIELDS)}")
        outcome = settings.get("outcome")
        if outcome is not None and outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}")
        if outcome == "fail" and settings.get("exit_code") == 0:
            raise ValueError("outcome 'fail' needs a non-zero exit_code")
        if outcome == "success" and settings.get("exit_code") not in (None, 0):
            raise ValueError("outcome 'success' exits 0; use 'fail' (or 'slow') with exit_code")
        if isinstance(instance_ids, str):
            instance_ids = [instance_ids]
        with self._lock:
            for instance_id in instance_ids:
                self._by_instance.setdefault(instance_id, {}).update(settings)

    def get(self, instance_id: str) -> dict[str, Any]:
        with self._lock:
            return {**self.defaults, **self._by_instance.get(instance_id, {})}

    def clear(self) -> None:
        """Forget settings, commands and records; knobs back to their defaults."""
        with self._lock:
            self._by_instance.clear()
            self._commands.clear()
            self.sent.clear()
            self._reset_knobs()

    # -- the clock ----------------------------------------------------------------

    def now(self) -> float:
        return time.time() + self._skew

    def advance(self, seconds: float) -> None:
        """Move the fake's clock forward: timeouts of 30 s or more without the wait."""
        with self._lock:
            self._skew += seconds

    # -- records --------------------------------------------------------------------

    def sent_to(self, instance_id: str) -> list[SentCommand]:
        with self._lock:
            return [s for s in self.sent if instance_id in s.instance_ids]

    def send_counts(self) -> Counter:
        """(account, region, instance_id) -> number of accepted SendCommands naming it."""
        with self._lock:
            return Counter(
                (s.account, s.region, i) for s in self.sent for i in s.instance_ids
            )

    def duplicates(self) -> dict[tuple[str, str, str], int]:
        """The (account, region, instance_id) that were sent a command more than once."""
        return {key: n for key, n in self.send_counts().items() if n > 1}

    def status(self, command_id: str, instance_id: str) -> str:
        """An invocation's Status right now, as the API would report it."""
        with self._lock:
            command = self._commands[command_id]
            return command.invocations[instance_id].state(self.now(), command)[0]

    # -- the simulated commands, for the handlers -------------------------------------

    def start(
        self, sent: SentCommand, plugin: str, reachable: Mapping[str, bool]
    ) -> SimulatedCommand:
        """Simulate an accepted SendCommand from now on, and record it.

        reachable: instance id -> whether the host can receive commands (running,
        and its agent Online); one that cannot stays Delayed until the deadline.
        """
        with self._lock:
            now = self.now()
            command = SimulatedCommand(
                command_id=sent.command_id,
                account=sent.account,
                region=sent.region,
                document=sent.document,
                plugin=plugin,
                parameters=sent.parameters,
                comment=sent.comment,
                requested=now,
                timeout_seconds=sent.timeout_seconds,
                execution_timeout=sent.execution_timeout,
                max_concurrency=sent.max_concurrency,
                max_errors=sent.max_errors,
                delivery_seconds=self.delivery_seconds,
                visible_after=now + self.invocation_delay,
                listed_after=now + self.list_delay,
                instance_ids=list(sent.instance_ids),
            )
            for instance_id in sent.instance_ids:
                command.invocations[instance_id] = self._invocation(
                    command, instance_id, reachable[instance_id]
                )
            schedule(command)
            self._commands[command.command_id] = command
            self.sent.append(sent)
        return command

    def _invocation(
        self, command: SimulatedCommand, instance_id: str, reachable: bool
    ) -> Invocation:
        settings = self.get(instance_id)
        outcome = settings["outcome"]
        ctx = {
            "instance_id": instance_id,
            "account": command.account,
            "region": command.region,
            "command_id": command.command_id,
            "document": command.document,
            "commands": "\n".join(command.parameters.get("commands", [])),
        }
        exit_code = settings["exit_code"]
        if exit_code is None:
            exit_code = 1 if outcome == "fail" else 0
        stderr = settings["stderr"]
        if stderr is None and exit_code != 0:
            stderr = default_stderr
        seconds = settings["seconds"]
        if seconds is None:
            seconds = self.slow_seconds if outcome == "slow" else self.run_seconds
        return Invocation(
            instance_id=instance_id,
            ctx=ctx,
            outcome=outcome,
            exit_code=exit_code,
            stdout=render(settings["stdout"], ctx),
            stderr=render(stderr, ctx),
            run_seconds=float(seconds),
            deliverable=reachable and outcome != "undelivered",
        )

    def find(self, account: str, region: str, command_id: str) -> SimulatedCommand | None:
        """The command with this id sent from that account and region, if any."""
        with self._lock:
            command = self._commands.get(command_id)
        if command is None or command.account != account or command.region != region:
            return None
        return command

    def in_region(self, account: str, region: str) -> list[SimulatedCommand]:
        """The commands sent from that account and region, newest first."""
        with self._lock:
            commands = [
                c for c in self._commands.values() if c.account == account and c.region == region
            ]
        return sorted(commands, key=lambda c: c.requested, reverse=True)

    def cancel(self, command: SimulatedCommand, instance_ids: Sequence[str] = ()) -> None:
        """Cancel the invocations on instance_ids (all of them if none is given) now."""
        with self._lock:
            t = self.now()
            if not instance_ids:
                if command.cancelled_at is None:
                    command.cancelled_at = t
                return
            for instance_id in instance_ids:
                inv = command.invocations[instance_id]
                if inv.cancelled_at is None:
                    inv.cancelled_at = t
