"""Database and cache clients pointed at the local end of a tunnel. A password (an RDS IAM
token, or the master password from the secret RDS manages in Secrets Manager) goes only
into the client's environment, never onto disk or the command line."""
from __future__ import annotations


from fuzzyaws.status import UsageError
from fuzzyaws.which import which

POSTGRES = ("postgres", "aurora-postgresql")
MYSQL = ("mysql", "mariadb", "aurora-mysql", "aurora")
KEYVALUE = ("redis", "valkey")


def client_tool(engine: str, env: dict) -> str:
    if engine in POSTGRES:
        return "psql"
    if engine in MYSQL:
        return "mysql"
    if engine in KEYVALUE:
        return "valkey-cli" if engine == "valkey" and which("valkey-cli", env.get("PATH")) else "redis-cli"
    raise UsageError(f"no client for engine {engine or 'unknown'}: use `fuzzyaws tunnel` and your own")


def login(resource, iam: bool) -> str:
    """How `connect --client` logs in to a database: what the preview says."""
    if iam:
        return "an RDS IAM token (--iam)"
    if resource.attr("master_secret"):
        return "the master password from Secrets Manager (RDS-managed secret)"
    return "the client asks for the password"


def client_argv(resource, tool: str, port: int, user: "str | None", password: "str | None",
                extra, iam: bool = False) -> tuple:
    """(argv, env) for `tool` on localhost:port as `user`; `password`: an IAM token (`iam`)
    or the master password."""
    attrs = resource.attrs
    env = {}
    if tool == "psql":
        argv = [tool, "-h", "localhost", "-p", str(port), "-d", attrs.get("database") or "postgres"]
        argv += ["-U", user] if user else []
        if password:
            env = {"PGPASSWORD": password} | ({"PGSSLMODE": "require"} if iam else {})  # IAM auth needs TLS
    elif tool == "mysql":
        argv = [tool, "-h", "127.0.0.1", "-P", str(port)] + (["-u", user] if user else [])
        if password:
            argv += ["--enable-cleartext-plugin", "--ssl-mode=REQUIRED"] if iam else []
            env = {"MYSQL_PWD": password}
        argv += [attrs["database"]] if attrs.get("database") else []
    else:
        argv = [tool, "-h", "127.0.0.1", "-p", str(port)]
        argv += ["--tls"] if attrs.get("transit_encryption") else []
        argv += ["--user", user] if user else []
    return argv + list(extra), env
