"""AWS Resource Explorer (resource-explorer-2), answered by the proxy: moto has no such
service. A REST-JSON service: each operation is ``POST /<Operation>`` with a JSON body
(identify.py tells the operation from the path); timestamps go out as ISO 8601, as
the model's ``timestampFormat`` says.

Setup (explorer_state.py): CreateIndex, UpdateIndexType, DeleteIndex, GetIndex,
ListIndexes, CreateView, GetView, ListViews, DeleteView, AssociateDefaultView,
DisassociateDefaultView, GetDefaultView.

Search runs the query (explorer_query.py) ANDed with the view's filter over the
resources moto holds (explorer_inventory.py): the Region's own from a LOCAL index,
every indexed Region's from the AGGREGATOR, IAM's global ones from either. As the
real service:
- no more than 1,000 resources per query in all: past that ``Count`` says
  ``{"TotalResources": 1000, "Complete": false}`` on every page, and the pages stop
  at the 1,000th;
- tags come back as the property ``{"Name": "tags", "Data": [{"Key", "Value"}]}``,
  only when the view includes the ``tags`` property (quick setup's view does);
- without a ViewArn the Region's default view is used; no default view (no index
  at all, say), or a view not in the caller's account and Region, is a 401
  UnauthorizedException (the API reference: "If the Region either doesn't have a
  default view ... the operation fails with a 401 Unauthorized exception");
- the 6th Search in a second in one account and Region is a 429
  ThrottlingException (explorer_state.py holds the limit).
GetIndex without an index is a 404 ResourceNotFoundException; GetDefaultView
without a default view answers 200 and no ViewArn.

Unverified, and chosen to be plausible: the error messages, Search's default page
size (100), GetView/DeleteView of an unknown view (401, as Search).
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from typing import Any

from . import explorer_inventory, explorer_query
from .errors import AwsError
from .explorer_state import (
    INDEX_TYPES,
    LOCAL,
    ExplorerState,
    Index,
    View,
    invalid,
    not_found,
    unauthorized,
)
from .local import HandlerTable, LocalRequest
from .wire import iso_millis, max_results

SERVICE = "resource-explorer-2"
SEARCH_CAP = 1000  # resources one query can return, across all its pages
SEARCH_PAGE = 100
VIEW_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")
VIEW_PROPERTIES = {"tags"}


# -- paging --------------------------------------------------------------------------


def _token(offset: int, listing: str) -> str:
    """A NextToken: where the next page starts, bound to the query it pages."""
    digest = hashlib.sha256(listing.encode()).hexdigest()[:16]
    return base64.urlsafe_b64encode(json.dumps([offset, digest]).encode()).decode()


def _offset(params: dict, listing: str) -> int:
    token = params.get("NextToken")
    if not token:
        return 0
    try:
        offset, digest = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (ValueError, TypeError) as exc:
        raise invalid("The NextToken is not valid.") from exc
    if _token(offset, listing) != token:
        raise invalid("The NextToken does not belong to this request.")
    return offset


def _page(rows: list, params: dict, listing: str, size: int) -> tuple[list, dict[str, str]]:
    """One page of rows, and {"NextToken": ...} unless it is the last."""
    offset = _offset(params, listing)
    if offset + size >= len(rows):
        return rows[offset:], {}
    return rows[offset : offset + size], {"NextToken": _token(offset + size, listing)}


# -- shapes --------------------------------------------------------------------------


def _view_body(view: View) -> dict[str, Any]:
    return {
        "ViewArn": view.arn,
        "ViewName": view.name,
        "Owner": view.account,
        "LastUpdatedAt": iso_millis(view.last_updated_at),
        "Scope": view.scope,
        "IncludedProperties": [{"Name": name} for name in view.included_properties],
        "Filters": {"FilterString": view.filter_string},
    }


def _resource_body(resource: explorer_inventory.IndexedResource, view: View, now: str) -> dict:
    properties = []
    if "tags" in view.included_properties and resource.tags:
        properties.append({
            "Name": "tags",
            "LastReportedAt": now,
            "Data": [{"Key": k, "Value": v} for k, v in resource.tags],
        })
    return {
        "Arn": resource.arn,
        "OwningAccountId": resource.account,
        "Region": resource.region,
        "ResourceType": resource.resource_type,
        "Service": resource.service,
        "LastReportedAt": now,
        "Properties": properties,
    }


def _caller(req: LocalRequest) -> tuple[ExplorerState, str, str]:
    return req.state.explorer, req.info.account, req.info.region


def _own_index(req: LocalRequest) -> Index:
    explorer, account, region = _caller(req)
    index = explorer.index(account, region)
    if index is None:
        raise not_found(f"Resource Explorer has no index in Region {region}.")
    return index


def _usable_view(req: LocalRequest, arn: str) -> View:
    """A view the caller can use here: its account's, in this Region."""
    explorer, account, region = _caller(req)
    view = explorer.view(arn)
    if view is None or (view.account, view.region) != (account, region):
        raise unauthorized(f"You can't use the view {arn} in Region {region}.")
    return view


