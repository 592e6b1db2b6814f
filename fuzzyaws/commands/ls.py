"""`fuzzyaws ls [QUERY]`: the inventory as lines, JSON or ARNs, filtered like `fzf --filter`."""
from __future__ import annotations

from fuzzyaws.inventory.load import load
from fuzzyaws.status import ExitStatus


def run(app, opts) -> ExitStatus:
    # only what is printed, and the lines a query filters
    read = {"lines": ("lines",), "json": ("lines",), "keys": ("keys",)}[opts.output]
    if opts.query.strip() and "lines" not in read:
        read = ("lines",) + read
    inventory = load(app, offline=opts.offline, kinds=opts.kinds, read=read)
    if not inventory.shard_count and opts.offline:
        app.console.warn(f"nothing cached for these settings yet: run `{app.prog} refresh`")
        return ExitStatus.NO_MATCH
    out = app.console.out
    columns = app.console.columns() if opts.output == "lines" else None
    if not opts.query.strip() and opts.output != "json" and not columns:
        # into a pipe, everything: the stored text as it is
        text = inventory.text("keys" if opts.output == "keys" else "lines")
        if not text:
            return ExitStatus.NO_MATCH
        out(text + "\n")
        return ExitStatus.OK
    lines = inventory.lines()
    if opts.query.strip():
        from fuzzyaws.match import filter_lines
        keep = filter_lines(opts.query, lines)
    else:
        keep = range(len(lines))
    if not keep:
        return ExitStatus.NO_MATCH
    if opts.output == "json":
        _json(app, inventory, lines, set(keep))
    elif opts.output == "keys":
        keys = inventory.keys()
        out("".join(keys[i] + "\n" for i in keep))
    elif columns:  # a terminal: aligned columns, cut to its width
        from fuzzyaws.layout import Display
        display = Display(inventory.widest(), columns, inventory.accounts, color=not app.env.get("NO_COLOR"))
        out("".join(display.cut(lines[i], columns) + "\n" for i in keep))
    else:
        out("".join(lines[i] + "\n" for i in keep))
    return ExitStatus.OK


def _json(app, inventory, lines, keep: set) -> None:
    """A JSON array of the full records (each with its line), streamed shard by shard.
    Where stdout cannot carry every character (LC_ALL=C), non-ASCII is \\u-escaped: the
    JSON stays lossless."""
    import json
    ascii_only = not app.console.utf8
    out = app.console.out
    out("[")
    first, i = True, 0
    for shard in inventory.shards:
        used = set(inventory.rows(shard))
        for row, record in enumerate(app.cache.records(shard.id, shard)):
            if row not in used:
                continue
            if i in keep:
                record["line"] = lines[i]
                out(("\n" if first else ",\n") + json.dumps(record, ensure_ascii=ascii_only, indent=1))
                first = False
            i += 1
    out("\n]\n")
