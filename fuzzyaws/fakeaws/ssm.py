"""SSM operations moto lacks, answered from moto's EC2 state plus test settings.

DescribeInstanceInformation lists the running EC2 instances of the caller's account
and region as managed nodes. By default every one is managed, Online, on a current
agent; ``aws.ssm.set(ids, managed=False)`` or ``aws.ssm.set(ids,
ping_status="ConnectionLost")`` changes that per instance.
"""

from __future__ import annotations

import base64
import re
import threading
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from typing import Any

from .errors import AwsError
from .local import LocalRequest, local

FIELDS = {
    "managed",
    "ping_status",
    "agent_version",
    "is_latest_version",
    "platform_name",
    "platform_version",
    "computer_name",
    "ip_address",
    "last_ping",
    "iam_role",
    "association_status",
}
PING_STATUSES = {"Online", "ConnectionLost", "Inactive"}
DEFAULTS: dict[str, Any] = {
    "managed": True,
    "ping_status": "Online",
    "agent_version": "3.3.1142.0",
    "is_latest_version": True,
}

_INSTANCE_ID = re.compile(r"^(i|mi)-[0-9a-f]{8,17}$")


class SsmSettings:
    """Per-instance SSM agent state the fake reports. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_instance: dict[str, dict[str, Any]] = {}
        self.defaults: dict[str, Any] = dict(DEFAULTS)

    def set(self, instance_ids: str | Iterable[str], **settings: Any) -> None:
        unknown = set(settings) - FIELDS
        if unknown:
            raise TypeError(f"unknown SSM settings {sorted(unknown)}; known: {sorted(FIELDS)}")
        status = settings.get("ping_status")
        if status is not None and status not in PING_STATUSES:
            raise ValueError(f"ping_status must be one of {sorted(PING_STATUSES)}")
        if isinstance(instance_ids, str):
            instance_ids = [instance_ids]
        with self._lock:
            for instance_id in instance_ids:
                self._by_instance.setdefault(instance_id, {}).update(settings)

    def get(self, instance_id: str) -> dict[str, Any]:
        with self._lock:
            return {**self.defaults, **self._by_instance.get(instance_id, {})}

    def clear(self) -> None:
        with self._lock:
            self._by_instance.clear()
            self.defaults = dict(DEFAULTS)


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
            bad = [v for v in values if not _INSTANCE_ID.match(v)]
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


def _token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"fakeaws-ssm:{offset}".encode()).decode()


def _offset(token: str) -> int:
    try:
        prefix, offset = base64.urlsafe_b64decode(token.encode()).decode().split(":")
        if prefix != "fakeaws-ssm":
            raise ValueError(prefix)
        return int(offset)
    except (ValueError, UnicodeDecodeError) as exc:
        raise AwsError("InvalidNextToken", "The specified token isn't valid.") from exc


@local("ssm", "DescribeInstanceInformation")
def describe_instance_information(req: LocalRequest) -> dict:
    params = req.params
    max_results = params.get("MaxResults", 10)
    if not isinstance(max_results, int):
        raise AwsError("SerializationException", "MaxResults must be an integer")
    if not 5 <= max_results <= 50:
        bound = "greater than or equal to 5" if max_results < 5 else "less than or equal to 50"
        raise AwsError(
            "ValidationException",
            f"1 validation error detected: Value '{max_results}' at 'maxResults' failed to "
            f"satisfy constraint: Member must have value {bound}",
        )
    filters = _filters(params)
    offset = _offset(params["NextToken"]) if params.get("NextToken") else 0

    backend = req.ec2_backend()
    now = datetime.now(timezone.utc)
    records = []
    for instance in backend.all_instances():
        if instance.state != "running":
            continue
        settings = req.aws.ssm.get(instance.id)
        if not settings["managed"]:
            continue
        record = node_record(instance, req.info.region, settings, now)
        if _passes(record, dict(backend.tags.get(instance.id, {})), filters):
            records.append(record)

    page = records[offset : offset + max_results]
    body: dict[str, Any] = {"InstanceInformationList": page}
    if offset + max_results < len(records):
        body["NextToken"] = _token(offset + max_results)
    return body
