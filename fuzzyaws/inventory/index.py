"""The index shard of an account × region: every resource no native collector lists, with
its ARN and tags, from one of two index sources (the `index` setting):

- the tagging API (`tagging`): resourcegroupstaggingapi GetResources, every page, in the
  shard's region. It only knows resources that have, or once had, tags.
- Resource Explorer (`resource-explorer`): Search in the account's aggregator index
  (through its default view), for the shard's region, tagged or not. One query returns at
  most 1,000 resources, so a query that comes back incomplete is split by service, then
  by resource type; a split that is still capped is reported, not silently cut. Search
  allows 5 calls a second per region: the calls are paced below that.
- `auto` (the default) uses Resource Explorer where the account has an aggregator index
  with a default view, else the tagging API.
- `explorer_view = "ARN"` names the view to search instead of the account's default one:
  an organization-wide view in the delegated administrator account, searched with
  `source_profile`'s credentials (no role assumed) for each shard's account
  (`accountid:` filter).

Resources of the kinds a native collector lists here are left out: the native row wins.
IAM: tag:GetResources; resource-explorer-2:ListIndexes, GetDefaultView, Search,
ListSupportedResourceTypes (with explorer_view: Search and ListSupportedResourceTypes, and
GetView to check the view).
"""
from __future__ import annotations

import threading
import time

from fuzzyaws.arn import Arn
from fuzzyaws.aws.errors import AccessDenied, AwsError, NotFound
from fuzzyaws.inventory import shared
from fuzzyaws.inventory.load import native_kinds
from fuzzyaws.model import Resource, tag_dict

SEARCH_CAP = 1000  # resources one Resource Explorer query returns at most
SEARCH_RATE = 4.0  # Search calls a second per region: AWS allows 5, the rest is for jitter


def collect(fetch) -> list:
    source = fetch.settings.index
    explorer = None
    if fetch.settings.explorer_view and source in ("auto", "resource-explorer"):
        explorer = _named_view(fetch)
    elif source in ("auto", "resource-explorer"):
        explorer = fetch.once(("explorer", fetch.account), lambda: _explorer_setup(fetch))
        if explorer is None and source == "resource-explorer":
            raise AwsError("Resource Explorer is not set up", f"{fetch.account}",
                           "no aggregator index with a default view: create one, or set index = tagging")
    found = _search(fetch, *explorer) if explorer else _tagging(fetch)
    skip = native_kinds(fetch.settings)
    return [r for r in found if r.kind not in skip]


# -- the tagging API -------------------------------------------------------------------
def _tagging(fetch) -> list:
    listing = shared.tagged(fetch)
    if listing is None:
        raise AccessDenied("access denied (tag:GetResources)", fetch.account)
    return [_row(fetch, arn, tags, "tagging API") for arn, tags in listing]


# -- Resource Explorer -----------------------------------------------------------------
def _explorer_setup(fetch) -> "tuple | None":
    """(aggregator region, default view ARN) of the account, or None if it has none (or
    Resource Explorer cannot be asked)."""
    try:
        pages = fetch.client("resource-explorer-2").get_paginator("list_indexes").paginate(Type="AGGREGATOR")
        aggregators = [index["Region"] for page in pages for index in page.get("Indexes", [])]
        if not aggregators:
            return None
        home = fetch.target.replace(region=aggregators[0])
        view = fetch.client_at(home, "resource-explorer-2").get_default_view().get("ViewArn")
        return (aggregators[0], view) if view else None
    except (AccessDenied, NotFound):
        return None
    except AwsError as exc:
        if exc.http_status in (400, 401, 403, 404):  # not set up, not enabled here
            return None
        raise


def _named_view(fetch) -> tuple:
    """(Region, ARN) of the `explorer_view` setting: a view of the delegated administrator
    account's, organization-wide, searched with `source_profile`'s credentials (else the
    shard's own), for the shard's account only."""
    from fuzzyaws.arn import Arn
    arn = Arn.parse(fetch.settings.explorer_view)
    if arn is None or arn.service != "resource-explorer-2" or not arn.region:
        raise AwsError("explorer_view is not a Resource Explorer view ARN", "", fetch.settings.explorer_view)
    return arn.region, fetch.settings.explorer_view, arn.account


