"""What was picked recently, so that an empty query shows it first (frecency).

Each pick appends (key, time) to a bounded list in the cache. A key's score adds up its
picks, each weighted by age the way zoxide does: within the hour 4, the day 2, the week
0.5, older 0.25.
"""
from __future__ import annotations

KEEP = 500  # picks remembered


def record(cache, keys, now: float) -> None:
    picks = cache.get("meta", "history", [])
    picks.extend((key, now) for key in keys)
    cache.set("meta", "history", picks[-KEEP:])


def scores(cache, now: float) -> dict:
    out: dict = {}
    for key, when in cache.get("meta", "history", []):
        age = now - when
        weight = 4.0 if age < 3600 else 2.0 if age < 86400 else 0.5 if age < 604800 else 0.25
        out[key] = out.get(key, 0.0) + weight
    return out


def recent_first(keys: list, score: dict):
    """Indexes of `keys`: scored ones first (highest first), then the rest in their order
    (a range when nothing was picked yet)."""
    if not score:
        return range(len(keys))
    return sorted(range(len(keys)), key=lambda i: -score.get(keys[i], 0.0))
