"""The only place boto3 sessions and clients are made: profiles, assumed roles, retries and
timeouts. Every client is handed out wrapped (`Client`), so that every call, page and
waiter raises the typed errors of aws/errors.py, naming the account and region.
"""
from __future__ import annotations

import threading

from datetime import datetime, timezone

import boto3
import botocore.client
import botocore.session
from botocore.config import Config

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
    """boto3 sessions for one run: one per profile and one per assumed role, made once and
    shared by the worker threads. boto3 sessions are not thread-safe, clients are: sessions
    and clients are made under a lock, then clients are used freely."""

    def __init__(self, settings):
        self.settings = settings
        self.config = client_config(settings)
        self._lock = threading.Lock()
        self._sessions: dict = {}
        self._clients: dict = {}

    def session(self, profile: "str | None", role_arn: "str | None" = None) -> boto3.Session:
        with self._lock:
            return self._session(profile, role_arn)

    def _session(self, profile, role_arn):
        key = (profile, role_arn)
        if key not in self._sessions:
            if role_arn is None:
                try:
                    self._sessions[key] = boto3.Session(profile_name=profile, botocore_session=_botocore())
                except Exception as exc:
                    raise translate(exc, profile=profile) from None
            else:
                base = self._session(profile, None)
                sts = Client(base.client("sts", config=self.config),
                             Target(account="", region=base.region_name or "", profile=profile), "sts")
                creds = sts.assume_role(RoleArn=role_arn, RoleSessionName="fuzzyaws")["Credentials"]
                self._sessions[key] = boto3.Session(
                    aws_access_key_id=creds["AccessKeyId"],
                    aws_secret_access_key=creds["SecretAccessKey"],
                    aws_session_token=creds["SessionToken"],
                    region_name=base.region_name, botocore_session=_botocore())
        return self._sessions[key]

    def client(self, target: Target, service: str, retries: bool = True) -> Client:
        """A client for `service` in the target's account and region (made once per run).
        `retries=False`: one attempt per call, for calls that must not be repeated blindly."""
        key = (target.profile, target.role_arn, service, target.region, retries)
        with self._lock:
            if key not in self._clients:
                session = self._session(target.profile, target.role_arn)
                config = self.config if retries else self.config.merge(
                    Config(retries={"mode": "standard", "total_max_attempts": 1}))
                try:
                    raw = session.client(service, region_name=target.region or None, config=config)
                except Exception as exc:
                    raise translate(exc, account=target.account, region=target.region,
                                    profile=target.profile) from None
                self._clients[key] = Client(raw, target, service)
            return self._clients[key]

    def region_of(self, profile: "str | None") -> "str | None":
        """The region the profile names (its config, AWS_REGION), if any."""
        return self.session(profile).region_name
