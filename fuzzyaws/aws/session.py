"""The only place boto3 sessions and clients are made: profiles, assumed roles, retries and
timeouts. Every client is handed out wrapped (`Client`), so that every call, page and
waiter raises the typed errors of aws/errors.py, naming the account and region.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone

import boto3
import botocore.client
import botocore.session
from botocore.config import Config
from botocore.credentials import DeferredRefreshableCredentials, RefreshableCredentials

from fuzzyaws.aws import parsing
from fuzzyaws.aws.errors import translate
from fuzzyaws.frozen import Frozen


class Target(Frozen):
    """One account × region, and how to reach it."""
    account: str
    region: str
    profile: "str | None" = None  # None: the credentials boto3 finds by default
    role_arn: "str | None" = None  # assumed from the profile's credentials
    # listed by an organization's source (inventory/sources.py: "config-aggregator",
    # "snapshot") with the profile's credentials, not scanned in the account itself
    source: "str | None" = None


def _share_client_classes() -> None:
    """Build each botocore service model and client class once per session, not per client.

    botocore makes, for every client, a new service model (whose lazily computed properties
    scan every operation again) and a new class with a method and a docstring object per
    operation (EC2 has 600+): about 13 ms of CPU a client, more than half the CPU of a
    refresh that needs 5 services × 17 regions × N accounts of clients. Both depend only on
    the service and the session (its loader, its event handlers), so one serves every region.
    If botocore's internals change, this quietly does nothing.
    """
    creator = botocore.client.ClientCreator
    load = getattr(creator, "_load_service_model", None)
    build = getattr(creator, "_create_client_class", None)
    if load is None or build is None or getattr(build, "shared", False):
        return
    models: dict = {}
    classes: dict = {}

    def shared_model(self, service_name, api_version=None):
        key = (self._loader, service_name, api_version)
        if key not in models:
            models[key] = load(self, service_name, api_version)
        return models[key]

    def shared_class(self, service_name, service_model):
        key = (self._event_emitter, service_name, service_model.api_version)
        if key not in classes:
            classes[key] = build(self, service_name, service_model)
        return classes[key]

    shared_class.shared = True
    creator._load_service_model = shared_model
    creator._create_client_class = shared_class


_share_client_classes()
parsing.speed_up()


_LOADER = None  # one botocore loader: each service model is read once, whatever the session


def _botocore():
    """A botocore session sharing the one loader, whose responses keep timestamps as text
    (ISO 8601) instead of parsing each into a datetime: fuzzyaws stores text anyway."""
    global _LOADER
    session = botocore.session.Session()
    if _LOADER is None:
        _LOADER = session.get_component("data_loader")
    else:
        session.register_component("data_loader", _LOADER)
    session.get_component("response_parser_factory").set_parser_defaults(timestamp_parser=_timestamp)
    session.register("before-parse", _body_kept)
    return session


# set around a call whose response body its caller reads itself (see raw_bodies)
_RAW: ContextVar = ContextVar("fuzzyaws_raw", default=None)
RAW_BODY = "FuzzyawsBody"  # the key of a page's own body, where it was kept


@contextmanager
def raw_bodies(operation: str, stub):
    """Calls of `operation` (say "DescribeInstances") made in this block keep a successful
    response's body as page[RAW_BODY], and botocore parses `stub(body)` instead (what its
    paginator needs: the next token), where `stub` gives one; else botocore parses the body
    itself, as always."""
    token = _RAW.set((operation, stub))
    try:
        yield
    finally:
        _RAW.reset(token)


def _body_kept(operation_model, response_dict, customized_response_dict, **_):
    wanted = _RAW.get()
    if wanted is None or wanted[0] != operation_model.name or response_dict.get("status_code") != 200 \
            or not isinstance(response_dict.get("body"), bytes):
        return
    body = response_dict["body"]
    replacement = wanted[1](body)
    if replacement is not None:
        response_dict["body"] = replacement
        customized_response_dict[RAW_BODY] = body


def _timestamp(value) -> str:
    """A timestamp as the wire has it: ISO 8601 text as it is, epoch seconds (JSON
    protocols) as ISO 8601."""
    if isinstance(value, str) and not value.replace(".", "", 1).isdigit():
        return value
    return datetime.fromtimestamp(float(value), timezone.utc).isoformat()


def _utc_now() -> datetime:
    """Now, for credentials to tell how long they have left before each request is signed:
    botocore's default asks dateutil for the local zone each time (4% of an organization's
    refresh)."""
    return datetime.now(timezone.utc)


def client_config(settings) -> Config:
    return Config(retries={"mode": "adaptive", "total_max_attempts": settings.max_attempts},
                  connect_timeout=settings.connect_timeout, read_timeout=settings.read_timeout,
                  max_pool_connections=max(10, settings.workers),
                  user_agent_extra="fuzzyaws")


# the credentials the calling thread's request is to be signed with (see Signed)
_SIGNING: ContextVar = ContextVar("fuzzyaws_signing", default=None)


class Signed:
    """The credentials of a botocore client shared by the accounts of an organization: those
    of the account whose call is being made, set by its Client around the call in the
    calling thread (botocore signs a request synchronously in the thread that makes it).
    A call made any other way fails rather than be signed as another account."""

    def get_frozen_credentials(self):
        credentials = _SIGNING.get()
        if credentials is None:
            raise RuntimeError("a shared client was called without its account's credentials")
        return credentials.get_frozen_credentials()


class Client:
    """A boto3 client whose calls, pages and waiters raise aws/errors.py's typed errors.
    With `credentials`, the raw client is shared (Signed) and every request it makes for
    this client is signed with these."""

    def __init__(self, raw, target: Target, service: str, credentials=None):
        self._raw, self._target, self._service = raw, target, service
        self._credentials = credentials

    @property
    def meta(self):
        return self._raw.meta

    def _translated(self, exc: Exception) -> Exception:
        t = self._target
        return translate(exc, account=t.account, region=t.region, profile=t.profile,
                         service=self._service)

    def _call(self, method, *args, **kwargs):
        signing = None if self._credentials is None else _SIGNING.set(self._credentials)
        try:
            return method(*args, **kwargs)
        except Exception as exc:
            error = self._translated(exc)
            if error is exc:
                raise
            raise error from None
        finally:
            if signing is not None:
                _SIGNING.reset(signing)

    def __getattr__(self, name):
        attr = getattr(self._raw, name)
        if name.startswith("_") or not callable(attr) or name in ("can_paginate", "exceptions"):
            return attr
        if name == "get_paginator":  # botocore makes a class per call; a paginator is reusable
            return lambda operation: _Wrapped(self, _paginator(self._raw, operation))
        if name == "get_waiter":
            return lambda *a, **kw: _Wrapped(self, attr(*a, **kw))
        return lambda *args, **kwargs: self._call(attr, *args, **kwargs)


def _paginator(raw, operation: str):
    """The raw client's paginator of `operation`, made once per client."""
    made = raw.__dict__.setdefault("_fuzzyaws_paginators", {})
    if operation not in made:
        made[operation] = raw.get_paginator(operation)
    return made[operation]


