"""Reading the inventory for `ls`, `pick` and `preview`: the warm path.

With every shard fresh this is one read of ready-made strings, and never imports boto3.
Only when the plan (which accounts and regions the settings mean) is unknown, or shards
are missing or expired, does it import the collector. Offline, it serves what is cached
of the accounts, regions and kinds the settings name, however old.
"""
from __future__ import annotations

import os
import time

from fuzzyaws import GLOBAL_KINDS, INDEX, KINDS, NATIVE_KINDS, view

# The environment that decides which accounts and regions boto3 would reach.
_SCOPE_ENV = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION",
              "AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID")
_SCOPE_FILES = {"AWS_CONFIG_FILE": "config", "AWS_SHARED_CREDENTIALS_FILE": "credentials"}


class Inventory:
    """The shards a command covers, in order, and their values read in one go. Of an index
    shard only the rows of the wanted kinds are used (its rows are grouped by kind)."""

    def __init__(self, shards: list, values: dict, rows: dict, missing: int = 0, expired: int = 0):
        self.shards = shards  # Shard, in plan order (those cached)
        self._values = values  # {prefix: {shard id: str}}
        self._rows = rows  # {shard id: [(first row, rows)...]} where not every row is used
        self.missing = missing  # planned shards never fetched (-1: no plan at all)
        self.expired = expired  # shards served although older than the TTL

    def _text(self, shard, text: str) -> str:
        ranges = self._rows.get(shard.id)
        if ranges is None:
            return text
        rows = text.split("\n")
        return "\n".join(row for first, count in ranges for row in rows[first:first + count])

    def text(self, prefix: str) -> str:
        """The `prefix` values (lines, keys) of every shard, one per line, in order."""
        values = self._values[prefix]
        texts = (self._text(s, values[s.id]) for s in self.shards if s.count and values.get(s.id))
        return "\n".join(t for t in texts if t)

    def lines(self) -> list:
        text = self.text("lines")
        return text.split("\n") if text else []

    def keys(self) -> list:
        text = self.text("keys")
        return text.split("\n") if text else []

    def rows_of(self, keys) -> "dict | None":
        """{key: its row} of those of `keys` listed, when that can be told without reading
        every key (None: read them)."""
        return None

    def rows(self, shard) -> "range | list":
        """The rows of `shard` that are used, as indexes into its records."""
        ranges = self._rows.get(shard.id)
        if ranges is None:
            return range(shard.count)
        return view.expand(ranges)

    @property
    def count(self) -> int:
        return sum(len(self.rows(s)) for s in self.shards)

    def widest(self) -> dict:
        """The widest value of each display column, over the shards."""
        out: dict = {}
        for shard in self.shards:
            for column, cells in shard.widths.items():
                out[column] = max(out.get(column, 0), cells)
        return out

    @property
    def accounts(self) -> int:
        return len({s.account for s in self.shards if s.count})

    @property
    def regions(self) -> int:
        return len({s.region for s in self.shards if s.count and s.region != "global"})

    @property
    def failed(self) -> int:
        """Shards whose last refresh failed (their data is older than it should be)."""
        return sum(1 for s in self.shards if s.stale)

    @property
    def shard_count(self) -> int:
        return len(self.shards)

    def oldest(self) -> "float | None":
        times = [s.fetched for s in self.shards if s.fetched]
        return min(times) if times else None

    def stored_shards(self):
        """(Shard, its state as the cache stores it, its used row ranges as text) per shard:
        what a view keeps of them."""
        from fuzzyaws.cache import shard_text
        for shard in self.shards:
            ranges = self._rows.get(shard.id)
            yield shard, shard_text(shard), ",".join(f"{a}:{b}" for a, b in ranges or ())


