"""AWS access for the actions: the client of the account and region a record lives in, and
the checks that a local tool is there before anything is started."""
from __future__ import annotations

import shutil

from fuzzyaws.cache import Cache
from fuzzyaws.inventory import load
from fuzzyaws.inventory.session import Sessions, auth_error
from fuzzyaws.status import UsageError

PLUGIN = "session-manager-plugin"
INSTALL = {
    PLUGIN: "https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager-working-with-install-plugin.html",
    "ssh": "install OpenSSH (apt install openssh-client)",
    "psql": "install the PostgreSQL client (apt install postgresql-client, brew install libpq)",
    "mysql": "install the MySQL client (apt install default-mysql-client, brew install mysql-client)",
    "redis-cli": "install redis-tools (apt install redis-tools, brew install redis)",
    "valkey-cli": "install valkey-tools (apt install valkey-tools, brew install valkey)",
}


def need(tool: str) -> str:
    """The path of a local tool, or a UsageError saying how to install it."""
    path = shutil.which(tool)
    if not path:
        raise UsageError(f"{tool} is not installed: {INSTALL.get(tool, 'install it')}")
    return path


class AWS:
    """Clients for the accounts and regions of the cached plan."""

    def __init__(self, settings):
        self.settings = settings
        self.sessions = Sessions(settings)
        self._targets = None

    def target(self, account: str, region: str) -> dict:
        if self._targets is None:
            self._targets = load.targets(self.settings, Cache(self.settings.cache_dir), offline=False,
                                         sessions=lambda: self.sessions) or []
        for t in self._targets:
            if t["account"] == account:
                return {**t, "region": region}
        return {"profile": (self.settings.profiles or (None,))[0], "role_arn": None,
                "account": account, "region": region}

    def client(self, record_or_account, service: str, region: "str | None" = None, retries: bool = True):
        if isinstance(record_or_account, dict):
            account, region = record_or_account["account"], record_or_account["region"]
        else:
            account = record_or_account
        target = self.target(account, region)
        try:
            return self.sessions.client(target, service, retries=retries)
        except Exception as exc:  # noqa: BLE001 - credentials problems get their one line
            raise auth_error(exc, target.get("profile")) or exc

    def profile(self, record: dict) -> str:
        """The profile name the plugin is given (\"\" for an assumed role or the default)."""
        target = self.target(record["account"], record["region"])
        return "" if target.get("role_arn") else (target.get("profile") or "")

