"""Resource Explorer's setup in the fake, per account and Region: indexes (LOCAL or
AGGREGATOR), views, default views, and the Search rate limit (``aws.state.explorer``).

Nothing exists until created, as in a fresh account: through the API (CreateIndex,
UpdateIndexType, CreateView, AssociateDefaultView...) or in one call with
``set_up``, which does what the console's quick setup does:

    aws.state.explorer.set_up(A, aggregator="us-east-1", local=["us-west-2"])

The rules the real service enforces live here, so the API and set_up share them:
one index per Region, one AGGREGATOR per account (ConflictException), view names
unique per Region, deleting an index deletes its Region's views. Indexes become
ACTIVE at once: the asynchronous work the real service does (CREATING, UPDATING,
replication taking hours) is over by the next call.

Search is limited to ``searches_per_second`` calls (5, the real quota) per account
and Region over any one-second window; None turns the limit off.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from .errors import AwsError

SEARCHES_PER_SECOND = 5
LOCAL, AGGREGATOR = "LOCAL", "AGGREGATOR"
INDEX_TYPES = (LOCAL, AGGREGATOR)
QUICK_SETUP_VIEW = "all-resources"  # the view the console's quick setup creates


def not_found(message: str) -> AwsError:
    return AwsError("ResourceNotFoundException", message, 404)


def unauthorized(message: str) -> AwsError:
    return AwsError("UnauthorizedException", message, 401)


def conflict(message: str) -> AwsError:
    return AwsError("ConflictException", message, 409)


def invalid(message: str) -> AwsError:
    return AwsError("ValidationException", message, 400)


@dataclass
class Index:
    arn: str
    account: str
    region: str
    type: str = LOCAL
    created_at: float = field(default_factory=time.time)
    last_updated_at: float = field(default_factory=time.time)
    tags: dict[str, str] = field(default_factory=dict)
    client_token: str | None = None


@dataclass
class View:
    arn: str
    name: str
    account: str
    region: str
    filter_string: str = ""
    included_properties: tuple[str, ...] = ()
    last_updated_at: float = field(default_factory=time.time)
    tags: dict[str, str] = field(default_factory=dict)
    client_token: str | None = None

    @property
    def scope(self) -> str:
        """The account root: views here never span an organization."""
        return f"arn:aws:iam::{self.account}:root"


class ExplorerState:
    """Indexes, views and default views of every account, and the Search rate limit.
    Thread-safe: the proxy serves calls concurrently."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.searches_per_second: float | None = SEARCHES_PER_SECOND
        self._indexes: dict[tuple[str, str], Index] = {}
        self._views: dict[str, View] = {}
        self._default_views: dict[tuple[str, str], str] = {}
        self._searches: dict[tuple[str, str], deque[float]] = {}

    def clear(self) -> None:
        """No index, no view anywhere; the real rate limit."""
        with self._lock:
            self.searches_per_second = SEARCHES_PER_SECOND
            self._indexes.clear()
            self._views.clear()
            self._default_views.clear()
            self._searches.clear()

    # -- indexes -----------------------------------------------------------------

    def index(self, account: str, region: str) -> Index | None:
        with self._lock:
            return self._indexes.get((account, region))

    def indexes(self, account: str) -> list[Index]:
        """The account's indexes, by Region."""
        with self._lock:
            return sorted(
                (i for (a, _), i in self._indexes.items() if a == account),
                key=lambda i: i.region,
            )

    def aggregator(self, account: str) -> Index | None:
        return next((i for i in self.indexes(account) if i.type == AGGREGATOR), None)

    def create_index(
        self,
        account: str,
        region: str,
        *,
        tags: dict[str, str] | None = None,
        client_token: str | None = None,
    ) -> Index:
        """A LOCAL index in the Region; the same one again for a retried ClientToken."""
        with self._lock:
            existing = self._indexes.get((account, region))
            if existing is not None:
                if client_token and existing.client_token == client_token:
                    return existing
                raise conflict(f"An index already exists in Region {region}.")
            index = Index(
                arn=f"arn:aws:resource-explorer-2:{region}:{account}:index/{uuid.uuid4()}",
                account=account,
                region=region,
                tags=dict(tags or {}),
                client_token=client_token,
            )
            self._indexes[(account, region)] = index
            return index

    def _own_index(self, account: str, region: str, arn: str) -> Index:
        index = self._indexes.get((account, region))
        if index is None or index.arn != arn:
            raise not_found(f"The index {arn} doesn't exist in Region {region}.")
        return index

    def update_index_type(self, account: str, region: str, arn: str, index_type: str) -> Index:
        if index_type not in INDEX_TYPES:
            raise invalid(f"Type must be one of {', '.join(INDEX_TYPES)}.")
        with self._lock:
            index = self._own_index(account, region, arn)
            other = self.aggregator(account)
            if index_type == AGGREGATOR and other is not None and other is not index:
                raise conflict(
                    f"The account already has an AGGREGATOR index in Region {other.region}."
                )
            index.type = index_type
            index.last_updated_at = time.time()
            return index

    def delete_index(self, account: str, region: str, arn: str) -> Index:
        """Removes the index and, as the real service does, the Region's views."""
        with self._lock:
            index = self._own_index(account, region, arn)
            del self._indexes[(account, region)]
            for view in self.views(account, region):
                del self._views[view.arn]
            self._default_views.pop((account, region), None)
            index.last_updated_at = time.time()
            return index

    def searchable_regions(self, account: str, region: str) -> list[str]:
        """What a search in the Region covers: every indexed Region of the account
        from the AGGREGATOR, only its own Region from a LOCAL index."""
        index = self.index(account, region)
        if index is None:
            return []
        if index.type == AGGREGATOR:
            return [i.region for i in self.indexes(account)]
        return [region]

    # -- views -------------------------------------------------------------------

    def view(self, arn: str) -> View | None:
        with self._lock:
            return self._views.get(arn)

    def views(self, account: str, region: str) -> list[View]:
        with self._lock:
            return sorted(
                (v for v in self._views.values() if (v.account, v.region) == (account, region)),
                key=lambda v: v.arn,
            )

    def create_view(
        self,
        account: str,
        region: str,
        name: str,
        *,
        filter_string: str = "",
        included_properties: Iterable[str] = (),
        tags: dict[str, str] | None = None,
        client_token: str | None = None,
    ) -> View:
        with self._lock:
            if (account, region) not in self._indexes:
                # unverified: the real answer to a view in a Region without an index
                raise unauthorized(f"Resource Explorer is not turned on in Region {region}.")
            same_name = next((v for v in self.views(account, region) if v.name == name), None)
            if same_name is not None:
                if client_token and same_name.client_token == client_token:
                    return same_name
                raise conflict(f"A view named {name} already exists in Region {region}.")
            view = View(
                arn=f"arn:aws:resource-explorer-2:{region}:{account}:view/{name}/{uuid.uuid4()}",
                name=name,
                account=account,
                region=region,
                filter_string=filter_string,
                included_properties=tuple(included_properties),
                tags=dict(tags or {}),
                client_token=client_token,
            )
            self._views[view.arn] = view
            return view

    def delete_view(self, account: str, region: str, arn: str) -> View:
        with self._lock:
            view = self._views.get(arn)
            if view is None or (view.account, view.region) != (account, region):
                raise unauthorized(f"The view {arn} doesn't exist or isn't yours to use.")
            del self._views[arn]
            if self._default_views.get((account, region)) == arn:
                del self._default_views[(account, region)]
            return view

    def default_view(self, account: str, region: str) -> View | None:
        with self._lock:
            arn = self._default_views.get((account, region))
            return self._views.get(arn) if arn else None

    def set_default_view(self, account: str, region: str, arn: str) -> View:
        with self._lock:
            view = self._views.get(arn)
            if view is None or (view.account, view.region) != (account, region):
                raise not_found(f"The view {arn} doesn't exist in Region {region}.")
            self._default_views[(account, region)] = arn
            return view

    def clear_default_view(self, account: str, region: str) -> None:
        with self._lock:
            self._default_views.pop((account, region), None)

    # -- the Search rate limit -----------------------------------------------------

    def admit_search(self, account: str, region: str) -> bool:
        """Count one Search in the account and Region; False if it is over the limit
        (a refused call is not counted, so waiting out the second always helps)."""
        with self._lock:
            limit = self.searches_per_second
            if limit is None:
                return True
            now = time.monotonic()
            recent = self._searches.setdefault((account, region), deque())
            while recent and now - recent[0] >= 1.0:
                recent.popleft()
            if len(recent) >= limit:
                return False
            recent.append(now)
            return True

    # -- convenience ---------------------------------------------------------------

    def set_up(
        self,
        account: str,
        *,
        aggregator: str | None = "us-east-1",
        local: Iterable[str] = (),
        default_views: Iterable[str] | None = None,
    ) -> dict[str, dict[str, str]]:
        """Indexes in `aggregator` (promoted to AGGREGATOR) and the `local` Regions, and
        a default view of every resource with its tags in each of `default_views`: by
        default the aggregator's Region, as the console's quick setup does.

        Returns {"indexes": {region: arn}, "default_views": {region: arn}}.
        """
        local = [r for r in local if r != aggregator]
        if default_views is None:
            default_views = [aggregator] if aggregator else []
        with self._lock:
            indexes = {}
            for region in ([aggregator] if aggregator else []) + local:
                indexes[region] = self.create_index(account, region).arn
            if aggregator:
                self.update_index_type(account, aggregator, indexes[aggregator], AGGREGATOR)
            views = {}
            for region in default_views:
                view = self.create_view(
                    account, region, QUICK_SETUP_VIEW, included_properties=["tags"]
                )
                views[region] = self.set_default_view(account, region, view.arn).arn
        return {"indexes": indexes, "default_views": views}
