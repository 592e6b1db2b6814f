"""What the collectors of the newer kinds share: page sizes clipped to an API's bounds,
batches for the calls that take several resources, numbers and timestamps sent as text,
resources that vanish between a listing and a describe, and the Resource each of them
builds the same way."""
from __future__ import annotations

from fuzzyaws.aws.errors import AwsError, NotFound
from fuzzyaws.model import Resource


def clip(size: int, low: int, high: int) -> int:
    return max(low, min(size, high))


def batches(items: list, size: int) -> list:
    return [items[start:start + size] for start in range(0, len(items), size)]


def integer(value) -> "int | None":
    """A count some APIs send as text (SQS, SNS attributes) as a number."""
    return int(value) if value not in (None, "") else None


def iso(value) -> "str | None":
    """A datetime as ISO 8601 text (what JSON and the cache can hold); text as it is."""
    return value.isoformat() if hasattr(value, "isoformat") else value


def unless_gone(call, *codes: str):
    """`call()`, or None when its resource was deleted since it was listed (a not-found
    error, or one of `codes` for services that word it otherwise)."""
    try:
        return call()
    except AwsError as exc:
        if isinstance(exc, NotFound) or exc.cause in codes:
            return None
        raise


def resource(kind: str, key: str, ident: str, account: str, region: str, *, tags: dict,
             attrs: dict, state: "str | None" = "", address: "str | None" = "",
             name: "str | None" = None) -> Resource:
    """A Resource named by its Name tag (else `name`, else its id), without empty attrs."""
    return Resource(kind=kind, key=key, id=ident, name=tags.get("Name") or name or ident,
                    account=account, region=region, state=state or "", address=address or "",
                    tags=tags, attrs={k: v for k, v in attrs.items() if v not in (None, "", [], {})})
