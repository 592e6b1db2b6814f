"""DynamoDB tables. Each takes a DescribeTable (DynamoDB has no batched form), run
concurrently; their tags come from the region's tagging listing (shared.py).

IAM: dynamodb:ListTables, dynamodb:DescribeTable, tag:GetResources (else dynamodb:ListTagsOfResource)
"""
from __future__ import annotations

from fuzzyaws.inventory import shared
from fuzzyaws.inventory.shape import clip, iso, resource, unless_gone
from fuzzyaws.model import partition, tag_dict


def collect(fetch) -> list:
    ddb = fetch.client("dynamodb")
    account, region = fetch.account, fetch.region
    pages = ddb.get_paginator("list_tables").paginate(PaginationConfig={"PageSize": clip(fetch.page_size, 1, 100)})
    names = [name for page in pages for name in page["TableNames"]]
    arns = [f"arn:{partition(region)}:dynamodb:{region}:{account}:table/{name}" for name in names]
    tables, tags = fetch.gather(
        lambda: fetch.gather(*[lambda n=n: unless_gone(lambda: ddb.describe_table(TableName=n)["Table"])
                               for n in names]),
        lambda: shared.tags_of(fetch, arns, lambda a: unless_gone(lambda: _tags(ddb, a))))
    return [_table(t, tag, account, region) for t, tag in zip(tables, tags)
            if t is not None and tag is not None]  # None: deleted meanwhile


def _tags(ddb, arn: str) -> dict:
    pages = ddb.get_paginator("list_tags_of_resource").paginate(ResourceArn=arn)
    return tag_dict([tag for page in pages for tag in page.get("Tags", [])])


def _keys(schema: list, types: dict) -> list:
    """The key schema as `name (type, HASH|RANGE)`."""
    return [f"{k['AttributeName']} ({types.get(k['AttributeName'], '?')}, {k['KeyType']})" for k in schema]


def _table(t: dict, tags: dict, account: str, region: str):
    types = {a["AttributeName"]: a["AttributeType"] for a in t.get("AttributeDefinitions", [])}
    throughput = t.get("ProvisionedThroughput") or {}
    billing = (t.get("BillingModeSummary") or {}).get("BillingMode") or "PROVISIONED"
    stream = t.get("StreamSpecification") or {}
    attrs = {
        "items": t.get("ItemCount"), "size_bytes": t.get("TableSizeBytes"),
        "billing_mode": billing, "keys": _keys(t.get("KeySchema", []), types),
        "read_capacity": throughput.get("ReadCapacityUnits") if billing == "PROVISIONED" else None,
        "write_capacity": throughput.get("WriteCapacityUnits") if billing == "PROVISIONED" else None,
        "indexes": [i["IndexName"] for i in t.get("GlobalSecondaryIndexes", []) + t.get("LocalSecondaryIndexes", [])],
        "stream": stream.get("StreamViewType") if stream.get("StreamEnabled") else None,
        "stream_arn": t.get("LatestStreamArn") if stream.get("StreamEnabled") else None,
        "replicas": [r.get("RegionName") for r in t.get("Replicas", [])],
        "table_class": (t.get("TableClassSummary") or {}).get("TableClass"),
        "deletion_protection": t.get("DeletionProtectionEnabled"),
        "created": iso(t.get("CreationDateTime")),
    }
    return resource("dynamodb", t["TableArn"], t["TableName"], account, region, tags=tags, attrs=attrs,
                    state=(t.get("TableStatus") or "").lower())
