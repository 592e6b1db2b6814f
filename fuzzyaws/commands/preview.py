"""`fuzzyaws preview KEY`: the preview pane's text, from the cache only. fzf runs it on every
cursor move, so it reads the one shard the ARN names and parses the one record."""
from __future__ import annotations

import sys
import time

from fuzzyaws import config
from fuzzyaws.cache import Cache, shard_id
from fuzzyaws.preview import render
from fuzzyaws.status import NO_MATCH, OK


def find(cache: Cache, key: str):
    """(shard, record) for an ARN (one shard read) or an id (every shard scanned)."""
    parts = key.split(":", 5)
    if len(parts) == 6 and parts[0] == "arn":
        shard = cache.shard(shard_id(parts[4], parts[3], parts[2]))
        record = shard.record(key) if shard else None
        if record:
            return shard, record
    for shard in cache.shards(cache.shard_ids()).values():
        for k in (shard.key_list() if shard else ()):
            if k == key or k.endswith(("/" + key, ":" + key)):
                return shard, shard.record(k)
    return None, None


def run(args) -> int:
    settings = config.load(args)
    shard, record = find(Cache(settings.cache_dir), args.key)
    if record is None:
        print(f"fuzzyaws: {args.key} is not in the cache (fuzzyaws refresh?)", file=sys.stderr)
        return NO_MATCH
    sys.stdout.write(render(record, shard.fetched, time.time(), shard.error) + "\n")
    return OK
