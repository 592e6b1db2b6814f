"""`fuzzyaws ssh-config`: ssh `Host` blocks for the cached instances and hybrid nodes, so that
plain `ssh web-01`, scp, rsync and editors' remote-SSH reach them through SSM:

    fuzzyaws ssh-config > ~/.ssh/fuzzyaws.config
    # and once, at the top of ~/.ssh/config:   Include fuzzyaws.config

Each block is named by the instance ID and by its Name tag, sanitised to what ssh takes
as a plain host name (letters, digits, `.`, `_`, `-`); a name several instances share is
given to the first (by account, region, ID) as it is and to the others with `-2`, `-3`….
The login is the one `connect --ssh` uses (ssh_user, else by platform). The ProxyCommand
carries the global options given here (--profile, --region, --config, --cache-dir, --ttl),
so it looks in the same inventory. It prints; it never edits a file of the user's.
"""
from __future__ import annotations

import re
import shlex

from fuzzyaws.actions.tunnel import SSM_KINDS
from fuzzyaws.commands.connect import ssh_user
from fuzzyaws.selection import current, global_flags, records
from fuzzyaws.status import ExitStatus

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_ID = re.compile(r"(i|mi)-[0-9a-f]{8,17}")


def alias(name: str) -> str:
    """A Name tag as an ssh host name ("" when nothing usable is left)."""
    return _UNSAFE.sub("-", name).strip("-.")


def blocks(instances, settings, proxy: str) -> list:
    """The `Host` blocks, one per instance with a well-formed ID, in a stable order."""
    out, taken = [], set()
    for r in sorted(instances, key=lambda r: (r.account, r.region, r.id)):
        if not _ID.fullmatch(r.id):
            continue
        names = [r.id]
        base = alias(r.name) if r.name != r.id else ""
        if base and not _ID.fullmatch(base):
            name, n = base, 1
            while name in taken:
                n += 1
                name = f"{base}-{n}"
            taken.add(name)
            names.append(name)
        user = ssh_user(r, settings) if r.kind == "ec2" else settings.ssh_user
        lines = [f"Host {' '.join(names)}", f"    HostName {r.id}"]
        lines += [f"    User {user}"] if user else []
        lines += [f"    ProxyCommand {proxy} %h %p", ""]
        out.append("\n".join(lines))
    return out


def run(app, opts) -> ExitStatus:
    inventory, _ = current(app, list(SSM_KINDS), offline=opts.offline)
    instances = [r for r in records(app, inventory).values() if r.kind in SSM_KINDS]
    proxy = shlex.join(["fuzzyaws", *global_flags(app), "ssh-proxy"])
    found = blocks(instances, app.settings, proxy)
    app.console.out(f"# made by `fuzzyaws ssh-config`: {len(found)} hosts; Include it from ~/.ssh/config\n\n"
                    + "\n".join(found))
    return ExitStatus.OK if found else ExitStatus.NO_MATCH

