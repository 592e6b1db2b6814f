"""Reading the inventory for `ls`, `pick` and `preview`: the warm path.

With every shard fresh this is one read of ready-made strings, and never imports boto3.
Only when the plan (which accounts and regions the settings mean) is unknown, or shards
are missing or expired, does it import the collector. Offline, it serves what is cached
of the accounts, regions and kinds the settings name, however old.
"""
from __future__ import annotations

import json
import os
import time

from fuzzyaws import KINDS
from fuzzyaws.cache import parse_shard, shard_id

# The environment that decides which accounts and regions boto3 would reach.
_SCOPE_ENV = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION",
              "AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID")
_SCOPE_FILES = {"AWS_CONFIG_FILE": "config", "AWS_SHARED_CREDENTIALS_FILE": "credentials"}


class Inventory:
    """The shards a command covers, in order, and their values read in one go."""

    def __init__(self, shards: list, values: dict, missing: int = 0, expired: int = 0):
        self.shards = shards  # Shard, in plan order (those cached)
        self._values = values  # {prefix: {shard id: str}}
        self.missing = missing  # planned shards never fetched (-1: no plan at all)
        self.expired = expired  # shards served although older than the TTL

    def text(self, prefix: str) -> str:
        """The `prefix` values (lines, keys) of every shard, one per line, in order."""
        values = self._values[prefix]
        return "\n".join(values[s.id] for s in self.shards if s.count and values.get(s.id))

    def lines(self) -> list:
        text = self.text("lines")
        return text.split("\n") if text else []

    def keys(self) -> list:
        text = self.text("keys")
        return text.split("\n") if text else []

    @property
    def count(self) -> int:
        return sum(s.count for s in self.shards)

    def oldest(self) -> "float | None":
        times = [s.fetched for s in self.shards if s.fetched]
        return min(times) if times else None


def plan_key(settings) -> str:
    """What decides the plan, as text: the key of its cache entry (hashing it would cost
    the warm path an import of hashlib for nothing)."""
    env = settings.env
    scope = {
        "profiles": settings.profiles, "regions": settings.regions,
        "org": settings.org and settings.org.to_dict(),
        "env": {k: env.get(k) for k in _SCOPE_ENV},
        "files": {var: _mtime(env.get(var) or os.path.join(_home(env), ".aws", name))
                  for var, name in _SCOPE_FILES.items()},
    }
    return json.dumps(scope, sort_keys=True)


def _home(env) -> str:
    from fuzzyaws.config import home
    return home(env)


def _mtime(path: str):
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None


def _order(sid: str):
    account, region, kind = sid.split("/")
    return account, region, KINDS.index(kind) if kind in KINDS else len(KINDS), kind


def _cached_scope(app, kinds, shards: dict) -> list:
    """Offline with no plan for these settings: the cached shards of the regions and
    profiles (accounts) the settings name."""
    settings = app.settings
    regions = set(settings.regions) if settings.regions and "all" not in settings.regions else None
    accounts = None
    if settings.profiles:
        known = app.cache.get("meta", "accounts", {})
        accounts = {known[p] for p in settings.profiles if p in known}
    return sorted((sid for sid, s in shards.items()
                   if s.kind in kinds and (regions is None or s.region in regions)
                   and (accounts is None or s.account in accounts)), key=_order)


def scope(app, kinds, shards: dict, plan) -> list:
    """The shard ids the settings cover, in order: those of the plan, else (offline, no plan
    made for these settings) the cached ones of the regions and profiles they name."""
    kinds = tuple(kinds or app.settings.kinds)
    if plan is None:
        return _cached_scope(app, kinds, shards)
    return [shard_id(t["account"], t["region"], k) for t in plan for k in kinds]


def load(app, *, offline: bool = False, kinds=None, read=("lines",)) -> Inventory:
    """The inventory for the app's settings; missing and expired shards are refreshed first,
    unless `offline`. `read`: the values every shard's are read of (lines, keys)."""
    settings, cache = app.settings, app.cache
    values = cache.scan("shard", *read)
    shards = {sid: parse_shard(sid, text) for sid, text in values.pop("shard").items()}
    plan = cache.plan(plan_key(settings), time.time())
    if plan is None and not offline:
        plan = [t.to_dict() for t in app.aws.targets()]
    sids = scope(app, kinds, shards, plan)
    now = time.time()
    due = [sid for sid in sids if sid not in shards or shards[sid].expired(settings.ttl, now)]
    if due and not offline:
        from fuzzyaws.inventory.refresh import refresh
        refresh(app, [sid for sid in due], force=False)
        values = cache.scan("shard", *read)
        shards = {sid: parse_shard(sid, text) for sid, text in values.pop("shard").items()}
        due = [sid for sid in sids if sid not in shards]
    missing = -1 if plan is None else sum(1 for sid in due if sid not in shards)
    return Inventory([shards[sid] for sid in sids if sid in shards], values, missing=missing,
                     expired=sum(1 for sid in due if sid in shards))
