"""The SSM agent status of EC2 instances, to merge into their records."""
from __future__ import annotations

import botocore.exceptions as bex

from fuzzyaws.inventory.session import auth_error


def agents(client, page_size: int, warn) -> dict:
    """{instance id: {"ssm_ping", "ssm_agent", "ssm_platform"}} for managed EC2 instances.

    A failure here costs only the SSM status, not the instances: it is a warning
    (unless the credentials themselves are bad, which the shard reports).
    """
    try:
        pages = client("ssm").get_paginator("describe_instance_information").paginate(
            PaginationConfig={"PageSize": max(5, min(page_size, 50))})
        infos = [info for page in pages for info in page["InstanceInformationList"]]
    except (bex.BotoCoreError, bex.ClientError) as exc:
        if auth_error(exc, None) is not None:
            raise
        code = exc.response.get("Error", {}).get("Code") if isinstance(exc, bex.ClientError) else type(exc).__name__
        warn(f"SSM status not shown: DescribeInstanceInformation failed ({code})")
        return {}
    return {info["InstanceId"]: {
        "ssm_ping": info.get("PingStatus"),
        "ssm_agent": info.get("AgentVersion"),
        "ssm_platform": " ".join(filter(None, (info.get("PlatformName"), info.get("PlatformVersion"))))
                        or info.get("PlatformType"),
    } for info in infos if info.get("InstanceId", "").startswith("i-")}
