"""ssm DescribeInstanceInformation, which moto lacks: the running EC2 instances of the
caller's account and region, as managed nodes, shaped and filtered like the real
API's answer. Which instances are managed, and how they look, is up to
``aws.ssm`` (ssm_settings.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from .errors import AwsError
from .local import HandlerTable, LocalRequest
from .wire import INSTANCE_ID, max_results, page, page_offset


def _computer_name(instance, region: str, windows: bool) -> str:
    if windows:
        return "EC2AMAZ-" + instance.id[-7:].upper()
    ip = (instance.private_ip or "10.0.0.1").replace(".", "-")
    domain = "ec2.internal" if region == "us-east-1" else f"{region}.compute.internal"
    return f"ip-{ip}.{domain}"


def node_record(instance, region: str, settings: dict[str, Any], now: datetime) -> dict:
    """One InstanceInformation item, shaped like the real API's."""
    windows = instance.platform == "windows"
    status = settings["ping_status"]
    last_ping = settings.get("last_ping")
    if last_ping is None:
        last_ping = now - (timedelta(seconds=40) if status == "Online" else timedelta(hours=6))
    record = {
        "InstanceId": instance.id,
        "PingStatus": status,
        "LastPingDateTime": last_ping,
        "AgentVersion": settings["agent_version"],
        "IsLatestVersion": settings["is_latest_version"],
        "PlatformType": "Windows" if windows else "Linux",
        "PlatformName": settings.get("platform_name")
        or ("Microsoft Windows Server 2022 Datacenter" if windows else "Amazon Linux"),
        "PlatformVersion": settings.get("platform_version")
        or ("10.0.20348" if windows else "2023"),
        "ResourceType": "EC2Instance",
        "IPAddress": settings.get("ip_address") or instance.private_ip,
        "ComputerName": settings.get("computer_name")
        or _computer_name(instance, region, windows),
        "SourceId": instance.id,
        "SourceType": "AWS::EC2::Instance",
    }
    if settings.get("iam_role"):
        record["IamRole"] = settings["iam_role"]
    if settings.get("association_status"):
        record["AssociationStatus"] = settings["association_status"]
    return record


# filter key -> function(record, tags) -> value(s) the filter values are compared with
_FILTER_FIELDS = {
    "InstanceIds": lambda r, t: r["InstanceId"],
    "AgentVersion": lambda r, t: r["AgentVersion"],
    "PingStatus": lambda r, t: r["PingStatus"],
    "PlatformTypes": lambda r, t: r["PlatformType"],
    "PlatformType": lambda r, t: r["PlatformType"],
    "ResourceType": lambda r, t: r["ResourceType"],
    "IamRole": lambda r, t: r.get("IamRole"),
    "AssociationStatus": lambda r, t: r.get("AssociationStatus"),
    "SourceIds": lambda r, t: r["SourceId"],
    "SourceTypes": lambda r, t: r["SourceType"],
    "ActivationIds": lambda r, t: r.get("ActivationId"),
}
_LEGACY_KEYS = {
    "InstanceIds",
    "AgentVersion",
    "PingStatus",
    "PlatformTypes",
    "ActivationIds",
    "IamRole",
    "ResourceType",
    "AssociationStatus",
}


def _filters(params: dict) -> list[tuple[str, list[str]]]:
    if params.get("Filters") and params.get("InstanceInformationFilterList"):
        raise AwsError(
            "ValidationException",
            "Filters and InstanceInformationFilterList cannot be used together",
        )
    out = []
    for f in params.get("InstanceInformationFilterList") or []:
        if f.get("key") not in _LEGACY_KEYS:
            raise AwsError("InvalidFilterKey", "")
        out.append((f["key"], list(f.get("valueSet") or [])))
    for f in params.get("Filters") or []:
        key = f.get("Key", "")
        if key not in _FILTER_FIELDS and key != "tag-key" and not key.startswith("tag:"):
            raise AwsError("InvalidFilterKey", "")
        out.append((key, list(f.get("Values") or [])))
    for key, values in out:
        if not values:
            raise AwsError(
                "InvalidInstanceInformationFilterValue", f"Filter {key} needs at least one value"
            )
        if key == "InstanceIds":
            bad = [v for v in values if not INSTANCE_ID.match(v)]
            if bad:
                raise AwsError("InvalidInstanceId", f"Invalid instance id(s): {', '.join(bad)}")
    return out


def _passes(record: dict, tags: dict[str, str], filters) -> bool:
    for key, values in filters:
        if key == "tag-key":
            ok = any(v in tags for v in values)
        elif key.startswith("tag:"):
            ok = tags.get(key[4:]) in values
        else:
            ok = _FILTER_FIELDS[key](record, tags) in values
        if not ok:
            return False
    return True


def describe_instance_information(req: LocalRequest) -> dict:
    params = req.params
    size = max_results(params, default=10, low=5)
    filters = _filters(params)
    offset = page_offset(params)

    backend = req.ec2_backend()
    now = datetime.now(timezone.utc)
    records = []
    for instance in backend.all_instances():
        if instance.state != "running":
            continue
        settings = req.state.ssm.get(instance.id)
        if not settings["managed"]:
            continue
        record = node_record(instance, req.info.region, settings, now)
        if _passes(record, dict(backend.tags.get(instance.id, {})), filters):
            records.append(record)

    nodes, next_token = page(records, offset, size)
    body: dict[str, Any] = {"InstanceInformationList": nodes}
    if next_token:
        body["NextToken"] = next_token
    return body


HANDLERS: HandlerTable = {("ssm", "DescribeInstanceInformation"): describe_instance_information}
