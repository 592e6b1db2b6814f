"""`fuzzyaws connect [QUERY|ID|ARN]`: a shell on an EC2 instance (SSM, or ssh), into an ECS
task (execute-command), or a database / cache client through a tunnel via a jump host."""
from __future__ import annotations

import shlex
import signal
import subprocess

from fuzzyaws.actions import clients, lifecycle, onetime_key, session
from fuzzyaws.actions.guard import refuse_if_read_only
from fuzzyaws.actions.tools import PLUGIN, need
from fuzzyaws.actions.tunnel import (SSM_KINDS, free_port, jumphost, mapping, relay_reason, remote_port,
                                     ssm_reason, wait_for_port)
from fuzzyaws.model import Resource
from fuzzyaws.selection import child_argv, everything, resolve
from fuzzyaws.status import Aborted, ExitStatus, Failed, UsageError

# Default logins by what the SSM agent reports the OS to be, as the AMIs set them up.
SSH_USERS = (("ubuntu", "ubuntu"), ("debian", "admin"), ("centos", "centos"), ("fedora", "fedora"),
             ("bitnami", "bitnami"))
SSH_CONNECT_TIMEOUT = 10  # seconds, for --direct; the user's own -o ConnectTimeout wins
START_TIMEOUT = 300  # seconds for a stopped instance to run and its SSM agent to come online


def usable(opts):
    def reason(resource):
        if resource.kind in SSM_KINDS:
            if opts.ssh and opts.direct:
                return None if resource.address else "it has no private address"
            if resource.kind == "ec2" and resource.state == "stopped":
                return None  # offered: connect starts it first
            return ssm_reason(resource)
        if resource.kind == "ecs":
            return relay_reason(resource)
        if resource.kind in ("rds", "elasticache"):
            return None if resource.endpoint else "it has no endpoint yet"
        return f"fuzzyaws cannot connect to a {resource.kind}"
    return reason


def run(app, opts) -> ExitStatus:
    resource = resolve(app, opts.query, offline=opts.offline, picker=opts.picker, multi=False,
                       usable=usable(opts))[0]
    if resource.kind == "ec2" and resource.state == "stopped" and not opts.direct:
        resource = _start_first(app, opts, resource)
    if resource.kind in SSM_KINDS:
        return _ssh(app, opts, resource) if opts.ssh else _ssm_shell(app, opts, resource)
    if resource.kind == "ecs":
        return _ecs(app, opts, resource)
    if resource.kind in ("rds", "elasticache"):
        return _database(app, opts, resource)
    raise UsageError(f"cannot connect to a {resource.kind}: try `fuzzyaws open` or `fuzzyaws tunnel`")


def _start_first(app, opts, instance) -> Resource:
    """A stopped instance: offer to start it, wait until it runs and its SSM agent is online,
    and return it as it is now."""
    refuse_if_read_only(app, "start", [instance])
    name = instance.label
    if not opts.yes and not app.console.confirm(f"{name} is stopped. Start it and connect?"):
        raise Aborted("not confirmed: nothing was started")
    app.console.progress(f"starting {name}…")
    outcome, = lifecycle.wait(app.aws, "start", lifecycle.act(app.aws, "start", [instance]), START_TIMEOUT)
    if outcome.reason:
        raise Failed(f"{name}: {outcome.reason}")
    app.console.progress(f"{name} is running; waiting for its SSM agent…")
    online = lifecycle.wait_for_agent(app.aws, instance, START_TIMEOUT)
    app.console.progress_done()
    if not online:
        raise Failed(f"{name} is running, but its SSM agent did not come online within {START_TIMEOUT} s")
    lifecycle.recollect(app, [instance])
    _, record = app.cache.find(instance.key)
    return Resource.from_dict(record) if record else instance


def _master_password(app, database) -> "str | None":
    """The master password from the secret RDS manages, held in memory only; None (the
    client asks) when it cannot be read."""
    import json
    from fuzzyaws.aws.errors import AwsError
    try:
        secret = app.aws.client_for(database, "secretsmanager").get_secret_value(
            SecretId=database.attr("master_secret"))
        return json.loads(secret["SecretString"])["password"]
    except AwsError as exc:
        app.console.warn(f"cannot read the master secret ({exc}): the client will ask for the password")
    except (KeyError, TypeError, ValueError):
        app.console.warn("the master secret holds no password: the client will ask for it")
    return None


