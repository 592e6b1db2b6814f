"""Managed nodes as SSM lists them (ssm:DescribeInstanceInformation): the agent status of
EC2 instances, to merge into their records, and the nodes themselves for hybrid ones."""
from __future__ import annotations

from fuzzyaws.inventory import shared


def agent(info: dict) -> dict:
    """The attrs an SSM node's record carries: `ssm_ping`, `ssm_agent`, `ssm_platform`."""
    return {
        "ssm_ping": info.get("PingStatus"),
        "ssm_agent": info.get("AgentVersion"),
        "ssm_platform": " ".join(filter(None, (info.get("PlatformName"), info.get("PlatformVersion"))))
                        or info.get("PlatformType"),
    }


def agents(fetch) -> dict:
    """{instance id: agent(info)} for managed EC2 instances."""
    return {info["InstanceId"]: agent(info)
            for info in shared.ssm_nodes(fetch) if info.get("InstanceId", "").startswith("i-")}
