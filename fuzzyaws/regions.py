"""Region names, checked without importing boto3: a typo (`us-esat-1`, `bogus`) is exit 2
before anything is fetched or filtered.

A name is valid if the installed botocore's endpoints data lists it (read as a file), or
if it has the shape of a region (`us-east-1`, `ap-southeast-7`: a known area, a known
direction, a number), so that a region newer than botocore is not refused.
"""
from __future__ import annotations

import os

PARTITIONS = ("aws", "aws-cn", "aws-us-gov")
AREAS = ("af", "ap", "ca", "cn", "eu", "il", "me", "mx", "sa", "us", "us-gov", "us-iso", "us-isob")
DIRECTIONS = ("central", "north", "south", "east", "west", "northeast", "northwest", "southeast",
              "southwest")
# when botocore's data is not found
FALLBACK = (
    "af-south-1 ap-east-1 ap-northeast-1 ap-northeast-2 ap-northeast-3 ap-south-1 ap-south-2 "
    "ap-southeast-1 ap-southeast-2 ap-southeast-3 ap-southeast-4 ca-central-1 ca-west-1 "
    "eu-central-1 eu-central-2 eu-north-1 eu-south-1 eu-south-2 eu-west-1 eu-west-2 eu-west-3 "
    "il-central-1 me-central-1 me-south-1 sa-east-1 us-east-1 us-east-2 us-west-1 us-west-2 "
    "cn-north-1 cn-northwest-1 us-gov-east-1 us-gov-west-1").split()


def shaped(name: str) -> bool:
    """AREA-DIRECTION-N, as every AWS region is named."""
    head, _, number = name.rpartition("-")
    area, _, direction = head.rpartition("-")
    return number.isdigit() and number.isascii() and area in AREAS and direction in DIRECTIONS


def known() -> list:
    """The region names of the commercial, China and GovCloud partitions, as the installed
    botocore's endpoints.json lists them (read, not imported), else a built-in list."""
    import importlib.util
    import json
    try:
        spec = importlib.util.find_spec("botocore")
        path = os.path.join(list(spec.submodule_search_locations)[0], "data", "endpoints.json")
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
        names = sorted({r for p in data["partitions"] if p.get("partition") in PARTITIONS
                        for r in p.get("regions", {})})
    except (AttributeError, IndexError, KeyError, TypeError, OSError, ValueError):
        names = []
    return names or sorted(FALLBACK)


def check(names) -> None:
    """Raise UsageError for the first name that is neither a region nor `all`."""
    for name in names:
        if name != "all" and not shaped(name) and name not in known():
            from fuzzyaws.status import UsageError
            raise UsageError(f"{name!r} is not an AWS region name (like us-east-1), nor 'all'")
