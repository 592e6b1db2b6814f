"""ElastiCache replication groups and standalone cache clusters, with their tags from
the region's tagging listing (shared.py: ElastiCache's own tag call takes one resource).

IAM: elasticache:DescribeReplicationGroups, elasticache:DescribeCacheClusters,
tag:GetResources (else elasticache:ListTagsForResource)
"""
from __future__ import annotations

from fuzzyaws.inventory import shared
from fuzzyaws.model import Resource, partition, tag_dict


def collect(fetch) -> list:
    ec = fetch.client("elasticache")
    account, region = fetch.account, fetch.region
    config = {"PageSize": max(20, min(fetch.page_size, 100))}
    groups, clusters = fetch.gather(
        lambda: [g for page in ec.get_paginator("describe_replication_groups").paginate(PaginationConfig=config)
                 for g in page["ReplicationGroups"]],
        lambda: [c for page in ec.get_paginator("describe_cache_clusters").paginate(
                     ShowCacheNodeInfo=True, PaginationConfig=config)
                 for c in page["CacheClusters"]])
    engines = {c.get("ReplicationGroupId"): c.get("Engine") for c in clusters}
    resources = [_group(g, account, region, engines.get(g["ReplicationGroupId"])) for g in groups]
    resources += [_cluster(c, account, region) for c in clusters if not c.get("ReplicationGroupId")]
    tags = shared.tags_of(fetch, [r.key for r in resources], lambda arn: tag_dict(
        ec.list_tags_for_resource(ResourceName=arn).get("TagList")))
    return [r.replace(tags=t, name=t.get("Name") or r.name) for r, t in zip(resources, tags)]


def _hostport(endpoint: "dict | None") -> str:
    if not endpoint or not endpoint.get("Address"):
        return ""
    return f"{endpoint['Address']}:{endpoint['Port']}" if endpoint.get("Port") else endpoint["Address"]


def _arn(kind: str, ident: str, account: str, region: str) -> str:
    return f"arn:{partition(region)}:elasticache:{region}:{account}:{kind}:{ident}"


def _group(g: dict, account: str, region: str, engine) -> Resource:
    primary = next((ng.get("PrimaryEndpoint") for ng in g.get("NodeGroups", []) if ng.get("PrimaryEndpoint")), None)
    reader = next((ng.get("ReaderEndpoint") for ng in g.get("NodeGroups", []) if ng.get("ReaderEndpoint")), None)
    endpoint = g.get("ConfigurationEndpoint") or primary
    attrs = {
        "engine": g.get("Engine") or engine, "node_type": g.get("CacheNodeType"),
        "endpoint": (endpoint or {}).get("Address"), "port": (endpoint or {}).get("Port"),
        "reader_endpoint": _hostport(reader) or None,
        "cluster_mode": g.get("ClusterEnabled"), "members": g.get("MemberClusters"),
        "description": g.get("Description"), "replication_group": True,
        "transit_encryption": g.get("TransitEncryptionEnabled"),
    }
    gid = g["ReplicationGroupId"]
    return Resource(
        kind="elasticache", key=g.get("ARN") or _arn("replicationgroup", gid, account, region),
        id=gid, name=gid, account=account, region=region, state=g.get("Status", ""),
        address=_hostport(endpoint), attrs={k: v for k, v in attrs.items() if v not in (None, [])})


def _cluster(c: dict, account: str, region: str) -> Resource:
    nodes = c.get("CacheNodes") or []
    endpoint = c.get("ConfigurationEndpoint") or (nodes[0].get("Endpoint") if nodes else None)
    attrs = {
        "engine": c.get("Engine"), "engine_version": c.get("EngineVersion"),
        "node_type": c.get("CacheNodeType"), "nodes": c.get("NumCacheNodes"),
        "az": c.get("PreferredAvailabilityZone"),
        "endpoint": (endpoint or {}).get("Address"), "port": (endpoint or {}).get("Port"),
    }
    cid = c["CacheClusterId"]
    return Resource(
        kind="elasticache", key=c.get("ARN") or _arn("cluster", cid, account, region),
        id=cid, name=cid, account=account, region=region, state=c.get("CacheClusterStatus", ""),
        address=_hostport(endpoint), attrs={k: v for k, v in attrs.items() if v is not None})
