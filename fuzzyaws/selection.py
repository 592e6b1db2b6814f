"""Choosing resources: the inventory as the pickers see it, the picker run itself, and,
for the actions, resolving QUERY|ID|ARN to resources (at once when unambiguous).

Stale data never blocks: with every shard cached the picker opens at once, and expired
shards are refreshed behind it (the built-in picker merges them in live; fzf reloads
through `pick --list`). Only an empty cache is collected first, with progress.
"""
from __future__ import annotations

import io
import sys
import threading
import time

from fuzzyaws import history
from fuzzyaws.cache import Cache
from fuzzyaws.inventory.load import load
from fuzzyaws.match import filter_lines
from fuzzyaws.pickers import Refresh, Request, choose
from fuzzyaws.model import age_text, clean
from fuzzyaws.preview import render
from fuzzyaws.status import ABORTED, NO_MATCH, FuzzyAwsError


def current(settings, cache, kinds, *, offline: bool, wait: bool = False):
    """(inventory, stale): the cache as it is, collected first only if something was never
    fetched (or, with `wait`, also if something expired)."""
    inventory = load(settings, cache, offline=True, kinds=kinds)
    if inventory.missing or (wait and not offline and inventory.expired):
        inventory = load(settings, cache, offline=offline, kinds=kinds)
    return inventory, inventory.expired > 0 and not offline


def header(inventory, now: float, refreshing: bool) -> str:
    count = sum(s.count for s in inventory.shards)
    accounts = {s.id.split("/")[0] for s in inventory.shards if s.count}
    regions = {s.id.split("/")[1] for s in inventory.shards if s.count}
    parts = [f"{count} resources", f"{len(accounts)} accounts", f"{len(regions)} regions"]
    oldest = inventory.oldest()
    if oldest:
        parts.append(f"data {age_text(now - oldest)} old")
    failed = sum(1 for s in inventory.shards if s.stale)
    if failed:
        parts.append(f"{failed} shards failed to refresh")
    if refreshing:
        parts.append("refreshing…")
    return " · ".join(parts)


def ordered(inventory, cache, now: float, keep=None) -> tuple:
    """(keys, lines): recently picked first, then cache order; only the `keep` keys if given."""
    keys, lines = inventory.keys(), inventory.lines()
    order = history.recent_first(keys, history.scores(cache, now))
    return ([keys[i] for i in order if keep is None or keys[i] in keep],
            [lines[i] for i in order if keep is None or keys[i] in keep])


def child_argv(args) -> list:
    """`fuzzyaws` with this run's global options, for the commands fzf runs."""
    argv = [sys.executable, "-m", "fuzzyaws"]
    for name in ("profile", "region"):
        for value in getattr(args, name, None) or ():
            argv += [f"--{name}", value]
    for name in ("cache_dir", "ttl", "config"):
        if getattr(args, name, None) is not None:
            argv += ["--" + name.replace("_", "-"), str(getattr(args, name))]
    return argv


def interactive(args, settings, cache, inventory, stale, *, query: str, multi: bool, kinds,
                fullscreen: bool = False, keep=None) -> "list | None":
    """Run the picker; the keys accepted ([] none), None if aborted. `keep`: offer only these."""
    now = time.time()
    picker = choose(getattr(args, "picker", None) or settings.picker)
    keys, lines = ordered(inventory, cache, now, keep)
    request = Request(lines=lines, keys=keys, query=query, multi=multi,
                      header=header(inventory, now, stale),
                      preview=lambda key: _preview(cache, key),
                      preview_argv=child_argv(args) + ["preview"], fullscreen=fullscreen)
    warnings = io.StringIO()
    if stale and keep is None:
        if picker.__name__.endswith(".fzf"):
            request.reload_argv = (child_argv(args) + ["pick", "--list"]
                                   + [a for kind in kinds or () for a in ("--kind", kind)])
        else:
            request.refresh = _refresh_behind(settings, kinds, warnings)
    chosen = picker.pick(request)
    sys.stderr.write(warnings.getvalue())
    if chosen:
        history.record(cache, chosen, time.time())
    return chosen


def all_records(settings, cache) -> list:
    """Every cached record (offline): jump hosts and the like are looked up here."""
    inventory, _ = current(settings, cache, None, offline=True)
    return inventory.records()


def resolve(args, settings, *, multi: bool, kinds=None, usable=None) -> list:
    """Records for QUERY|ID|ARN: the one resource it names or uniquely matches, else the
    picker's choice (starting with that query). `usable(record)` is None for a record the
    action can use, else the reason it cannot; only usable records are offered.
    Raises FuzzyAwsError for abort (130), nothing chosen (1) or an unusable target (1)."""
    cache = Cache(settings.cache_dir)
    inventory, stale = current(settings, cache, kinds, offline=getattr(args, "offline", False))
    query = (args.query or "").strip()
    records = {}
    for shard in inventory.shards:
        for record in shard.record_list():
            records[record["key"]] = record
    named = [r for r in records.values() if query and query in (r["key"], r["id"])]
    if not named and query:  # a Name tag, exactly
        named = [r for r in records.values() if r.get("name") == query]
    if not named and query:
        lines, keys = inventory.lines(), inventory.keys()
        named = [records[keys[i]] for i in filter_lines(query, lines)]
    candidates = [r for r in named if usable is None or usable(r) is None]
    if len(named) == 1:
        reason = usable(named[0]) if usable else None
        if reason:
            raise FuzzyAwsError(f"{named[0]['id']} ({clean(named[0].get('name', ''))}): {reason}", NO_MATCH)
        return named
    if query and len(candidates) == 1 and not multi:
        return candidates
    keep = None if usable is None else {k for k, r in records.items() if usable(r) is None}
    if keep is not None and not keep:
        raise FuzzyAwsError("nothing in the inventory can be used for this", NO_MATCH)
    chosen = interactive(args, settings, cache, inventory, stale, query=query, multi=multi,
                         kinds=kinds, keep=keep)
    if chosen is None:
        raise FuzzyAwsError("", ABORTED)  # Esc: as quiet as fzf
    if not chosen:
        raise FuzzyAwsError("nothing selected", NO_MATCH)
    return [records.get(k) or cache.find(k)[1] for k in chosen]


def _refresh_behind(settings, kinds, warnings) -> Refresh:
    """Refresh expired shards on a thread; the built-in picker merges the result in."""
    refresh = Refresh()

    def work():
        from fuzzyaws.inventory.refresh import Progress
        try:
            cache = Cache(settings.cache_dir)
            fresh = load(settings, cache, kinds=kinds, progress=Progress(0, False, stream=warnings))
            now = time.time()
            keys, lines = ordered(fresh, cache, now)
            refresh.finish((lines, keys, header(fresh, now, False)))
        except Exception as exc:  # noqa: BLE001 - the picker keeps the cached data
            warnings.write(f"fuzzyaws: warning: refresh failed: {exc}\n")
            refresh.finish(None)

    threading.Thread(target=work, name="fuzzyaws-refresh", daemon=True).start()
    return refresh


def _preview(cache, key: str) -> str:
    shard, record = cache.find(key)
    return render(record, shard.fetched, time.time(), shard.error) if record else f"{key}: not in the cache"
