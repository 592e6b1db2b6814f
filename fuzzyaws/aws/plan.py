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
from fuzzyaws.workers import Pool


SHOWN = 5  # accounts named in a warning about several


def resolve(settings, sessions: Sessions, warn=lambda message: None, left_out=None) -> list:
    """[Target] without duplicates, in the order the settings name them. An organization's
    account that is not active, or whose regions cannot be listed (its role cannot be
    assumed), is left out with `warn(message)`: the rest go on. The latter are appended
    to `left_out` (a list, as Targets without a region), to be tried again by `targets_of`."""
    from fuzzyaws.inventory import sources
    bases = _accounts(settings, sessions, warn) if sources.live_profiles(settings) else []
    return targets_of(settings, sessions, bases, warn, left_out)


def targets_of(settings, sessions: Sessions, bases: list, warn=lambda message: None, left_out=None) -> list:
    """[Target] of each of `bases` (Targets without a region, a list or an iterator) in
    its regions; as resolve()."""
    def regions_of(base):
        try:
            return _regions(settings, sessions, base)
        except (AwsError, CredentialsError) as exc:
            if base.role_arn is None:
                raise
            return exc

    # each account's regions are asked for at once (an organization's hundreds of
    # AssumeRole + DescribeRegions would take minutes one after the other), as soon as it
    # is listed (its accounts come 20 to a page), on twice the workers a refresh has:
    # planning is all waiting for answers, with little to parse
    pool = Pool(2 * settings.workers)
    try:
        asked = [(base, pool.submit(lambda base=base: regions_of(base))) for base in bases]
        found = pool.results([task for _, task in asked])
    finally:
        pool.close()
    targets, seen, failed = [], set(), {}
    for (base, _), regions in zip(asked, found):
        if isinstance(regions, Exception):
            failed.setdefault(getattr(regions, "what", None) or str(regions), []).append((base.account, regions))
            if left_out is not None:
                left_out.append(base)
            continue
        for region in regions:
            if (base.account, region) not in seen:
                seen.add((base.account, region))
                targets.append(base.replace(region=region))
    for what, accounts in failed.items():  # a line per cause: an endpoint down is not 300 lines
        if len(accounts) == 1:
            warn(f"leaving out account {accounts[0][0]}: {accounts[0][1]}")
        else:
            named = ", ".join(account for account, _ in accounts[:SHOWN])
            more = f" and {len(accounts) - SHOWN} more" if len(accounts) > SHOWN else ""
            warn(f"leaving out {len(accounts)} accounts ({named}{more}): {what}")
    return targets


def _home(sessions, profile) -> Target:
    """Where a profile's own calls go: its region, else us-east-1 (STS, Organizations)."""
    return Target(account="", region=sessions.region_of(profile) or "us-east-1", profile=profile)


def _caller_account(sessions, profile) -> str:
    return sessions.client(_home(sessions, profile), "sts").get_caller_identity()["Account"]


def _accounts(settings, sessions, warn):
    if settings.org is not None:
        return _org_accounts(settings.org, sessions, warn)
    return [Target(account=_caller_account(sessions, profile), region="", profile=profile)
            for profile in settings.profiles or (None,)]


def _org_accounts(org, sessions, warn):
    """The organization's active accounts (Targets without a region), as they are listed."""
    own = _caller_account(sessions, org.profile)
    home = _home(sessions, org.profile)
    arn = f"arn:{partition(home.region)}:iam::{{}}:role/{org.role_name}"
    pages = sessions.client(home, "organizations").get_paginator("list_accounts").paginate()
    for account in (a for page in pages for a in page["Accounts"]):
        if (org.accounts and account["Id"] not in org.accounts) or account["Id"] in org.exclude:
            continue
        status = account.get("Status", "ACTIVE")
        if status != "ACTIVE":  # suspended (or being closed): nothing to list, nor a role to assume
            warn(f"leaving out account {account['Id']}: it is {status.lower().replace('_', ' ')}")
            continue
        # the management account is reached with the profile itself
        yield Target(account=account["Id"], region="", profile=org.profile,
                     role_arn=None if account["Id"] == own else arn.format(account["Id"]))


def _regions(settings, sessions, base: Target) -> list:
    own = sessions.region_of(base.profile)  # an assumed role's region is its profile's
    if settings.regions and "all" in settings.regions:  # DescribeRegions assumes the role
        ec2 = sessions.client(base.replace(region=own or "us-east-1"), "ec2")
        return sorted(r["RegionName"] for r in ec2.describe_regions()["Regions"])
    # a role that is refused leaves the account out now, not in whichever call comes first
    sessions.assume(base)
    if settings.regions:
        return list(settings.regions)
    if not own:
        raise UsageError("no region configured: use --region, set AWS_REGION, "
                         "or add one to the profile in ~/.aws/config")
    return [own]
