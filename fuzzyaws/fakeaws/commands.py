"""SSM Run Command, answered by the proxy: SendCommand, ListCommandInvocations,
GetCommandInvocation, ListCommands, CancelCommand.

moto's SendCommand adds every instance of the region when given InstanceIds and
it has no ListCommandInvocations, so the proxy keeps its own commands, per
account and region, and simulates each invocation against the wall clock:

    Pending --delivery_seconds--> InProgress --run time--> Success | Failed | TimedOut

How each host's command ends is set per instance, before the send:

    aws.commands.set(ids, outcome="fail", exit_code=2, stderr="disk full\\n")
    aws.commands.set(ids, outcome="slow", seconds=4)
    aws.commands.set(ids, outcome="never")      # runs until its execution timeout
    aws.commands.set(ids, outcome="undelivered")  # Delayed until the delivery timeout

Outcomes: success (exit 0 after `seconds`, default run_seconds), fail (exit_code,
default 1, non-zero), slow (like success, after `seconds`, default 3; takes
exit_code too), never (InProgress until the execution timeout, then TimedOut /
ExecutionTimedOut with ResponseCode 137, or forever), undelivered (Pending, then
Delayed, then TimedOut / DeliveryTimedOut when TimeoutSeconds has passed).
stdout / stderr are literal strings or callables of one dict (instance_id,
account, region, command_id, document, commands: the Parameters' commands
joined by newlines). The default stdout names the instance and echoes the
commands, so a test sees what ran where.

The two timeouts are the real API's, which are easy to mix up:
- ``TimeoutSeconds`` (30..2592000, default 3600) is the *delivery* timeout: "If
  this time is reached and the command hasn't already started running, it won't
  run." It never stops a command that is running.
- ``Parameters={"executionTimeout": ["120"]}`` (1..172800, default 3600) is the
  *execution* timeout of AWS-RunShellScript / AWS-RunPowerShellScript: a command
  still running then is killed, TimedOut / ExecutionTimedOut.
So a client that wants its --timeout enforced on the hosts sends executionTimeout.

Which instance ids SendCommand accepts (the whole call fails otherwise, as the
real API does, with ``InvalidInstanceId: Instances [[i-...]] not in a valid state
for account ACCOUNT``): the instance exists in moto's EC2 state of the caller's
account and region, is not terminated / shutting down, and is registered with SSM
(SsmSettings managed=True, ping_status not Inactive). An accepted instance that is
not running or not Online (ConnectionLost) gets its invocation but never receives
it: Delayed, then DeliveryTimedOut, as the real service does for stopped or
disconnected nodes. AWS-RunShellScript to a Windows instance fails the whole call
with UnsupportedPlatformType. More than 50 InstanceIds: ValidationException.

Output, as the SSM agent builds it (amazon-ssm-agent, iohandler.go):
- GetCommandInvocation: StandardOutputContent is the first 24,000 bytes of stdout,
  StandardErrorContent the first 8,000 bytes of stderr, no truncation marker.
- ListCommandInvocations(Details=True): the plugin's Output is stdout and stderr
  joined by "\\n----------ERROR-------\\n" and cut to 2,500 bytes, with
  "\\n---Output truncated---" / "\\n---Error truncated----" where it was cut.
- A non-zero exit appends "failed to run commands: exit status N" to stderr.

Eventual consistency, as the docs warn: GetCommandInvocation answers
InvocationDoesNotExist for ``invocation_delay`` seconds after the send (default
0.5); ListCommandInvocations leaves a new command's invocations out for
``list_delay`` seconds (default 0, set it to test a poller that mistakes an empty
page for "all done").

MaxConcurrency ("50" by default, "N" or "N%") holds back invocations beyond it as
Pending until a slot frees; once more than MaxErrors ("0" by default) invocations
failed or timed out, those not yet started end Cancelled / Terminated.

Records: ``aws.commands.sent`` lists every accepted SendCommand (SentCommand);
``aws.commands.duplicates()`` the (account, region, instance) that got more than
one. ``aws.commands.advance(seconds)`` moves the fake's clock forward (delivery
timeouts are at least 30 s).
"""

from __future__ import annotations

import heapq
import math
import re
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from .errors import AwsError
from .local import LocalRequest, local
from .ssm import _INSTANCE_ID, _offset, _token

