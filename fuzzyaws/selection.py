"""Choosing resources: the inventory as the pickers see it, the picker run itself, and,
for the actions, resolving QUERY|ID|ARN to resources (at once when unambiguous).

Stale data never blocks: with every shard cached the picker opens at once, and expired
shards are refreshed behind it (a live picker merges them in; fzf reloads through
`pick --list`). Only an empty cache is collected first, with progress.
"""
from __future__ import annotations

import sys
import time

from fuzzyaws import history
from fuzzyaws.inventory.load import load
from fuzzyaws.model import Resource, age_text, plural
from fuzzyaws.pickers import Listing, Refresh, Request
from fuzzyaws.status import Aborted, Failed, UsageError


def current(app, kinds, *, offline: bool, wait: bool = False):
    """(inventory, stale): the cache as it is, collected first only if something was never
    fetched (or, with `wait`, also if something expired)."""
    inventory = load(app, offline=True, kinds=kinds, read=("lines", "keys"))
    if inventory.missing or (wait and not offline and inventory.expired):
        inventory = load(app, offline=offline, kinds=kinds, read=("lines", "keys"))
    return inventory, inventory.expired > 0 and not offline


def header(inventory, now: float, refreshing: bool, shown: "int | None" = None) -> str:
    count = inventory.count if shown is None else shown
    parts = [plural(count, "resource"), plural(inventory.accounts, "account"), plural(inventory.regions, "region")]
    oldest = inventory.oldest()
    if oldest:
        parts.append(f"data {age_text(now - oldest)} old")
    failed = inventory.failed
    if failed:
        parts.append(f"{plural(failed, 'shard')} failed to refresh")
    if refreshing:
        parts.append("refreshing…")
    return " · ".join(parts)


def listing(app, inventory, now: float, refreshing: bool = False, keep=None) -> Listing:
    """The Listing of `inventory`: recently picked first, then cache order; only the `keep`
    keys if given (the header then counts those)."""
    keys, lines = inventory.keys(), inventory.lines()
    scores = history.scores(app.settings.cache_dir, now)
    shown = len(keys)
    if keep is not None:
        keys, lines = list(keys), list(lines)
        order = [i for i in history.recent_first(keys, scores) if keys[i] in keep]
        keys, lines, shown = [keys[i] for i in order], [lines[i] for i in order], len(order)
    elif scores:
        order = _Once(lambda stored=keys: history.recent_first(stored, scores, inventory.rows_of(scores)))
        keys, lines = _Reordered(keys, order), _Reordered(lines, order)
    return Listing(keys=keys, lines=lines, widest=inventory.widest(), accounts=inventory.accounts,
                   header=header(inventory, now, refreshing, None if keep is None else shown))


SCREENFUL = 256  # rows a picker asks for before it asks for all of them (the first screen)


class _Once:
    """A value computed when first asked for, then kept."""

    def __init__(self, compute):
        self._compute, self._value = compute, None

    def __call__(self):
        if self._compute is not None:
            self._value, self._compute = self._compute(), None
        return self._value


class _Reordered:
    """`rows` (a listing's keys or lines) in the order of the indexes `order()` gives,
    worked out when first read: fzf is started before a view's 100,000 keys are read to
    find the recent picks, and a row asked for alone is read alone (view.Rows: its
    block), so that fzf's first screenful does not wait for every line."""

    def __init__(self, rows, order: _Once):
        self._rows, self._order, self._made = rows, order, None

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, index):
        if self._made is None and isinstance(index, int) and 0 <= index < SCREENFUL:
            return self._rows[self._order()[index]]
        return self._list()[index]

    def __iter__(self):
        return iter(self._list())

    def _list(self) -> list:
        if self._made is None:
            self._made = list(map(list(self._rows).__getitem__, self._order()))
        return self._made


def global_flags(app) -> list:
    """This run's global options as command-line words, for the fuzzyaws it starts or
    writes down (so that it looks in the same inventory)."""
    words, flags = [], app.flags
    for name, flag in (("profiles", "--profile"), ("regions", "--region")):
        for value in flags.get(name) or ():
            words += [flag, value]
    for name in ("cache_dir", "ttl", "config"):
        if flags.get(name) is not None:
            words += ["--" + name.replace("_", "-"), str(flags[name])]
    return words


def child_argv(app) -> list:
    """`fuzzyaws` with this run's global options, for the commands fzf and ssh run. `-I`:
    a `fuzzyaws` folder in the current directory cannot shadow the package."""
    return [sys.executable, "-I", "-m", "fuzzyaws", *global_flags(app)]