# -- indexes -------------------------------------------------------------------------


def create_index(req: LocalRequest) -> dict:
    explorer, account, region = _caller(req)
    index = explorer.create_index(
        account, region, tags=req.params.get("Tags"), client_token=req.params.get("ClientToken")
    )
    # ACTIVE by the next call; the answer to this one is what the real service says
    return {"Arn": index.arn, "State": "CREATING", "CreatedAt": iso_millis(index.created_at)}


def update_index_type(req: LocalRequest) -> dict:
    explorer, account, region = _caller(req)
    index = explorer.update_index_type(
        account, region, req.params.get("Arn", ""), req.params.get("Type", "")
    )
    return {
        "Arn": index.arn,
        "Type": index.type,
        "State": "UPDATING",
        "LastUpdatedAt": iso_millis(index.last_updated_at),
    }


def delete_index(req: LocalRequest) -> dict:
    explorer, account, region = _caller(req)
    index = explorer.delete_index(account, region, req.params.get("Arn", ""))
    return {
        "Arn": index.arn,
        "State": "DELETING",
        "LastUpdatedAt": iso_millis(index.last_updated_at),
    }


def get_index(req: LocalRequest) -> dict:
    explorer, account, _ = _caller(req)
    index = _own_index(req)
    others = [i.region for i in explorer.indexes(account) if i is not index]
    aggregator = explorer.aggregator(account)
    body: dict[str, Any] = {
        "Arn": index.arn,
        "Type": index.type,
        "State": "ACTIVE",
        "CreatedAt": iso_millis(index.created_at),
        "LastUpdatedAt": iso_millis(index.last_updated_at),
        "Tags": index.tags,
    }
    if index.type == LOCAL:
        body["ReplicatingTo"] = [aggregator.region] if aggregator else []
    else:
        body["ReplicatingFrom"] = others
    return body


def list_indexes(req: LocalRequest) -> dict:
    explorer, account, _ = _caller(req)
    params = req.params
    wanted_type = params.get("Type")
    if wanted_type is not None and wanted_type not in INDEX_TYPES:
        raise invalid(f"Type must be one of {', '.join(INDEX_TYPES)}.")
    regions = params.get("Regions")
    rows = [
        {"Region": i.region, "Arn": i.arn, "Type": i.type}
        for i in explorer.indexes(account)
        if (wanted_type is None or i.type == wanted_type) and (not regions or i.region in regions)
    ]
    size = max_results(params, default=100, low=1, high=100)
    page, token = _page(rows, params, f"ListIndexes {wanted_type} {regions}", size)
    return {"Indexes": page, **token}


def list_supported_resource_types(req: LocalRequest) -> dict:
    rows = [{"Service": t.split(":")[0], "ResourceType": t} for t in explorer_inventory.SUPPORTED_TYPES]
    size = max_results(req.params, default=100, low=1, high=100)
    page, token = _page(rows, req.params, "ListSupportedResourceTypes", size)
    return {"ResourceTypes": page, **token}


# -- views ---------------------------------------------------------------------------


