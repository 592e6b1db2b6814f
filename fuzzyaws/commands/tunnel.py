"""`fuzzyaws tunnel [QUERY|ID|ARN]`: SSM port forwarding to an instance's port, or through a
jump host to a database, cache or any host. Prints the mapping, then runs until Ctrl-C."""
from __future__ import annotations

from fuzzyaws.actions import session
from fuzzyaws.actions.tools import PLUGIN, need
from fuzzyaws.actions.tunnel import free_port, jumphost, mapping, remote_port, ssm_reason
from fuzzyaws.selection import everything, resolve
from fuzzyaws.status import ExitStatus, UsageError


def run(app, opts) -> ExitStatus:
    plugin = need(PLUGIN, app.env)

    def usable(resource):
        if resource.kind == "ec2" and not opts.via:
            return ssm_reason(resource)
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
    if target.kind == "ec2" and not opts.via:
        via, host = None, target.id
        argv, env = session.start(app, target, session.port_parameters(target.id, port, local), plugin)
    else:
        via = jumphost(target, everything(app), app.settings.jumphost_tag, opts.via)
        host = target.endpoint
        argv, env = session.start(app, via, session.port_parameters(via.id, port, local, host), plugin)
    app.console.out(mapping(local, host, port, via) + "\n")
    app.console.flush()
    return app.become(argv, env)
