"""What commands use of AWS: the plan (resolved once, then cached) and clients for a target
or for the account and region a resource lives in."""
from __future__ import annotations

import time

from fuzzyaws.aws import plan
from fuzzyaws.aws.session import Client, Sessions, Target
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
                left_out: list = []
                targets = plan.resolve(self.settings, self.sessions, lambda m: (left_out.append(m), self.warn(m)))
                # the rest of the organization, from its source if one is set (no role assumed)
                targets += sources.targets(self.settings, self.sessions, targets, self.cache)
                if not left_out:  # else the next run plans again, and says so again
                    self.cache.put_plan(key, [t.to_dict() for t in targets], time.time())
                accounts = self.cache.get("meta", "accounts", {})
                accounts.update({t.profile or "": t.account for t in targets if not t.role_arn})
                self.cache.set("meta", "accounts", accounts)
            else:
                targets = [Target(**t) for t in found]
            self._targets = targets
        return self._targets

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
