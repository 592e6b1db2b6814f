"""`fuzzyaws connect [QUERY|ID|ARN]`: a shell on an EC2 instance (SSM, or ssh), into an ECS
task (execute-command), or a database / cache client through a tunnel via a jump host."""
from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys

from fuzzyaws import config
from fuzzyaws.actions import clients, session
from fuzzyaws.actions.aws import AWS, PLUGIN, need
from fuzzyaws.actions.tunnel import (free_port, jumphost, mapping, remote_host, remote_port,
                                     ssm_reason, wait_for_port)
from fuzzyaws.cache import Cache
from fuzzyaws.selection import all_records, child_argv, resolve
from fuzzyaws.status import FAILED, UsageError

# Default logins by what the SSM agent reports the OS to be, as the AMIs set them up.
SSH_USERS = (("ubuntu", "ubuntu"), ("debian", "admin"), ("centos", "centos"), ("fedora", "fedora"),
             ("bitnami", "bitnami"))


def usable(args):
    def reason(record):
        kind = record["kind"]
        if kind == "ec2":
            if args.ssh and args.direct:
                return None if record.get("address") else "it has no private address"
            return ssm_reason(record)
        if kind == "ecs":
            return None if (record.get("attrs") or {}).get("exec_enabled") else \
                "ECS exec is not enabled for the task (enableExecuteCommand)"
        return None if remote_host(record) else "it has no endpoint yet"
    return reason


def run(args) -> int:
    settings = config.load(args)
    extra = args.rest
    record = resolve(args, settings, multi=False, usable=usable(args))[0]
    aws = AWS(settings)
    if record["kind"] == "ec2":
        return _ssh(args, settings, aws, record, extra) if args.ssh else _ssm_shell(args, aws, record)
    if record["kind"] == "ecs":
        return _ecs(args, settings, aws, record)
    return _database(args, settings, aws, record, extra)


def _ssm_shell(args, aws, record) -> int:
    plugin = need(PLUGIN)
    return session.become(*session.start(aws, record, session.shell_parameters(record["id"], args.user), plugin))


def ssh_user(record: dict, settings) -> str:
    platform = ((record.get("attrs") or {}).get("ssm_platform") or "").lower()
    default = next((user for name, user in SSH_USERS if name in platform), "ec2-user")
    return settings.ssh_user or default


def _ssh(args, settings, aws, record, extra) -> int:
    ssh = need("ssh")
    user = args.user or ssh_user(record, settings)
    if args.direct:
        return session.become([ssh, f"{user}@{record['address']}", *extra])
    need(PLUGIN)
    proxy = shlex.join(child_argv(args) + ["ssh-proxy"]) + " %h %p"
    return session.become([ssh, "-o", f"ProxyCommand={proxy}", f"{user}@{record['id']}", *extra])



def _ecs(args, settings, aws, record) -> int:
    plugin = need(PLUGIN)
    ecs = aws.client(record, "ecs")
    task = ecs.describe_tasks(cluster=record["attrs"]["cluster"], tasks=[record["key"]])["tasks"]
    containers = {c["name"]: c.get("runtimeId") for t in task for c in t.get("containers", [])}
    name = args.container or (next(iter(containers)) if len(containers) == 1 else
                              _pick_container(args, settings, sorted(containers)))
    if name not in containers:
        raise UsageError(f"task {record['id']} has no container {name!r} "
                         f"(it has {', '.join(sorted(containers)) or 'none'})")
    return session.become(*session.ecs_exec(aws, record, name, containers[name] or "",
                                            args.remote_command or "/bin/sh", plugin))


def _pick_container(args, settings, names: list) -> str:
    from fuzzyaws.pickers import Request, choose
    from fuzzyaws.status import ABORTED, FuzzyAwsError
    chosen = choose(args.picker or settings.picker).pick(
        Request(lines=names, keys=names, header="container to exec into"))
    if not chosen:
        raise FuzzyAwsError("no container chosen", ABORTED if chosen is None else FAILED)
    return chosen[0]


def _database(args, settings, aws, record, extra) -> int:
    plugin = need(PLUGIN)
    engine = (record.get("attrs") or {}).get("engine", "")
    tool = need(clients.client_tool(engine)) if args.client else None
    port = remote_port(record)
    if not port:
        raise UsageError(f"{record['id']}: unknown port; use `fuzzyaws tunnel --remote-port N`")
    jump = jumphost(record, all_records(settings, Cache(settings.cache_dir)), settings.jumphost_tag, args.via)
    local = free_port(args.local_port or port)
    host = remote_host(record)
    argv, plugin_env = session.start(aws, jump, session.port_parameters(jump["id"], port, local, host), plugin)
    print(mapping(local, host, port, jump), file=sys.stderr)
    if not tool:
        return session.become(argv, plugin_env)
    user = args.user or (record.get("attrs") or {}).get("master_user")
    token = None
    if args.iam:
        token = aws.client(record, "rds").generate_db_auth_token(
            DBHostname=host, Port=port, DBUsername=user, Region=record["region"])
    client, env = clients.client_argv(record, os.path.basename(tool), local, user, token, extra)
    tunnel = subprocess.Popen(argv, stdin=subprocess.DEVNULL, env={**os.environ, **plugin_env})
    try:
        if not wait_for_port(local, lambda: tunnel.poll() is None):
            raise UsageError(f"the tunnel did not open localhost:{local} "
                             f"(session-manager-plugin exited {tunnel.poll()})")
        return subprocess.run(client, env={**os.environ, **env}).returncode
    finally:
        if tunnel.poll() is None:
            tunnel.send_signal(signal.SIGTERM)
            tunnel.wait(timeout=10)
