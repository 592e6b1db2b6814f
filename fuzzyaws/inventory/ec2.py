"""EC2 instances (every state but terminated), with the SSM agent status merged in.

IAM: ec2:DescribeInstances, ssm:DescribeInstanceInformation

If the SSM listing fails, the instances are still stored, each with the SSM status it had
before, marked unknown (`ssm_unknown`: why), so that `run` and `connect` can say why
instead of calling healthy hosts unmanaged.
"""
from __future__ import annotations

from fuzzyaws.aws.errors import AwsError
from fuzzyaws.inventory import ssm
from fuzzyaws.inventory.shape import iso
from fuzzyaws.model import Resource, partition, tag_dict

LIVE_STATES = ["pending", "running", "stopping", "stopped", "shutting-down"]
SSM_ATTRS = ("ssm_ping", "ssm_agent", "ssm_platform")


def collect(fetch) -> list:
    def instances():
        pages = fetch.client("ec2").get_paginator("describe_instances").paginate(
            Filters=[{"Name": "instance-state-name", "Values": LIVE_STATES}],
            PaginationConfig={"PageSize": min(fetch.page_size, 1000)})
        return [i for page in pages for r in page["Reservations"] for i in r["Instances"]]

    def agents():
        try:
            return ssm.agents(fetch)
        except AwsError as exc:  # the instances are worth having without it
            return exc

    instances, agents = fetch.gather(instances, agents)
    if isinstance(agents, AwsError):
        unknown = f"SSM status unknown: {agents.cause}"
        fetch.partial(unknown)
        before = {r.id: r.attrs for r in fetch.previous()}
        return [_resource(i, fetch.account, fetch.region,
                          {**{k: v for k, v in before.get(i["InstanceId"], {}).items() if k in SSM_ATTRS},
                           "ssm_unknown": unknown})
                for i in instances]
    return [_resource(i, fetch.account, fetch.region, agents.get(i["InstanceId"])) for i in instances]


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
        "launch_time": iso(inst.get("LaunchTime")),
        "security_groups": [g.get("GroupId") for g in inst.get("SecurityGroups", [])],
        "asg": tags.get("aws:autoscaling:groupName"),  # the Auto Scaling group that launched it
    }
    if agent:
        attrs.update(agent)
    return Resource(
        kind="ec2", key=f"arn:{partition(region)}:ec2:{region}:{account}:instance/{iid}",
        id=iid, name=tags.get("Name") or iid, account=account, region=region,
        state=inst.get("State", {}).get("Name", ""),
        address=inst.get("PrivateIpAddress") or "",
        tags=tags, attrs={k: v for k, v in attrs.items() if v not in (None, "", [])})
