"""EC2 instances read straight from DescribeInstances' XML, without botocore.

botocore parses a page of 1,000 instances into nested dicts by walking its service model
for every element (~20 ms of the 42 ms a page costs here, the rest is the C parser), and
ec2.py then picks a dozen fields out of them. This reads those fields from the tree
itself, and needs nothing but the standard library, so that a large page can be read in
another process (inventory/offload.py) while the next one is fetched. tests/test_ec2_xml.py
holds it to ec2.py's records from botocore's answer, on moto's responses.

The wire names are the EC2 model's `locationName`s (PublicIpAddress is `ipAddress`,
SecurityGroups `groupSet`, Tags `tagSet`, State `instanceState`).
"""
from __future__ import annotations

import re
from xml.etree.ElementTree import fromstring

from fuzzyaws.inventory.shape import resource
from fuzzyaws.model import partition

# a response in the default namespace (a prefixed one is left to botocore), and its nextToken
# element, wherever it is (moto writes it first, EC2 last); no instance holds an element of
# that name, and text cannot hold "<" (it is escaped)
_ROOT = re.compile(rb"\s*(?:<\?xml[^>]*\?>\s*)?<DescribeInstancesResponse[\s>]")
_TOKEN = re.compile(rb"<nextToken(?:/>|>[^<]*</nextToken>)")


def stub(body: bytes) -> "bytes | None":
    """What botocore needs of a page whose records are read here: a response with its
    nextToken alone, so that its paginator goes on exactly as it would. None where that
    cannot be told for sure (botocore then reads the page itself)."""
    if not _ROOT.match(body):
        return None
    tokens = _TOKEN.findall(body)
    if len(tokens) > 1 or body.count(b"<nextToken") != len(tokens):
        return None
    return b"<DescribeInstancesResponse>" + b"".join(tokens) + b"</DescribeInstancesResponse>"


def records(body: bytes, account: str, region: str) -> list:
    """The Resources of a DescribeInstances page, as ec2._resource makes them from
    botocore's answer (before the SSM agent's attributes are added)."""
    root = fromstring(body)
    ns = root.tag[:root.tag.index("}") + 1] if root.tag.startswith("{") else ""
    item = ns + "item"
    out = []
    for reservation in _children(root, ns + "reservationSet", item):
        for inst in _children(reservation, ns + "instancesSet", item):
            values = _texts(inst, ns)
            tags = {}
            for tag in _children(inst, ns + "tagSet", item):
                pair = _texts(tag, ns)
                if "key" in pair:
                    tags[pair["key"]] = pair.get("value", "")
            iid = values["instanceId"]
            attrs = {  # ec2._resource's, in its order (the JSON's)
                "type": values.get("instanceType"),
                "az": _texts(inst.find(ns + "placement"), ns).get("availabilityZone"),
                "vpc": values.get("vpcId"),
                "subnet": values.get("subnetId"),
                "private_ip": values.get("privateIpAddress"),
                "private_dns": values.get("privateDnsName"),
                "public_ip": values.get("ipAddress"),
                "image": values.get("imageId"),
                "key_name": values.get("keyName"),
                "platform": platform(values.get("platformDetails"), values.get("platform")),
                "launch_time": values.get("launchTime"),
                "security_groups": [_texts(group, ns).get("groupId")
                                    for group in _children(inst, ns + "groupSet", item)],
                "asg": tags.get("aws:autoscaling:groupName"),
            }
            out.append(resource(
                "ec2", f"arn:{partition(region)}:ec2:{region}:{account}:instance/{iid}", iid, account, region,
                tags=tags, attrs=attrs, state=_texts(inst.find(ns + "instanceState"), ns).get("name"),
                address=values.get("privateIpAddress")))
    return out


def platform(details: "str | None", platform: "str | None") -> str:
    """An instance's platform: its PlatformDetails, else what its Platform implies."""
    return details or ("Windows" if platform == "windows" else "Linux/UNIX")


def _children(node, wrapper: str, item: str) -> list:
    """The `item`s of `node`'s `wrapper` element (none if it has none)."""
    found = node.find(wrapper)
    return [] if found is None else found.findall(item)


def _texts(node, ns: str) -> dict:
    """{wire name: text} of the children of `node` (if any) that hold text only (an empty
    element's text is "", as botocore has it)."""
    if node is None:
        return {}
    cut = len(ns)
    return {child.tag[cut:]: child.text or "" for child in node if len(child) == 0}
