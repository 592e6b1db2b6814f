"""ssm SendCommand, answered by the proxy: moto's adds every instance of the region
when given InstanceIds, so the fake validates the call as the real API does and
hands the accepted command to ``aws.commands`` to simulate.

Which instance ids SendCommand accepts (the whole call fails otherwise, as the real
API does, with ``InvalidInstanceId: Instances [[i-...]] not in a valid state for
account ACCOUNT``): the instance exists in moto's EC2 state of the caller's account
and region, is not terminated / shutting down, and is registered with SSM
(SsmSettings managed=True, ping_status not Inactive). An accepted instance that is
not running or not Online (ConnectionLost) gets its invocation but never receives
it: Delayed, then DeliveryTimedOut, as the real service does for stopped or
disconnected nodes. AWS-RunShellScript to a Windows instance fails the whole call
with UnsupportedPlatformType. More than 50 InstanceIds: ValidationException.

The timeouts (see simulation.py): ``TimeoutSeconds`` (30..2592000, default 3600)
bounds delivery; ``Parameters={"executionTimeout": ["120"]}`` (1..172800, default
3600) bounds the run. So a client that wants its --timeout enforced on the hosts
sends executionTimeout. MaxConcurrency defaults to "50", MaxErrors to "0".
"""

from __future__ import annotations

import re
import time
import uuid

from ..errors import AwsError
from ..local import HandlerTable, LocalRequest
from ..wire import INSTANCE_ID, validation_error
from .commands import SentCommand
from .responses import command_body

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

_MAX_CONCURRENCY = re.compile(r"^([1-9][0-9]*|[1-9][0-9]%|[1-9]%|100%)$")
_MAX_ERRORS = re.compile(r"^([1-9][0-9]*|[0]|[1-9][0-9]%|[0-9]%|100%)$")


def _parameters(params: dict) -> tuple[dict[str, list[str]], int]:
    """The document parameters and the execution timeout they set."""
    parameters = params.get("Parameters") or {}
    unknown = sorted(set(parameters) - DOCUMENT_PARAMETERS)
    if unknown:
        raise AwsError(
            "InvalidParameters", f"Parameters {unknown} are not defined in the document."
        )
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


def _reachable_instances(req: LocalRequest, instance_ids: list[str], document: str):
    """{id: whether it can receive the command} for ids SendCommand accepts, or the
    whole call fails."""
    backend = req.ec2_backend()
    known = {i.id: i for i in backend.all_instances()}
    invalid, found = [], {}
    for instance_id in instance_ids:
        instance = known.get(instance_id)
        settings = req.state.ssm.get(instance_id)
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
    return {
        i: instance.state == "running" and settings["ping_status"] == "Online"
        for i, (instance, settings) in found.items()
    }


def send_command(req: LocalRequest) -> dict:
    params = req.params
    if params.get("Targets"):
        raise AwsError("InvalidParameters", "fakeaws supports InstanceIds only, not Targets.")
    instance_ids = list(params.get("InstanceIds") or [])
    if not instance_ids:
        raise AwsError("InvalidInstanceId", "Specify InstanceIds or Targets.")
    if len(instance_ids) > MAX_INSTANCE_IDS:
        raise validation_error(
            instance_ids,
            "instanceIds",
            f"Member must have length less than or equal to {MAX_INSTANCE_IDS}",
        )
    if len(set(instance_ids)) != len(instance_ids):
        raise AwsError("DuplicateInstanceId", "")
    bad = [i for i in instance_ids if not INSTANCE_ID.match(i)]
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
        raise validation_error(
            timeout_seconds, "timeoutSeconds",
            "Member must have value between 30 and 2592000",
        )
    max_concurrency = params.get("MaxConcurrency") or "50"
    if not _MAX_CONCURRENCY.match(max_concurrency):
        raise validation_error(
            max_concurrency, "maxConcurrency",
            f"Member must satisfy regular expression pattern: {_MAX_CONCURRENCY.pattern}",
        )
    max_errors = params.get("MaxErrors") or "0"
    if not _MAX_ERRORS.match(max_errors):
        raise validation_error(
            max_errors, "maxErrors",
            f"Member must satisfy regular expression pattern: {_MAX_ERRORS.pattern}",
        )
    comment = params.get("Comment") or ""
    if len(comment) > 100:
        raise validation_error(
            comment, "comment", "Member must have length less than or equal to 100"
        )
    parameters, execution_timeout = _parameters(params)
    reachable = _reachable_instances(req, instance_ids, document)

    sent = SentCommand(
        time=time.time(),
        account=req.info.account,
        region=req.info.region,
        command_id=str(uuid.uuid4()),
        document=document,
        instance_ids=tuple(instance_ids),
        parameters=parameters,
        timeout_seconds=timeout_seconds,
        execution_timeout=execution_timeout,
        max_concurrency=max_concurrency,
        max_errors=max_errors,
        comment=comment,
    )
    command = req.state.commands.start(sent, DOCUMENTS[document]["plugin"], reachable)
    return {"Command": command_body(command, command.requested)}


HANDLERS: HandlerTable = {("ssm", "SendCommand"): send_command}
