"""`fuzzyaws refresh`: collect every shard now; the plan of accounts and regions is redone too.
With an organization source, it says where the rest of the organization comes from."""
from __future__ import annotations

import time

from fuzzyaws.status import ExitStatus


def run(app, opts) -> ExitStatus:
    from fuzzyaws.inventory.refresh import refresh
    started = time.monotonic()
    app.aws.targets(fresh=True)
    report = refresh(app, kinds=opts.kinds, force=True)
    if app.settings.verbose or app.console.interactive:
        from fuzzyaws.inventory.sources import describe
        if describe(app.settings):
            app.console.info(describe(app.settings))
        denied, failed = len(report.of("denied")), len(report.of("failed", "partial"))
        app.console.info(f"{len(report.outcomes)} shards, {report.resources} resources "
                         f"in {time.monotonic() - started:.1f}s"
                         + (f", {denied} denied" if denied else "") + (f", {failed} failed" if failed else ""))
    return ExitStatus.FAILED if report.failed else ExitStatus.OK
