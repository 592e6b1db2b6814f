"""Session Manager and ECS Exec, answered by the proxy: ssm StartSession /
TerminateSession and ecs ExecuteCommand (moto has none of them; every other ECS
operation still goes to moto).

Nothing is streamed: these return the real response shapes (a session id, a token,
a wss:// StreamUrl) and record the call in ``aws.sessions.records``
(session_records.py), so a test can check what the code under test asked for and
then what it handed to the session-manager-plugin (tests/fakebin records that side).

StartSession
- Target an EC2 instance id: it must exist in the caller's account and region, be
  running, and be SSM-managed and Online per ``aws.ssm`` settings. Anything else is
  ``TargetNotConnected: <target> is not connected.`` -- the real message; AWS gives
  the same for an instance of another account or region.
- Target ``ecs:<cluster>_<task id>_<container runtime id>`` (what the AWS CLI builds
  after ExecuteCommand, and what ECS port forwarding uses): the task's container
  must exist with ECS Exec enabled, else TargetNotConnected.
- DocumentName: one of SESSION_DOCUMENTS (default SSM-SessionManagerRunShell), else
  InvalidDocument. Parameters must be ones the document defines and include its
  required ones, else InvalidParameters (the SSM error for bad document parameters;
  the real StartSession message for this case was not verified).
- SessionId is ``<IAM user name>-<17 hex>`` as for an IAM user (here ``fakeaws-...``);
  StreamUrl ``wss://ssmmessages.<region>.amazonaws.com/v1/data-channel/<id>?role=publish_subscribe``.

TerminateSession returns the SessionId (for any id, as the real API does for an
already-ended session) and marks a recorded session terminated.

ECS ExecuteCommand (cluster default "default", task id or ARN, container,
command, interactive):
- unknown cluster: ClusterNotFoundException "Cluster not found." (real);
- a task id of the wrong length: InvalidParameterException "task length should be
  one of [32,36]" (real);
- unknown task: InvalidParameterException "The referenced task was not found."
  (ECS's wording for StopTask; not verified for ExecuteCommand);
- interactive false: InvalidParameterException "Interactive is the only mode
  supported currently." (real);
- a task with several containers and no container given, or a container the task
  lacks: InvalidParameterException (wording not verified);
- the task not RUNNING, exec not enabled, or its ExecuteCommandAgent not RUNNING:
  InvalidParameterException "The execute command failed because execute command
  was not enabled when the task was run or the execute command agent isn’t
  running. Wait and try again or run a new task with execute command enabled and
  try again." (real, curly apostrophe included).
"""

from __future__ import annotations

import base64
import secrets
import time
from typing import Any

from .accounts import USER_NAME
from .errors import AwsError
from .local import HandlerTable, LocalRequest
from .session_records import SessionRecord

DEFAULT_DOCUMENT = "SSM-SessionManagerRunShell"
REQUIRED = object()
# document -> {parameter: default value, or REQUIRED}
SESSION_DOCUMENTS: dict[str, dict[str, Any]] = {
    DEFAULT_DOCUMENT: {},
    "AWS-StartInteractiveCommand": {"command": REQUIRED},
    "AWS-StartNonInteractiveCommand": {"command": REQUIRED},
    "AWS-StartPortForwardingSession": {"portNumber": "80", "localPortNumber": "0"},
    "AWS-StartPortForwardingSessionToRemoteHost": {
        "host": REQUIRED,
        "portNumber": "80",
        "localPortNumber": "0",
    },
    "AWS-StartPortForwardingSessionToSocket": {"socketPath": REQUIRED, "localPortNumber": "0"},
    "AWS-StartSSHSession": {"portNumber": "22"},
}
_PORT_PARAMETERS = {"portNumber", "localPortNumber"}

EXEC_NOT_ENABLED = (
    "The execute command failed because execute command was not enabled when the task "
    "was run or the execute command agent isn\u2019t running. Wait and try again or run a "
    "new task with execute command enabled and try again."
)


def _token_value() -> str:
    return "AAEAA" + base64.b64encode(b"fakeaws-session-token:" + secrets.token_bytes(96)).decode()


def _stream_url(region: str, session_id: str) -> str:
    return (
        f"wss://ssmmessages.{region}.amazonaws.com/v1/data-channel/{session_id}"
        "?role=publish_subscribe"
    )


def _exec_ready(task, container) -> bool:
    if task.last_status != "RUNNING" or not getattr(task, "enable_execute_command", False):
        return False
    agents = getattr(container, "managed_agents", None) or []
    return any(
        a.get("name") == "ExecuteCommandAgent" and a.get("lastStatus") == "RUNNING"
        for a in agents
    )


def _ecs_target_connected(req: LocalRequest, target: str) -> bool:
    try:
        cluster_name, task_id, runtime_id = target[len("ecs:") :].rsplit("_", 2)
    except ValueError:
        return False
    tasks = req.ecs_backend().tasks.get(cluster_name, {})
    for arn, task in tasks.items():
        if arn.rsplit("/", 1)[-1] != task_id:
            continue
        for container in task.containers:
            if getattr(container, "runtime_id", None) == runtime_id:
                return _exec_ready(task, container)
    return False


