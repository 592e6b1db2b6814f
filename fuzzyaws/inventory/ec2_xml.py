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

from fuzzyaws.model import Resource, partition

# Resource.attrs from the instance's own elements, in ec2._resource's order
_ATTRS = (("type", "instanceType"), ("az", None), ("vpc", "vpcId"), ("subnet", "subnetId"),
          ("private_ip", "privateIpAddress"), ("private_dns", "privateDnsName"),
          ("public_ip", "ipAddress"), ("image", "imageId"), ("key_name", "keyName"),
          ("platform", None), ("launch_time", "launchTime"), ("security_groups", None), ("asg", None))
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
    """The Resources of a DescribeInstances page, as ec2._resource makes them (before the
    SSM agent's attributes are added)."""
    root = fromstring(body)
    ns = root.tag[:root.tag.index("}") + 1] if root.tag.startswith("{") else ""
    item, text = ns + "item", _texts(ns)
    arn = f"arn:{partition(region)}:ec2:{region}:{account}:instance/"
    out = []
    for reservation in _children(root, ns + "reservationSet", item):
        for inst in _children(reservation, ns + "instancesSet", item):
            values = text(inst)
            tags = {}
            for tag in _children(inst, ns + "tagSet", item):
                pair = text(tag)
                if "key" in pair:
                    tags[pair["key"]] = pair.get("value", "")
            iid = values["instanceId"]
            attrs = {}
            for name, wire in _ATTRS:
                if wire is not None:
                    value = values.get(wire)
                elif name == "az":
                    value = text(inst.find(ns + "placement")).get("availabilityZone")
                elif name == "platform":
                    value = values.get("platformDetails") or (
                        "Windows" if values.get("platform") == "windows" else "Linux/UNIX")
                elif name == "security_groups":
                    value = [text(group).get("groupId") for group in _children(inst, ns + "groupSet", item)]
                else:
                    value = tags.get("aws:autoscaling:groupName")
                if value not in (None, "", []):
                    attrs[name] = value
            out.append(Resource(
                kind="ec2", key=arn + iid, id=iid, name=tags.get("Name") or iid, account=account,
                region=region, state=text(inst.find(ns + "instanceState")).get("name", ""),
                address=values.get("privateIpAddress") or "", tags=tags, attrs=attrs))
    return out


def _children(node, wrapper: str, item: str) -> list:
    """The `item`s of `node`'s `wrapper` element (none if it has none)."""
    found = node.find(wrapper)
    return [] if found is None else found.findall(item)


def _texts(ns: str):
    """A function giving {wire name: text} of an element's children that hold text only
    (an empty element's text is "", as botocore has it)."""
    cut = len(ns)

    def texts(node) -> dict:
        if node is None:
            return {}
        return {child.tag[cut:]: child.text or "" for child in node if len(child) == 0}
    return texts
