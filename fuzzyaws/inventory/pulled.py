"""The organization from a shared snapshot (`snapshot = "s3://BUCKET/PREFIX"`, see
fuzzyaws/snapshot.py for its layout), read with the person's own credentials, assuming
no role.

The manifest is fetched once per run with a conditional GET (If-None-Match: the ETag of
the one cached, 304 when it has not changed). A shard whose ETag in the manifest is the
one cached is not fetched at all; another is fetched with a conditional GET of its own
(304 keeps the cached data). Each shard is stored as collected when the pushing job
collected it, so the picker's header, `cache info` and the preview show the snapshot's
age; it is checked again a TTL after it was last checked.

IAM: s3:GetObject on PREFIX/*, s3:ListBucket (so that a missing object is a 404, not a 403).
"""
from __future__ import annotations

from fuzzyaws import snapshot
from fuzzyaws.aws.errors import AwsError, NotFound
from fuzzyaws.inventory.aggregator import _or_error
from fuzzyaws.model import Resource
from fuzzyaws.status import Failed, UsageError

NOT_MODIFIED = 304


def _get(client, settings, key: str, etag: "str | None"):
    """(body, ETag) of an object, or None when it still has `etag` (304)."""
    bucket, _ = snapshot.parse_url(settings.snapshot)
    kwargs = {"Bucket": bucket, "Key": key}
    if etag:
        kwargs["IfNoneMatch"] = etag
    try:
        response = client.get_object(**kwargs)
    except AwsError as exc:
        if exc.http_status == NOT_MODIFIED or exc.cause in ("304", "NotModified"):
            return None
        if exc.cause == "NoSuchBucket":
            raise UsageError(f"snapshot = {settings.snapshot!r}: the bucket {bucket!r} does not exist") from None
        raise
    return response["Body"].read(), response.get("ETag", "")


def _manifest(cache, client, settings) -> dict:
    """The manifest: the cached one if S3 says it has not changed, else the new one."""
    url = settings.snapshot
    _, prefix = snapshot.parse_url(url)
    cached = cache.get("snapshot", "manifest") or {}
    if cached.get("url") != url:
        cached = {}
    try:
        got = _get(client, settings, snapshot.key(prefix, snapshot.MANIFEST), cached.get("etag"))
    except NotFound:
        raise UsageError(f"snapshot = {url!r}: there is no snapshot there (no {snapshot.MANIFEST}); "
                         "`fuzzyaws snapshot push` writes one") from None
    if got is None:
        return cached["data"]
    body, etag = got
    data = snapshot.read_manifest(body, f"{url}/{snapshot.MANIFEST}")
    cache.set("snapshot", "manifest", {"url": url, "etag": etag, "data": data})
    return data


def places(settings, sessions, home, cache) -> list:
    """[(account, Region)] the snapshot holds shards of."""
    data = _manifest(cache, sessions.client(home, "s3"), settings)
    regions: dict = {}
    for sid in data["shards"]:
        account, region, _ = sid.split("/")
        regions.setdefault(account, set())
        if region != "global":
            regions[account].add(region)
    # an account with only global shards (buckets) is listed in the source's Region
    return sorted((a, r) for a, found in regions.items() for r in (found or {home.region}))


def collect(fetch, kind: str) -> list:
    from fuzzyaws.inventory.sources import home
    cache = fetch.cache
    client = fetch.client_at(home(fetch.settings, fetch.sessions), "s3")
    data = fetch.once(("snapshot manifest",), lambda: _or_error(lambda: _manifest(cache, client, fetch.settings)))
    if isinstance(data, AwsError):  # one failed manifest fails every shard at once
        raise data
    entry = data["shards"].get(fetch.sid)
    if entry is None:  # the job did not collect it: nothing there, as of the push
        fetch.fetched = float(data.get("pushed") or 0) or None
        return []
    fetch.fetched = float(entry["fetched"])
    if entry.get("key") is None:  # empty when the job collected it
        return []
    known = cache.get("snapshot", fetch.sid) or {}
    if known.get("etag") and known.get("etag") == entry.get("etag") and cache.shard(fetch.sid):
        fetch.unchanged = True  # the manifest says so: no request at all
        return []
    url = f"s3://{snapshot.parse_url(fetch.settings.snapshot)[0]}/{entry['key']}"
    try:
        got = _get(client, fetch.settings, entry["key"], known.get("etag") if cache.shard(fetch.sid) else None)
        if got is None:
            fetch.unchanged = True
            return []
        body, etag = got
        records = snapshot.decode(body, url)
    except Failed as exc:  # a corrupt shard fails alone, keeping what was cached
        if isinstance(exc, (AwsError, UsageError)):
            raise
        raise AwsError("corrupt snapshot shard", fetch.sid.replace("/", " "), str(exc)) from None
    cache.set("snapshot", fetch.sid, {"etag": etag})
    return [Resource.from_dict(r) for r in records]
