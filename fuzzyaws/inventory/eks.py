"""EKS clusters, each described (with its tags) by its own DescribeCluster, run concurrently.

IAM: eks:ListClusters, eks:DescribeCluster
"""
from __future__ import annotations

from fuzzyaws.inventory.shape import clip, iso, resource, unless_gone


def collect(fetch) -> list:
    eks = fetch.client("eks")
    pages = eks.get_paginator("list_clusters").paginate(
        PaginationConfig={"PageSize": clip(fetch.page_size, 1, 100)})
    names = [name for page in pages for name in page["clusters"]]
    clusters = fetch.gather(*[lambda n=n: unless_gone(lambda: eks.describe_cluster(name=n)["cluster"])
                              for n in names])
    return [_cluster(c, fetch.account, fetch.region) for c in clusters if c]


def _cluster(c: dict, account: str, region: str):
    vpc = c.get("resourcesVpcConfig") or {}
    attrs = {
        "version": c.get("version"), "platform_version": c.get("platformVersion"),
        "endpoint": c.get("endpoint"), "role": c.get("roleArn"),
        "vpc": vpc.get("vpcId"), "subnets": vpc.get("subnetIds"),
        "security_group": vpc.get("clusterSecurityGroupId"),
        "public_access": vpc.get("endpointPublicAccess"), "private_access": vpc.get("endpointPrivateAccess"),
        "oidc_issuer": ((c.get("identity") or {}).get("oidc") or {}).get("issuer"),
        "created": iso(c.get("createdAt")),
    }
    return resource("eks", c["arn"], c["name"], account, region, tags=dict(c.get("tags") or {}),
                    attrs=attrs, state=(c.get("status") or "").lower(), address=c.get("endpoint"))