def _ssm_shell(app, opts, instance) -> int:
    plugin = need(PLUGIN, app.env)
    return app.become(*session.start(app, instance, session.shell_parameters(instance.id, opts.user), plugin))


def ssh_user(instance, settings) -> str:
    platform = instance.ssm_platform.lower()
    default = next((user for name, user in SSH_USERS if name in platform), "ec2-user")
    return settings.ssh_user or default


def _ssh(app, opts, instance) -> int:
    ssh = need("ssh", app.env)
    user = opts.user or ssh_user(instance, app.settings)
    extra = list(opts.extra)
    if opts.direct:
        given = any("connecttimeout" in word.lower() for word in extra)
        timeout = [] if given else ["-o", f"ConnectTimeout={SSH_CONNECT_TIMEOUT}"]
        how, target = timeout, f"{user}@{instance.address}"
    else:
        need(PLUGIN, app.env)
        proxy = shlex.join(child_argv(app) + ["ssh-proxy"]) + " %h %p"
        how, target = ["-o", f"ProxyCommand={proxy}"], f"{user}@{instance.id}"
    if opts.identity:  # the user's own key
        return app.become([ssh, "-i", opts.identity, *how, target, *extra])
    with onetime_key.pushed(app, instance, user) as key:
        if key is None:
            return app.become([ssh, *how, target, *extra])
        # a child, not exec: the key is deleted when the session ends
        return app.child([ssh, "-i", key, "-o", "IdentitiesOnly=yes", *how, target, *extra])


def _ecs(app, opts, task) -> int:
    plugin = need(PLUGIN, app.env)
    ecs = app.aws.client_for(task, "ecs")
    described = ecs.describe_tasks(cluster=task.cluster, tasks=[task.key])["tasks"]
    containers = {c["name"]: c.get("runtimeId") for t in described for c in t.get("containers", [])}
    name = opts.container or (next(iter(containers)) if len(containers) == 1 else
                              _pick_container(app, opts, sorted(containers)))
    if name not in containers:
        raise UsageError(f"task {task.id} has no container {name!r} "
                         f"(it has {', '.join(sorted(containers)) or 'none'})")
    return app.become(*session.ecs_exec(app, task, name, containers[name] or "",
                                        opts.command or "/bin/sh", plugin))


def _pick_container(app, opts, names: list) -> str:
    from fuzzyaws.pickers import Listing, Request
    chosen = app.picker(opts.picker).pick(
        Request(listing=Listing(keys=names, lines=names, header="container to exec into")))
    if chosen is None:
        raise Aborted("no container chosen")
    if not chosen:
        raise Failed("no container chosen")
    return chosen[0]


def _database(app, opts, database) -> int:
    plugin = need(PLUGIN, app.env)
    tool = need(clients.client_tool(database.engine, app.env), app.env) if opts.client else None
    port = remote_port(database)
    if not port:
        raise UsageError(f"{database.id}: unknown port; use `fuzzyaws tunnel --remote-port N`")
    jump = jumphost(database, everything(app), app.settings.jumphost_tag, opts.via)
    local = free_port(opts.local_port or port)
    host = database.endpoint
    argv, plugin_env = session.start(app, jump, session.port_parameters(session.target_of(app, jump), port, local,
                                                                        host), plugin)
    app.console.info(mapping(local, host, port, jump))
    if not tool:
        return app.become(argv, plugin_env)
    user = opts.user or database.attr("master_user")
    password = None
    if opts.iam:
        password = app.aws.client_for(database, "rds").generate_db_auth_token(
            DBHostname=host, Port=port, DBUsername=user, Region=database.region)
    elif database.attr("master_secret") and (not opts.user or opts.user == database.attr("master_user")):
        password = _master_password(app, database)
    client, env = clients.client_argv(database, tool.rsplit("/", 1)[-1], local, user, password, opts.extra,
                                      iam=opts.iam)
    # its own session: Ctrl-C in the client (cancelling a query) must not end the tunnel
    tunnel = subprocess.Popen(argv, stdin=subprocess.DEVNULL, env={**app.env, **plugin_env},
                              start_new_session=True)
    try:
        if not wait_for_port(local, lambda: tunnel.poll() is None):
            raise Failed(f"the tunnel did not open localhost:{local} "
                         f"(session-manager-plugin exited {tunnel.poll()})")
        return app.child(client, env)
    finally:
        if tunnel.poll() is None:
            tunnel.send_signal(signal.SIGTERM)
            tunnel.wait(timeout=10)
