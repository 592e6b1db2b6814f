"""EC2 instances (every state but terminated), with the SSM agent status merged in.

IAM: ec2:DescribeInstances, ssm:DescribeInstanceInformation

A large page (an account of thousands of instances) is read into records by ec2_xml in
another process (inventory/offload.py) while the next page is fetched; a smaller one, or
one that process cannot read, here.

SSM is asked about the instances by batches of ids while EC2 lists them (ssm.Agents). If
it cannot be asked, the instances are still stored, each with the SSM status it had
before, marked unknown (`ssm_unknown`: why), so that `run` and `connect` can say why
instead of calling healthy hosts unmanaged.
"""
from __future__ import annotations

from collections import deque

from fuzzyaws.aws.errors import AwsError
from fuzzyaws.inventory import ec2_xml, ssm
from fuzzyaws.inventory.offload import OffloadError
from fuzzyaws.inventory.shape import iso, resource
from fuzzyaws.model import Resource, partition, tag_dict

LIVE_STATES = ["pending", "running", "stopping", "stopped", "shutting-down"]
SSM_ATTRS = ("ssm_ping", "ssm_agent", "ssm_platform")
ELSEWHERE_BYTES = 512 * 1024  # a page at least this large is read in the other process
AHEAD = 4  # pages being read there at once, at most (each body is held until it is read)


def collect(fetch) -> list:
    from fuzzyaws.aws.session import RAW_BODY, raw_bodies  # boto3: only where it is used
    agents = ssm.Agents(fetch)
    pages = iter(fetch.client("ec2").get_paginator("describe_instances").paginate(
        Filters=[{"Name": "instance-state-name", "Values": LIVE_STATES}],
        PaginationConfig={"PageSize": min(fetch.page_size, 1000)}))
    instances: list = []
    reading: deque = deque()  # (task, body) of the pages being read elsewhere, in order

    def add(listed: list) -> None:
        agents.ask([r.id for r in listed])  # while the next page is fetched
        instances.extend(listed)

    def read(task, body) -> None:
        try:
            add(task.get())
        except OffloadError:
            try:
                add(ec2_xml.records(body, fetch.account, fetch.region))
            except Exception as exc:  # noqa: BLE001 - as botocore's parser failing: the shard fails
                raise AwsError("unreadable answer", where=f"{fetch.account} {fetch.region}",
                               detail=f"{type(exc).__name__}: {exc}", operation="ec2 DescribeInstances") from None

    while True:
        with raw_bodies("DescribeInstances", _large):
            page = next(pages, None)
        if page is None:
            break
        body = page.get(RAW_BODY)
        if body is None:  # made into Resources a page at a time: botocore's dicts are ~10x larger
            add([_resource(i, fetch.account, fetch.region) for r in page["Reservations"] for i in r["Instances"]])
        else:
            reading.append((fetch.read_elsewhere(ec2_xml.records, body, fetch.account, fetch.region), body))
        while reading and (len(reading) > AHEAD or reading[0][0].done.is_set()):
            read(*reading.popleft())
    while reading:
        read(*reading.popleft())
    try:
        found = agents.found()
    except AwsError as exc:  # the instances are worth having without it
        unknown = f"SSM status unknown: {exc.cause}"
        fetch.partial(unknown)
        before = {r.id: r.attrs for r in fetch.previous()}
        return [_with(r, {**{k: v for k, v in before.get(r.id, {}).items() if k in SSM_ATTRS},
                          "ssm_unknown": unknown})
                for r in instances]
    return [_with(r, found.get(r.id)) for r in instances]


def _large(body: bytes) -> "bytes | None":
    """What botocore is to parse of a page read elsewhere (ec2_xml.stub); None: all of it."""
    return ec2_xml.stub(body) if len(body) >= ELSEWHERE_BYTES else None


def _with(instance: Resource, agent: "dict | None") -> Resource:
    """The instance with its SSM agent's attributes (after its own)."""
    if not agent:
        return instance
    return instance.replace(attrs={**instance.attrs, **{k: v for k, v in agent.items() if v not in (None, "", [])}})


def _resource(inst: dict, account: str, region: str) -> Resource:
    tags = tag_dict(inst.get("Tags"))
    iid = inst["InstanceId"]
    placement = inst.get("Placement", {})
    attrs = {  # ec2_xml.records reads the same, in the same order
        "type": inst.get("InstanceType"),
        "az": placement.get("AvailabilityZone"),
        "vpc": inst.get("VpcId"),
        "subnet": inst.get("SubnetId"),
        "private_ip": inst.get("PrivateIpAddress"),
        "private_dns": inst.get("PrivateDnsName"),
        "public_ip": inst.get("PublicIpAddress"),
        "image": inst.get("ImageId"),
        "key_name": inst.get("KeyName"),
        "platform": ec2_xml.platform(inst.get("PlatformDetails"), inst.get("Platform")),
        "launch_time": iso(inst.get("LaunchTime")),
        "security_groups": [g.get("GroupId") for g in inst.get("SecurityGroups", [])],
        "asg": tags.get("aws:autoscaling:groupName"),  # the Auto Scaling group that launched it
    }
    return resource("ec2", f"arn:{partition(region)}:ec2:{region}:{account}:instance/{iid}", iid, account,
                    region, tags=tags, attrs=attrs, state=inst.get("State", {}).get("Name"),
                    address=inst.get("PrivateIpAddress"))