def _instance_connected(req: LocalRequest, target: str) -> bool:
    instance = next((i for i in req.ec2_backend().all_instances() if i.id == target), None)
    if instance is None or instance.state != "running":
        return False
    settings = req.state.ssm.get(target)
    return bool(settings["managed"]) and settings["ping_status"] == "Online"


def _check_parameters(document: str, parameters: dict[str, list[str]]) -> None:
    spec = SESSION_DOCUMENTS[document]
    unknown = sorted(set(parameters) - set(spec))
    if unknown:
        raise AwsError(
            "InvalidParameters",
            f"Parameters {unknown} are not defined in the document {document}.",
        )
    missing = [k for k, v in spec.items() if v is REQUIRED and not parameters.get(k)]
    if missing:
        raise AwsError(
            "InvalidParameters",
            f"Required parameters {missing} of the document {document} are missing.",
        )
    for name in _PORT_PARAMETERS & set(parameters):
        values = parameters[name]
        low = 0 if name == "localPortNumber" else 1
        if len(values) != 1 or not values[0].isdigit() or not low <= int(values[0]) <= 65535:
            raise AwsError(
                "InvalidParameters",
                f"Parameter {name} value {values} is not a port number.",
            )


def start_session(req: LocalRequest) -> dict:
    params = req.params
    target = params.get("Target") or ""
    document = (params.get("DocumentName") or DEFAULT_DOCUMENT).rsplit("/", 1)[-1]
    if document not in SESSION_DOCUMENTS:
        raise AwsError("InvalidDocument", f"Document with name {document} does not exist.")
    parameters = {k: list(v) for k, v in (params.get("Parameters") or {}).items()}
    _check_parameters(document, parameters)
    if target.startswith("ecs:"):
        connected = _ecs_target_connected(req, target)
    else:
        connected = _instance_connected(req, target)
    if not connected:
        raise AwsError("TargetNotConnected", f"{target} is not connected.")
    session_id = f"{USER_NAME}-{secrets.token_hex(9)[:17]}"
    req.state.sessions.add(
        SessionRecord(
            kind="ssm",
            time=time.time(),
            account=req.info.account,
            region=req.info.region,
            session_id=session_id,
            target=target,
            document=document,
            parameters=parameters,
            reason=params.get("Reason"),
        )
    )
    return {
        "SessionId": session_id,
        "TokenValue": _token_value(),
        "StreamUrl": _stream_url(req.info.region, session_id),
    }


def terminate_session(req: LocalRequest) -> dict:
    session_id = req.params.get("SessionId") or ""
    record = req.state.sessions.get(session_id)
    if record is not None and record.terminated_at is None:
        record.terminated_at = time.time()
    return {"SessionId": session_id}


def _find_task(req: LocalRequest, cluster_name: str, task: str):
    task_id = task.rsplit("/", 1)[-1]
    if len(task_id) not in (32, 36):
        raise AwsError("InvalidParameterException", "task length should be one of [32,36]")
    for arn, candidate in req.ecs_backend().tasks.get(cluster_name, {}).items():
        if arn == task or arn.rsplit("/", 1)[-1] == task_id:
            return candidate
    raise AwsError("InvalidParameterException", "The referenced task was not found.")


def execute_command(req: LocalRequest) -> dict:
    params = req.params
    for name in ("command", "task"):
        if not params.get(name):
            raise AwsError("InvalidParameterException", f"{name} can not be blank.")
    cluster_name = (params.get("cluster") or "default").rsplit("/", 1)[-1]
    cluster = req.ecs_backend().clusters.get(cluster_name)
    if cluster is None:
        raise AwsError("ClusterNotFoundException", "Cluster not found.")
    task = _find_task(req, cluster_name, params["task"])
    if not params.get("interactive"):
        raise AwsError(
            "InvalidParameterException", "Interactive is the only mode supported currently."
        )
    wanted = params.get("container")
    if wanted:
        container = next((c for c in task.containers if c.name == wanted), None)
        if container is None:
            raise AwsError(
                "InvalidParameterException",
                f"The container {wanted} does not exist in the task.",
            )
    elif len(task.containers) == 1:
        container = task.containers[0]
    else:
        raise AwsError(
            "InvalidParameterException",
            "The task has more than one container: specify the container name.",
        )
    if not _exec_ready(task, container):
        raise AwsError("InvalidParameterException", EXEC_NOT_ENABLED)
    session_id = f"ecs-execute-command-{secrets.token_hex(9)[:17]}"
    req.state.sessions.add(
        SessionRecord(
            kind="ecs",
            time=time.time(),
            account=req.info.account,
            region=req.info.region,
            session_id=session_id,
            target=task.task_arn,
            cluster=cluster.arn,
            container=container.name,
            command=params["command"],
            interactive=True,
        )
    )
    return {
        "clusterArn": cluster.arn,
        "containerArn": container.container_arn,
        "containerName": container.name,
        "interactive": True,
        "session": {
            "sessionId": session_id,
            "streamUrl": _stream_url(req.info.region, session_id),
            "tokenValue": _token_value(),
        },
        "taskArn": task.task_arn,
    }


HANDLERS: HandlerTable = {
    ("ssm", "StartSession"): start_session,
    ("ssm", "TerminateSession"): terminate_session,
    ("ecs", "ExecuteCommand"): execute_command,
}
