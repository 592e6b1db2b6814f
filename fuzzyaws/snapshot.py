"""A shared snapshot of an organization's inventory in S3: what `fuzzyaws snapshot push`
writes and a `snapshot = "s3://BUCKET/PREFIX"` source reads.

    PREFIX/manifest.json                     {"format": 1, "pushed": EPOCH, "shards": {SID: {
                                               "key", "count", "fetched", "sha256", "etag"}}}
    PREFIX/shards/ACCOUNT/REGION/KIND.jsonl.gz  the shard's records, JSON lines, gzip
                                             (an empty shard has no object: "key": null)

A shard's body is made the same way from the same records every time (gzip without a
timestamp), so a push that finds a shard unchanged (its sha256 in the last manifest)
does not upload it: its ETag stays, and readers' conditional GETs answer 304.
The manifest's shard entries carry when each shard was collected: a reader's cache
shows the snapshot's age, not the time it was pulled.
"""
from __future__ import annotations

import json

from fuzzyaws.status import Failed, UsageError

FORMAT = 1
MANIFEST = "manifest.json"


def parse_url(url: str, where: str = "snapshot") -> tuple:
    """(bucket, prefix) of s3://BUCKET/PREFIX (the prefix without a trailing /)."""
    if not url.startswith("s3://") or not url[5:].split("/", 1)[0]:
        raise UsageError(f"{where}: a snapshot is s3://BUCKET/PREFIX, not {url!r}")
    bucket, _, prefix = url[5:].partition("/")
    return bucket, prefix.strip("/")


def key(prefix: str, name: str) -> str:
    return f"{prefix}/{name}" if prefix else name


def shard_key(prefix: str, sid: str) -> str:
    return key(prefix, f"shards/{sid}.jsonl.gz")


def encode(records: list) -> bytes:
    """A shard's body: its records (dicts) as JSON lines, gzip'd without a timestamp."""
    import gzip  # not at the top: config.py checks a snapshot URL on every run
    text = "\n".join(json.dumps(r, ensure_ascii=False, sort_keys=True) for r in records)
    return gzip.compress(text.encode("utf-8"), compresslevel=6, mtime=0)


def decode(body: bytes, url: str) -> list:
    import gzip
    try:
        text = gzip.decompress(body).decode("utf-8")
        records = [json.loads(line) for line in text.split("\n") if line]
    except (OSError, EOFError, ValueError) as exc:
        raise Failed(f"the snapshot shard {url} is corrupt ({exc}): push the snapshot again") from None
    if not all(_is_record(r) for r in records):
        raise Failed(f"the snapshot shard {url} is corrupt (not resource records): push the snapshot again")
    return records


def _is_record(record) -> bool:
    """A Resource's dict, of the types the rest of the app relies on (it came over the
    network: checked, as AWS's own answers are by botocore)."""
    return (isinstance(record, dict)
            and all(isinstance(record.get(k), str) for k in ("kind", "key", "id", "name", "account", "region"))
            and all(isinstance(record.get(k, ""), str) for k in ("state", "address"))
            and all(isinstance(record.get(k, {}), dict) for k in ("tags", "attrs")))


def digest(body: bytes) -> str:
    import hashlib
    return hashlib.sha256(body).hexdigest()


def manifest(shards: dict, pushed: float) -> bytes:
    return json.dumps({"format": FORMAT, "pushed": pushed, "shards": shards}, indent=1, sort_keys=True).encode()


def read_manifest(body: bytes, url: str) -> dict:
    """The manifest's data, checked; a corrupt one is Failed (exit 1), one line."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise Failed(f"the snapshot manifest {url} is corrupt ({exc.__class__.__name__}): "
                     "push the snapshot again") from None
    shards = data.get("shards") if isinstance(data, dict) else None
    if not isinstance(shards, dict) or data.get("format") != FORMAT or not all(
            isinstance(sid, str) and sid.count("/") == 2 and isinstance(e, dict)
            and (isinstance(e.get("key"), str) or (e.get("key") is None and e.get("count") == 0))
            and isinstance(e.get("fetched"), (int, float))
            for sid, e in shards.items()):
        raise Failed(f"the snapshot manifest {url} is corrupt or of another format: push the snapshot again")
    return data
