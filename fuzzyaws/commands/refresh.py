"""`fuzzyaws refresh`: collect every shard now; the plan of accounts and regions is redone too."""
from __future__ import annotations

import sys
import time

from fuzzyaws import config
from fuzzyaws.cache import Cache
from fuzzyaws.inventory.load import plan_key
from fuzzyaws.inventory.refresh import refresh
from fuzzyaws.inventory.session import Sessions, resolve_targets
from fuzzyaws.status import FAILED, OK


def run(args) -> int:
    settings = config.load(args)
    cache = Cache(settings.cache_dir)
    sessions = Sessions(settings)
    started = time.monotonic()
    targets = resolve_targets(settings, sessions)
    cache.put_plan(plan_key(settings), targets, time.time())
    report = refresh(settings, cache, targets, settings.kinds, force=True, sessions=sessions)
    if settings.verbose or sys.stderr.isatty():
        print(f"fuzzyaws: {report.shards} shards, {report.resources} resources "
              f"in {time.monotonic() - started:.1f}s"
              + (f", {len(report.denied)} denied" if report.denied else "")
              + (f", {len(report.failed)} failed" if report.failed else ""), file=sys.stderr)
    return FAILED if report.failed else OK
