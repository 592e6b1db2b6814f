"""Organization sources: the rest of an organization read from a service that already
inventories it, instead of scanning 300 accounts from one laptop.

    source = "config-aggregator:NAME"   AWS Config's aggregator (inventory/aggregator.py)
    snapshot = "s3://BUCKET/PREFIX"     a snapshot a scheduled job pushes (inventory/pulled.py)

Both are read with one profile's credentials (`source_profile`, else the first of
`profiles`, else the default credentials) in one Region (`source_region`, else that
profile's), and never assume a role. They name the accounts and Regions they cover, and
each becomes a plan Target with `source` set: its shards are the same account × region ×
kind shards as a live scan's, so ls, pick, preview and the actions (with the person's own
credentials) work unchanged. The profiles (or `[org]`) the person configured are still
scanned live beside the source; an account × Region scanned live is taken from the live
scan, never from the source, which lags it (Config by minutes, a snapshot by its
schedule): so a resource seen by both appears once, as the fresher row.
"""
from __future__ import annotations

AGGREGATOR, SNAPSHOT = "config-aggregator", "snapshot"


def configured(settings) -> "str | None":
    if settings.source:
        return AGGREGATOR
    if settings.snapshot:
        return SNAPSHOT
    return None


def live_profiles(settings) -> bool:
    """Whether anything is scanned live: always without a source; with one, only the
    profiles (or [org]) named."""
    return configured(settings) is None or bool(settings.profiles) or settings.org is not None


def profile(settings) -> "str | None":
    """The profile that reads the source (and a pushing job's bucket): `source_profile`,
    else the first profile, else [org]'s, else the default credentials."""
    if settings.source_profile:
        return settings.source_profile
    if settings.profiles:
        return settings.profiles[0]
    return settings.org.profile if settings.org is not None else None


def home(settings, sessions):
    """Where the source's calls go: its profile, in its Region."""
    from fuzzyaws.aws.session import Target
    name = profile(settings)
    region = settings.source_region or sessions.region_of(name) or "us-east-1"
    return Target(account="", region=region, profile=name)


def targets(settings, sessions, live: list, cache) -> list:
    """The source's Targets: the accounts × Regions it covers that are not scanned live."""
    kind = configured(settings)
    if kind is None:
        return []
    module = _module(kind)
    scanned = {(t.account, t.region) for t in live}
    wanted = set(settings.regions) if settings.regions and "all" not in settings.regions else None
    base = home(settings, sessions)
    return [base.replace(account=account, region=region, source=kind)
            for account, region in module.places(settings, sessions, base, cache)
            if (account, region) not in scanned and (wanted is None or region in wanted)]


def collector(target, kind: str):
    """The collect(fetch) that lists a shard of the source's, or None for a live one."""
    if not getattr(target, "source", None):
        return None
    module = _module(target.source)
    return lambda fetch: module.collect(fetch, kind)


def _module(kind: str):
    if kind == AGGREGATOR:
        from fuzzyaws.inventory import aggregator
        return aggregator
    from fuzzyaws.inventory import pulled
    return pulled


def describe(settings) -> str:
    """One line on where the organization comes from, for `refresh -v` and `cache info`
    (without importing boto3)."""
    kind = configured(settings)
    if kind == AGGREGATOR:
        from fuzzyaws.inventory.aggregator import describe as aggregator_line
        return aggregator_line(settings)
    if kind == SNAPSHOT:
        return f"the organization from the snapshot {settings.snapshot} (as old as its last push)"
    return ""
