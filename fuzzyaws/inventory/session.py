"""The only place boto3 sessions and clients are made: profiles, assumed roles, regions,
retries and timeouts; and the translation of credential failures into one clear line.
"""
from __future__ import annotations

import re
import threading

import boto3
import botocore.client
import botocore.exceptions as bex
from botocore.config import Config

from fuzzyaws.model import partition as model_partition
from fuzzyaws.status import FAILED, AuthError, FuzzyAwsError, UsageError

REGION_RE = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")

# Error codes that mean the credentials themselves are bad: retrying other shards is pointless.
AUTH_CODES = {"ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId",
              "UnrecognizedClientException", "AuthFailure", "SignatureDoesNotMatch",
              "InvalidAccessKeyId", "InvalidToken", "RequestExpired"}


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


def client_config(settings) -> Config:
    return Config(retries={"mode": "adaptive", "total_max_attempts": settings.max_attempts},
                  connect_timeout=settings.connect_timeout, read_timeout=settings.read_timeout,
                  max_pool_connections=max(10, settings.workers),
                  user_agent_extra="fuzzyaws")


def auth_error(exc: BaseException, profile: "str | None") -> "AuthError | None":
    """The one-line AuthError for a credential failure, or None if `exc` is something else."""
    who = f"profile {profile!r}" if profile else "the default credentials"
    login = f"aws sso login --profile {profile}" if profile else "aws sso login"
    if isinstance(exc, bex.ProfileNotFound):
        return AuthError(f"AWS profile {profile!r} is not defined (see `aws configure list-profiles`)")
    if isinstance(exc, (bex.SSOTokenLoadError, bex.UnauthorizedSSOTokenError, bex.TokenRetrievalError,
                        bex.SSOError)):
        return AuthError(f"the SSO session of {who} has expired or is missing: run `{login}`")
    if isinstance(exc, bex.NoCredentialsError):
        return AuthError("no AWS credentials found: run `aws configure` or `aws sso login`, "
                         "or set AWS_PROFILE")
    if isinstance(exc, (bex.PartialCredentialsError, bex.CredentialRetrievalError,
                        bex.InvalidConfigError)):
        return AuthError(f"cannot load the credentials of {who}: {exc}")
    if isinstance(exc, bex.ClientError):
        code = exc.response.get("Error", {}).get("Code", "")
        if code in AUTH_CODES:
            return AuthError(f"AWS rejected the credentials of {who} ({code}): "
                             f"refresh them, e.g. `{login}`")
    return None


def check_regions(regions) -> None:
    for region in regions:
        if region != "all" and not REGION_RE.match(region):
            raise UsageError(f"{region!r} is not an AWS region name (like us-east-1), nor 'all'")


class Sessions:
    """boto3 sessions for one run: one per profile and one per assumed role, made once,
    shared by the worker threads. boto3 sessions are not thread-safe, clients are: so
    sessions and clients are made under a lock, and clients are then used freely.
    """

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
                self._sessions[key] = boto3.Session(profile_name=profile)
            else:
                base = self._session(profile, None)
                creds = base.client("sts", config=self.config).assume_role(
                    RoleArn=role_arn, RoleSessionName="fuzzyaws")["Credentials"]
                self._sessions[key] = boto3.Session(
                    aws_access_key_id=creds["AccessKeyId"],
                    aws_secret_access_key=creds["SecretAccessKey"],
                    aws_session_token=creds["SessionToken"],
                    region_name=base.region_name)
        return self._sessions[key]

    def client(self, target: dict, service: str, region: "str | None" = None, retries: bool = True):
        """A client for `service` in the target's account and region (cached per run).
        `retries=False`: one attempt per call, for calls that must not be repeated blindly."""
        region = region or target["region"]
        key = (target.get("profile"), target.get("role_arn"), service, region, retries)
        with self._lock:
            if key not in self._clients:
                session = self._session(target.get("profile"), target.get("role_arn"))
                config = self.config if retries else self.config.merge(
                    Config(retries={"mode": "standard", "total_max_attempts": 1}))
                self._clients[key] = session.client(service, region_name=region, config=config)
            return self._clients[key]


def resolve_targets(settings, sessions: Sessions) -> list:
    """The (account, region) pairs the settings mean, each with how to reach it:
    [{"profile", "role_arn", "account", "region"}], without duplicates.
    """
    check_regions(settings.regions)
    targets, seen = [], set()
    for base in _accounts(settings, sessions):
        for region in _regions(settings, sessions, base):
            if (base["account"], region) not in seen:
                seen.add((base["account"], region))
                targets.append({**base, "region": region})
    return targets


def _accounts(settings, sessions) -> list:
    if settings.org is not None:
        return _org_accounts(settings.org, sessions)
    accounts = []
    for profile in settings.profiles or (None,):
        accounts.append({"profile": profile, "role_arn": None,
                         "account": _caller_account(sessions, profile)})
    return accounts


def _caller_account(sessions, profile) -> str:
    try:
        session = sessions.session(profile)
        sts = sessions.client({"profile": profile}, "sts", session.region_name or "us-east-1")
        return sts.get_caller_identity()["Account"]
    except (bex.BotoCoreError, bex.ClientError) as exc:
        raise auth_error(exc, profile) or _other(exc, profile) from None


def _org_accounts(org, sessions) -> list:
    own = _caller_account(sessions, org.profile)
    try:
        session = sessions.session(org.profile)
        client = sessions.client({"profile": org.profile}, "organizations",
                                 session.region_name or "us-east-1")
        listed = [a["Id"] for page in client.get_paginator("list_accounts").paginate()
                  for a in page["Accounts"] if a.get("Status", "ACTIVE") == "ACTIVE"]
    except (bex.BotoCoreError, bex.ClientError) as exc:
        raise auth_error(exc, org.profile) or _other(exc, org.profile) from None
    wanted = [a for a in listed if (not org.accounts or a in org.accounts) and a not in org.exclude]
    partition = model_partition(session.region_name or "us-east-1")
    return [{"profile": org.profile, "account": account,
             # the management account is reached with the profile itself
             "role_arn": None if account == own
             else f"arn:{partition}:iam::{account}:role/{org.role_name}"}
            for account in wanted]


def _regions(settings, sessions, base) -> list:
    if settings.regions and "all" not in settings.regions:
        return list(settings.regions)
    session = sessions.session(base["profile"], base["role_arn"])
    if not settings.regions:
        if not session.region_name:
            raise UsageError("no region configured: use --region, set AWS_REGION, "
                             "or add one to the profile in ~/.aws/config")
        return [session.region_name]
    try:
        ec2 = sessions.client(base, "ec2", session.region_name or "us-east-1")
        return sorted(r["RegionName"] for r in ec2.describe_regions()["Regions"])
    except (bex.BotoCoreError, bex.ClientError) as exc:
        raise auth_error(exc, base["profile"]) or _other(exc, base["profile"]) from None


def _other(exc, profile):
    return FuzzyAwsError(f"cannot list accounts or regions for profile {profile or 'default'}: "
                         f"{_one_line(exc)}", FAILED)


def _one_line(exc) -> str:
    return " ".join(str(exc).split())

