"""`fuzzyaws cache info|clear`: what is cached (creating nothing), or empty it."""
from __future__ import annotations

import time

from fuzzyaws.model import plural
from fuzzyaws.status import ExitStatus


def run(app, opts) -> ExitStatus:
    cache, settings, out = app.cache, app.settings, app.console.out
    if opts.action == "clear":
        if cache.exists():
            cache.clear()
        out(f"cleared {settings.cache_dir}\n")
        return ExitStatus.OK
    now = time.time()
    shards = sorted(cache.shards().values(), key=lambda s: s.id)
    expired = sum(1 for s in shards if s.expired(settings.ttl, now))
    failed = sum(1 for s in shards if s.stale)
    out(f"cache:     {settings.cache_dir}{'' if cache.exists() else ' (nothing cached yet)'}\n"
        f"size:      {cache.volume() / 1024:.0f} KiB\n"
        f"ttl:       {settings.ttl:g}s\n"
        f"shards:    {len(shards)} ({plural(sum(s.count for s in shards), 'resource')}, "
        f"{expired} expired, {failed} failed last refresh)\n")
    from fuzzyaws.inventory.sources import describe
    if describe(settings):  # an organization source: its shards are as old as it is
        out(f"source:    {describe(settings)}\n")
    for s in shards:
        state = "expired" if s.expired(settings.ttl, now) else "fresh"
        note = f"  last refresh failed: {s.error}" if s.stale else ""
        out(f"  {s.id:<42} {plural(s.count, 'resource'):>15}  {_age(s.fetched, now):>14}  {state}{note}\n")
    return ExitStatus.OK


def _age(fetched: "float | None", now: float) -> str:
    if fetched is None:
        return "never fetched"
    if fetched > now:
        return "in the future"  # a clock that was wrong: refreshed at the next chance
    return f"{now - fetched:.0f}s old"
