"""RDS DB instances and Aurora (or other) DB clusters, with their tags (returned inline).

IAM: rds:DescribeDBInstances, rds:DescribeDBClusters
"""
from __future__ import annotations

from fuzzyaws.model import Resource, tag_dict


def collect(fetch) -> list:
    rds = fetch.client("rds")
    account, region = fetch.account, fetch.region
    config = {"PageSize": max(20, min(fetch.page_size, 100))}
    instances, clusters = fetch.gather(
        lambda: [db for page in rds.get_paginator("describe_db_instances").paginate(PaginationConfig=config)
                 for db in page["DBInstances"]],
        lambda: [c for page in rds.get_paginator("describe_db_clusters").paginate(PaginationConfig=config)
                 for c in page["DBClusters"]])
    return ([_cluster(c, account, region) for c in clusters]
            + [_instance(db, account, region) for db in instances])


def _hostport(endpoint: "str | None", port) -> str:
    return f"{endpoint}:{port}" if endpoint and port else (endpoint or "")


def _instance(db: dict, account: str, region: str) -> Resource:
    tags = tag_dict(db.get("TagList"))
    endpoint = db.get("Endpoint") or {}
    attrs = {
        "engine": db.get("Engine"), "engine_version": db.get("EngineVersion"),
        "class": db.get("DBInstanceClass"), "az": db.get("AvailabilityZone"),
        "vpc": (db.get("DBSubnetGroup") or {}).get("VpcId"),
        "endpoint": endpoint.get("Address"), "port": endpoint.get("Port"),
        "cluster": db.get("DBClusterIdentifier"), "multi_az": db.get("MultiAZ"),
        "iam_auth": db.get("IAMDatabaseAuthenticationEnabled"),
        "master_user": db.get("MasterUsername"), "database": db.get("DBName"),
        "master_secret": (db.get("MasterUserSecret") or {}).get("SecretArn"),
    }
    return Resource(
        kind="rds", key=db["DBInstanceArn"], id=db["DBInstanceIdentifier"],
        name=tags.get("Name") or db["DBInstanceIdentifier"], account=account, region=region,
        state=db.get("DBInstanceStatus", ""),
        address=_hostport(endpoint.get("Address"), endpoint.get("Port")),
        tags=tags, attrs={k: v for k, v in attrs.items() if v is not None})


def _cluster(c: dict, account: str, region: str) -> Resource:
    tags = tag_dict(c.get("TagList"))
    attrs = {
        "engine": c.get("Engine"), "engine_version": c.get("EngineVersion"),
        "endpoint": c.get("Endpoint"), "reader_endpoint": c.get("ReaderEndpoint"),
        "port": c.get("Port"), "is_cluster": True,
        "members": [m.get("DBInstanceIdentifier") for m in c.get("DBClusterMembers", [])],
        "iam_auth": c.get("IAMDatabaseAuthenticationEnabled"),
        "master_user": c.get("MasterUsername"), "database": c.get("DatabaseName"),
        "master_secret": (c.get("MasterUserSecret") or {}).get("SecretArn"),
        "multi_az": c.get("MultiAZ"),
    }
    return Resource(
        kind="rds", key=c["DBClusterArn"], id=c["DBClusterIdentifier"],
        name=tags.get("Name") or c["DBClusterIdentifier"], account=account, region=region,
        state=c.get("Status", ""), address=_hostport(c.get("Endpoint"), c.get("Port")),
        tags=tags, attrs={k: v for k, v in attrs.items() if v is not None})
