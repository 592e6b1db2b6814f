"""`read_only` in the config: mutating actions (start, stop, reboot, run, cp to a host, and
connect's start of a stopped instance) refused, everywhere
(`read_only = true`) or in the profiles it lists (`read_only = ["prod"]`)."""
from __future__ import annotations

from fuzzyaws.model import plural
from fuzzyaws.status import UsageError


def refuse_if_read_only(app, doing: str, resources) -> None:
    """UsageError (exit 2) when `read_only` covers any of `resources`; `doing`: "stop" etc."""
    read_only = app.settings.read_only
    if not read_only or not resources:
        return
    if read_only is True:
        raise UsageError(f"refusing to {doing}: read_only = true in the config")
    covered = {}
    for r in resources:
        profile = app.aws.target_of(r.account, r.region).profile or "default"
        if profile in read_only:
            covered.setdefault(profile, []).append(r)
    if covered:
        profile, hit = next(iter(sorted(covered.items())))
        raise UsageError(f"refusing to {doing} {plural(len(hit), 'resource')} of profile {profile!r}: "
                         f"it is read-only (read_only in the config)")
