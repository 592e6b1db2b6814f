"""ssm DescribeInstanceInformation, which moto lacks: the running EC2 instances of the
caller's account and region, and its hybrid nodes (``aws.state.hybrid``), as managed
nodes, shaped and filtered like the real API's answer. Which of them are managed, and how
they look, is up to ``aws.ssm`` (ssm_settings.py).

And ssm ListTagsForResource, which moto refuses for managed nodes: the tags of hybrid
nodes, and moto's own answer for every other resource type.
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


# settings that, when set, replace what a node would report of itself
_OVERRIDES = (
    ("ip_address", "IPAddress"),
    ("computer_name", "ComputerName"),
    ("platform_name", "PlatformName"),
    ("platform_version", "PlatformVersion"),
    ("iam_role", "IamRole"),
    ("association_status", "AssociationStatus"),
)


def _agent(settings: dict[str, Any], now: datetime) -> dict:
    """The fields a node's agent reports, and where the settings override the node's own."""
    status = settings["ping_status"]
    last_ping = settings.get("last_ping")
    if last_ping is None:
        last_ping = now - (timedelta(seconds=40) if status == "Online" else timedelta(hours=6))
    fields = {
        "PingStatus": status,
        "LastPingDateTime": last_ping,
        "AgentVersion": settings["agent_version"],
        "IsLatestVersion": settings["is_latest_version"],
    }
    for setting, field in _OVERRIDES:
        if settings.get(setting):
            fields[field] = settings[setting]
    return fields


def node_record(instance, region: str, settings: dict[str, Any], now: datetime) -> dict:
    """One InstanceInformation item of an EC2 instance, shaped like the real API's."""
    windows = instance.platform == "windows"
    return {
        "InstanceId": instance.id,
        "PlatformType": "Windows" if windows else "Linux",
        "PlatformName": "Microsoft Windows Server 2022 Datacenter" if windows else "Amazon Linux",
        "PlatformVersion": "10.0.20348" if windows else "2023",
        "ResourceType": "EC2Instance",
        "IPAddress": instance.private_ip,
        "ComputerName": _computer_name(instance, region, windows),
        "SourceId": instance.id,
        "SourceType": "AWS::EC2::Instance",
        **_agent(settings, now),
    }


def hybrid_record(node: dict[str, Any], settings: dict[str, Any], now: datetime) -> dict:
    """One InstanceInformation item of a hybrid node (state.HybridNodes)."""
    windows = node["PlatformType"] == "Windows"
    return {
        **{k: v for k, v in node.items() if k != "Tags"},
        "PlatformName": "Microsoft Windows Server 2019 Datacenter" if windows else "Ubuntu",
        "PlatformVersion": "10.0.17763" if windows else "22.04",
        "ResourceType": "ManagedInstance",
        "SourceId": node["InstanceId"],
        "SourceType": "AWS::SSM::ManagedInstance",
        **_agent(settings, now),
    }


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
    candidates = [
        (node_record(instance, req.info.region, settings, now), backend.tags.get(instance.id, {}))
        for instance in backend.all_instances()
        if instance.state == "running" and (settings := req.state.ssm.get(instance.id))["managed"]
    ]
    candidates += [
        (hybrid_record(node, settings, now), node["Tags"])
        for node in req.state.hybrid.in_region(req.info.account, req.info.region)
        if (settings := req.state.ssm.get(node["InstanceId"]))["managed"]  # else deregistered
    ]
    records = [record for record, tags in candidates if _passes(record, tags, filters)]

    nodes, next_token = page(records, offset, size)
    body: dict[str, Any] = {"InstanceInformationList": nodes}
    if next_token:
        body["NextToken"] = next_token
    return body


def list_tags_for_resource(req: LocalRequest) -> dict:
    resource_type, resource_id = req.params.get("ResourceType"), req.params.get("ResourceId")
    if resource_type == "ManagedInstance":
        nodes = req.state.hybrid.in_region(req.info.account, req.info.region)
        tags = next((n["Tags"] for n in nodes if n["InstanceId"] == resource_id), None)
        if tags is None:
            raise AwsError(
                "InvalidResourceId", "The resource ID is not valid. Verify the ID and try again."
            )
    else:
        from moto.core.exceptions import ServiceException
        from moto.ssm.models import ssm_backends

        try:
            tags = ssm_backends[req.info.account][req.info.region].list_tags_for_resource(
                resource_type, resource_id)
        except ServiceException as exc:
            raise AwsError(exc.code, exc.message) from None
    return {"TagList": [{"Key": k, "Value": v} for k, v in tags.items()]}


HANDLERS: HandlerTable = {
    ("ssm", "DescribeInstanceInformation"): describe_instance_information,
    ("ssm", "ListTagsForResource"): list_tags_for_resource,
}
