"""`fuzzyaws pick [QUERY]`: choose resources in fzf or the built-in picker; print them."""
from __future__ import annotations

import json
import sys
import time

from fuzzyaws import config
from fuzzyaws.cache import Cache
from fuzzyaws.model import clean
from fuzzyaws.pickers import items
from fuzzyaws.selection import current, header, interactive, ordered
from fuzzyaws.status import ABORTED, NO_MATCH, OK


def run(args) -> int:
    settings = config.load(args)
    cache = Cache(settings.cache_dir)
    inventory, stale = current(settings, cache, args.kind, offline=args.offline, wait=args.list)
    if args.list:  # what the picker reads: fzf's reload runs this
        now = time.time()
        keys, lines = ordered(inventory, cache, now)
        sys.stdout.write("\n".join(items(header(inventory, now, False), keys, lines)) + "\n")
        return OK
    chosen = interactive(args, settings, cache, inventory, stale,
                         query=args.query_option or " ".join(args.query), multi=args.multi,
                         kinds=args.kind, fullscreen=args.fullscreen)
    if chosen is None:
        return ABORTED
    if not chosen:
        return NO_MATCH
    records = [cache.find(key)[1] or {"key": key} for key in chosen]
    if args.print == "json":
        sys.stdout.write(json.dumps(records, ensure_ascii=False, indent=1) + "\n")
    else:
        field = {"arn": "key"}.get(args.print, args.print)
        # names are AWS text: one per line, nothing that could drive the terminal
        sys.stdout.write("".join(clean(r.get(field, "")) + "\n" for r in records))
    return OK
