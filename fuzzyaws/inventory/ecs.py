"""Running ECS tasks of every cluster, with their containers and tags.

IAM: ecs:ListClusters, ecs:ListTasks, ecs:DescribeTasks
"""
from __future__ import annotations

from fuzzyaws.inventory import shared
from fuzzyaws.inventory.shape import iso
from fuzzyaws.model import Resource, tag_dict


def collect(fetch) -> list:
    ecs = fetch.client("ecs")
    account, region = fetch.account, fetch.region
    size = max(10, min(fetch.page_size, 100))
    clusters = shared.ecs_clusters(fetch)

    def tasks(cluster):
        arns = [arn for page in ecs.get_paginator("list_tasks").paginate(
                    cluster=cluster, desiredStatus="RUNNING", PaginationConfig={"PageSize": size})
                for arn in page["taskArns"]]
        found = []
        for start in range(0, len(arns), 100):  # DescribeTasks takes at most 100 tasks
            described = ecs.describe_tasks(cluster=cluster, tasks=arns[start:start + 100], include=["TAGS"])
            found += [_task(t, account, region) for t in described["tasks"]]
        return found

    return [r for found in fetch.gather(*[lambda c=c: tasks(c) for c in clusters]) for r in found]


def _task(t: dict, account: str, region: str) -> Resource:
    tags = tag_dict(t.get("tags"))
    task_id = t["taskArn"].rsplit("/", 1)[-1]
    group = t.get("group") or ""
    service = group.split(":", 1)[1] if group.startswith("service:") else None
    family = (t.get("taskDefinitionArn") or "").rsplit("/", 1)[-1]
    cluster = (t.get("clusterArn") or "").rsplit("/", 1)[-1]
    address = next((ni.get("privateIpv4Address") for c in t.get("containers", [])
                    for ni in c.get("networkInterfaces", []) if ni.get("privateIpv4Address")), None)
    if not address:
        address = next((d.get("value") for a in t.get("attachments", []) for d in a.get("details", [])
                        if d.get("name") == "privateIPv4Address"), "")
    attrs = {
        "cluster": cluster, "service": service, "group": group or None, "task_definition": family,
        "launch_type": t.get("launchType"), "containers": [c.get("name") for c in t.get("containers", [])],
        "exec_enabled": t.get("enableExecuteCommand"), "az": t.get("availabilityZone"),
        "cpu": t.get("cpu"), "memory": t.get("memory"), "platform_version": t.get("platformVersion"),
        "started_at": iso(t.get("startedAt")),
    }
    return Resource(
        kind="ecs", key=t["taskArn"], id=task_id,
        name=tags.get("Name") or f"{cluster}/{service or family.split(':')[0]}",
        account=account, region=region, state=(t.get("lastStatus") or "").lower(),
        address=address or "", tags=tags, attrs={k: v for k, v in attrs.items() if v not in (None, [])})
