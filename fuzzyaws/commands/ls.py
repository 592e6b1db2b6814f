"""`fuzzyaws ls [QUERY]`: the inventory as lines, JSON or ARNs, filtered like `fzf --filter`."""
from __future__ import annotations

import json
import sys

from fuzzyaws import config
from fuzzyaws.cache import Cache
from fuzzyaws.inventory.load import load
from fuzzyaws.match import filter_lines
from fuzzyaws.status import NO_MATCH, OK


def run(args) -> int:
    settings = config.load(args)
    inventory = load(settings, Cache(settings.cache_dir), offline=args.offline, kinds=args.kind)
    lines = inventory.lines()
    query = " ".join(args.query)
    keep = filter_lines(query, lines) if query.strip() else range(len(lines))
    if not keep:
        return NO_MATCH
    if args.json:
        records = inventory.records()
        out = json.dumps([{**records[i], "line": lines[i]} for i in keep], ensure_ascii=False, indent=1)
    elif args.keys:
        keys = inventory.keys()
        out = "\n".join(keys[i] for i in keep)
    else:
        out = "\n".join(lines[i] for i in keep)
    sys.stdout.write(out + "\n")
    sys.stdout.flush()
    return OK
