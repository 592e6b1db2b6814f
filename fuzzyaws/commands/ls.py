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
    """A JSON array of the full records (each with its line), one a line, streamed shard
    by shard.
    Where stdout cannot carry every character (LC_ALL=C), non-ASCII is \\u-escaped: the
    JSON stays lossless."""
    import json
    ascii_only = not app.console.utf8
    out = app.console.out
    out("[")
    first, i = True, 0
    for shard in inventory.shards:
        used = set(inventory.rows(shard))
        chunk = []  # one record a line, written a shard at a time
        for row, text in enumerate(app.cache.record_texts(shard.id, shard)):
            if row not in used:
                continue
            if i in keep:
                chunk.append(("\n" if first else ",\n") + _with_line(text, lines[i], ascii_only))
                first = False
            i += 1
        out("".join(chunk))
    out("\n]\n")


def _with_line(stored: str, line: str, ascii_only: bool) -> str:
    """The stored record (JSON text) with its line as a last "line" member: what
    json.dumps(record | {"line": line}) gives. Written without parsing the record where
    the stored text can be kept as it is (100,000 records parsed and encoded again take
    seconds): it is json.dumps' own output, a non-empty object."""
    import json
    if ascii_only or not stored.endswith("}") or stored == "{}":
        record = json.loads(stored)
        record["line"] = line
        return json.dumps(record, ensure_ascii=ascii_only)
    return f'{stored[:-1]}, "line": {json.dumps(line, ensure_ascii=False)}}}'