OUTCOMES = ("success", "fail", "slow", "never", "undelivered")
FIELDS = {"outcome", "exit_code", "stdout", "stderr", "seconds"}
DOCUMENTS = {
    "AWS-RunShellScript": {"plugin": "aws:runShellScript", "platforms": {"Linux", "MacOS"}},
    "AWS-RunPowerShellScript": {
        "plugin": "aws:runPowerShellScript",
        "platforms": {"Windows", "Linux", "MacOS"},
    },
}
DOCUMENT_PARAMETERS = {"commands", "workingDirectory", "executionTimeout"}
MAX_INSTANCE_IDS = 50
DEFAULT_TIMEOUT_SECONDS = 3600  # delivery timeout
DEFAULT_EXECUTION_TIMEOUT = 3600
TIMEOUT_EXIT_CODE = 137  # the Linux agent's CommandStoppedPreemptivelyExitCode (128 + SIGKILL)

# the agent's limits (amazon-ssm-agent iohandler.go)
PLUGIN_OUTPUT_LIMIT = 2500
STDOUT_LIMIT = 24000
STDERR_LIMIT = 8000
_ERROR_TITLE = "\n----------ERROR-------\n"
_TRUNC_OUT = "\n---Output truncated---"
_TRUNC_ERR = "\n---Error truncated----"

_COMMAND_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_MAX_CONCURRENCY = re.compile(r"^([1-9][0-9]*|[1-9][0-9]%|[1-9]%|100%)$")
_MAX_ERRORS = re.compile(r"^([1-9][0-9]*|[0]|[1-9][0-9]%|[0-9]%|100%)$")

TERMINAL = {"Success", "Failed", "TimedOut", "Cancelled"}


def _default_stdout(ctx: dict) -> str:
    return (
        f"fakeaws ran on {ctx['instance_id']} ({ctx['account']}/{ctx['region']}):\n"
        f"{ctx['commands']}\n"
    )


def _default_stderr(ctx: dict) -> str:
    return f"fakeaws: simulated failure on {ctx['instance_id']}\n"


DEFAULTS: dict[str, Any] = {
    "outcome": "success",
    "exit_code": None,
    "stdout": _default_stdout,
    "stderr": None,
    "seconds": None,
}


