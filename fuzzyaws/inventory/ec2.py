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
    def instances():  # made into Resources a page at a time: botocore's dicts are ~10x larger
        pages = fetch.client("ec2").get_paginator("describe_instances").paginate(
            Filters=[{"Name": "instance-state-name", "Values": LIVE_STATES}],
            PaginationConfig={"PageSize": min(fetch.page_size, 1000)})
        return [_resource(i, fetch.account, fetch.region) for page in pages
                for r in page["Reservations"] for i in r["Instances"]]

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
        return [_with(r, {**{k: v for k, v in before.get(r.id, {}).items() if k in SSM_ATTRS},
                          "ssm_unknown": unknown})
                for r in instances]
    return [_with(r, agents.get(r.id)) for r in instances]


def _with(resource: Resource, agent: "dict | None") -> Resource:
    """The instance with its SSM agent's attributes (after its own)."""
    if not agent:
        return resource
    return resource.replace(attrs={**resource.attrs, **{k: v for k, v in agent.items() if v not in (None, "", [])}})


def _resource(inst: dict, account: str, region: str) -> Resource:
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
    return Resource(
        kind="ec2", key=f"arn:{partition(region)}:ec2:{region}:{account}:instance/{iid}",
        id=iid, name=tags.get("Name") or iid, account=account, region=region,
        state=inst.get("State", {}).get("Name", ""),
        address=inst.get("PrivateIpAddress") or "",
        tags=tags, attrs={k: v for k, v in attrs.items() if v not in (None, "", [])})
