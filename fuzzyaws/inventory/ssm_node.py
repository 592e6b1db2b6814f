"""Hybrid managed nodes (`mi-…`: on-premises servers and VMs registered with SSM), from
DescribeInstanceInformation (nodes of that type only: EC2's agent status is asked for by
instance, ssm.py), with their tags (one ListTagsForResource each, run concurrently: there
is no batched form). Their records carry the SSM attrs of an EC2 instance's (`ssm_ping`,
`ssm_agent`, `ssm_platform`).

IAM: ssm:DescribeInstanceInformation, ssm:ListTagsForResource
"""
from __future__ import annotations

from fuzzyaws.inventory import ssm
from fuzzyaws.inventory.shape import iso, resource, unless_gone
from fuzzyaws.model import partition, tag_dict


def collect(fetch) -> list:
    client = fetch.client("ssm")
    pages = client.get_paginator("describe_instance_information").paginate(
        Filters=[{"Key": "ResourceType", "Values": ["ManagedInstance"]}],
        PaginationConfig={"PageSize": ssm.page_size(fetch)})
    infos = [i for page in pages for i in page["InstanceInformationList"] if i.get("InstanceId", "").startswith("mi-")]
    tags = fetch.gather(*[lambda i=i: unless_gone(lambda: tag_dict(client.list_tags_for_resource(
        ResourceType="ManagedInstance", ResourceId=i["InstanceId"]).get("TagList")), "InvalidResourceId")
        for i in infos])
    return [_node(i, t, fetch.account, fetch.region) for i, t in zip(infos, tags)
            if t is not None]  # None: deregistered meanwhile


def _node(info: dict, tags: dict, account: str, region: str):
    node_id = info["InstanceId"]
    attrs = {
        **ssm.agent(info),
        "platform": info.get("PlatformType"), "computer_name": info.get("ComputerName"),
        "ip_address": info.get("IPAddress"), "agent_latest": info.get("IsLatestVersion"),
        "activation": info.get("ActivationId"), "iam_role": info.get("IamRole"),
        "registered": iso(info.get("RegistrationDate")), "last_ping": iso(info.get("LastPingDateTime")),
        "association_status": info.get("AssociationStatus"),
    }
    # no Name tag: the name it was activated with (DefaultInstanceName), as the console shows
    return resource("ssm-node", f"arn:{partition(region)}:ssm:{region}:{account}:managed-instance/{node_id}",
                    node_id, account, region, tags=tags, attrs=attrs, state="registered",
                    address=info.get("IPAddress"), name=info.get("Name"))
