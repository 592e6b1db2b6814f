"""The only place boto3 sessions and clients are made: profiles, assumed roles, retries and
timeouts. Every client is handed out wrapped (`Client`), so that every call, page and
waiter raises the typed errors of aws/errors.py, naming the account and region.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import datetime, timezone

import boto3
import botocore.client
import botocore.session
from botocore.config import Config
from botocore.credentials import DeferredRefreshableCredentials

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
    return session


def _timestamp(value) -> str:
    """A timestamp as the wire has it: ISO 8601 text as it is, epoch seconds (JSON
    protocols) as ISO 8601."""
    if isinstance(value, str) and not value.replace(".", "", 1).isdigit():
        return value
    return datetime.fromtimestamp(float(value), timezone.utc).isoformat()


def client_config(settings) -> Config:
    return Config(retries={"mode": "adaptive", "total_max_attempts": settings.max_attempts},
                  connect_timeout=settings.connect_timeout, read_timeout=settings.read_timeout,
                  max_pool_connections=max(10, settings.workers),
                  user_agent_extra="fuzzyaws")


class Client:
    """A boto3 client whose calls, pages and waiters raise aws/errors.py's typed errors."""

    def __init__(self, raw, target: Target, service: str):
        self._raw, self._target, self._service = raw, target, service

    @property
    def meta(self):
        return self._raw.meta

    def _translated(self, exc: Exception) -> Exception:
        t = self._target
        return translate(exc, account=t.account, region=t.region, profile=t.profile,
                         service=self._service)

    def _call(self, method, *args, **kwargs):
        try:
            return method(*args, **kwargs)
        except Exception as exc:
            error = self._translated(exc)
            if error is exc:
                raise
            raise error from None

    def __getattr__(self, name):
        attr = getattr(self._raw, name)
        if name.startswith("_") or not callable(attr) or name in ("can_paginate", "exceptions"):
            return attr
        if name in ("get_paginator", "get_waiter"):
            return lambda *a, **kw: _Wrapped(self, attr(*a, **kw))
        return lambda *args, **kwargs: self._call(attr, *args, **kwargs)


class _Wrapped:
    """A paginator or waiter of a Client: pages (and waits) raise typed errors too."""

    def __init__(self, client: Client, raw):
        self._client, self._raw = client, raw

    def paginate(self, **kwargs):
        pages = iter(self._client._call(self._raw.paginate, **kwargs))
        while True:
            try:
                page = next(pages)
            except StopIteration:
                return
            except Exception as exc:
                error = self._client._translated(exc)
                if error is exc:
                    raise
                raise error from None
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

    Clients are kept in an LRU of at most `max_clients` (by default 4 per worker: a shard
    uses one or two at a time); the one pushed out is closed, which closes its connection
    pool, so memory and open files stay bounded however many accounts × regions a run
    covers. A client pushed out while a slow shard still pages with it keeps working
    (botocore opens a new connection) and is freed with the shard.

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
        self._lock = threading.Lock()
        self._sessions: dict = {}
        self._roles: dict = {}
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
        """The role's refreshable credentials (not assumed yet: that happens on first use)."""
        key = (profile, role_arn)
        if key not in self._roles:
            home = Target(account="", region=self._session(profile).region_name or "us-east-1",
                          profile=profile)

            def assume() -> dict:
                creds = self._client(home, "sts", "standard").assume_role(RoleArn=role_arn,
                                                                          RoleSessionName="fuzzyaws")
                creds = creds["Credentials"]
                return {"access_key": creds["AccessKeyId"], "secret_key": creds["SecretAccessKey"],
                        "token": creds["SessionToken"], "expiry_time": _timestamp(creds["Expiration"])}

            self._roles[key] = DeferredRefreshableCredentials(refresh_using=assume, method="assume-role")
        return self._roles[key]

    def assume(self, target: Target) -> None:
        """Assume the target's role now (if it has one and it is not assumed yet), so that a
        refusal is known while planning, not met by whichever of its calls comes first."""
        if target.role_arn is not None:
            with self._lock:
                role = self._role(target.profile, target.role_arn)
            self._frozen(role, target)

    @staticmethod
    def _frozen(role, target: Target):
        try:
            return role.get_frozen_credentials()
        except Exception as exc:
            raise translate(exc, account=target.account, region=target.region,
                            profile=target.profile, service="sts") from None

    def client(self, target: Target, service: str, retries: bool = True) -> Client:
        """A client for `service` in the target's account and region (made once, while it
        stays among the `max_clients` last used). `retries=False`: one attempt per call,
        for calls that must not be repeated blindly."""
        return self._client(target, service, "adaptive" if retries else "once")

    def _client(self, target: Target, service: str, retries: str) -> Client:
        key = (target.profile, target.role_arn, service, target.region, retries)
        with self._lock:
            if key in self._clients:
                self._clients.move_to_end(key)
                return self._clients[key]
            role = None if target.role_arn is None else self._role(target.profile, target.role_arn)
        keys = {}
        if role is not None:  # assumes the role the first time, outside the lock: other clients go on
            frozen = self._frozen(role, target)
            keys = {"aws_access_key_id": frozen.access_key, "aws_secret_access_key": frozen.secret_key,
                    "aws_session_token": frozen.token}
        with self._lock:
            if key in self._clients:  # made meanwhile by another thread
                self._clients.move_to_end(key)
                return self._clients[key]
            session = self._session(target.profile)
            try:
                raw = session.client(service, region_name=target.region or None,
                                     config=self._configs[retries], **keys)
            except Exception as exc:
                raise translate(exc, account=target.account, region=target.region,
                                profile=target.profile) from None
            signer = getattr(raw, "_request_signer", None)
            if role is not None and getattr(signer, "_credentials", None) is not None:
                # sign with the refreshable credentials, not the snapshot the client was made
                # with: a client kept for long is never left with expired ones (if botocore
                # changes, the snapshot, good for 15 minutes at least, is used)
                signer._credentials = role
            client = self._clients[key] = Client(raw, target, service)
            while len(self._clients) > self.max_clients:
                _, old = self._clients.popitem(last=False)
                old._raw.close()
            return client

    def close(self) -> None:
        """Close every client kept (their connection pools)."""
        with self._lock:
            while self._clients:
                self._clients.popitem()[1]._raw.close()

    def region_of(self, profile: "str | None") -> "str | None":
        """The region the profile names (its config, AWS_REGION), if any."""
        return self.session(profile).region_name
