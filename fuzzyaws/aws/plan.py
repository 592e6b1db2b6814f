"""The plan: which account × region pairs the settings mean, and how to reach each.

Profiles (or the default credentials) give accounts through sts GetCallerIdentity; an
`[org]` section lists the organization's active accounts and assumes a role in each;
regions are the configured ones, the profile's own, or with "all" every region
DescribeRegions says is enabled. With an organization source (`source`, `snapshot`),
only the profiles (or [org]) named are scanned live: aws/access.py adds the accounts and
Regions the source covers (inventory/sources.py).
"""
from __future__ import annotations

from fuzzyaws.aws.errors import AwsError, CredentialsError
from fuzzyaws.aws.session import Sessions, Target
from fuzzyaws.model import partition
from fuzzyaws.status import UsageError


def resolve(settings, sessions: Sessions, warn=lambda message: None) -> list:
    """[Target] without duplicates, in the order the settings name them. An organization's
    account whose regions cannot be listed (its role cannot be assumed) is left out with
    `warn(message)`: the rest go on."""
    from fuzzyaws.inventory import sources
    targets, seen = [], set()
    for base in (_accounts(settings, sessions) if sources.live_profiles(settings) else ()):
        try:
            regions = _regions(settings, sessions, base)
        except (AwsError, CredentialsError) as exc:
            if base.role_arn is None:
                raise
            warn(f"leaving out account {base.account}: {exc}")
            continue
        for region in regions:
            if (base.account, region) not in seen:
                seen.add((base.account, region))
                targets.append(base.replace(region=region))
    return targets


def _home(sessions, profile) -> Target:
    """Where a profile's own calls go: its region, else us-east-1 (STS, Organizations)."""
    return Target(account="", region=sessions.region_of(profile) or "us-east-1", profile=profile)


def _caller_account(sessions, profile) -> str:
    return sessions.client(_home(sessions, profile), "sts").get_caller_identity()["Account"]


def _accounts(settings, sessions) -> list:
    if settings.org is not None:
        return _org_accounts(settings.org, sessions)
    return [Target(account=_caller_account(sessions, profile), region="", profile=profile)
            for profile in settings.profiles or (None,)]


def _org_accounts(org, sessions) -> list:
    own = _caller_account(sessions, org.profile)
    home = _home(sessions, org.profile)
    pages = sessions.client(home, "organizations").get_paginator("list_accounts").paginate()
    listed = [a["Id"] for page in pages for a in page["Accounts"] if a.get("Status", "ACTIVE") == "ACTIVE"]
    wanted = [a for a in listed if (not org.accounts or a in org.accounts) and a not in org.exclude]
    arn = f"arn:{partition(home.region)}:iam::{{}}:role/{org.role_name}"
    # the management account is reached with the profile itself
    return [Target(account=account, region="", profile=org.profile,
                   role_arn=None if account == own else arn.format(account))
            for account in wanted]


def _regions(settings, sessions, base: Target) -> list:
    if settings.regions and "all" not in settings.regions:
        return list(settings.regions)
    own = sessions.session(base.profile, base.role_arn).region_name
    if not settings.regions:
        if not own:
            raise UsageError("no region configured: use --region, set AWS_REGION, "
                             "or add one to the profile in ~/.aws/config")
        return [own]
    ec2 = sessions.client(base.replace(region=own or "us-east-1"), "ec2")
    return sorted(r["RegionName"] for r in ec2.describe_regions()["Regions"])
