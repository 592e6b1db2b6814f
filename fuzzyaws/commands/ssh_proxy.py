"""`fuzzyaws ssh-proxy HOST PORT`: an ssh ProxyCommand that reaches HOST (an instance id,
or a name or ARN from the cache) through SSM (AWS-StartSSHSession), so no port 22 needs to be
open. `connect --ssh` uses it; in ~/.ssh/config: `ProxyCommand fuzzyaws ssh-proxy %h %p`."""
from __future__ import annotations

from fuzzyaws.actions import session
from fuzzyaws.actions.tools import PLUGIN, need
from fuzzyaws.actions.tunnel import SSM_KINDS, ssm_reason
from fuzzyaws.selection import everything
from fuzzyaws.status import ExitStatus, Failed


def run(app, opts) -> ExitStatus:
    plugin = need(PLUGIN, app.env)
    found = [r for r in everything(app) if r.kind in SSM_KINDS and opts.host in (r.id, r.key, r.name)]
    if not found:
        raise Failed(f"{opts.host} is not an EC2 instance in the cache")
    reason = ssm_reason(found[0])
    if reason:
        raise Failed(f"{opts.host}: {reason}")
    return app.become(*session.start(app, found[0], session.ssh_parameters(found[0].id, opts.port), plugin))
