"""ECS services of every cluster, with their tags: listed per cluster (concurrently), then
described ten a call (DescribeServices' limit), tags included.

IAM: ecs:ListClusters, ecs:ListServices, ecs:DescribeServices
"""
from __future__ import annotations

from fuzzyaws.inventory import shared
from fuzzyaws.inventory.shape import batches, clip, iso, resource
from fuzzyaws.model import tag_dict

SERVICES_PER_CALL = 10


def collect(fetch) -> list:
    ecs = fetch.client("ecs")
    config = {"PageSize": clip(fetch.page_size, 1, 100)}
    clusters = shared.ecs_clusters(fetch)

    def services(cluster: str) -> list:
        arns = [arn for page in ecs.get_paginator("list_services").paginate(cluster=cluster, PaginationConfig=config)
                for arn in page["serviceArns"]]
        described = fetch.gather(*[lambda b=b: ecs.describe_services(cluster=cluster, services=b, include=["TAGS"])
                                   for b in batches(arns, SERVICES_PER_CALL)])
        return [s for d in described for s in d["services"]]  # a deleted one is under "failures"

    found = fetch.gather(*[lambda c=c: services(c) for c in clusters])
    return [_service(s, fetch.account, fetch.region) for listed in found for s in listed]


def _service(s: dict, account: str, region: str):
    desired, running = s.get("desiredCount", 0), s.get("runningCount", 0)
    network = (s.get("networkConfiguration") or {}).get("awsvpcConfiguration") or {}
    primary = next((d for d in s.get("deployments", []) if d.get("status") == "PRIMARY"), {})
    attrs = {
        "cluster": (s.get("clusterArn") or "").rsplit("/", 1)[-1],
        "desired": desired, "running": running, "pending": s.get("pendingCount", 0),
        "launch_type": s.get("launchType"),
        "capacity_providers": [p.get("capacityProvider") for p in s.get("capacityProviderStrategy", [])],
        "task_definition": (s.get("taskDefinition") or "").rsplit("/", 1)[-1],
        "exec_enabled": s.get("enableExecuteCommand", False),
        "scheduling": s.get("schedulingStrategy"), "platform_version": s.get("platformVersion"),
        "deployments": len(s.get("deployments", [])), "rollout": primary.get("rolloutState"),
        "target_groups": [lb.get("targetGroupArn") for lb in s.get("loadBalancers", []) if lb.get("targetGroupArn")],
        "subnets": network.get("subnets"), "security_groups": network.get("securityGroups"),
        "created": iso(s.get("createdAt")),
    }
    status = (s.get("status") or "").lower()
    # an active service says how many of its tasks run; a draining one says so
    state = f"{running}/{desired} running" if status == "active" else status
    return resource("ecs-service", s["serviceArn"], s["serviceName"], account, region,
                    tags=tag_dict(s.get("tags")), attrs=attrs, state=state)