def create_view(req: LocalRequest) -> dict:
    explorer, account, region = _caller(req)
    params = req.params
    name = params.get("ViewName") or ""
    if not 1 <= len(name) <= 64 or set(name) - VIEW_NAME_CHARS:
        raise invalid("ViewName must be 1 to 64 letters, digits or dashes.")
    properties = [p.get("Name", "") for p in params.get("IncludedProperties") or []]
    if set(properties) - VIEW_PROPERTIES:
        raise invalid(f"IncludedProperties may name only: {', '.join(sorted(VIEW_PROPERTIES))}.")
    filter_string = (params.get("Filters") or {}).get("FilterString", "")
    try:
        view_filter = explorer_query.parse(filter_string)
    except ValueError as exc:
        raise invalid(str(exc)) from exc
    if view_filter.keywords:
        raise invalid("A view's filter takes filter prefixes only, not free-form text.")
    view = explorer.create_view(
        account,
        region,
        name,
        filter_string=filter_string,
        included_properties=properties,
        tags=params.get("Tags"),
        client_token=params.get("ClientToken"),
    )
    return {"View": _view_body(view)}


def get_view(req: LocalRequest) -> dict:
    view = _usable_view(req, req.params.get("ViewArn", ""))
    return {"View": _view_body(view), "Tags": view.tags}


def list_views(req: LocalRequest) -> dict:
    explorer, account, region = _caller(req)
    rows = [v.arn for v in explorer.views(account, region)]
    size = max_results(req.params, default=50, low=1, high=50)
    page, token = _page(rows, req.params, "ListViews", size)
    return {"Views": page, **token}


def delete_view(req: LocalRequest) -> dict:
    explorer, account, region = _caller(req)
    view = explorer.delete_view(account, region, req.params.get("ViewArn", ""))
    return {"ViewArn": view.arn}


def associate_default_view(req: LocalRequest) -> dict:
    explorer, account, region = _caller(req)
    view = explorer.set_default_view(account, region, req.params.get("ViewArn", ""))
    return {"ViewArn": view.arn}


def disassociate_default_view(req: LocalRequest) -> dict:
    explorer, account, region = _caller(req)
    explorer.clear_default_view(account, region)
    return {}


def get_default_view(req: LocalRequest) -> dict:
    explorer, account, region = _caller(req)
    view = explorer.default_view(account, region)
    return {"ViewArn": view.arn} if view else {}


# -- search --------------------------------------------------------------------------


def search(req: LocalRequest) -> dict:
    explorer, account, region = _caller(req)
    if not explorer.admit_search(account, region):
        raise AwsError("ThrottlingException", "Rate exceeded", 429)
    params = req.params
    size = max_results(params, default=SEARCH_PAGE, low=1, high=SEARCH_CAP)
    query_string = params.get("QueryString", "")
    if len(query_string) > 1280:
        raise invalid("QueryString must be at most 1280 characters.")
    if params.get("ViewArn"):
        view = _usable_view(req, params["ViewArn"])
    else:
        view = explorer.default_view(account, region)
        if view is None:
            raise unauthorized(f"Region {region} has no default view: specify a ViewArn.")
    try:
        query = explorer_query.parse(query_string) & explorer_query.parse(view.filter_string)
    except ValueError as exc:
        raise invalid(str(exc)) from exc

    candidates = explorer_inventory.global_resources(account)
    for indexed in explorer.searchable_regions(account, region):
        candidates += explorer_inventory.resources_in(account, indexed)
    matched = explorer_query.search(query, candidates)
    kept = matched[:SEARCH_CAP]
    page, token = _page(kept, params, f"Search {view.arn} {query_string}", size)
    now = iso_millis(time.time())
    return {
        "Resources": [_resource_body(r, view, now) for r in page],
        "ViewArn": view.arn,
        "Count": {"TotalResources": len(kept), "Complete": len(matched) <= SEARCH_CAP},
        **token,
    }


HANDLERS: HandlerTable = {
    (SERVICE, "CreateIndex"): create_index,
    (SERVICE, "UpdateIndexType"): update_index_type,
    (SERVICE, "DeleteIndex"): delete_index,
    (SERVICE, "GetIndex"): get_index,
    (SERVICE, "ListIndexes"): list_indexes,
    (SERVICE, "ListSupportedResourceTypes"): list_supported_resource_types,
    (SERVICE, "CreateView"): create_view,
    (SERVICE, "GetView"): get_view,
    (SERVICE, "ListViews"): list_views,
    (SERVICE, "DeleteView"): delete_view,
    (SERVICE, "AssociateDefaultView"): associate_default_view,
    (SERVICE, "DisassociateDefaultView"): disassociate_default_view,
    (SERVICE, "GetDefaultView"): get_default_view,
    (SERVICE, "Search"): search,
}
