"""`fuzzyaws pick [QUERY]`: choose resources in fzf or the built-in picker; print them.

Stale data never blocks: with every shard cached the picker opens at once, and expired
shards are refreshed behind it (the built-in picker merges them in live; fzf reloads
through `pick --list`). Only an empty cache is collected first, with progress.
"""
from __future__ import annotations

import io
import json
import sys
import threading
import time

from fuzzyaws import config, history
from fuzzyaws.cache import Cache
from fuzzyaws.commands.preview import find
from fuzzyaws.inventory.load import load
from fuzzyaws.model import clean
from fuzzyaws.pickers import Refresh, Request, choose
from fuzzyaws.preview import age_text, render
from fuzzyaws.status import ABORTED, NO_MATCH, OK

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


def ordered(inventory, cache, now: float) -> tuple:
    """(keys, lines): recently picked first, then cache order."""
    keys, lines = inventory.keys(), inventory.lines()
    order = history.recent_first(keys, history.scores(cache, now))
    return [keys[i] for i in order], [lines[i] for i in order]


def run(args) -> int:
    settings = config.load(args)
    cache = Cache(settings.cache_dir)
    now = time.time()
    inventory = load(settings, cache, offline=True, kinds=args.kind)
    if inventory.missing or (args.list and not args.offline and inventory.expired):
        inventory = load(settings, cache, offline=args.offline, kinds=args.kind)  # collect first
    stale = inventory.expired > 0 and not args.offline
    keys, lines = ordered(inventory, cache, now)
    if args.list:  # what the picker reads: fzf's reload runs this
        out = [f"\t{header(inventory, now, False)}"] + [f"{k}\t{line}" for k, line in zip(keys, lines)]
        sys.stdout.write("\n".join(out) + "\n")
        return OK

    picker = choose(args.picker or settings.picker)
    request = Request(lines=lines, keys=keys, query=args.query_option or " ".join(args.query),
                      multi=args.multi, header=header(inventory, now, stale),
                      preview=lambda key: _preview(cache, key),
                      preview_argv=child_argv(args) + ["preview"], fullscreen=args.fullscreen)
    warnings = io.StringIO()
    if stale:
        if picker.__name__.endswith(".fzf"):
            request.reload_argv = child_argv(args) + ["pick", "--list"] + _kind_args(args)
        else:
            request.refresh = _refresh_behind(settings, cache, args.kind, warnings)
    chosen = picker.pick(request)
    sys.stderr.write(warnings.getvalue())
    if chosen is None:
        return ABORTED
    if not chosen:
        return NO_MATCH
    history.record(cache, chosen, time.time())
    _print(chosen, _records(cache, chosen), args.print)
    return OK


def _kind_args(args) -> list:
    return [a for kind in args.kind or () for a in ("--kind", kind)]


def _refresh_behind(settings, cache, kinds, warnings) -> Refresh:
    """Refresh expired shards on a thread; the built-in picker merges the result in."""
    refresh = Refresh()

    def work():
        from fuzzyaws.inventory.refresh import Progress
        try:
            fresh = load(settings, Cache(settings.cache_dir), kinds=kinds,
                         progress=Progress(0, False, stream=warnings))
            refresh.finish(ordered(fresh, cache, time.time()))
        except Exception as exc:  # noqa: BLE001 - the picker keeps the cached data
            warnings.write(f"fuzzyaws: warning: refresh failed: {exc}\n")
            refresh.finish(None)

    threading.Thread(target=work, name="fuzzyaws-refresh", daemon=True).start()
    return refresh


def _preview(cache, key: str) -> str:
    shard, record = find(cache, key)
    return render(record, shard.fetched, time.time(), shard.error) if record else f"{key}: not in the cache"


def _records(cache, keys) -> list:
    return [find(cache, key)[1] or {"key": key} for key in keys]


def _print(keys, records, what: str) -> None:
    if what == "json":
        sys.stdout.write(json.dumps(records, ensure_ascii=False, indent=1) + "\n")
        return
    field = {"arn": "key"}.get(what, what)
    # names are AWS text: one per line, nothing that could drive the terminal
    values = [clean(r.get(field, "")) for r in records]
    sys.stdout.write("".join(v + "\n" for v in values))
