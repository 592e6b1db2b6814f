"""What was picked recently, so that an empty query shows it first (frecency).

Each pick appends "TIME<TAB>KEY" lines to `history` in the cache directory: a plain file,
so that the picker reads it without the database, and a pick does not make the scope's
view (view.py) stale. The last KEEP picks count. A key's score adds up its picks, each
weighted by age the way zoxide does: within the hour 4, the day 2, the week 0.5, older
0.25. History is a convenience: a pick that cannot be written down is not an error.
"""
from __future__ import annotations

import os

from fuzzyaws import cachedir

KEEP = 500  # picks remembered
FILE = "history"


def record(directory: str, keys, now: float) -> None:
    path = os.path.join(directory, FILE)
    try:
        if not cachedir.check(directory, create=False):
            return
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as fh:
            fh.write("".join(f"{now!r}\t{key}\n" for key in keys))
        picks = _read(path)
        if len(picks) > 2 * KEEP:  # kept short: rewritten now and then, not on every pick
            cachedir.write_atomically(path, "".join(f"{when!r}\t{key}\n" for when, key in picks[-KEEP:]))
    except OSError:
        pass


def _read(path: str) -> list:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            text = fh.read()
    except OSError:
        return []
    picks = []
    for line in text.splitlines():
        when, _, key = line.partition("\t")
        try:
            picks.append((float(when), key))
        except ValueError:
            continue  # a torn line: skipped
    return picks


def scores(directory: str, now: float) -> dict:
    out: dict = {}
    for when, key in _read(os.path.join(directory, FILE))[-KEEP:]:
        age = now - when
        weight = 4.0 if age < 3600 else 2.0 if age < 86400 else 0.5 if age < 604800 else 0.25
        out[key] = out.get(key, 0.0) + weight
    return out


def recent_first(keys, score: dict, rows: "dict | None" = None):
    """Indexes of `keys`: scored ones first (highest first), then the rest in their order
    (a range when nothing was picked yet). `rows`: {key: its index} of the scored keys
    where known (a view's index tells), else `keys` is read once, in order."""
    if not score:
        return range(len(keys))
    from itertools import compress
    if rows is None:
        scored = sorted((-score[key], i) for i, key in enumerate(keys) if key in score)
    else:
        scored = sorted((-score[key], i) for key, i in rows.items() if key in score and 0 <= i < len(keys))
    rest = bytearray(b"\x01") * len(keys)  # 1: not scored (C loops: a view has 100,000 keys)
    for _, i in scored:
        rest[i] = 0
    return [i for _, i in scored] + list(compress(range(len(keys)), rest))
