"""JSON values read without importing `json`, whose import (re, enum) costs `preview` more
than the rest of its work: CPython's own C scanner, which `json` itself uses, set up as
`json.loads` sets it up. Elsewhere (no `_json`), `json` it is."""
from __future__ import annotations


class _Context:
    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf")}.__getitem__
    memo: dict = {}


try:
    from _json import make_scanner
    _scan = make_scanner(_Context())
except ImportError:  # not CPython
    _scan = None


def loads(text: str):
    """The JSON value `text` holds (surrounding whitespace allowed); ValueError if none."""
    if _scan is None:
        import json
        return json.loads(text)
    start = len(text) - len(text.lstrip(" \t\n\r"))
    try:
        value, end = _scan(text, start)
    except StopIteration:
        raise ValueError("not JSON") from None
    if text[end:].strip(" \t\n\r"):
        raise ValueError("extra data after JSON")
    return value
