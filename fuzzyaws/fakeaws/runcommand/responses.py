"""The JSON shapes of a simulated command at time t: a Command (SendCommand,
ListCommands), a CommandInvocation (ListCommandInvocations) and a
GetCommandInvocation answer, with the fields the real API fills and the empty values
it gives for output locations, notifications and CloudWatch, which the fake lacks.
"""

from __future__ import annotations

from typing import Any

from ..wire import as_datetime, iso_millis
from .output import STDERR_LIMIT, STDOUT_LIMIT, cut, final_streams, plugin_output
from .schedule import resolve_limit
from .simulation import TERMINAL, Invocation, SimulatedCommand

_CLOUDWATCH = {"CloudWatchLogGroupName": "", "CloudWatchOutputEnabled": False}
_NOTIFICATION = {"NotificationArn": "", "NotificationEvents": [], "NotificationType": ""}


def command_body(command: SimulatedCommand, t: float) -> dict:
    """A Command: its overall status is derived from its invocations' at time t."""
    states = [inv.state(t, command) for inv in command.invocations.values()]
    statuses = [s for s, _, _ in states]
    details = [d for _, d, _ in states]
    total = len(states)
    max_errors = resolve_limit(command.max_errors, total, 0)
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
        "ExpiresAfter": as_datetime(command.delivery_deadline),
        "Parameters": command.parameters,
        "InstanceIds": list(command.instance_ids),
        "Targets": [],
        "RequestedDateTime": as_datetime(command.requested),
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


def invocation_body(command: SimulatedCommand, inv: Invocation, t: float, details: bool) -> dict:
    """A CommandInvocation; with details, its one plugin and the plugin's Output."""
    status, detail, code = inv.state(t, command)
    body = {
        "CommandId": command.command_id,
        "InstanceId": inv.instance_id,
        "InstanceName": "",
        "Comment": command.comment,
        "DocumentName": command.document,
        "DocumentVersion": "$DEFAULT",
        "RequestedDateTime": as_datetime(command.requested),
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
        if inv.started_by(t):
            plugin["ResponseStartDateTime"] = as_datetime(inv.start)
        if status in TERMINAL and inv.started_by(t):
            plugin["ResponseFinishDateTime"] = as_datetime(min(inv.end, t))
            if detail in ("Success", "Failed"):
                plugin["Output"] = plugin_output(
                    *final_streams(inv.stdout, inv.stderr, inv.exit_code)
                )
        body["CommandPlugins"] = [plugin]
    return body


def get_invocation_body(command: SimulatedCommand, inv: Invocation, t: float) -> dict:
    """A GetCommandInvocation answer: the plugin's status and its (cut) stdout/stderr."""
    status, detail, code = inv.state(t, command)
    started = inv.started_by(t)
    finished = status in TERMINAL and started
    stdout = stderr = ""
    if finished and detail in ("Success", "Failed"):
        out, err = final_streams(inv.stdout, inv.stderr, inv.exit_code)
        stdout, stderr = cut(out, STDOUT_LIMIT), cut(err, STDERR_LIMIT)
    end = min(inv.end, t)
    return {
        "CommandId": command.command_id,
        "InstanceId": inv.instance_id,
        "Comment": command.comment,
        "DocumentName": command.document,
        "DocumentVersion": "$DEFAULT",
        "PluginName": command.plugin,
        "ResponseCode": code,
        "ExecutionStartDateTime": iso_millis(inv.start) if started else "",
        "ExecutionElapsedTime": f"PT{end - inv.start:.3f}S" if finished else "",
        "ExecutionEndDateTime": iso_millis(end) if finished else "",
        "Status": status,
        "StatusDetails": detail,
        "StandardOutputContent": stdout,
        "StandardOutputUrl": "",
        "StandardErrorContent": stderr,
        "StandardErrorUrl": "",
        "CloudWatchOutputConfig": dict(_CLOUDWATCH),
    }