class StoredInventory(Inventory):
    """An Inventory as the scope's view holds it (view.Stored): its shards are parsed only
    when asked for (`ls --json` and the actions read records through them)."""
    count = accounts = regions = failed = None  # plain values here, not sums over shards

    def __init__(self, stored):
        self._stored = stored
        self._parsed = None
        self._rows: dict = {}
        self.missing, self.expired = stored.missing, stored.expired
        summary = stored.summary
        self.count, self.accounts, self.regions, self.failed = \
            summary.count, summary.accounts, summary.regions, summary.failed

    def text(self, prefix: str) -> str:
        return self._stored.text(prefix)

    def lines(self) -> "view.Rows":
        return self._stored.rows("lines")

    def rows_of(self, keys) -> "dict | None":
        return self._stored.rows_of(keys)

    def keys(self) -> "view.Rows":
        return self._stored.rows("keys")

    @property
    def shards(self) -> list:
        if self._parsed is None:
            from fuzzyaws.cache import parse_shard
            self._parsed = []
            for sid, _, ranges, _, meta in view.shard_rows(self._stored.text("shards")):
                self._parsed.append(parse_shard(sid, meta))
                if ranges:
                    self._rows[sid] = view.ranges_of(ranges)
        return self._parsed

    def rows(self, shard):
        self.shards  # noqa: B018 - parses the row ranges
        return super().rows(shard)

    @property
    def shard_count(self) -> int:
        return self._stored.shard_count

    def widest(self) -> dict:
        return dict(self._stored.summary.widest)

    def oldest(self) -> "float | None":
        return self._stored.summary.oldest


def plan_key(settings) -> str:
    """What decides the plan, as text: the key of its cache entry (not hashed, not JSON:
    hashlib's or json's import would cost the warm path for nothing)."""
    env = settings.env
    return repr((("profiles", settings.profiles), ("regions", settings.regions),
                 ("org", settings.org and settings.org.to_dict()),
                 ("source", (settings.source, settings.snapshot, settings.source_profile, settings.source_region)),
                 ("env", tuple(env.get(k) for k in _SCOPE_ENV)),
                 ("files", tuple(_mtime(env.get(var) or os.path.join(_home(env), ".aws", name))
                                 for var, name in _SCOPE_FILES.items()))))


def view_key(settings, kinds) -> str:
    """What decides a load's answer beyond the cached data: its view's scope (view.py)."""
    return repr((plan_key(settings), settings.kinds, settings.index, settings.ttl, settings.index_ttl,
                 kinds and tuple(kinds)))


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


def shards_of(targets, kinds) -> list:
    """[(shard id, target, kind)] for the plan's targets (dicts or Targets) and the shard
    kinds: one shard per target and kind, but one per account for a global kind."""
    from fuzzyaws.cache import shard_id
    out, seen = [], set()
    for target in targets:
        account, region = _get(target, "account"), _get(target, "region")
        for kind in kinds:
            sid = shard_id(account, "global" if kind in GLOBAL_KINDS else region, kind)
            if sid not in seen:
                seen.add(sid)
                out.append((sid, target, kind))
    return out


def _get(target, name):
    return target[name] if isinstance(target, dict) else getattr(target, name)


def native_kinds(settings) -> set:
    """The native kinds collected: an index source leaves their resources to them."""
    return set(settings.kinds) & set(NATIVE_KINDS)


def ttl(settings, kind: str) -> float:
    return settings.index_ttl if kind == INDEX else settings.ttl


def shard_kinds(settings, kinds=None) -> tuple:
    """(kinds of shards to read, kinds of index rows to keep or None for all) for the kinds
    asked for (default: the settings')."""
    from fuzzyaws.kinds import split
    wanted, rows = split(kinds or settings.kinds)
    if settings.index == "off":
        wanted = tuple(k for k in wanted if k != INDEX)
    return wanted, rows


def _cached_scope(app, kinds, shards: dict) -> list:
    """Offline with no plan for these settings: the cached shards of the regions and
    profiles (accounts) the settings name; with an [org], of every account (its accounts
    are the organization's, whatever the profiles, as aws/plan.py plans them)."""
    settings = app.settings
    regions = set(settings.regions) if settings.regions and "all" not in settings.regions else None
    accounts = None
    if settings.profiles and settings.org is None:
        known = app.cache.get("meta", "accounts", {})
        accounts = {known[p] for p in settings.profiles if p in known}
    return sorted((sid for sid, s in shards.items()
                   if s.kind in kinds and (regions is None or s.region in regions or s.region == "global")
                   and (accounts is None or s.account in accounts)), key=_order)


