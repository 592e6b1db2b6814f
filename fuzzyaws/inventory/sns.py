"""SNS topics. Each takes a GetTopicAttributes (its subscription counts), run
concurrently; their tags come from the region's tagging listing (shared.py). Counting
through ListSubscriptions instead would read 100 subscriptions a page, one page after
the other: far slower for topics with many (mobile push) subscribers.

IAM: sns:ListTopics, sns:GetTopicAttributes, tag:GetResources (else sns:ListTagsForResource)
"""
from __future__ import annotations

from fuzzyaws.inventory import shared
from fuzzyaws.inventory.shape import integer, resource, unless_gone
from fuzzyaws.model import tag_dict


def collect(fetch) -> list:
    sns = fetch.client("sns")
    arns = [t["TopicArn"] for page in sns.get_paginator("list_topics").paginate() for t in page["Topics"]]
    attributes, tags = fetch.gather(
        lambda: fetch.gather(*[lambda a=a: unless_gone(
            lambda: sns.get_topic_attributes(TopicArn=a)["Attributes"]) for a in arns]),
        lambda: shared.tags_of(fetch, arns, lambda a: unless_gone(
            lambda: tag_dict(sns.list_tags_for_resource(ResourceArn=a).get("Tags")))))
    return [_topic(arn, a, t, fetch.account, fetch.region) for arn, a, t in zip(arns, attributes, tags)
            if a is not None and t is not None]  # None: deleted meanwhile


def _topic(arn: str, a: dict, tags: dict, account: str, region: str):
    name = arn.rsplit(":", 1)[-1]
    attrs = {
        "fifo": a.get("FifoTopic") == "true" or name.endswith(".fifo"),
        "subscriptions": integer(a.get("SubscriptionsConfirmed")),
        "pending_subscriptions": integer(a.get("SubscriptionsPending")),
        "display_name": a.get("DisplayName"), "kms_key": a.get("KmsMasterKeyId"),
    }
    return resource("sns", arn, name, account, region, tags=tags, attrs=attrs)
