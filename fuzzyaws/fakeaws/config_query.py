"""The subset of AWS Config's advanced-query SQL that the fake answers, over configuration
items held as dicts:

    SELECT property [, ...] [ WHERE condition [ AND condition ...] ] [ GROUP BY property [, ...] ]

    property   accountId | configuration.state.name | tags | COUNT(*) ...
    condition  property = 'text' | property IN ('a', 'b') | property NOT IN ('a', 'b')

That is what fuzzyaws issues (one query per kind, and one GROUP BY to learn the accounts
and Regions). OR, BETWEEN, ORDER BY and the rest of the real grammar are an
InvalidExpressionException here, not silently ignored. As the real service, a selected
dotted property comes back nested (`configuration.state.name` as
{"configuration": {"state": {"name": ...}}}), and an aggregation's count as "COUNT(*)".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .errors import AwsError

COUNT = "COUNT(*)"
_TOKEN = re.compile(r"\s*(?:(COUNT\(\*\))|('(?:[^']|'')*')|([A-Za-z_][A-Za-z0-9_.]*)|(,|\(|\)|=))", re.I)
_KEYWORDS = {"SELECT", "WHERE", "AND", "IN", "NOT", "GROUP", "BY"}


def invalid(message: str) -> AwsError:
    return AwsError("InvalidExpressionException", message, 400)


@dataclass(frozen=True)
class Condition:
    field: str
    values: tuple
    negated: bool = False

    def holds(self, item: dict) -> bool:
        value = lookup(item, self.field)
        return (value in self.values) != self.negated


@dataclass(frozen=True)
class Query:
    fields: tuple
    conditions: tuple = ()
    group_by: tuple = ()
    aggregation: bool = field(default=False)

    def run(self, items: list) -> list:
        """The result rows (dicts) of the query over `items`, in the items' order."""
        kept = [item for item in items if all(c.holds(item) for c in self.conditions)]
        if not self.aggregation:
            return [project(item, self.fields) for item in kept]
        groups: dict = {}
        for item in kept:
            groups.setdefault(tuple(repr(lookup(item, f)) for f in self.group_by), []).append(item)
        rows = []
        for members in groups.values():
            row = project(members[0], [f for f in self.fields if f != COUNT])
            if COUNT in self.fields:
                row[COUNT] = len(members)
            rows.append(row)
        return rows


def lookup(item: dict, path: str):
    value = item
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def project(item: dict, paths) -> dict:
    out: dict = {}
    for path in paths:
        value = lookup(item, path)
        if value is None:
            continue
        parts = path.split(".")
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return out


def _tokens(expression: str) -> list:
    tokens, at = [], 0
    text = expression.strip()
    while at < len(text):
        match = _TOKEN.match(text, at)
        if match is None or match.end() == at:
            raise invalid(f"Unexpected input at position {at}: {text[at:at + 20]!r}")
        count, string, word, punct = match.groups()
        if count:
            tokens.append(("field", COUNT))
        elif string:
            tokens.append(("string", string[1:-1].replace("''", "'")))
        elif word and word.upper() in _KEYWORDS:
            tokens.append(("kw", word.upper()))
        elif word:
            tokens.append(("field", word))
        else:
            tokens.append(("punct", punct))
        at = match.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list):
        self.tokens, self.at = tokens, 0

    def peek(self):
        return self.tokens[self.at] if self.at < len(self.tokens) else (None, None)

    def take(self, kind: str, value=None):
        got = self.peek()
        if got[0] != kind or (value is not None and got[1] != value):
            want = value or kind
            raise invalid(f"Expected {want} but found {got[1] or 'the end of the query'}")
        self.at += 1
        return got[1]

    def fields(self) -> tuple:
        out = [self.take("field")]
        while self.peek() == ("punct", ","):
            self.at += 1
            out.append(self.take("field"))
        return tuple(out)

    def condition(self) -> Condition:
        name = self.take("field")
        kind, value = self.peek()
        if (kind, value) == ("punct", "="):
            self.at += 1
            return Condition(name, (self.take("string"),))
        negated = (kind, value) == ("kw", "NOT")
        if negated:
            self.at += 1
        self.take("kw", "IN")
        self.take("punct", "(")
        values = [self.take("string")]
        while self.peek() == ("punct", ","):
            self.at += 1
            values.append(self.take("string"))
        self.take("punct", ")")
        return Condition(name, tuple(values), negated)


def parse(expression: str) -> Query:
    p = _Parser(_tokens(expression))
    p.take("kw", "SELECT")
    fields = p.fields()
    conditions = []
    if p.peek() == ("kw", "WHERE"):
        p.at += 1
        conditions.append(p.condition())
        while p.peek() == ("kw", "AND"):
            p.at += 1
            conditions.append(p.condition())
    group_by: tuple = ()
    if p.peek() == ("kw", "GROUP"):
        p.at += 1
        p.take("kw", "BY")
        group_by = p.fields()
    if p.peek()[0] is not None:
        raise invalid(f"Unsupported or unexpected {p.peek()[1]!r} (this fake knows SELECT, WHERE "
                      "with = / IN / NOT IN joined by AND, and GROUP BY)")
    aggregation = COUNT in fields or bool(group_by)
    if aggregation and any(f not in group_by and f != COUNT for f in fields):
        raise invalid("Every selected property of an aggregation must be in its GROUP BY")
    return Query(fields=fields, conditions=tuple(conditions), group_by=group_by, aggregation=aggregation)