def interactive(app, inventory, stale: bool, *, query: str, multi: bool, kinds=None,
                picker: "str | None" = None, fullscreen: bool = False, keep=None) -> "list | None":
    """Run the picker; the keys accepted ([] none), None if aborted. `keep`: offer only these."""
    chooser = app.picker(picker)
    now = time.time()
    request = Request(listing=listing(app, inventory, now, stale, keep), query=query, multi=multi,
                      preview=lambda key: preview_text(app, key),
                      preview_argv=child_argv(app) + ["preview"], fullscreen=fullscreen,
                      open=lambda key: open_page(app, key),
                      open_argv=child_argv(app) + ["open", "--offline"], copy_argv=child_argv(app) + ["copy"])
    if stale and keep is None:
        if chooser.live:
            request = request.replace(refresh=_refresh_behind(app, kinds))
        else:
            request = request.replace(reload_argv=child_argv(app) + ["pick", "--list"]
                                      + [a for kind in kinds or () for a in ("--kind", kind)])
    app.console.hold()
    try:
        chosen = chooser.pick(request)
    finally:
        app.console.release()
    if chosen:
        history.record(app.settings.cache_dir, chosen, time.time())
    return chosen


def records(app, inventory) -> dict:
    """{key: Resource} of every shard of `inventory`."""
    found = {}
    for shard in inventory.shards:
        used = set(inventory.rows(shard))
        for row, data in enumerate(app.cache.records(shard.id, shard)):
            if row in used:
                resource = Resource.from_dict(data)
                found[resource.key] = resource
    return found


def everything(app) -> list:
    """Every cached resource of the settings (offline): jump hosts and the like are found here."""
    inventory, _ = current(app, None, offline=True)
    return list(records(app, inventory).values())


def by_ids(app, ids, kinds, what: str = "an instance") -> list:
    """The cached resources of `kinds` named by `ids`: IDs, ARNs or unique Name tags.
    Raises UsageError naming those that are none of these."""
    candidates = [r for r in everything(app) if r.kind in kinds]
    known = {r.key: r for r in candidates} | {r.id: r for r in candidates}
    names: dict = {}
    for r in candidates:
        names.setdefault(r.name, []).append(r)
    found, unknown = [], []
    for target in dict.fromkeys(ids):
        match = known.get(target) or (names[target][0] if len(names.get(target, ())) == 1 else None)
        (found.append(match) if match else unknown.append(target))
    if unknown:
        raise UsageError(f"not {what} in the inventory: {', '.join(unknown[:5])}"
                         + (f" and {len(unknown) - 5} more" if len(unknown) > 5 else "")
                         + f" (give IDs, ARNs or unique Name tags; {app.prog} refresh?)")
    return found


def resolve(app, query: str, *, offline: bool = False, picker: "str | None" = None,
            multi: bool, kinds=None, usable=None) -> list:
    """Resources for QUERY|ID|ARN: the one resource it names or uniquely matches, else the
    picker's choice (starting with that query). `usable(resource)` is None for a resource
    the action can use, else the reason it cannot; only usable ones are offered.
    Raises Aborted (Esc), or Failed for nothing chosen or an unusable target."""
    inventory, stale = current(app, kinds, offline=offline)
    query = (query or "").strip()
    found = records(app, inventory)
    named = [r for r in found.values() if query and query in (r.key, r.id)]
    if not named and query:  # a Name tag, exactly
        named = [r for r in found.values() if r.name == query]
    if not named and query:
        from fuzzyaws.match import filter_lines
        keys = inventory.keys()
        named = [found[keys[i]] for i in filter_lines(query, inventory.lines()) if keys[i] in found]
    candidates = [r for r in named if usable is None or usable(r) is None]
    if len(named) == 1:
        reason = usable(named[0]) if usable else None
        if reason:
            raise Failed(f"{named[0].label}: {reason}")
        return named
    if query and len(candidates) == 1 and not multi:
        return candidates
    keep = None if usable is None else {k for k, r in found.items() if usable(r) is None}
    if keep is not None and not keep:
        raise Failed("nothing in the inventory can be used for this")
    chosen = interactive(app, inventory, stale, query=query, multi=multi, kinds=kinds,
                         picker=picker, keep=keep)
    if chosen is None:
        raise Aborted()  # Esc: as quiet as fzf
    if not chosen:
        raise Failed("nothing selected")
    return [found[k] for k in chosen if k in found]


def _refresh_behind(app, kinds) -> Refresh:
    """Refresh expired shards on a thread (started by the picker); a live picker merges
    the result in. Its warnings are said when the picker has closed."""
    def work():
        try:
            fresh = load(app, kinds=kinds, read=("lines", "keys"))
            refresh.finish(listing(app, fresh, time.time()))
        except Exception as exc:  # noqa: BLE001 - the picker keeps the cached data
            app.console.warn(f"refresh failed: {exc}")
            refresh.finish(None)

    refresh = Refresh(work)
    return refresh


def open_page(app, key: str) -> None:
    """The console page of `key` in the browser (the built-in picker's Alt-O)."""
    shard, record = app.cache.find(key)
    if record is not None:
        import webbrowser
        from fuzzyaws.actions.weblinks import url
        webbrowser.open(url(Resource.from_dict(record)))


def preview_text(app, key: str) -> str:
    from fuzzyaws.preview import render
    shard, record = app.cache.find(key)
    if record is None:
        return f"{key}: not in the cache"
    return render(Resource.from_dict(record), shard.fetched, time.time(), shard.error)
