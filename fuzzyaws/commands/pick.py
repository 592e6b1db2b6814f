"""`fuzzyaws pick [QUERY]`: choose resources in fzf or the built-in picker; print them."""
from __future__ import annotations

import time

from fuzzyaws.model import Resource, clean
from fuzzyaws.pickers import items
from fuzzyaws.selection import current, interactive, listing
from fuzzyaws.status import ExitStatus


def run(app, opts) -> ExitStatus:
    inventory, stale = current(app, opts.kinds, offline=opts.offline, wait=opts.list)
    if opts.list:  # what the picker reads: fzf's reload runs this
        columns = opts.columns or app.console.columns() or 200
        app.console.out("\n".join(items(listing(app, inventory, time.time()), columns, opts.ansi)) + "\n")
        return ExitStatus.OK
    chosen = interactive(app, inventory, stale, query=opts.query, multi=opts.multi, kinds=opts.kinds,
                         picker=opts.picker, fullscreen=opts.fullscreen)
    if chosen is None:
        return ExitStatus.ABORTED
    if not chosen:
        return ExitStatus.NO_MATCH
    found = [app.cache.find(key)[1] or {"key": key} for key in chosen]
    if opts.print == "json":
        import json
        app.console.out(json.dumps(found, ensure_ascii=not app.console.utf8, indent=1) + "\n")
    elif opts.print == "url":
        from fuzzyaws.actions.weblinks import url
        app.console.out("".join(url(Resource.from_dict(r)) + "\n" for r in found if "kind" in r))
    else:
        field = {"arn": "key"}.get(opts.print, opts.print)
        # names are AWS text: one per line, nothing that could drive the terminal
        app.console.out("".join(clean(r.get(field, "")) + "\n" for r in found))
    return ExitStatus.OK
