"""`fuzzyaws preview KEY`: the preview pane's text, from the cache only. fzf runs it on every
cursor move, so it finds the key in the scope's view and parses one record of the one
records file it is in; else (no current view, or not in it) it reads the keys of the
shards the ARN can be in, and parses one record."""
from __future__ import annotations

import time

from fuzzyaws import view
from fuzzyaws.inventory.load import plan_key, scope, view_key
from fuzzyaws.model import Resource
from fuzzyaws.status import ExitStatus, Failed


def run(app, opts) -> ExitStatus:
    from fuzzyaws.preview import render
    settings, now = app.settings, time.time()
    found = view.find(settings.cache_dir, opts.key, view_key(settings, None), now, settings.default_cache_dir)
    if found is None:
        shard, record = app.cache.find(opts.key, within=_within(app))
        if record is None:
            raise Failed(f"{opts.key} is not in the cache ({app.prog} refresh?)")
        found = record, shard.fetched, shard.error
    record, fetched, error = found
    app.console.out(render(Resource.from_dict(record), fetched, now, error) + "\n")
    return ExitStatus.OK


def _within(app) -> "set | None":
    """The shards --profile, --region (or the config) name; None when they name none."""
    settings = app.settings
    if not settings.profiles and not settings.regions and settings.org is None:
        return None
    shards = app.cache.shards()
    return set(scope(app, None, shards, app.cache.plan(plan_key(settings), time.time())))
