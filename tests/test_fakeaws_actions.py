"""The fake's Run Command, Session Manager and ECS Exec, and the fake executables,
exercised the way the product uses them: boto3 (and the AWS CLI) over HTTP."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time

import pytest


from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

from fuzzyaws.fakeaws.runcommand.output import plugin_output  # noqa: E402

if __package__:
    from .fakebin import FAKEBIN, TOOLS, fakebin_env, read_log
else:  # pragma: no cover - tests/ run without its package
    from fakebin import FAKEBIN, TOOLS, fakebin_env, read_log

A, B = "111111111111", "222222222222"
REGION = "us-east-1"
NO_RETRY = Config(retries={"mode": "standard", "total_max_attempts": 1})
STANDARD = Config(retries={"mode": "standard", "total_max_attempts": 5})
TERMINAL = {"Success", "Failed", "TimedOut", "Cancelled"}


def code_of(excinfo) -> str:
    return excinfo.value.response["Error"]["Code"]


def send(ssm, ids, *commands, **kwargs):
    kwargs.setdefault("DocumentName", "AWS-RunShellScript")
    parameters = {"commands": list(commands or ["uptime"]), **kwargs.pop("Parameters", {})}
    return ssm.send_command(InstanceIds=ids, Parameters=parameters, **kwargs)["Command"]


def invocations(ssm, command_id, **kwargs) -> dict[str, dict]:
    pages = ssm.get_paginator("list_command_invocations").paginate(
        CommandId=command_id, Details=True, **kwargs
    )
    return {i["InstanceId"]: i for p in pages for i in p["CommandInvocations"]}


def poll(ssm, command_id, expected: int, timeout: float = 10.0, every: float = 0.1):
    """Poll until every invocation is terminal; returns ({id: [statuses seen]}, last)."""
    seen: dict[str, list[str]] = {}
    deadline = time.monotonic() + timeout
    while True:
        last = invocations(ssm, command_id)
        for instance_id, inv in last.items():
            statuses = seen.setdefault(instance_id, [])
            if not statuses or statuses[-1] != inv["Status"]:
                statuses.append(inv["Status"])
        if len(last) == expected and all(i["Status"] in TERMINAL for i in last.values()):
            return seen, last
        assert time.monotonic() < deadline, f"not terminal in {timeout}s: {seen}"
        time.sleep(every)


@pytest.fixture
def quick(aws):
    """Short delivery and run times, so outcomes are observed within a second."""
    aws.commands.delivery_seconds = 0.05
    aws.commands.run_seconds = 0.1
    aws.commands.invocation_delay = 0.0
    return aws


# -- SendCommand ------------------------------------------------------------------------


def test_send_command_only_runs_on_the_given_instances(quick, fleet):
    aws = quick
    ids = fleet.ec2(A, REGION, 8)
    fleet.ec2(A, "us-west-2", 2)  # another region
    ssm = aws.client("ssm", A, REGION)

    command = send(ssm, ids[2:5], "echo hello", "hostname", Comment="three of eight")

    assert command["TargetCount"] == 3 and command["InstanceIds"] == ids[2:5]
    assert command["Status"] == "Pending" and command["Comment"] == "three of eight"
    assert command["MaxConcurrency"] == "50" and command["MaxErrors"] == "0"
    _, last = poll(ssm, command["CommandId"], expected=3)
    assert sorted(last) == sorted(ids[2:5])
    for instance_id, inv in last.items():
        [plugin] = inv["CommandPlugins"]
        assert (inv["Status"], plugin["Name"], plugin["ResponseCode"]) == (
            "Success", "aws:runShellScript", 0)
        assert instance_id in plugin["Output"] and "echo hello\nhostname" in plugin["Output"]
    [sent] = aws.commands.sent
    assert (sent.account, sent.region, sent.instance_ids) == (A, REGION, tuple(ids[2:5]))
    assert sent.document == "AWS-RunShellScript"
    assert sent.commands == ["echo hello", "hostname"]
    assert aws.commands.duplicates() == {}
    assert all(c.local for c in aws.calls if c.service == "ssm")

    send(ssm, ids[4:6])
    assert aws.commands.duplicates() == {(A, REGION, ids[4]): 2}
    assert aws.client("ssm", A, "us-west-2").list_command_invocations()["CommandInvocations"] == []


def test_more_than_50_instance_ids_are_rejected(aws, fleet):
    ids = fleet.ec2(A, REGION, 51, per_reservation=51)
    ssm = aws.client("ssm", A, REGION, config=NO_RETRY)

    with pytest.raises(ClientError) as excinfo:
        send(ssm, ids)
    assert code_of(excinfo) == "ValidationException"
    assert "less than or equal to 50" in str(excinfo.value)
    assert aws.commands.sent == []
    assert send(ssm, ids[:50])["TargetCount"] == 50


def test_invalid_targets_fail_the_whole_call(aws, fleet):
    ids = fleet.ec2(A, REGION, 4)
    other = fleet.ec2(B, REGION, 1)
    windows = fleet.ec2(A, REGION, 1, platform="windows")
    aws.ssm.set(ids[0], managed=False)
    ssm = aws.client("ssm", A, REGION, config=NO_RETRY)

    for bad in (ids[0], other[0], "i-0123456789abcdef0"):
        with pytest.raises(ClientError) as excinfo:
            send(ssm, [ids[1], bad])
        assert code_of(excinfo) == "InvalidInstanceId"
        assert excinfo.value.response["Error"]["Message"] == (
            f"Instances [[{bad}]] not in a valid state for account {A}")
    with pytest.raises(ClientError) as excinfo:
        send(ssm, [ids[1], windows[0]])
    assert code_of(excinfo) == "UnsupportedPlatformType"
    with pytest.raises(ClientError) as excinfo:
        send(ssm, [ids[1], ids[1]])
    assert code_of(excinfo) == "DuplicateInstanceId"
    with pytest.raises(ClientError) as excinfo:
        send(ssm, [ids[1]], DocumentName="AWS-NoSuchDocument")
    assert code_of(excinfo) == "InvalidDocument"
    with pytest.raises(ClientError) as excinfo:
        send(ssm, [ids[1]], Parameters={"executionTimeout": ["forever"]})
    assert code_of(excinfo) == "InvalidParameters"
    assert aws.commands.sent == []

    ps = send(ssm, [ids[1], windows[0]], "Get-Date", DocumentName="AWS-RunPowerShellScript")
    assert ps["TargetCount"] == 2


def test_registered_but_unreachable_hosts_are_delayed_then_delivery_timed_out(aws, fleet):
    ids = fleet.ec2(A, REGION, 2)
    stopped = fleet.ec2(A, REGION, 1, state="stopped")
    aws.ssm.set(ids[1], ping_status="ConnectionLost")
    aws.commands.delivery_seconds = 0.05
    ssm = aws.client("ssm", A, REGION)

    command = send(ssm, ids + stopped, TimeoutSeconds=30)
    time.sleep(0.4)
    now = invocations(ssm, command["CommandId"])
    assert now[ids[0]]["Status"] == "Success"
    assert {now[i]["Status"] for i in (ids[1], stopped[0])} == {"Delayed"}

    aws.commands.advance(31)
    later = invocations(ssm, command["CommandId"])
    for instance_id in (ids[1], stopped[0]):
        assert (later[instance_id]["Status"], later[instance_id]["StatusDetails"]) == (
            "TimedOut", "DeliveryTimedOut")
    [listed] = ssm.list_commands(CommandId=command["CommandId"])["Commands"]
    assert listed["DeliveryTimedOutCount"] == 2 and listed["CompletedCount"] == 3


# -- outcomes, observed by polling -----------------------------------------------------------


def test_each_outcome_progresses_with_the_clock(quick, fleet):
    aws = quick
    aws.commands.delivery_seconds = 0.3  # long enough for a poll to see Pending
    ok, bad, slow, never, hung = fleet.ec2(A, REGION, 5)
    aws.commands.set(bad, outcome="fail", exit_code=2, stderr="disk full\n")
    aws.commands.set(slow, outcome="slow", seconds=0.8, stdout="done slowly\n")
    aws.commands.set([never, hung], outcome="never")
    ssm = aws.client("ssm", A, REGION)

    command = send(ssm, [ok, bad, slow, never], "df -h",
                   Parameters={"executionTimeout": ["2"]})
    other = send(ssm, [hung], "sleep infinity")  # default execution timeout: 3600 s
    seen, last = poll(ssm, command["CommandId"], expected=4, every=0.05)

    assert seen[ok][0] == "Pending" and seen[ok][-1] == "Success"
    assert seen[slow] == ["Pending", "InProgress", "Success"]
    assert seen[never] == ["Pending", "InProgress", "TimedOut"]
    plugins = {i: inv["CommandPlugins"][0] for i, inv in last.items()}
    assert plugins[slow]["Output"] == "done slowly\n"
    assert (last[bad]["Status"], plugins[bad]["ResponseCode"]) == ("Failed", 2)
    assert plugins[bad]["Output"].endswith(
        "\n----------ERROR-------\ndisk full\n\nfailed to run commands: exit status 2")
    assert (last[never]["StatusDetails"], plugins[never]["ResponseCode"]) == (
        "ExecutionTimedOut", 137)
    assert plugins[slow]["ResponseFinishDateTime"] > plugins[slow]["ResponseStartDateTime"]

    failed = ssm.get_command_invocation(CommandId=command["CommandId"], InstanceId=bad)
    assert failed["StandardErrorContent"] == (
        "disk full\n\nfailed to run commands: exit status 2")
    assert bad in failed["StandardOutputContent"] and "df -h" in failed["StandardOutputContent"]
    assert failed["ExecutionEndDateTime"] > failed["ExecutionStartDateTime"] != ""
    [summary] = ssm.list_commands(CommandId=command["CommandId"])["Commands"]
    assert (summary["Status"], summary["ErrorCount"], summary["CompletedCount"]) == (
        "Failed", 2, 4)

    # "never" without an execution timeout runs on until the default hour is up
    assert invocations(ssm, other["CommandId"])[hung]["Status"] == "InProgress"
    aws.commands.advance(3600)
    assert invocations(ssm, other["CommandId"])[hung]["StatusDetails"] == "ExecutionTimedOut"


def test_delivery_timeout_does_not_stop_a_running_command(quick, fleet):
    aws = quick
    [never] = fleet.ec2(A, REGION, 1)
    aws.commands.set(never, outcome="never")
    ssm = aws.client("ssm", A, REGION)

    command = send(ssm, [never], TimeoutSeconds=30)
    time.sleep(0.2)
    aws.commands.advance(60)  # past TimeoutSeconds, which only bounds delivery
    assert invocations(ssm, command["CommandId"])[never]["Status"] == "InProgress"


def test_max_concurrency_and_max_errors(quick, fleet):
    aws = quick
    ids = fleet.ec2(A, REGION, 4)
    aws.commands.set(ids[0], outcome="fail")
    ssm = aws.client("ssm", A, REGION)

    command = send(ssm, ids, MaxConcurrency="1", MaxErrors="0")
    _, last = poll(ssm, command["CommandId"], expected=4)

    assert last[ids[0]]["Status"] == "Failed"
    assert {(last[i]["Status"], last[i]["StatusDetails"]) for i in ids[1:]} == {
        ("Cancelled", "Terminated")}

    aws.commands.set(ids[0], outcome="success")
    aws.commands.run_seconds = 0.3
    one_at_a_time = send(ssm, ids, MaxConcurrency="25%")
    time.sleep(0.1)
    running = [i["Status"] for i in invocations(ssm, one_at_a_time["CommandId"]).values()]
    assert running.count("InProgress") == 1
    assert running.count("Pending") + running.count("Success") == 3
    _, last = poll(ssm, one_at_a_time["CommandId"], expected=4)
    starts = sorted(i["CommandPlugins"][0]["ResponseStartDateTime"] for i in last.values())
    finishes = sorted(i["CommandPlugins"][0]["ResponseFinishDateTime"] for i in last.values())
    assert all(start >= finish for start, finish in zip(starts[1:], finishes))


def test_cancel_command(quick, fleet):
    aws = quick
    ids = fleet.ec2(A, REGION, 2)
    aws.commands.set(ids, outcome="never")
    ssm = aws.client("ssm", A, REGION)
    command = send(ssm, ids)
    time.sleep(0.1)

    ssm.cancel_command(CommandId=command["CommandId"], InstanceIds=[ids[0]])
    now = invocations(ssm, command["CommandId"])
    assert (now[ids[0]]["Status"], now[ids[1]]["Status"]) == ("Cancelled", "InProgress")
    ssm.cancel_command(CommandId=command["CommandId"])
    assert {i["Status"] for i in invocations(ssm, command["CommandId"]).values()} == {
        "Cancelled"}
    assert ssm.list_commands(CommandId=command["CommandId"])["Commands"][0]["Status"] == (
        "Cancelled")


# -- ListCommandInvocations and GetCommandInvocation ------------------------------------------


def test_list_command_invocations_pages_and_details(quick, fleet):
    aws = quick
    ids = fleet.ec2(A, REGION, 45, per_reservation=45)
    ssm = aws.client("ssm", A, REGION, config=NO_RETRY)
    command = send(ssm, ids)
    command_id = command["CommandId"]

    first = ssm.list_command_invocations(CommandId=command_id)
    assert len(first["CommandInvocations"]) == 45 and "NextToken" not in first  # 50 a page
    assert all(i["CommandPlugins"] == [] for i in first["CommandInvocations"])  # no Details

    pages = list(ssm.get_paginator("list_command_invocations").paginate(
        CommandId=command_id, Details=True, PaginationConfig={"PageSize": 10}))
    assert [len(p["CommandInvocations"]) for p in pages] == [10, 10, 10, 10, 5]
    listed = [i["InstanceId"] for p in pages for i in p["CommandInvocations"]]
    assert listed == ids  # every host exactly once, in the order sent
    assert all(len(i["CommandPlugins"]) == 1 for p in pages for i in p["CommandInvocations"])

    one = ssm.list_command_invocations(CommandId=command_id, InstanceId=ids[7])
    assert [i["InstanceId"] for i in one["CommandInvocations"]] == [ids[7]]
    everything = ssm.list_command_invocations(MaxResults=50)  # no CommandId: all commands
    assert len(everything["CommandInvocations"]) == 45

    for kwargs, code in (
        ({"MaxResults": 51}, "ValidationException"),
        ({"NextToken": "bogus"}, "InvalidNextToken"),
        ({"InstanceId": "web-1"}, "InvalidInstanceId"),
        ({"Filters": [{"key": "Colour", "value": "red"}]}, "InvalidFilterKey"),
    ):
        with pytest.raises(ClientError) as excinfo:
            ssm.list_command_invocations(CommandId=command_id, **kwargs)
        assert code_of(excinfo) == code, kwargs


def test_output_is_truncated_as_the_agent_does(quick, fleet):
    aws = quick
    loud, failing = fleet.ec2(A, REGION, 2)
    aws.commands.set(loud, stdout="o" * 30000)
    aws.commands.set(failing, outcome="fail", stdout="short\n", stderr="e" * 9000)
    ssm = aws.client("ssm", A, REGION)
    command = send(ssm, [loud, failing])
    _, last = poll(ssm, command["CommandId"], expected=2)

    output = last[loud]["CommandPlugins"][0]["Output"]
    assert len(output) == 2500 and output.endswith("o\n---Output truncated---")
    output = last[failing]["CommandPlugins"][0]["Output"]
    assert output.startswith("short\n\n----------ERROR-------\neee")
    assert len(output) == 2500 and output.endswith("\n---Error truncated----")

    full = ssm.get_command_invocation(CommandId=command["CommandId"], InstanceId=loud)
    assert full["StandardOutputContent"] == "o" * 24000
    err = ssm.get_command_invocation(CommandId=command["CommandId"], InstanceId=failing)
    assert err["StandardErrorContent"] == "e" * 8000

    assert plugin_output("out", "") == "out"
    assert plugin_output("", "err") == "\n----------ERROR-------\nerr"


def test_get_command_invocation_does_not_exist_right_after_the_send(aws, fleet):
    ids = fleet.ec2(A, REGION, 2)
    aws.commands.invocation_delay = 5.0
    aws.commands.delivery_seconds = 0.05
    aws.commands.run_seconds = 0.05
    ssm = aws.client("ssm", A, REGION, config=NO_RETRY)
    command = send(ssm, [ids[0]], "whoami")

    with pytest.raises(ClientError) as excinfo:
        ssm.get_command_invocation(CommandId=command["CommandId"], InstanceId=ids[0])
    assert code_of(excinfo) == "InvocationDoesNotExist"
    aws.commands.advance(5.0)
    got = ssm.get_command_invocation(CommandId=command["CommandId"], InstanceId=ids[0])
    assert (got["Status"], got["ResponseCode"], got["PluginName"]) == (
        "Success", 0, "aws:runShellScript")
    assert "whoami" in got["StandardOutputContent"] and ids[0] in got["StandardOutputContent"]
    assert got["ExecutionElapsedTime"].startswith("PT")

    for kwargs, code in (
        ({"InstanceId": ids[1]}, "InvocationDoesNotExist"),  # not sent there
        ({"CommandId": "11111111-2222-3333-4444-555555555555"}, "InvocationDoesNotExist"),
        ({"PluginName": "aws:runPowerShellScript"}, "InvalidPluginName"),
        ({"CommandId": "x" * 36}, "InvalidCommandId"),
    ):
        args = {"CommandId": command["CommandId"], "InstanceId": ids[0], **kwargs}
        with pytest.raises(ClientError) as excinfo:
            ssm.get_command_invocation(**args)
        assert code_of(excinfo) == code, kwargs
    other_region = aws.client("ssm", A, "eu-west-1", config=NO_RETRY)
    with pytest.raises(ClientError, match="InvocationDoesNotExist"):
        other_region.get_command_invocation(CommandId=command["CommandId"], InstanceId=ids[0])


def test_list_delay_hides_a_new_command(quick, fleet):
    aws = quick
    ids = fleet.ec2(A, REGION, 3)
    aws.commands.list_delay = 5.0
    ssm = aws.client("ssm", A, REGION)
    command = send(ssm, ids)

    assert ssm.list_command_invocations(CommandId=command["CommandId"])[
        "CommandInvocations"] == []  # not "all done"
    aws.commands.advance(5.0)
    assert {i["Status"] for i in invocations(ssm, command["CommandId"]).values()} == {
        "Success"}


# -- faults apply to locally answered operations ---------------------------------------------


def test_throttling_hits_local_operations_and_a_throttled_send_runs_nothing(quick, fleet):
    aws = quick
    ids = fleet.ec2(A, REGION, 3)
    aws.faults.add("throttle", service="ssm", operation="ListCommandInvocations", every=2)
    aws.faults.add("throttle", service="ssm", operation="SendCommand", first=1)
    ssm_once = aws.client("ssm", A, REGION, config=NO_RETRY)

    with pytest.raises(ClientError) as excinfo:
        send(ssm_once, ids)
    assert code_of(excinfo) == "ThrottlingException"
    assert aws.commands.sent == []  # refused before it reached the fake service
    command = send(ssm_once, ids)
    ssm_once.list_command_invocations(CommandId=command["CommandId"])
    with pytest.raises(ClientError) as excinfo:
        ssm_once.list_command_invocations(CommandId=command["CommandId"])
    assert code_of(excinfo) == "ThrottlingException"

    retried = aws.client("ssm", A, REGION, config=STANDARD)
    assert len(invocations(retried, command["CommandId"])) == 3
    assert len(aws.commands.sent) == 1 and aws.commands.duplicates() == {}
    faulted = [c for c in aws.calls if c.fault]
    assert {c.operation for c in faulted} == {"SendCommand", "ListCommandInvocations"}
    assert all(c.local for c in aws.calls if c.fault is None)


def test_latency_fault_applies_to_start_session(aws, fleet):
    [instance] = fleet.ec2(A, REGION, 1)
    aws.faults.add("latency", seconds=0.3, service="ssm", operation="StartSession")
    started = time.monotonic()
    aws.client("ssm", A, REGION).start_session(Target=instance)
    assert time.monotonic() - started >= 0.3
    assert aws.calls[-1].local and aws.calls[-1].duration >= 0.3


def test_reset_puts_back_replaced_handlers(aws):
    del aws.local_handlers[("ssm", "ListCommandInvocations")]
    aws.reset()
    assert aws.client("ssm", A).list_command_invocations()["CommandInvocations"] == []
    assert aws.calls[-1].local


# -- StartSession / TerminateSession ----------------------------------------------------------


def test_start_session_shapes_and_records(aws, fleet):
    ids = fleet.ec2(A, "eu-west-1", 2)
    ssm = aws.client("ssm", A, "eu-west-1")

    shell = ssm.start_session(Target=ids[0])
    tunnel = ssm.start_session(
        Target=ids[1],
        DocumentName="AWS-StartPortForwardingSessionToRemoteHost",
        Parameters={"host": ["db.internal"], "portNumber": ["5432"],
                    "localPortNumber": ["15432"]},
        Reason="debugging",
    )

    session_id = shell["SessionId"]
    assert session_id.startswith("fakeaws-") and len(session_id) == len("fakeaws-") + 17
    assert shell["StreamUrl"] == (
        f"wss://ssmmessages.eu-west-1.amazonaws.com/v1/data-channel/{session_id}"
        "?role=publish_subscribe")
    assert shell["TokenValue"] and len(shell["TokenValue"]) <= 300
    first, second = aws.sessions.records
    assert (first.kind, first.account, first.region, first.target, first.document) == (
        "ssm", A, "eu-west-1", ids[0], "SSM-SessionManagerRunShell")
    assert second.document == "AWS-StartPortForwardingSessionToRemoteHost"
    assert second.parameters["host"] == ["db.internal"] and second.reason == "debugging"
    assert second.session_id == tunnel["SessionId"]

    assert ssm.terminate_session(SessionId=session_id)["SessionId"] == session_id
    assert aws.sessions.get(session_id).terminated_at is not None
    assert [r.session_id for r in aws.sessions.active()] == [tunnel["SessionId"]]
    for document, parameters in (
        ("AWS-StartInteractiveCommand", {"command": ["sudo -iu deploy"]}),
        ("AWS-StartSSHSession", {"portNumber": ["22"]}),
        ("AWS-StartPortForwardingSession", {"portNumber": ["80"], "localPortNumber": ["0"]}),
    ):
        ssm.start_session(Target=ids[0], DocumentName=document, Parameters=parameters)
    assert len(aws.sessions.of_kind("ssm")) == 5


def test_start_session_errors(aws, fleet):
    ids = fleet.ec2(A, REGION, 3)
    stopped = fleet.ec2(A, REGION, 1, state="stopped")
    other = fleet.ec2(B, REGION, 1)
    aws.ssm.set(ids[1], managed=False)
    aws.ssm.set(ids[2], ping_status="ConnectionLost")
    ssm = aws.client("ssm", A, REGION, config=NO_RETRY)

    for target in (ids[1], ids[2], stopped[0], other[0], "i-0123456789abcdef0"):
        with pytest.raises(ClientError) as excinfo:
            ssm.start_session(Target=target)
        assert code_of(excinfo) == "TargetNotConnected"
        assert excinfo.value.response["Error"]["Message"] == f"{target} is not connected."
    with pytest.raises(ClientError) as excinfo:
        ssm.start_session(Target=ids[0], DocumentName="AWS-StartTelnetSession")
    assert code_of(excinfo) == "InvalidDocument"
    for document, parameters in (
        ("AWS-StartPortForwardingSessionToRemoteHost", {"portNumber": ["5432"]}),  # no host
        ("AWS-StartPortForwardingSession", {"portNumber": ["99999"]}),
        ("AWS-StartSSHSession", {"colour": ["red"]}),
    ):
        with pytest.raises(ClientError) as excinfo:
            ssm.start_session(Target=ids[0], DocumentName=document, Parameters=parameters)
        assert code_of(excinfo) == "InvalidParameters", document
    assert aws.sessions.records == []


# -- ECS ExecuteCommand ---------------------------------------------------------------------


def test_ecs_execute_command(aws, fleet):
    [single] = fleet.ecs_tasks(A, REGION, "prod", "api", 1)
    [multi] = fleet.ecs_tasks(A, REGION, "prod", "web", 1, containers=["app", "envoy"])
    [closed] = fleet.ecs_tasks(A, REGION, "prod", "batch", 1, exec_enabled=False)
    ecs = aws.client("ecs", A, REGION, config=NO_RETRY)

    out = ecs.execute_command(cluster="prod", task=single, command="/bin/sh", interactive=True)
    assert (out["taskArn"], out["containerName"], out["interactive"]) == (single, "app", True)
    assert out["clusterArn"] == f"arn:aws:ecs:{REGION}:{A}:cluster/prod"
    session = out["session"]
    assert session["sessionId"].startswith("ecs-execute-command-")
    assert session["streamUrl"].startswith(
        f"wss://ssmmessages.{REGION}.amazonaws.com/v1/data-channel/{session['sessionId']}?")
    assert session["tokenValue"]
    assert aws.calls[-1].local
    task_id = multi.rsplit("/", 1)[1]
    envoy = ecs.execute_command(cluster="arn:aws:ecs:us-east-1:111111111111:cluster/prod",
                                task=task_id, container="envoy", command="ls",
                                interactive=True)
    assert envoy["containerName"] == "envoy"
    record = aws.sessions.of_kind("ecs")[-1]
    assert (record.target, record.container, record.command) == (multi, "envoy", "ls")

    # everything else about ECS is still moto's
    described = ecs.describe_tasks(cluster="prod", tasks=[multi])["tasks"][0]
    assert [c["name"] for c in described["containers"]] == ["app", "envoy"]
    assert not aws.calls[-1].local

    for kwargs, code, message in (
        ({"task": multi}, "InvalidParameterException", "more than one container"),
        ({"task": multi, "container": "db"}, "InvalidParameterException", "db"),
        ({"task": closed}, "InvalidParameterException", "execute command was not enabled"),
        ({"task": single, "interactive": False}, "InvalidParameterException",
         "Interactive is the only mode supported currently."),
        ({"task": "0123456789abcdef0123456789abcdef"}, "InvalidParameterException",
         "The referenced task was not found."),
        ({"task": "abc"}, "InvalidParameterException", "task length should be one of [32,36]"),
        ({"task": single, "cluster": "staging"}, "ClusterNotFoundException", "Cluster not found"),
    ):
        args = {"cluster": "prod", "command": "/bin/sh", "interactive": True, **kwargs}
        with pytest.raises(ClientError) as excinfo:
            ecs.execute_command(**args)
        assert code_of(excinfo) == code, kwargs
        assert message in excinfo.value.response["Error"]["Message"], kwargs
    assert len(aws.sessions.of_kind("ecs")) == 2


# -- the fake executables ---------------------------------------------------------------------


def run_tool(tool, *args, env, **kwargs):
    return subprocess.run([str(FAKEBIN / tool), *args], env=env, capture_output=True,
                          text=True, timeout=30, **kwargs)


def test_every_fake_tool_is_an_executable_recorder(tmp_path):
    log = tmp_path / "calls.jsonl"
    env = fakebin_env(log, base={"PATH": os.environ["PATH"], "PGPASSWORD": "fake-pw",
                                 "AWS_REGION": "eu-west-1"})
    for tool in TOOLS:
        assert os.access(FAKEBIN / tool, os.X_OK), tool
        done = subprocess.run([tool, "--flag", "it's $(not) run"], env=env, input="",
                              capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, done.stderr

    calls = read_log(log)
    assert [c["tool"] for c in calls] == list(TOOLS)
    assert all(c["argv"] == ["--flag", "it's $(not) run"] for c in calls)
    psql = read_log(log, tool="psql")[0]
    assert "PGPASSWORD" in psql["env_present"] and psql["env"]["AWS_REGION"] == "eu-west-1"
    assert psql["secrets"]["PGPASSWORD"]["length"] == 7
    assert "fake-pw" not in log.read_text()
    assert psql["stdin"] == {"tty": False, "data": "", "eof": True}


def test_exit_status_stdin_and_client_target(tmp_path):
    log = tmp_path / "calls.jsonl"
    env = fakebin_env(log, exit="4", exit_mysql="0", stdout="ok\n")
    done = run_tool("psql", "-h", "127.0.0.1", "-p", "15432", "-U", "app", "orders",
                    env=env, input="select 1;\n")
    assert (done.returncode, done.stdout) == (4, "ok\n")
    assert run_tool("mysql", "--host=127.0.0.1", "-P", "13306", env=env).returncode == 0
    assert run_tool("redis-cli", "-u", "redis://127.0.0.1:16379", env=env).returncode == 4

    psql, mysql, redis = read_log(log)
    assert psql["stdin"]["data"] == "select 1;\n" and psql["exit"] == 4
    assert psql["connect"] == {"host": "127.0.0.1", "port": 15432}
    assert mysql["connect"] == {"host": "127.0.0.1", "port": 13306}
    assert redis["connect"] == {"host": "127.0.0.1", "port": 16379}


def test_ssh_records_its_command_line_and_can_run_the_proxy_command(tmp_path):
    log = tmp_path / "calls.jsonl"
    env = fakebin_env(log, ssh_run_proxy="1")
    proxy = f"{sys.executable} -c \"import sys; print(sys.argv[1:])\" %h %p %r"
    done = run_tool("ssh", "-o", f"ProxyCommand={proxy}", "-p", "2222", "-i", "key.pem",
                    "-tt", "--", "ec2-user@i-0123456789abcdef0", "uptime", "-a", env=env)
    assert done.returncode == 0

    [call] = read_log(log)
    ssh = call["ssh"]
    assert (ssh["user"], ssh["host"], ssh["port"]) == ("ec2-user", "i-0123456789abcdef0", 2222)
    assert ssh["command"] == ["uptime", "-a"]
    assert ssh["identity_files"] == ["key.pem"] and ssh["proxy_command"] == proxy
    assert ssh["proxy_run"]["exit"] == 0
    assert ssh["proxy_run"]["stdout"].strip() == "['i-0123456789abcdef0', '2222', 'ec2-user']"


def test_session_manager_plugin_answers_like_the_real_one(tmp_path):
    log = tmp_path / "calls.jsonl"
    env = fakebin_env(log, exit="9")  # only a session's exit status is configurable
    assert run_tool("session-manager-plugin", "--version", env=env).stdout == "1.2.707.0\n"
    installed = run_tool("session-manager-plugin", env=env)
    assert (installed.returncode, installed.stdout) == (0, (
        "\nThe Session Manager plugin was installed successfully. "
        "Use the AWS CLI to start a session.\n\n"))
    assert "Unknown operation x." in run_tool("session-manager-plugin", "x", env=env).stdout

    response = {"SessionId": "fakeaws-0123456789abcdef0", "TokenValue": "t", "StreamUrl": "u"}
    parameters = {"Target": "i-0123456789abcdef0"}
    done = run_tool("session-manager-plugin", json.dumps(response), "eu-west-1",
                    "StartSession", "prod", json.dumps(parameters), "https://ssm.example",
                    env=env)
    assert done.returncode == 9
    assert "Starting session with SessionId: fakeaws-0123456789abcdef0" in done.stdout
    plugin = read_log(log)[-1]["plugin"]
    assert plugin == {
        "response": response, "response_via_env": False, "region": "eu-west-1",
        "operation": "StartSession", "profile": "prod", "parameters": parameters,
        "target": "i-0123456789abcdef0", "endpoint": "https://ssm.example", "errors": [],
    }


def test_plugin_holds_a_tunnel_open_and_a_client_can_connect(tmp_path):
    log = tmp_path / "calls.jsonl"
    env = fakebin_env(log, hold="forever", connect="1")
    response = {"SessionId": "s-1", "TokenValue": "t", "StreamUrl": "u"}
    parameters = {"Target": "i-0123456789abcdef0",
                  "DocumentName": "AWS-StartPortForwardingSessionToRemoteHost",
                  "Parameters": {"host": ["db"], "portNumber": ["5432"],
                                 "localPortNumber": ["0"]}}
    plugin = subprocess.Popen(
        [str(FAKEBIN / "session-manager-plugin"), json.dumps(response), REGION,
         "StartSession", "", json.dumps(parameters), "http://127.0.0.1:1"],
        env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert plugin.stdout.readline() == "\n"
        assert plugin.stdout.readline().startswith("Starting session with SessionId: s-1")
        port = int(plugin.stdout.readline().split()[1])
        assert plugin.stdout.readline() == "Waiting for connections...\n"
        assert read_log(log)[0]["plugin"]["listening"] == port  # recorded while it runs

        assert run_tool("psql", "-h", "127.0.0.1", "-p", str(port), env=env).returncode == 0
        assert read_log(log, tool="psql")[0]["connect"]["ok"] is True

        # the same local port again: taken
        busy = dict(parameters, Parameters={**parameters["Parameters"],
                                            "localPortNumber": [str(port)]})
        done = run_tool("session-manager-plugin", json.dumps(response), REGION,
                        "StartSession", "", json.dumps(busy), "http://127.0.0.1:1", env=env)
        assert done.returncode == 0 and "Cannot perform start session" in done.stdout
        assert read_log(log)[-1]["plugin"]["listen_error"]
    finally:
        plugin.terminate()
        plugin.wait(timeout=10)
    assert plugin.returncode == 0
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


# -- the AWS CLI against the fake: the reference for the plugin's argv --------------------------


@pytest.fixture
def aws_cli():
    import shutil

    path = shutil.which("aws")
    assert path, "the AWS CLI (pip install awscli, a test dependency) is not installed"
    return path


def test_aws_cli_start_session_hands_the_plugin_what_the_fake_returned(aws, fleet, tmp_path,
                                                                       aws_cli):
    [instance] = fleet.ec2(A, REGION, 1)
    log = tmp_path / "calls.jsonl"
    env = fakebin_env(log, base=aws.env(A, REGION, base=os.environ))
    done = subprocess.run(
        [aws_cli, "ssm", "start-session", "--target", instance,
         "--document-name", "AWS-StartPortForwardingSession",
         "--parameters", "portNumber=5432,localPortNumber=15432"],
        env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr

    version, session = read_log(log)
    assert version["argv"] == ["--version"]
    [started] = aws.sessions.records
    plugin = session["plugin"]
    assert session["argv"][0] == "AWS_SSM_START_SESSION_RESPONSE"  # plugin newer than 1.2.497.0
    assert plugin["response_via_env"] and plugin["errors"] == []
    assert plugin["response"]["SessionId"] == started.session_id
    assert set(plugin["response"]) == {"SessionId", "TokenValue", "StreamUrl"}
    assert (plugin["region"], plugin["operation"], plugin["profile"]) == (
        REGION, "StartSession", "")
    assert plugin["parameters"] == {
        "Target": instance, "DocumentName": "AWS-StartPortForwardingSession",
        "Parameters": {"portNumber": ["5432"], "localPortNumber": ["15432"]}}
    assert plugin["endpoint"] == aws.endpoint


def test_aws_cli_ecs_execute_command_targets_the_container_runtime(aws, fleet, tmp_path,
                                                                   aws_cli):
    [task] = fleet.ecs_tasks(A, REGION, "prod", "web", 1, containers=["app", "envoy"])
    log = tmp_path / "calls.jsonl"
    env = fakebin_env(log, base=aws.env(A, REGION, base=os.environ))
    done = subprocess.run(
        [aws_cli, "ecs", "execute-command", "--cluster", "prod", "--task", task,
         "--container", "envoy", "--command", "/bin/sh", "--interactive"],
        env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr

    check, session = read_log(log)
    assert check["argv"] == []  # "is the plugin installed?"
    [started] = aws.sessions.records
    plugin = session["plugin"]
    assert plugin["response"]["sessionId"] == started.session_id
    runtime = aws.client("ecs", A, REGION).describe_tasks(cluster="prod", tasks=[task])[
        "tasks"][0]["containers"][1]["runtimeId"]
    assert plugin["target"] == f"ecs:prod_{task.rsplit('/', 1)[1]}_{runtime}"
    assert plugin["endpoint"] == aws.endpoint and plugin["errors"] == []