class _Wrapped:
    """A paginator or waiter of a Client: pages (and waits) raise typed errors too."""

    def __init__(self, client: Client, raw):
        self._client, self._raw = client, raw

    def paginate(self, **kwargs):
        pages = iter(self._client._call(self._raw.paginate, **kwargs))
        while True:
            try:  # each page is a call (made inside next())
                page = self._client._call(next, pages)
            except StopIteration:
                return
            yield page

    def wait(self, **kwargs):
        return self._client._call(self._raw.wait, **kwargs)


class Sessions:
    """boto3 sessions and clients for one run, shared by the worker threads.

    One boto3 session per profile. An assumed role (an `[org]` account) is not a session
    of its own but refreshable credentials on its profile's session: a botocore session
    costs ~100 ms of CPU and brings its own client classes, so hundreds of accounts would
    mean hundreds of each. The role is assumed when first needed, its credentials reused
    by every client of the account and assumed again shortly before they expire.

    Nor does an assumed role get clients of its own: the accounts of an organization share
    one botocore client per service × region, and each account's Client signs the requests
    it makes with its role's credentials (Signed). Making a client costs ~10 ms of CPU, and
    300 accounts × 17 regions × 2 services of them were most of an organization's refresh;
    shared, their connections are kept alive and reused too.

    Clients are kept in an LRU of at most `max_clients`; the one pushed out is closed, which
    closes its connection pool, so memory and open files stay bounded however many
    accounts × regions a run covers. A client pushed out while a slow shard still pages
    with it keeps working (botocore opens a new connection) and is freed with the shard.

    boto3 sessions are not thread-safe, clients are: sessions and clients are made under
    a lock (roles are assumed outside it), then clients are used freely."""

    def __init__(self, settings, max_clients: "int | None" = None):
        self.settings = settings
        self.config = client_config(settings)
        self.max_clients = max_clients or max(32, 4 * settings.workers)
        self._configs = {
            "adaptive": self.config,
            "once": self.config.merge(Config(retries={"mode": "standard", "total_max_attempts": 1})),
            # AssumeRole for every account of an organization goes through one STS client:
            # adaptive mode's client-side rate limiter, cut at each throttled call, would
            # make the accounts wait for each other (2 s apiece); backoff alone is enough
            "standard": self.config.merge(Config(retries={"mode": "standard",
                                                          "total_max_attempts": settings.max_attempts})),
        }
        # clients shared by an organization's accounts: standard retries (adaptive mode's rate
        # limiter, cut by one account's throttled call, would slow every account of the
        # region), and endpoints that do not name the account whose keys made the client
        self._shared = {name: config.merge(Config(
            retries={"mode": "standard", "total_max_attempts": config.retries["total_max_attempts"]},
            account_id_endpoint_mode="disabled")) for name, config in self._configs.items()}
        self._lock = threading.Lock()
        self._sessions: dict = {}
        self._roles: dict = {}
        self._assumed: dict = {}  # (profile, role ARN) -> the credentials it last gave
        self._clients: OrderedDict = OrderedDict()

    def session(self, profile: "str | None") -> boto3.Session:
        with self._lock:
            return self._session(profile)

    def _session(self, profile):
        if profile not in self._sessions:
            try:
                self._sessions[profile] = boto3.Session(profile_name=profile, botocore_session=_botocore())
            except Exception as exc:
                raise translate(exc, profile=profile) from None
        return self._sessions[profile]

    def _role(self, profile, role_arn):
        """The role's refreshable credentials (not assumed yet, unless seeded: that happens
        on first use)."""
        key = (profile, role_arn)
        if key not in self._roles:
            home = Target(account="", region=self._session(profile).region_name or "us-east-1",
                          profile=profile)

            def assume() -> dict:
                creds = self._client(home, "sts", "standard").assume_role(RoleArn=role_arn,
                                                                          RoleSessionName="fuzzyaws")
                creds = creds["Credentials"]
                self._assumed[key] = {
                    "access_key": creds["AccessKeyId"], "secret_key": creds["SecretAccessKey"],
                    "token": creds["SessionToken"], "expiry_time": _timestamp(creds["Expiration"])}
                return self._assumed[key]

            if key in self._assumed:  # assumed by the process that started this one
                seeded = self._assumed[key]
                self._roles[key] = RefreshableCredentials(
                    access_key=seeded["access_key"], secret_key=seeded["secret_key"], token=seeded["token"],
                    expiry_time=RefreshableCredentials._expiry_datetime(seeded["expiry_time"]),
                    refresh_using=assume, method="assume-role", time_fetcher=_utc_now)
            else:
                self._roles[key] = DeferredRefreshableCredentials(refresh_using=assume, method="assume-role",
                                                                  time_fetcher=_utc_now)
        return self._roles[key]

    def assumed(self) -> dict:
        """{(profile, role ARN): the credentials last assumed}, for seed()."""
        with self._lock:
            return dict(self._assumed)

    def seed(self, assumed: dict) -> None:
        """Use roles another process assumed (`assumed()`) until they near their expiry."""
        with self._lock:
            self._assumed.update(assumed)

    def assume(self, target: Target):
        """The target's role as (refreshable credentials, their frozen keys), assumed now if
        it is not yet: a refusal is then known while planning, not met by whichever of its
        calls comes first. None for a target without a role."""
        if target.role_arn is None:
            return None
        with self._lock:
            role = self._role(target.profile, target.role_arn)
        try:  # outside the lock: other threads go on meanwhile
            return role, role.get_frozen_credentials()
        except Exception as exc:
            raise translate(exc, account=target.account, region=target.region,
                            profile=target.profile, service="sts") from None

    def client(self, target: Target, service: str, retries: bool = True) -> Client:
        """A client for `service` in the target's account and region (made once, while it
        stays among the `max_clients` last used). `retries=False`: one attempt per call,
        for calls that must not be repeated blindly."""
        return self._client(target, service, "adaptive" if retries else "once")

    def _client(self, target: Target, service: str, retries: str) -> Client:
        if target.role_arn is None:
            key = (target.profile, service, target.region, retries)
            return Client(self._raw(key, self._configs[retries]), target, service)
        # an organization's account: the role's credentials sign the calls of a client shared
        # by every account of the region (made once, not once per account: botocore's client
        # creation was most of an organization's refresh)
        role, frozen = self.assume(target)
        key = (target.profile, service, target.region, retries, "shared")
        keys = {"aws_access_key_id": frozen.access_key, "aws_secret_access_key": frozen.secret_key,
                "aws_session_token": frozen.token}
        return Client(self._raw(key, self._shared[retries], keys), target, service, role)

    def _raw(self, key, config, keys=None):
        """The botocore client of `key` (profile, service, region, retries[, "shared"]). With
        `keys` (any account's: they only let botocore make it), one shared by accounts."""
        with self._lock:
            if key in self._clients:
                self._clients.move_to_end(key)
                return self._clients[key]
            profile, service, region = key[:3]
            try:
                raw = self._session(profile).client(service, region_name=region or None, config=config,
                                                    **(keys or {}))
            except Exception as exc:
                raise translate(exc, region=region, profile=profile) from None
            if keys:
                signer = getattr(raw, "_request_signer", None)
                if getattr(signer, "_credentials", None) is None:  # botocore changed: rather fail
                    raw.close()                                 # than sign as another account
                    raise RuntimeError("cannot share a botocore client between accounts")
                signer._credentials = Signed()
            self._clients[key] = raw
            while len(self._clients) > self.max_clients:
                _, old = self._clients.popitem(last=False)
                old.close()
            return raw

    def release(self, region: str) -> None:
        """Close the clients of `region` (a refresh is done with it); made again if asked for."""
        with self._lock:
            for key in [key for key in self._clients if key[2] == region]:
                self._clients.pop(key).close()

    def close(self) -> None:
        """Close every client kept (their connection pools)."""
        with self._lock:
            while self._clients:
                self._clients.popitem()[1].close()

    def region_of(self, profile: "str | None") -> "str | None":
        """The region the profile names (its config, AWS_REGION), if any."""
        return self.session(profile).region_name
