"""What commands use of AWS: the plan (resolved once, then cached) and clients for a target
or for the account and region a resource lives in."""
from __future__ import annotations

import time

from fuzzyaws.aws import plan
from fuzzyaws.aws.session import Client, Sessions, Target
from fuzzyaws.cache import PLAN_TTL
from fuzzyaws.inventory import sources
from fuzzyaws.inventory.load import plan_key
from fuzzyaws.status import UsageError


class Aws:
    def __init__(self, settings, cache, warn=lambda message: None):
        self.settings = settings
        self.cache = cache
        self.warn = warn  # what cannot be planned (an account whose role is refused) is said here
        self.sessions = Sessions(settings)
        self._targets: "list | None" = None

    def targets(self, *, fresh: bool = False) -> list:
        """[Target] the settings mean: the cached plan, else (or with `fresh`) resolved now."""
        if self._targets is None or fresh:
            key = plan_key(self.settings)
            found = None if fresh else self.cache.plan(key, time.time())
            if found is None:
                targets = self._plan(key, fresh)
            else:
                targets = [Target(**t) for t in found]
            self._targets = targets
        return self._targets

    def use(self, targets: list, roles: dict) -> None:
        """Work on `targets` (a share of a plan made by another process) with the roles'
        credentials it assumed (Sessions.assumed)."""
        self._targets = list(targets)
        self.sessions.seed(roles)

    def _plan(self, key: str, fresh: bool) -> list:
        """Resolve the plan and cache it. Accounts left out for their role are tried again
        by the next run, and only they: the rest of the plan (an organization's account
        list, each account's regions) is kept apart until they work or it is as old as a
        plan may get; a plan missing them is not cached, so that the warm path asks again."""
        now = time.time()
        partial = None if fresh else self.cache.get("meta", "partial-plan:" + key)
        left_out: list = []
        if isinstance(partial, dict) and 0 <= now - partial.get("made", 0) < PLAN_TTL:
            made, targets = partial["made"], [Target(**t) for t in partial["targets"]]
            retry = [Target(**t) for t in partial["retry"]]
            targets += plan.targets_of(self.settings, self.sessions, retry, self.warn, left_out)
        else:
            made, targets = now, plan.resolve(self.settings, self.sessions, self.warn, left_out)
            # the rest of the organization, from its source if one is set (no role assumed)
            targets += sources.targets(self.settings, self.sessions, targets, self.cache)
        if left_out:
            self.cache.set("meta", "partial-plan:" + key, {
                "made": made, "targets": [t.to_dict() for t in targets],
                "retry": [t.to_dict() for t in left_out]})
        else:
            if partial is not None:
                self.cache.set("meta", "partial-plan:" + key, None)
            self.cache.put_plan(key, [t.to_dict() for t in targets], made)
        accounts = self.cache.get("meta", "accounts", {})
        accounts.update({t.profile or "": t.account for t in targets if not t.role_arn})
        self.cache.set("meta", "accounts", accounts)
        return targets

    def client(self, target: Target, service: str, retries: bool = True) -> Client:
        return self.sessions.client(target, service, retries=retries)

    def target_of(self, account: str, region: str) -> Target:
        """How to reach an account (as the plan says) in a region. An account only an
        organization source lists is acted in with the person's own profile for it
        (`[account_profiles]`): the source's credentials are for listing only."""
        listed = [t for t in self.targets() if t.account == account]
        live = [t for t in listed if not t.source]
        if live:
            return live[0].replace(region=region)
        mapped = self.settings.account_profiles.get(account)
        if mapped:
            return Target(account=account, region=region, profile=mapped)
        if listed:
            raise UsageError(f"account {account} is listed by the {listed[0].source} source only: to act in "
                             f"it, name your profile for it in the config, [account_profiles] "
                             f"\"{account}\" = \"PROFILE\" (or add that profile to profiles)")
        return Target(account=account, region=region, profile=(self.settings.profiles or (None,))[0])

    def client_for(self, resource, service: str, retries: bool = True) -> Client:
        """A client in the account and region `resource` lives in."""
        return self.client(self.target_of(resource.account, resource.region), service, retries)

    def profile(self, resource) -> str:
        """The profile name session-manager-plugin is given ("" for a role or the default)."""
        target = self.target_of(resource.account, resource.region)
        return "" if target.role_arn else (target.profile or "")
