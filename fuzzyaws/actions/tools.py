"""Local tools the actions hand over to: found on PATH before anything is started, or one
line saying how to install them."""
from __future__ import annotations


from fuzzyaws.status import UsageError
from fuzzyaws.which import which

PLUGIN = "session-manager-plugin"
INSTALL = {
    PLUGIN: "https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager-working-with-install-plugin.html",
    "ssh": "install OpenSSH (apt install openssh-client)",
    "psql": "install the PostgreSQL client (apt install postgresql-client, brew install libpq)",
    "mysql": "install the MySQL client (apt install default-mysql-client, brew install mysql-client)",
    "redis-cli": "install redis-tools (apt install redis-tools, brew install redis)",
    "valkey-cli": "install valkey-tools (apt install valkey-tools, brew install valkey)",
}


def need(tool: str, env: dict) -> str:
    """The path of a local tool, or a UsageError saying how to install it."""
    path = which(tool, env.get("PATH"))
    if not path:
        raise UsageError(f"{tool} is not installed: {INSTALL.get(tool, 'install it')}")
    return path
