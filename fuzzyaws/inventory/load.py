"""Reading the inventory for `ls`, `pick` and `preview`: the warm path.

With every shard fresh in the cache this is a few reads of ready-made strings and never
imports boto3. Only when the plan (which accounts and regions the settings mean) is
unknown, or shards are missing or expired, does it import the collector.
"""
from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass

from fuzzyaws.cache import Cache, shard_id

# The environment that decides which accounts and regions boto3 would reach.
_SCOPE_ENV = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION",
              "AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID")
_SCOPE_FILES = ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE")


@dataclass
class Inventory:
    shards: list  # Shard objects, in plan order
    missing: int = 0  # planned shards never fetched (or no plan at all: -1)
    expired: int = 0  # shards served although older than the TTL (offline)

    def lines(self) -> list:
        return [line for s in self.shards for line in s.line_list()]

    def keys(self) -> list:
        return [key for s in self.shards for key in s.key_list()]

    def records(self) -> list:
        return [rec for s in self.shards for rec in s.record_list()]

    def oldest(self) -> "float | None":
        times = [s.fetched for s in self.shards if s.fetched]
        return min(times) if times else None


def plan_key(settings) -> str:
    """What decides the plan, as text: the key of its cache entry (hashing it would cost
    the warm path an import of hashlib for nothing)."""
    env = settings.env
    scope = {
        "profiles": settings.profiles, "regions": settings.regions,
        "org": settings.org and vars(settings.org),
        "env": {k: env.get(k) for k in _SCOPE_ENV},
        "files": {k: _mtime(env.get(k) or os.path.expanduser(f"~/.aws/{k.split('_')[1].lower()}"))
                  for k in _SCOPE_FILES},
    }
    return json.dumps(scope, sort_keys=True, default=str)


def _mtime(path: str):
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None


def targets(settings, cache: Cache, *, offline: bool, sessions) -> "list | None":
    """The plan's targets, from the cache or (not offline) resolved and cached.
    `sessions()` gives the run's Sessions; it is called only on the cold path."""
    key = plan_key(settings)
    found = cache.plan(key, time.time())
    if found is not None or offline:
        return found
    from fuzzyaws.inventory.session import resolve_targets
    found = resolve_targets(settings, sessions())
    cache.put_plan(key, found, time.time())
    return found


def _lazy_sessions(settings):
    made = []

    def sessions():
        if not made:
            from fuzzyaws.inventory.session import Sessions  # imports boto3: cold path only
            made.append(Sessions(settings))
        return made[0]
    return sessions


def load(settings, cache: Cache, *, offline: bool = False, kinds=None, progress=None) -> Inventory:
    """The inventory for the settings; missing and expired shards are refreshed first,
    unless `offline`, which serves whatever is cached, however old, and counts what
    is missing or expired."""
    kinds = tuple(kinds or settings.kinds)
    sessions = _lazy_sessions(settings)
    plan = targets(settings, cache, offline=offline, sessions=sessions)
    if plan is None:  # offline and never planned: everything cached of these kinds
        sids = [sid for sid in cache.shard_ids() if sid.rsplit("/", 1)[1] in kinds]
    else:
        sids = [shard_id(t["account"], t["region"], k) for t in plan for k in kinds]
    shards = cache.shards(sids)
    now = time.time()
    due = {sid for sid, s in shards.items() if s is None or s.expired(settings.ttl, now)}
    if due and not offline:
        from fuzzyaws.inventory.refresh import refresh
        refresh(settings, cache, plan, kinds, force=False, sessions=sessions(), shard_ids=due,
                progress=progress)
        shards.update(cache.shards(due))
        due = set()
    missing = -1 if plan is None else sum(1 for sid in due if shards[sid] is None)
    return Inventory([s for s in (shards[sid] for sid in sids) if s is not None],
                     missing=missing, expired=sum(1 for sid in due if shards[sid] is not None))
