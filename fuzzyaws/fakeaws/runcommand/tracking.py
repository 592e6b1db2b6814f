"""Following a sent command, answered by the proxy from ``aws.commands``:
ListCommandInvocations, GetCommandInvocation, ListCommands and CancelCommand, each
for the commands of the caller's account and region only.

Eventual consistency, as the docs warn: GetCommandInvocation answers
InvocationDoesNotExist for ``aws.commands.invocation_delay`` seconds after the send
(default 0.5); ListCommandInvocations leaves a new command's invocations out for
``aws.commands.list_delay`` seconds (default 0, set it to test a poller that
mistakes an empty page for "all done").

CancelCommand cancels every invocation not yet ended at once (the real service
passes through Cancelling; the agent kills a running script, exit 137).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from ..errors import AwsError
from ..local import HandlerTable, LocalRequest
from ..wire import INSTANCE_ID, max_results, page, page_offset, validation_error
from .responses import command_body, get_invocation_body, invocation_body
from .simulation import TERMINAL, SimulatedCommand

_COMMAND_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_FILTER_KEYS = {"InvokedAfter", "InvokedBefore", "Status", "ExecutionStage", "DocumentName"}


# -- request parameters ------------------------------------------------------------------


def _command_id(params: dict, required: bool) -> str | None:
    command_id = params.get("CommandId")
    if command_id is None:
        if required:
            raise validation_error("null", "commandId", "Member must not be null")
        return None
    if len(command_id) != 36:
        raise validation_error(
            command_id, "commandId", "Member must have length less than or equal to 36"
        )
    if not _COMMAND_ID.match(command_id):
        raise AwsError("InvalidCommandId", "")
    return command_id


def _instance_id(params: dict, required: bool) -> str | None:
    instance_id = params.get("InstanceId")
    if instance_id is None:
        if required:
            raise validation_error("null", "instanceId", "Member must not be null")
        return None
    if not INSTANCE_ID.match(instance_id):
        raise AwsError("InvalidInstanceId", f"Invalid instance id: {instance_id}")
    return instance_id


def _filters(params: dict) -> list[tuple[str, str]]:
    out = []
    for f in params.get("Filters") or []:
        key, value = f.get("key"), f.get("value")
        if key not in _FILTER_KEYS:
            raise AwsError("InvalidFilterKey", "")
        out.append((key, value))
    return out


def _parse_time(value: str) -> float:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError as exc:
        raise AwsError("InvalidFilterValue", f"Invalid date: {value}") from exc


def _passes(filters, command: SimulatedCommand, status: str) -> bool:
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


# -- the operations ------------------------------------------------------------------------


def list_command_invocations(req: LocalRequest) -> dict:
    params = req.params
    size = max_results(params, default=50, low=1)
    command_id = _command_id(params, required=False)
    instance_id = _instance_id(params, required=False)
    filters = _filters(params)
    offset = page_offset(params)
    details = bool(params.get("Details", False))
    commands = req.state.commands
    account, region = req.info.account, req.info.region

    if command_id is not None:
        found = commands.find(account, region, command_id)
        sent = [found] if found is not None else []
    else:
        sent = commands.in_region(account, region)
    t = commands.now()
    rows = []
    for command in sent:
        if t < command.listed_after:
            continue
        for inv_id in command.instance_ids:
            if instance_id is not None and inv_id != instance_id:
                continue
            inv = command.invocations[inv_id]
            if _passes(filters, command, inv.state(t, command)[0]):
                rows.append((command, inv))
    rows, next_token = page(rows, offset, size)
    body: dict[str, Any] = {
        "CommandInvocations": [invocation_body(c, inv, t, details) for c, inv in rows]
    }
    if next_token:
        body["NextToken"] = next_token
    return body


def get_command_invocation(req: LocalRequest) -> dict:
    params = req.params
    command_id = _command_id(params, required=True)
    instance_id = _instance_id(params, required=True)
    commands = req.state.commands
    command = commands.find(req.info.account, req.info.region, command_id)
    t = commands.now()
    inv = command.invocations.get(instance_id) if command is not None else None
    if command is None or inv is None or t < command.visible_after:
        raise AwsError("InvocationDoesNotExist", "")
    plugin_name = params.get("PluginName")
    if plugin_name is not None and plugin_name != command.plugin:
        raise AwsError("InvalidPluginName", "")
    return get_invocation_body(command, inv, t)


def list_commands(req: LocalRequest) -> dict:
    params = req.params
    size = max_results(params, default=50, low=1)
    command_id = _command_id(params, required=False)
    instance_id = _instance_id(params, required=False)
    filters = _filters(params)
    offset = page_offset(params)
    commands = req.state.commands
    t = commands.now()
    rows = []
    for command in commands.in_region(req.info.account, req.info.region):
        if command_id is not None and command.command_id != command_id:
            continue
        if instance_id is not None and instance_id not in command.invocations:
            continue
        body = command_body(command, t)
        if _passes(filters, command, body["Status"]):
            rows.append(body)
    rows, next_token = page(rows, offset, size)
    out: dict[str, Any] = {"Commands": rows}
    if next_token:
        out["NextToken"] = next_token
    return out


def cancel_command(req: LocalRequest) -> dict:
    params = req.params
    command_id = _command_id(params, required=True)
    commands = req.state.commands
    command = commands.find(req.info.account, req.info.region, command_id)
    if command is None:
        raise AwsError("InvalidCommandId", "")
    instance_ids = params.get("InstanceIds") or []
    unknown = [i for i in instance_ids if i not in command.invocations]
    if unknown:
        raise AwsError("InvalidInstanceId", f"Invalid instance id(s): {', '.join(unknown)}")
    commands.cancel(command, instance_ids)
    return {}


HANDLERS: HandlerTable = {
    ("ssm", "ListCommandInvocations"): list_command_invocations,
    ("ssm", "GetCommandInvocation"): get_command_invocation,
    ("ssm", "ListCommands"): list_commands,
    ("ssm", "CancelCommand"): cancel_command,
}
