"""Listings that several shards of one account × region need, made once per refresh run
(through `Fetch.once_here`) whichever shard asks first, and dropped once the last shard
of that account × region is done:

- the ECS clusters (their tasks, and their services);
- the tags of the region's resources, from the tagging API: one paginated call instead
  of one tag call per queue, topic, table or cache cluster (and the `tagging` index
  source's very listing). None where the tagging API is denied: the collectors then ask
  resource by resource.
"""
from __future__ import annotations

from fuzzyaws.aws.errors import AccessDenied
from fuzzyaws.inventory.shape import clip
from fuzzyaws.model import tag_dict


def ecs_clusters(fetch) -> list:
    """The ARNs of the region's ECS clusters."""
    def listing():
        pages = fetch.client("ecs").get_paginator("list_clusters").paginate(
            PaginationConfig={"PageSize": clip(fetch.page_size, 10, 100)})
        return [arn for page in pages for arn in page["clusterArns"]]
    return fetch.once_here("ecs clusters", listing)


def tagged(fetch) -> "list | None":
    """[(ARN, tags)] of every tagged resource of the region, or None if the tagging API is
    denied."""
    def listing():
        pages = fetch.client("resourcegroupstaggingapi").get_paginator("get_resources").paginate(
            PaginationConfig={"PageSize": clip(fetch.page_size, 1, 100)})
        try:
            return [(item["ResourceARN"], tag_dict(item.get("Tags")))
                    for page in pages for item in page["ResourceTagMappingList"]]
        except AccessDenied:
            return None
    return fetch.once_here("tagged", listing)


def tags_of(fetch, arns: list, one) -> list:
    """The tags of each of `arns`: from the region's tagging listing, else (tagging API
    denied) `one(arn)` for each, concurrently; an ARN the listing lacks has no tags."""
    listing = tagged(fetch) if arns else []
    if listing is None:
        return fetch.gather(*[lambda arn=arn: one(arn) for arn in arns])
    known = dict(listing)
    return [known.get(arn, {}) for arn in arns]
