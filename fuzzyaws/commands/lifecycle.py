"""`fuzzyaws start|stop|reboot [QUERY|ID|ARN...]`: change the state of EC2 instances and RDS
databases (reboot: EC2), after one confirmation that lists them, then wait until each one
gets there. Exit 0 only if every target did."""
from __future__ import annotations

from fuzzyaws.actions import lifecycle
from fuzzyaws.actions.guard import refuse_if_read_only
from fuzzyaws.model import clean, plural
from fuzzyaws.selection import by_ids, resolve
from fuzzyaws.status import Aborted, ExitStatus, Failed

KINDS = ("ec2", "rds")
SHOWN = 10  # targets named in the question; the rest are counted


def run(app, opts) -> ExitStatus:
    verb, usable = opts.verb, lifecycle.usable(opts.verb)
    if len(opts.targets) > 1:
        targets = by_ids(app, opts.targets, KINDS, what="an EC2 instance or RDS database")
        refused = [f"{r.label}: {usable(r)}" for r in targets if usable(r)]
        if refused:  # all or nothing: a list that names targets is done as named
            raise Failed(f"nothing done: {'; '.join(refused[:3])}" + (" …" if len(refused) > 3 else ""))
    else:
        targets = resolve(app, opts.targets[0] if opts.targets else "", offline=opts.offline,
                          picker=opts.picker, multi=True, kinds=list(KINDS), usable=usable)
    refuse_if_read_only(app, verb, targets)
    if not opts.yes:
        names = ", ".join(f"{clean(r.name)} ({r.id})" if r.name != r.id else r.id for r in targets[:SHOWN])
        more = f" and {len(targets) - SHOWN} more" if len(targets) > SHOWN else ""
        if not app.console.confirm(f"{verb.capitalize()} {plural(len(targets), _noun(targets))}: {names}{more}?"):
            raise Aborted(f"not confirmed: nothing was {_done(verb)}")
    outcomes = lifecycle.act(app.aws, verb, targets)
    if not opts.no_wait:
        outcomes = lifecycle.wait(app.aws, verb, outcomes, opts.timeout,
                                  progress=lambda now: _progress(app.console, verb, now))
        app.console.progress_done()
    for o in outcomes:
        r = o.resource
        if o.reason:
            app.console.error(f"{r.label}: {o.reason}")
        elif opts.no_wait:
            app.console.info(f"{r.label}: {verb} requested")
        else:
            app.console.info(f"{r.label}: {o.state}")
    lifecycle.recollect(app, [o.resource for o in outcomes if o.done or (opts.no_wait and not o.reason)])
    failed = sum(1 for o in outcomes if o.reason)
    if len(outcomes) > 1:
        app.console.info(f"{len(outcomes) - failed}/{len(outcomes)} {_done(verb)}")
    return ExitStatus.FAILED if failed else ExitStatus.OK


def _noun(targets) -> str:
    kinds = {r.kind for r in targets}
    return "instance" if kinds == {"ec2"} else "database" if kinds == {"rds"} else "resource"


def _done(verb: str) -> str:
    return {"start": "started", "stop": "stopped", "reboot": "rebooted"}[verb]


def _progress(console, verb: str, outcomes) -> None:
    done = sum(o.done for o in outcomes)
    failed = sum(bool(o.reason) for o in outcomes)
    console.progress(f"{verb}: {done}/{len(outcomes)} {_done(verb)}"
                     + (f", {failed} failed" if failed else "") + ", waiting…")
