"""CloudFormation stacks that exist (DescribeStacks leaves deleted ones out), with their
tags and drift status (returned inline).

IAM: cloudformation:DescribeStacks
"""
from __future__ import annotations

from fuzzyaws.inventory.shape import iso, resource
from fuzzyaws.model import tag_dict


def collect(fetch) -> list:
    pages = fetch.client("cloudformation").get_paginator("describe_stacks").paginate()
    return [_stack(s, fetch.account, fetch.region) for page in pages for s in page["Stacks"]]


def _stack(s: dict, account: str, region: str):
    attrs = {
        "status_reason": s.get("StackStatusReason"),
        "description": s.get("Description"), "created": iso(s.get("CreationTime")),
        "updated": iso(s.get("LastUpdatedTime")),
        "drift": (s.get("DriftInformation") or {}).get("StackDriftStatus"),
        "termination_protection": s.get("EnableTerminationProtection"),
        "outputs": [f"{o.get('OutputKey')}={o.get('OutputValue')}" for o in s.get("Outputs", [])],
        "role": s.get("RoleARN"), "parent": s.get("ParentId"), "root": s.get("RootId"),
    }
    return resource("cfn", s["StackId"], s["StackName"], account, region, tags=tag_dict(s.get("Tags")),
                    attrs=attrs, state=(s.get("StackStatus") or "").lower())
