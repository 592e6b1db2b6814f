"""`fuzzyaws snapshot push s3://BUCKET/PREFIX`: what one scheduled job runs, with read-only
roles, so that nobody's laptop scans the organization. It collects every shard of its
settings now (as `refresh`), then writes each shard's records as gzip'd JSON lines and a
manifest (fuzzyaws/snapshot.py). A shard whose body is the same as in the last manifest
is not uploaded again: its ETag stays, and readers' conditional GETs are 304s.

IAM: s3:PutObject and s3:GetObject on PREFIX/* (s3:ListBucket, so that a first push
finds no manifest as a 404), and what `refresh` needs to collect (see the README).
Exit status: 0, or 1 when some shards failed to collect (the others are pushed; a
failed shard is pushed with the data the job last had, if any).
"""
from __future__ import annotations

import json
import time

from fuzzyaws import snapshot
from fuzzyaws.aws.errors import AwsError, NotFound
from fuzzyaws.model import plural
from fuzzyaws.status import ExitStatus, UsageError


def run(app, opts) -> ExitStatus:
    from fuzzyaws.inventory.load import shard_kinds, shards_of
    from fuzzyaws.inventory.refresh import refresh
    from fuzzyaws.inventory.sources import home
    bucket, prefix = snapshot.parse_url(opts.url, "snapshot push")
    if app.settings.snapshot:  # it would push back what it pulled, as new
        raise UsageError(f"snapshot push collects live: the job's settings must not read a snapshot "
                         f"(snapshot = {app.settings.snapshot!r})")
    targets = app.aws.targets(fresh=True)
    report = refresh(app, kinds=opts.kinds, force=True)
    s3 = app.aws.client(home(app.settings, app.aws.sessions), "s3")
    before = _previous(s3, bucket, prefix, opts.url)
    shards, uploaded, resources = {}, 0, 0
    for sid, _, _ in shards_of(targets, shard_kinds(app.settings, opts.kinds)[0]):
        shard = app.cache.shard(sid)
        if shard is None or shard.fetched is None:
            continue  # never collected (its refresh failed): not in the snapshot
        if not shard.count:  # most shards are empty: the manifest says so, no object
            shards[sid] = {"key": None, "count": 0, "fetched": shard.fetched}
            continue
        body = snapshot.encode(list(app.cache.records(sid, shard)))
        entry = {"key": snapshot.shard_key(prefix, sid), "count": shard.count, "fetched": shard.fetched,
                 "sha256": snapshot.digest(body)}
        old = before.get(sid) or {}
        if old.get("sha256") == entry["sha256"] and old.get("key") == entry["key"] and old.get("etag"):
            entry["etag"] = old["etag"]
        else:
            entry["etag"] = _put(s3, bucket, entry["key"], body, "application/gzip")
            uploaded += 1
        shards[sid] = entry
        resources += shard.count
    _put(s3, bucket, snapshot.key(prefix, snapshot.MANIFEST), snapshot.manifest(shards, time.time()),
         "application/json")
    app.console.info(f"pushed {plural(len(shards), 'shard')} ({uploaded} uploaded, "
                     f"{len(shards) - uploaded} unchanged), {plural(resources, 'resource')} to {opts.url}")
    return ExitStatus.FAILED if report.failed else ExitStatus.OK


def _previous(s3, bucket: str, prefix: str, url: str) -> dict:
    """The shards of the manifest there now ({} if none, or unreadable: all are uploaded)."""
    try:
        body = s3.get_object(Bucket=bucket, Key=snapshot.key(prefix, snapshot.MANIFEST))["Body"].read()
    except NotFound as exc:
        if exc.cause == "NoSuchBucket":
            raise UsageError(f"snapshot push {url}: the bucket {bucket!r} does not exist") from None
        return {}
    try:
        shards = json.loads(body).get("shards")
    except (ValueError, AttributeError):
        return {}
    return shards if isinstance(shards, dict) else {}


def _put(s3, bucket: str, key: str, body: bytes, content_type: str) -> str:
    try:
        return s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType=content_type)["ETag"]
    except AwsError as exc:
        if exc.cause == "NoSuchBucket":
            raise UsageError(f"snapshot push: the bucket {bucket!r} does not exist") from None
        raise
