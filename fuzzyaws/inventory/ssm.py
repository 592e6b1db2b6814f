"""The SSM agent status of EC2 instances, to merge into their records."""
from __future__ import annotations


def agents(fetch) -> dict:
    """{instance id: {"ssm_ping", "ssm_agent", "ssm_platform"}} for managed EC2 instances."""
    pages = fetch.client("ssm").get_paginator("describe_instance_information").paginate(
        PaginationConfig={"PageSize": max(5, min(fetch.page_size, 50))})
    infos = [info for page in pages for info in page["InstanceInformationList"]]
    return {info["InstanceId"]: {
        "ssm_ping": info.get("PingStatus"),
        "ssm_agent": info.get("AgentVersion"),
        "ssm_platform": " ".join(filter(None, (info.get("PlatformName"), info.get("PlatformVersion"))))
                        or info.get("PlatformType"),
    } for info in infos if info.get("InstanceId", "").startswith("i-")}
