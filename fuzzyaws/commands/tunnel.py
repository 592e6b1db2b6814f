"""`fuzzyaws tunnel [QUERY|ID|ARN]`: SSM port forwarding to a port of an instance or an ECS
task, or through a jump host (an instance or a task) to a database, cache or any host.
Prints the mapping, then runs until Ctrl-C."""
from __future__ import annotations

from fuzzyaws.actions import session
from fuzzyaws.actions.tools import PLUGIN, need
from fuzzyaws.actions.tunnel import SSM_KINDS, free_port, jumphost, mapping, relay_reason, remote_port
from fuzzyaws.selection import everything, resolve
from fuzzyaws.status import ExitStatus, UsageError


def run(app, opts) -> ExitStatus:
    plugin = need(PLUGIN, app.env)

    def usable(resource):
        if resource.kind in (*SSM_KINDS, "ecs") and not opts.via:
            return relay_reason(resource)
        return None if resource.endpoint else "it has no address"

    target = resolve(app, opts.query, offline=opts.offline, picker=opts.picker, multi=False,
                     usable=usable)[0]
    port = opts.remote_port or remote_port(target)
    if not port:
        raise UsageError(f"{target.id}: which port? give --remote-port")
    if opts.local_port:
        local = free_port(opts.local_port)
        if local != opts.local_port:
            raise UsageError(f"local port {opts.local_port} is in use")
    else:
        local = free_port(port)
    if target.kind in (*SSM_KINDS, "ecs") and not opts.via:
        via, host = None, target.id
        argv, env = session.start(app, target, session.port_parameters(session.target_of(app, target), port, local),
                                  plugin)
    else:
        via = jumphost(target, everything(app), app.settings.jumphost_tag, opts.via)
        host = target.endpoint
        argv, env = session.start(app, via, session.port_parameters(session.target_of(app, via), port, local, host),
                                  plugin)
    app.console.out(mapping(local, host, port, via) + "\n")
    app.console.flush()
    return app.become(argv, env)