class Commands:
    """Per-instance outcomes, timing knobs and the record of every SendCommand.
    Thread-safe; tests change it while the proxy serves."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._by_instance: dict[str, dict[str, Any]] = {}
        self._commands: dict[str, _Command] = {}
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

    # -- internals used by the handlers ----------------------------------------------

    def _add(self, command: _Command, record: SentCommand) -> None:
        with self._lock:
            self._commands[command.command_id] = command
            self.sent.append(record)

    def _find(self, account: str, region: str, command_id: str) -> _Command | None:
        with self._lock:
            command = self._commands.get(command_id)
        if command is None or command.account != account or command.region != region:
            return None
        return command

    def _all(self, account: str, region: str) -> list[_Command]:
        with self._lock:
            commands = [
                c for c in self._commands.values() if c.account == account and c.region == region
            ]
        return sorted(commands, key=lambda c: c.requested, reverse=True)


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


@dataclass
class _Invocation:
    instance_id: str
    ctx: dict[str, Any]
    outcome: str
    exit_code: int
    stdout: str
    stderr: str
    run_seconds: float
    deliverable: bool
    start: float | None = None  # None: never starts (see delivery_timeout_at)
    end: float = math.inf
    end_kind: str = "exit"  # exit | execution_timeout
    terminated_at: float | None = None  # stopped by MaxErrors before starting
    cancelled_at: float | None = None

    def state(self, t: float, command: _Command) -> tuple[str, str, int]:
        """(Status, StatusDetails, ResponseCode) at time t."""
        cancelled = self.cancelled_at if self.cancelled_at is not None else command.cancelled_at
        if cancelled is not None and t >= cancelled and not self._ended_by(cancelled, command):
            started = self.start is not None and self.start <= cancelled
            return "Cancelled", "Cancelled", TIMEOUT_EXIT_CODE if started else -1
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

    def _ended_by(self, t: float, command: _Command) -> bool:
        if self.terminated_at is not None and self.terminated_at <= t:
            return True
        if self.start is None:
            return command.delivery_deadline <= t
        return self.end <= t

    def output(self) -> tuple[str, str]:
        """Full stdout and stderr once the invocation has ended with an exit."""
        stderr = self.stderr
        if self.exit_code != 0:
            note = f"failed to run commands: exit status {self.exit_code}"
            stderr = f"{stderr}\n{note}" if stderr else note
        return self.stdout, stderr


@dataclass
class _Command:
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
    invocations: dict[str, _Invocation] = field(default_factory=dict)
    cancelled_at: float | None = None

    @property
    def delivery_deadline(self) -> float:
        return self.requested + self.timeout_seconds


def _resolve(spec: str, total: int, minimum: int) -> int:
    if spec.endswith("%"):
        return max(minimum, total * int(spec[:-1]) // 100)
    return int(spec)


def _schedule(command: _Command) -> None:
    """Plan when each invocation starts and ends: MaxConcurrency, MaxErrors, timeouts."""
    invocations = [command.invocations[i] for i in command.instance_ids]
    total = len(invocations)
    concurrency = _resolve(command.max_concurrency, total, 1)
    max_errors = _resolve(command.max_errors, total, 0)
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


# -- helpers for the handlers ---------------------------------------------------------


def _validation(value: Any, member: str, constraint: str) -> AwsError:
    return AwsError(
        "ValidationException",
        f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy "
        f"constraint: {constraint}",
    )


def _max_results(params: dict, default: int = 50) -> int:
    max_results = params.get("MaxResults", default)
    if not isinstance(max_results, int):
        raise AwsError("SerializationException", "MaxResults must be an integer")
    if not 1 <= max_results <= 50:
        bound = "greater than or equal to 1" if max_results < 1 else "less than or equal to 50"
        raise _validation(max_results, "maxResults", f"Member must have value {bound}")
    return max_results


def _command_id(params: dict, required: bool) -> str | None:
    command_id = params.get("CommandId")
    if command_id is None:
        if required:
            raise _validation("null", "commandId", "Member must not be null")
        return None
    if len(command_id) != 36:
        raise _validation(
            command_id, "commandId", "Member must have length less than or equal to 36"
        )
    if not _COMMAND_ID.match(command_id):
        raise AwsError("InvalidCommandId", "")
    return command_id


def _instance_id(params: dict, required: bool) -> str | None:
    instance_id = params.get("InstanceId")
    if instance_id is None:
        if required:
            raise _validation("null", "instanceId", "Member must not be null")
        return None
    if not _INSTANCE_ID.match(instance_id):
        raise AwsError("InvalidInstanceId", f"Invalid instance id: {instance_id}")
    return instance_id


def _iso(t: float) -> str:
    stamp = datetime.fromtimestamp(t, timezone.utc)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"


def _when(t: float) -> datetime:
    return datetime.fromtimestamp(t, timezone.utc)


def _cut(text: str, limit: int) -> str:
    """First `limit` UTF-8 bytes, as the Go agent slices; a split character becomes U+FFFD."""
    data = text.encode()
    return text if len(data) <= limit else data[:limit].decode("utf-8", "replace")


def plugin_output(stdout: str, stderr: str, capacity: int = PLUGIN_OUTPUT_LIMIT) -> str:
    """The agent's TruncateOutput (iohandler.go): stdout + error title + stderr in
    `capacity` bytes."""
    out, err = stdout.encode(), stderr.encode()
    title = _ERROR_TITLE.encode() if err else b""
    space = capacity - len(title)
    trunc_out, trunc_err = _TRUNC_OUT.encode(), _TRUNC_ERR.encode()
    if len(out) + len(err) < space:
        joined = out + title + err
    elif len(out) > space // 2 and len(err) > space // 2:
        size = space - len(trunc_err) - len(trunc_out)
        joined = out[: size // 2] + trunc_out + title + err[: size // 2] + trunc_err
    elif len(out) < space // 2:
        size = space - len(trunc_err)
        joined = out + title + err[: size - len(out)] + trunc_err
    else:
        size = space - len(trunc_out)
        joined = out[: size - len(err)] + trunc_out + title + err
    return joined.decode("utf-8", "replace")


_CLOUDWATCH = {"CloudWatchLogGroupName": "", "CloudWatchOutputEnabled": False}
_NOTIFICATION = {"NotificationArn": "", "NotificationEvents": [], "NotificationType": ""}


def _render(value: Any, ctx: dict) -> str:
    if value is None:
        return ""
    if callable(value):
        return str(value(ctx))
    return str(value)


# -- SendCommand ---------------------------------------------------------------------


def _parameters(params: dict) -> tuple[dict[str, list[str]], int]:
    parameters = params.get("Parameters") or {}
    unknown = sorted(set(parameters) - DOCUMENT_PARAMETERS)
    if unknown:
        raise AwsError("InvalidParameters", f"Parameters {unknown} are not defined in the document.")
    if not parameters.get("commands"):
        raise AwsError("InvalidParameters", "Required parameter commands is missing.")
    execution_timeout = DEFAULT_EXECUTION_TIMEOUT
    if "executionTimeout" in parameters:
        values = parameters["executionTimeout"]
        raw = values[0] if len(values) == 1 else None
        if raw is None or not re.fullmatch(r"[1-9][0-9]{0,5}", raw) or int(raw) > 172800:
            raise AwsError(
                "InvalidParameters",
                f"Parameter executionTimeout value {values} is not valid: a number of "
                "seconds from 1 to 172800.",
            )
        execution_timeout = int(raw)
    return {k: list(v) for k, v in parameters.items()}, execution_timeout


def _check_instances(req: LocalRequest, instance_ids: list[str], document: str):
    """{id: (instance, ssm settings)} for ids SendCommand accepts, or the whole call fails."""
    backend = req.ec2_backend()
    known = {i.id: i for i in backend.all_instances()}
    invalid, found = [], {}
    for instance_id in instance_ids:
        instance = known.get(instance_id)
        settings = req.aws.ssm.get(instance_id)
        if (
            instance is None
            or instance.state in ("terminated", "shutting-down")
            or not settings["managed"]
            or settings["ping_status"] == "Inactive"
        ):
            invalid.append(instance_id)
        else:
            found[instance_id] = (instance, settings)
    if invalid:
        raise AwsError(
            "InvalidInstanceId",
            f"Instances [[{', '.join(invalid)}]] not in a valid state for account "
            f"{req.info.account}",
        )
    platforms = DOCUMENTS[document]["platforms"]
    wrong = [
        i for i, (instance, _) in found.items()
        if ("Windows" if instance.platform == "windows" else "Linux") not in platforms
    ]
    if wrong:
        raise AwsError(
            "UnsupportedPlatformType",
            f"The document {document} doesn't support the platform type of the managed "
            f"node IDs [{', '.join(wrong)}].",
        )
    return found


@local("ssm", "SendCommand")
def send_command(req: LocalRequest) -> dict:
    params = req.params
    aws_commands: Commands = req.aws.commands
    if params.get("Targets"):
        raise AwsError("InvalidParameters", "fakeaws supports InstanceIds only, not Targets.")
    instance_ids = list(params.get("InstanceIds") or [])
    if not instance_ids:
        raise AwsError("InvalidInstanceId", "Specify InstanceIds or Targets.")
    if len(instance_ids) > MAX_INSTANCE_IDS:
        raise _validation(
            instance_ids,
            "instanceIds",
            f"Member must have length less than or equal to {MAX_INSTANCE_IDS}",
        )
    if len(set(instance_ids)) != len(instance_ids):
        raise AwsError("DuplicateInstanceId", "")
    bad = [i for i in instance_ids if not _INSTANCE_ID.match(i)]
    if bad:
        raise AwsError(
            "InvalidInstanceId",
            f"Instances [[{', '.join(bad)}]] not in a valid state for account {req.info.account}",
        )
    document = (params.get("DocumentName") or "").rsplit("/", 1)[-1]
    if document not in DOCUMENTS:
        raise AwsError("InvalidDocument", f"Document with name {document} does not exist.")
    timeout_seconds = params.get("TimeoutSeconds", DEFAULT_TIMEOUT_SECONDS)
    if not isinstance(timeout_seconds, int) or not 30 <= timeout_seconds <= 2592000:
        raise _validation(
            timeout_seconds, "timeoutSeconds",
            "Member must have value between 30 and 2592000",
        )
    max_concurrency = params.get("MaxConcurrency") or "50"
    if not _MAX_CONCURRENCY.match(max_concurrency):
        raise _validation(
            max_concurrency, "maxConcurrency",
            f"Member must satisfy regular expression pattern: {_MAX_CONCURRENCY.pattern}",
        )
    max_errors = params.get("MaxErrors") or "0"
    if not _MAX_ERRORS.match(max_errors):
        raise _validation(
            max_errors, "maxErrors",
            f"Member must satisfy regular expression pattern: {_MAX_ERRORS.pattern}",
        )
    comment = params.get("Comment") or ""
    if len(comment) > 100:
        raise _validation(comment, "comment", "Member must have length less than or equal to 100")
    parameters, execution_timeout = _parameters(params)
    found = _check_instances(req, instance_ids, document)

    account, region = req.info.account, req.info.region
    with aws_commands._lock:
        now = aws_commands.now()
        command = _Command(
            command_id=str(uuid.uuid4()),
            account=account,
            region=region,
            document=document,
            plugin=DOCUMENTS[document]["plugin"],
            parameters=parameters,
            comment=comment,
            requested=now,
            timeout_seconds=timeout_seconds,
            execution_timeout=execution_timeout,
            max_concurrency=max_concurrency,
            max_errors=max_errors,
            delivery_seconds=aws_commands.delivery_seconds,
            visible_after=now + aws_commands.invocation_delay,
            listed_after=now + aws_commands.list_delay,
            instance_ids=instance_ids,
        )
        for instance_id in instance_ids:
            instance, ssm_settings = found[instance_id]
            command.invocations[instance_id] = _invocation(
                aws_commands, command, instance_id, instance, ssm_settings
            )
        _schedule(command)
        aws_commands._add(
            command,
            SentCommand(
                time=time.time(),
                account=account,
                region=region,
                command_id=command.command_id,
                document=document,
                instance_ids=tuple(instance_ids),
                parameters=parameters,
                timeout_seconds=timeout_seconds,
                execution_timeout=execution_timeout,
                max_concurrency=max_concurrency,
                max_errors=max_errors,
                comment=comment,
            ),
        )
    return {"Command": _command_body(command, now)}


def _invocation(aws_commands: Commands, command: _Command, instance_id, instance, ssm_settings):
    settings = aws_commands.get(instance_id)
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
        stderr = _default_stderr
    seconds = settings["seconds"]
    if seconds is None:
        seconds = aws_commands.slow_seconds if outcome == "slow" else aws_commands.run_seconds
    deliverable = (
        outcome != "undelivered"
        and instance.state == "running"
        and ssm_settings["ping_status"] == "Online"
    )
    return _Invocation(
        instance_id=instance_id,
        ctx=ctx,
        outcome=outcome,
        exit_code=exit_code,
        stdout=_render(settings["stdout"], ctx),
        stderr=_render(stderr, ctx),
        run_seconds=float(seconds),
        deliverable=deliverable,
    )


def _command_body(command: _Command, t: float) -> dict:
    states = [inv.state(t, command) for inv in command.invocations.values()]
    statuses = [s for s, _, _ in states]
    details = [d for _, d, _ in states]
    total = len(states)
    max_errors = _resolve(command.max_errors, total, 0)
    errors = sum(d in ("Failed", "ExecutionTimedOut") for d in details)
    delivery = details.count("DeliveryTimedOut")
    completed = sum(s in TERMINAL for s in statuses)
    if command.cancelled_at is not None and t >= command.cancelled_at:
        status, detail = "Cancelled", "Cancelled"
    elif all(s in ("Pending", "Delayed") for s in statuses):
        status, detail = "Pending", "Pending"
    elif completed < total:
        status, detail = "InProgress", "InProgress"
    elif all(s == "Success" for s in statuses):
        status, detail = "Success", "Success"
    elif errors > max_errors:
        if all(d in ("ExecutionTimedOut", "Success") for d in details):
            status, detail = "TimedOut", "ExecutionTimedOut"
        else:
            status, detail = "Failed", "Failed"
    elif delivery > max_errors:
        status, detail = "TimedOut", "DeliveryTimedOut"
    else:
        status, detail = "Success", "Incomplete"
    return {
        "CommandId": command.command_id,
        "DocumentName": command.document,
        "DocumentVersion": "$DEFAULT",
        "Comment": command.comment,
        "ExpiresAfter": _when(command.delivery_deadline),
        "Parameters": command.parameters,
        "InstanceIds": list(command.instance_ids),
        "Targets": [],
        "RequestedDateTime": _when(command.requested),
        "Status": status,
        "StatusDetails": detail,
        "OutputS3Region": command.region,
        "OutputS3BucketName": "",
        "OutputS3KeyPrefix": "",
        "MaxConcurrency": command.max_concurrency,
        "MaxErrors": command.max_errors,
        "TargetCount": total,
        "CompletedCount": completed,
        "ErrorCount": errors,
        "DeliveryTimedOutCount": delivery,
        "ServiceRole": "",
        "NotificationConfig": dict(_NOTIFICATION),
        "CloudWatchOutputConfig": dict(_CLOUDWATCH),
        "TimeoutSeconds": command.timeout_seconds,
    }


# -- ListCommandInvocations -------------------------------------------------------------


_INVOCATION_FILTERS = {"InvokedAfter", "InvokedBefore", "Status", "ExecutionStage", "DocumentName"}


def _command_filters(params: dict) -> list[tuple[str, str]]:
    out = []
    for f in params.get("Filters") or []:
        key, value = f.get("key"), f.get("value")
        if key not in _INVOCATION_FILTERS:
            raise AwsError("InvalidFilterKey", "")
        out.append((key, value))
    return out


def _parse_time(value: str) -> float:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError as exc:
        raise AwsError("InvalidFilterValue", f"Invalid date: {value}") from exc


def _passes(filters, command: _Command, status: str) -> bool:
    for key, value in filters:
        if key == "InvokedAfter" and command.requested < _parse_time(value):
            return False
        if key == "InvokedBefore" and command.requested > _parse_time(value):
            return False
        if key == "DocumentName" and command.document != value:
            return False
        if key == "Status" and status != value:
            return False
        if key == "ExecutionStage":
            stage = "Complete" if status in TERMINAL else "Executing"
            if stage != value:
                return False
    return True


def _invocation_body(command: _Command, inv: _Invocation, t: float, details: bool) -> dict:
    status, detail, code = inv.state(t, command)
    body = {
        "CommandId": command.command_id,
        "InstanceId": inv.instance_id,
        "InstanceName": "",
        "Comment": command.comment,
        "DocumentName": command.document,
        "DocumentVersion": "$DEFAULT",
        "RequestedDateTime": _when(command.requested),
        "Status": status,
        "StatusDetails": detail,
        "TraceOutput": "",
        "StandardOutputUrl": "",
        "StandardErrorUrl": "",
        "CommandPlugins": [],
        "ServiceRole": "",
        "NotificationConfig": dict(_NOTIFICATION),
        "CloudWatchOutputConfig": dict(_CLOUDWATCH),
    }
    if details:
        plugin: dict[str, Any] = {
            "Name": command.plugin,
            "Status": "Pending" if status == "Delayed" else status,
            "StatusDetails": detail,
            "ResponseCode": code,
            "Output": "",
            "StandardOutputUrl": "",
            "StandardErrorUrl": "",
            "OutputS3Region": command.region,
            "OutputS3BucketName": "",
            "OutputS3KeyPrefix": "",
        }
        if inv.start is not None and inv.start <= t:
            plugin["ResponseStartDateTime"] = _when(inv.start)
        if status in TERMINAL and inv.start is not None and inv.start <= t:
            plugin["ResponseFinishDateTime"] = _when(min(inv.end, t))
            if detail in ("Success", "Failed"):
                plugin["Output"] = plugin_output(*inv.output())
        body["CommandPlugins"] = [plugin]
    return body


@local("ssm", "ListCommandInvocations")
def list_command_invocations(req: LocalRequest) -> dict:
    params = req.params
    max_results = _max_results(params)
    command_id = _command_id(params, required=False)
    instance_id = _instance_id(params, required=False)
    filters = _command_filters(params)
    offset = _offset(params["NextToken"]) if params.get("NextToken") else 0
    details = bool(params.get("Details", False))
    aws_commands: Commands = req.aws.commands
    account, region = req.info.account, req.info.region

    if command_id is not None:
        found = aws_commands._find(account, region, command_id)
        commands = [found] if found is not None else []
    else:
        commands = aws_commands._all(account, region)
    t = aws_commands.now()
    rows = []
    for command in commands:
        if t < command.listed_after:
            continue
        for inv_id in command.instance_ids:
            if instance_id is not None and inv_id != instance_id:
                continue
            inv = command.invocations[inv_id]
            if _passes(filters, command, inv.state(t, command)[0]):
                rows.append((command, inv))
    page = rows[offset : offset + max_results]
    body: dict[str, Any] = {
        "CommandInvocations": [_invocation_body(c, inv, t, details) for c, inv in page]
    }
    if offset + max_results < len(rows):
        body["NextToken"] = _token(offset + max_results)
    return body


# -- GetCommandInvocation -----------------------------------------------------------------


@local("ssm", "GetCommandInvocation")
def get_command_invocation(req: LocalRequest) -> dict:
    params = req.params
    command_id = _command_id(params, required=True)
    instance_id = _instance_id(params, required=True)
    aws_commands: Commands = req.aws.commands
    command = aws_commands._find(req.info.account, req.info.region, command_id)
    t = aws_commands.now()
    inv = command.invocations.get(instance_id) if command is not None else None
    if command is None or inv is None or t < command.visible_after:
        raise AwsError("InvocationDoesNotExist", "")
    plugin_name = params.get("PluginName")
    if plugin_name is not None and plugin_name != command.plugin:
        raise AwsError("InvalidPluginName", "")
    status, detail, code = inv.state(t, command)
    started = inv.start is not None and inv.start <= t
    finished = status in TERMINAL and started
    stdout = stderr = ""
    if finished and detail in ("Success", "Failed"):
        out, err = inv.output()
        stdout, stderr = _cut(out, STDOUT_LIMIT), _cut(err, STDERR_LIMIT)
    end = min(inv.end, t)
    return {
        "CommandId": command.command_id,
        "InstanceId": instance_id,
        "Comment": command.comment,
        "DocumentName": command.document,
        "DocumentVersion": "$DEFAULT",
        "PluginName": command.plugin,
        "ResponseCode": code,
        "ExecutionStartDateTime": _iso(inv.start) if started else "",
        "ExecutionElapsedTime": f"PT{end - inv.start:.3f}S" if finished else "",
        "ExecutionEndDateTime": _iso(end) if finished else "",
        "Status": status,
        "StatusDetails": detail,
        "StandardOutputContent": stdout,
        "StandardOutputUrl": "",
        "StandardErrorContent": stderr,
        "StandardErrorUrl": "",
        "CloudWatchOutputConfig": dict(_CLOUDWATCH),
    }


# -- ListCommands, CancelCommand ---------------------------------------------------------


@local("ssm", "ListCommands")
def list_commands(req: LocalRequest) -> dict:
    params = req.params
    max_results = _max_results(params)
    command_id = _command_id(params, required=False)
    instance_id = _instance_id(params, required=False)
    filters = _command_filters(params)
    offset = _offset(params["NextToken"]) if params.get("NextToken") else 0
    aws_commands: Commands = req.aws.commands
    t = aws_commands.now()
    rows = []
    for command in aws_commands._all(req.info.account, req.info.region):
        if command_id is not None and command.command_id != command_id:
            continue
        if instance_id is not None and instance_id not in command.invocations:
            continue
        body = _command_body(command, t)
        if _passes(filters, command, body["Status"]):
            rows.append(body)
    page = rows[offset : offset + max_results]
    out: dict[str, Any] = {"Commands": page}
    if offset + max_results < len(rows):
        out["NextToken"] = _token(offset + max_results)
    return out


@local("ssm", "CancelCommand")
def cancel_command(req: LocalRequest) -> dict:
    """Every invocation not yet ended is Cancelled at once (the real service passes
    through Cancelling; the agent kills a running script, exit 137)."""
    params = req.params
    command_id = _command_id(params, required=True)
    aws_commands: Commands = req.aws.commands
    command = aws_commands._find(req.info.account, req.info.region, command_id)
    if command is None:
        raise AwsError("InvalidCommandId", "")
    instance_ids = params.get("InstanceIds")
    with aws_commands._lock:
        t = aws_commands.now()
        if not instance_ids:
            if command.cancelled_at is None:
                command.cancelled_at = t
        else:
            unknown = [i for i in instance_ids if i not in command.invocations]
            if unknown:
                raise AwsError("InvalidInstanceId", f"Invalid instance id(s): {', '.join(unknown)}")
            for instance_id in instance_ids:
                inv = command.invocations[instance_id]
                if inv.cancelled_at is None:
                    inv.cancelled_at = t
    return {}

