"""EC2 instances (every state but terminated), with the SSM agent status merged in."""
from __future__ import annotations

from fuzzyaws.inventory import ssm
from fuzzyaws.inventory.concurrent import gather
from fuzzyaws.model import Resource, partition, tag_dict

LIVE_STATES = ["pending", "running", "stopping", "stopped", "shutting-down"]


def collect(client, account: str, region: str, page_size: int, warn) -> list:
    def instances():
        pages = client("ec2").get_paginator("describe_instances").paginate(
            Filters=[{"Name": "instance-state-name", "Values": LIVE_STATES}],
            PaginationConfig={"PageSize": min(page_size, 1000)})
        return [i for page in pages for r in page["Reservations"] for i in r["Instances"]]

    instances, agents = gather(instances, lambda: ssm.agents(client, page_size, warn))
    return [_resource(i, account, region, agents.get(i["InstanceId"])) for i in instances]


def _resource(inst: dict, account: str, region: str, agent: "dict | None") -> Resource:
    tags = tag_dict(inst.get("Tags"))
    iid = inst["InstanceId"]
    placement = inst.get("Placement", {})
    attrs = {
        "type": inst.get("InstanceType"),
        "az": placement.get("AvailabilityZone"),
        "vpc": inst.get("VpcId"),
        "subnet": inst.get("SubnetId"),
        "private_ip": inst.get("PrivateIpAddress"),
        "private_dns": inst.get("PrivateDnsName"),
        "public_ip": inst.get("PublicIpAddress"),
        "image": inst.get("ImageId"),
        "key_name": inst.get("KeyName"),
        "platform": inst.get("PlatformDetails") or ("Windows" if inst.get("Platform") == "windows" else "Linux/UNIX"),
        "launch_time": inst["LaunchTime"].isoformat() if inst.get("LaunchTime") else None,
        "security_groups": [g.get("GroupId") for g in inst.get("SecurityGroups", [])],
    }
    if agent:
        attrs.update(agent)
    return Resource(
        kind="ec2", key=f"arn:{partition(region)}:ec2:{region}:{account}:instance/{iid}",
        id=iid, name=tags.get("Name") or iid, account=account, region=region,
        state=inst.get("State", {}).get("Name", ""),
        address=inst.get("PrivateIpAddress") or "",
        tags=tags, attrs={k: v for k, v in attrs.items() if v not in (None, "", [])})