def scope(app, kinds, shards: dict, plan) -> list:
    """The shard ids the settings cover, in order: those of the plan, else (offline, no plan
    made for these settings) the cached ones of the regions and profiles they name."""
    kinds = shard_kinds(app.settings, kinds)[0]
    if plan is None:
        return _cached_scope(app, kinds, shards)
    return [sid for sid, _, _ in shards_of(plan, kinds)]


def _row_ranges(shard, keep, native) -> "list | None":
    """For an index shard: the (first row, rows) of its groups to use (not the kinds a native
    collector lists now, only `keep` if given); None: all of them."""
    if not shard.groups:
        return None
    ranges = [(first, count) for kind, first, count in shard.groups
              if kind not in native and (keep is None or _wanted(kind, keep))]
    return None if len(ranges) == len(shard.groups) else ranges


def _wanted(kind: str, keep) -> bool:
    """A row kind asked for: exactly, or by its service (`kms` keeps `kms:key`)."""
    return kind in keep or kind.split(":")[0] in keep


def load(app, *, offline: bool = False, kinds=None, read=("lines",)):
    """The inventory for the app's settings (or `kinds`); missing and expired shards are
    refreshed first, unless `offline`. `read`: the values every shard's are read of.
    Served from the scope's view (view.py) while it is current, else from the shards
    (and a view made of what they gave)."""
    settings = app.settings
    key = view_key(settings, kinds)
    stored = view.read(settings.cache_dir, key, time.time(), offline, settings.default_cache_dir)
    if stored is not None:
        return StoredInventory(stored)
    # read before the shards are: a write meanwhile makes the view stale at once
    made_from = view.generation(settings.cache_dir) or view.renew(settings.cache_dir)
    inventory, due, plan_until = _from_shards(app, offline, kinds, tuple(dict.fromkeys(read + ("lines", "keys"))))
    if made_from and not app.cache.in_memory:
        view.write(settings.cache_dir, key, made_from, inventory, due, plan_until, app.cache.record_files())
    return inventory


def _from_shards(app, offline: bool, kinds, read) -> tuple:
    """(Inventory, when each of its shards falls due, until when its plan holds: inf
    when there is none and the cached shards of the settings are used)."""
    from fuzzyaws.cache import parse_shard
    settings, cache = app.settings, app.cache
    values = cache.scan("shard", *read)
    shards = {sid: parse_shard(sid, text) for sid, text in values.pop("shard").items()}
    plan_until, plan = cache.plan_until(plan_key(settings), time.time())
    if plan is None and not offline:
        plan = [t.to_dict() for t in app.aws.targets()]
        plan_until, _ = cache.plan_until(plan_key(settings), time.time())
    sids = scope(app, kinds, shards, plan)
    native = native_kinds(settings)
    now = time.time()

    def due(sid):
        shard = shards.get(sid)
        return (shard is None or shard.expired(ttl(settings, shard.kind), now)
                or (shard.kind == INDEX and set(shard.native) != native))  # kinds since changed

    stale = [sid for sid in sids if due(sid)]
    if stale and not offline:
        from fuzzyaws.inventory.refresh import refresh
        refresh(app, stale, force=False)
        now = time.time()
        values = cache.scan("shard", *read)
        shards = {sid: parse_shard(sid, text) for sid, text in values.pop("shard").items()}
        stale = [sid for sid in sids if sid not in shards]
    keep = shard_kinds(settings, kinds)[1]
    rows = {sid: ranges for sid in sids if sid in shards
            for ranges in [_row_ranges(shards[sid], keep, native)] if ranges is not None}
    missing = -1 if plan is None else sum(1 for sid in stale if sid not in shards)
    inventory = Inventory([shards[sid] for sid in sids if sid in shards], values, rows, missing=missing,
                          expired=sum(1 for sid in stale if sid in shards))
    falls_due = [-1.0 if due(s.id) else max(s.fetched or 0.0, s.failed_at or 0.0) + ttl(settings, s.kind)
                 for s in inventory.shards]
    return inventory, falls_due, plan_until
