"""EC2 Auto Scaling groups, with their tags and instances (both returned inline).

IAM: autoscaling:DescribeAutoScalingGroups
"""
from __future__ import annotations

from fuzzyaws.inventory.shape import clip, iso, resource
from fuzzyaws.model import tag_dict


def collect(fetch) -> list:
    pages = fetch.client("autoscaling").get_paginator("describe_auto_scaling_groups").paginate(
        PaginationConfig={"PageSize": clip(fetch.page_size, 1, 100)})
    return [_group(g, fetch.account, fetch.region) for page in pages for g in page["AutoScalingGroups"]]


def _template(spec: "dict | None") -> "str | None":
    """A launch template as `name:version`."""
    if not spec:
        return None
    name = spec.get("LaunchTemplateName") or spec.get("LaunchTemplateId")
    return f"{name}:{spec['Version']}" if spec.get("Version") else name


def _group(g: dict, account: str, region: str):
    instances = g.get("Instances", [])
    in_service = sum(i.get("LifecycleState") == "InService" for i in instances)
    mixed = (g.get("MixedInstancesPolicy") or {}).get("LaunchTemplate", {})
    attrs = {
        "desired": g.get("DesiredCapacity"), "min": g.get("MinSize"), "max": g.get("MaxSize"),
        "in_service": in_service, "instances": [i["InstanceId"] for i in instances],
        "launch_template": _template(g.get("LaunchTemplate") or mixed.get("LaunchTemplateSpecification")),
        "launch_config": g.get("LaunchConfigurationName"), "mixed_instances": bool(mixed) or None,
        "azs": g.get("AvailabilityZones"), "subnets": [s for s in (g.get("VPCZoneIdentifier") or "").split(",") if s],
        "target_groups": g.get("TargetGroupARNs"), "load_balancers": g.get("LoadBalancerNames"),
        "health_check": g.get("HealthCheckType"),
        "created": iso(g.get("CreatedTime")),
    }
    # what it is doing if anything (a deletion), else how many of the wanted are in service
    state = (g.get("Status") or f"{in_service}/{g.get('DesiredCapacity', 0)}").lower()
    name = g["AutoScalingGroupName"]
    return resource("asg", g["AutoScalingGroupARN"], name, account, region,
                    tags=tag_dict(g.get("Tags")), attrs=attrs, state=state)
