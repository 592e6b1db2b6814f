"""`fuzzyaws preview KEY`: the preview pane's text, from the cache only. fzf runs it on every
cursor move, so it reads the one shard the ARN names and parses the one record."""
from __future__ import annotations

import sys
import time

from fuzzyaws import config
from fuzzyaws.cache import Cache
from fuzzyaws.preview import render
from fuzzyaws.status import NO_MATCH, OK


def run(args) -> int:
    settings = config.load(args)
    shard, record = Cache(settings.cache_dir).find(args.key)
    if record is None:
        print(f"fuzzyaws: {args.key} is not in the cache (fuzzyaws refresh?)", file=sys.stderr)
        return NO_MATCH
    sys.stdout.write(render(record, shard.fetched, time.time(), shard.error) + "\n")
    return OK
