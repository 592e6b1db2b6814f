"""`fuzzyaws cp SRC... DST`: scp through SSM. One side is `HOST:path`, HOST a query, an ID or
a Name tag (as for connect); the other side is local. Each host gets its one-time key
(EC2 Instance Connect, as `connect --ssh`) and its own scp, run through
`fuzzyaws ssh-proxy`; with several hosts (`--multi` picks them, `--targets` names them)
the files go to each one in turn and each one's outcome is reported. Exit 0 only if every
copy succeeded.

    fuzzyaws cp app.conf web-01:/tmp/
    fuzzyaws cp --multi app.conf 'prod web':/tmp/
    fuzzyaws cp web-01:/var/log/app.log .
"""
from __future__ import annotations

import re
import shlex

from fuzzyaws.actions import onetime_key
from fuzzyaws.actions.guard import refuse_if_read_only
from fuzzyaws.actions.tools import PLUGIN, need
from fuzzyaws.actions.tunnel import SSM_KINDS, ssm_reason
from fuzzyaws.commands.connect import ssh_user
from fuzzyaws.selection import by_ids, child_argv, resolve
from fuzzyaws.status import ExitStatus, Failed, UsageError

# scp's rule: a colon before any slash makes HOST:path (write ./a:b for a local file)
_REMOTE = re.compile(r"([^/]*):(.*)", re.DOTALL)


def remote(spec: str) -> "tuple[str, str] | None":
    """(host, path) of a HOST:path argument, None for a local path."""
    found = _REMOTE.fullmatch(spec)
    return (found.group(1), found.group(2)) if found else None


def run(app, opts) -> ExitStatus:
    *sources, destination = opts.paths or ("",)
    if not sources:
        raise UsageError("what to copy where? fuzzyaws cp SRC... DST (one side HOST:path)")
    upload = remote(destination)
    downloads = [remote(s) for s in sources]
    if upload and any(downloads) or not upload and not all(downloads):
        raise UsageError("one side is HOST:path, the other local: cp FILE... HOST:path, or cp HOST:path... DIR")
    scp = need("scp", app.env)
    need(PLUGIN, app.env)
    if upload:
        query, path = upload
        hosts = _hosts(app, opts, query, multi=opts.multi or bool(opts.targets))
        refuse_if_read_only(app, "copy files to", hosts)
    else:
        queries = {host for host, _ in downloads}
        if len(queries) != 1 or opts.multi or opts.targets:
            raise UsageError("copying from hosts: one host at a time")
        hosts = _hosts(app, opts, queries.pop(), multi=False)
    proxy = shlex.join(child_argv(app) + ["ssh-proxy"]) + " %h %p"
    failed = []
    for host in hosts:
        user = opts.user or ssh_user(host, app.settings)
        at = f"{user}@{host.id}"
        if upload:
            paths = [*sources, f"{at}:{upload[1]}"]
        else:
            paths = [*(f"{at}:{p}" for _, p in downloads), destination]
        with onetime_key.pushed(app, host, user) as key:
            keys = ["-i", key, "-o", "IdentitiesOnly=yes"] if key else []
            recursive = ["-r"] if opts.recursive else []
            status = app.child([scp, *keys, "-o", f"ProxyCommand={proxy}", *recursive, "--", *paths])
        name = host.label
        if status:
            failed.append(host)
            app.console.error(f"{name}: scp exited {status}")
        elif len(hosts) > 1:
            app.console.info(f"{name}: copied")
    if len(hosts) > 1:
        app.console.info(f"{len(hosts) - len(failed)}/{len(hosts)} hosts copied")
    return ExitStatus.FAILED if failed else ExitStatus.OK


def _hosts(app, opts, query: str, multi: bool) -> list:
    if opts.targets:
        if query:
            raise UsageError("--targets names the hosts: write the destination as :path")
        hosts = by_ids(app, opts.targets, SSM_KINDS)
        unreachable = [f"{h.id}: {ssm_reason(h)}" for h in hosts if ssm_reason(h)]
        if unreachable:
            raise Failed(f"cannot reach {'; '.join(unreachable[:3])}")
        return hosts
    return resolve(app, query, offline=opts.offline, picker=opts.picker, multi=multi,
                   kinds=list(SSM_KINDS), usable=ssm_reason)
