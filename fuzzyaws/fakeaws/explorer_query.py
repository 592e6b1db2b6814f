"""Resource Explorer's query string: the subset of its syntax the fake understands.

From the user guide ("Search query syntax reference for Resource Explorer") and the
API reference:
- free-form keywords, separated by spaces, are implicitly ORed; here a keyword
  matches a resource whose ARN, or one of whose tag keys or values, contains it;
- filters ``name:value`` narrow the results and are ANDed with each other and with
  the keywords: ``region:`` (``global`` for IAM), ``service:``, ``resourcetype:``,
  ``accountid:``, ``id:`` (the ARN or its last part), ``tag:Key=Value``,
  ``tag:none`` (no tags), ``tag:all`` (some tag), ``tag.key:``, ``tag.value:``,
  ``resourcetype.supports:tags``;
- ``-`` before a filter or keyword negates it; ``*`` at the end of a value makes it
  a prefix (``region:us-*``); double quotes keep spaces inside a value;
- the search is case-insensitive throughout; an empty string matches everything.
A view's filter string takes filters only, no keywords.

Checked against AWS's text: keywords ORed, filters ANDed with the view's,
``region:``, ``service:``, ``-``, trailing ``*`` (``region:us* service:ec2
-tag:stage=prod``), ``tag:none``, ``tag.key:``, ``resourcetype.supports:tags``,
case-insensitivity, the empty query. The other filters follow the guide's filter
list, but how exactly they match was not verified; nor was how keywords are
tokenised (here: substring). A word with a prefix the syntax does not define
(``arn:aws:...``) is a keyword. Repeating a filter name ANDs the two filters too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .explorer_inventory import IndexedResource

_TOKEN = re.compile(r'(-?)((?:"[^"]*"|[^\s"])+)')


def _value_matches(pattern: str, actual: str) -> bool:
    """Equal, or a prefix when the pattern ends with * (both already case-folded)."""
    if pattern.endswith("*"):
        return actual.startswith(pattern[:-1])
    return actual == pattern


def _folded_tags(resource: IndexedResource) -> list[tuple[str, str]]:
    return [(k.casefold(), v.casefold()) for k, v in resource.tags]


def _tag(value: str, resource: IndexedResource) -> bool:
    tags = _folded_tags(resource)
    if value == "none":
        return not tags
    if value == "all":
        return bool(tags)
    key, has_value, wanted = value.partition("=")
    return any(
        _value_matches(key, k) and (not has_value or _value_matches(wanted, v))
        for k, v in tags
    )


def _id(value: str, resource: IndexedResource) -> bool:
    arn = resource.arn.casefold()
    last = re.split(r"[/:]", arn)[-1]
    return _value_matches(value, arn) or _value_matches(value, last)


# filter name -> whether a resource passes it, given the case-folded value
FILTERS: dict[str, Callable[[str, IndexedResource], bool]] = {
    "region": lambda v, r: _value_matches(v, r.region.casefold()),
    "service": lambda v, r: _value_matches(v, r.service.casefold()),
    "resourcetype": lambda v, r: _value_matches(v, r.resource_type.casefold()),
    "accountid": lambda v, r: _value_matches(v, r.account),
    "id": _id,
    "tag": _tag,
    "tag.key": lambda v, r: any(_value_matches(v, k) for k, _ in _folded_tags(r)),
    "tag.value": lambda v, r: any(_value_matches(v, val) for _, val in _folded_tags(r)),
    # every type the fake indexes supports tags
    "resourcetype.supports": lambda v, r: _value_matches(v, "tags"),
}


@dataclass(frozen=True)
class Term:
    """One filter (name set) or keyword (name None), case-folded, quotes removed."""

    name: str | None
    value: str
    negated: bool = False

    def matches(self, resource: IndexedResource) -> bool:
        if self.name is not None:
            return FILTERS[self.name](self.value, resource)
        word = self.value.rstrip("*")
        return word in resource.arn.casefold() or any(
            word in k or word in v for k, v in _folded_tags(resource)
        )


@dataclass(frozen=True)
class Query:
    filters: tuple[Term, ...] = ()
    keywords: tuple[Term, ...] = ()

    def matches(self, resource: IndexedResource) -> bool:
        if any(f.matches(resource) == f.negated for f in self.filters):
            return False
        wanted = [k for k in self.keywords if not k.negated]
        if wanted and not any(k.matches(resource) for k in wanted):
            return False
        return not any(k.matches(resource) for k in self.keywords if k.negated)

    def __and__(self, other: Query) -> Query:
        return Query(self.filters + other.filters, self.keywords + other.keywords)


def parse(text: str) -> Query:
    """The terms of a query string. Raises ValueError on an unbalanced quote."""
    if text.count('"') % 2:
        raise ValueError("The query string has an unbalanced double quote.")
    filters: list[Term] = []
    keywords: list[Term] = []
    for sign, token in _TOKEN.findall(text):
        name, colon, value = token.partition(":")
        name = name.casefold()
        if colon and name in FILTERS and value:
            filters.append(Term(name, value.replace('"', "").casefold(), bool(sign)))
        else:
            keywords.append(Term(None, token.replace('"', "").casefold(), bool(sign)))
    return Query(tuple(filters), tuple(keywords))


def search(query: Query, resources: Iterable[IndexedResource]) -> list[IndexedResource]:
    """The resources the query matches, in a stable order (by ARN)."""
    return sorted((r for r in resources if query.matches(r)), key=lambda r: r.arn)