def _search(fetch, region: str, view: str, owner: "str | None" = None) -> list:
    """Every resource of the shard's region (and, in the account's first region, the global
    ones), split into queries small enough to come back complete. A view of another
    account's (`owner`: an organization's view) is asked for the shard's account only."""
    target = fetch.target
    if owner and owner != fetch.account:
        from fuzzyaws.inventory.sources import profile
        target = fetch.target.replace(profile=profile(fetch.settings), role_arn=None, source=None)
    client = fetch.client_at(target.replace(region=region), "resource-explorer-2")
    pace = fetch.once(("pace", owner or fetch.account, region), lambda: Pace(SEARCH_RATE))
    mine = f" accountid:{fetch.account}" if owner else ""
    scopes = [f"region:{fetch.region}{mine}"] + ([f"region:global{mine}"] if fetch.first_region else [])
    return [_explored(fetch, row) for scope in scopes
            for row in _complete(fetch, client, pace, view, scope)]


def _complete(fetch, client, pace, view, query: str, service: "str | None" = None,
              typed: bool = False) -> list:
    """The rows of `query`; if it comes back capped, those of its split by service, and a
    service's by resource type; a resource type still capped is reported."""
    rows, complete = _query(client, pace, view, query)
    if complete:
        return rows
    types = fetch.once(("types", fetch.account), lambda: _types(client))
    if service is None:
        parts = sorted({t.split(":")[0] for t in types})
        return [row for s in parts for row in _complete(fetch, client, pace, view, f"{query} service:{s}", s)]
    if not typed:
        parts = sorted(t for t in types if t.startswith(service + ":"))
        return [row for t in parts
                for row in _complete(fetch, client, pace, view, f"{query} resourcetype:{t}", service, True)]
    fetch.partial(f"Resource Explorer returned only {SEARCH_CAP} of the resources for `{query}`: "
                  "the rest are not listed")
    return rows


def _query(client, pace, view, query: str) -> tuple:
    """(resources, complete) of one Search query, every page."""
    rows, token = [], None
    while True:
        pace.wait()
        kwargs = {"QueryString": query, "ViewArn": view, "MaxResults": SEARCH_CAP}
        if token:
            kwargs["NextToken"] = token
        page = client.search(**kwargs)
        rows += page.get("Resources", [])
        token = page.get("NextToken")
        if not token:
            return rows, page.get("Count", {}).get("Complete", True)


def _types(client) -> list:
    """Every resource type Resource Explorer knows (`service:type`)."""
    pages = client.get_paginator("list_supported_resource_types").paginate()
    return [t["ResourceType"] for page in pages for t in page.get("ResourceTypes", [])]


def _explored(fetch, row: dict) -> Resource:
    tags = {}
    for prop in row.get("Properties") or ():
        if prop.get("Name") == "tags":
            tags = tag_dict(prop.get("Data"))
    return _row(fetch, row["Arn"], tags, "Resource Explorer", region=row.get("Region"),
                reported=row.get("LastReportedAt"))


class Pace:
    """At most `rate` calls a second, across the threads that share it."""

    def __init__(self, rate: float):
        self.gap = 1.0 / rate
        self.next = 0.0
        self.lock = threading.Lock()

    def wait(self) -> None:
        with self.lock:
            now = time.monotonic()
            start = max(now, self.next)
            self.next = start + self.gap
        if start > now:
            time.sleep(start - now)


# -- rows --------------------------------------------------------------------------------
def _row(fetch, arn_text: str, tags: dict, source: str, region: "str | None" = None,
         reported=None) -> Resource:
    arn = Arn.parse(arn_text) or Arn(partition="aws", service="", region="", account="", resource=arn_text)
    region = arn.region or (region if region and region != "global" else "") or "global"
    attrs = {"source": source, "service": arn.service, "resource_type": arn.type or None,
             "last_reported": str(reported) if reported else None}
    return Resource(kind=arn.kind, key=arn_text, id=arn.name, name=tags.get("Name") or arn.name,
                    account=arn.account or fetch.account, region=region, tags=tags,
                    attrs={k: v for k, v in attrs.items() if v})
