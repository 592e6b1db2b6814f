"""Checking a kind someone asks for (`--kind`, `kinds = [...]`), without importing boto3.

A kind is a native one (`ec2`, `lambda`…), `index` (every indexed row), or the kind of
indexed rows: an AWS service, or a service and resource type, as `ls` shows them
(`sqs`, `kms:key`, `ec2:vpc`). The service must be one the installed botocore knows (its
data folder is listed, not imported), so that a typo is exit 2 rather than no rows.
"""
from __future__ import annotations

import os

from fuzzyaws import KINDS
from fuzzyaws.arn import SERVICE_ALIASES


def services() -> set:
    """Service names of the installed botocore's data, and our short ones."""
    import importlib.util
    found = set(SERVICE_ALIASES.values())
    try:
        folder = os.path.join(list(importlib.util.find_spec("botocore").submodule_search_locations)[0], "data")
        found.update(os.listdir(folder))
    except (AttributeError, OSError, TypeError):
        pass
    return found


def problem(name: str) -> "str | None":
    """Why `name` is not a kind to ask for, or None."""
    if name in KINDS:
        return None
    service, _, kind = name.partition(":")
    allowed = set("abcdefghijklmnopqrstuvwxyz0123456789-")
    if service and set(service) <= allowed and set(kind) <= allowed and service in services():
        return None
    return f"unknown kind {name!r} (choose from {', '.join(KINDS)}, or an indexed kind like kms:key)"


def split(kinds) -> tuple:
    """(shard kinds, row kinds): the kinds of the shards to read, and for index shards the
    row kinds to keep (None: all of them)."""
    shard_kinds = [k for k in KINDS if k in kinds]
    derived = [k for k in kinds if k not in KINDS]
    if derived and "index" not in shard_kinds:
        shard_kinds.append("index")
    return tuple(shard_kinds), (tuple(derived) if derived and "index" not in kinds else None)
