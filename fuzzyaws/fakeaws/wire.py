"""Request checks and response pieces that several local handlers share: instance ids,
validation errors, MaxResults, NextToken paging and timestamps, each as the real SSM
API words or shapes them.
"""

from __future__ import annotations

import base64
import re
from datetime import datetime, timezone
from typing import Any, TypeVar

from .errors import AwsError

INSTANCE_ID = re.compile(r"^(i|mi)-[0-9a-f]{8,17}$")

_TOKEN_PREFIX = "fakeaws-ssm"

Row = TypeVar("Row")


def validation_error(value: Any, member: str, constraint: str) -> AwsError:
    return AwsError(
        "ValidationException",
        f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy "
        f"constraint: {constraint}",
    )


def max_results(params: dict, *, default: int, low: int, high: int = 50) -> int:
    """The request's MaxResults, checked against the operation's bounds."""
    value = params.get("MaxResults", default)
    if not isinstance(value, int):
        raise AwsError("SerializationException", "MaxResults must be an integer")
    if not low <= value <= high:
        bound = (
            f"greater than or equal to {low}" if value < low else f"less than or equal to {high}"
        )
        raise validation_error(value, "maxResults", f"Member must have value {bound}")
    return value


def page_offset(params: dict) -> int:
    """Where the page starts: 0, or the offset the request's NextToken carries."""
    token = params.get("NextToken")
    if not token:
        return 0
    try:
        prefix, offset = base64.urlsafe_b64decode(token.encode()).decode().split(":")
        if prefix != _TOKEN_PREFIX:
            raise ValueError(prefix)
        return int(offset)
    except (ValueError, UnicodeDecodeError) as exc:
        raise AwsError("InvalidNextToken", "The specified token isn't valid.") from exc


def page(rows: list[Row], offset: int, size: int) -> tuple[list[Row], str | None]:
    """The rows of one page and the NextToken of the next (None on the last page)."""
    if offset + size >= len(rows):
        return rows[offset : offset + size], None
    token = base64.urlsafe_b64encode(f"{_TOKEN_PREFIX}:{offset + size}".encode()).decode()
    return rows[offset : offset + size], token


def as_datetime(t: float) -> datetime:
    """An epoch time as a datetime, which local.json_response sends as epoch seconds."""
    return datetime.fromtimestamp(t, timezone.utc)


def iso_millis(t: float) -> str:
    """An epoch time as the ISO 8601 string (milliseconds, Z) some SSM fields carry."""
    stamp = as_datetime(t)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"
