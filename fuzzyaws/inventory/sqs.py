"""SQS queues. Each takes a GetQueueAttributes (SQS has no batched form), run
concurrently; their tags come from the region's tagging listing (shared.py).

IAM: sqs:ListQueues, sqs:GetQueueAttributes, tag:GetResources (else sqs:ListQueueTags)
"""
from __future__ import annotations

import json
from datetime import datetime, timezone

from fuzzyaws.inventory import shared
from fuzzyaws.inventory.shape import clip, integer, resource, unless_gone
from fuzzyaws.model import partition

# what a queue deleted since the listing answers (JSON and query protocols word it apart)
GONE = ("QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue")


def collect(fetch) -> list:
    sqs = fetch.client("sqs")
    # without MaxResults, ListQueues stops at 1,000 queues and gives no NextToken
    pages = sqs.get_paginator("list_queues").paginate(
        PaginationConfig={"PageSize": clip(fetch.page_size, 1, 1000)})
    urls = [url for page in pages for url in page.get("QueueUrls", [])]
    # a queue URL ends in ACCOUNT/NAME: its ARN, known before its attributes
    arns = {f"arn:{partition(fetch.region)}:sqs:{fetch.region}:{u.rsplit('/', 2)[-2]}:{u.rsplit('/', 1)[-1]}": u
            for u in urls}
    attributes, tags = fetch.gather(
        lambda: fetch.gather(*[lambda u=u: unless_gone(
            lambda: sqs.get_queue_attributes(QueueUrl=u, AttributeNames=["All"])["Attributes"], *GONE)
            for u in urls]),
        lambda: shared.tags_of(fetch, list(arns), lambda arn: unless_gone(
            lambda: sqs.list_queue_tags(QueueUrl=arns[arn]).get("Tags") or {}, *GONE)))
    return [_queue(u, a, t, fetch.account, fetch.region) for u, a, t in zip(urls, attributes, tags)
            if a is not None and t is not None]  # None: deleted meanwhile


def _epoch(value) -> "str | None":
    """SQS's timestamps (epoch seconds as text) as ISO 8601."""
    return datetime.fromtimestamp(float(value), timezone.utc).isoformat() if value else None


def _queue(url: str, a: dict, tags: dict, account: str, region: str):
    redrive = json.loads(a.get("RedrivePolicy") or "{}")
    attrs = {
        "messages": integer(a.get("ApproximateNumberOfMessages")),
        "in_flight": integer(a.get("ApproximateNumberOfMessagesNotVisible")),
        "delayed": integer(a.get("ApproximateNumberOfMessagesDelayed")),
        "fifo": a.get("FifoQueue") == "true",
        "dlq": redrive.get("deadLetterTargetArn"), "max_receives": integer(redrive.get("maxReceiveCount")),
        "visibility_timeout": integer(a.get("VisibilityTimeout")),
        "retention_seconds": integer(a.get("MessageRetentionPeriod")),
        "kms_key": a.get("KmsMasterKeyId"), "created": _epoch(a.get("CreatedTimestamp")),
    }
    return resource("sqs", a["QueueArn"], url.rsplit("/", 1)[-1], account, region,
                    tags=dict(tags), attrs=attrs, address=url)
