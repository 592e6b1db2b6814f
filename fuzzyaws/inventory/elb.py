"""Load balancers: application, network and gateway (elbv2) and classic (elb).

IAM: elasticloadbalancing:DescribeLoadBalancers, elasticloadbalancing:DescribeTags,
elasticloadbalancing:DescribeListeners

Tags are read 20 load balancers a call (DescribeTags' limit). Classic load balancers carry
their listeners; an elbv2 one's take a DescribeListeners each, run concurrently.
"""
from __future__ import annotations

from fuzzyaws.inventory.shape import batches, clip, iso, resource, unless_gone
from fuzzyaws.model import partition, tag_dict

TAGS_PER_CALL = 20


def collect(fetch) -> list:
    v2, classic = fetch.gather(lambda: _v2(fetch), lambda: _classic(fetch))
    return v2 + classic


def _pages(client, operation: str, key: str, page_size: int, **params) -> list:
    pages = client.get_paginator(operation).paginate(
        **params, PaginationConfig={"PageSize": clip(page_size, 1, 400)})
    return [item for page in pages for item in page[key]]


def _listeners(listeners: list, port: str) -> list:
    """`PROTOCOL:port` of each listener that has a port (a gateway load balancer's have none)."""
    return sorted(f"{ls.get('Protocol')}:{ls[port]}" for ls in listeners if ls.get(port))


def _v2(fetch) -> list:
    elbv2 = fetch.client("elbv2")
    lbs = _pages(elbv2, "describe_load_balancers", "LoadBalancers", fetch.page_size)
    arns = [lb["LoadBalancerArn"] for lb in lbs]
    tagged, listeners = fetch.gather(
        lambda: fetch.gather(*[lambda b=b: elbv2.describe_tags(ResourceArns=b)["TagDescriptions"]
                               for b in batches(arns, TAGS_PER_CALL)]),
        lambda: fetch.gather(*[lambda a=a: unless_gone(lambda: _pages(
            elbv2, "describe_listeners", "Listeners", fetch.page_size, LoadBalancerArn=a)) for a in arns]))
    tags = {d["ResourceArn"]: tag_dict(d.get("Tags")) for descriptions in tagged for d in descriptions}
    return [_v2_resource(lb, tags.get(lb["LoadBalancerArn"], {}), ls, fetch.account, fetch.region)
            for lb, ls in zip(lbs, listeners) if ls is not None]  # None: deleted meanwhile


def _v2_resource(lb: dict, tags: dict, listeners: list, account: str, region: str):
    attrs = {
        "type": lb.get("Type"), "scheme": lb.get("Scheme"), "vpc": lb.get("VpcId"),
        "dns": lb.get("DNSName"), "ip_type": lb.get("IpAddressType"),
        "azs": [z.get("ZoneName") for z in lb.get("AvailabilityZones", [])],
        "security_groups": lb.get("SecurityGroups"), "created": iso(lb.get("CreatedTime")),
        "listeners": _listeners(listeners, "Port"),
        "state_reason": (lb.get("State") or {}).get("Reason"),
    }
    return resource("elb", lb["LoadBalancerArn"], lb["LoadBalancerName"], account, region,
                    tags=tags, attrs=attrs, state=(lb.get("State") or {}).get("Code"),
                    address=lb.get("DNSName"))


def _classic(fetch) -> list:
    elb = fetch.client("elb")
    lbs = _pages(elb, "describe_load_balancers", "LoadBalancerDescriptions", fetch.page_size)
    names = [lb["LoadBalancerName"] for lb in lbs]
    tagged = fetch.gather(*[lambda b=b: elb.describe_tags(LoadBalancerNames=b)["TagDescriptions"]
                            for b in batches(names, TAGS_PER_CALL)])
    tags = {d["LoadBalancerName"]: tag_dict(d.get("Tags")) for descriptions in tagged for d in descriptions}
    return [_classic_resource(lb, tags.get(lb["LoadBalancerName"], {}), fetch.account, fetch.region)
            for lb in lbs]


def _classic_resource(lb: dict, tags: dict, account: str, region: str):
    name = lb["LoadBalancerName"]
    listeners = [d.get("Listener", {}) for d in lb.get("ListenerDescriptions", [])]
    attrs = {
        "type": "classic", "scheme": lb.get("Scheme"), "vpc": lb.get("VPCId"),
        "dns": lb.get("DNSName"), "azs": lb.get("AvailabilityZones"),
        "security_groups": lb.get("SecurityGroups"), "created": iso(lb.get("CreatedTime")),
        "listeners": _listeners(listeners, "LoadBalancerPort"),
        "instances": len(lb.get("Instances", [])),
    }
    return resource("elb", f"arn:{partition(region)}:elasticloadbalancing:{region}:{account}:loadbalancer/{name}",
                    name, account, region, tags=tags, attrs=attrs, address=lb.get("DNSName"))
