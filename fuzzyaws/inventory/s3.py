"""S3 buckets, listed once per account (ListBuckets is global, whichever region it is
asked in), each in its own region.

IAM: s3:ListAllMyBuckets, s3:GetBucketLocation, s3:GetBucketTagging

A paged ListBuckets names each bucket's region; where it does not (older endpoints, the
fake), GetBucketLocation does. Tags take one GetBucketTagging per bucket; both run
concurrently.
"""
from __future__ import annotations

from fuzzyaws.aws.errors import AccessDenied, NotFound
from fuzzyaws.inventory.shape import iso, resource, unless_gone
from fuzzyaws.model import partition, tag_dict

# Always the API's maximum, not fetch.page_size: pages of names are cheap, and moto
# answers MaxBuckets by cutting the list short, without a ContinuationToken.
MAX_BUCKETS = 10000


def collect(fetch) -> list:
    s3 = fetch.client("s3")
    pages = s3.get_paginator("list_buckets").paginate(PaginationConfig={"PageSize": MAX_BUCKETS})
    buckets = [b for page in pages for b in page["Buckets"]]
    unplaced = [b["Name"] for b in buckets if not b.get("BucketRegion")]
    located, tags = fetch.gather(
        lambda: fetch.gather(*[lambda n=n: _location(s3, n) for n in unplaced]),
        lambda: fetch.gather(*[lambda b=b: _tags(s3, b["Name"]) for b in buckets]))
    regions = {b["Name"]: b.get("BucketRegion") for b in buckets}
    regions.update(zip(unplaced, located))
    return [_bucket(b, regions[b["Name"]], t, fetch.account) for b, t in zip(buckets, tags)
            if regions[b["Name"]] is not None and t is not None]  # None: deleted meanwhile


def region_of(constraint: "str | None") -> str:
    """A bucket's region from its LocationConstraint: none for us-east-1, and "EU" for
    eu-west-1 (buckets made before regions had names)."""
    return {None: "us-east-1", "": "us-east-1", "EU": "eu-west-1"}.get(constraint, constraint)


def _location(s3, name: str) -> "str | None":
    got = unless_gone(lambda: s3.get_bucket_location(Bucket=name))
    return None if got is None else region_of(got.get("LocationConstraint"))


def _tags(s3, name: str) -> "dict | None":
    """The bucket's tags; {} for none, or when its bucket policy denies reading them
    (one such bucket must not hide all the others)."""
    try:
        return tag_dict(s3.get_bucket_tagging(Bucket=name).get("TagSet"))
    except AccessDenied:
        return {}
    except NotFound as exc:  # of the tag set (none) or of the bucket (deleted meanwhile)
        return {} if exc.cause == "NoSuchTagSet" else None


def _bucket(b: dict, region: str, tags: dict, account: str):
    name = b["Name"]
    return resource("s3", f"arn:{partition(region)}:s3:::{name}", name, account, region,
                    tags=tags, attrs={"created": iso(b.get("CreationDate"))})
