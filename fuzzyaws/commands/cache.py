"""`fuzzyaws cache info|clear`."""
from __future__ import annotations

import time

from fuzzyaws import config
from fuzzyaws.cache import Cache
from fuzzyaws.status import OK


def run(args) -> int:
    settings = config.load(args)
    cache = Cache(settings.cache_dir)
    if args.cache_command == "clear":
        cache.clear()
        print(f"cleared {settings.cache_dir}")
        return OK
    now = time.time()
    shards = [s for s in cache.shards(cache.shard_ids()).values() if s is not None]
    print(f"cache:     {settings.cache_dir}")
    print(f"size:      {cache.volume() / 1024:.0f} KiB")
    print(f"ttl:       {settings.ttl:g}s")
    print(f"shards:    {len(shards)} ({sum(s.count for s in shards)} resources, "
          f"{sum(1 for s in shards if s.expired(settings.ttl, now))} expired, "
          f"{sum(1 for s in shards if s.stale)} failed last refresh)")
    for s in shards:
        age = s.age(now)
        state = "expired" if s.expired(settings.ttl, now) else "fresh"
        note = f"  last refresh failed: {s.error}" if s.stale else ""
        print(f"  {s.id:<42} {s.count:>6} resources  "
              f"{'never fetched' if age is None else f'{age:7.0f}s old'}  {state}{note}")
    return OK
